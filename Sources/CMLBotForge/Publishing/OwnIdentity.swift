import Foundation

/// Who cmlbot writes comments as. Anyone who can comment can type cmlbot's marker, so a marked
/// comment is cmlbot's only when this identity wrote it.
public enum ForgeIdentity: Equatable, Sendable, CustomStringConvertible {
    /// The token's own user (GitLab `GET /user`; GitHub `GET /user` for personal access tokens).
    case user(String)
    /// A GitHub App installation token, which may not read `GET /user`: its comments are written by
    /// a `Bot` account — `login` when known (`github-actions[bot]` for the Actions token), any bot
    /// otherwise. Only GitHub creates bot accounts, so no person can pose as one.
    case bot(login: String?)

    /// The login GitHub shows for comments made with the Actions `GITHUB_TOKEN`.
    public static let actionsBot = "github-actions[bot]"

    /// Whether this identity wrote `comment`. Logins compare case-insensitively: both forges treat
    /// them so, and no two accounts differ only by case.
    public func wrote(_ comment: ForgeComment) -> Bool {
        guard let author = comment.author else { return false }
        switch self {
        case .user(let login):
            return author.lowercased() == login.lowercased()
        case .bot(let login):
            guard comment.authorType == "Bot" else { return false }
            return login.map { author.lowercased() == $0.lowercased() } ?? true
        }
    }

    public var description: String {
        switch self {
        case .user(let login): return login
        case .bot(let login?): return login
        case .bot(nil): return "a GitHub App bot"
        }
    }
}

/// The token's identity, looked up at most once per run and only when asked — so a first run,
/// which finds no marked comment, spends no request on it. Shared by the sticky comment and the
/// GitLab chart host. A failed lookup is remembered too: asking again would only fail again.
public actor OwnIdentity {
    let lookup: @Sendable () async throws -> ForgeIdentity
    private var outcome: Result<ForgeIdentity, ForgeError>?
    /// How many lookups were made (0 or 1), for tests.
    public private(set) var lookups = 0

    public init(lookup: @escaping @Sendable () async throws -> ForgeIdentity) {
        self.lookup = lookup
    }

    public init(client: any ForgeClient) {
        self.init { try await client.ownIdentity() }
    }

    /// A known identity, without a lookup (tests, or a caller that already knows).
    public init(known: ForgeIdentity) {
        self.init { known }
    }

    public func resolve() async -> Result<ForgeIdentity, ForgeError> {
        if let outcome { return outcome }
        lookups += 1
        let result: Result<ForgeIdentity, ForgeError>
        do {
            result = .success(try await lookup())
        } catch let error as ForgeError {
            result = .failure(error)
        } catch {
            result = .failure(.transport(operation: "reading the token's user", detail: "\(error)"))
        }
        // Two callers racing here would both look up; publishing asks one at a time.
        if outcome == nil { outcome = result }
        return outcome ?? result
    }
}

/// Which marked comment is cmlbot's, which are its own leftovers to delete, and which it must
/// leave alone. Pure, so the rules are tested without a forge.
public struct StickySelection: Equatable, Sendable {
    /// The comment to update (or compare with), oldest first wins; nil: create one.
    public var keep: ForgeComment?
    /// cmlbot's own later copies (a race between two jobs) to delete.
    public var duplicates: [ForgeComment]
    /// Marked comments left alone: someone else wrote them (or, identity unknown, they are not
    /// provably by the kept comment's author). Never edited, never deleted.
    public var untouched: [ForgeComment]

    /// `identity` nil means it could not be determined: then the oldest marked comment is kept as
    /// before, but a duplicate is deleted only when the forge names the same author for it as for
    /// the kept one — cmlbot never deletes a comment that is not provably a copy of the one it updates.
    public static func select(_ marked: [ForgeComment], identity: ForgeIdentity?) -> StickySelection {
        guard let identity else {
            guard let keep = marked.first else { return StickySelection(keep: nil, duplicates: [], untouched: []) }
            let same = marked.dropFirst().filter { $0.author != nil && $0.author == keep.author && $0.authorType == keep.authorType }
            let others = marked.dropFirst().filter { c in !same.contains { $0.id == c.id } }
            return StickySelection(keep: keep, duplicates: same, untouched: others)
        }
        let own = marked.filter(identity.wrote)
        return StickySelection(keep: own.first, duplicates: Array(own.dropFirst()), untouched: marked.filter { !identity.wrote($0) })
    }
}
