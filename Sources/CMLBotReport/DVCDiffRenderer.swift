import CMLBotCompare
import CMLBotCore

/// The output of `dvc metrics diff` / `dvc params diff`, byte-compatible with DVC 3: `--json`
/// (Python `json.dumps`), `--md` (tabulate's GitHub format) and the plain table (tabulate's plain
/// format). Files come sorted by path (DVC's order is random), keys by code point.
public struct DVCDiffRenderer: Sendable {
    public enum Kind: Sendable {
        case metrics, params
        var title: String { self == .metrics ? "Metric" : "Param" }
    }

    public enum Style: String, Sendable, CaseIterable { case table, markdown, json }

    public var kind: Kind
    /// Column headers for the two sides: the revisions as the user typed them.
    public var oldLabel: String
    public var newLabel: String
    public var noPath = false
    /// DVC's `--precision`: metrics round floats to 5 digits by default (0 also means 5, as in DVC);
    /// params print floats unrounded unless a precision is given.
    public var precision: Int?

    public static let defaultPrecision = 5

    public init(kind: Kind, oldLabel: String, newLabel: String, noPath: Bool = false, precision: Int? = nil) {
        self.kind = kind
        self.oldLabel = oldLabel
        self.newLabel = newLabel
        self.noPath = noPath
        self.precision = precision
    }

    public func render(_ files: [FileComparison], style: Style) -> String {
        switch style {
        case .json: return JSONWriter.python.string(jsonValue(files)) + "\n"
        case .markdown: return table(files, markdown: true)
        case .table: return table(files, markdown: false)
        }
    }

    // MARK: JSON

    public func jsonValue(_ files: [FileComparison]) -> Value {
        var root = OrderedObject()
        for file in files {
            var keys = OrderedObject()
            for change in file.changes {
                var entry = OrderedObject()
                entry["old"] = jsonScalar(change.old)
                entry["new"] = jsonScalar(change.new)
                if let diff = change.diff {
                    switch diff {
                    case .int(let i): entry["diff"] = .int(i)
                    case .double(let d): entry["diff"] = .double(d)
                    case .big(let digits): entry["diff"] = .bigInt(digits)
                    }
                }
                keys[change.key] = .object(entry)
            }
            root[file.path] = .object(keys)
        }
        return .object(root)
    }

    /// DVC turns lists (params only; metrics drop them) into their Python repr string.
    private func jsonScalar(_ value: Value?) -> Value {
        guard let value else { return .null }
        switch value {
        case .array, .object: return .string(PythonFormat.repr(value))
        default: return value
        }
    }

    // MARK: tables

    private var effectivePrecision: Int? {
        switch kind {
        case .metrics: return (precision ?? 0) == 0 ? Self.defaultPrecision : precision
        case .params: return precision == 0 ? nil : precision
        }
    }

    func cell(_ value: Value?) -> String {
        guard let value else { return "-" }
        if case .double(let d) = value, let p = effectivePrecision { return Self.clean(PythonFormat.rounded(d, precision: p)) }
        return Self.clean(PythonFormat.str(value))
    }

    func cell(_ diff: Numeric?) -> String {
        guard let diff else { return "-" }
        switch diff {
        case .int(let i): return String(i)
        case .double(let d): return cell(Value.double(d))
        case .big(let digits): return digits
        }
    }

    /// Control characters would break the table's lines; show them as Python escapes instead.
    static func clean(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        let quoted = PythonFormat.repr(text)
        return String(quoted.dropFirst().dropLast())
    }

    public func rows(_ files: [FileComparison]) -> (headers: [String], rows: [[String]]) {
        var headers = ["Path", kind.title, oldLabel, newLabel]
        if kind == .metrics { headers.append("Change") }
        var rows: [[String]] = []
        for file in files {
            for change in file.changes {
                var row = [Self.clean(file.path), Self.clean(change.key), cell(change.old), cell(change.new)]
                if kind == .metrics { row.append(cell(change.diff)) }
                rows.append(row)
            }
        }
        if noPath {
            headers.removeFirst()
            rows = rows.map { Array($0.dropFirst()) }
        }
        return (headers, rows)
    }

    func table(_ files: [FileComparison], markdown: Bool) -> String {
        let (headers, rows) = rows(files)
        if rows.isEmpty && !markdown { return "" }
        // tabulate pads each header by two columns at least (its MIN_PADDING).
        var widths = headers.map { TextWidth.columns($0) + 2 }
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], TextWidth.columns(cell)) }
        }
        var lines: [String] = []
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { TextWidth.padRight($0.element, to: widths[$0.offset]) }
            if markdown { return "| " + padded.joined(separator: " | ") + " |" }
            return String(padded.joined(separator: "  ").reversed().drop(while: { $0 == " " }).reversed())
        }
        lines.append(line(headers))
        if markdown { lines.append("|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|") }
        for row in rows { lines.append(line(row)) }
        // DVC appends a newline to Markdown tables ("incomplete without it") and then prints a line.
        return lines.joined(separator: "\n") + (markdown ? "\n\n" : "\n")
    }
}
