import Foundation

/// What the fakes answer about a token on the read-only routes `cmlbot doctor` calls:
/// GitHub `GET /repos/{o}/{r}`, GitLab `GET /projects/:id` and `GET /user`. Shapes follow
/// shared/api-specs (`full-repository`; GitLab's documented `permissions` object, which the cut
/// spec does not hold, and `APIEntitiesUserPublic`).
public struct FakeAccessConfig: Sendable {
    /// GitHub: `X-OAuth-Scopes` per token, sent only for tokens listed (classic PATs); tokens not
    /// listed that are not app tokens behave as fine-grained tokens (no scopes header).
    public var githubScopes: [String: String] = [:]
    /// GitHub: the login `GET /user` answers per personal token (unlisted: `ml-reporter`); app
    /// tokens get 403 there, as on GitHub.
    public var githubUsers: [String: String] = [:]
    /// GitLab: `permissions.project_access.access_level` per token; unlisted write tokens are
    /// Developers (30), unlisted read-only tokens Guests (10).
    public var gitlabAccessLevels: [String: Int] = [:]
    /// GitLab: tokens whose scope does not cover `GET /user` (403 insufficient_scope).
    public var gitlabNoUserScope: Set<String> = []
    /// Whether the repository/project is private.
    public var isPrivate = true

    public init() {}
}

extension FakeForgeState {
    public func configureAccess(_ change: @Sendable (inout FakeAccessConfig) -> Void) { change(&access) }

    /// The doctor's routes, answered before the write routes; nil when the request is not one of them.
    func accessRoute(method: String, path: String, headers: [String: String]) -> Reply? {
        guard method == "GET" else { return nil }
        let parts = path.split(separator: "/").map(String.init)
        switch kind {
        case .github where parts.count == 3 && parts[0] == "repos":
            return githubRepository(owner: parts[1], name: parts[2], headers: headers)
        case .github where parts == ["user"]:
            return githubAuthenticatedUser(headers: headers)
        case .gitlab where parts.count == 4 && parts[0] == "api" && parts[1] == "v4" && parts[2] == "projects":
            return gitlabProject(id: parts[3], headers: headers)
        case .gitlab where parts.count == 3 && parts[0] == "api" && parts[1] == "v4" && parts[2] == "user":
            return gitlabUser(headers: headers)
        default:
            return nil
        }
    }

    func githubRepository(owner: String, name: String, headers: [String: String]) -> Reply {
        guard let agent = headers["user-agent"], !agent.isEmpty else { return Self.error(403, "Request forbidden by administrative rules") }
        guard let auth = headers["authorization"], auth.hasPrefix("Bearer ") || auth.hasPrefix("token ") else {
            return Self.error(401, "Requires authentication")
        }
        let token = String(auth.split(separator: " ", maxSplits: 1).last ?? "")
        guard writeTokens.contains(token) || readOnlyTokens.contains(token) else { return Self.error(401, "Bad credentials") }
        let full = "\(owner)/\(name)"
        let base = "https://api.github.example/repos/\(full)"
        let web = "https://github.example/\(full)"
        var repo: [String: Any] = [
            "id": 1296269, "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5", "name": name, "full_name": full,
            "owner": Self.githubUser(owner), "private": access.isPrivate, "html_url": web, "description": NSNull(),
            "fork": false, "url": base, "homepage": NSNull(), "language": NSNull(), "mirror_url": NSNull(), "license": NSNull(),
            "default_branch": "main", "archived": false, "disabled": false,
            "forks": 0, "forks_count": 0, "open_issues": 0, "open_issues_count": 0, "size": 1, "stargazers_count": 0,
            "watchers": 0, "watchers_count": 0, "network_count": 0, "subscribers_count": 0,
            "has_downloads": true, "has_issues": true, "has_projects": true, "has_wiki": true, "has_pages": false,
            "pushed_at": "2026-01-01T00:00:00Z", "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
            "clone_url": "\(web).git", "git_url": "git://github.example/\(full).git", "ssh_url": "git@github.example:\(full).git", "svn_url": web,
        ]
        for key in ["archive", "assignees", "blobs", "branches", "collaborators", "comments", "commits", "compare", "contents",
                    "contributors", "deployments", "downloads", "events", "forks", "git_commits", "git_refs", "git_tags", "hooks",
                    "issue_comment", "issue_events", "issues", "keys", "labels", "languages", "merges", "milestones",
                    "notifications", "pulls", "releases", "stargazers", "statuses", "subscribers", "subscription", "tags",
                    "teams", "trees"] {
            repo["\(key)_url"] = "\(base)/\(key.replacingOccurrences(of: "_", with: "/"))"
        }
        var replyHeaders: [String: String] = [:]
        if appTokens.contains(token) {
            // Installation tokens get no `permissions`; GitHub names the fine-grained permission instead.
            replyHeaders["x-accepted-github-permissions"] = "metadata=read"
        } else {
            let push = writeTokens.contains(token)
            repo["permissions"] = ["admin": false, "maintain": false, "push": push, "triage": push, "pull": true]
            if let scopes = access.githubScopes[token] {
                replyHeaders["x-oauth-scopes"] = scopes
                replyHeaders["x-accepted-oauth-scopes"] = "repo"
            } else {
                replyHeaders["x-accepted-github-permissions"] = "metadata=read"
            }
        }
        return Reply(status: 200, headers: replyHeaders, json: repo)
    }

    /// `GET /user`: a `private-user` for a personal token; installation tokens (the Actions
    /// GITHUB_TOKEN, GitHub Apps) are refused with GitHub's own 403.
    func githubAuthenticatedUser(headers: [String: String]) -> Reply {
        guard let agent = headers["user-agent"], !agent.isEmpty else { return Self.error(403, "Request forbidden by administrative rules") }
        guard let auth = headers["authorization"], auth.hasPrefix("Bearer ") || auth.hasPrefix("token ") else {
            return Self.error(401, "Requires authentication")
        }
        let token = String(auth.split(separator: " ", maxSplits: 1).last ?? "")
        guard writeTokens.contains(token) || readOnlyTokens.contains(token) else { return Self.error(401, "Bad credentials") }
        if appTokens.contains(token) {
            return Reply(status: 403, json: ["message": "Resource not accessible by integration",
                                             "documentation_url": "https://docs.github.com/rest/users/users#get-the-authenticated-user", "status": "403"])
        }
        var user = Self.githubUser(githubLogin(token: token), type: "User")
        let extra: [String: Any] = [
            "name": NSNull(), "company": NSNull(), "blog": "", "location": NSNull(), "email": NSNull(), "hireable": NSNull(),
            "bio": NSNull(), "twitter_username": NSNull(), "public_repos": 1, "public_gists": 0, "followers": 0, "following": 0,
            "created_at": Self.timestamp, "updated_at": Self.timestamp, "private_gists": 0, "total_private_repos": 1,
            "owned_private_repos": 1, "disk_usage": 1, "collaborators": 0, "two_factor_authentication": true,
        ]
        user.merge(extra) { $1 }
        return Reply(status: 200, json: user)
    }

    static func githubUser(_ login: String, type: String = "Organization") -> [String: Any] {
        let url = "https://api.github.example/users/\(login)"
        return [
            "login": login, "id": 1, "node_id": "MDQ6VXNlcjE=", "avatar_url": "https://github.example/images/error/octocat_happy.gif",
            "gravatar_id": "", "url": url, "html_url": "https://github.example/\(login)", "followers_url": "\(url)/followers",
            "following_url": "\(url)/following{/other_user}", "gists_url": "\(url)/gists{/gist_id}", "starred_url": "\(url)/starred{/owner}{/repo}",
            "subscriptions_url": "\(url)/subscriptions", "organizations_url": "\(url)/orgs", "repos_url": "\(url)/repos",
            "events_url": "\(url)/events{/privacy}", "received_events_url": "\(url)/received_events", "type": type, "site_admin": false,
        ]
    }

    /// The GitLab token from `PRIVATE-TOKEN` or `Authorization: Bearer`; a job token alone is
    /// refused as GitLab refuses it on these routes (404, as for a project it cannot see).
    func gitlabToken(_ headers: [String: String]) -> Result<String, ReplyError> {
        let token = headers["private-token"] ?? headers["authorization"].map { String($0.dropFirst("Bearer ".count)) }
        if headers["job-token"] != nil, token == nil { return .failure(ReplyError(reply: Self.error(404, "404 Project Not Found"))) }
        guard let token, writeTokens.contains(token) || readOnlyTokens.contains(token) else {
            return .failure(ReplyError(reply: Self.error(401, "401 Unauthorized")))
        }
        return .success(token)
    }

    struct ReplyError: Error { var reply: Reply }

    func gitlabProject(id: String, headers: [String: String]) -> Reply {
        let token: String
        switch gitlabToken(headers) {
        case .failure(let e): return e.reply
        case .success(let t): token = t
        }
        let path = id.removingPercentEncoding ?? id
        let level = access.gitlabAccessLevels[token] ?? (writeTokens.contains(token) ? 30 : 10)
        let projectAccess: Any = level > 0 ? ["access_level": level, "notification_level": 3] : NSNull()
        return Reply(status: 200, json: [
            "id": Int(id) ?? 55, "name": path.split(separator: "/").last.map(String.init) ?? path,
            "path_with_namespace": Int(id) == nil ? path : "ml/vision/models",
            "visibility": access.isPrivate ? "private" : "public", "default_branch": "main",
            "web_url": "https://gitlab.example/\(Int(id) == nil ? path : "ml/vision/models")",
            "permissions": ["project_access": projectAccess, "group_access": NSNull()],
        ])
    }

    func gitlabUser(headers: [String: String]) -> Reply {
        let token: String
        switch gitlabToken(headers) {
        case .failure(let e): return e.reply
        case .success(let t): token = t
        }
        if access.gitlabNoUserScope.contains(token) {
            return Reply(status: 403, json: ["error": "insufficient_scope", "error_description": "The request requires higher privileges than provided by the access token.", "scope": "api read_api read_user"])
        }
        return Reply(status: 200, json: ["id": 77, "username": Self.gitlabTokenUser, "name": "cmlbot", "state": "active",
                                         "web_url": "https://gitlab.example/project_55_bot", "avatar_url": "https://gitlab.example/avatar.png"])
    }
}
