import CMLBotCore
import Foundation

/// What a hygiene check looks at: the files in scope, how they changed, and the new state's tree
/// to read their contents from.
public struct CheckInput {
    public enum Scope: Equatable, Sendable {
        /// pre-commit: the index against HEAD.
        case staged
        /// A pull request: what `head` adds or changes relative to `base`.
        case range(base: String, head: String)
        /// Every file of one revision.
        case all(revision: String)
    }

    public var scope: Scope
    /// Files in scope, in path order.
    public var files: [CandidateFile]
    /// The state under check (index, head commit, or revision), for reading contents.
    public var tree: FileTree
    /// Every path in that state (for "does a lockfile exist", "does the repo use DVC").
    public var allPaths: Set<String>
    /// Paths DVC tracks (outputs of `.dvc` files and `dvc.lock`), directories ending in `/`.
    public var dvcTrackedPaths: Set<String>

    public init(scope: Scope, files: [CandidateFile], tree: FileTree, allPaths: Set<String>, dvcTrackedPaths: Set<String> = []) {
        self.scope = scope
        self.files = files
        self.tree = tree
        self.allPaths = allPaths
        self.dvcTrackedPaths = dvcTrackedPaths
    }

    public var usesDVC: Bool {
        allPaths.contains(".dvc/config") || allPaths.contains("dvc.yaml") || allPaths.contains { $0.hasSuffix(".dvc") || $0.hasSuffix("/dvc.yaml") }
    }

    /// Whether DVC tracks `path` (itself or a directory containing it).
    public func isTrackedByDVC(_ path: String) -> Bool {
        if dvcTrackedPaths.contains(path) { return true }
        var dir = RepoPath.parent(path)
        while !dir.isEmpty {
            if dvcTrackedPaths.contains(dir + "/") || dvcTrackedPaths.contains(dir) { return true }
            dir = RepoPath.parent(dir)
        }
        return false
    }

    /// Reads a file for content checks, nil when it is unreadable or larger than `limit` bytes.
    public func contents(of file: CandidateFile, limit: Int64) -> Data? {
        guard file.size <= limit else { return nil }
        return try? tree.readFile(file.path)
    }
}

public struct CandidateFile: Equatable, Sendable {
    public enum Change: String, Sendable { case added, modified, renamed, unchanged }
    public var path: String
    public var size: Int64
    public var change: Change
    public init(path: String, size: Int64, change: Change) {
        self.path = path
        self.size = size
        self.change = change
    }
}

/// A repository hygiene check. Adding one is a type conforming to this plus one line in
/// `GateRegistry.hygiene`; its options come from its own `gates.<id>` section of `.cmlbot.yml`.
public protocol HygieneGate: Sendable {
    static var id: String { get }
    /// One line for `--help` and the configuration reference.
    static var summary: String { get }
    static var options: [GateOption] { get }
    static var defaultSeverity: Severity { get }
    /// Reads and validates the gate's settings; throws ConfigError on bad values.
    init(settings: GateSettings) throws
    func check(_ input: CheckInput) -> [Finding]
}

public enum GateRegistry {
    public static let hygiene: [any HygieneGate.Type] = [
        LargeFileGate.self,
        NotebookOutputsGate.self,
        LockfileDriftGate.self,
        SecretsGate.self, DataOutsideDVCGate.self,
    ]

    public static func hygieneGate(id: String) -> (any HygieneGate.Type)? {
        hygiene.first { $0.id == id }
    }
}

/// Git LFS pointer files ("version https://git-lfs.github.com/spec/v1"): what a large file should
/// look like in git. Pointers are small (< 1 KiB), so only small blobs are read to check.
public enum LFSPointer {
    public static let maximumSize: Int64 = 1024
    static let prefix = Data("version https://git-lfs.github.com/spec/".utf8)

    public static func isPointer(_ data: Data) -> Bool {
        data.count <= maximumSize && data.starts(with: prefix)
    }
}
