import Foundation
import Testing
@testable import CMLBotForge

/// Only comments cmlbot's own identity wrote count as the sticky comment: a marker typed by
/// someone else is never edited or deleted.
@Suite struct StickyOwnershipTests {
    static let marker = "<!-- cmlbot:report v1 key=report -->\n"

    func comment(_ id: Int, _ author: String?, type: String? = nil) -> ForgeComment {
        ForgeComment(id: id, body: Self.marker + "text \(id)", url: nil, author: author, authorType: type)
    }

    func body(_ text: String) -> String {
        CommentBody.make(markdown: text, key: "report", limit: 65_000, truncationNote: "truncated")
    }

    // MARK: who wrote a comment

    @Test func userIdentityMatchesItsLoginOnly() {
        let me = ForgeIdentity.user("ML-Reporter")
        #expect(me.wrote(comment(1, "ml-reporter", type: "User")))
        #expect(!me.wrote(comment(2, "ml-reporter2", type: "User")))
        #expect(!me.wrote(comment(3, nil)))
    }

    @Test func actionsBotNeedsTheBotTypeAndItsLogin() {
        let me = ForgeIdentity.bot(login: ForgeIdentity.actionsBot)
        #expect(me.wrote(comment(1, "github-actions[bot]", type: "Bot")))
        // Only GitHub makes Bot accounts; a User that somehow carried the name is not it.
        #expect(!me.wrote(comment(2, "github-actions[bot]", type: "User")))
        #expect(!me.wrote(comment(3, "github-actions[bot]", type: nil)))
        #expect(!me.wrote(comment(4, "dependabot[bot]", type: "Bot")))
        #expect(!me.wrote(comment(5, "alice", type: "User")))
    }

    @Test func unknownAppBotTrustsAnyBotButNoPerson() {
        let me = ForgeIdentity.bot(login: nil)
        #expect(me.wrote(comment(1, "my-app[bot]", type: "Bot")))
        #expect(!me.wrote(comment(2, "alice", type: "User")))
        #expect(!me.wrote(comment(3, "acme", type: "Organization")))
    }

    // MARK: selection

    @Test func foreignMarkedCommentsAreNeitherKeptNorDeleted() {
        let marked = [comment(1, "alice"), comment(2, "cmlbot"), comment(3, "mallory"), comment(4, "cmlbot")]
        let s = StickySelection.select(marked, identity: .user("cmlbot"))
        #expect(s.keep?.id == 2)
        #expect(s.duplicates.map(\.id) == [4])
        #expect(s.untouched.map(\.id) == [1, 3])
    }

    @Test func onlyForeignMarkedCommentsMeansCreate() {
        let s = StickySelection.select([comment(1, "alice")], identity: .bot(login: ForgeIdentity.actionsBot))
        #expect(s.keep == nil && s.duplicates.isEmpty)
        #expect(s.untouched.map(\.id) == [1])
    }

    @Test func unknownIdentityKeepsTheOldestAndDeletesOnlyCopiesByItsAuthor() {
        let marked = [comment(1, "cmlbot"), comment(2, "alice"), comment(3, "cmlbot"), comment(4, nil), comment(5, "cmlbot", type: "Bot")]
        let s = StickySelection.select(marked, identity: nil)
        #expect(s.keep?.id == 1)
        #expect(s.duplicates.map(\.id) == [3])
        #expect(s.untouched.map(\.id) == [2, 4, 5])
        // No author known at all: nothing is provably a copy, nothing is deleted.
        let anonymous = StickySelection.select([comment(1, nil), comment(2, nil)], identity: nil)
        #expect(anonymous.keep?.id == 1 && anonymous.duplicates.isEmpty)
    }

    // MARK: publishing

    @Test func olderForgedMarkerIsLeftAloneAndOwnCommentUpdated() async throws {
        let forge = InMemoryForge()
        let forged = await forge.state.add(body("forged by a reviewer"), author: "alice")
        let own = await forge.state.add(body("old report"))
        let result = try await StickyComment(client: forge, target: .pullRequest(7), key: "report").publish(body: body("new report"))
        #expect(result.action == .updated)
        #expect(result.comment.id == own.id)
        #expect(result.removedDuplicates.isEmpty)
        #expect(result.notes.contains { $0.contains("@alice") && $0.contains("untouched") }, "\(result.notes)")
        let comments = await forge.state.comments
        #expect(comments.first { $0.id == forged.id }?.body == forged.body)
        #expect(comments.first { $0.id == own.id }?.body == body("new report"))
        #expect(await forge.state.calls.filter { $0.hasPrefix("delete") }.isEmpty)
    }

    @Test func onlyAForgedMarkerMeansANewComment() async throws {
        let forge = InMemoryForge()
        let forged = await forge.state.add(body("forged"), author: "alice")
        let result = try await StickyComment(client: forge, target: .pullRequest(7), key: "report").publish(body: body("report"))
        #expect(result.action == .created)
        #expect(await forge.state.comments.count == 2)
        #expect(await forge.state.comments.first?.body == forged.body)
    }

    @Test func ownDuplicatesAreStillRemoved() async throws {
        let forge = InMemoryForge()
        let forged = await forge.state.add(body("forged"), author: "alice")
        let a = await forge.state.add(body("old"))
        let b = await forge.state.add(body("old too"))
        let result = try await StickyComment(client: forge, target: .pullRequest(1), key: "report").publish(body: body("new"))
        #expect(result.comment.id == a.id)
        #expect(result.removedDuplicates == [b.id])
        #expect(await forge.state.comments.map(\.id) == [forged.id, a.id])
    }

    @Test func firstRunAsksNoIdentity() async throws {
        let forge = InMemoryForge()
        _ = await forge.state.add("a human comment without a marker", author: "alice")
        _ = try await StickyComment(client: forge, target: .pullRequest(1), key: "report").publish(body: body("x"))
        #expect(await forge.state.calls == ["list", "create"])
    }

    @Test func unknownIdentityFallsBackWithoutDeletingOthersComments() async throws {
        let forge = InMemoryForge()
        await forge.state.setIdentity(.failure(.server(operation: "reading the token's user", status: 503, detail: "unavailable")))
        let own = await forge.state.add(body("old"))
        let forged = await forge.state.add(body("forged later"), author: "alice")
        let copy = await forge.state.add(body("copy"))
        let result = try await StickyComment(client: forge, target: .pullRequest(1), key: "report").publish(body: body("new"))
        #expect(result.action == .updated && result.comment.id == own.id)
        #expect(result.removedDuplicates == [copy.id])
        #expect(await forge.state.comments.map(\.id) == [own.id, forged.id])
        #expect(result.notes.contains { $0.hasPrefix("could not tell which marked comment is cmlbot's own") && $0.contains("HTTP 503") }, "\(result.notes)")
    }

    @Test func identityIsLookedUpOncePerRunEvenWhenItFails() async throws {
        let forge = InMemoryForge()
        await forge.state.setIdentity(.failure(.server(operation: "reading the token's user", status: 502, detail: "x")))
        let identity = OwnIdentity(client: forge)
        _ = await identity.resolve()
        _ = await identity.resolve()
        #expect(await identity.lookups == 1)
        #expect(await forge.state.calls == ["identity"])
    }
}
