import Foundation

/// The repository contents and git refs endpoints, for committing chart images to an assets branch
/// (GitHub has no REST endpoint for comment attachments; forge-api.md §3).
extension GitHubClient {
    public var repositoryOwner: String { owner }
    public var repositoryName: String { repo }

    /// `GET /repos/{o}/{r}`: the default branch, where a missing assets branch starts from.
    public func defaultBranch() async throws -> String {
        let response = try await http.send("GET", repoURL, operation: "reading the repository")
        guard let object = try ForgeHTTP.decode(response, operation: "reading the repository") as? [String: Any],
              let branch = object["default_branch"] as? String, !branch.isEmpty else {
            throw ForgeError.badResponse(operation: "reading the repository", detail: "no default_branch")
        }
        return branch
    }

    /// `GET /repos/{o}/{r}/git/ref/heads/{branch}`: the branch's head commit, nil when it does not exist.
    public func branchHead(_ branch: String) async throws -> String? {
        let operation = "reading branch \(branch)"
        let response: ForgeResponse
        do {
            response = try await http.send("GET", "\(repoURL)/git/ref/heads/\(URLPath.segments(branch))", operation: operation)
        } catch ForgeError.notFound {
            return nil
        }
        guard let object = try ForgeHTTP.decode(response, operation: operation) as? [String: Any],
              let target = object["object"] as? [String: Any], let sha = target["sha"] as? String else {
            throw ForgeError.badResponse(operation: operation, detail: "no object.sha")
        }
        return sha
    }

    /// `POST /repos/{o}/{r}/git/refs`: creates `refs/heads/{branch}` at `sha`.
    public func createBranch(_ branch: String, at sha: String) async throws {
        _ = try await http.send("POST", "\(repoURL)/git/refs", json: ["ref": "refs/heads/\(branch)", "sha": sha], operation: "creating branch \(branch)")
    }

    /// `GET /repos/{o}/{r}/contents/{path}?ref={branch}`: the blob sha of a file, nil when absent.
    public func fileSHA(path: String, branch: String) async throws -> String? {
        let operation = "reading \(path) on \(branch)"
        let response: ForgeResponse
        do {
            response = try await http.send("GET", "\(repoURL)/contents/\(URLPath.segments(path))?ref=\(URLPath.segment(branch))", operation: operation)
        } catch ForgeError.notFound {
            return nil
        }
        guard let object = try ForgeHTTP.decode(response, operation: operation) as? [String: Any],
              let sha = object["sha"] as? String else {
            // A directory answers with an array: not something we wrote.
            throw ForgeError.badResponse(operation: operation, detail: "not a file")
        }
        return sha
    }

    /// `PUT /repos/{o}/{r}/contents/{path}`: one commit on `branch` creating (or, with `sha`,
    /// replacing) the file.
    public func putFile(path: String, branch: String, message: String, content: Data, sha: String?) async throws {
        var body: [String: Any] = ["message": message, "content": content.base64EncodedString(), "branch": branch]
        if let sha { body["sha"] = sha }
        _ = try await http.send("PUT", "\(repoURL)/contents/\(URLPath.segments(path))", json: body, operation: "writing \(path) on \(branch)")
    }
}

extension URLPath {
    /// A path of several segments (`dir/file.svg`, a branch `team/assets`): each segment encoded, the
    /// slashes kept, as GitHub's multi-segment parameters (`{path}`, `{ref}`) expect.
    static func segments(_ s: String) -> String {
        s.split(separator: "/", omittingEmptySubsequences: false).map { segment(String($0)) }.joined(separator: "/")
    }
}
