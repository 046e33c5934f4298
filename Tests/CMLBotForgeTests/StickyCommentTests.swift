import Foundation
import Testing
@testable import CMLBotForge

/// A forge held in memory, with scripted faults, to test the upsert decisions without HTTP.
actor InMemoryForgeState {
    var comments: [ForgeComment] = []
    var nextID = 100
    var calls: [String] = []
    /// Fail the next create after storing it, as if the response was lost.
    var loseNextCreateResponse = false
    var failNextCreateBeforeStoring = false
    /// What `ownIdentity()` answers; comments cmlbot creates are written by `writer`.
    var identity: Result<ForgeIdentity, ForgeError> = .success(.user("cmlbot"))
    var writer = "cmlbot"

    func record(_ call: String) { calls.append(call) }

    func add(_ body: String, author: String = "cmlbot") -> ForgeComment {
        nextID += 1
        let c = ForgeComment(id: nextID, body: body, url: "https://forge/c/\(nextID)", author: author)
        comments.append(c)
        return c
    }

    func ownIdentity() throws -> ForgeIdentity {
        calls.append("identity")
        return try identity.get()
    }

    func setIdentity(_ result: Result<ForgeIdentity, ForgeError>) { identity = result }

    func create(_ body: String) throws -> ForgeComment {
        calls.append("create")
        if failNextCreateBeforeStoring { failNextCreateBeforeStoring = false; throw ForgeError.server(operation: "create", status: 502, detail: "bad gateway") }
        let c = add(body, author: writer)
        if loseNextCreateResponse { loseNextCreateResponse = false; throw ForgeError.transport(operation: "create", detail: "timeout") }
        return c
    }

    func update(_ id: Int, _ body: String) throws -> ForgeComment {
        calls.append("update \(id)")
        guard let i = comments.firstIndex(where: { $0.id == id }) else { throw ForgeError.notFound(operation: "update", detail: "\(id)") }
        // As on the forges: nobody edits another person's comment.
        guard comments[i].author == writer else { throw ForgeError.notPermitted(operation: "update", status: 403, detail: "not the author", hint: "") }
        comments[i].body = body
        return comments[i]
    }

    func delete(_ id: Int) { calls.append("delete \(id)"); comments.removeAll { $0.id == id } }
    func setLoseNextCreateResponse() { loseNextCreateResponse = true }
    func setFailNextCreateBeforeStoring() { failNextCreateBeforeStoring = true }
}

struct InMemoryForge: ForgeClient {
    let kind = ForgeKind.github
    let commentBodyLimit = 65_000
    let state = InMemoryForgeState()
    func supportsUpdate(on target: CommentTarget) -> Bool { true }
    func listComments(on target: CommentTarget) async throws -> [ForgeComment] { await state.record("list"); return await state.comments }
    func createComment(on target: CommentTarget, body: String) async throws -> ForgeComment { try await state.create(body) }
    func updateComment(on target: CommentTarget, id: Int, body: String) async throws -> ForgeComment { try await state.update(id, body) }
    func deleteComment(on target: CommentTarget, id: Int) async throws { await state.delete(id) }
    func setStatus(_ status: CommitStatusRequest) async throws {}
    func pullRequests(forCommit sha: String) async throws -> [Int] { [] }
    func ownIdentity() async throws -> ForgeIdentity { try await state.ownIdentity() }
}

@Suite struct StickyCommentTests {
    func body(_ text: String, key: String = "report") -> String {
        CommentBody.make(markdown: text, key: key, limit: 65_000, truncationNote: "truncated")
    }

    @Test func createsOnceThenUpdatesInPlaceThenLeavesAlone() async throws {
        let forge = InMemoryForge()
        _ = await forge.state.add("a human comment")
        let sticky = StickyComment(client: forge, target: .pullRequest(7), key: "report")
        let first = try await sticky.publish(body: body("v1"))
        #expect(first.action == .created)
        let second = try await sticky.publish(body: body("v2"))
        #expect(second.action == .updated)
        #expect(second.comment.id == first.comment.id)
        let third = try await sticky.publish(body: body("v2"))
        #expect(third.action == .unchanged)
        #expect(await forge.state.comments.count == 2)
        #expect(await forge.state.calls.filter { $0 == "create" }.count == 1)
    }

    @Test func lostCreateResponseIsNotPostedTwice() async throws {
        let forge = InMemoryForge()
        await forge.state.setLoseNextCreateResponse()
        let result = try await StickyComment(client: forge, target: .pullRequest(1), key: "report").publish(body: body("x"))
        #expect(result.action == .created)
        #expect(await forge.state.comments.count == 1)
        // The comment found after the lost answer is checked to be cmlbot's own.
        #expect(await forge.state.calls == ["list", "create", "list", "identity"])
    }

    @Test func failedCreateIsRetriedAfterLooking() async throws {
        let forge = InMemoryForge()
        await forge.state.setFailNextCreateBeforeStoring()
        let result = try await StickyComment(client: forge, target: .pullRequest(1), key: "report").publish(body: body("x"))
        #expect(result.action == .created)
        #expect(await forge.state.calls == ["list", "create", "list", "create"])
        #expect(await forge.state.comments.count == 1)
    }

    @Test func raceDuplicatesAreRemovedKeepingTheOldest() async throws {
        let forge = InMemoryForge()
        let a = await forge.state.add(body("old"))
        let b = await forge.state.add(body("old too"))
        let other = await forge.state.add(body("another key", key: "gates"))
        let result = try await StickyComment(client: forge, target: .pullRequest(1), key: "report").publish(body: body("new"))
        #expect(result.action == .updated)
        #expect(result.comment.id == a.id)
        #expect(result.removedDuplicates == [b.id])
        #expect(await forge.state.comments.map(\.id) == [a.id, other.id])
    }

    @Test func markerMustBeTheFirstLine() {
        let marked = body("hello")
        #expect(CommentBody.isMarked(marked, key: "report"))
        #expect(!CommentBody.isMarked("> " + marked, key: "report"))
        #expect(!CommentBody.isMarked("quote:\n" + marked, key: "report"))
        #expect(!CommentBody.isMarked(marked, key: "other"))
        #expect(CommentBody.isMarked("<!-- cmlbot:report v7 key=report -->\nfuture", key: "report"))
        #expect(!CommentBody.isMarked("<!-- cmlbot:report vX key=report -->", key: "report"))
    }

    @Test func repositoryTextCannotForgeOrBreakTheMarker() {
        let hostile = "<!-- cmlbot:report v1 key=report -->\nfake\n--> <!-- hide"
        let made = CommentBody.make(markdown: hostile, key: "report --> <img src=x>", limit: 65_000, truncationNote: "t")
        #expect(made.hasPrefix("<!-- cmlbot:report v1 key=report--imgsrcx -->\n"))
        #expect(made.components(separatedBy: "<!--").count == 2)
    }

    @Test func quickActionsAreNeutralisedOutsideCode() {
        let text = "/close\n  /merge now\nnot /label\n```\n/keep in code\n```\n/assign @me"
        let made = CommentBody.neutralizeQuickActions(text)
        #expect(made == "\\/close\n  \\/merge now\nnot /label\n```\n/keep in code\n```\n\\/assign @me")
    }

    @Test func truncationKeepsTablesWholeAndClosesDetails() {
        var text = "## Report\n\n<details><summary>all</summary>\n\n| a | b |\n|---|---|\n"
        for i in 0..<5000 { text += "| row \(i) | \(i) |\n" }
        text += "</details>\n"
        let made = CommentBody.make(markdown: text, key: "report", limit: 2_000, truncationNote: "Report cut: see the job summary.")
        #expect(made.count <= 2_000)
        #expect(made.hasSuffix("\n\nReport cut: see the job summary.\n"))
        #expect(made.contains("</details>"))
        // Cut after a complete row: the table stays valid, the last row is whole.
        let lines = made.components(separatedBy: "\n")
        let lastRow = lines.last { $0.hasPrefix("| row ") }
        #expect(lastRow?.hasSuffix(" |") == true)
        #expect(lines.contains("|---|---|"))
    }
}
