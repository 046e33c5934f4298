import CMLBotCore
import Foundation

/// How a plot is drawn. DVC's default templates map onto three shapes; the rest are drawn as lines.
public enum PlotTemplate: String, Equatable, Sendable, CaseIterable {
    case linear, scatter, confusion

    /// DVC's template name → shape, nil when cmlbot does not know the template.
    public static func named(_ name: String) -> PlotTemplate? {
        switch name.lowercased() {
        case "linear", "simple", "smooth": return .linear
        case "scatter", "scatter_jitter": return .scatter
        case "confusion", "confusion_normalized": return .confusion
        default: return nil
        }
    }
}

/// One file feeding a plot, with the fields to draw from it.
public struct PlotSource: Equatable, Sendable {
    /// Repository-relative path (a file, or a directory that expands to its files).
    public var path: String
    /// The x field; nil means DVC's default, the row index ("step").
    public var x: String?
    /// The y fields; empty means DVC's default, the last field of the records.
    public var y: [String]

    public init(path: String, x: String? = nil, y: [String] = []) {
        self.path = path
        self.x = x
        self.y = y
    }
}

/// A plot as `dvc.yaml` (top-level or stage `plots:`) or `.cmlbot.yml` declares it.
public struct PlotDeclaration: Equatable, Sendable {
    /// The plot's id: its path for the path form, the mapping key for DVC 3's id form.
    public var id: String
    public var sources: [PlotSource]
    public var template: String?
    public var title: String?
    public var xLabel: String?
    public var yLabel: String?

    public init(id: String, sources: [PlotSource], template: String? = nil, title: String? = nil, xLabel: String? = nil, yLabel: String? = nil) {
        self.id = id
        self.sources = sources
        self.template = template
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }
}

/// One y field of one file: the points as read, in file order.
public struct PlotSeries: Equatable, Sendable {
    /// `field`, or `file: field` when the plot reads several files.
    public var name: String
    public var file: String
    public var field: String
    /// nil: x is the row index, as DVC's `step`.
    public var xField: String?
    public var x: [Double]
    public var y: [Double]

    public init(name: String, file: String, field: String, xField: String?, x: [Double], y: [Double]) {
        self.name = name
        self.file = file
        self.field = field
        self.xField = xField
        self.x = x
        self.y = y
    }
}

/// Counts of (actual, predicted) pairs; rows are actual labels, columns predicted ones.
public struct ConfusionCounts: Equatable, Sendable {
    public var file: String
    public var actualField: String
    public var predictedField: String
    public var labels: [String]
    public var counts: [[Int]]

    public init(file: String, actualField: String, predictedField: String, labels: [String], counts: [[Int]]) {
        self.file = file
        self.actualField = actualField
        self.predictedField = predictedField
        self.labels = labels
        self.counts = counts
    }

    /// The count for (actual, predicted) labels, 0 when either label is absent here.
    public func count(actual: String, predicted: String) -> Int {
        guard let r = labels.firstIndex(of: actual), let c = labels.firstIndex(of: predicted) else { return 0 }
        return counts[r][c]
    }
}

/// A plot's data at one revision.
public struct PlotData: Equatable, Sendable {
    public var id: String
    public var template: PlotTemplate
    public var title: String?
    public var xLabel: String?
    public var yLabel: String?
    public var series: [PlotSeries] = []
    public var confusion: ConfusionCounts?

    public init(id: String, template: PlotTemplate, title: String? = nil, xLabel: String? = nil, yLabel: String? = nil) {
        self.id = id
        self.template = template
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }
}

/// Parses `plots:` entries (dvc.yaml top level or stage, `.cmlbot.yml`).
public enum PlotDeclarationParser {
    /// One entry: `path`, `{path: {x, y, template, title, x_label, y_label}}`, or DVC 3's
    /// `{id: {x: field | {file: field}, y: {file: field | [fields]}}}`. `resolve` interpolates
    /// templated text (nil: unresolvable). Returns nil with a warning for an unusable entry.
    public static func parse(_ entry: Value, directory: String, resolve: (String) -> String?, warn: (String) -> Void) -> PlotDeclaration? {
        func joined(_ raw: String) -> String? {
            guard let text = resolve(raw) else {
                warn("plot '\(raw)': cannot resolve its template variables; plot skipped")
                return nil
            }
            guard let path = RepoPath.join(directory, text), !path.isEmpty else {
                warn("plot '\(text)' points outside the repository; plot skipped")
                return nil
            }
            return path
        }
        func fields(_ value: Value?) -> [String] {
            switch value {
            case .string(let s)?: return resolve(s).map { [$0] } ?? []
            case .array(let items)?: return items.compactMap { item in PlotDeclarationParser.text(item).flatMap(resolve) }
            default: return []
            }
        }
        switch entry {
        case .string(let raw):
            guard let path = joined(raw) else { return nil }
            return PlotDeclaration(id: path, sources: [PlotSource(path: path)])
        case .object(let object):
            guard let (key, propsValue) = object.pairs.first else { return nil }
            let props = propsValue.objectValue ?? OrderedObject()
            if propsValue != .null && propsValue.objectValue == nil {
                warn("plot '\(key)': properties must be a mapping; plot skipped")
                return nil
            }
            let template = props["template"].flatMap(text)
            let title = props["title"].flatMap(text)
            let xLabel = props["x_label"].flatMap(text)
            let yLabel = props["y_label"].flatMap(text)
            if let yFiles = props["y"]?.objectValue {
                // DVC 3's id form: the key names the plot, y maps files to fields.
                let xByFile = props["x"]?.objectValue
                let sharedX = props["x"].flatMap(text).flatMap(resolve)
                var sources: [PlotSource] = []
                for (file, ys) in yFiles.pairs {
                    guard let path = joined(file) else { continue }
                    let x = xByFile?[file].flatMap(text).flatMap(resolve) ?? sharedX
                    sources.append(PlotSource(path: path, x: x, y: fields(ys)))
                }
                guard !sources.isEmpty else { return nil }
                let id = resolve(key) ?? key
                return PlotDeclaration(id: id, sources: sources, template: template, title: title, xLabel: xLabel, yLabel: yLabel)
            }
            guard let path = joined(key) else { return nil }
            let x = props["x"].flatMap(text).flatMap(resolve)
            return PlotDeclaration(id: path, sources: [PlotSource(path: path, x: x, y: fields(props["y"]))],
                                   template: template, title: title, xLabel: xLabel, yLabel: yLabel)
        default:
            warn("plots: entries must be paths or mappings; entry skipped")
            return nil
        }
    }

    static func text(_ value: Value) -> String? {
        switch value {
        case .string(let s): return s
        case .int, .double, .bool, .bigInt: return PythonFormat.str(value)
        default: return nil
        }
    }
}

/// Reads plot data files (CSV, TSV, JSON, YAML) for declared plots. Hostile or corrupt files give
/// warnings and are skipped; nothing here traps.
public enum PlotCollector {
    /// Caps that keep a hostile repository from exhausting memory.
    public static let maximumFileSize = 64 * 1024 * 1024
    public static let maximumRows = 5_000_000
    public static let maximumPlots = 200
    public static let maximumSeriesPerPlot = 24
    public static let maximumConfusionLabels = 60

    public static func collect(_ tree: FileTree, declarations: [PlotDeclaration], diagnostics: inout [Diagnostic]) -> [PlotData] {
        var out: [PlotData] = []
        var seen = Set<String>()
        var tables: [String: PlotTable?] = [:]
        func table(_ path: String) -> PlotTable? {
            if let cached = tables[path] { return cached }
            let loaded = load(path, tree: tree, diagnostics: &diagnostics)
            tables[path] = loaded
            return loaded
        }
        for declaration in declarations {
            guard out.count < maximumPlots else {
                diagnostics.append(.warning(revision: tree.label, "more than \(maximumPlots) plots declared; the rest are skipped"))
                break
            }
            var template = PlotTemplate.linear
            if let name = declaration.template {
                if let known = PlotTemplate.named(name) { template = known } else {
                    diagnostics.append(.warning(path: declaration.id, revision: tree.label, "plot template '\(name)' is not one cmlbot draws; drawn as a line chart"))
                }
            }
            // A path-form plot naming a directory is one plot per file below it, as DVC shows them.
            var units: [(id: String, sources: [PlotSource])] = []
            if declaration.sources.count == 1, let source = declaration.sources.first, declaration.id == source.path,
               ((try? tree.entry(at: source.path)) ?? nil)?.kind == .directory {
                for file in (try? tree.filePaths(under: source.path)) ?? [] where isPlotFile(file) {
                    units.append((file, [PlotSource(path: file, x: source.x, y: source.y)]))
                }
            } else {
                units = [(declaration.id, declaration.sources)]
            }
            for unit in units where seen.insert(unit.id).inserted {
                var plot = PlotData(id: unit.id, template: template, title: declaration.title, xLabel: declaration.xLabel, yLabel: declaration.yLabel)
                let multipleFiles = unit.sources.count > 1
                for source in unit.sources {
                    guard let data = table(source.path) else { continue }
                    if template == .confusion {
                        if plot.confusion == nil { plot.confusion = confusion(data, source: source, revision: tree.label, diagnostics: &diagnostics) }
                        continue
                    }
                    let yFields = source.y.isEmpty ? Array(data.fields.suffix(1)) : source.y
                    for field in yFields {
                        guard plot.series.count < maximumSeriesPerPlot else { break }
                        if let s = series(data, file: source.path, x: source.x, y: field, multipleFiles: multipleFiles, revision: tree.label, diagnostics: &diagnostics) {
                            plot.series.append(s)
                        }
                    }
                }
                if plot.series.isEmpty && plot.confusion == nil { continue }
                if plot.xLabel == nil { plot.xLabel = template == .confusion ? plot.confusion?.predictedField : (plot.series.first?.xField ?? "step") }
                if plot.yLabel == nil {
                    var fields: [String] = []
                    for s in plot.series where !fields.contains(s.field) { fields.append(s.field) }
                    plot.yLabel = template == .confusion ? plot.confusion?.actualField : (fields.count <= 3 ? fields.joined(separator: ", ") : "value")
                }
                out.append(plot)
            }
        }
        return out
    }

    static func isPlotFile(_ path: String) -> Bool {
        ["csv", "tsv", "json", "yaml", "yml"].contains(RepoPath.fileExtension(path).lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ".")))
    }

    static func series(_ table: PlotTable, file: String, x: String?, y: String, multipleFiles: Bool, revision: String, diagnostics: inout [Diagnostic]) -> PlotSeries? {
        guard let yColumn = table.fields.firstIndex(of: y) else {
            diagnostics.append(.warning(path: file, revision: revision, "plot field '\(y)' is not in the file (fields: \(table.fields.prefix(10).joined(separator: ", "))); series skipped"))
            return nil
        }
        var xColumn: Int?
        if let x {
            guard let index = table.fields.firstIndex(of: x) else {
                diagnostics.append(.warning(path: file, revision: revision, "plot x field '\(x)' is not in the file; series skipped"))
                return nil
            }
            xColumn = index
        }
        var xs: [Double] = [], ys: [Double] = []
        xs.reserveCapacity(table.rows.count)
        ys.reserveCapacity(table.rows.count)
        var skipped = 0
        for (index, row) in table.rows.enumerated() {
            let yValue = row.indices.contains(yColumn) ? row[yColumn].number : nil
            let xValue = xColumn.map { row.indices.contains($0) ? row[$0].number : nil } ?? Double(index)
            guard let xv = xValue, let yv = yValue, xv.isFinite, yv.isFinite else { skipped += 1; continue }
            xs.append(xv)
            ys.append(yv)
        }
        if skipped > 0 {
            diagnostics.append(.warning(path: file, revision: revision, "\(skipped) row\(skipped == 1 ? "" : "s") of plot field '\(y)' are not finite numbers; skipped"))
        }
        guard !ys.isEmpty else { return nil }
        return PlotSeries(name: multipleFiles ? "\(file): \(y)" : y, file: file, field: y, xField: x, x: xs, y: ys)
    }

    static func confusion(_ table: PlotTable, source: PlotSource, revision: String, diagnostics: inout [Diagnostic]) -> ConfusionCounts? {
        // DVC's confusion template: x is the actual class, y the predicted one.
        let actual = source.x ?? (table.fields.contains("actual") ? "actual" : table.fields.first)
        let predicted = source.y.first ?? (table.fields.contains("predicted") ? "predicted" : table.fields.last)
        guard let actual, let predicted, let a = table.fields.firstIndex(of: actual), let p = table.fields.firstIndex(of: predicted) else {
            diagnostics.append(.warning(path: source.path, revision: revision, "confusion plot needs actual and predicted fields; plot skipped"))
            return nil
        }
        var pairs: [String: [String: Int]] = [:]
        var labels = Set<String>()
        for row in table.rows {
            guard row.indices.contains(a), row.indices.contains(p), let av = row[a].label, let pv = row[p].label else { continue }
            labels.insert(av)
            labels.insert(pv)
            guard labels.count <= maximumConfusionLabels else {
                diagnostics.append(.warning(path: source.path, revision: revision, "confusion plot has more than \(maximumConfusionLabels) classes; plot skipped"))
                return nil
            }
            pairs[av, default: [:]][pv, default: 0] += 1
        }
        let ordered = sortLabels(Array(labels))
        let counts = ordered.map { r in ordered.map { c in pairs[r]?[c] ?? 0 } }
        return ConfusionCounts(file: source.path, actualField: actual, predictedField: predicted, labels: ordered, counts: counts)
    }

    /// Numeric labels in numeric order (2 before 10), else plain string order: deterministic either way.
    static func sortLabels(_ labels: [String]) -> [String] {
        let numbers = labels.compactMap(Double.init)
        if numbers.count == labels.count {
            return labels.sorted { (Double($0) ?? 0, $0) < (Double($1) ?? 0, $1) }
        }
        return labels.sorted()
    }

    static func load(_ path: String, tree: FileTree, diagnostics: inout [Diagnostic]) -> PlotTable? {
        do {
            guard let entry = try tree.entry(at: path), entry.kind == .file else {
                diagnostics.append(.warning(path: path, revision: tree.label, "declared plot file is missing at this revision"))
                return nil
            }
            guard entry.size <= maximumFileSize else {
                diagnostics.append(.warning(path: path, revision: tree.label, "plot file skipped: \(entry.size) bytes is larger than the \(maximumFileSize / 1_048_576) MiB limit"))
                return nil
            }
            let data = try tree.readFile(path)
            let table: PlotTable
            switch RepoPath.fileExtension(path).lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ".")) {
            case "csv": table = try DelimitedText.parse(data, separator: UInt8(ascii: ","))
            case "tsv": table = try DelimitedText.parse(data, separator: UInt8(ascii: "\t"))
            case "json": table = try records(JSONParser.parse(data))
            default: table = try records(YAMLLoader.parse(data))
            }
            if table.rows.isEmpty {
                diagnostics.append(.warning(path: path, revision: tree.label, "plot file has no data rows"))
                return nil
            }
            return table
        } catch {
            diagnostics.append(.warning(path: path, revision: tree.label, "cannot read plot data: \(error); plot skipped at this revision"))
            return nil
        }
    }

    /// A list of records, or a mapping whose first list-of-records value holds them (DVC accepts both).
    static func records(_ value: Value) throws -> PlotTable {
        var list = value.arrayValue
        if list == nil, let object = value.objectValue {
            list = object.pairs.first { $0.value.arrayValue?.first?.objectValue != nil }?.value.arrayValue
        }
        guard let list, let first = list.first?.objectValue else { throw PlotDataError.notRecords }
        guard list.count <= maximumRows else { throw PlotDataError.tooManyRows(maximumRows) }
        let fields = first.keys
        var rows: [[PlotCell]] = []
        rows.reserveCapacity(list.count)
        for item in list {
            guard let record = item.objectValue else { continue }
            rows.append(fields.map { PlotCell(record[$0]) })
        }
        return PlotTable(fields: fields, rows: rows)
    }
}

public enum PlotDataError: Error, Equatable, CustomStringConvertible {
    case notRecords
    case noHeader
    case tooManyRows(Int)
    case notText

    public var description: String {
        switch self {
        case .notRecords: return "expected a list of records (or a mapping holding one)"
        case .noHeader: return "no header row"
        case .tooManyRows(let n): return "more than \(n) rows"
        case .notText: return "not UTF-8 text"
        }
    }
}

/// One cell of plot data: a number when it reads as one, else its text.
enum PlotCell: Equatable {
    case number(Double, text: String)
    case text(String)
    case missing

    init(_ value: Value?) {
        switch value {
        case .int(let i)?: self = .number(Double(i), text: String(i))
        case .double(let d)?: self = .number(d, text: PythonFormat.repr(d))
        case .bool(let b)?: self = .number(b ? 1 : 0, text: b ? "True" : "False")
        case .string(let s)?: self = PlotCell(text: s)
        case nil, .null?: self = .missing
        case let other?: self = .text(PythonFormat.str(other))
        }
    }

    init(text: String) {
        if text.isEmpty { self = .missing; return }
        // Swift's Double parser is locale-free; it also takes "nan"/"inf", filtered by callers.
        // Foundation's trimming costs microseconds a call, too slow for a million rows, so it is
        // only tried when the plain parse fails (spreadsheet exports pad numbers with spaces).
        if let d = Double(text) {
            self = .number(d, text: text)
        } else if text.first == " " || text.last == " ", let d = Double(text.trimmingCharacters(in: .whitespaces)) {
            self = .number(d, text: text)
        } else {
            self = .text(text)
        }
    }

    var number: Double? {
        if case .number(let d, _) = self { return d }
        return nil
    }

    var label: String? {
        switch self {
        case .number(_, let t), .text(let t): return t
        case .missing: return nil
        }
    }
}

struct PlotTable: Equatable {
    var fields: [String]
    var rows: [[PlotCell]]
}

/// CSV/TSV as Python's csv module reads it (RFC 4180 quoting), the first row naming the fields.
/// A plain byte loop over a struct's state: closures capturing the state cost a dynamic
/// exclusivity check per byte, which made a million-row file take seconds.
enum DelimitedText {
    private struct Builder {
        var header: [String]?
        var rows: [[PlotCell]] = []
        var record: [PlotCell] = []
        var headerFields: [String] = []
        var field: [UInt8] = []
        var fieldCount = 0

        mutating func endField() {
            let text = String(decoding: field, as: UTF8.self)
            if header == nil { headerFields.append(text) } else { record.append(PlotCell(text: text)) }
            field.removeAll(keepingCapacity: true)
            fieldCount += 1
        }

        mutating func endRecord() throws {
            endField()
            // A blank line is one empty field: skipped, as Python's csv reader does.
            let blank = fieldCount == 1 && (header == nil ? headerFields.last?.isEmpty == true : record.first == .missing)
            if header == nil {
                if blank { headerFields.removeAll() } else { header = headerFields }
            } else if !blank {
                rows.append(record)
                guard rows.count <= PlotCollector.maximumRows else { throw PlotDataError.tooManyRows(PlotCollector.maximumRows) }
            }
            record.removeAll(keepingCapacity: true)
            fieldCount = 0
        }
    }

    static func parse(_ data: Data, separator: UInt8) throws -> PlotTable {
        let bytes = [UInt8](data)
        var state = Builder()
        var quoted = false, wasQuoted = false
        let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var i = 0
        // Skip a UTF-8 byte order mark, which spreadsheet exports often carry.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if quoted {
                if b == quote {
                    if i + 1 < n, bytes[i + 1] == quote { state.field.append(quote); i += 1 } else { quoted = false }
                } else {
                    state.field.append(b)
                }
            } else if b == quote && state.field.isEmpty && !wasQuoted {
                quoted = true
                wasQuoted = true
            } else if b == separator {
                state.endField()
                wasQuoted = false
            } else if b == lf {
                try state.endRecord()
                wasQuoted = false
            } else if b == cr {
                if i + 1 < n, bytes[i + 1] == lf { i += 1 }
                try state.endRecord()
                wasQuoted = false
            } else {
                state.field.append(b)
            }
            i += 1
        }
        if !state.field.isEmpty || state.fieldCount > 0 { try state.endRecord() }
        guard let header = state.header else { throw PlotDataError.noHeader }
        return PlotTable(fields: header, rows: state.rows)
    }
}
