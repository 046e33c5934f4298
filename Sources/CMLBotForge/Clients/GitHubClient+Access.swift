import Foundation

/// What `GET /repos/{o}/{r}` tells about a token, read without writing anything (for `doctor`).
public struct GitHubRepositoryAccess: Equatable, Sendable {
    public var fullName: String?
    public var isPrivate: Bool?
    /// The `permissions` object (`admin`, `maintain`, `push`, `triage`, `pull`): the token's user's
    /// role on the repository. GitHub sends none for installation tokens (the Actions GITHUB_TOKEN,
    /// GitHub Apps), whose permissions cannot be read back.
    public var permissions: [String: Bool]?
    /// `X-OAuth-Scopes`: sent for classic personal access tokens and OAuth tokens only; an empty
    /// list means a token with no scopes.
    public var oauthScopes: [String]?
    /// `X-Accepted-GitHub-Permissions`: the fine-grained permissions this endpoint accepts, sent to
    /// fine-grained tokens and GitHub Apps (e.g. `metadata=read`).
    public var acceptedPermissions: String?

    public init(fullName: String? = nil, isPrivate: Bool? = nil, permissions: [String: Bool]? = nil,
                oauthScopes: [String]? = nil, acceptedPermissions: String? = nil) {
        self.fullName = fullName
        self.isPrivate = isPrivate
        self.permissions = permissions
        self.oauthScopes = oauthScopes
        self.acceptedPermissions = acceptedPermissions
    }

    /// Reads the response of `GET /repos/{o}/{r}`: the body's `full_name`, `private` and
    /// `permissions`, and the two permission headers.
    public init(response: ForgeResponse) throws {
        guard let object = try ForgeHTTP.decode(response, operation: "reading the repository") as? [String: Any] else {
            throw ForgeError.badResponse(operation: "reading the repository", detail: "expected a JSON object")
        }
        fullName = object["full_name"] as? String
        isPrivate = object["private"] as? Bool
        if let raw = object["permissions"] as? [String: Any] {
            permissions = raw.compactMapValues { $0 as? Bool }
        }
        oauthScopes = response.header("x-oauth-scopes").map { header in
            header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        acceptedPermissions = response.header("x-accepted-github-permissions")
    }
}

extension GitHubClient {
    /// `GET /repos/{o}/{r}`: whether the token can see the repository, and what it may do there.
    public func repositoryAccess() async throws -> GitHubRepositoryAccess {
        let response = try await http.send("GET", repoURL, operation: "reading repository \(owner)/\(repo)")
        return try GitHubRepositoryAccess(response: response)
    }

    /// `GET /user` for a personal access token (classic or fine-grained): its user writes the
    /// comments. Installation tokens — the Actions `GITHUB_TOKEN`, other GitHub Apps — are refused
    /// there (403 "Resource not accessible by integration"); their comments come from the app's bot,
    /// `github-actions[bot]` for the Actions token. Asking first, rather than trusting the variable
    /// name alone, keeps a personal token exported as `GITHUB_TOKEN` working.
    public func ownIdentity() async throws -> ForgeIdentity {
        let operation = "reading the token's user"
        do {
            let response = try await http.send("GET", "\(apiURL)/user", operation: operation)
            guard let object = try ForgeHTTP.decode(response, operation: operation) as? [String: Any],
                  let login = object["login"] as? String, !login.isEmpty else {
                throw ForgeError.badResponse(operation: operation, detail: "no login in the answer")
            }
            return .user(login)
        } catch ForgeError.notPermitted(_, 403, _, _) {
            return .bot(login: actionsToken ? ForgeIdentity.actionsBot : nil)
        }
    }
}
