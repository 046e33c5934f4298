import ForgeFakes
import Foundation
import Testing
import TestSupport

/// `cmlbot status` against the fake forges: the status lands on the PR head with the run URL,
/// gates decide it unless `--state` is given, and read-only tokens degrade like the comment does.
@Suite(.serialized) struct StatusEndToEndTests {
    typealias P = PublishEndToEndTests

    static let failingGate = "version: 1\npromote:\n  metrics:\n    - {metric: acc, min: 0.99}\n"

    @Test func gatesPassingPostSuccessOnThePullRequestHead() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try P.project()
        let env = try P.githubEnvironment(server, repo: repo, base: base, head: head)
        let r = try await CMLBotBinary.runAsync(["status"], in: repo.path, environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        let statuses = await server.state.statuses
        #expect(statuses.count == 1)
        let status = try #require(statuses.first)
        #expect(status.sha == head)
        #expect(status.state == "success")
        #expect(status.context == "cmlbot")
        #expect(status.description == "review evidence ready")
        #expect(status.targetURL == "https://github.example/acme/models/actions/runs/4242")
        // Only the status: no comment, no check run.
        #expect(await server.state.log.map { "\($0.method) \($0.target)" } == ["POST /repos/acme/models/statuses/\(head)"])
        #expect(r.stderr.contains("note: status success on \(head.prefix(7)) (cmlbot)"))
        #expect(!(r.stdout + r.stderr).contains(P.canary))
        await server.stop()
    }

    @Test func failingGatePostsFailureThenExitsOne() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try P.project()
        try repo.commit("strict gate", files: [".cmlbot.yml": Self.failingGate])
        let env = try P.githubEnvironment(server, repo: repo, base: base, head: head)
        let r = try await CMLBotBinary.runAsync(["status", "--context", "ml/gates"], in: repo.path, environment: env)
        #expect(r.status == 1, "\(r.stderr)")
        let status = try #require(await server.state.statuses.first)
        #expect(status.state == "failure")
        #expect(status.context == "ml/gates")
        #expect(status.sha == head)
        #expect(status.description.hasPrefix("1 gate failed: "))
        #expect(status.description.contains("acc"))
        #expect(status.description.count <= 140)

        // report --publish posts the same words (shared verdict).
        let report = try await CMLBotBinary.runAsync(["report", "--publish"], in: repo.path, environment: env)
        #expect(report.status == 1)
        #expect(await server.state.statuses.last?.description == status.description)
        await server.stop()
    }

    @Test func explicitStateIsPostedAsGivenAndNeverExitsOne() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try P.project()
        try repo.commit("strict gate", files: [".cmlbot.yml": Self.failingGate])
        let env = try P.githubEnvironment(server, repo: repo, base: base, head: head)
        let pending = try await CMLBotBinary.runAsync(["status", "--state", "pending", "--description", "training started"], in: repo.path, environment: env)
        #expect(pending.status == 0, "\(pending.stderr)")
        let long = String(repeating: "x", count: 300)
        let failure = try await CMLBotBinary.runAsync(["status", "--state", "failure", "--description", long], in: repo.path, environment: env)
        #expect(failure.status == 0, "\(failure.stderr)")
        let statuses = await server.state.statuses
        #expect(statuses.map(\.state) == ["pending", "failure"])
        #expect(statuses[0].description == "training started")
        #expect(statuses[1].description.count == 140)
        #expect(statuses.allSatisfy { $0.sha == head })

        let bad = try await CMLBotBinary.runAsync(["status", "--state", "running"], in: repo.path, environment: env)
        #expect(bad.status == 64)
        await server.stop()
    }

    @Test func dryRunSendsNothingAndMasksTheToken() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try P.project()
        let env = try P.githubEnvironment(server, repo: repo, base: base, head: head)
        let r = try await CMLBotBinary.runAsync(["status", "--state", "pending", "--dry-run"], in: repo.path, environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("POST \(server.apiURL)/repos/acme/models/statuses/\(head)"))
        #expect(r.stdout.contains("Authorization: ***"))
        #expect(!(r.stdout + r.stderr).contains(P.canary))
        #expect(await server.state.log.isEmpty)
        await server.stop()
    }

    @Test func forkAndReadOnlyTokensGetANoticeUnlessAStatusIsRequired() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try P.project()
        let fork = try P.githubEnvironment(server, repo: repo, base: base, head: head, fork: true, token: "read-only-token")
        let r = try await CMLBotBinary.runAsync(["status", "--state", "pending"], in: repo.path, environment: fork)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("::notice title=cmlbot::could not set the commit status: this pull request comes from a fork"))
        #expect(await server.state.log.isEmpty)
        let strict = try await CMLBotBinary.runAsync(["status", "--state", "pending", "--require-status"], in: repo.path, environment: fork)
        #expect(strict.status == 2)
        #expect(strict.stderr.contains("--require-status"))

        // Not detected as a fork, but the token cannot write: the forge's 403 becomes the notice.
        let readOnly = try P.githubEnvironment(server, repo: repo, base: base, head: head, token: "read-only-token")
        let denied = try await CMLBotBinary.runAsync(["status", "--state", "pending"], in: repo.path, environment: readOnly)
        #expect(denied.status == 0, "\(denied.stderr)")
        #expect(denied.stdout.contains("Resource not accessible by integration"))
        let deniedStrict = try await CMLBotBinary.runAsync(["status", "--state", "pending", "--require-status"], in: repo.path, environment: readOnly)
        #expect(deniedStrict.status == 2)
        #expect(await server.state.statuses.isEmpty)
        await server.stop()
    }

    @Test func gitlabStatusUsesGitLabStatesOnTheMergeRequestProject() async throws {
        let server = try await FakeForgeServer.start(.gitlab)
        let (repo, base, head) = try P.project()
        let env = P.gitlabEnvironment(server, base: base, head: head, mr: 3)
        let r = try await CMLBotBinary.runAsync(["status", "--state", "error"], in: repo.path, environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        let status = try #require(await server.state.statuses.first)
        #expect(status.state == "failed")
        #expect(status.sha == head)
        #expect(status.targetURL == "https://gitlab.example/ml/vision/models/-/jobs/9")
        #expect(await server.state.log.first?.target == "/api/v4/projects/55/statuses/\(head)")
        await server.stop()
    }

    @Test func localRunWithoutContextIsAUsageError() async throws {
        let (repo, _, _) = try P.project()
        let r = try await CMLBotBinary.runAsync(["status", "--state", "pending"], in: repo.path)
        #expect(r.status == 64)
        #expect(r.stderr.contains("--forge"))
        let noHead = try await CMLBotBinary.runAsync(["status", "--state", "pending", "--forge", "github", "--repo", "a/b"], in: repo.path)
        #expect(noHead.status == 64)
        #expect(noHead.stderr.contains("--head"))
    }
}
