import CMLBotCore
import CMLBotEvidence
import CMLBotGit
import CMLBotReport

/// DVC's name for the working directory as a right-hand side.
public let workspaceRevision = "workspace"

/// An open repository plus where the user stands in it.
final class RepositoryContext {
    let repository: LibGit2Repository
    /// The current directory relative to the repository root ("" at the root).
    let currentDirectory: String

    init(workingDirectory: String) throws {
        repository = try LibGit2Repository(discoveringFrom: workingDirectory)
        currentDirectory = repository.relativePath(of: workingDirectory) ?? ""
    }

    /// A revision's tree: `workspace` (when no branch or tag has that name) is the working directory.
    func tree(_ spec: String) throws -> (tree: FileTree, info: RevisionInfo) {
        if spec == workspaceRevision, (try? repository.resolveCommit(spec)) == nil {
            return (try repository.workspace(), RevisionInfo(label: spec, commit: nil))
        }
        let commit = try repository.resolveCommit(spec)
        return (try repository.tree(of: commit, label: spec), RevisionInfo(label: spec, commit: commit.hex))
    }

    /// A path the user typed (relative to their current directory) as a repository-relative path.
    func repoPath(fromUserPath path: String) throws -> String {
        if path.hasPrefix("/") {
            guard let relative = repository.relativePath(of: path) else { throw KitError.pathOutsideRepository(path) }
            return relative
        }
        guard let joined = RepoPath.join(currentDirectory, path) else { throw KitError.pathOutsideRepository(path) }
        return joined
    }

    /// A repository-relative path as DVC prints it: relative to the user's current directory.
    func displayPath(_ repoPath: String) -> String {
        RepoPath.relative(repoPath, from: currentDirectory)
    }
}

public enum KitError: UserFacingError, Equatable {
    case pathOutsideRepository(String)
    case cannotWrite(path: String, reason: String)

    public var kind: FailureKind {
        switch self {
        case .pathOutsideRepository: return .usage
        case .cannotWrite: return .operational
        }
    }

    public var message: String {
        switch self {
        case .pathOutsideRepository(let path): return "\(path) is outside the repository"
        case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
        }
    }
}
