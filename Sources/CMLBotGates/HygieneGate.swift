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
    /// Every path in that state (for "does a lockfile exist", "does the repo use DVC"): a sorted
    /// byte table rather than a `Set<String>`, which cost more than the gates on a 50k-file index.
    public var allPaths: PathSet
    /// Paths DVC tracks (outputs of `.dvc` files and `dvc.lock`), directories ending in `/`.
    public var dvcTrackedPaths: Set<String>

    public init(scope: Scope, files: [CandidateFile], tree: FileTree, allPaths: PathSet, dvcTrackedPaths: Set<String> = []) {
        self.scope = scope
        self.files = files
        self.tree = tree
        self.allPaths = allPaths
        self.dvcTrackedPaths = dvcTrackedPaths
    }

    public init(scope: Scope, files: [CandidateFile], tree: FileTree, allPaths: Set<String>, dvcTrackedPaths: Set<String> = []) {
        self.init(scope: scope, files: files, tree: tree, allPaths: PathSet(allPaths), dvcTrackedPaths: dvcTrackedPaths)
    }

    public var usesDVC: Bool {
        allPaths.contains(".dvc/config") || allPaths.contains("dvc.yaml")
            || allPaths.contains { SortedPaths.hasSuffix($0, ".dvc") || SortedPaths.hasSuffix($0, "/dvc.yaml") }
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
    /// The path as a `String`, or as an entry of a shared listing: `check --all` on 50,000 files
    /// then makes a `String` only for the files a gate looks at by name (the large-file gate looks
    /// at sizes first), not for every file.
    private enum Name: Sendable {
        case string(String)
        case listed(SharedPaths, Int)
    }
    private var name: Name
    public var size: Int64
    public var change: Change

    public var path: String {
        get {
            switch name {
            case .string(let path): return path
            case .listed(let listing, let i): return listing.paths[i]
            }
        }
        set { name = .string(newValue) }
    }

    public init(path: String, size: Int64, change: Change) {
        name = .string(path)
        self.size = size
        self.change = change
    }

    /// The file at `index` of `listing`.
    public init(listedIn listing: SharedPaths, at index: Int, size: Int64, change: Change) {
        name = .listed(listing, index)
        self.size = size
        self.change = change
    }

    public static func == (a: CandidateFile, b: CandidateFile) -> Bool {
        a.size == b.size && a.change == b.change && a.path == b.path
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
