import CMLBotCore
import Foundation

/// One parsed evidence file at one revision, flattened.
public struct EvidenceFile: Equatable, Sendable {
    public var path: String
    public var values: FlatValues

    public init(path: String, values: FlatValues) {
        self.path = path
        self.values = values
    }
}

/// Everything cmlbot read at one revision. Later evidence kinds (data hashes, validation results,
/// plots) are added here as fields of their own.
public struct EvidenceSnapshot: Equatable, Sendable {
    public var revision: String
    public var metrics: [EvidenceFile] = []
    public var params: [EvidenceFile] = []
    public var declarations = DVCDeclarations()
    /// Plot data read by `PlotCollector` (only for commands that draw charts).
    public var plots: [PlotData] = []
    public var diagnostics: [Diagnostic] = []

    public init(revision: String) { self.revision = revision }
}

/// Which files to read, beyond (or instead of) what DVC declares.
public struct EvidenceSelection: Equatable, Sendable {
    /// Repository-relative paths that replace discovery (DVC's `--targets`).
    public var targets: [String]?
    public var extraMetrics: [String] = []
    public var extraParams: [String] = []

    public init(targets: [String]? = nil, extraMetrics: [String] = [], extraParams: [String] = []) {
        self.targets = targets
        self.extraMetrics = extraMetrics
        self.extraParams = extraParams
    }
}

public enum EvidenceCollector {
    public struct Kinds: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let metrics = Kinds(rawValue: 1)
        public static let params = Kinds(rawValue: 2)
        public static let all: Kinds = [.metrics, .params]
    }

    /// Reads the declared (or targeted) metrics and params of one revision. Problems with single
    /// files become diagnostics; only a failure to read the tree itself throws.
    public static func collect(_ tree: FileTree, kinds: Kinds = .all, selection: EvidenceSelection = EvidenceSelection()) throws -> EvidenceSnapshot {
        var snapshot = EvidenceSnapshot(revision: tree.label)
        var diagnostics: [Diagnostic] = []
        let declarations = try DVCProjectReader.read(tree, diagnostics: &diagnostics)
        snapshot.declarations = declarations

        if kinds.contains(.metrics) {
            let declared = selection.targets ?? (declarations.metrics + selection.extraMetrics)
            for path in try expand(declared, in: tree, reportMissing: selection.targets == nil, diagnostics: &diagnostics) {
                if let values = load(path, from: tree, mode: .metrics, diagnostics: &diagnostics) {
                    snapshot.metrics.append(EvidenceFile(path: path, values: values))
                }
            }
        }
        if kinds.contains(.params) {
            var files: [ParamsDeclaration]
            if let targets = selection.targets {
                files = targets.map { ParamsDeclaration(path: $0, keys: nil) }
            } else {
                files = declarations.params
                for extra in selection.extraParams where !files.contains(where: { $0.path == extra }) {
                    files.append(ParamsDeclaration(path: extra, keys: nil))
                }
            }
            var seen = Set<String>()
            for declaration in files {
                guard let entry = try tree.entry(at: declaration.path) else {
                    if selection.targets == nil {
                        diagnostics.append(.warning(path: declaration.path, revision: tree.label, "params file declared in dvc.yaml does not exist"))
                    }
                    continue
                }
                // A directory listed as params expands to its files, each with the same keys (DVC's
                // `try_expand_paths`, as for metrics).
                let paths = entry.kind == .directory ? try tree.filePaths(under: declaration.path) : [declaration.path]
                for path in paths where seen.insert(path).inserted {
                    guard let values = load(path, from: tree, mode: .params, diagnostics: &diagnostics) else { continue }
                    let selected = declaration.keys.map { values.selecting($0) } ?? values
                    snapshot.params.append(EvidenceFile(path: path, values: selected))
                }
            }
        }
        snapshot.metrics.sort { RepoPath.precedes($0.path, $1.path) }
        snapshot.params.sort { RepoPath.precedes($0.path, $1.path) }
        snapshot.diagnostics = diagnostics
        return snapshot
    }

    /// Declared paths to files: directories expand to the files below them (as DVC expands a
    /// directory listed under `metrics:`).
    static func expand(_ paths: [String], in tree: FileTree, reportMissing: Bool, diagnostics: inout [Diagnostic]) throws -> [String] {
        var out: [String] = []
        var seen = Set<String>()
        for path in paths {
            guard let entry = try tree.entry(at: path) else {
                if reportMissing {
                    let hint = tree.label == "workspace"
                        ? "not produced yet? run the pipeline (dvc repro) first"
                        : "not committed to git at this revision (a DVC-cached output? cmlbot reads git only: declare it with cache: false and commit it)"
                    diagnostics.append(.warning(path: path, revision: tree.label, "declared metrics file is missing: \(hint)"))
                }
                continue
            }
            let files = entry.kind == .directory ? try tree.filePaths(under: path) : [path]
            for file in files where seen.insert(file).inserted { out.append(file) }
        }
        return out
    }

    /// Parses one file; nil (with a warning) when it cannot be read, as DVC drops such a file.
    static func load(_ path: String, from tree: FileTree, mode: FlatValues.Mode, diagnostics: inout [Diagnostic]) -> FlatValues? {
        do {
            if let entry = try tree.entry(at: path), entry.size > FormatRegistry.maximumFileSize {
                diagnostics.append(.warning(path: path, revision: tree.label, "skipped: \(entry.size) bytes is larger than the \(FormatRegistry.maximumFileSize / 1_048_576) MiB limit for metrics and params files"))
                return nil
            }
            let data = try tree.readFile(path)
            let format = FormatRegistry.format(forPath: path)
            let value = try format.parse(data)
            return FlatValues.flatten(value, mode: mode, path: path, revision: tree.label, diagnostics: &diagnostics)
        } catch {
            diagnostics.append(.warning(path: path, revision: tree.label, "cannot parse: \(error); treated as missing at this revision"))
            return nil
        }
    }
}
