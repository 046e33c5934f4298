import CMLBotCore
import CMLBotEvidence

/// One key's change between two revisions, with DVC's semantics: `diff = new - old` only when both
/// sides are numbers (bools count as 0/1), a missing side is nil.
public struct ValueChange: Equatable, Sendable {
    public var key: String
    public var old: Value?
    public var new: Value?
    public var diff: Numeric?

    public init(key: String, old: Value?, new: Value?) {
        self.key = key
        self.old = old
        self.new = new
        if let o = old?.numeric, let n = new?.numeric { diff = n - o }
    }

    /// Python `old == new`, the test DVC uses to hide unchanged rows.
    public var isUnchanged: Bool {
        guard let old, let new else { return old == nil && new == nil }
        return PythonEquality.equal(old, new)
    }

    /// `diff / |old|`, nil when undefined (old is 0, or not numeric).
    public var relativeChange: Double? {
        guard let diff, let o = old?.numeric, o.doubleValue != 0, o.doubleValue.isFinite else { return nil }
        return diff.doubleValue / abs(o.doubleValue)
    }
}

/// All changed keys of one file.
public struct FileComparison: Equatable, Sendable {
    public var path: String
    /// Sorted by key in code point order, as DVC sorts rows.
    public var changes: [ValueChange]

    public init(path: String, changes: [ValueChange]) {
        self.path = path
        self.changes = changes
    }
}

public enum PythonEquality {
    /// Python's `==` on parsed values: `1 == 1.0 == True`, `nan != nan`, lists and dicts element-wise.
    public static func equal(_ a: Value, _ b: Value) -> Bool {
        if let x = a.numeric, let y = b.numeric { return x.numericallyEquals(y) }
        switch (a, b) {
        case (.null, .null): return true
        case (.string(let x), .string(let y)): return x == y
        case (.date(let x), .date(let y)): return x == y
        case (.bigInt(let x), .bigInt(let y)): return x == y
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.pairs.allSatisfy { pair in y[pair.key].map { equal(pair.value, $0) } ?? false }
        default: return false
        }
    }
}

public enum EvidenceDiff {
    /// Compares files by path, as `dvc metrics diff` / `params diff` do. Files present on one side
    /// only show every key as added or deleted. `includeUnchanged` is DVC's `--all`.
    public static func compare(old: [EvidenceFile], new: [EvidenceFile], includeUnchanged: Bool) -> [FileComparison] {
        var byPath: [String: (old: FlatValues?, new: FlatValues?)] = [:]
        for file in old { byPath[file.path, default: (nil, nil)].old = file.values }
        for file in new { byPath[file.path, default: (nil, nil)].new = file.values }
        var result: [FileComparison] = []
        for path in byPath.keys.sorted(by: RepoPath.precedes) {
            let (o, n) = byPath[path]!
            var keys = Set(o?.keys ?? [])
            keys.formUnion(n?.keys ?? [])
            var changes: [ValueChange] = []
            for key in keys.sorted(by: RepoPath.precedes) {
                let change = ValueChange(key: key, old: o?[key], new: n?[key])
                if includeUnchanged || !change.isUnchanged { changes.append(change) }
            }
            if !changes.isEmpty { result.append(FileComparison(path: path, changes: changes)) }
        }
        return result
    }
}
