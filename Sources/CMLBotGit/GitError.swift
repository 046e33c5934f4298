import CMLBotCore

/// What can go wrong reading a repository, each case worded to say how to fix it.
public enum GitError: UserFacingError, Equatable {
    case notARepository(path: String)
    case bareRepository(path: String)
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
        case .unknownRevision(let spec, let shallow):
            if shallow {
                return "revision \(spec) not found: this is a shallow clone, so older commits and other branches are missing; "
                    + Self.unshallowHint
            }
            return "unknown git revision '\(spec)': check the spelling, or fetch it first (git fetch origin \(spec))"
        case .invalidRevisionSyntax(let spec, let reason):
            return "cannot use revision '\(spec)': \(reason)"
        case .missingObject(let what, let revision, let shallow):
            return "\(what) at \(revision) is not in the object database"
                + (shallow ? ": this is a shallow clone; " + Self.unshallowHint : "; the clone may be partial or corrupt (try git fetch)")
        case .libgit2(let operation, let message):
            return "git: \(operation) failed: \(message)"
        }
    }

    static let unshallowHint =
        "set fetch-depth: 0 in actions/checkout, GIT_DEPTH: 0 in GitLab CI, or run git fetch --unshallow locally"
}
