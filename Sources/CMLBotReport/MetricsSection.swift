import CMLBotCompare
import CMLBotCore
import CMLBotEvidence

/// Metrics at base and head with absolute and relative change, marked better/worse where
/// `.cmlbot.yml` says which direction is better.
public struct MetricsSection: ReportSection {
    public static let id = "metrics"
    public static let title = "Metrics"

    let comparison: EvidenceComparison
    let precision: Int
    let metricFileCount: (base: Int, head: Int)

    public init(_ input: ReportInput) {
        comparison = input.comparison
        precision = input.options.precision
        metricFileCount = (input.baseSnapshot.metrics.count, input.headSnapshot.metrics.count)
    }

    public func summaryClause() -> String? {
        let changed = comparison.changedMetrics.count
        guard changed > 0 else { return nil }
        var parts: [String] = []
        if comparison.improvedCount > 0 { parts.append("\(comparison.improvedCount) better") }
        if comparison.worsenedCount > 0 { parts.append("\(comparison.worsenedCount) worse") }
        return "\(changed) metric\(changed == 1 ? "" : "s") changed" + (parts.isEmpty ? "" : " (\(parts.joined(separator: ", ")))")
    }

    public func markdown() -> String {
        if comparison.metrics.isEmpty {
            return "No metrics found at base or head (declare them under `metrics:` in dvc.yaml, or list files in `.cmlbot.yml` under `metrics.files`).\n"
        }
        let changed = comparison.changedMetrics
        var out = ""
        if changed.isEmpty {
            out += "No metric changed (\(comparison.metrics.count) compared).\n\n"
        }
        let multipleFiles = Set(comparison.metrics.map(\.path)).count > 1
        var header = ["Metric", "Base", "Head", "Change", "Change %", ""]
        var alignment = ["---", "---:", "---:", "---:", "---:", "---"]
        if multipleFiles {
            header.insert("File", at: 0)
            alignment.insert("---", at: 0)
        }
        out += "| " + header.joined(separator: " | ") + " |\n"
        out += "|" + alignment.map { $0 + "|" }.joined() + "\n"
        // Changed rows first (worse before better: the reviewer's attention goes where it's needed),
        // then unchanged ones for context.
        let order: [ChangeVerdict] = [.worsened, .improved, .changed, .added, .removed, .unchanged]
        let rows = comparison.metrics.enumerated().sorted { a, b in
            let ra = order.firstIndex(of: a.element.verdict) ?? 0, rb = order.firstIndex(of: b.element.verdict) ?? 0
            return ra != rb ? ra < rb : a.offset < b.offset
        }.map(\.element)
        for metric in rows {
            let unchanged = metric.verdict == .unchanged
            var cells = [
                MarkdownEscaping.code(metric.change.key),
                ValueFormatting.cell(metric.change.old, precision: precision),
                ValueFormatting.cell(metric.change.new, precision: precision),
                unchanged ? "" : ValueFormatting.delta(metric.change.diff, precision: precision),
                unchanged ? "" : ValueFormatting.relative(metric.change.relativeChange),
                Self.mark(metric.verdict),
            ]
            if multipleFiles { cells.insert(MarkdownEscaping.code(metric.path), at: 0) }
            out += "| " + cells.joined(separator: " | ") + " |\n"
        }
        return out
    }

    static func mark(_ verdict: ChangeVerdict) -> String {
        switch verdict {
        case .improved: return "✅ better"
        case .worsened: return "🔻 worse"
        case .changed: return "changed"
        case .added: return "🆕 new"
        case .removed: return "➖ removed"
        case .unchanged: return ""
        }
    }

    public func json() -> Value {
        var items: [Value] = []
        for metric in comparison.metrics {
            var o = OrderedObject()
            o["path"] = .string(metric.path)
            o["key"] = .string(metric.change.key)
            o["base"] = metric.change.old ?? .null
            o["head"] = metric.change.new ?? .null
            o["change"] = metric.change.diff.map(ValueFormatting.value) ?? .null
            o["relative_change"] = metric.change.relativeChange.map(Value.double) ?? .null
            o["direction"] = metric.direction.map { .string($0.rawValue) } ?? .null
            o["verdict"] = .string(metric.verdict.rawValue)
            items.append(.object(o))
        }
        var section = OrderedObject()
        section["changed"] = .int(comparison.changedMetrics.count)
        section["improved"] = .int(comparison.improvedCount)
        section["worsened"] = .int(comparison.worsenedCount)
        section["items"] = .array(items)
        return .object(section)
    }
}

/// Params that changed between base and head (all files, DVC's discovery).
public struct ParamsSection: ReportSection {
    public static let id = "params"
    public static let title = "Params"

    let files: [FileComparison]
    let precision: Int
    let anyParams: Bool

    public init(_ input: ReportInput) {
        files = input.comparison.params
        precision = input.options.precision
        anyParams = !input.baseSnapshot.params.isEmpty || !input.headSnapshot.params.isEmpty
    }

    public func summaryClause() -> String? {
        let count = files.reduce(0) { $0 + $1.changes.count }
        return count == 0 ? nil : "\(count) param\(count == 1 ? "" : "s") changed"
    }

    public func markdown() -> String {
        if !anyParams { return "No params found at base or head (params.yaml, or `params:` in dvc.yaml).\n" }
        if files.isEmpty { return "No param changed.\n" }
        let multipleFiles = files.count > 1
        var header = ["Param", "Base", "Head"]
        if multipleFiles { header.insert("File", at: 0) }
        var out = "| " + header.joined(separator: " | ") + " |\n"
        out += "|" + String(repeating: "---|", count: header.count) + "\n"
        for file in files {
            for change in file.changes {
                var cells = [MarkdownEscaping.code(change.key),
                             ValueFormatting.cell(change.old, precision: nil),
                             ValueFormatting.cell(change.new, precision: nil)]
                if multipleFiles { cells.insert(MarkdownEscaping.code(file.path), at: 0) }
                out += "| " + cells.joined(separator: " | ") + " |\n"
            }
        }
        return out
    }

    public func json() -> Value {
        var items: [Value] = []
        for file in files {
            for change in file.changes {
                var o = OrderedObject()
                o["path"] = .string(file.path)
                o["key"] = .string(change.key)
                o["base"] = change.old ?? .null
                o["head"] = change.new ?? .null
                items.append(.object(o))
            }
        }
        var section = OrderedObject()
        section["changed"] = .int(items.count)
        section["items"] = .array(items)
        return .object(section)
    }
}

/// How numbers and values appear in the report's tables.
enum ValueFormatting {
    static func cell(_ value: Value?, precision: Int?) -> String {
        guard let value else { return "—" }
        switch value {
        case .double(let d): return precision.map { PythonFormat.rounded(d, precision: $0) } ?? PythonFormat.repr(d)
        case .int, .bigInt, .bool: return PythonFormat.str(value)
        default: return MarkdownEscaping.code(PythonFormat.str(value))
        }
    }

    static func delta(_ diff: Numeric?, precision: Int) -> String {
        guard let diff else { return "" }
        switch diff {
        case .int(let i): return i > 0 ? "+\(i)" : String(i)
        case .big(let digits): return digits.hasPrefix("-") ? digits : "+" + digits
        case .double(let d):
            let text = PythonFormat.rounded(d, precision: precision)
            return d > 0 ? "+" + text : text
        }
    }

    static func relative(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "" }
        let percent = value * 100
        let text = PythonFormat.rounded(percent, precision: 2)
        return (percent > 0 ? "+" : "") + text + "%"
    }

    static func value(_ numeric: Numeric) -> Value {
        switch numeric {
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .big(let digits): return .bigInt(digits)
        }
    }
}
