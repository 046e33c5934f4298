import CMLBotCore
import CMLBotEvidence
import CMLBotGit
import CMLBotReport
import Foundation

/// DVC's name for the working directory as a right-hand side.
public let workspaceRevision = "workspace"

/// An open repository plus where the user stands in it.
final class RepositoryContext {
    let repository: LibGit2Repository
    /// The current directory relative to the repository root ("" at the root).
    let currentDirectory: String

    /// `--config FILE`, relative to the working directory: replaces the head revision's `.cmlbot.yml`
    /// (for gates that a pull request must not be able to weaken).
    let configOverride: String?
    let workingDirectory: String

    init(workingDirectory: String, configOverride: String? = nil) throws {
        repository = try LibGit2Repository(discoveringFrom: workingDirectory)
        currentDirectory = repository.relativePath(of: workingDirectory) ?? ""
        self.configOverride = configOverride
        self.workingDirectory = workingDirectory
    }

    /// The config that governs this run: `--config FILE` when given, else the tree's `.cmlbot.yml`.
    func config(for tree: FileTree) throws -> CMLBotConfig {
        guard let override = configOverride else { return try ConfigLoader.load(from: tree) }
        let url = URL(fileURLWithPath: override, relativeTo: URL(fileURLWithPath: workingDirectory, isDirectory: true)).standardizedFileURL
        let folder = WorkspaceTree(root: url.deletingLastPathComponent().path)
        guard try folder.entry(at: url.lastPathComponent)?.kind == .file else {
            throw ConfigError(path: override, detail: "no such file (given with --config)")
        }
        var config = try ConfigLoader.load(from: folder, path: url.lastPathComponent)
        config.source = override
        return config
    }

    /// A revision's tree: `workspace` (when no branch or tag has that name) is the working directory.
    func tree(_ spec: String) throws -> (tree: FileTree, info: RevisionInfo) {
        if spec == workspaceRevision, (try? repository.resolveCommit(spec)) == nil {
            return (try repository.workspace(), RevisionInfo(label: spec, commit: nil))
        }
        let commit = try repository.resolveCommit(spec)
        return (try repository.tree(of: commit, label: spec), RevisionInfo(label: spec, commit: commit.hex))
    }

    /// The base a comparison uses, and where it came from (doctor names it): `--base`, then the
    /// PR/MR base in CI, then `base` in the config, then where HEAD left the default branch.
    /// One place, so `report`, `gate`, `status` and `doctor` cannot disagree.
    static func base(explicit: String?, ci: String?, config: CMLBotConfig?, in context: RepositoryContext?,
                     notes: inout [Diagnostic]) -> (spec: String, origin: String) {
        if let explicit { return (explicit, "--base") }
        if let ci { return (ci, "the PR/MR base") }
        if let configured = config?.base { return (configured, "base in \(config?.source ?? CMLBotConfig.fileName)") }
        let fallback = context?.defaultBase(notes: &notes) ?? "HEAD"
        return (fallback, fallback == "HEAD" ? "the default base" : "where HEAD left the default branch")
    }

    /// The base when nothing names one: the merge-base of HEAD with the default branch, as the
    /// pull request from this branch would be compared; plain HEAD on the default branch itself
    /// (then the report shows uncommitted work) or when the repository has no default branch.
    func defaultBase(notes: inout [Diagnostic]) -> String {
        guard let branch = repository.defaultBranch(), let head = try? repository.resolveCommit("HEAD") else { return "HEAD" }
        let spec = branch + "...HEAD"
        do {
            return try repository.resolveCommit(spec) == head ? "HEAD" : spec
        } catch {
            let reason = (error as? any UserFacingError)?.message ?? "\(error)"
            notes.append(Diagnostic(.note, "comparing against HEAD: cannot find where this branch left \(branch) (\(reason))"))
            return "HEAD"
        }
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
    case cannotRead(path: String, reason: String)

    public var kind: FailureKind {
        switch self {
        case .pathOutsideRepository: return .usage
        case .cannotWrite, .cannotRead: return .operational
        }
    }

    public var message: String {
        switch self {
        case .pathOutsideRepository(let path): return "\(path) is outside the repository"
        case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
        case .cannotRead(let path, let reason): return "cannot read \(path): \(reason)"
        }
    }
}
