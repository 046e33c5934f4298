import CMLBotCore
import CMLBotEvidence
import Foundation

/// Jupyter notebooks (`.ipynb`) that `nbstripout --verify` would reject: the verdict is "stripping
/// would change this notebook", computed the way nbstripout 0.9.1 on nbformat 5.11 computes it.
///
/// nbstripout reads the notebook with `nbformat.read(..., NO_CONVERT)`, deep-copies it, strips the
/// copy, and fails when the two differ. So only what stripping *changes* counts, after what reading
/// already normalised away. With the defaults a notebook is dirty when:
/// - a cell has outputs (any output: `--max-size 0` keeps none), unless `keep_output` is on for it
///   (option, notebook `metadata.keep_output`, cell `metadata.keep_output`/`init_cell`, or a
///   `keep_output` tag);
/// - a cell, or a kept output, has a non-null `execution_count` (`prompt_number` in nbformat 3);
/// - a cell `id` is not its index as a string (`"0"`, `"1"`, …: nbstripout renumbers ids so they
///   stop changing between runs), or a cell has no id in nbformat ≥ 4.5 (nbformat invents a random one);
/// - one of these keys is present: notebook `metadata.widgets` and `metadata.signature`; cell
///   `metadata.collapsed`, `ExecuteTime`, `execution`, `heading_collapsed`, `hidden`, `scrolled`.
///   nbformat 4 drops `metadata.signature`, `orig_nbformat*` and cell `metadata.trusted` while
///   reading, so those never count there; nbformat 3 keeps them, so `signature` counts.
/// - a cell's `keep_output` metadata is false while it carries the `keep_output` tag (nbstripout stops
///   with an error), or the file is not a notebook nbformat can read (not JSON, a UTF-8 byte-order
///   mark, an nbformat other than 1–4, a missing `metadata`/`cells`/`worksheets`, a cell that is not
///   an object…): nbstripout exits non-zero for all of these too.
///
/// The options mirror nbstripout's flags (`keep_output` ⇔ `--keep-output`, `extra_keys` ⇔
/// `--extra-keys`, …). nbstripout also reads `git config filter.nbstripout.extrakeys` and
/// `keepmetadatakeys`; cmlbot does not read git config, so put those keys in the options instead.
/// Where nbstripout 0.9.1 differs from its own documentation, the documentation wins: with several
/// `drop_tagged_cells` tags nbstripout only honours the last one (a late-binding closure); here
/// each tag counts.
///
/// Git LFS pointers and DVC-tracked notebooks hold no notebook in git and are skipped.
public struct NotebookOutputsGate: HygieneGate {
    public static let id = "notebook_outputs"
    public static let summary = "Jupyter notebooks with outputs, execution counts or volatile metadata (as nbstripout --verify)"
    public static let defaultSeverity = Severity.error
    public static let options = [
        GateOption("keep_output", "keep cell outputs (nbstripout --keep-output); execution counts in them are still stripped unless keep_count"),
        GateOption("keep_count", "keep execution counts (nbstripout --keep-count)"),
        GateOption("keep_id", "keep cell ids as they are instead of 0, 1, 2, … (nbstripout --keep-id)"),
        GateOption("extra_keys", "more metadata keys that must be absent, e.g. metadata.foo or cell.metadata.bar (nbstripout --extra-keys)"),
        GateOption("keep_metadata_keys", "default keys to allow after all, e.g. cell.metadata.collapsed (nbstripout --keep-metadata-keys)"),
        GateOption("keep_output_types", "output types to keep, `type` or `type:name`, e.g. stream:stderr (nbstripout --keep-output-type)"),
        GateOption("drop_output_types", "output types that must be absent even with keep_output (nbstripout --drop-output-type)"),
        GateOption("max_size", "keep outputs up to this size: a number of characters, or with K/M/G (nbstripout --max-size; default 0)"),
        GateOption("drop_empty_cells", "cells whose source is blank must be removed (nbstripout --drop-empty-cells)"),
        GateOption("drop_tagged_cells", "cells with any of these tags must be removed (nbstripout --drop-tagged-cells)"),
        GateOption("strip_init_cells", "strip outputs of init_cell cells too (nbstripout --strip-init-cells)"),
    ]

    /// nbstripout's built-in `extra_keys`.
    public static let defaultExtraKeys = [
        "metadata.signature", "metadata.widgets",
        "cell.metadata.collapsed", "cell.metadata.ExecuteTime", "cell.metadata.execution",
        "cell.metadata.heading_collapsed", "cell.metadata.hidden", "cell.metadata.scrolled",
    ]

    /// Notebooks are read whole to parse them; beyond this they are reported as unchecked rather
    /// than held in memory (a notebook that large has outputs anyway).
    public static let maximumBytes: Int64 = 64 * 1024 * 1024
    /// Cell findings per notebook before the rest are summed up in one line.
    static let maximumCellFindings = 20

    public var keepOutput: Bool
    public var keepCount: Bool
    public var keepID: Bool
    /// Effective keys after `extra_keys` and `keep_metadata_keys`, without their namespace.
    var notebookKeys: [String]
    var cellKeys: [String]
    var keepOutputTypes: [String]
    var dropOutputTypes: [String]
    var maxSize: Int
    var dropEmptyCells: Bool
    var dropTaggedCells: [String]
    var stripInitCells: Bool
    var severity: Severity
    var warning: Severity
    var exclude: [String]

    public init(settings: GateSettings) throws {
        try settings.validate(known: Self.options)
        keepOutput = try settings.bool("keep_output") ?? false
        keepCount = try settings.bool("keep_count") ?? false
        keepID = try settings.bool("keep_id") ?? false
        let extra = try settings.strings("extra_keys") ?? []
        let keep = try settings.strings("keep_metadata_keys") ?? []
        for key in extra where !Self.isNamespacedKey(key) {
            // nbstripout only warns and ignores such a key; a config file can be fixed, so say so.
            throw settings.error("extra_keys: '\(key)' must start with 'metadata.' or 'cell.'")
        }
        let keys = (Self.defaultExtraKeys + extra).filter { !keep.contains($0) }
        notebookKeys = keys.filter { $0.hasPrefix("metadata.") }.map { String($0.dropFirst("metadata.".count)) }
        cellKeys = keys.filter { $0.hasPrefix("cell.") }.map { String($0.dropFirst("cell.".count)) }
        keepOutputTypes = try settings.strings("keep_output_types") ?? []
        dropOutputTypes = try settings.strings("drop_output_types") ?? []
        for type in keepOutputTypes + dropOutputTypes where type.split(separator: ":", omittingEmptySubsequences: false).count > 2 {
            throw settings.error("output type '\(type)' must be `type` or `type:name`")
        }
        maxSize = try Self.maxSize(settings)
        dropEmptyCells = try settings.bool("drop_empty_cells") ?? false
        dropTaggedCells = try settings.strings("drop_tagged_cells") ?? []
        stripInitCells = try settings.bool("strip_init_cells") ?? false
        severity = try settings.severity(default: Self.defaultSeverity)
        // Files that cannot be checked only warn, unless the severity is configured explicitly.
        warning = try settings.severity(default: .warning)
        exclude = try settings.exclude
    }

    static func isNamespacedKey(_ key: String) -> Bool {
        guard let dot = key.firstIndex(of: ".") else { return false }
        let namespace = key[..<dot]
        return (namespace == "cell" || namespace == "metadata") && key.index(after: dot) < key.endIndex
    }

    /// `--max-size` as nbstripout's `_parse_size` reads it: digits, optionally followed by K, M or G
    /// (powers of 1000).
    static func maxSize(_ settings: GateSettings) throws -> Int {
        guard let value = settings.values["max_size"] else { return 0 }
        if case .int(let n) = value, n >= 0 { return n }
        guard let text = value.stringValue?.uppercased(), let last = text.last else {
            throw settings.error("max_size must be a size such as 100, 10K or 1M")
        }
        let multipliers: [Character: Int] = ["K": 1_000, "M": 1_000_000, "G": 1_000_000_000]
        let digits = last.isNumber ? text : String(text.dropLast())
        let multiplier = last.isNumber ? 1 : multipliers[last]
        guard let multiplier, let n = Int(digits), n >= 0 else {
            throw settings.error("max_size must be a size such as 100, 10K or 1M")
        }
        let (product, overflow) = n.multipliedReportingOverflow(by: multiplier)
        return overflow ? Int.max : product
    }

    public func check(_ input: CheckInput) -> [Finding] {
        var findings: [Finding] = []
        for file in input.files where file.path.hasSuffix(".ipynb") {
            guard !PathGlob.matchesAny(exclude, file.path), !input.isTrackedByDVC(file.path) else { continue }
            guard file.size <= Self.maximumBytes else {
                findings.append(Finding(gate: Self.id, severity: warning, path: file.path,
                                        message: "\(file.path) was not checked: it is larger than \(Self.maximumBytes / 1024 / 1024) MiB",
                                        hint: "strip its outputs with `nbstripout \(file.path)`, or track it with DVC or Git LFS"))
                continue
            }
            guard let data = input.contents(of: file, limit: Self.maximumBytes) else {
                findings.append(Finding(gate: Self.id, severity: warning, path: file.path,
                                        message: "\(file.path) could not be read", hint: "check that the file is committed as a regular file"))
                continue
            }
            if LFSPointer.isPointer(data) { continue }
            findings += check(path: file.path, data: data)
        }
        return findings
    }

    /// The findings for one notebook's bytes.
    func check(path: String, data: Data) -> [Finding] {
        let notebook: Notebook
        switch Notebook.read(data) {
        case .failure(let problem):
            return [Finding(gate: Self.id, severity: warning, path: path, line: problem.line,
                            message: "\(path) is not a notebook nbstripout can read: \(problem.reason)",
                            hint: "fix or re-save it in Jupyter; `nbstripout \(path)` fails on it too")]
        case .success(let read):
            notebook = read
        }
        let lines = NotebookLines(data: data, layout: notebook.layout)
        let hint = "strip it with `nbstripout \(path)`, or run `nbstripout --install` once so git strips notebooks on every commit"
        var findings: [Finding] = []

        // `keep_output: false` in the config is nbstripout without `--keep-output`, where the
        // notebook's own metadata may still ask to keep outputs.
        let keepOutputDefault = keepOutput || (notebook.metadata["keep_output"].map(Self.isTruthy) ?? false)

        let notebookPresent = notebookKeys.filter { Self.wouldPop(.object(notebook.metadata), key: $0) }
        if !notebookPresent.isEmpty {
            findings.append(Finding(gate: Self.id, severity: severity, path: path, line: lines.metadataLine,
                                    message: "\(path): notebook metadata has \(notebookPresent.map { "metadata.\($0)" }.joined(separator: ", "))",
                                    hint: hint))
        }

        var cellFindings: [Finding] = []
        var index = 0  // nbstripout's `enumerate` over the cells that survive the drop filters
        for cell in notebook.cells {
            let line = lines.line(ofCell: cell.position)
            if let reason = dropReason(cell, layout: notebook.layout) {
                cellFindings.append(Finding(gate: Self.id, severity: severity, path: path, line: line,
                                            message: "\(path): \(cell.label) must be removed (\(reason))", hint: hint))
                continue
            }
            defer { index += 1 }
            switch problems(in: cell, index: index, notebook: notebook, keepOutputDefault: keepOutputDefault) {
            case .failure(let reason):
                cellFindings.append(Finding(gate: Self.id, severity: warning, path: path, line: line,
                                            message: "\(path): \(cell.label): \(reason); nbstripout stops with an error on this notebook",
                                            hint: "fix the cell's metadata, then run `nbstripout \(path)`"))
            case .success(let present) where !present.isEmpty:
                cellFindings.append(Finding(gate: Self.id, severity: severity, path: path, line: line,
                                            message: "\(path): \(cell.label) has \(present.joined(separator: ", "))", hint: hint))
            case .success:
                break
            }
        }
        if cellFindings.count > Self.maximumCellFindings {
            let rest = cellFindings.count - Self.maximumCellFindings
            cellFindings = Array(cellFindings.prefix(Self.maximumCellFindings))
            cellFindings.append(Finding(gate: Self.id, severity: severity, path: path,
                                        message: "\(path): \(rest) more cells have outputs, execution counts or volatile metadata", hint: hint))
        }
        return findings + cellFindings
    }

    /// Why nbstripout's `--drop-empty-cells`/`--drop-tagged-cells` filters would remove the cell.
    func dropReason(_ cell: Notebook.Cell, layout: Notebook.Layout) -> String? {
        if dropEmptyCells {
            // nbstripout tests `c.get('source', [])` line by line; nbformat 3 code cells keep their
            // text in `input`, so nbstripout counts them as empty.
            let nonBlank: Bool
            switch cell.object["source"] {
            case .string(let s): nonBlank = s.unicodeScalars.contains { !Self.isPythonWhitespace($0) }
            case .array(let lines): nonBlank = lines.contains { $0.stringValue?.unicodeScalars.contains { !Self.isPythonWhitespace($0) } ?? true }
            default: nonBlank = false
            }
            if !nonBlank { return "drop_empty_cells: its source is blank" }
        }
        if !dropTaggedCells.isEmpty, let tags = cell.object["metadata"]?["tags"] {
            for tag in dropTaggedCells where Self.pythonContains(tags, tag) == true {
                return "drop_tagged_cells: it is tagged '\(tag)'"
            }
        }
        return nil
    }

    /// What stripping would change in one cell, or why nbstripout would fail on it.
    func problems(in cell: Notebook.Cell, index: Int, notebook: Notebook, keepOutputDefault: Bool) -> Result<[String], CellError> {
        let object = cell.object
        var present: [String] = []

        let keepThisCell: Bool
        switch keepsOutput(object, default: keepOutputDefault) {
        case .failure(let error): return .failure(error)
        case .success(let keep): keepThisCell = keep
        }

        if let outputs = object["outputs"] {
            guard case .array(var kept) = outputs else { return .success(["outputs that are not a list"]) }
            if !keepThisCell || !keepOutputTypes.isEmpty {
                kept = kept.filter { output in Self.size(of: output) <= maxSize || keepOutputTypes.contains { Self.matches(output, $0) } }
                let removed = outputs.arrayValue.map { $0.count - kept.count } ?? 0
                if removed > 0 { present.append(removed == 1 ? "1 output" : "\(removed) outputs") }
            }
            if !keepCount {
                let counted = kept.filter { output in output["execution_count"].map { $0 != .null } ?? false }
                if !counted.isEmpty { present.append("execution_count in \(counted.count == 1 ? "1 output" : "\(counted.count) outputs")") }
            }
            if !dropOutputTypes.isEmpty {
                let dropped = kept.filter { output in dropOutputTypes.contains { Self.matches(output, $0) } }
                if !dropped.isEmpty { present.append("\(dropped.count) output\(dropped.count == 1 ? "" : "s") of a type in drop_output_types") }
            }
        }
        if !keepCount {
            for key in ["execution_count", "prompt_number"] {
                if let count = object[key], count != .null { present.append("\(key) \(Self.show(count))") }
            }
        }
        if !keepID {
            if let id = object["id"] {
                if id != .string(String(index)) {
                    present.append("id \(Self.show(id)) (nbstripout renumbers cell ids as \"\(index)\"; keep_id keeps them)")
                }
            } else if notebook.assignsMissingIDs {
                present.append("no id (nbformat 4.5 adds a random one on reading, which nbstripout renumbers)")
            }
        }
        for key in cellKeys where Self.wouldPop(.object(object), key: key) {
            present.append(key)
        }
        return .success(present)
    }

    struct CellError: Error, CustomStringConvertible {
        var description: String
    }

    /// nbstripout's `determine_keep_output`.
    func keepsOutput(_ cell: OrderedObject, default fallback: Bool) -> Result<Bool, CellError> {
        guard let metadata = cell["metadata"]?.objectValue else { return .success(fallback) }
        if let initCell = metadata["init_cell"] { return .success(Self.isTruthy(initCell) && !stripInitCells) }
        let hasKeepMetadata = metadata["keep_output"] != nil
        let keepMetadata = metadata["keep_output"].map(Self.isTruthy) ?? false
        let hasKeepTag: Bool
        switch Self.pythonContains(metadata["tags"] ?? .array([]), "keep_output") {
        case .some(let contained): hasKeepTag = contained
        case .none: return .failure(CellError(description: "metadata.tags is \(Self.show(metadata["tags"] ?? .null)), not a list"))
        }
        if hasKeepMetadata && hasKeepTag && !keepMetadata {
            return .failure(CellError(description: "metadata.keep_output is false but the cell is tagged keep_output"))
        }
        return .success(hasKeepMetadata || hasKeepTag ? keepMetadata || hasKeepTag : fallback)
    }

    // MARK: Python semantics nbstripout relies on

    /// Python's `bool(value)`.
    static func isTruthy(_ value: Value) -> Bool {
        switch value {
        case .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .bigInt: return true
        case .string(let s), .date(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object(let o): return !o.isEmpty
        }
    }

    /// Python's `needle in container`; nil where Python raises (a number, bool or None).
    static func pythonContains(_ container: Value, _ needle: String) -> Bool? {
        switch container {
        case .array(let items): return items.contains(.string(needle))
        case .object(let o): return o[needle] != nil
        case .string(let s): return needle.isEmpty || s.contains(needle)
        default: return nil
        }
    }

    /// `str.isspace()`: Unicode whitespace plus the ASCII information separators Python counts.
    static func isPythonWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
    }

    /// nbstripout's `pop_recursive` dry-run: whether popping the `.`-separated `key` would remove
    /// something. A key present literally wins over its dotted reading, as in nbstripout.
    static func wouldPop(_ value: Value, key: String) -> Bool {
        guard case .object(let object) = value else { return false }
        if object[key] != nil { return true }
        guard let dot = key.firstIndex(of: ".") else { return false }
        guard let child = object[String(key[..<dot])] else { return false }
        return wouldPop(child, key: String(key[key.index(after: dot)...]))
    }

    /// nbstripout's `get_size`: the total length of the strings in an output, `len(str(x))` for
    /// other scalars, in code points as Python counts.
    static func size(of value: Value) -> Int {
        switch value {
        case .string(let s), .date(let s): return s.unicodeScalars.count
        case .array(let items): return items.reduce(0) { $0 + size(of: $1) }
        case .object(let o): return o.pairs.reduce(0) { $0 + size(of: $1.value) }
        case .null: return 4
        case .bool(let b): return b ? 4 : 5
        case .int(let i): return String(i).count
        case .bigInt(let digits): return digits.count
        case .double(let d): return PythonFormat.repr(d).count
        }
    }

    /// nbstripout's `match_output_type`: `type` or `type:name`.
    static func matches(_ output: Value, _ spec: String) -> Bool {
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard output["output_type"] == .string(String(parts[0])) else { return false }
        return parts.count == 1 || output["name"] == .string(String(parts[1]))
    }

    static func show(_ value: Value) -> String {
        let text = JSONWriter.python.string(value)
        return text.count > 40 ? String(text.prefix(37)) + "…" : text
    }
}

/// A notebook as nbformat reads it for nbstripout: the parts nbstripout looks at, after the
/// normalisation reading applies, or the reason nbformat/nbstripout would fail on it.
struct Notebook {
    enum Layout: Equatable {
        /// nbformat 4, or no `nbformat` key at all (nbformat reads it as version 1 but nbstripout,
        /// finding no `nbformat` attribute, walks `cells` as for version 4).
        case cells
        /// nbformat 1–3: `worksheets[].cells[]`.
        case worksheets
    }

    struct Cell {
        var object: OrderedObject
        /// (worksheet, cell) indices in the file, for the label and the line.
        var position: (worksheet: Int?, cell: Int)
        var label: String {
            (position.worksheet.map { "worksheets[\($0)]." } ?? "") + "cells[\(position.cell)]"
                + (object["cell_type"]?.stringValue.map { " (\($0))" } ?? "")
        }
    }

    struct Problem: Error {
        var reason: String
        var line: Int?
    }

    var layout: Layout
    var metadata: OrderedObject
    var cells: [Cell]
    /// nbformat ≥ 4.5 gives cells without an id a random one while reading.
    var assignsMissingIDs: Bool

    static func read(_ data: Data) -> Result<Notebook, Problem> {
        // Python opens the file as UTF-8 text, so a byte-order mark reaches json.loads, which refuses it.
        if data.starts(with: [0xEF, 0xBB, 0xBF]) {
            return .failure(Problem(reason: "it starts with a UTF-8 byte-order mark"))
        }
        let value: Value
        do {
            value = try JSONParser.parse(data)
        } catch let error as FormatError {
            return .failure(Problem(reason: "not valid JSON (\(error.reason))", line: error.line))
        } catch {
            return .failure(Problem(reason: "not valid JSON"))
        }
        guard case .object(let root) = value else { return .failure(Problem(reason: "the top level is not a JSON object")) }

        let major: Int?
        switch root["nbformat"] {
        case nil: major = nil
        case .int(let v)? where (1...4).contains(v): major = v
        case let other?: return .failure(Problem(reason: "nbformat \(NotebookOutputsGate.show(other)) is not a version nbformat reads (1–4)"))
        }
        // nbformat's validator asserts the minor version is an int before anything else.
        var minor = 0
        switch root["nbformat_minor"] {
        case nil: break
        case .int(let v)?: minor = v
        case let other?: return .failure(Problem(reason: "nbformat_minor \(NotebookOutputsGate.show(other)) is not a whole number"))
        }
        guard var metadata = root["metadata"]?.objectValue else {
            return .failure(Problem(reason: "it has no metadata object"))
        }
        let v4 = major == 4
        if v4 {
            // nbformat 4's reader drops these transient values before anyone compares anything.
            for key in ["orig_nbformat", "orig_nbformat_minor", "signature"] { metadata[key] = nil }
        }

        var cells: [Cell] = []
        if major == nil || v4 {
            guard let list = root["cells"]?.arrayValue else { return .failure(Problem(reason: "it has no cells list")) }
            for (i, item) in list.enumerated() {
                guard case .object(var cell) = item else { return .failure(Problem(reason: "cells[\(i)] is not an object")) }
                if let problem = checkCellShape(cell, label: "cells[\(i)]", v4: v4) { return .failure(problem) }
                if v4, var cellMetadata = cell["metadata"]?.objectValue {
                    cellMetadata["trusted"] = nil
                    cell["metadata"] = .object(cellMetadata)
                }
                cells.append(Cell(object: cell, position: (nil, i)))
            }
        } else {
            guard let worksheets = root["worksheets"]?.arrayValue else { return .failure(Problem(reason: "it has no worksheets list")) }
            for (w, sheet) in worksheets.enumerated() {
                guard let list = sheet["cells"]?.arrayValue else { return .failure(Problem(reason: "worksheets[\(w)] has no cells list")) }
                for (i, item) in list.enumerated() {
                    let label = "worksheets[\(w)].cells[\(i)]"
                    guard case .object(let cell) = item else { return .failure(Problem(reason: "\(label) is not an object")) }
                    if let problem = checkCellShape(cell, label: label, v4: false) { return .failure(problem) }
                    if (major ?? 0) >= 2 {
                        // nbformat 2/3 readers access cell_type and, for code cells, outputs.
                        guard cell["cell_type"] != nil else { return .failure(Problem(reason: "\(label) has no cell_type")) }
                        if cell["cell_type"] == .string("code"), cell["outputs"] == nil {
                            return .failure(Problem(reason: "\(label) is a code cell without outputs"))
                        }
                    }
                    cells.append(Cell(object: cell, position: (w, i)))
                }
            }
        }
        return .success(Notebook(layout: major == nil || v4 ? .cells : .worksheets, metadata: metadata, cells: cells,
                                 assignsMissingIDs: v4 && minor >= 5))
    }

    /// What nbformat's readers and nbstripout touch unconditionally in a cell; anything else is
    /// left to the comparison, as nbstripout leaves it.
    static func checkCellShape(_ cell: OrderedObject, label: String, v4: Bool) -> Problem? {
        if v4, cell["metadata"]?.objectValue == nil { return Problem(reason: "\(label) has no metadata object") }
        if let metadata = cell["metadata"], metadata.objectValue == nil { return Problem(reason: "\(label).metadata is not an object") }
        if case .array(let lines)? = cell["source"], lines.contains(where: { $0.stringValue == nil }) {
            return Problem(reason: "\(label).source has a line that is not a string")
        }
        if case .array(let outputs)? = cell["outputs"] {
            for (j, output) in outputs.enumerated() where output.objectValue == nil {
                return Problem(reason: "\(label).outputs[\(j)] is not an object")
            }
        } else if cell["outputs"] != nil, cell["cell_type"] == .string("code") {
            return Problem(reason: "\(label).outputs is not a list")
        }
        return nil
    }
}

/// Line numbers of a notebook's cells and metadata, found by skimming the JSON text (already
/// validated by the parser) rather than by keeping positions in every parsed value.
struct NotebookLines {
    private var cellOffsets: [[Int]] = []
    private var newlines: [Int] = []
    private(set) var metadataLine: Int?

    init(data: Data, layout: Notebook.Layout) {
        let bytes = [UInt8](data)
        for (i, b) in bytes.enumerated() where b == 0x0A { newlines.append(i) }
        let skim = JSONSkim(bytes: bytes)
        let root = skim.skipWhitespace(0)
        let members = skim.members(ofObjectAt: root)
        // A repeated key keeps its last value, as Python's json does.
        if let metadata = members.last(where: { $0.key == "metadata" }) { metadataLine = line(at: metadata.start) }
        switch layout {
        case .cells:
            if let cells = members.last(where: { $0.key == "cells" }) { cellOffsets = [skim.elements(ofArrayAt: cells.start)] }
        case .worksheets:
            if let sheets = members.last(where: { $0.key == "worksheets" }) {
                cellOffsets = skim.elements(ofArrayAt: sheets.start).map { sheet in
                    skim.members(ofObjectAt: sheet).last(where: { $0.key == "cells" }).map { skim.elements(ofArrayAt: $0.start) } ?? []
                }
            }
        }
    }

    func line(ofCell position: (worksheet: Int?, cell: Int)) -> Int? {
        let sheet = position.worksheet ?? 0
        guard sheet < cellOffsets.count, position.cell < cellOffsets[sheet].count else { return nil }
        return line(at: cellOffsets[sheet][position.cell])
    }

    /// 1-based line of a byte offset: one plus the newlines before it.
    func line(at offset: Int) -> Int {
        var low = 0, high = newlines.count
        while low < high {
            let mid = (low + high) / 2
            if newlines[mid] < offset { low = mid + 1 } else { high = mid }
        }
        return low + 1
    }
}

/// Walks JSON text structurally without building values: offsets of object members and array
/// elements. Only used on text the parser accepted; stays in bounds on anything else.
struct JSONSkim {
    let bytes: [UInt8]

    func skipWhitespace(_ start: Int) -> Int {
        var i = start
        if i == 0, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        return i
    }

    /// End offset (exclusive) of the string starting at `start` (its opening quote).
    func skipString(_ start: Int) -> Int {
        var i = start + 1
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\") { i += 2; continue }
            if bytes[i] == UInt8(ascii: "\"") { return i + 1 }
            i += 1
        }
        return bytes.count
    }

    /// End offset (exclusive) of the value starting at `start`.
    func skipValue(_ start: Int) -> Int {
        guard start < bytes.count else { return bytes.count }
        switch bytes[start] {
        case UInt8(ascii: "\""):
            return skipString(start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0, i = start
            while i < bytes.count {
                switch bytes[i] {
                case UInt8(ascii: "\""): i = skipString(i); continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return i + 1 }
                default: break
                }
                i += 1
            }
            return bytes.count
        default:
            var i = start
            while i < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), 0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
            return i
        }
    }

    /// Keys (as written, escapes not decoded) and value offsets of the object at `start`.
    func members(ofObjectAt start: Int) -> [(key: String, start: Int)] {
        guard start < bytes.count, bytes[start] == UInt8(ascii: "{") else { return [] }
        var out: [(key: String, start: Int)] = []
        var i = skipWhitespace(start + 1)
        while i < bytes.count, bytes[i] == UInt8(ascii: "\"") {
            let keyEnd = skipString(i)
            let key = String(decoding: bytes[(i + 1)..<max(i + 1, keyEnd - 1)], as: UTF8.self)
            i = skipWhitespace(keyEnd)
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { break }
            let valueStart = skipWhitespace(i + 1)
            out.append((key, valueStart))
            i = skipWhitespace(skipValue(valueStart))
            guard i < bytes.count, bytes[i] == UInt8(ascii: ",") else { break }
            i = skipWhitespace(i + 1)
        }
        return out
    }

    /// Offsets of the elements of the array at `start`.
    func elements(ofArrayAt start: Int) -> [Int] {
        guard start < bytes.count, bytes[start] == UInt8(ascii: "[") else { return [] }
        var out: [Int] = []
        var i = skipWhitespace(start + 1)
        while i < bytes.count, bytes[i] != UInt8(ascii: "]") {
            out.append(i)
            i = skipWhitespace(skipValue(i))
            guard i < bytes.count, bytes[i] == UInt8(ascii: ",") else { break }
            i = skipWhitespace(i + 1)
        }
        return out
    }
}
