import CMLBotCompare
import CMLBotCore
import CMLBotEvidence

/// DVC-tracked datasets that changed between base and head, with size and file-count deltas, and the
/// two inconsistencies a reviewer should question: data changed but no metric did (stale metrics), and
/// metrics changed with nothing that produces them changed.
public struct DataSection: ReportSection {
    public static let id = "data"
    public static let title = "Data"

    let data: DataComparison?
    let metricsChanged: Bool
    let paramsChanged: Bool
    /// Without any metrics there is nothing to be stale.
    let anyMetrics: Bool

    public init(_ input: ReportInput) {
        data = input.data
        metricsChanged = !input.comparison.changedMetrics.isEmpty
        paramsChanged = input.comparison.params.contains { !$0.changes.isEmpty }
        anyMetrics = !input.comparison.metrics.isEmpty
    }

    var outputChanges: [DataChange] { data?.outputChanges ?? [] }
    var dataChanged: Bool { !outputChanges.isEmpty }

    /// Stale metrics: the data a model is trained or evaluated on changed, its metrics did not.
    var staleMetrics: Bool { dataChanged && anyMetrics && !metricsChanged }
    /// Unexplained metrics: only when we know no code changed (a commit-to-commit comparison).
    var unexplainedMetrics: Bool { metricsChanged && !dataChanged && !paramsChanged && data?.codeChanged == false }

    public func summaryClause() -> String? {
        let n = outputChanges.count
        return n == 0 ? nil : "\(n) dataset\(n == 1 ? "" : "s") changed"
    }

    public func markdown() -> String {
        var out = ""
        if unexplainedMetrics {
            out += "> ⚠️ Metrics changed but no data, params or code did: the metrics may not come from this revision's pipeline (re-run `dvc repro` and commit `dvc.lock`).\n\n"
        }
        guard let data, dataChanged else { return out + "No DVC-tracked data changed\n" }
        if staleMetrics {
            out += "> ⚠️ Data changed but no metric did: the metrics may be stale (re-run `dvc repro` and commit the new metrics).\n\n"
        }
        out += "| Dataset | Change | Size | Files |\n|---|---|---:|---:|\n"
        for change in outputChanges {
            let path: String
            if change.kind == .renamed, let old = change.old, let new = change.new {
                path = MarkdownEscaping.code(old.displayPath) + " → " + MarkdownEscaping.code(new.displayPath)
            } else {
                path = MarkdownEscaping.code((change.new ?? change.old)?.displayPath ?? "")
            }
            out += "| \(path) | \(change.kind.rawValue) | \(Self.delta(change.old?.size, change.new?.size, bytes: true)) | \(Self.delta(change.old?.fileCount.map(Int64.init), change.new?.fileCount.map(Int64.init), bytes: false)) |\n"
        }
        let files = data.all.filter { !$0.isOutput }
        if !files.isEmpty {
            let counts = DataChange.Kind.allCases.compactMap { kind -> String? in
                let n = files.filter { $0.kind == kind }.count
                return n == 0 ? nil : "\(n) \(kind.rawValue)"
            }
            out += "\nFiles inside directories: " + counts.joined(separator: ", ") + ".\n"
        }
        if !data.directoriesWithoutListing.isEmpty {
            let dirs = data.directoriesWithoutListing.map { MarkdownEscaping.code($0 + "/") }.joined(separator: ", ")
            out += "\nFile-level detail for \(dirs) needs the `.dir` listings from the DVC cache (`dvc fetch` before `cmlbot report`).\n"
        }
        return out
    }

    /// `1.2 MB → 1.5 MB (+300.0 kB)`; `—` for an unknown side.
    static func delta(_ old: Int64?, _ new: Int64?, bytes: Bool) -> String {
        func show(_ v: Int64?) -> String { v.map { bytes ? Self.bytes($0) : String($0) } ?? "—" }
        if old == new { return show(new) }
        var text = show(old) + " → " + show(new)
        if let old, let new {
            let d = new - old
            text += " (" + (d > 0 ? "+" : d < 0 ? "−" : "") + (bytes ? Self.bytes(abs(d)) : String(abs(d))) + ")"
        }
        return text
    }

    /// Decimal units, one decimal, formatted by our own code (no locale).
    static func bytes(_ n: Int64) -> String {
        if n < 1000 { return "\(n) B" }
        let units = ["kB", "MB", "GB", "TB", "PB"]
        var value = Double(n) / 1000
        var unit = 0
        while value >= 1000, unit < units.count - 1 { value /= 1000; unit += 1 }
        let tenths = Int64((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }

    public func json() -> Value {
        var items: [Value] = []
        for change in outputChanges {
            var o = OrderedObject()
            o["path"] = .string((change.new ?? change.old)?.path ?? "")
            o["old_path"] = change.kind == .renamed ? .string(change.old?.path ?? "") : .null
            o["change"] = .string(change.kind.rawValue)
            o["is_directory"] = .bool((change.new ?? change.old)?.isDirectory ?? false)
            o["old_hash"] = change.old?.hash.map(Value.string) ?? .null
            o["new_hash"] = change.new?.hash.map(Value.string) ?? .null
            o["old_size"] = change.old?.size.map { .int(Int($0)) } ?? .null
            o["new_size"] = change.new?.size.map { .int(Int($0)) } ?? .null
            o["old_files"] = change.old?.fileCount.map(Value.int) ?? .null
            o["new_files"] = change.new?.fileCount.map(Value.int) ?? .null
            items.append(.object(o))
        }
        var section = OrderedObject()
        section["changed"] = .int(items.count)
        section["files_changed"] = .int((data?.all ?? []).filter { !$0.isOutput }.count)
        section["stale_metrics"] = .bool(staleMetrics)
        section["unexplained_metrics"] = .bool(unexplainedMetrics)
        section["without_listing"] = .array((data?.directoriesWithoutListing ?? []).map(Value.string))
        section["items"] = .array(items)
        return .object(section)
    }
}
