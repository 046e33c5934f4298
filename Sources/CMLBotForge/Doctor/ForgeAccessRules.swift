import Foundation

/// `doctor`'s decisions about the token: pure functions of the context and the forge's answers to
/// read-only requests, so every case is a unit test. Nothing here writes to the forge: a comment
/// or status posted "to see if it works" would notify reviewers.
///
/// The three checks they produce: `token` (found, accepted, who it is), `comments` (can it write
/// the PR/MR comment) and `statuses` (can it set the commit status).
public enum ForgeAccessRules {
    public static let tokenTitle = "token"
    public static let commentsTitle = "can comment"
    public static let statusesTitle = "can set statuses"

    /// The workflow block a GitHub Actions token needs for everything cmlbot posts.
    public static let actionsPermissions = "permissions: { pull-requests: write, issues: write, statuses: write, checks: write }"

    /// No usable token: the resolver's own message, which names what it looked for and how to add one.
    public static func missingToken(forge: ForgeKind, environment: [String: String], tokenEnv: String?) -> [DoctorCheck] {
        var message = "no token found"
        do { _ = try TokenResolver.require(environment: environment, forge: forge, tokenEnv: tokenEnv) }
        catch let error as TokenError { message = error.message }
        catch {}
        let looked = TokenResolver.candidates(forge: forge, tokenEnv: tokenEnv).joined(separator: ", ")
        let token = DoctorCheck(id: "token", title: tokenTitle, status: .fail,
                                detail: ["looked for \(looked)" + (forge == .gitlab && tokenEnv == nil ? " (CI_JOB_TOKEN cannot write)" : "")],
                                fix: message)
        return [token] + notChecked(because: "there is no token")
    }

    /// `comments` and `statuses` when the token could not be checked.
    public static func notChecked(because reason: String) -> [DoctorCheck] {
        [DoctorCheck.skipped(id: "comments", title: commentsTitle, because: reason),
         DoctorCheck.skipped(id: "statuses", title: statusesTitle, because: reason)]
    }

    // MARK: GitHub

    /// From `GET /repos/{o}/{r}`. User tokens come with the user's role (`permissions`) and, for
    /// classic tokens, their scopes (`X-OAuth-Scopes`); installation tokens (the Actions
    /// GITHUB_TOKEN) come with neither, so the workflow's `permissions:` cannot be verified
    /// without writing and the checks say what it must contain.
    public static func github(_ probe: Result<GitHubRepositoryAccess, ForgeError>, token: ResolvedToken,
                              context: CIContext, requireComment: Bool) -> [DoctorCheck] {
        let repository = context.repository ?? "the repository"
        let access: GitHubRepositoryAccess
        switch probe {
        case .failure(let error):
            return [probeFailed(error, token: token, what: "repository \(repository)", forge: .github)]
                + notChecked(because: "the token check failed")
        case .success(let answer):
            access = answer
        }

        var tokenDetail = ["$\(token.variable) (value not shown)"]
        let kind: String
        if access.permissions == nil {
            kind = "an installation token (the Actions GITHUB_TOKEN or a GitHub App)"
        } else if let scopes = access.oauthScopes {
            kind = "a classic token with scopes: " + (scopes.isEmpty ? "none" : scopes.joined(separator: ", "))
        } else {
            kind = "a fine-grained token"
        }
        tokenDetail.append("GitHub accepts it for \(access.fullName ?? repository)" + (access.isPrivate == true ? " (private)" : "") + ": \(kind)")
        if let accepted = access.acceptedPermissions {
            tokenDetail.append("X-Accepted-GitHub-Permissions: \(accepted)")
        }
        let tokenCheck = DoctorCheck(id: "token", title: tokenTitle, status: .ok, detail: tokenDetail)

        if context.isFork {
            return [tokenCheck] + forkChecks(forge: .github, requireComment: requireComment)
        }

        guard let permissions = access.permissions else {
            // Installation token: nothing to read; say exactly what the workflow must grant.
            let why = "GitHub shows no permissions for installation tokens, and cmlbot does not write to find out"
            return [tokenCheck,
                    DoctorCheck(id: "comments", title: commentsTitle, status: .warn,
                                detail: ["cannot be verified: \(why)", "needs pull-requests: write and issues: write"],
                                fix: "make sure the workflow or job has `\(actionsPermissions)` (the restricted default is read-only)"),
                    DoctorCheck(id: "statuses", title: statusesTitle, status: .warn,
                                detail: ["cannot be verified: \(why)", "needs statuses: write (and checks: write for the check run)"],
                                fix: "make sure the workflow or job has `\(actionsPermissions)`")]
        }

        let canRead = permissions["pull"] == true || permissions["push"] == true || permissions["admin"] == true
        let canPush = permissions["push"] == true || permissions["maintain"] == true || permissions["admin"] == true
        let role = githubRole(permissions)
        let isPublic = access.isPrivate == false

        var comments: DoctorCheck
        var statuses: DoctorCheck
        if let scopes = access.oauthScopes.map(Set.init) {
            // Classic token: the scope and the user's role must both allow it.
            let repoScope = scopes.contains("repo") || (isPublic && scopes.contains("public_repo"))
            let statusScope = repoScope || scopes.contains("repo:status")
            let scopeFix = isPublic ? "the repo (or public_repo) scope" : "the repo scope"
            comments = canRead && repoScope
                ? DoctorCheck(id: "comments", title: commentsTitle, status: .ok, detail: ["role \(role), scope allows writing issues and pull requests"])
                : DoctorCheck(id: "comments", title: commentsTitle, status: .fail,
                              detail: [canRead ? "role \(role), but the token lacks \(scopeFix)" : "the token's user cannot read \(repository)"],
                              fix: canRead ? "create the token with \(scopeFix) (Settings > Developer settings > Personal access tokens)"
                                           : "give the token's user access to \(repository), or use another token")
            statuses = canPush && statusScope
                ? DoctorCheck(id: "statuses", title: statusesTitle, status: .ok, detail: ["role \(role) (write access), scope allows commit statuses"])
                : DoctorCheck(id: "statuses", title: statusesTitle, status: .fail,
                              detail: [canPush ? "role \(role), but the token lacks \(scopeFix) or repo:status" : "role \(role): commit statuses need write access"],
                              fix: canPush ? "create the token with \(scopeFix) (repo:status is enough for statuses)"
                                           : "give the token's user the Write role on \(repository), or use the Actions GITHUB_TOKEN with `statuses: write`")
        } else {
            // Fine-grained token: the role is known, the token's own permissions are not.
            let unknown = "a fine-grained token's own permissions cannot be read without writing"
            comments = canRead
                ? DoctorCheck(id: "comments", title: commentsTitle, status: .warn,
                              detail: ["role \(role) allows it", unknown],
                              fix: "make sure the token has Pull requests: Read and write and Issues: Read and write for \(repository)")
                : DoctorCheck(id: "comments", title: commentsTitle, status: .fail,
                              detail: ["the token's user cannot read \(repository)"], fix: "give the token access to \(repository)")
            statuses = canPush
                ? DoctorCheck(id: "statuses", title: statusesTitle, status: .warn,
                              detail: ["role \(role) allows it", unknown],
                              fix: "make sure the token has Commit statuses: Read and write for \(repository)")
                : DoctorCheck(id: "statuses", title: statusesTitle, status: .fail,
                              detail: ["role \(role): commit statuses need write access"],
                              fix: "give the token's user the Write role on \(repository), or use the Actions GITHUB_TOKEN with `statuses: write`")
        }
        if comments.status == .fail && !requireComment {
            // report --publish degrades to the job summary rather than failing; say so.
            comments.detail.append("report --publish would put the report in the job summary instead")
        }
        return [tokenCheck, comments, statuses]
    }

    static func githubRole(_ permissions: [String: Bool]) -> String {
        for role in ["admin", "maintain", "push", "triage", "pull"] where permissions[role] == true {
            return role == "push" ? "write" : role == "pull" ? "read" : role
        }
        return "none"
    }

    // MARK: GitLab

    /// GitLab's role levels (`access_level`).
    public static func gitlabRole(_ level: Int) -> String {
        switch level {
        case ..<10: return "no access (\(level))"
        case 10..<15: return "Guest (\(level))"
        case 15..<20: return "Planner (\(level))"
        case 20..<30: return "Reporter (\(level))"
        case 30..<40: return "Developer (\(level))"
        case 40..<50: return "Maintainer (\(level))"
        default: return "Owner (\(level))"
        }
    }

    /// Reporter and up may comment on merge requests; Developer and up may set commit statuses.
    public static let gitlabNoteLevel = 20
    public static let gitlabStatusLevel = 30

    /// From `GET /projects/:id` and `GET /user`. The role is readable; the token's scope is not
    /// (a `read_api` token reads everything here and writes nothing), so the detail says so.
    public static func gitlab(project: Result<GitLabProjectAccess, ForgeError>, user: Result<GitLabUser, ForgeError>,
                              token: ResolvedToken, context: CIContext, requireComment: Bool) -> [DoctorCheck] {
        var name = context.repository ?? context.projectID ?? "the project"
        let access: GitLabProjectAccess
        switch project {
        case .failure(let error):
            return [probeFailed(error, token: token, what: "project \(name)", forge: .gitlab)] + notChecked(because: "the token check failed")
        case .success(let answer):
            access = answer
            // MR pipelines know the project by id only; GitLab's answer names it.
            name = answer.pathWithNamespace ?? name
        }
        var tokenDetail = ["$\(token.variable) (value not shown)"]
        switch user {
        case .success(let u):
            tokenDetail.append("GitLab accepts it as \(u.username.map { "@\($0)" } ?? "a user") for \(name)")
        case .failure(let error):
            // /user needs api, read_api or read_user: a refusal here while the project answered
            // means a narrower scope (read_repository, say), which cannot write either.
            tokenDetail.append("GET /user was refused (\(error.message)); the token may lack the api scope")
        }
        var tokenCheck = DoctorCheck(id: "token", title: tokenTitle, status: .ok, detail: tokenDetail)
        if case .failure(let error) = user, error.isPermissionProblem {
            tokenCheck.status = .fail
            tokenCheck.fix = "create the token with the api scope: read_api and read_repository tokens cannot post notes or statuses"
            return [tokenCheck] + notChecked(because: "the token lacks the api scope")
        }
        if context.isFork {
            return [tokenCheck] + forkChecks(forge: .gitlab, requireComment: requireComment)
        }
        let scopeNote = "writing also needs the token's api scope, which GitLab does not show (read_api can only read)"
        guard let level = access.accessLevel else {
            let fix = "add the token's user to \(name) as Developer, or create a project access token with the Developer role and the api scope"
            return [tokenCheck,
                    DoctorCheck(id: "comments", title: commentsTitle, status: .fail, detail: ["the token's user is not a member of \(name)"], fix: fix),
                    DoctorCheck(id: "statuses", title: statusesTitle, status: .fail, detail: ["the token's user is not a member of \(name)"], fix: fix)]
        }
        let role = gitlabRole(level)
        let comments = level >= gitlabNoteLevel
            ? DoctorCheck(id: "comments", title: commentsTitle, status: .ok, detail: ["role \(role): Reporter or higher may post merge request notes", scopeNote])
            : DoctorCheck(id: "comments", title: commentsTitle, status: .fail, detail: ["role \(role): merge request notes need Reporter or higher"],
                          fix: "give the token's user the Reporter role or higher on \(name) (Developer also allows statuses)")
        let statuses = level >= gitlabStatusLevel
            ? DoctorCheck(id: "statuses", title: statusesTitle, status: .ok, detail: ["role \(role): Developer or higher may set commit statuses"])
            : DoctorCheck(id: "statuses", title: statusesTitle, status: .fail, detail: ["role \(role): commit statuses need Developer or higher"],
                          fix: "give the token's user the Developer role on \(name)")
        return [tokenCheck, comments, statuses]
    }

    // MARK: shared

    /// A PR/MR from a fork: the run's token is read-only and report --publish degrades on purpose.
    static func forkChecks(forge: ForgeKind, requireComment: Bool) -> [DoctorCheck] {
        let why = forge == .github
            ? "a pull request from a fork: GitHub gives this run a read-only token"
            : "a merge request pipeline in the fork: it has none of the target project's variables"
        let fix = forge == .github
            ? "to comment on fork PRs, publish from a workflow_run workflow (docs/security.md)"
            : "run the pipeline in the parent project (Settings > CI/CD > run pipelines for fork MRs), or accept the job-log report"
        return [
            DoctorCheck(id: "comments", title: commentsTitle, status: requireComment ? .fail : .warn,
                        detail: [why, requireComment ? "--require-comment makes report --publish fail here" : "report --publish writes the job summary and a notice instead"],
                        fix: fix),
            DoctorCheck(id: "statuses", title: statusesTitle, status: .warn, detail: [why, "cmlbot status notes it and exits 0 (unless --require-status)"], fix: fix),
        ]
    }

    /// The read-only request itself failed: bad token, no access, or no forge at that URL.
    static func probeFailed(_ error: ForgeError, token: ResolvedToken, what: String, forge: ForgeKind) -> DoctorCheck {
        let variable = "$\(token.variable)"
        var detail = ["\(variable) (value not shown)"]
        let fix: String
        switch error {
        case .notPermitted(_, 401, let message, _):
            detail.append("the forge rejected the token (HTTP 401: \(message))")
            fix = "the token in \(variable) is wrong, revoked or expired; store a valid one in that secret/variable"
        case .notPermitted(_, let status, let message, _):
            detail.append("reading \(what) was refused (HTTP \(status): \(message))")
            fix = forge == .github ? "give the token read access to \(what) (and the write permissions cmlbot needs)"
                                   : "create the token with the api scope and a role on \(what)"
        case .notFound:
            detail.append("\(what) was not found, or the token cannot see it (private repositories answer 404)")
            fix = "check --repo / the CI variables, and that the token has access to \(what)"
        case .rateLimited(_, let message):
            detail.append("rate limited: \(message)")
            fix = "wait and run cmlbot doctor again"
        default:
            detail.append(error.message)
            fix = "check --api-url (or the CI's API URL variable), the network and proxy settings"
        }
        return DoctorCheck(id: "token", title: tokenTitle, status: .fail, detail: detail, fix: fix)
    }
}
