import CMLBotCore

/// Flat `a.b.c → value` view of a parsed file, in DVC's key order rules. Produces warnings where
/// DVC would crash (a key that exists both nested and dotted) or silently drop data (lists and
/// nulls in metrics).
public struct FlatValues: Equatable, Sendable {
    public private(set) var entries: OrderedObject = OrderedObject()

    public init() {}
    public init(_ entries: OrderedObject) { self.entries = entries }

    public var keys: [String] { entries.keys }
    public subscript(key: String) -> Value? { entries[key] }
    public var isEmpty: Bool { entries.isEmpty }

    public enum Mode: Sendable {
        /// Metrics: only numbers, bools and strings count, as in DVC's `_extract_metrics`; lists,
        /// nulls and dates are dropped (DVC drops them silently, cmlbot warns).
        case metrics
        /// Params: lists are kept whole (DVC shows their Python repr); nulls read as missing.
        case params
    }

    public static func flatten(_ value: Value, mode: Mode, path: String, revision: String, diagnostics: inout [Diagnostic]) -> FlatValues {
        var flat = FlatValues()
        var dropped: [String] = []
        var duplicates: [String] = []
        switch value {
        case _ where isFalsy(value):
            // DVC loads every file as `parse(text) or {}`: a top-level 0, false, "", [] or null is
            // an empty file to it.
            break
        case .object(let object):
            walk(object, prefix: "", mode: mode, into: &flat.entries, dropped: &dropped, duplicates: &duplicates)
        case .array:
            if mode == .metrics {
                diagnostics.append(.warning(path: path, revision: revision, "the file holds a list, not a mapping of metric names to values; no metrics read (DVC shows nothing for it either)"))
            } else {
                // DVC's params diff shows a top-level list as one row with an empty name.
                flat.entries[""] = value
            }
        case .date where mode == .metrics:
            dropped.append("")
        default:
            // A bare scalar becomes one row with an empty name, as in DVC.
            flat.entries[""] = value
        }
        if !dropped.isEmpty {
            let shown = dropped.prefix(5).map { "'\($0)'" }.joined(separator: ", ") + (dropped.count > 5 ? " and \(dropped.count - 5) more" : "")
            diagnostics.append(.warning(path: path, revision: revision, "skipped \(dropped.count) value(s) that are lists, nulls or dates, not metrics: \(shown) (DVC drops these silently; the report lists them)"))
        }
        if mode == .params {
            let dates = flat.entries.pairs.filter { if case .date = $0.value { return true }; return false }.map(\.key)
            if !dates.isEmpty {
                diagnostics.append(.warning(path: path, revision: revision, "\(dates.prefix(5).map { "'\($0)'" }.joined(separator: ", ")) hold\(dates.count == 1 ? "s" : "") a date, shown as text (DVC fails on dates in params: 'Object of type date is not JSON serializable')"))
            }
        }
        if !duplicates.isEmpty {
            diagnostics.append(.warning(path: path, revision: revision, "key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) is written both nested and dotted; kept the first (DVC fails on this file with 'duplicated key')"))
        }
        return flat
    }

    /// Python's truthiness for what a loader returns at the top level.
    static func isFalsy(_ value: Value) -> Bool {
        switch value {
        case .null: return true
        case .bool(let b): return !b
        case .int(let i): return i == 0
        case .double(let d): return d == 0
        case .string(let s): return s.isEmpty
        case .array(let a): return a.isEmpty
        case .object(let o): return o.isEmpty
        case .bigInt, .date: return false
        }
    }

    private static func walk(_ object: OrderedObject, prefix: String, mode: Mode, into out: inout OrderedObject,
                             dropped: inout [String], duplicates: inout [String]) {
        for (key, value) in object.pairs {
            let flatKey = prefix.isEmpty ? key : prefix + "." + key
            switch value {
            case .object(let child):
                walk(child, prefix: flatKey, mode: mode, into: &out, dropped: &dropped, duplicates: &duplicates)
            case .null:
                if mode == .metrics { dropped.append(flatKey) }
            case .array where mode == .metrics, .date where mode == .metrics:
                dropped.append(flatKey)
            default:
                if out[flatKey] != nil { duplicates.append(flatKey) } else { out[flatKey] = value }
            }
        }
    }

    /// Only the listed keys, each naming a leaf (`model.depth`) or a subtree (`model`). A key that
    /// goes into a list (`folds.0`, `layers.1.units`), as DVC's tracked template variables do,
    /// selects that element under the key as written.
    public func selecting(_ keys: [String]) -> FlatValues {
        var out = FlatValues()
        for key in entries.keys where keys.contains(where: { key == $0 || key.hasPrefix($0 + ".") }) {
            out.entries[key] = entries[key]
        }
        // Keys already covered, as themselves, a subtree, or inside a list selected whole, are done.
        let covered = out.entries.keys
        for wanted in keys where !covered.contains(where: { $0 == wanted || $0.hasPrefix(wanted + ".") || wanted.hasPrefix($0 + ".") }) {
            guard let listKey = entries.keys.first(where: { wanted.hasPrefix($0 + ".") && entries[$0]?.arrayValue != nil }),
                  var value = entries[listKey] else { continue }
            for part in wanted.dropFirst(listKey.count + 1).split(separator: ".", omittingEmptySubsequences: false) {
                if let list = value.arrayValue, let i = Int(part), list.indices.contains(i) { value = list[i] }
                else if let object = value.objectValue, let child = object[String(part)] { value = child }
                else { value = .null; break }
            }
            switch value {
            case .null: continue
            case .object(let object):
                var dropped: [String] = [], duplicates: [String] = []
                Self.walk(object, prefix: wanted, mode: .params, into: &out.entries, dropped: &dropped, duplicates: &duplicates)
            default:
                out.entries[wanted] = value
            }
        }
        return out
    }
}
