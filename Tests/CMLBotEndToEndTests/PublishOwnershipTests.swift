import ForgeFakes
import Foundation
import Testing
import TestSupport

/// Anyone who can comment can type cmlbot's marker into an older comment. Only comments written by
/// cmlbot's own identity count as the sticky comment: the forged one is never edited or deleted,
/// and the report still lands.
extension PublishEndToEndTests {
    static let marker = "<!-- cmlbot:report v1 key=report -->\n"

    static func userRequests(_ server: FakeForgeServer) async -> [LoggedRequest] {
        await server.state.log.filter { $0.method == "GET" && ($0.target == "/user" || $0.target == "/api/v4/user") }
    }

    static func writes(_ server: FakeForgeServer, method: String) async -> [String] {
        await server.state.log.filter { $0.method == method }.map(\.target)
    }

    /// The Actions token may not read `GET /user` (403): comments by `github-actions[bot]` are
    /// cmlbot's. A reviewer's older comment carrying the marker stays as it was.
    @Test func githubActionsTokenIgnoresAForgedOlderMarker() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try Self.project()
        await server.state.seed(thread: "pr/7", bodies: [Self.marker + "LGTM, nothing to see"], author: "alice")
        await server.state.seed(thread: "pr/7", bodies: [Self.marker + "old report"])
        let before = await server.state.thread("pr/7")
        let env = try Self.githubEnvironment(server, repo: repo, base: base, head: head)
        let r = try await CMLBotBinary.runAsync(["report", "--publish"], in: repo.path, environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        let thread = await server.state.thread("pr/7")
        try #require(thread.count == 2)
        #expect(thread[0] == before[0], "the forged comment must stay untouched")
        #expect(thread[1].id == before[1].id && thread[1].body.contains("## cmlbot report"))
        #expect(await Self.writes(server, method: "DELETE").isEmpty)
        #expect(await Self.writes(server, method: "PATCH") == ["/repos/acme/models/issues/comments/\(before[1].id)"])
        let lookups = await Self.userRequests(server)
        #expect(lookups.map(\.status) == [403])
        #expect(r.stderr.contains("note: comment updated on pr/7"), "\(r.stderr)")
        #expect(r.stderr.contains("@alice") && r.stderr.contains("github-actions[bot]"), "\(r.stderr)")
        await server.stop()
    }

    /// A forged marker and no comment of cmlbot's: a new comment is posted, the forged one kept;
    /// and a first run on a thread without markers asks nobody who it is.
    @Test func githubForgedMarkerAloneGetsANewCommentAndFirstRunsAskNothing() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try Self.project()
        let env = try Self.githubEnvironment(server, repo: repo, base: base, head: head)
        await server.state.seed(thread: "pr/7", bodies: ["no marker here"], author: "alice")
        let first = try await CMLBotBinary.runAsync(["report", "--publish"], in: repo.path, environment: env)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(await Self.userRequests(server).isEmpty)

        // Another PR thread: only a forged marker.
        let server2 = try await FakeForgeServer.start(.github)
        await server2.state.seed(thread: "pr/7", bodies: [Self.marker + "forged"], author: "mallory")
        let env2 = try Self.githubEnvironment(server2, repo: repo, base: base, head: head)
        let r = try await CMLBotBinary.runAsync(["report", "--publish"], in: repo.path, environment: env2)
        #expect(r.status == 0, "\(r.stderr)")
        let thread = await server2.state.thread("pr/7")
        try #require(thread.count == 2)
        #expect(thread[0].body == Self.marker + "forged")
        #expect(thread[1].author == "github-actions[bot]" && thread[1].body.contains("## cmlbot report"))
        #expect(await Self.writes(server2, method: "PATCH").isEmpty)
        #expect(await Self.writes(server2, method: "DELETE").isEmpty)
        #expect(r.stderr.contains("note: comment created on pr/7"), "\(r.stderr)")
        await server.stop()
        await server2.stop()
    }

    /// A personal token: `GET /user` names its user, whose comment is updated.
    @Test func githubPersonalTokenTrustsItsOwnUser() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try Self.project()
        await server.state.setTokens(write: ["ghp-pat-0001"], readOnly: [], app: [])
        await server.state.configureAccess { $0.githubUsers = ["ghp-pat-0001": "ml-reporter-bot"] }
        await server.state.seed(thread: "pr/7", bodies: [Self.marker + "forged"], author: "alice")
        await server.state.seed(thread: "pr/7", bodies: [Self.marker + "forged by a bot"], author: "github-actions[bot]")
        await server.state.seed(thread: "pr/7", bodies: [Self.marker + "old report"], author: "ml-reporter-bot")
        let before = await server.state.thread("pr/7")
        var env = try Self.githubEnvironment(server, repo: repo, base: base, head: head)
        env["GITHUB_TOKEN"] = nil
        env["REPO_TOKEN"] = "ghp-pat-0001"
        let r = try await CMLBotBinary.runAsync(["report", "--publish"], in: repo.path, environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        let thread = await server.state.thread("pr/7")
        try #require(thread.count == 3)
        #expect(Array(thread.prefix(2)) == Array(before.prefix(2)))
        #expect(thread[2].id == before[2].id && thread[2].body.contains("## cmlbot report"))
        #expect(await Self.userRequests(server).map(\.status) == [200])
        #expect(await Self.writes(server, method: "DELETE").isEmpty)
        #expect(r.stderr.contains("left 2 comments by @alice, @github-actions[bot]"), "\(r.stderr)")
        #expect(!(r.stdout + r.stderr).contains("ghp-pat-0001"))
        await server.stop()
    }

    /// GitLab: `GET /user` names the token's user, asked once per run even with chart reuse.
    /// cmlbot's own later copy is still removed; someone else's marked note never is.
    @Test func gitlabTrustsTheTokenUserAndAsksOncePerRun() async throws {
        let server = try await FakeForgeServer.start(.gitlab)
        let (repo, base, head) = try ChartUploadEndToEndTests.project()
        let env = Self.gitlabEnvironment(server, base: base, head: head, mr: 3)
        let first = try await CMLBotBinary.runAsync(["report", "--publish", "--upload-charts"], in: repo.path, environment: env)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(await Self.userRequests(server).isEmpty, "a first run spends no request on the identity")
        let own = await server.state.thread("mr/3")
        try #require(own.count == 1)

        await server.state.seed(thread: "mr/3", bodies: [Self.marker + "forged"], author: "mallory")
        await server.state.seed(thread: "mr/3", bodies: [Self.marker + "copy from a racing job"])
        let notes = await server.state.thread("mr/3")
        let rerun = try await CMLBotBinary.runAsync(["report", "--publish", "--upload-charts"], in: repo.path, environment: env)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let after = await server.state.thread("mr/3")
        try #require(after.map(\.id) == [own[0].id, notes[1].id])
        #expect(after[1].body == Self.marker + "forged")
        #expect(await Self.writes(server, method: "DELETE") == ["/api/v4/projects/55/merge_requests/3/notes/\(notes[2].id)"])
        // Chart reuse and the sticky note share the one lookup.
        #expect(await Self.userRequests(server).map(\.status) == [200])
        #expect(rerun.stderr.contains("(removed 1 duplicate)") && rerun.stderr.contains("@mallory"), "\(rerun.stderr)")
        await server.stop()
    }

    /// When the identity cannot be read, the oldest marked note is updated as before, but a note
    /// by another author is never deleted, and the log says why.
    @Test func gitlabUnknownIdentityNeverDeletesAnotherAuthorsNote() async throws {
        let server = try await FakeForgeServer.start(.gitlab)
        let (repo, base, head) = try Self.project()
        await server.state.configureAccess { $0.gitlabNoUserScope = [Self.canary] }
        await server.state.seed(thread: "mr/3", bodies: [Self.marker + "old report"])
        await server.state.seed(thread: "mr/3", bodies: [Self.marker + "forged later"], author: "mallory")
        let before = await server.state.thread("mr/3")
        let r = try await CMLBotBinary.runAsync(["report", "--publish"], in: repo.path, environment: Self.gitlabEnvironment(server, base: base, head: head, mr: 3))
        #expect(r.status == 0, "\(r.stderr)")
        let after = await server.state.thread("mr/3")
        try #require(after.map(\.id) == before.map(\.id))
        #expect(after[0].body.contains("## cmlbot report") && after[1] == before[1])
        #expect(await Self.writes(server, method: "DELETE").isEmpty)
        #expect(r.stderr.contains("could not tell which marked comment is cmlbot's own") && r.stderr.contains("insufficient_scope"), "\(r.stderr)")
        await server.stop()
    }
}
