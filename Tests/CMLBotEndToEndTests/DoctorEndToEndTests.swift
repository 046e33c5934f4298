import ForgeFakes
import Foundation
import Testing
import TestSupport

/// `cmlbot doctor` as a pipeline runs it before training, against the fake forges: exit codes,
/// the checks' verdicts, goldens of the text, and that no token value and no write ever leaves.
@Suite(.serialized) struct DoctorEndToEndTests {
    typealias P = PublishEndToEndTests

    /// Output with what varies between runs (port, temp paths) replaced, for goldens.
    static func normalized(_ text: String, server: FakeForgeServer, repo: GitRepoBuilder) -> String {
        text.replacingOccurrences(of: server.apiURL, with: "http://FAKE-API")
            .replacingOccurrences(of: repo.path, with: "REPO")
    }

    static func expectNoSecrets(_ r: ProcessResult, _ secrets: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        for secret in secrets { #expect(!(r.stdout + r.stderr).contains(secret), "token value leaked", sourceLocation: sourceLocation) }
    }

    /// The check lines (`[ok]   title`) of the text output, in order.
    static func verdicts(_ text: String) -> [String] {
        text.split(separator: "\n").filter { $0.hasPrefix("[") }.map { String($0) }
    }

    static func expectNoWrites(_ server: FakeForgeServer, sourceLocation: SourceLocation = #_sourceLocation) async {
        let writes = await server.state.log.filter { $0.method != "GET" }
        #expect(writes.isEmpty, "doctor must not write: \(writes.map { "\($0.method) \($0.target)" })", sourceLocation: sourceLocation)
    }

    @Test func actionsTokenWarnsWithTheWorkflowPermissions() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try P.project()
        let env = try P.githubEnvironment(server, repo: repo, base: base, head: head)
        let r = try await CMLBotBinary.runAsync(["doctor"], in: repo.path, environment: env)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(Self.verdicts(r.stdout) == ["[ok]   CI context", "[ok]   token", "[warn] can comment", "[warn] can set statuses",
                                            "[ok]   config", "[ok]   base commit", "[ok]   what would be published"])
        #expect(r.stdout.contains("permissions: { pull-requests: write, issues: write, statuses: write, checks: write }"))
        #expect(r.stdout.contains("X-Accepted-GitHub-Permissions: metadata=read"))
        if let failure = Golden.check(Self.normalized(r.stdout, server: server, repo: repo), named: "doctor-github-actions.txt") { Issue.record("\(failure)") }
        Self.expectNoSecrets(r, [P.canary])
        await Self.expectNoWrites(server)
        #expect(await server.state.log.map(\.target) == ["/repos/acme/models"])
        await server.stop()
    }

    @Test func classicTokensWithAndWithoutWriteAccess() async throws {
        let server = try await FakeForgeServer.start(.github)
        await server.state.setTokens(write: ["ghp-writer-0001"], readOnly: ["ghp-reader-0002"], app: [])
        await server.state.configureAccess { $0.githubScopes = ["ghp-writer-0001": "repo, workflow", "ghp-reader-0002": "read:org"] }
        let (repo, base, head) = try P.project()
        var env = try P.githubEnvironment(server, repo: repo, base: base, head: head)
        env["GITHUB_TOKEN"] = nil
        env["CMLBOT_TOKEN"] = "ghp-writer-0001"
        let writer = try await CMLBotBinary.runAsync(["doctor"], in: repo.path, environment: env)
        #expect(writer.status == 0, "\(writer.stdout)")
        #expect(Self.verdicts(writer.stdout).prefix(4) == ["[ok]   CI context", "[ok]   token", "[ok]   can comment", "[ok]   can set statuses"])
        #expect(writer.stdout.contains("$CMLBOT_TOKEN (value not shown)"))
        #expect(writer.stdout.contains("a classic token with scopes: repo, workflow"))
        // A PAT cannot create check runs: the plan says the status carries the verdict.
        #expect(writer.stdout.contains("no check run"))

        env["CMLBOT_TOKEN"] = "ghp-reader-0002"
        let reader = try await CMLBotBinary.runAsync(["doctor", "--format", "json"], in: repo.path, environment: env)
        #expect(reader.status == 1, "\(reader.stdout)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(reader.stdout.utf8)) as? [String: Any])
        #expect(json["ok"] as? Bool == false)
        let checks = try #require(json["checks"] as? [[String: Any]])
        let byID = Dictionary(uniqueKeysWithValues: checks.map { ($0["id"] as! String, $0) })
        #expect(byID["comments"]?["status"] as? String == "fail")
        #expect(byID["statuses"]?["status"] as? String == "fail")
        #expect((byID["statuses"]?["fix"] as? String)?.contains("Write role") == true)
        let context = try #require(json["context"] as? [String: Any])
        #expect(context["token_variable"] as? String == "CMLBOT_TOKEN")
        #expect(context["head_sha"] as? String == head)
        Self.expectNoSecrets(writer, ["ghp-writer-0001", "ghp-reader-0002"])
        Self.expectNoSecrets(reader, ["ghp-writer-0001", "ghp-reader-0002"])
        await Self.expectNoWrites(server)
        await server.stop()
    }

    @Test func rejectedTokenFailsWithoutEchoingIt() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try P.project()
        var env = try P.githubEnvironment(server, repo: repo, base: base, head: head)
        env["GITHUB_TOKEN"] = "ghp-revoked-0003"
        let r = try await CMLBotBinary.runAsync(["doctor"], in: repo.path, environment: env)
        #expect(r.status == 1)
        #expect(r.stdout.contains("the forge rejected the token (HTTP 401: Bad credentials)"))
        #expect(r.stdout.contains("[skip] can comment"))
        Self.expectNoSecrets(r, ["ghp-revoked-0003"])
        await server.stop()
    }

    @Test func forkPullRequestWarnsAndRequireCommentFails() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try P.project()
        let env = try P.githubEnvironment(server, repo: repo, base: base, head: head, fork: true, token: "read-only-token")
        let r = try await CMLBotBinary.runAsync(["doctor"], in: repo.path, environment: env)
        #expect(r.status == 0, "\(r.stdout)")
        #expect(r.stdout.contains("from a fork: this run's token is read-only"))
        #expect(r.stdout.contains("workflow_run"))
        let strict = try await CMLBotBinary.runAsync(["doctor", "--require-comment"], in: repo.path, environment: env)
        #expect(strict.status == 1)
        #expect(strict.stdout.contains("[fail] can comment"))
        await server.stop()
    }

    @Test func shallowCloneMissingTheBaseNamesTheCheckoutFix() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (origin, base, head) = try P.project()
        let destination = try TemporaryDirectory("cmlbot-shallow")
        try origin.git("clone", "-q", "--depth", "1", "--branch", "feature", "file://\(origin.path)", destination.path)
        let clone = GitRepoBuilder(existing: destination)
        let env = try P.githubEnvironment(server, repo: clone, base: base, head: head)
        let r = try await CMLBotBinary.runAsync(["doctor"], in: clone.path, environment: env)
        #expect(r.status == 1, "\(r.stdout)")
        #expect(r.stdout.contains("[fail] base commit"))
        #expect(r.stdout.contains("fix: set `fetch-depth: 0` on actions/checkout"))
        #expect(r.stdout.contains("publishing would not work: 1 check failed (history)"))

        // The same clone in GitLab CI gets GitLab's fix.
        let gitlab = try await FakeForgeServer.start(.gitlab)
        let lab = try await CMLBotBinary.runAsync(["doctor"], in: clone.path, environment: P.gitlabEnvironment(gitlab, base: base, head: head, mr: 3))
        #expect(lab.status == 1)
        #expect(lab.stdout.contains("fix: set `GIT_DEPTH: 0` in the job's variables"))
        await gitlab.stop()
        await server.stop()
    }

    @Test func gitlabDeveloperTokenPassesAndReporterCannotSetStatuses() async throws {
        let server = try await FakeForgeServer.start(.gitlab)
        await server.state.configureAccess { $0.gitlabAccessLevels = ["reporter-token-04": 20] }
        await server.state.setTokens(write: [P.canary, "reporter-token-04"], readOnly: [], app: [])
        let (repo, base, head) = try P.project()
        let env = P.gitlabEnvironment(server, base: base, head: head, mr: 3)
        let r = try await CMLBotBinary.runAsync(["doctor"], in: repo.path, environment: env)
        #expect(r.status == 0, "\(r.stdout)")
        #expect(r.stdout.contains("GitLab accepts it as @project_55_bot for ml/vision/models"))
        #expect(r.stdout.contains("role Developer (30)"))
        if let failure = Golden.check(Self.normalized(r.stdout, server: server, repo: repo), named: "doctor-gitlab-mr.txt") { Issue.record("\(failure)") }
        // MR pipelines address the MR's project: GET /projects/55, then /user.
        #expect(await server.state.log.map(\.target) == ["/api/v4/projects/55", "/api/v4/user"])

        var reporter = env
        reporter["GITLAB_TOKEN"] = "reporter-token-04"
        let weak = try await CMLBotBinary.runAsync(["doctor"], in: repo.path, environment: reporter)
        #expect(weak.status == 1)
        #expect(Self.verdicts(weak.stdout).contains("[ok]   can comment"))
        #expect(Self.verdicts(weak.stdout).contains("[fail] can set statuses"))
        #expect(weak.stdout.contains("fix: give the token's user the Developer role on ml/vision/models"))
        Self.expectNoSecrets(r, [P.canary])
        Self.expectNoSecrets(weak, ["reporter-token-04"])
        await Self.expectNoWrites(server)
        await server.stop()
    }

    @Test func gitlabJobTokenOnlyIsExplainedAndNothingIsSent() async throws {
        let server = try await FakeForgeServer.start(.gitlab)
        let (repo, base, head) = try P.project()
        var env = P.gitlabEnvironment(server, base: base, head: head, mr: 3)
        env["GITLAB_TOKEN"] = nil
        env["CI_JOB_TOKEN"] = "job-token-value-05"
        let r = try await CMLBotBinary.runAsync(["doctor"], in: repo.path, environment: env)
        #expect(r.status == 1)
        #expect(r.stdout.contains("[fail] token"))
        #expect(r.stdout.contains("only CI_JOB_TOKEN is available"))
        #expect(r.stdout.contains("api scope"))
        #expect(r.stdout.contains("[skip] can set statuses"))
        Self.expectNoSecrets(r, ["job-token-value-05"])
        #expect(await server.state.log.isEmpty)
        if let failure = Golden.check(Self.normalized(r.stdout, server: server, repo: repo), named: "doctor-gitlab-job-token.txt") { Issue.record("\(failure)") }
        await server.stop()
    }

    @Test func localRunSaysWhatPublishingNeeds() async throws {
        let (repo, _, _) = try P.project()
        let r = try await CMLBotBinary.runAsync(["doctor"], in: repo.path)
        #expect(r.status == 1)
        #expect(r.stdout.contains("[fail] CI context"))
        #expect(r.stdout.contains("--forge github|gitlab"))
        #expect(r.stdout.contains("[skip] token"))
        #expect(r.stdout.contains("[ok]   config"))
        if let failure = Golden.check(r.stdout, named: "doctor-local.txt") { Issue.record("\(failure)") }

        let bad = try await CMLBotBinary.runAsync(["doctor", "--format", "yaml"], in: repo.path)
        #expect(bad.status == 64)
        let badTarget = try await CMLBotBinary.runAsync(["doctor", "--forge", "github", "--repo", "a/b", "--pr", "1", "--target", "nowhere"], in: repo.path)
        #expect(badTarget.status == 64, "\(badTarget.stdout)\(badTarget.stderr)")
    }

    @Test func brokenConfigFailsTheConfigCheck() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try P.project()
        try repo.write(".cmlbot.yml", "version: 1\npromote:\n  metrics:\n    - {min: 0.5}\n")
        let env = try P.githubEnvironment(server, repo: repo, base: base, head: head)
        let r = try await CMLBotBinary.runAsync(["doctor"], in: repo.path, environment: env)
        #expect(r.status == 1)
        #expect(r.stdout.contains("[fail] config"))
        #expect(r.stdout.contains("needs metric"))
        await server.stop()
    }
}
