import Foundation

// Full GitHub response objects: every field the OpenAPI description (api-specs/github.json) marks
// required, so the fake's answers pass Tests/Tools/validate_openapi.py and a client that reads a
// field the real service sends is not surprised by its absence. Kept out of FakeForge.swift so
// route work there rebases cleanly.
extension FakeForgeState {
    /// An `issue-comment`.
    func githubIssueComment(_ c: FakeComment, thread: String) -> [String: Any] {
        let api = "https://api.github.example/repos/acme/models"
        let number = thread.split(separator: "/").last.map(String.init) ?? "0"
        return [
            "id": c.id, "node_id": "IC_\(c.id)", "body": c.body,
            "html_url": "https://github.example/\(thread)#issuecomment-\(c.id)",
            "url": "\(api)/issues/comments/\(c.id)", "issue_url": "\(api)/issues/\(number)",
            "author_association": c.author.hasSuffix("[bot]") ? "NONE" : "MEMBER",
            "user": Self.githubUser(c.author, type: c.author.hasSuffix("[bot]") ? "Bot" : "User"),
            "created_at": Self.timestamp, "updated_at": Self.timestamp,
        ]
    }

    /// A `status`.
    func githubStatus(_ s: FakeStatus, id: Int) -> [String: Any] {
        [
            "url": "https://api.github.example/repos/acme/models/statuses/\(s.sha)", "avatar_url": NSNull(),
            "id": id, "node_id": "SC_\(id)", "state": s.state, "description": s.description,
            "target_url": s.targetURL ?? "", "context": s.context,
            "created_at": Self.timestamp, "updated_at": Self.timestamp, "creator": Self.githubUser("cmlbot"),
        ]
    }

    /// A `check-run` from the JSON body that created it.
    func githubCheckRun(id: Int, request json: [String: Any]?) -> [String: Any] {
        let output = json?["output"] as? [String: Any]
        let api = "https://api.github.example/repos/acme/models/check-runs/\(id)"
        return [
            "id": id, "node_id": "CR_\(id)", "head_sha": json?["head_sha"] as? String ?? "", "name": json?["name"] as? String ?? "",
            "url": api, "html_url": "https://github.example/runs/\(id)", "details_url": Self.orNull(json?["details_url"] as? String),
            "status": json?["status"] as? String ?? "queued", "conclusion": Self.orNull(json?["conclusion"] as? String),
            "started_at": Self.timestamp, "completed_at": json?["status"] as? String == "completed" ? Self.timestamp : NSNull(),
            "external_id": Self.orNull(json?["external_id"] as? String), "check_suite": ["id": 1],
            "output": ["title": Self.orNull(output?["title"] as? String), "summary": Self.orNull(output?["summary"] as? String),
                       "text": Self.orNull(output?["text"] as? String), "annotations_count": 0, "annotations_url": "\(api)/annotations"],
            "app": NSNull(), "pull_requests": [] as [Any],
        ]
    }

    /// The user `GET /user` answers for a GitLab token (FakeForge+Access.swift).
    public static let gitlabTokenUser = "project_55_bot"
    /// Who writes comments with a GitHub app token (the Actions `GITHUB_TOKEN`).
    public static let githubActionsBot = "github-actions[bot]"
    /// The user `GET /user` answers for a GitHub personal token not listed in `access.githubUsers`.
    public static let githubTokenUser = "ml-reporter"

    /// The login a GitHub token writes as: app tokens as the Actions bot, others as their user.
    func githubLogin(token: String) -> String {
        appTokens.contains(token) ? Self.githubActionsBot : access.githubUsers[token] ?? Self.githubTokenUser
    }

    /// A GitLab `Note` with its `author` (`UserBasic`).
    func gitlabNote(_ c: FakeComment) -> [String: Any] {
        [
            "id": c.id, "body": c.body, "system": c.system, "noteable_type": "MergeRequest",
            "author": ["id": c.author == Self.gitlabTokenUser ? 77 : 78, "username": c.author, "name": c.author, "state": "active",
                       "avatar_url": "https://gitlab.example/avatar.png", "web_url": "https://gitlab.example/\(c.author)"],
        ]
    }

    static func orNull(_ s: String?) -> Any {
        if let s { return s }
        return NSNull()
    }
}
