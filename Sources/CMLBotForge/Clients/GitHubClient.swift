import Foundation

/// GitHub REST (api.github.com, GitHub Enterprise Server `/api/v3`), API version 2022-11-28.
///
/// Endpoints called:
/// - `GET/POST /repos/{o}/{r}/issues/{n}/comments` (PR and issue conversation), paginated by `Link`
/// - `PATCH/DELETE /repos/{o}/{r}/issues/comments/{id}`
/// - `GET/POST /repos/{o}/{r}/commits/{sha}/comments`, `PATCH/DELETE /repos/{o}/{r}/comments/{id}`
/// - `POST /repos/{o}/{r}/statuses/{sha}`
/// - `POST /repos/{o}/{r}/check-runs` (Actions token only: PATs cannot create check runs)
/// - `GET /repos/{o}/{r}/commits/{sha}/pulls`
/// - `GET /repos/{o}/{r}` (`doctor`: the token's permissions; GitHubClient+Access.swift)
/// - `GET /user` (who writes the comments, to tell cmlbot's sticky comment from a forged marker)
/// - `GET /repos/{o}/{r}`, `GET /repos/{o}/{r}/git/ref/heads/{branch}`, `POST /repos/{o}/{r}/git/refs`,
///   `GET`/`PUT /repos/{o}/{r}/contents/{path}` (chart images for `--assets-branch`, in GitHubClient+Contents.swift)
public struct GitHubClient: ForgeClient {
    public let kind = ForgeKind.github
    /// GitHub rejects bodies over 65,536 characters; keep a margin for how it counts.
    public let commentBodyLimit = 65_000
    public static let apiVersion = "2022-11-28"

    let apiURL: String
    let owner: String
    let repo: String
    let http: ForgeHTTP
    /// Whether the token is the Actions `GITHUB_TOKEN` (whose comments `github-actions[bot]` writes).
    let actionsToken: Bool

    /// `repository` is `owner/name`. `actionsToken`: the token is the workflow's `GITHUB_TOKEN`.
    public init(apiURL: String, repository: String, token: String, transport: any HTTPTransport, userAgent: String,
                actionsToken: Bool = false) throws {
        let parts = repository.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ForgeError.badResponse(operation: "reading the repository name", detail: "'\(repository)' is not OWNER/NAME")
        }
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        owner = String(parts[0])
        repo = String(parts[1])
        self.actionsToken = actionsToken
        http = ForgeHTTP(transport: transport, baseHeaders: [
            ("Accept", "application/vnd.github+json"),
            ("Authorization", "Bearer \(token)"),
            ("User-Agent", userAgent),
            ("X-GitHub-Api-Version", Self.apiVersion),
        ], permissionHint: "give the workflow `permissions: pull-requests: write, issues: write, statuses: write` (a pull request from a fork gets a read-only token; see docs/security.md)")
    }

    var repoURL: String { "\(apiURL)/repos/\(URLPath.segment(owner))/\(URLPath.segment(repo))" }

    public func supportsUpdate(on target: CommentTarget) -> Bool { true }

    func commentsURL(_ target: CommentTarget) -> String {
        switch target {
        case .pullRequest(let n), .issue(let n): return "\(repoURL)/issues/\(n)/comments"
        case .commit(let sha): return "\(repoURL)/commits/\(URLPath.segment(sha))/comments"
        }
    }

    func commentURL(_ target: CommentTarget, id: Int) -> String {
        switch target {
        case .pullRequest, .issue: return "\(repoURL)/issues/comments/\(id)"
        case .commit: return "\(repoURL)/comments/\(id)"
        }
    }

    public func listComments(on target: CommentTarget) async throws -> [ForgeComment] {
        var url: String? = commentsURL(target) + "?per_page=100"
        var out: [ForgeComment] = []
        var pages = 0
        while let next = url {
            pages += 1
            // A runaway Link chain (or a hostile server) must not loop forever: 300 pages is 30,000 comments.
            guard pages <= 300 else { throw ForgeError.badResponse(operation: "listing comments", detail: "more than 300 pages") }
            let response = try await http.send("GET", next, operation: "listing comments on \(target)")
            guard let items = try ForgeHTTP.decode(response, operation: "listing comments") as? [Any] else {
                throw ForgeError.badResponse(operation: "listing comments", detail: "expected a JSON array")
            }
            for item in items { out.append(try ForgeHTTP.comment(item, bodyKey: "body", urlKey: "html_url", operation: "listing comments")) }
            url = URLPath.nextLink(response.header("link"))
        }
        return out
    }

    public func createComment(on target: CommentTarget, body: String) async throws -> ForgeComment {
        let response = try await http.send("POST", commentsURL(target), json: ["body": body], operation: "creating a comment on \(target)")
        return try ForgeHTTP.comment(try ForgeHTTP.decode(response, operation: "creating a comment"), bodyKey: "body", urlKey: "html_url", operation: "creating a comment")
    }

    public func updateComment(on target: CommentTarget, id: Int, body: String) async throws -> ForgeComment {
        let response = try await http.send("PATCH", commentURL(target, id: id), json: ["body": body], operation: "updating comment \(id)")
        return try ForgeHTTP.comment(try ForgeHTTP.decode(response, operation: "updating a comment"), bodyKey: "body", urlKey: "html_url", operation: "updating a comment")
    }

    public func deleteComment(on target: CommentTarget, id: Int) async throws {
        _ = try await http.send("DELETE", commentURL(target, id: id), operation: "deleting comment \(id)")
    }

    public func setStatus(_ status: CommitStatusRequest) async throws {
        var body: [String: Any] = [
            "state": status.state.rawValue,  // pending, success, failure, error: GitHub's own words
            "context": status.context,
            "description": String(status.description.prefix(140)),
        ]
        if let url = status.targetURL { body["target_url"] = url }
        _ = try await http.send("POST", "\(repoURL)/statuses/\(URLPath.segment(status.sha))", json: body, operation: "setting the commit status")
    }

    /// A completed check run with the report as its summary. Needs an Actions/App token.
    public func createCheckRun(name: String, headSHA: String, conclusion: String, title: String, summary: String, detailsURL: String?) async throws -> String? {
        var body: [String: Any] = [
            "name": name, "head_sha": headSHA, "status": "completed", "conclusion": conclusion,
            "output": ["title": String(title.prefix(255)), "summary": summary],
        ]
        if let detailsURL { body["details_url"] = detailsURL }
        let response = try await http.send("POST", "\(repoURL)/check-runs", json: body, operation: "creating a check run")
        return (try? ForgeHTTP.decode(response, operation: "creating a check run") as? [String: Any])?["html_url"] as? String
    }

    public func pullRequests(forCommit sha: String) async throws -> [Int] {
        let response = try await http.send("GET", "\(repoURL)/commits/\(URLPath.segment(sha))/pulls?per_page=100", operation: "finding the pull request of \(sha.prefix(7))")
        let items = try ForgeHTTP.decode(response, operation: "finding pull requests") as? [[String: Any]] ?? []
        return items.filter { ($0["state"] as? String ?? "open") == "open" }.compactMap { ($0["number"] as? NSNumber)?.intValue }
    }
}
