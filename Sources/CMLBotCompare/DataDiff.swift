import CMLBotCore
import CMLBotEvidence

/// A DVC-tracked output, or a file inside a directory output, on one side of a comparison.
public struct DataEntry: Equatable, Sendable {
    /// Repository-relative path, without a trailing `/`.
    public var path: String
    public var hash: String?
    public var isDirectory: Bool
    public var size: Int64?
    public var fileCount: Int?

    public init(path: String, hash: String?, isDirectory: Bool, size: Int64? = nil, fileCount: Int? = nil) {
        self.path = path
        self.hash = hash
        self.isDirectory = isDirectory
        self.size = size
        self.fileCount = fileCount
    }

    public init(_ output: DVCOutput) {
        self.init(path: output.path, hash: output.hash, isDirectory: output.isDirectory, size: output.size, fileCount: output.fileCount)
    }

    /// The path as `dvc diff` prints it: directories end in `/`.
    public var displayPath: String { isDirectory ? path + "/" : path }
}

/// One revision's data: its outputs, plus the `.dir` listings known for its directory outputs
/// (from the local cache, or hashed from the workspace).
public struct DataState: Sendable {
    public var outputs: [DataEntry]
    /// Keyed by the directory output's path.
    public var listings: [String: [DVCDirectoryEntry]]

    public init(outputs: [DataEntry], listings: [String: [DVCDirectoryEntry]] = [:]) {
        self.outputs = outputs
        self.listings = listings
    }
}

public struct DataChange: Equatable, Sendable {
    public enum Kind: String, Sendable, CaseIterable { case added, deleted, modified, renamed }
    public var kind: Kind
    public var old: DataEntry?
    public var new: DataEntry?
    /// True for a tracked output itself, false for a file inside a directory output.
    public var isOutput: Bool

    public init(kind: Kind, old: DataEntry?, new: DataEntry?, isOutput: Bool) {
        self.kind = kind
        self.old = old
        self.new = new
        self.isOutput = isOutput
    }

    /// The path `dvc diff` sorts by: the old one for renames and deletions.
    public var sortPath: String { (kind == .added ? new : old)?.displayPath ?? "" }
}

/// `dvc diff`'s result, each list sorted by path as DVC's command sorts it.
public struct DataComparison: Equatable, Sendable {
    public var added: [DataChange] = []
    public var deleted: [DataChange] = []
    public var modified: [DataChange] = []
    public var renamed: [DataChange] = []
    /// Old entries whose object is not in the local cache; nil when not checked (DVC checks only
    /// when the new side is the default workspace).
    public var notInCache: [DataEntry]?
    /// Changed directory outputs whose file-level detail is unknown: a `.dir` listing is not in the cache.
    public var directoriesWithoutListing: [String] = []
    public var oldOutputs: [DataEntry] = []
    public var newOutputs: [DataEntry] = []
    /// Whether anything besides DVC files, data, metrics and params changed (the report's "metrics
    /// changed with nothing behind them" check); nil when unknown, e.g. against the workspace.
    public var codeChanged: Bool?

    public init() {}

    public var all: [DataChange] { added + deleted + renamed + modified }
    public var isEmpty: Bool { all.isEmpty && (notInCache ?? []).isEmpty }
    /// Changes of tracked outputs themselves (datasets), in path order.
    public var outputChanges: [DataChange] {
        all.filter(\.isOutput).sorted { RepoPath.precedes($0.sortPath, $1.sortPath) }
    }
}

/// Two revisions' DVC outputs → `dvc diff`, following dvc_data's index diff: outputs compared by hash
/// and by being a directory; directory outputs expanded into their files when both sides' listings
/// are known; then additions and deletions with the same hash paired as renames.
public enum DataDiff {
    /// `isCached` turns on DVC's "not in cache" check (for `dvc diff` without B_REV): every old entry,
    /// changed or not, whose object is missing from the cache is listed.
    public static func compare(old: DataState, new: DataState, isCached: ((String) -> Bool)? = nil) -> DataComparison {
        var result = DataComparison()
        result.oldOutputs = old.outputs
        result.newOutputs = new.outputs
        let oldByPath = Dictionary(old.outputs.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        let newByPath = Dictionary(new.outputs.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        let roots = Set(oldByPath.keys).union(newByPath.keys).sorted(by: RepoPath.precedes)

        var changes: [DataChange] = []
        var notInCache: [DataEntry] = []
        func consider(_ o: DataEntry?, _ n: DataEntry?, isOutput: Bool) -> Kind? {
            // DVC skips directory entries without a hash (subdirectories, outputs never computed).
            if (o?.isDirectory == true && o?.hash == nil) || (n?.isDirectory == true && n?.hash == nil) { return nil }
            let kind = Self.kind(o, n)
            if let kind { changes.append(DataChange(kind: kind, old: o, new: n, isOutput: isOutput)) }
            if let isCached, let o, let hash = o.hash, !hash.isEmpty, !isCached(hash) { notInCache.append(o) }
            return kind
        }

        for root in roots {
            let o = oldByPath[root], n = newByPath[root]
            let kind = consider(o, n, isOutput: true)
            guard o?.isDirectory == true || n?.isDirectory == true else { continue }
            // A side without the output lists nothing; a side whose listing is not known makes every
            // file inside unknown, and DVC then reports only the directory itself.
            func items(_ entry: DataEntry?, _ state: DataState) -> [String: DVCDirectoryEntry]? {
                guard let entry, entry.isDirectory, entry.hash != nil else { return [:] }
                guard let listing = state.listings[root] else { return nil }
                return Dictionary(listing.map { ($0.relativePath, $0) }, uniquingKeysWith: { a, _ in a })
            }
            guard let oldItems = items(o, old), let newItems = items(n, new) else {
                if kind != nil { result.directoriesWithoutListing.append(root) }
                continue
            }
            for rel in Set(oldItems.keys).union(newItems.keys).sorted(by: RepoPath.precedes) {
                let path = root + "/" + rel
                _ = consider(oldItems[rel].map { DataEntry(path: path, hash: $0.md5, isDirectory: false) },
                             newItems[rel].map { DataEntry(path: path, hash: $0.md5, isDirectory: false) },
                             isOutput: false)
            }
        }

        for change in detectRenames(changes) {
            switch change.kind {
            case .added: result.added.append(change)
            case .deleted: result.deleted.append(change)
            case .modified: result.modified.append(change)
            case .renamed: result.renamed.append(change)
            }
        }
        let byPath: (DataChange, DataChange) -> Bool = { RepoPath.precedes($0.sortPath, $1.sortPath) }
        result.added.sort(by: byPath)
        result.deleted.sort(by: byPath)
        result.modified.sort(by: byPath)
        result.renamed.sort(by: byPath)
        if isCached != nil {
            result.notInCache = notInCache.sorted { RepoPath.precedes($0.displayPath, $1.displayPath) }
        }
        return result
    }

    public typealias Kind = DataChange.Kind

    /// dvc_data's `_diff_entry` with `meta_cmp_key=isdir`: modified when the hash or the kind changes.
    static func kind(_ o: DataEntry?, _ n: DataEntry?) -> Kind? {
        switch (o, n) {
        case (nil, nil): return nil
        case (nil, _): return .added
        case (_, nil): return .deleted
        case let (o?, n?):
            let oh = o.hash.flatMap { $0.isEmpty ? nil : $0 }, nh = n.hash.flatMap { $0.isEmpty ? nil : $0 }
            return o.isDirectory != n.isDirectory || oh != nh ? .modified : nil
        }
    }

    /// dvc_data's `_detect_renames`: additions and deletions sorted by key (path components), each
    /// addition taking the first unmatched deletion with the same hash.
    static func detectRenames(_ changes: [DataChange]) -> [DataChange] {
        var out = changes.filter { $0.kind != .added && $0.kind != .deleted }
        let byKey: (DataChange, DataChange) -> Bool = { a, b in
            let ka = (a.kind == .added ? a.new : a.old)?.path.split(separator: "/").map(String.init) ?? []
            let kb = (b.kind == .added ? b.new : b.old)?.path.split(separator: "/").map(String.init) ?? []
            return ka.lexicographicallyPrecedes(kb) { RepoPath.precedes($0, $1) }
        }
        let added = changes.filter { $0.kind == .added }.sorted(by: byKey)
        let deleted = changes.filter { $0.kind == .deleted }.sorted(by: byKey)
        var queues: [String: [DataChange]] = [:]
        var hashOrder: [String] = []
        var unhashed: [DataChange] = []
        for deletion in deleted {
            guard let hash = deletion.old?.hash, !hash.isEmpty else { unhashed.append(deletion); continue }
            if queues[hash] == nil { hashOrder.append(hash) }
            queues[hash, default: []].append(deletion)
        }
        for addition in added {
            if let hash = addition.new?.hash, !hash.isEmpty, var queue = queues[hash], !queue.isEmpty {
                let deletion = queue.removeFirst()
                queues[hash] = queue
                out.append(DataChange(kind: .renamed, old: deletion.old, new: addition.new,
                                      isOutput: deletion.isOutput || addition.isOutput))
            } else {
                out.append(addition)
            }
        }
        for hash in hashOrder { out += queues[hash] ?? [] }
        return out + unhashed
    }
}
