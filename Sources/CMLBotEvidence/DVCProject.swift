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

    /// Reads every `dvc.yaml` in `tree` (skipping unreadable ones with a warning).
    public static func read(_ tree: FileTree, diagnostics: inout [Diagnostic]) throws -> DVCDeclarations {
        var result = DVCDeclarations()
        let dvcFiles = try tree.filePaths(under: "").filter { RepoPath.fileName($0) == "dvc.yaml" }
        var metrics = Set<String>()
        var params: [String: Set<String>?] = [:]

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
            var context = TemplateContext(tree: tree, directory: dir, document: root)
            // Top-level metrics: and params: (paths relative to the dvc.yaml's folder, whole files).
            for entry in root["metrics"]?.arrayValue ?? [] {
                if let path = pathEntry(entry, context: &context, dvcFile: dvcFile, tree: tree, diagnostics: &diagnostics),
                   let joined = RepoPath.join(dir, path) { metrics.insert(joined) }
            }
            for entry in root["params"]?.arrayValue ?? [] {
                if let path = pathEntry(entry, context: &context, dvcFile: dvcFile, tree: tree, diagnostics: &diagnostics),
                   let joined = RepoPath.join(dir, path) { addParams(joined, nil) }
            }
            for (name, stageValue) in root["stages"]?.objectValue?.pairs ?? [] {
                guard let stage = stageValue.objectValue else { continue }
                for (stageBody, bindings) in expand(stage: stage, name: name, context: &context, dvcFile: dvcFile, tree: tree, diagnostics: &diagnostics) {
                    var scoped = context
                    scoped.bindings = bindings
                    var wdir = dir
                    if let w = stageBody["wdir"]?.stringValue, let resolved = scoped.interpolate(w), let joined = RepoPath.join(dir, resolved) {
                        wdir = joined
                    }
                    for entry in stageBody["metrics"]?.arrayValue ?? [] {
                        if let path = pathEntry(entry, context: &scoped, dvcFile: dvcFile, tree: tree, diagnostics: &diagnostics),
                           let joined = RepoPath.join(wdir, path) { metrics.insert(joined) }
                    }
                    for entry in stageBody["params"]?.arrayValue ?? [] {
                        switch entry {
                        case .string(let key):
                            // A bare key refers to the default params file in the stage's working dir.
                            if let file = RepoPath.join(wdir, defaultParamsFile), let k = scoped.interpolate(key) { addParams(file, [k]) }
                        case .object(let files):
                            for (file, keysValue) in files.pairs {
                                guard let fileName = scoped.interpolate(file), let joined = RepoPath.join(wdir, fileName) else { continue }
                                var keys: [String] = []
                                for k in keysValue.arrayValue ?? [] {
                                    if let text = k.stringValue, let resolved = scoped.interpolate(text) { keys.append(resolved) }
                                }
                                // `- file.yaml:` with no keys (or an empty list) tracks the whole file.
                                addParams(joined, keys.isEmpty ? nil : keys)
                            }
                        default:
                            break
                        }
                    }
                }
            }
        }
        if try tree.entry(at: defaultParamsFile)?.kind == .file {
            params[defaultParamsFile] = .some(nil)
        }
        result.metrics = metrics.sorted(by: RepoPath.precedes)
        result.params = params.keys.sorted(by: RepoPath.precedes).map { file in
            ParamsDeclaration(path: file, keys: params[file]!.map { $0.sorted(by: RepoPath.precedes) })
        }
        return result
    }

    /// A `metrics:`/`params:` entry: `path` or `{path: {cache: false, ...}}`.
    private static func pathEntry(_ entry: Value, context: inout TemplateContext, dvcFile: String, tree: FileTree, diagnostics: inout [Diagnostic]) -> String? {
        let raw: String?
        switch entry {
        case .string(let s): raw = s
        case .object(let o): raw = o.keys.first
        default: raw = nil
        }
        guard let raw else { return nil }
        guard let resolved = context.interpolate(raw) else {
            diagnostics.append(.warning(path: dvcFile, revision: tree.label, "cannot resolve '\(raw)' (unknown template variable); entry skipped"))
            return nil
        }
        return resolved
    }

    /// A stage, or the stages a `foreach:`/`matrix:` generates, each with its template bindings.
    private static func expand(stage: OrderedObject, name: String, context: inout TemplateContext, dvcFile: String,
                               tree: FileTree, diagnostics: inout [Diagnostic]) -> [(OrderedObject, [String: Value])] {
        if let foreach = stage["foreach"], let body = stage["do"]?.objectValue {
            var items = foreach
            if case .string(let ref) = foreach, let value = context.lookupExpression(ref) { items = value }
            switch items {
            case .array(let list):
                return list.map { (body, ["item": $0]) }
            case .object(let dict):
                return dict.pairs.map { (body, ["item": $0.value, "key": .string($0.key)]) }
            default:
                diagnostics.append(.warning(path: dvcFile, revision: tree.label, "stage '\(name)': cannot expand foreach; stage skipped"))
                return []
            }
        }
        if let matrix = stage["matrix"]?.objectValue {
            var combos: [[String: Value]] = [[:]]
            for (axis, values) in matrix.pairs {
                var list = values.arrayValue
                if list == nil, case .string(let ref) = values { list = context.lookupExpression(ref)?.arrayValue }
                guard let list else { return [] }
                combos = combos.flatMap { combo in list.map { var c = combo; c[axis] = $0; return c } }
            }
            var body = stage
            body["matrix"] = nil
            return combos.map { (body, ["item": .object(OrderedObject($0.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))]) }
        }
        return [(stage, [:])]
    }
}

/// DVC's `${...}` templating, enough for paths and param keys: `vars:` (inline mappings and files),
/// the default `params.yaml` next to the dvc.yaml, and `item`/`key` in foreach/matrix stages.
struct TemplateContext {
    let tree: FileTree
    let directory: String
    var globals = OrderedObject()
    var bindings: [String: Value] = [:]
    private var loaded = false
    let document: OrderedObject

    init(tree: FileTree, directory: String, document: OrderedObject) {
        self.tree = tree
        self.directory = directory
        self.document = document
    }

    private mutating func loadGlobals() {
        guard !loaded else { return }
        loaded = true
        var sources: [Value] = []
        if let path = RepoPath.join(directory, DVCProjectReader.defaultParamsFile),
           let data = try? tree.readFile(path), let value = try? YAMLLoader.parse(data) { sources.append(value) }
        for entry in document["vars"]?.arrayValue ?? [] {
            switch entry {
            case .object: sources.append(entry)
            case .string(let file):
                // `file.yaml` or `file.yaml:key1,key2`
                let name = String(file.split(separator: ":", maxSplits: 1).first ?? "")
                if let path = RepoPath.join(directory, name), let data = try? tree.readFile(path),
                   let value = try? FormatRegistry.format(forPath: path).parse(data) { sources.append(value) }
            default: break
            }
        }
        for source in sources {
            for (k, v) in source.objectValue?.pairs ?? [] { globals[k] = v }
        }
    }

    /// `${a.b}` as a value (for `foreach: ${list}`), or nil.
    mutating func lookupExpression(_ text: String) -> Value? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("${"), trimmed.hasSuffix("}") else { return nil }
        return lookup(String(trimmed.dropFirst(2).dropLast()).trimmingCharacters(in: .whitespaces))
    }

    mutating func lookup(_ dotted: String) -> Value? {
        let parts = dotted.split(separator: ".").map(String.init)
        guard let head = parts.first else { return nil }
        var value: Value?
        if let bound = bindings[head] { value = bound } else { loadGlobals(); value = globals[head] }
        for part in parts.dropFirst() {
            if let o = value?.objectValue { value = o[part] }
            else if let a = value?.arrayValue, let i = Int(part), a.indices.contains(i) { value = a[i] }
            else { return nil }
        }
        return value
    }

    /// Replaces every `${expr}` in `text`; nil when one cannot be resolved.
    mutating func interpolate(_ text: String) -> String? {
        guard text.contains("${") else { return text }
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { return nil }
            let expr = rest[open.upperBound..<close].trimmingCharacters(in: .whitespaces)
            guard let value = lookup(expr), value.isScalar else { return nil }
            out += PythonFormat.str(value)
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}
