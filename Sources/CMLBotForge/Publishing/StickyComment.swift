import Foundation

/// What publishing did.
public struct PublishResult: Equatable, Sendable {
    public enum Action: String, Sendable { case created, updated, unchanged }
    public var action: Action
    public var comment: ForgeComment
    /// Ids of duplicate marked comments that were removed (left over from a race).
    public var removedDuplicates: [Int]
    /// For the log: marked comments left alone, an identity that could not be read.
    public var notes: [String] = []
}

/// Exactly one cmlbot comment per (target, key): find it by its marker across all pages, update it
/// in place, create it only when it does not exist — and after a create whose answer was lost,
/// look again before creating a second one.
///
/// The marker alone proves nothing: anyone who can comment can type it into an older comment, and
/// cmlbot would then try to edit that comment (refused, so no report) and delete its own as a
/// duplicate. So only marked comments written by the token's own identity count; the identity is
/// looked up (once, through `identity`) only when some marked comment exists.
public struct StickyComment: Sendable {
    public let client: any ForgeClient
    public let target: CommentTarget
    public let key: String
    public let identity: OwnIdentity

    /// `identity`: shared with whatever else needs it this run (GitLab chart reuse); nil makes one
    /// that asks `client`.
    public init(client: any ForgeClient, target: CommentTarget, key: String, identity: OwnIdentity? = nil) {
        self.client = client
        self.target = target
        self.key = key
        self.identity = identity ?? OwnIdentity(client: client)
    }

    /// `existing`: what `marked()` returned earlier in this run (the chart host read the previous
    /// note from it), so the thread is not listed twice; nil lists it now.
    public func publish(body: String, existing listed: [ForgeComment]? = nil) async throws -> PublishResult {
        let existing: [ForgeComment]
        if let listed { existing = listed } else { existing = try await marked() }
        var notes: [String] = []
        let selection = await select(existing, notes: &notes)
        if let keep = selection.keep {
            // Oldest wins: its link is the one already in people's notifications.
            var removed: [Int] = []
            for duplicate in selection.duplicates where client.supportsUpdate(on: target) {
                try await client.deleteComment(on: target, id: duplicate.id)
                removed.append(duplicate.id)
            }
            if keep.body == body {
                return PublishResult(action: .unchanged, comment: keep, removedDuplicates: removed, notes: notes)
            }
            guard client.supportsUpdate(on: target) else {
                // GitLab commit comments cannot be edited: post the new version once.
                let created = try await client.createComment(on: target, body: body)
                return PublishResult(action: .created, comment: created, removedDuplicates: removed, notes: notes)
            }
            let updated = try await client.updateComment(on: target, id: keep.id, body: body)
            return PublishResult(action: .updated, comment: updated, removedDuplicates: removed, notes: notes)
        }
        do {
            let created = try await client.createComment(on: target, body: body)
            return PublishResult(action: .created, comment: created, removedDuplicates: [], notes: notes)
        } catch let error as ForgeError where error.outcomeUnknown {
            // The create may have landed although its answer was lost: look before posting again.
            var ignored: [String] = []
            if let landed = await select(try await marked(), notes: &ignored).keep {
                if landed.body == body { return PublishResult(action: .created, comment: landed, removedDuplicates: [], notes: notes) }
                let updated = try await client.updateComment(on: target, id: landed.id, body: body)
                return PublishResult(action: .updated, comment: updated, removedDuplicates: [], notes: notes)
            }
            let created = try await client.createComment(on: target, body: body)
            return PublishResult(action: .created, comment: created, removedDuplicates: [], notes: notes)
        }
    }

    /// Marked comments for this key, oldest first, whoever wrote them (`select` tells them apart).
    public func marked() async throws -> [ForgeComment] {
        try await client.listComments(on: target).filter { CommentBody.isMarked($0.body, key: key) }.sorted { $0.id < $1.id }
    }

    /// Which of `marked` is cmlbot's. No marked comment: no identity lookup.
    func select(_ marked: [ForgeComment], notes: inout [String]) async -> StickySelection {
        guard !marked.isEmpty else { return StickySelection.select([], identity: nil) }
        let me: ForgeIdentity?
        switch await identity.resolve() {
        case .success(let identity):
            me = identity
        case .failure(let error):
            me = nil
            notes.append("could not tell which marked comment is cmlbot's own (\(error.message)); updating the oldest, and deleting only copies by its author")
        }
        let selection = StickySelection.select(marked, identity: me)
        if !selection.untouched.isEmpty {
            let who = Set(selection.untouched.map { $0.author.map { "@\($0)" } ?? "an unknown author" }).sorted().joined(separator: ", ")
            let what = selection.untouched.count == 1 ? "a comment" : "\(selection.untouched.count) comments"
            notes.append("left \(what) by \(who) carrying the cmlbot marker untouched: "
                + (me.map { "only comments by \($0) are cmlbot's" } ?? "its author differs from the one updated"))
        }
        return selection
    }
}
