import Foundation
import Testing
@testable import CMLBotForge

/// `doctor`'s token decisions, from hand-built contexts and forge answers (no HTTP).
struct ForgeAccessRulesTests {
    static let token = ResolvedToken(value: "s3cret-value", variable: "GITHUB_TOKEN")

    static func githubContext(fork: Bool = false) -> CIContext {
        var c = CIContext()
        c.provider = .githubActions
        c.forge = .github
        c.apiURL = "https://api.github.com"
        c.repository = "acme/models"
        c.pullRequest = 7
        c.headSHA = String(repeating: "a", count: 40)
        c.isFork = fork
        return c
    }

    static func statuses(_ checks: [DoctorCheck]) -> [String: DoctorCheck.Status] {
        Dictionary(uniqueKeysWithValues: checks.map { ($0.id, $0.status) })
    }

    @Test func classicTokenWithRepoScopeAndWriteRoleCanDoBoth() {
        let access = GitHubRepositoryAccess(fullName: "acme/models", isPrivate: true,
                                            permissions: ["admin": false, "push": true, "pull": true], oauthScopes: ["repo", "workflow"])
        let checks = ForgeAccessRules.github(.success(access), token: Self.token, context: Self.githubContext(), requireComment: false)
        #expect(checks.map(\.id) == ["token", "comments", "statuses"])
        #expect(Self.statuses(checks) == ["token": .ok, "comments": .ok, "statuses": .ok])
        #expect(checks[0].detail.joined().contains("classic token with scopes: repo, workflow"))
        #expect(!checks.flatMap(\.detail).joined().contains("s3cret-value"))
    }

    @Test func classicTokenWithoutRepoScopeFailsBothWithTheScopeNamed() {
        let access = GitHubRepositoryAccess(fullName: "acme/models", isPrivate: true,
                                            permissions: ["push": true, "pull": true], oauthScopes: ["read:org"])
        let checks = ForgeAccessRules.github(.success(access), token: Self.token, context: Self.githubContext(), requireComment: false)
        #expect(Self.statuses(checks) == ["token": .ok, "comments": .fail, "statuses": .fail])
        #expect(checks[1].fix?.contains("repo scope") == true)
        // report --publish degrades rather than failing, and the check says so.
        #expect(checks[1].detail.last?.contains("job summary") == true)
    }

    @Test func publicRepoScopeIsEnoughOnlyForPublicRepositories() {
        var access = GitHubRepositoryAccess(fullName: "acme/models", isPrivate: false,
                                            permissions: ["push": true, "pull": true], oauthScopes: ["public_repo"])
        #expect(Self.statuses(ForgeAccessRules.github(.success(access), token: Self.token, context: Self.githubContext(), requireComment: false))["statuses"] == .ok)
        access.isPrivate = true
        #expect(Self.statuses(ForgeAccessRules.github(.success(access), token: Self.token, context: Self.githubContext(), requireComment: false))["statuses"] == .fail)
    }

    @Test func readRoleCanCommentButNotSetStatuses() {
        let access = GitHubRepositoryAccess(fullName: "acme/models", isPrivate: true, permissions: ["push": false, "pull": true], oauthScopes: ["repo"])
        let checks = ForgeAccessRules.github(.success(access), token: Self.token, context: Self.githubContext(), requireComment: false)
        #expect(Self.statuses(checks) == ["token": .ok, "comments": .ok, "statuses": .fail])
        #expect(checks[2].detail.joined().contains("role read"))
        #expect(checks[2].fix?.contains("Write role") == true)
    }

    @Test func installationTokenIsAWarningNamingTheWorkflowPermissions() {
        let access = GitHubRepositoryAccess(fullName: "acme/models", isPrivate: true, permissions: nil, oauthScopes: nil, acceptedPermissions: "metadata=read")
        let checks = ForgeAccessRules.github(.success(access), token: Self.token, context: Self.githubContext(), requireComment: false)
        #expect(Self.statuses(checks) == ["token": .ok, "comments": .warn, "statuses": .warn])
        #expect(checks[0].detail.contains("X-Accepted-GitHub-Permissions: metadata=read"))
        #expect(checks[1].fix?.contains("pull-requests: write") == true)
        #expect(checks[2].fix?.contains("statuses: write") == true)
    }

    @Test func fineGrainedTokenWithWriteRoleIsAWarningAndWithReadRoleFailsStatuses() {
        var access = GitHubRepositoryAccess(fullName: "acme/models", isPrivate: true, permissions: ["push": true, "pull": true])
        var checks = ForgeAccessRules.github(.success(access), token: Self.token, context: Self.githubContext(), requireComment: false)
        #expect(Self.statuses(checks) == ["token": .ok, "comments": .warn, "statuses": .warn])
        #expect(checks[0].detail.joined().contains("fine-grained"))
        #expect(checks[2].fix?.contains("Commit statuses: Read and write") == true)
        access.permissions = ["push": false, "pull": true]
        checks = ForgeAccessRules.github(.success(access), token: Self.token, context: Self.githubContext(), requireComment: false)
        #expect(Self.statuses(checks)["statuses"] == .fail)
    }

    @Test func forkPullRequestWarnsUnlessACommentIsRequired() {
        let access = GitHubRepositoryAccess(fullName: "acme/models", permissions: nil)
        let lenient = ForgeAccessRules.github(.success(access), token: Self.token, context: Self.githubContext(fork: true), requireComment: false)
        #expect(Self.statuses(lenient) == ["token": .ok, "comments": .warn, "statuses": .warn])
        #expect(lenient[1].fix?.contains("workflow_run") == true)
        let strict = ForgeAccessRules.github(.success(access), token: Self.token, context: Self.githubContext(fork: true), requireComment: true)
        #expect(Self.statuses(strict)["comments"] == .fail)
    }

    @Test func probeFailuresFailTheTokenAndSkipTheRest() {
        let cases: [(ForgeError, String)] = [
            (.notPermitted(operation: "reading", status: 401, detail: "Bad credentials", hint: ""), "wrong, revoked or expired"),
            (.notFound(operation: "reading", detail: "Not Found"), "check --repo"),
            (.transport(operation: "reading", detail: "cannot connect"), "--api-url"),
        ]
        for (error, fix) in cases {
            let checks = ForgeAccessRules.github(.failure(error), token: Self.token, context: Self.githubContext(), requireComment: false)
            #expect(Self.statuses(checks) == ["token": .fail, "comments": .skip, "statuses": .skip])
            #expect(checks[0].fix?.contains(fix) == true, "\(error)")
        }
    }

    // MARK: GitLab

    static func gitlabContext() -> CIContext {
        var c = CIContext()
        c.provider = .gitlabCI
        c.forge = .gitlab
        c.apiURL = "https://gitlab.example/api/v4"
        c.repository = "ml/models"
        c.projectID = "55"
        c.pullRequest = 3
        return c
    }

    static let gitlabToken = ResolvedToken(value: "glpat-x", variable: "GITLAB_TOKEN")

    @Test func gitlabRolesDecideNotesAndStatuses() {
        let expectations: [(Int?, DoctorCheck.Status, DoctorCheck.Status)] = [
            (nil, .fail, .fail), (10, .fail, .fail), (20, .ok, .fail), (30, .ok, .ok), (50, .ok, .ok),
        ]
        for (level, comments, statuses) in expectations {
            let project = GitLabProjectAccess(pathWithNamespace: "ml/models", projectAccessLevel: level)
            let checks = ForgeAccessRules.gitlab(project: .success(project), user: .success(GitLabUser(username: "bot")),
                                                 token: Self.gitlabToken, context: Self.gitlabContext(), requireComment: false)
            #expect(Self.statuses(checks) == ["token": .ok, "comments": comments, "statuses": statuses], "level \(String(describing: level))")
        }
    }

    @Test func gitlabGroupAccessCountsWhenHigher() {
        let project = GitLabProjectAccess(pathWithNamespace: "ml/models", projectAccessLevel: 20, groupAccessLevel: 40)
        #expect(project.accessLevel == 40)
        let checks = ForgeAccessRules.gitlab(project: .success(project), user: .success(GitLabUser(username: "bot")),
                                             token: Self.gitlabToken, context: Self.gitlabContext(), requireComment: false)
        #expect(checks[2].detail.joined().contains("Maintainer (40)"))
    }

    @Test func gitlabUserRefusedMeansTheScopeIsTooNarrow() {
        let project = GitLabProjectAccess(pathWithNamespace: "ml/models", projectAccessLevel: 30)
        let refused = ForgeError.notPermitted(operation: "reading the token's user", status: 403, detail: "insufficient_scope", hint: "")
        let checks = ForgeAccessRules.gitlab(project: .success(project), user: .failure(refused),
                                             token: Self.gitlabToken, context: Self.gitlabContext(), requireComment: false)
        #expect(Self.statuses(checks) == ["token": .fail, "comments": .skip, "statuses": .skip])
        #expect(checks[0].fix?.contains("api scope") == true)
    }

    @Test func jobTokenOnlyIsExplainedWithoutItsValue() {
        let checks = ForgeAccessRules.missingToken(forge: .gitlab, environment: ["CI_JOB_TOKEN": "job-secret"], tokenEnv: nil)
        #expect(Self.statuses(checks) == ["token": .fail, "comments": .skip, "statuses": .skip])
        #expect(checks[0].fix?.contains("CI_JOB_TOKEN") == true)
        #expect(checks[0].fix?.contains("api scope") == true)
        #expect(!(checks[0].detail + [checks[0].fix ?? ""]).joined().contains("job-secret"))
    }

    @Test func repositoryAccessReadsBodyAndHeaders() throws {
        let body = #"{"full_name": "acme/models", "private": false, "permissions": {"admin": false, "push": true, "pull": true}}"#
        let response = ForgeResponse(status: 200, headers: ["x-oauth-scopes": "repo, read:org", "x-accepted-github-permissions": "metadata=read"], body: Data(body.utf8))
        let access = try GitHubRepositoryAccess(response: response)
        #expect(access == GitHubRepositoryAccess(fullName: "acme/models", isPrivate: false, permissions: ["admin": false, "push": true, "pull": true],
                                                 oauthScopes: ["repo", "read:org"], acceptedPermissions: "metadata=read"))
        let empty = try GitHubRepositoryAccess(response: ForgeResponse(status: 200, headers: ["x-oauth-scopes": ""], body: Data("{}".utf8)))
        #expect(empty.oauthScopes == [])
        #expect(empty.permissions == nil)
    }
}
