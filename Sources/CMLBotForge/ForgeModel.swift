import Foundation

/// Where a report is published.
public enum ForgeKind: String, Equatable, Sendable, CaseIterable {
    case github, gitlab
}

/// Where a comment goes: the PR/MR conversation, a commit, or an issue.
public enum CommentTarget: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// A GitHub pull request number or a GitLab merge request iid.
    case pullRequest(Int)
    case commit(String)
    case issue(Int)

    public var description: String {
        switch self {
        case .pullRequest(let n): return "pr/\(n)"
        case .commit(let sha): return "commit/\(sha)"
        case .issue(let n): return "issue/\(n)"
        }
    }
}

public struct ForgeComment: Equatable, Sendable {
    /// The forge's comment (GitHub) or note (GitLab) id.
    public var id: Int
    public var body: String
    /// Browser link to the comment, when the forge returns one.
    public var url: String?
    /// The author's login (GitLab `author.username`, GitHub `user.login`), when the forge says:
    /// anyone can type a marker, so what a comment links is only trusted when cmlbot's user wrote it.
    public var author: String?
    /// GitHub's `user.type` (`User`, `Bot`, `Organization`): only GitHub itself creates `Bot`
    /// accounts, so a human cannot pose as the Actions bot. Nil on GitLab.
    public var authorType: String?

    public init(id: Int, body: String, url: String?, author: String? = nil, authorType: String? = nil) {
        self.id = id
        self.body = body
        self.url = url
        self.author = author
        self.authorType = authorType
    }
}

/// Commit status states common to both forges (mapped to each one's vocabulary by the clients).
public enum CommitState: String, Equatable, Sendable {
    case pending, success, failure, error
}

/// What the CI environment says about this run: a pure function of environment variables and the
/// event payload (see `CIContextDetector`). Local runs have `provider == .local` and no forge.
public struct CIContext: Equatable, Sendable {
    public enum Provider: String, Equatable, Sendable { case githubActions = "github-actions", gitlabCI = "gitlab-ci", local }

    public var provider: Provider = .local
    public var forge: ForgeKind?
    /// REST API base without a trailing slash: `https://api.github.com`, `https://HOST/api/v3`,
    /// `https://gitlab.example.com/api/v4`.
    public var apiURL: String?
    /// Web base: `https://github.com`, `https://gitlab.example.com`.
    public var serverURL: String?
    /// GitHub `owner/name`; GitLab the project path `group/sub/project` when known.
    public var repository: String?
    /// GitLab's project id as it goes in URLs: numeric `CI_PROJECT_ID`, else the URL-encoded path.
    public var projectID: String?
    /// The PR number / MR iid, when the run belongs to one.
    public var pullRequest: Int?
    /// The commit under review (the PR head, never GitHub's merge commit). Detected values are full
    /// SHAs; after `--head` it holds the revision as the user typed it, for the git stage to resolve.
    public var headSHA: String?
    /// The commit to compare against (the PR base or the MR diff base; a push's `before`). Detected
    /// values are full SHAs; after `--base` it holds the revision as the user typed it.
    public var baseSHA: String?
    public var headRef: String?
    public var baseRef: String?
    /// `pull_request`, `push`, `merge_request_event`, …
    public var event: String?
    /// Where the PR/MR head branch lives (`owner/name`, GitLab project path), when the run belongs
    /// to a PR/MR and the forge says. Differs from `repository` for fork PRs even when `isFork` is
    /// false (`pull_request_target`, `workflow_run`, a GitLab pipeline run in the parent project);
    /// nil when the fork was deleted. Also what a `head=OWNER:BRANCH` pull lookup needs.
    public var headRepository: String?
    /// A PR from a fork with a read-only token: publishing degrades to the job summary.
    public var isFork = false
    /// GitLab branch pipeline: the MR must be found through the commit.
    public var needsMergeRequestLookup = false
    /// Link to this CI run or job, for statuses and the report footer.
    public var runURL: String?
    /// GitHub Actions file commands.
    public var stepSummaryPath: String?
    public var outputPath: String?

    public init() {}
}
