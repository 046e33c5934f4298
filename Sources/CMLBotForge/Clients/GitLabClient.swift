import Foundation

/// GitLab REST v4 (gitlab.com and self-managed).
///
/// Endpoints called:
/// - `GET/POST /projects/:id/merge_requests/:iid/notes`, `PUT/DELETE .../notes/:note_id`, paginated by `x-next-page`
/// - `GET/POST /projects/:id/issues/:iid/notes`, `PUT/DELETE .../notes/:note_id`
/// - `GET/POST /projects/:id/repository/commits/:sha/comments` (GitLab cannot edit commit comments)
/// - `POST /projects/:id/statuses/:sha`
/// - `GET /projects/:id/repository/commits/:sha/merge_requests`
/// - `GET /projects/:id`, `GET /user` (`doctor`: the token's access level; the sticky note's author; GitLabClient+Access.swift)
/// - `POST /projects/:id/uploads` (multipart; chart images for `--upload-charts`, in GitLabClient+Uploads.swift)
public struct GitLabClient: ForgeClient {
    public let kind = ForgeKind.gitlab
    public let commentBodyLimit = 1_000_000

    let apiURL: String
    /// Numeric id, or the URL-encoded path (`group%2Fproject`), kept encoded on the wire.
    let projectID: String
    let http: ForgeHTTP

    public init(apiURL: String, projectID: String, token: String, transport: any HTTPTransport, userAgent: String) {
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        // Accept a plain path too (`group/project`): encode it once.
        self.projectID = projectID.contains("/") ? URLPath.segment(projectID) : projectID
        http = ForgeHTTP(transport: transport, baseHeaders: [
            ("Accept", "application/json"),
            ("PRIVATE-TOKEN", token),
            ("User-Agent", userAgent),
        ], permissionHint: "use a project access token with the api scope stored as a masked CI/CD variable (GITLAB_TOKEN); CI_JOB_TOKEN cannot post notes or statuses")
    }

    var projectURL: String { "\(apiURL)/projects/\(projectID)" }

    public func supportsUpdate(on target: CommentTarget) -> Bool {
        if case .commit = target { return false }
        return true
    }

    func notesURL(_ target: CommentTarget) -> String {
        switch target {
        case .pullRequest(let iid): return "\(projectURL)/merge_requests/\(iid)/notes"
        case .issue(let iid): return "\(projectURL)/issues/\(iid)/notes"
        case .commit(let sha): return "\(projectURL)/repository/commits/\(URLPath.segment(sha))/comments"
        }
    }

    public func listComments(on target: CommentTarget) async throws -> [ForgeComment] {
        let base = notesURL(target)
        var page: String? = "1"
        var out: [ForgeComment] = []
        var pages = 0
        while let current = page, !current.isEmpty {
            pages += 1
            guard pages <= 300 else { throw ForgeError.badResponse(operation: "listing notes", detail: "more than 300 pages") }
            let query = target.isCommit ? "per_page=100&page=\(current)" : "per_page=100&page=\(current)&sort=asc&order_by=created_at"
            let response = try await http.send("GET", "\(base)?\(query)", operation: "listing notes on \(target)")
            guard let items = try ForgeHTTP.decode(response, operation: "listing notes") as? [[String: Any]] else {
                throw ForgeError.badResponse(operation: "listing notes", detail: "expected a JSON array")
            }
            for (i, item) in items.enumerated() {
                if target.isCommit {
                    // Commit comments have no id in GitLab's API; index them so callers can tell them apart.
                    out.append(ForgeComment(id: -(out.count + i + 1), body: item["note"] as? String ?? "", url: nil,
                                           author: (item["author"] as? [String: Any])?["username"] as? String))
                    continue
                }
                if item["system"] as? Bool == true { continue }  // "changed the description" etc.
                out.append(try ForgeHTTP.comment(item, bodyKey: "body", urlKey: nil, operation: "listing notes"))
            }
            page = response.header("x-next-page")
        }
        return out
    }

    public func createComment(on target: CommentTarget, body: String) async throws -> ForgeComment {
        let key = target.isCommit ? "note" : "body"
        let response = try await http.send("POST", notesURL(target), json: [key: body], operation: "creating a note on \(target)")
        if target.isCommit { return ForgeComment(id: 0, body: body, url: nil) }
        return try ForgeHTTP.comment(try ForgeHTTP.decode(response, operation: "creating a note"), bodyKey: "body", urlKey: nil, operation: "creating a note")
    }

    public func updateComment(on target: CommentTarget, id: Int, body: String) async throws -> ForgeComment {
        let response = try await http.send("PUT", "\(notesURL(target))/\(id)", json: ["body": body], operation: "updating note \(id)")
        return try ForgeHTTP.comment(try ForgeHTTP.decode(response, operation: "updating a note"), bodyKey: "body", urlKey: nil, operation: "updating a note")
    }

    public func deleteComment(on target: CommentTarget, id: Int) async throws {
        _ = try await http.send("DELETE", "\(notesURL(target))/\(id)", operation: "deleting note \(id)")
    }

    public func setStatus(_ status: CommitStatusRequest) async throws {
        let state: String
        switch status.state {
        case .pending: state = "pending"
        case .success: state = "success"
        case .failure, .error: state = "failed"
        }
        var body: [String: Any] = ["state": state, "name": status.context, "description": String(status.description.prefix(140))]
        if let url = status.targetURL { body["target_url"] = url }
        _ = try await http.send("POST", "\(projectURL)/statuses/\(URLPath.segment(status.sha))", json: body, operation: "setting the commit status")
    }

    public func pullRequests(forCommit sha: String) async throws -> [Int] {
        let response = try await http.send("GET", "\(projectURL)/repository/commits/\(URLPath.segment(sha))/merge_requests", operation: "finding the merge request of \(sha.prefix(7))")
        let items = try ForgeHTTP.decode(response, operation: "finding merge requests") as? [[String: Any]] ?? []
        return items.filter { ($0["state"] as? String ?? "opened") == "opened" }.compactMap { ($0["iid"] as? NSNumber)?.intValue }
    }
}

extension CommentTarget {
    var isCommit: Bool {
        if case .commit = self { return true }
        return false
    }
}
