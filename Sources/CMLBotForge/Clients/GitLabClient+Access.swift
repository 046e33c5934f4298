import Foundation

/// What `GET /projects/:id` tells about a token's user: its membership level, read without writing.
public struct GitLabProjectAccess: Equatable, Sendable {
    public var pathWithNamespace: String?
    /// `permissions.project_access.access_level`: direct membership.
    public var projectAccessLevel: Int?
    /// `permissions.group_access.access_level`: membership inherited from the group.
    public var groupAccessLevel: Int?

    public init(pathWithNamespace: String? = nil, projectAccessLevel: Int? = nil, groupAccessLevel: Int? = nil) {
        self.pathWithNamespace = pathWithNamespace
        self.projectAccessLevel = projectAccessLevel
        self.groupAccessLevel = groupAccessLevel
    }

    /// The higher of the two: GitLab grants whichever membership gives more.
    public var accessLevel: Int? {
        switch (projectAccessLevel, groupAccessLevel) {
        case let (p?, g?): return max(p, g)
        case let (p, g): return p ?? g
        }
    }

    init(json: Any) throws {
        guard let object = json as? [String: Any] else {
            throw ForgeError.badResponse(operation: "reading the project", detail: "expected a JSON object")
        }
        pathWithNamespace = object["path_with_namespace"] as? String
        let permissions = object["permissions"] as? [String: Any]
        func level(_ key: String) -> Int? {
            ((permissions?[key] as? [String: Any])?["access_level"] as? NSNumber)?.intValue
        }
        projectAccessLevel = level("project_access")
        groupAccessLevel = level("group_access")
    }
}

/// `GET /user`: who the token acts as.
public struct GitLabUser: Equatable, Sendable {
    public var username: String?

    public init(username: String?) { self.username = username }
}

extension GitLabClient {
    /// `GET /projects/:id`: whether the token can see the project, and the user's access level.
    public func projectAccess() async throws -> GitLabProjectAccess {
        let response = try await http.send("GET", projectURL, operation: "reading the project")
        return try GitLabProjectAccess(json: try ForgeHTTP.decode(response, operation: "reading the project"))
    }

    /// `GET /user`: the token's user. Needs the `api`, `read_api` or `read_user` scope.
    public func currentUser() async throws -> GitLabUser {
        let response = try await http.send("GET", "\(apiURL)/user", operation: "reading the token's user")
        let object = try ForgeHTTP.decode(response, operation: "reading the token's user") as? [String: Any]
        return GitLabUser(username: object?["username"] as? String)
    }

    /// The token's user, who writes the notes (project and group access tokens have one too).
    public func ownIdentity() async throws -> ForgeIdentity {
        guard let name = try await currentUser().username, !name.isEmpty else {
            throw ForgeError.badResponse(operation: "reading the token's user", detail: "no username in the answer")
        }
        return .user(name)
    }
}
