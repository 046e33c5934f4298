import CMLBotCore

/// What can go wrong reading a repository, each case worded to say how to fix it.
public enum GitError: UserFacingError, Equatable {
    case notARepository(path: String)
    case bareRepository(path: String)
    /// libgit2 refuses a repository owned by another user (git's `safe.directory` check), common in
    /// CI containers whose checkout belongs to the runner's user.
    case notOwnedByCurrentUser(path: String)
    /// `shallowDepthHint` is set when the repository is a shallow clone, the usual reason in CI.
    case unknownRevision(String, shallow: Bool)
    case invalidRevisionSyntax(String, reason: String)
    case missingObject(what: String, revision: String, shallow: Bool)
    case libgit2(operation: String, message: String)

    public var kind: FailureKind {
        switch self {
        case .invalidRevisionSyntax: return .usage
        default: return .operational
        }
    }

    public var message: String {
        switch self {
        case .notARepository(let path):
            return "not a git repository (or any parent up to /): \(path); run cmlbot inside a git checkout or pass -C DIR"
        case .bareRepository(let path):
            return "\(path) is a bare repository, which has no workspace; name both revisions explicitly (A_REV B_REV)"
        case .notOwnedByCurrentUser(let path):
            return "\(path) is owned by another user, so git does not trust it; "
                + "run git config --global --add safe.directory \(path) (or chown the checkout to the current user)"
        case .unknownRevision(let spec, let shallow):
            if shallow {
                return "revision \(spec) not found: this is a shallow clone, so older commits and other branches are missing; "
                    + Self.unshallowHint
            }
            return "unknown git revision '\(spec)': " + Self.unknownRevisionHint(spec)
        case .invalidRevisionSyntax(let spec, let reason):
            return "cannot use revision '\(spec)': \(reason)"
        case .missingObject(let what, let revision, let shallow):
            return "\(what) at \(revision) is not in the object database"
                + (shallow ? ": this is a shallow clone; " + Self.unshallowHint : "; the clone may be partial or corrupt (try git fetch)")
        case .libgit2(let operation, let message):
            return "git: \(operation) failed: \(message)"
        }
    }

    /// How to get `spec`: a fetch of the branch it names (`origin/main` is fetched as `main`), or
    /// no fetch at all when it counts back from HEAD.
    static func unknownRevisionHint(_ spec: String) -> String {
        // The name before any ancestry, reflog, peel or path suffix: `main` of `main~3`.
        let base = String(spec.prefix { !"~^@:".contains($0) })
        if spec == "HEAD" || spec == "@" { return "the repository has no commits yet" }
        if base == "HEAD" || base.isEmpty { return "the history does not reach that far; check the spelling" }
        var name = base
        for prefix in ["refs/remotes/origin/", "origin/", "refs/heads/"] where name.hasPrefix(prefix) {
            name = String(name.dropFirst(prefix.count))
            break
        }
        if name.hasPrefix("refs/tags/") { name = "tag " + name.dropFirst("refs/tags/".count) }
        return "check the spelling, or fetch it first (git fetch origin \(name))"
    }

    static let unshallowHint =
        "set fetch-depth: 0 in actions/checkout, GIT_DEPTH: 0 in GitLab CI, or run git fetch --unshallow locally"
}
