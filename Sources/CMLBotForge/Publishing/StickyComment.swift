import Foundation

/// What publishing did.
public struct PublishResult: Equatable, Sendable {
    public enum Action: String, Sendable { case created, updated, unchanged }
    public var action: Action
    public var comment: ForgeComment
    /// Ids of duplicate marked comments that were removed (left over from a race).
    public var removedDuplicates: [Int]
}

/// Exactly one cmlbot comment per (target, key): find it by its marker across all pages, update it
/// in place, create it only when it does not exist — and after a create whose answer was lost,
/// look again before creating a second one.
public struct StickyComment: Sendable {
    public let client: any ForgeClient
    public let target: CommentTarget
    public let key: String

    public init(client: any ForgeClient, target: CommentTarget, key: String) {
        self.client = client
        self.target = target
        self.key = key
    }

    /// `existing`: what `marked()` returned earlier in this run (the chart host read the previous
    /// note from it), so the thread is not listed twice; nil lists it now.
    public func publish(body: String, existing listed: [ForgeComment]? = nil) async throws -> PublishResult {
        let existing: [ForgeComment]
        if let listed { existing = listed } else { existing = try await marked() }
        if let keep = existing.first {
            // Oldest wins: its link is the one already in people's notifications.
            var removed: [Int] = []
            for duplicate in existing.dropFirst() where client.supportsUpdate(on: target) {
                try await client.deleteComment(on: target, id: duplicate.id)
                removed.append(duplicate.id)
            }
            if keep.body == body {
                return PublishResult(action: .unchanged, comment: keep, removedDuplicates: removed)
            }
            guard client.supportsUpdate(on: target) else {
                // GitLab commit comments cannot be edited: post the new version once.
                let created = try await client.createComment(on: target, body: body)
                return PublishResult(action: .created, comment: created, removedDuplicates: removed)
            }
            let updated = try await client.updateComment(on: target, id: keep.id, body: body)
            return PublishResult(action: .updated, comment: updated, removedDuplicates: removed)
        }
        do {
            let created = try await client.createComment(on: target, body: body)
            return PublishResult(action: .created, comment: created, removedDuplicates: [])
        } catch let error as ForgeError where error.outcomeUnknown {
            // The create may have landed although its answer was lost: look before posting again.
            if let landed = try await marked().first {
                if landed.body == body { return PublishResult(action: .created, comment: landed, removedDuplicates: []) }
                let updated = try await client.updateComment(on: target, id: landed.id, body: body)
                return PublishResult(action: .updated, comment: updated, removedDuplicates: [])
            }
            let created = try await client.createComment(on: target, body: body)
            return PublishResult(action: .created, comment: created, removedDuplicates: [])
        }
    }

    /// Our comments for this key, oldest first.
    public func marked() async throws -> [ForgeComment] {
        try await client.listComments(on: target).filter { CommentBody.isMarked($0.body, key: key) }.sorted { $0.id < $1.id }
    }
}
