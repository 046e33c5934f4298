import CMLBotCore
import Foundation

/// What one revision's DVC files declare: which files are metrics, which params (and keys) stages
/// depend on, which are plots. Read from every `dvc.yaml` in the tree, as DVC 3 collects them.
public struct DVCDeclarations: Equatable, Sendable {
    /// Repository-relative paths of declared metrics files or directories, sorted, unique.
    public var metrics: [String] = []
    /// Params files with the keys stages track (nil: the whole file).
    public var params: [ParamsDeclaration] = []
    /// Repository-relative `dvc.yaml` files that were read.
    public var dvcFiles: [String] = []
    /// Plots (top-level `plots:` and stage `plots:` outs), in file order.
    public var plots: [PlotDeclaration] = []

    public init() {}
}

public struct ParamsDeclaration: Equatable, Sendable {
    public var path: String
    /// Tracked keys, or nil when the whole file counts (top-level `params:`, the default `params.yaml`).
    public var keys: [String]?

    public init(path: String, keys: [String]?) {
        self.path = path
        self.keys = keys
    }
}

public enum DVCProjectReader {
    /// DVC's default params file, shown whole by `dvc params diff` even when stages track only some keys.
    public static let defaultParamsFile = "params.yaml"
    /// A `matrix:` multiplies its axes; past this many generated stages the stage is skipped with a
    /// warning instead of exhausting memory on a hostile dvc.yaml.
    public static let maximumGeneratedStages = 10_000

    /// Reads every `dvc.yaml` in `tree` (skipping unreadable ones with a warning).
    public static func read(_ tree: FileTree, diagnostics: inout [Diagnostic]) throws -> DVCDeclarations {
        var result = DVCDeclarations()
        let dvcFiles = try tree.filePaths(under: "").filter { RepoPath.fileName($0) == "dvc.yaml" }
        var metrics = Set<String>()
        var params: [String: Set<String>?] = [:]
        var trackedVars: [String: Set<String>] = [:]

        // DVC's `_merge_params`: a file listed anywhere without keys is tracked whole, and then
        // keys listed for it elsewhere add nothing.
        func addParams(_ file: String, _ keys: [String]?) {
            if let keys, case .some(.some(var existing)) = params[file] {
                existing.formUnion(keys)
                params[file] = existing
            } else if let keys, params[file] == nil {
                params[file] = Set(keys)
            } else if keys == nil {
                params[file] = .some(nil)
            }
        }

        for dvcFile in dvcFiles {
            let dir = RepoPath.parent(dvcFile)
            let document: Value
            do {
                document = try YAMLLoader.parse(try tree.readFile(dvcFile))
            } catch {
                diagnostics.append(.warning(path: dvcFile, revision: tree.label, "cannot read DVC pipeline: \(error); its metrics and params are skipped"))
                continue
            }
            guard let root = document.objectValue else {
                if document != .null {
                    diagnostics.append(.warning(path: dvcFile, revision: tree.label, "not a DVC pipeline file (expected a mapping with stages:)"))
                }
                continue
            }
            result.dvcFiles.append(dvcFile)
            var reader = PipelineReader(tree: tree, dvcFile: dvcFile, directory: dir, root: root)
            // Top-level metrics: and params: (paths relative to the dvc.yaml's folder, whole files).
            for entry in root["metrics"]?.arrayValue ?? [] {
                if let path = reader.topLevelPath(entry, in: dir) { metrics.insert(path) }
            }
            for entry in root["params"]?.arrayValue ?? [] {
                if let path = reader.topLevelPath(entry, in: dir) { addParams(path, nil) }
            }
            for entry in root["plots"]?.arrayValue ?? [] {
                var own = reader.context
                var warnings: [String] = []
                if let plot = PlotDeclarationParser.parse(entry, directory: dir, resolve: { own.interpolate($0) }, warn: { warnings.append($0) }) {
                    result.plots.append(plot)
                }
                for w in warnings { reader.warn(w) }
            }
            for (name, stageValue) in root["stages"]?.objectValue?.pairs ?? [] {
                guard let stage = stageValue.objectValue else { continue }
                for (body, bindings, origins) in reader.expand(stage: stage, name: name) {
                    var scoped = reader.context
                    scoped.bindings = bindings
                    scoped.bindingOrigins = origins
                    // DVC records which file-backed variables a stage interpolates ("tracked vars").
                    scoped.tracking = true
                    defer {
                        for (file, keys) in scoped.tracked { trackedVars[file, default: []].formUnion(keys) }
                    }
                    // As DVC: wdir is resolved first, then the stage's own vars are loaded from it.
                    var wdir = dir
                    if let w = body["wdir"]?.stringValue {
                        guard let resolved = scoped.interpolate(w) else {
                            reader.warn("stage '\(name)': cannot resolve wdir '\(w)' (unknown template variable); stage skipped")
                            continue
                        }
                        guard let joined = RepoPath.join(dir, resolved) else {
                            reader.warn("stage '\(name)': wdir '\(resolved)' points outside the repository; stage skipped")
                            continue
                        }
                        wdir = joined
                    }
                    if let vars = body["vars"]?.arrayValue { scoped.addVars(vars, relativeTo: wdir) }
                    for entry in body["metrics"]?.arrayValue ?? [] {
                        if let path = reader.path(entry, in: wdir, context: &scoped) { metrics.insert(path) }
                    }
                    for entry in body["plots"]?.arrayValue ?? [] {
                        var warnings: [String] = []
                        if let plot = PlotDeclarationParser.parse(entry, directory: wdir, resolve: { scoped.interpolate($0) }, warn: { warnings.append($0) }) {
                            result.plots.append(plot)
                        }
                        for w in warnings { reader.warn(w) }
                    }
                    for entry in body["params"]?.arrayValue ?? [] {
                        switch entry {
                        case .string(let key):
                            // A bare key refers to the default params file in the stage's working dir.
                            guard let k = reader.resolve(key, context: &scoped), let file = RepoPath.join(wdir, defaultParamsFile) else { continue }
                            addParams(file, [k])
                        case .object(let files):
                            for (file, keysValue) in files.pairs {
                                guard let joined = reader.path(.string(file), in: wdir, context: &scoped) else { continue }
                                guard keysValue == .null || keysValue.arrayValue != nil else {
                                    reader.warn("stage '\(name)': params of '\(file)' must be a list of keys; entry skipped")
                                    continue
                                }
                                let listed = keysValue.arrayValue ?? []
                                if listed.isEmpty {
                                    // `- file.yaml:` with no keys (null or an empty list) tracks the
                                    // whole file: DVC's `_merge_params` treats any falsy key list so.
                                    addParams(joined, nil)
                                    continue
                                }
                                var keys: [String] = []
                                for k in listed {
                                    if let text = k.stringValue, let resolved = reader.resolve(text, context: &scoped) { keys.append(resolved) }
                                }
                                if !keys.isEmpty { addParams(joined, keys) }
                            }
                        default:
                            break
                        }
                    }
                    // The rest of the stage (cmd, deps, outs, ...) only matters for tracked vars.
                    for (key, value) in body.pairs where !["metrics", "params", "wdir", "vars"].contains(key) {
                        scoped.interpolateAll(value)
                    }
                }
            }
            diagnostics += reader.diagnostics
        }
        if try tree.entry(at: defaultParamsFile)?.kind == .file {
            params[defaultParamsFile] = .some(nil)
        }
        // `dvc params diff` also shows the variables stages interpolate from vars files (and from a
        // params.yaml below the root), keyed by their dotted path, unless the file is listed already.
        for (file, keys) in trackedVars where params[file] == nil && !keys.isEmpty {
            params[file] = .some(keys)
        }
        result.metrics = metrics.sorted(by: RepoPath.precedes)
        result.params = params.sorted { RepoPath.precedes($0.key, $1.key) }.map { file, keys in
            ParamsDeclaration(path: file, keys: keys.map { $0.sorted(by: RepoPath.precedes) })
        }
        return result
    }
}

/// One dvc.yaml being read: its template context and the warnings it produced.
private struct PipelineReader {
    let tree: FileTree
    let dvcFile: String
    var context: TemplateContext
    var diagnostics: [Diagnostic] = []

    init(tree: FileTree, dvcFile: String, directory: String, root: OrderedObject) {
        self.tree = tree
        self.dvcFile = dvcFile
        context = TemplateContext(tree: tree, directory: directory, document: root)
        // Load params.yaml and vars once here, not again in every stage's copy of the context.
        context.loadGlobals()
    }

    mutating func warn(_ message: String) {
        diagnostics.append(.warning(path: dvcFile, revision: tree.label, message))
    }

    /// `text` with its `${...}` resolved, or nil with a warning.
    mutating func resolve(_ text: String, context: inout TemplateContext) -> String? {
        guard let resolved = context.interpolate(text) else {
            warn("cannot resolve '\(text)' (unknown template variable, or not a string, number or bool); entry skipped")
            return nil
        }
        return resolved
    }

    /// A `metrics:`/`params:` entry (`path` or `{path: {cache: false, ...}}`) as a repository path.
    mutating func path(_ entry: Value, in directory: String, context: inout TemplateContext) -> String? {
        let raw: String?
        switch entry {
        case .string(let s): raw = s
        case .object(let o): raw = o.keys.first
        default: raw = nil
        }
        guard let raw, let resolved = resolve(raw, context: &context) else { return nil }
        guard let joined = RepoPath.join(directory, resolved), !joined.isEmpty else {
            warn("'\(resolved)' points outside the repository; entry skipped")
            return nil
        }
        return joined
    }

    /// `path(_:in:context:)` with the file's own (top-level) context.
    mutating func topLevelPath(_ entry: Value, in directory: String) -> String? {
        var own = context
        defer { context = own }
        return path(entry, in: directory, context: &own)
    }

    /// A stage, or the stages a `foreach:`/`matrix:` generates, each with its template bindings and
    /// where bound values came from (a `foreach: ${models}` item is `models.<key>` of its file).
    mutating func expand(stage: OrderedObject, name: String) -> [(OrderedObject, [String: Value], [String: TemplateContext.Origin])] {
        if let foreach = stage["foreach"] {
            guard let body = stage["do"]?.objectValue else {
                warn("stage '\(name)': foreach without a do: mapping; stage skipped")
                return []
            }
            var items = foreach
            var origin: TemplateContext.Origin?
            if case .string(let ref) = foreach {
                guard let (value, source) = context.lookupExpression(ref) else {
                    warn("stage '\(name)': cannot resolve foreach '\(ref)'; stage skipped")
                    return []
                }
                items = value
                origin = source
            }
            switch items {
            case .array(let list):
                return list.enumerated().map { index, item in
                    (body, ["item": item], origin.map { ["item": $0.appending(String(index))] } ?? [:])
                }
            case .object(let dict):
                return dict.pairs.map { pair in
                    (body, ["item": pair.value, "key": .string(pair.key)], origin.map { ["item": $0.appending(pair.key)] } ?? [:])
                }
            default:
                warn("stage '\(name)': foreach needs a list or a mapping; stage skipped")
                return []
            }
        }
        if let matrix = stage["matrix"]?.objectValue {
            // DVC: `item` maps each axis to its value; `key` is the generated name's suffix, the
            // values joined by "-" (a list or mapping value shows as axis name + index).
            var combos: [(item: OrderedObject, key: [String], origins: [String: TemplateContext.Origin])] = [(OrderedObject(), [], [:])]
            for (axis, values) in matrix.pairs {
                var list = values.arrayValue
                var origin: TemplateContext.Origin?
                if list == nil, case .string(let ref) = values, let (value, source) = context.lookupExpression(ref) {
                    list = value.arrayValue
                    origin = source
                }
                guard let list else {
                    warn("stage '\(name)': matrix axis '\(axis)' is not a list; stage skipped")
                    return []
                }
                guard combos.count * list.count <= DVCProjectReader.maximumGeneratedStages else {
                    warn("stage '\(name)': matrix generates more than \(DVCProjectReader.maximumGeneratedStages) stages; stage skipped")
                    return []
                }
                combos = combos.flatMap { combo in
                    list.enumerated().map { index, value in
                        var item = combo.item
                        item[axis] = value
                        var origins = combo.origins
                        if let origin { origins["item." + axis] = origin.appending(String(index)) }
                        let fragment = value.isScalar ? TemplateContext.text(value) ?? "" : "\(axis)\(index)"
                        return (item, combo.key + [fragment], origins)
                    }
                }
            }
            var body = stage
            body["matrix"] = nil
            return combos.map { (body, ["item": .object($0.item), "key": .string($0.key.joined(separator: "-"))], $0.origins) }
        }
        return [(stage, [:], [:])]
    }
}

/// DVC's `${...}` templating, enough for paths and param keys: `vars:` (inline mappings and files),
/// the default `params.yaml` next to the dvc.yaml, and `item`/`key` in foreach/matrix stages. It
/// also records which file-backed values a stage uses, as DVC's `Context.track()` does.
struct TemplateContext {
    /// Where a value lives: a file and the dotted path inside it.
    struct Origin: Equatable {
        var file: String
        var path: [String]
        func appending(_ part: String) -> Origin { Origin(file: file, path: path + [part]) }
    }

    let tree: FileTree
    let directory: String
    var globals = OrderedObject()
    /// The file each top-level variable came from; inline `vars:` mappings have none.
    var globalOrigins: [String: String] = [:]
    var bindings: [String: Value] = [:]
    /// Origins of bound values, by dotted prefix (`item`, or `item.<axis>` in a matrix).
    var bindingOrigins: [String: Origin] = [:]
    var tracking = false
    /// File → dotted keys interpolated while `tracking`.
    var tracked: [String: Set<String>] = [:]
    private var loaded = false
    let document: OrderedObject

    init(tree: FileTree, directory: String, document: OrderedObject) {
        self.tree = tree
        self.directory = directory
        self.document = document
    }

    mutating func loadGlobals() {
        guard !loaded else { return }
        loaded = true
        if let path = RepoPath.join(directory, DVCProjectReader.defaultParamsFile),
           let data = try? tree.readFile(path), let value = try? YAMLLoader.parse(data) {
            merge(value, from: path)
        }
        addVars(document["vars"]?.arrayValue ?? [], relativeTo: directory)
    }

    /// A `vars:` list: inline mappings, `file.yaml`, or `file.yaml:key1,key2` (those top-level keys
    /// only), files relative to `directory`.
    mutating func addVars(_ entries: [Value], relativeTo directory: String) {
        loadGlobals()
        for entry in entries {
            switch entry {
            case .object:
                merge(entry, from: nil)
            case .string(let spec):
                let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
                guard let name = parts.first, let path = RepoPath.join(directory, name),
                      let data = try? tree.readFile(path), let value = try? FormatRegistry.format(forPath: path).parse(data),
                      let object = value.objectValue else { continue }
                if parts.count == 2 {
                    let keys = parts[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    merge(.object(OrderedObject(keys.compactMap { key in object[key].map { (key, $0) } })), from: path)
                } else {
                    merge(value, from: path)
                }
            default:
                break
            }
        }
    }

    private mutating func merge(_ value: Value, from file: String?) {
        for (k, v) in value.objectValue?.pairs ?? [] {
            globals[k] = v
            globalOrigins[k] = file
        }
    }

    /// `${a.b}` as a value and its origin (for `foreach: ${list}`), or nil. Not tracked: DVC
    /// resolves foreach and matrix data outside its tracking.
    mutating func lookupExpression(_ text: String) -> (Value, Origin?)? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("${"), trimmed.hasSuffix("}") else { return nil }
        return resolve(String(trimmed.dropFirst(2).dropLast()).trimmingCharacters(in: .whitespaces))
    }

    /// `a.b.0` or `a.b[0]` (DVC normalises brackets to dots), with where the value came from.
    mutating func resolve(_ expression: String) -> (Value, Origin?)? {
        let dotted = expression.replacingOccurrences(of: "[", with: ".").replacingOccurrences(of: "]", with: "")
        let parts = dotted.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let head = parts.first, !head.isEmpty else { return nil }
        var value: Value?
        var origin: Origin?
        if let bound = bindings[head] {
            value = bound
            // The longest bound prefix with a known origin (`item.model` before `item`).
            for length in stride(from: parts.count, through: 1, by: -1) {
                if let o = bindingOrigins[parts.prefix(length).joined(separator: ".")] {
                    origin = Origin(file: o.file, path: o.path + parts.dropFirst(length))
                    break
                }
            }
        } else {
            loadGlobals()
            value = globals[head]
            origin = globalOrigins[head].map { Origin(file: $0, path: parts) }
        }
        for part in parts.dropFirst() {
            if let o = value?.objectValue { value = o[part] }
            else if let a = value?.arrayValue, let i = Int(part), a.indices.contains(i) { value = a[i] }
            else { return nil }
        }
        guard let value else { return nil }
        return (value, origin)
    }

    /// Replaces every `${expr}` in `text`; nil when one cannot be resolved or is a list or mapping
    /// (DVC: "Cannot interpolate data of type"). `\${` stays a literal `${`.
    mutating func interpolate(_ text: String) -> String? {
        guard text.contains("${") else { return text }
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            if open.lowerBound > rest.startIndex, rest[rest.index(before: open.lowerBound)] == "\\" {
                out += rest[..<rest.index(before: open.lowerBound)] + "${"
                rest = rest[open.upperBound...]
                continue
            }
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { return nil }
            let expr = rest[open.upperBound..<close].trimmingCharacters(in: .whitespaces)
            guard let (value, origin) = resolve(expr) else { return nil }
            // DVC tracks values and lists it interpolates, not mappings (those have no single source).
            guard let piece = Self.text(value) else { return nil }
            if tracking, let origin {
                tracked[origin.file, default: []].insert(origin.path.joined(separator: "."))
            }
            out += piece
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// Interpolates every string in `value`, for tracking only.
    mutating func interpolateAll(_ value: Value) {
        switch value {
        case .string(let s): _ = interpolate(s)
        case .array(let items): for item in items { interpolateAll(item) }
        case .object(let o): for (k, v) in o.pairs { _ = interpolate(k); interpolateAll(v) }
        default: break
        }
    }

    /// DVC's `to_str`: `str()` of the value, except that bools print as `true`/`false`.
    static func text(_ value: Value) -> String? {
        switch value {
        case .bool(let b): return b ? "true" : "false"
        case .array, .object: return nil
        default: return PythonFormat.str(value)
        }
    }
}
