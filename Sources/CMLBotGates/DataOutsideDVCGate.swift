import CMLBotCore

/// In a repository that uses DVC, data and model files committed straight to git: the DVC cache and
/// remote exist for them, and a copy in git bloats every clone forever.
///
/// Two lists, two thresholds (sizes in KB of 1024 bytes, rounded up, a finding only strictly above,
/// as `large_files` counts them):
/// - data (`extensions`: csv, parquet, npy, archives, …) above `min_kb`, default 100. Small data files
///   (a fixture, a tiny lookup table) are normal in git.
/// - model artifacts (`model_extensions`: pt, pth, ckpt, onnx, safetensors, h5, pkl, joblib, …) above
///   `model_min_kb`, default 10. A trained artifact is a pipeline output whatever its size, and it
///   changes on every retraining, so it belongs in DVC long before it is big; the 10 KB floor spares the
///   few-byte fixtures tests load. A file in both lists gets the lower threshold.
/// Files DVC tracks (outputs of `.dvc` files and `dvc.lock`, including `cache: false` ones, which DVC
/// deliberately leaves to git) and Git LFS pointers pass. Repositories without DVC are left to
/// `large_files`.
///
/// Scope: added, modified and renamed files (every file with `--all`). Default severity is warning:
/// the biggest files already fail `large_files`, and a file above both limits gets a finding from each.
public struct DataOutsideDVCGate: HygieneGate {
    public static let id = "data_outside_dvc"
    public static let summary = "data files and model artifacts committed to git in a repository that uses DVC"
    public static let defaultSeverity = Severity.warning
    public static let options = [
        GateOption("extensions", "list of data file extensions, replacing the default (csv, tsv, parquet, npy, zip, tar.gz, …); `tar.gz` matches `x.tar.gz`"),
        GateOption("min_kb", "data files above this many KB are flagged (1 KB = 1024 bytes, rounded up); default 100"),
        GateOption("model_extensions", "list of model artifact extensions, replacing the default (pt, pth, ckpt, onnx, safetensors, h5, pkl, joblib, …); [] turns the model check off"),
        GateOption("model_min_kb", "model artifacts above this many KB are flagged; default 10"),
    ]

    public static let defaultExtensions = [
        "csv", "tsv", "jsonl", "ndjson", "parquet", "feather", "arrow", "avro", "orc", "xls", "xlsx",
        "npy", "npz", "mat", "h5", "hdf5", "hdf", "nc", "tfrecord", "tfrecords", "sqlite", "sqlite3", "lmdb",
        "pt", "pth", "ckpt", "onnx", "safetensors", "pkl", "pickle", "joblib", "bin", "gguf", "tflite", "keras", "pb",
        "zip", "tar", "tar.gz", "tgz", "gz", "bz2", "xz", "zst", "7z", "rar",
    ]
    public static let defaultModelExtensions = [
        "pt", "pth", "ckpt", "onnx", "safetensors", "h5", "hdf5", "pkl", "pickle", "joblib", "gguf", "tflite", "keras",
    ]

    public var extensions: Set<String>
    public var minKB: Int
    public var modelExtensions: Set<String>
    public var modelMinKB: Int
    var severity: Severity
    var exclude: [String]

    public init(settings: GateSettings) throws {
        try settings.validate(known: Self.options)
        extensions = try Self.extensionSet(settings, "extensions") ?? Set(Self.defaultExtensions)
        modelExtensions = try Self.extensionSet(settings, "model_extensions") ?? Set(Self.defaultModelExtensions)
        minKB = try settings.int("min_kb") ?? 100
        guard minKB >= 0 else { throw settings.error("min_kb must not be negative") }
        modelMinKB = try settings.int("model_min_kb") ?? 10
        guard modelMinKB >= 0 else { throw settings.error("model_min_kb must not be negative") }
        severity = try settings.severity(default: Self.defaultSeverity)
        exclude = try settings.exclude
    }

    /// `.CSV`, `csv` and `.csv` all mean the same list entry.
    static func extensionSet(_ settings: GateSettings, _ key: String) throws -> Set<String>? {
        guard let list = try settings.strings(key) else { return nil }
        var set = Set<String>()
        for raw in list {
            let ext = (raw.hasPrefix(".") ? String(raw.dropFirst()) : raw).lowercased()
            guard !ext.isEmpty, !ext.contains("/") else { throw settings.error("\(key) entries must be extensions such as csv or tar.gz, not '\(raw)'") }
            set.insert(ext)
        }
        return set
    }

    public func check(_ input: CheckInput) -> [Finding] {
        guard input.usesDVC else { return [] }
        var findings: [Finding] = []
        for file in input.files {
            switch input.scope {
            case .all: break
            default: if file.change == .unchanged { continue }  // what pre-commit passes but the change does not touch
            }
            guard let (isModel, limitKB) = classify(file.path) else { continue }
            let kb = (file.size + 1023) / 1024
            guard kb > limitKB, !PathGlob.matchesAny(exclude, file.path), !input.isTrackedByDVC(file.path) else { continue }
            if file.size <= LFSPointer.maximumSize, let data = input.contents(of: file, limit: LFSPointer.maximumSize), LFSPointer.isPointer(data) { continue }
            let what = isModel ? "a model artifact" : "data"
            let path = ShellWord.quoted(file.path)
            findings.append(Finding(
                gate: Self.id, severity: severity, path: file.path,
                message: "\(file.path) (\(kb) KB) is \(what) committed to git; DVC does not track it",
                hint: "track it with DVC: git rm --cached \(path) && dvc add \(path), then commit \(ShellWord.quoted(file.path + ".dvc")) (or declare it as a stage output in dvc.yaml)"))
        }
        return findings
    }

    /// Whether the file is a model artifact, and its threshold; nil when neither list names it.
    /// Every suffix after a dot counts, so `x.tar.gz` matches `tar.gz` and `gz`.
    func classify(_ path: String) -> (isModel: Bool, limitKB: Int)? {
        let name = RepoPath.fileName(path).lowercased()
        var isModel = false, isData = false
        var index = name.startIndex
        while let dot = name[index...].firstIndex(of: ".") {
            let suffix = String(name[name.index(after: dot)...])
            // A leading dot names a hidden file (`.csv` alone is a file called ".csv" with no extension).
            if dot != name.startIndex, !suffix.isEmpty {
                if modelExtensions.contains(suffix) { isModel = true }
                if extensions.contains(suffix) { isData = true }
            }
            index = name.index(after: dot)
        }
        switch (isModel, isData) {
        case (true, true): return (true, min(modelMinKB, minKB))
        case (true, false): return (true, modelMinKB)
        case (false, true): return (false, minKB)
        case (false, false): return nil
        }
    }
}
