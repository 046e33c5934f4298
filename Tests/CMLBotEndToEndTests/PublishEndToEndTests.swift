import ForgeFakes
import Foundation
import Testing
import TestSupport

/// `cmlbot report --publish` and `cmlbot comment` as GitHub Actions and GitLab CI run them,
/// against stateful fake forges on 127.0.0.1, asserting what the server ends up holding.
@Suite(.serialized) struct PublishEndToEndTests {
    static let canary = "test-token"

    /// A PR branch with changed metrics, and a GitHub `pull_request` event payload for it.
    static func project() throws -> (repo: GitRepoBuilder, base: String, head: String) {
        let repo = try GitRepoBuilder()
        let base = try repo.commit("base", files: [
            "dvc.yaml": "metrics: [metrics.json]\n",
            "metrics.json": #"{"acc": 0.90, "loss": 0.30}"#,
            ".cmlbot.yml": "version: 1\nmetrics:\n  directions: {acc: higher, loss: lower}\n",
        ])
        try repo.git("checkout", "-q", "-b", "feature")
        let head = try repo.commit("train", files: ["metrics.json": #"{"acc": 0.93, "loss": 0.27}"#])
        return (repo, base, head)
    }

    /// The runner's files for one test (event payload, step summary, outputs), inside the test's
    /// repository's .git: unique per test, where git never looks.
    static func runner(_ repo: GitRepoBuilder) -> String {
        let dir = repo.path + "/.git/runner"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func githubEnvironment(_ server: FakeForgeServer, repo: GitRepoBuilder, base: String, head: String,
                                  fork: Bool = false, token: String = canary) throws -> [String: String] {
        let headOwner = fork ? 999 : 1
        let event = """
        {"action": "synchronize", "number": 7,
         "pull_request": {"number": 7, "html_url": "https://github.example/acme/models/pull/7",
           "head": {"sha": "\(head)", "ref": "feature", "repo": {"full_name": "\(fork ? "someone/models" : "acme/models")", "fork": \(fork), "owner": {"id": \(headOwner), "login": "x"}}},
           "base": {"sha": "\(base)", "ref": "main", "repo": {"full_name": "acme/models", "fork": false, "owner": {"id": 1, "login": "acme"}}}},
         "repository": {"full_name": "acme/models", "name": "models", "owner": {"login": "acme", "id": 1}}}
        """
        let eventPath = Self.runner(repo) + "/event-\(UUID().uuidString).json"
        try event.write(toFile: eventPath, atomically: true, encoding: .utf8)
        FileManager.default.createFile(atPath: Self.runner(repo) + "/summary.md", contents: nil)
        FileManager.default.createFile(atPath: Self.runner(repo) + "/output.txt", contents: nil)
        return [
            "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": eventPath,
            "GITHUB_REPOSITORY": "acme/models", "GITHUB_API_URL": server.apiURL, "GITHUB_SERVER_URL": "https://github.example",
            "GITHUB_RUN_ID": "4242", "GITHUB_SHA": String(repeating: "e", count: 40), "GITHUB_REF": "refs/pull/7/merge",
            "GITHUB_STEP_SUMMARY": Self.runner(repo) + "/summary.md", "GITHUB_OUTPUT": Self.runner(repo) + "/output.txt",
            "GITHUB_TOKEN": token,
        ]
    }

    @Test func githubPullRequestGetsExactlyOneCommentAcrossReruns() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try Self.project()
        let env = try Self.githubEnvironment(server, repo: repo, base: base, head: head)
        var outputs: [ProcessResult] = []
        for _ in 0..<3 {
            let r = try await CMLBotBinary.runAsync(["report", "--publish"], in: repo.path, environment: env)
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
            outputs.append(r)
        }
        let thread = await server.state.thread("pr/7")
        #expect(thread.count == 1)
        #expect(thread.first?.body.hasPrefix("<!-- cmlbot:report v1 key=report -->\n## cmlbot report") == true)
        #expect(thread.first?.body.contains("| `acc` | 0.9 | 0.93 | +0.03 |") == true)
        #expect(outputs[0].stderr.contains("note: comment created on pr/7"))
        #expect(outputs[2].stderr.contains("note: comment unchanged on pr/7"))
        // The status goes on the PR head, not GITHUB_SHA (the merge commit).
        let statuses = await server.state.statuses
        #expect(statuses.count == 3)
        #expect(statuses.allSatisfy { $0.sha == head && $0.state == "success" && $0.context == "cmlbot" })
        #expect(await server.state.checkRunCount == 3)
        let summary = try String(contentsOfFile: Self.runner(repo) + "/summary.md", encoding: .utf8)
        #expect(summary.contains("## cmlbot report"))
        let output = try String(contentsOfFile: Self.runner(repo) + "/output.txt", encoding: .utf8)
        #expect(output.contains("comment-url=https://github.example/pr/7#issuecomment-"))
        #expect(output.contains("verdict=pass"))
        // The default base in CI is the pull request's base commit.
        #expect(thread.first?.body.contains("`\(base.prefix(7))` →") == true)
        // Headers every request must carry.
        let log = await server.state.log
        #expect(log.allSatisfy { $0.headers["user-agent"]?.hasPrefix("cmlbot/") == true && $0.headers["x-github-api-version"] == "2022-11-28" })
        for r in outputs { #expect(!(r.stdout + r.stderr).contains(Self.canary)) }
        #expect(!summary.contains(Self.canary) && !output.contains(Self.canary))
        await server.stop()
    }

    @Test func markerOnPageTwoOf150IsFoundAndUpdated() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try Self.project()
        await server.state.seed(thread: "pr/7", bodies: (0..<120).map { "human comment \($0)" })
        await server.state.seed(thread: "pr/7", bodies: ["<!-- cmlbot:report v1 key=report -->\nold report"])
        await server.state.seed(thread: "pr/7", bodies: (0..<29).map { "later comment \($0)" })
        let env = try Self.githubEnvironment(server, repo: repo, base: base, head: head)
        let r = try await CMLBotBinary.runAsync(["report", "--publish"], in: repo.path, environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        let thread = await server.state.thread("pr/7")
        #expect(thread.count == 150)
        #expect(thread[120].body.contains("## cmlbot report"))
        let pages = await server.state.log.filter { $0.method == "GET" && $0.target.contains("/issues/7/comments") }.map(\.target)
        #expect(pages.count == 2)
        #expect(pages[1].contains("page=2"))
        #expect(await server.state.log.filter { $0.method == "POST" && $0.target.hasSuffix("/comments") }.isEmpty)
        await server.stop()
    }

    @Test func faultsNeverDuplicateTheComment() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try Self.project()
        let env = try Self.githubEnvironment(server, repo: repo, base: base, head: head)
        // A list that fails with 500 then works; a 429 with Retry-After; a create whose response is lost.
        await server.state.inject(.status(500, method: "GET", path: "/comments"))
        await server.state.inject(.status(502, method: "GET", path: "/comments", body: "<html><body>502 Bad Gateway</body></html>"))
        await server.state.inject(.status(429, method: "GET", path: "/comments", headers: ["retry-after": "1"], body: #"{"message":"You have exceeded a secondary rate limit"}"#))
        await server.state.inject(Fault(method: "POST", pathContains: "/issues/7/comments", effect: .applyThenFail))
        let r = try await CMLBotBinary.runAsync(["report", "--publish"], in: repo.path, environment: env)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(await server.state.thread("pr/7").count == 1)
        #expect(r.stderr.contains("retry"), "\(r.stderr)")
        #expect(!(r.stdout + r.stderr).contains(Self.canary))
        await server.stop()
    }

    @Test func forkPullRequestDegradesToTheJobSummary() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try Self.project()
        let env = try Self.githubEnvironment(server, repo: repo, base: base, head: head, fork: true, token: "read-only-token")
        let r = try await CMLBotBinary.runAsync(["report", "--publish"], in: repo.path, environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("::notice title=cmlbot::"))
        #expect(try String(contentsOfFile: Self.runner(repo) + "/summary.md", encoding: .utf8).contains("## cmlbot report"))
        #expect(await server.state.log.filter { $0.method != "GET" }.isEmpty)
        let strict = try await CMLBotBinary.runAsync(["report", "--publish", "--require-comment"], in: repo.path, environment: env)
        #expect(strict.status == 2)
        #expect(strict.stderr.contains("--require-comment"))
        await server.stop()
    }

    @Test func readOnlyTokenOutsideForkDetectionDegradesToo() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try Self.project()
        let env = try Self.githubEnvironment(server, repo: repo, base: base, head: head, token: "read-only-token")
        let r = try await CMLBotBinary.runAsync(["report", "--publish"], in: repo.path, environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("could not comment"))
        #expect(r.stderr.contains("Resource not accessible by integration"))
        #expect(await server.state.thread("pr/7").isEmpty)
        await server.stop()
    }

    @Test func oversizedCommentIsCutWithTheMarkerIntact() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try Self.project()
        let env = try Self.githubEnvironment(server, repo: repo, base: base, head: head)
        var big = "# Big\n\n| a | b |\n|---|---|\n"
        for i in 0..<6000 { big += "| row \(i) | value \(i) |\n" }
        big += "/close\n"
        try big.write(toFile: repo.path + "/big.md", atomically: true, encoding: .utf8)
        let r = try await CMLBotBinary.runAsync(["comment", "big.md", "--key", "notes"], in: repo.path, environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        let body = await server.state.thread("pr/7").first?.body ?? ""
        #expect(body.count <= 65_536)
        #expect(body.hasPrefix("<!-- cmlbot:report v1 key=notes -->\n# Big"))
        #expect(body.contains("Report cut to fit the comment size limit"))
        await server.stop()
    }

    // MARK: GitLab

    static func gitlabEnvironment(_ server: FakeForgeServer, base: String, head: String, mr: Int?) -> [String: String] {
        var env = [
            "CI": "true", "GITLAB_CI": "true", "CI_API_V4_URL": server.apiURL, "CI_SERVER_URL": "https://gitlab.example",
            "CI_PROJECT_PATH": "ml/vision/models", "CI_PROJECT_ID": "", "CI_COMMIT_SHA": head, "CI_JOB_URL": "https://gitlab.example/ml/vision/models/-/jobs/9",
            "CI_PIPELINE_SOURCE": mr == nil ? "push" : "merge_request_event", "CI_COMMIT_REF_NAME": "feature",
            "GITLAB_TOKEN": canary,
        ]
        if let mr {
            env["CI_MERGE_REQUEST_IID"] = "\(mr)"
            env["CI_MERGE_REQUEST_DIFF_BASE_SHA"] = base
            env["CI_MERGE_REQUEST_PROJECT_ID"] = "55"
            env["CI_MERGE_REQUEST_SOURCE_PROJECT_ID"] = "55"
        }
        env["CI_PROJECT_ID"] = nil
        return env
    }

    @Test func gitlabMergeRequestNotePaginatedAndEncoded() async throws {
        let server = try await FakeForgeServer.start(.gitlab)
        let (repo, base, head) = try Self.project()
        await server.state.seed(thread: "mr/3", bodies: (0..<130).map { "note \($0)" })
        await server.state.seed(thread: "mr/3", bodies: ["<!-- cmlbot:report v1 key=report -->\nold"], system: true)
        let env = Self.gitlabEnvironment(server, base: base, head: head, mr: 3)
        for _ in 0..<2 {
            let r = try await CMLBotBinary.runAsync(["report", "--publish"], in: repo.path, environment: env)
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
            #expect(!(r.stdout + r.stderr).contains(Self.canary))
        }
        let notes = await server.state.thread("mr/3").filter { !$0.system }
        #expect(notes.filter { $0.body.contains("## cmlbot report") }.count == 1)
        let log = await server.state.log
        // MR pipelines address the merge request's project (CI_MERGE_REQUEST_PROJECT_ID): a fork's
        // pipeline must not post on the fork's own MR with the same iid.
        // (and the rerun asks who the token is, as a marked note exists: GET /user)
        #expect(log.allSatisfy { $0.target.hasPrefix("/api/v4/projects/55/") || $0.target == "/api/v4/user" })
        #expect(log.allSatisfy { $0.headers["private-token"] == Self.canary })
        #expect(log.contains { $0.target.contains("page=2") })
        #expect(await server.state.statuses.last?.state == "success")
        #expect(await server.state.statuses.last?.sha == head)
        await server.stop()
    }

    @Test func gitlabBranchPipelineFindsTheMergeRequestAndJobTokenIsExplained() async throws {
        let server = try await FakeForgeServer.start(.gitlab)
        let (repo, base, head) = try Self.project()
        await server.state.setPullRequests([11], forCommit: head)
        let env = Self.gitlabEnvironment(server, base: base, head: head, mr: nil)
        let r = try await CMLBotBinary.runAsync(["report", "--publish", "--base", "main"], in: repo.path, environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(await server.state.thread("mr/11").count == 1)
        // Without a numeric id, the project path goes on the wire encoded once.
        #expect(await server.state.log.allSatisfy { $0.target.hasPrefix("/api/v4/projects/ml%2Fvision%2Fmodels/") })

        var jobOnly = env
        jobOnly["GITLAB_TOKEN"] = nil
        jobOnly["CI_JOB_TOKEN"] = "job-token-value"
        let denied = try await CMLBotBinary.runAsync(["report", "--publish", "--base", "main"], in: repo.path, environment: jobOnly)
        #expect(denied.status == 2)
        #expect(denied.stderr.contains("CI_JOB_TOKEN"))
        #expect(denied.stderr.contains("api"))
        #expect(!denied.stderr.contains("job-token-value"))
        await server.stop()
    }

    @Test func quickActionsInPostedMarkdownAreNeutralised() async throws {
        let server = try await FakeForgeServer.start(.gitlab)
        let (repo, base, head) = try Self.project()
        try "Results\n/close\n/merge\n```\n/in-code\n```\n".write(toFile: repo.path + "/note.md", atomically: true, encoding: .utf8)
        let r = try await CMLBotBinary.runAsync(["comment", "note.md"], in: repo.path, environment: Self.gitlabEnvironment(server, base: base, head: head, mr: 4))
        #expect(r.status == 0, "\(r.stderr)")
        let body = await server.state.thread("mr/4").first?.body ?? ""
        #expect(body.contains("\n\\/close\n\\/merge\n```\n/in-code\n```"))
        await server.stop()
    }

    @Test func localPublishWithoutContextExplainsWhatIsMissing() async throws {
        let (repo, _, _) = try Self.project()
        let r = try await CMLBotBinary.runAsync(["report", "--publish"], in: repo.path)
        #expect(r.status == 64)
        #expect(r.stderr.contains("--forge"))
    }
}
