import CMLBotCore
import CMLBotEvidence
import Foundation
import Testing
import TestSupport
@testable import CMLBotGates

@Suite struct DataOutsideDVCGateTests {
    static let kb = 1024

    /// Files of the given sizes (zero bytes unless `contents` says otherwise) in a repository that
    /// uses DVC unless `dvc` is false.
    static func input(_ files: [(String, Int)], changes: [String: CandidateFile.Change] = [:], scope: CheckInput.Scope = .staged,
                      contents: [String: String] = [:], tracked: Set<String> = [], dvc: Bool = true) -> CheckInput {
        var data: [String: Data] = [:]
        for (path, size) in files { data[path] = contents[path].map { Data($0.utf8) } ?? Data(count: size) }
        let candidates = files.map { CandidateFile(path: $0.0, size: Int64(data[$0.0]?.count ?? 0), change: changes[$0.0] ?? .added) }
        var allPaths = Set(data.keys)
        if dvc { allPaths.insert(".dvc/config") }
        return CheckInput(scope: scope, files: candidates, tree: InMemoryFileTree(data: data), allPaths: allPaths, dvcTrackedPaths: tracked)
    }

    static func gate(_ values: [(String, Value)] = []) throws -> DataOutsideDVCGate {
        try DataOutsideDVCGate(settings: GateSettings(gate: "data_outside_dvc", values: OrderedObject(values)))
    }

    static func flagged(_ files: [(String, Int)], _ values: [(String, Value)] = [], dvc: Bool = true) throws -> [String] {
        try gate(values).check(input(files, dvc: dvc)).compactMap(\.path)
    }

    @Test func dataAboveMinKBAndModelsAboveModelMinKB() throws {
        let flagged = try Self.flagged([
            ("data/exact.csv", 100 * Self.kb),          // 100 KB: allowed, as large_files counts
            ("data/over.csv", 100 * Self.kb + 1),       // rounds up to 101 KB
            ("data/small.parquet", 50 * Self.kb),
            ("data/big.parquet", 3_000 * Self.kb),
            ("data/shards.tar.gz", 200 * Self.kb),
            ("data/UPPER.CSV", 200 * Self.kb),
            ("models/tiny.pt", 10 * Self.kb),           // a test fixture's size
            ("models/model.pt", 10 * Self.kb + 1),
            ("models/clf.joblib", 40 * Self.kb),
            ("models/encoder.onnx", 900 * Self.kb),
            ("notes/long.txt", 900 * Self.kb),          // not data by extension
            ("src/train.py", 300 * Self.kb),
            (".csv", 300 * Self.kb),                    // a hidden file named ".csv" has no extension
        ])
        #expect(flagged == ["data/over.csv", "data/big.parquet", "data/shards.tar.gz", "data/UPPER.CSV", "models/model.pt", "models/clf.joblib", "models/encoder.onnx"])
    }

    @Test func repositoriesWithoutDVCAreLeftToLargeFiles() throws {
        #expect(try Self.flagged([("data/big.csv", 5_000 * Self.kb), ("model.pt", 900 * Self.kb)], dvc: false).isEmpty)
    }

    @Test(arguments: ["dvc.yaml", "pipelines/train/dvc.yaml", "data/raw.dvc", ".dvc/config"])
    func anyDVCFileMeansTheRepositoryUsesDVC(_ marker: String) throws {
        let files = [(marker, 10), ("data/big.csv", 500 * Self.kb)]
        var input = Self.input(files, dvc: false)
        #expect(input.usesDVC)
        input.allPaths.remove(marker)
        #expect(!input.usesDVC)
        #expect(try Self.gate().check(Self.input(files, dvc: false)).map(\.path) == ["data/big.csv"])
    }

    @Test func messageAndHintSayWhatAndHow() throws {
        let findings = try Self.gate().check(Self.input([("data/train set.csv", 250 * Self.kb), ("models/model.pt", 64 * Self.kb)]))
        #expect(findings.map(\.message) == [
            "data/train set.csv (250 KB) is data committed to git; DVC does not track it",
            "models/model.pt (64 KB) is a model artifact committed to git; DVC does not track it",
        ])
        #expect(findings.map(\.hint) == [
            "track it with DVC: git rm --cached 'data/train set.csv' && dvc add 'data/train set.csv', then commit 'data/train set.csv.dvc' (or declare it as a stage output in dvc.yaml)",
            "track it with DVC: git rm --cached models/model.pt && dvc add models/model.pt, then commit models/model.pt.dvc (or declare it as a stage output in dvc.yaml)",
        ])
        #expect(findings.allSatisfy { $0.gate == "data_outside_dvc" && $0.severity == .warning && $0.line == nil })
    }

    @Test func dvcTrackedFilesAndDirectoriesAndLFSPointersPass() throws {
        let pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 734003200\n"
        let input = Self.input([
            ("data/raw/part-0.csv", 500 * Self.kb),     // inside a DVC-tracked directory
            ("data/features.parquet", 500 * Self.kb),   // a tracked file (e.g. a cache: false output)
            ("models/weights.safetensors", 0),          // LFS pointer
            ("models/other.pt", 500 * Self.kb),
        ], contents: ["models/weights.safetensors": pointer], tracked: ["data/raw/", "data/features.parquet"])
        #expect(try Self.gate([("model_min_kb", .int(0))]).check(input).map(\.path) == ["models/other.pt"])
    }

    @Test func extensionListsAndThresholdsAreConfigurable() throws {
        let files = [("a.csv", 50 * Self.kb), ("b.json", 50 * Self.kb), ("c.tar.gz", 50 * Self.kb), ("d.gz", 50 * Self.kb), ("m.pt", 50 * Self.kb), ("n.h5", 50 * Self.kb)]
        // Replacing the data list; `.JSON` and `json` are the same entry; a model file in neither list is still a model.
        #expect(try Self.flagged(files, [("extensions", .array([.string(".JSON"), .string("tar.gz")])), ("min_kb", .int(10))]) == ["b.json", "c.tar.gz", "m.pt", "n.h5"])
        // An empty model list turns the model check off; the data list still names pt and h5.
        #expect(try Self.flagged(files, [("model_extensions", .array([]))]).isEmpty)
        #expect(try Self.flagged(files, [("model_extensions", .array([])), ("min_kb", .int(49))]) == ["a.csv", "c.tar.gz", "d.gz", "m.pt", "n.h5"])
        #expect(try Self.flagged(files, [("model_min_kb", .int(100))]).isEmpty)
        #expect(try Self.flagged(files, [("min_kb", .int(0)), ("model_min_kb", .int(100))]) == ["a.csv", "c.tar.gz", "d.gz", "m.pt", "n.h5"])
    }

    @Test func scopeCoversChangedFilesOrEverythingWithAll() throws {
        let files = [("added.csv", 200 * Self.kb), ("modified.csv", 200 * Self.kb), ("renamed.csv", 200 * Self.kb), ("unchanged.csv", 200 * Self.kb)]
        let changes: [String: CandidateFile.Change] = ["modified.csv": .modified, "renamed.csv": .renamed, "unchanged.csv": .unchanged]
        #expect(try Self.gate().check(Self.input(files, changes: changes)).map(\.path) == ["added.csv", "modified.csv", "renamed.csv"])
        #expect(try Self.gate().check(Self.input(files, changes: changes, scope: .range(base: "main", head: "HEAD"))).count == 3)
        #expect(try Self.gate().check(Self.input(files, changes: changes, scope: .all(revision: "HEAD"))).count == 4)
    }

    @Test func excludeAndSeverity() throws {
        let files = [("fixtures/golden.csv", 200 * Self.kb), ("data/x.csv", 200 * Self.kb)]
        let findings = try Self.gate([("exclude", .array([.string("fixtures/*")])), ("severity", .string("error"))]).check(Self.input(files))
        #expect(findings.map(\.path) == ["data/x.csv"])
        #expect(findings.first?.severity == .error)
    }

    @Test func settingsAreValidated() throws {
        func error(_ detail: String) -> ConfigError { ConfigError(path: ".cmlbot.yml", detail: "gates.data_outside_dvc: \(detail)") }
        #expect(throws: error("unknown key 'min_kbs'; did you mean 'min_kb'?")) { try Self.gate([("min_kbs", .int(1))]) }
        #expect(throws: error("min_kb must not be negative")) { try Self.gate([("min_kb", .int(-1))]) }
        #expect(throws: error("model_min_kb must not be negative")) { try Self.gate([("model_min_kb", .int(-5))]) }
        #expect(throws: error("min_kb must be a whole number")) { try Self.gate([("min_kb", .string("big"))]) }
        #expect(throws: error("extensions must be a list of strings")) { try Self.gate([("extensions", .string("csv"))]) }
        #expect(throws: error("extensions entries must be extensions such as csv or tar.gz, not 'data/x.csv'")) {
            try Self.gate([("extensions", .array([.string("data/x.csv")]))])
        }
        #expect(throws: error("model_extensions entries must be extensions such as csv or tar.gz, not '.'")) {
            try Self.gate([("model_extensions", .array([.string(".")]))])
        }
    }

    @Test func defaultsAndRegistration() throws {
        let gate = try Self.gate()
        #expect(gate.minKB == 100 && gate.modelMinKB == 10)
        #expect(gate.extensions.isSuperset(of: ["csv", "tsv", "parquet", "feather", "arrow", "npy", "npz", "pt", "pth", "ckpt", "h5", "hdf5",
                                              "pkl", "pickle", "joblib", "onnx", "safetensors", "tfrecord", "zip", "tar", "tar.gz", "tgz",
                                              "gz", "bz2", "xz", "7z"]))
        #expect(gate.modelExtensions == ["pt", "pth", "ckpt", "onnx", "safetensors", "h5", "hdf5", "pkl", "pickle", "joblib", "gguf", "tflite", "keras"])
        #expect(GateRegistry.hygieneGate(id: "data_outside_dvc")?.id == "data_outside_dvc")
        #expect(GateRegistry.hygieneGate(id: "data_outside_dvc")?.defaultSeverity == .warning)
    }

    // MARK: end to end

    /// A DVC project with a tracked directory, then data and models staged straight into git.
    static func dvcRepository() throws -> GitRepoBuilder {
        let repo = try GitRepoBuilder()
        try repo.commit("dvc init", files: [
            ".dvc/config": "[core]\n    remote = storage\n",
            ".dvc/.gitignore": "/config.local\n/tmp\n/cache\n",
            "data/raw.dvc": "outs:\n- md5: 22a1a2931c8370d3aeedd7183606fd7f.dir\n  size: 512000\n  nfiles: 1\n  hash: md5\n  path: raw\n",
            "train.py": "print('train')\n",
        ])
        try repo.write("data/train.csv", Data(repeating: 0x31, count: 200 * kb))
        try repo.write("data/labels.csv", Data(repeating: 0x31, count: 2 * kb))
        try repo.write("data/raw/part-0.csv", Data(repeating: 0x31, count: 500 * kb))
        try repo.write("models/model.pt", Data(repeating: 7, count: 20 * kb))
        try repo.write("models/weights.safetensors", "version https://git-lfs.github.com/spec/v1\noid sha256:abcd\nsize 734003200\n")
        try repo.git("add", "-f", "data", "models")
        return repo
    }

    static func findings(_ output: String, gate: String = "data_outside_dvc") throws -> [[String: Any]] {
        let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        return (object?["findings"] as? [[String: Any]] ?? []).filter { $0["gate"] as? String == gate }
    }

    @Test func stagedCheckOnARealDVCRepository() throws {
        let repo = try Self.dvcRepository()
        let strict = try CMLBotBinary.run(["check", "--staged", "--format", "json", "--fail-on", "warning"], in: repo.path)
        #expect(strict.status == 1, "\(strict.stderr)")
        let findings = try Self.findings(strict.stdout)
        #expect(findings.compactMap { $0["path"] as? String } == ["data/train.csv", "models/model.pt"])
        #expect(findings.allSatisfy { $0["line"] is NSNull && $0["severity"] as? String == "warning" })
        #expect((findings.first?["message"] as? String) == "data/train.csv (200 KB) is data committed to git; DVC does not track it")

        // Warnings alone do not fail the default --fail-on error.
        let lenient = try CMLBotBinary.run(["check", "--staged", "--gate", "data_outside_dvc"], in: repo.path)
        #expect(lenient.status == 0, "\(lenient.stderr)")
        #expect(lenient.stdout.contains("data/train.csv: warning: [data_outside_dvc] data/train.csv (200 KB) is data committed to git; DVC does not track it\n"
            + "    fix: track it with DVC: git rm --cached data/train.csv && dvc add data/train.csv, then commit data/train.csv.dvc"))
        #expect(lenient.stdout.hasSuffix("cmlbot: 0 errors, 2 warnings from 1 gate\n"))
    }

    @Test func rangeScopeAndConfigurationOnARealRepository() throws {
        let repo = try Self.dvcRepository()
        try repo.write(".cmlbot.yml", "version: 1\ngates:\n  data_outside_dvc:\n    severity: error\n    model_min_kb: 100\n")
        try repo.git("add", ".cmlbot.yml")
        try repo.git("commit", "-q", "-m", "data")
        let range = try CMLBotBinary.run(["check", "--base", "HEAD~1", "--head", "HEAD", "--format", "json"], in: repo.path)
        #expect(range.status == 1, "\(range.stderr)")
        let findings = try Self.findings(range.stdout)
        #expect(findings.compactMap { $0["path"] as? String } == ["data/train.csv"])
        #expect(findings.first?["severity"] as? String == "error")
    }

    @Test func noFindingsWithoutDVC() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["README.md": "plain repository\n"])
        try repo.write("data/train.csv", Data(repeating: 0x31, count: 200 * Self.kb))
        try repo.git("add", "data/train.csv")
        let result = try CMLBotBinary.run(["check", "--staged", "--format", "json", "--fail-on", "warning"], in: repo.path)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(try Self.findings(result.stdout).isEmpty)
    }
}
