import CMLBotCore
import Foundation
import TestSupport
import Testing
@testable import CMLBotEvidence

/// An in-memory tree that reports a chosen size for some files, to test the size cap without
/// allocating 64 MiB.
struct OversizedTree: FileTree {
    var base: InMemoryFileTree
    var sizes: [String: Int64]
    var label: String { base.label }
    func entry(at path: String) throws -> FileTreeEntry? {
        guard var entry = try base.entry(at: path) else { return nil }
        if let size = sizes[entry.path] { entry.size = size }
        return entry
    }
    func readFile(_ path: String) throws -> Data { try base.readFile(path) }
    func files(under directory: String) throws -> [FileTreeEntry] { try base.files(under: directory) }
}

@Suite struct EvidenceCollectorTests {
    func collect(_ files: [String: String], label: String = "HEAD", kinds: EvidenceCollector.Kinds = .all,
                 selection: EvidenceSelection = EvidenceSelection()) throws -> EvidenceSnapshot {
        try EvidenceCollector.collect(InMemoryFileTree(label: label, files), kinds: kinds, selection: selection)
    }

    func file(_ snapshot: EvidenceSnapshot, _ path: String, params: Bool = false) -> FlatValues? {
        (params ? snapshot.params : snapshot.metrics).first { $0.path == path }?.values
    }

    @Test func readsDeclaredMetricsAndParams() throws {
        let s = try collect([
            "dvc.yaml": "stages:\n  t:\n    cmd: x\n    metrics: [m.json, eval.yaml]\n    params: [seed, {config/tune.json: [opt.lr]}]\n",
            "m.json": #"{"acc": 0.9, "loss": {"train": 0.1}}"#,
            "eval.yaml": "acc: 0.8\nyes: no\n",
            "params.yaml": "seed: 1\ndata: {features: [f1]}\n",
            "config/tune.json": #"{"opt": {"lr": 0.01, "momentum": 0.9}, "epochs": 3}"#,
        ], label: "main")
        #expect(s.revision == "main")
        #expect(s.metrics.map(\.path) == ["eval.yaml", "m.json"])
        #expect(file(s, "m.json")?.keys == ["acc", "loss.train"])
        #expect(file(s, "eval.yaml")?["yes"] == .string("no"))
        #expect(s.params.map(\.path) == ["config/tune.json", "params.yaml"])
        // Non-default params files show only the tracked keys; params.yaml is shown whole.
        #expect(file(s, "config/tune.json", params: true)?.keys == ["opt.lr"])
        #expect(file(s, "params.yaml", params: true)?.keys == ["seed", "data.features"])
        #expect(s.diagnostics.isEmpty)
        #expect(s.declarations.dvcFiles == ["dvc.yaml"])
    }

    @Test func trackedTemplateVariablesAreReadAtEachRevision() throws {
        let s = try collect([
            "conf/v.yaml": "model: {lr: 0.1, depth: 3}\nfolds: [f0, f1]\n",
            "dvc.yaml": "vars: [conf/v.yaml]\nstages:\n  t:\n    cmd: train --lr ${model.lr} ${folds[1]}\n",
        ])
        #expect(file(s, "conf/v.yaml", params: true)?.entries == OrderedObject([("model.lr", .double(0.1)), ("folds.1", .string("f1"))]))
    }

    @Test func kindsLimitWhatIsRead() throws {
        let files = ["dvc.yaml": "metrics: [m.json]\n", "m.json": #"{"a": 1}"#, "params.yaml": "p: 1\n"]
        let metricsOnly = try collect(files, kinds: .metrics)
        #expect(metricsOnly.metrics.count == 1 && metricsOnly.params.isEmpty)
        let paramsOnly = try collect(files, kinds: .params)
        #expect(paramsOnly.metrics.isEmpty && paramsOnly.params.count == 1)
    }

    @Test func directoriesUnderMetricsExpandToTheirFiles() throws {
        let s = try collect([
            "dvc.yaml": "metrics: [m/dir, m/dir/one.json]\n",
            "m/dir/one.json": #"{"a": 1}"#,
            "m/dir/two.yaml": "b: 2\n",
            "m/dir/nested/three.json": #"{"c": 3}"#,
        ])
        #expect(s.metrics.map(\.path) == ["m/dir/nested/three.json", "m/dir/one.json", "m/dir/two.yaml"])
        #expect(s.diagnostics.isEmpty)
    }

    @Test func missingDeclaredMetricsWarnWithTheLikelyCause() throws {
        let files = ["dvc.yaml": "stages:\n  t:\n    cmd: x\n    metrics: [cached.json]\n"]
        let committed = try collect(files, label: "HEAD")
        #expect(committed.metrics.isEmpty)
        let warning = try #require(committed.diagnostics.first)
        #expect(warning.path == "cached.json" && warning.revision == "HEAD")
        #expect(warning.message.contains("cache: false"))           // a DVC-cached output is not in git
        let workspace = try collect(files, label: "workspace")
        #expect(workspace.diagnostics.first?.message.contains("dvc repro") == true)
    }

    @Test func directoriesUnderParamsExpandToo() throws {
        let s = try collect([
            "dvc.yaml": "params: [configs]\nstages:\n  t:\n    cmd: x\n    params: [{more: [lr]}]\n",
            "configs/a.yaml": "x: 1\n",
            "configs/b.json": #"{"y": 2}"#,
            "more/c.yaml": "lr: 0.1\nother: 2\n",
        ])
        #expect(s.params.map(\.path) == ["configs/a.yaml", "configs/b.json", "more/c.yaml"])
        #expect(file(s, "more/c.yaml", params: true)?.keys == ["lr"])
        #expect(s.diagnostics.isEmpty)
    }

    @Test func missingParamsFileWarns() throws {
        let s = try collect(["dvc.yaml": "stages:\n  t:\n    cmd: x\n    params: [{conf.yaml: [a]}]\n"])
        #expect(s.params.isEmpty)
        #expect(s.diagnostics.first?.path == "conf.yaml")
        #expect(s.diagnostics.first?.message.contains("does not exist") == true)
    }

    @Test func corruptFilesAreDroppedWithAWarning() throws {
        let s = try collect([
            "dvc.yaml": "metrics: [bad.json, good.json, tabs.tsv, binary.yaml]\nparams: [bad.yaml]\n",
            "bad.json": "{\"acc\": 0.9,\n}",
            "good.json": #"{"acc": 0.9}"#,
            "tabs.tsv": "acc\tloss\n0.9\t0.1\n",
            "binary.yaml": "\u{0}\u{1}PNG",
            "bad.yaml": "a: 1\na: 2\n",
        ])
        #expect(s.metrics.map(\.path) == ["good.json"])
        #expect(s.params.isEmpty)
        let messages = Dictionary(uniqueKeysWithValues: s.diagnostics.compactMap { d in d.path.map { ($0, d.message) } })
        #expect(messages.count == 4)
        #expect(messages["bad.json"]?.contains("cannot parse") == true)
        #expect(messages["bad.json"]?.contains("line 2, column 1") == true)
        #expect(messages["tabs.tsv"]?.contains("cannot parse") == true)
        #expect(messages["binary.yaml"]?.contains("cannot parse") == true)
        #expect(messages["bad.yaml"]?.contains("duplicate key") == true)
    }

    @Test func csvMetricIsOneEmptyNamedString() throws {
        // DVC Q10: YAML reads the CSV as the string "acc,loss 0.9,0.1".
        let s = try collect(["dvc.yaml": "metrics: [m.csv]\n", "m.csv": "acc,loss\n0.9,0.1\n"])
        #expect(file(s, "m.csv")?[""] == .string("acc,loss 0.9,0.1"))
    }

    @Test func oversizedFilesAreSkipped() throws {
        let base = InMemoryFileTree(["dvc.yaml": "metrics: [huge.json, small.json]\n", "huge.json": "{}", "small.json": #"{"a": 1}"#])
        let tree = OversizedTree(base: base, sizes: ["huge.json": Int64(FormatRegistry.maximumFileSize) + 1])
        let s = try EvidenceCollector.collect(tree)
        #expect(s.metrics.map(\.path) == ["small.json"])
        #expect(s.diagnostics.count == 1)
        #expect(s.diagnostics.first?.path == "huge.json")
        #expect(s.diagnostics.first?.message.contains("MiB") == true)
    }

    @Test func targetsReplaceDiscovery() throws {
        let files = [
            "dvc.yaml": "metrics: [m.json]\n",
            "m.json": #"{"a": 1}"#,
            "seed.txt": "42\n",
            "params.yaml": "p: 1\n",
        ]
        let s = try collect(files, selection: EvidenceSelection(targets: ["seed.txt", "missing.json"]))
        // Any file works as a target, even one not declared; missing targets are not warned about.
        #expect(s.metrics.map(\.path) == ["seed.txt"])
        #expect(file(s, "seed.txt")?[""] == .int(42))
        #expect(s.params.map(\.path) == ["seed.txt"])
        #expect(s.diagnostics.isEmpty)
    }

    @Test func extraFilesFromConfig() throws {
        let s = try collect([
            "dvc.yaml": "metrics: [m.json]\nparams: [p.json]\n",
            "m.json": #"{"a": 1}"#,
            "extra/e.json": #"{"b": 2}"#,
            "p.json": #"{"x": 1}"#,
            "cfg/train.yaml": "lr: 0.1\n",
        ], selection: EvidenceSelection(extraMetrics: ["extra/e.json", "m.json", "nope.json"], extraParams: ["cfg/train.yaml", "p.json"]))
        #expect(s.metrics.map(\.path) == ["extra/e.json", "m.json"])
        #expect(s.params.map(\.path) == ["cfg/train.yaml", "p.json"])
        #expect(s.diagnostics.count == 1)
        #expect(s.diagnostics.first?.path == "nope.json")
    }

    @Test func perFileWarningsFromFlatteningAreKept() throws {
        let s = try collect(["dvc.yaml": "metrics: [m.json]\n", "m.json": #"{"a": {"b": 1}, "a.b": 2, "l": [1]}"#])
        #expect(file(s, "m.json")?.keys == ["a.b"])
        #expect(s.diagnostics.count == 2)
        #expect(s.diagnostics.allSatisfy { $0.path == "m.json" && $0.revision == "HEAD" })
    }

    @Test func brokenPipelineDoesNotHideOtherEvidence() throws {
        let s = try collect([
            "dvc.yaml": "stages: [broken\n",
            "sub/dvc.yaml": "metrics: [m.json]\n",
            "sub/m.json": #"{"a": 1}"#,
            "params.yaml": "p: 1\n",
        ])
        #expect(s.metrics.map(\.path) == ["sub/m.json"])
        #expect(s.params.map(\.path) == ["params.yaml"])
        #expect(s.diagnostics.count == 1)
    }
}
