import CMLBotCompare
import CMLBotCore
import CMLBotEvidence
import Foundation
import Testing
import TestSupport
@testable import CMLBotGates

@Suite struct PromotionRulesTests {
    static func rules(_ yaml: String) throws -> PromotionRules {
        try PromotionRules.parse(try YAMLLoader.parse(Data(yaml.utf8)), source: ".cmlbot.yml")
    }

    static func snapshot(_ revision: String, metrics: [String: [(String, Value)]], params: [String: [(String, Value)]] = [:], dvcFiles: [String] = []) -> EvidenceSnapshot {
        var s = EvidenceSnapshot(revision: revision)
        s.metrics = metrics.keys.sorted().map { EvidenceFile(path: $0, values: FlatValues(OrderedObject(metrics[$0]!))) }
        s.params = params.keys.sorted().map { EvidenceFile(path: $0, values: FlatValues(OrderedObject(params[$0]!))) }
        s.declarations.dvcFiles = dvcFiles
        return s
    }

    static func evaluate(_ yaml: String, base: EvidenceSnapshot, head: EvidenceSnapshot, files: [String: String] = [:],
                         baseOutputs: [DVCOutput] = [], headOutputs: [DVCOutput] = []) throws -> [RuleEvaluation] {
        var config = CMLBotConfig()
        config.directions = []
        let comparison = Comparator.compare(base: base, head: head, config: config)
        return PromotionEvaluator.evaluate(try rules(yaml), PromotionInput(
            comparison: comparison, baseSnapshot: base, headSnapshot: head, headTree: InMemoryFileTree(label: "head", files),
            baseOutputs: baseOutputs, headOutputs: headOutputs))
    }

    let base = snapshot("main", metrics: ["m.json": [("acc", .double(0.90)), ("latency", .int(40)), ("auc", .double(0.80))]])
    let head = snapshot("pr", metrics: ["m.json": [("acc", .double(0.89)), ("latency", .int(48)), ("auc", .double(0.79)), ("note", .string("x"))]])

    @Test func thresholdsAndRegressions() throws {
        let evaluations = try Self.evaluate("""
        metrics:
          - {metric: acc, min: 0.85, max_drop: 0.01}
          - {metric: auc, max_drop: "1%"}
          - {metric: latency, max: 45, max_increase: "25%", severity: warning}
          - {metric: note, min: 1}
        """, base: base, head: head)
        let failed = evaluations.filter { !$0.passed }.compactMap(\.finding)
        // acc: 0.90 → 0.89 is a drop of 0.01 (within float slack): passes. auc: 0.01 > 1% of 0.80.
        #expect(failed.map(\.gate) == ["metric_regression", "metric_threshold", "metric_threshold"])
        #expect(failed[0].message == "m.json:auc dropped by 0.01 (0.8 → 0.79), more than the allowed 1.0%")
        #expect(failed[1].message == "m.json:latency is 48.0, above the maximum 45.0")
        #expect(failed[1].severity == .warning)
        #expect(failed[2].message == "m.json:note is x, not a number")
        #expect(evaluations.filter(\.passed).count == 3)
    }

    @Test func requiredMetricsAndGlobs() throws {
        let evaluations = try Self.evaluate("""
        metrics:
          - {metric: f1, required: true}
          - {metric: "a*", min: 0.5, file: "m.json"}
          - {metric: missing_but_optional, min: 1}
        """, base: base, head: head)
        #expect(evaluations.first { $0.gate == "metric_required" }?.finding?.message == "required metric f1 is missing at pr")
        #expect(evaluations.filter { $0.gate == "metric_threshold" && $0.passed }.count == 3)  // acc, auc, and the optional one
    }

    @Test func dataChangedWithoutMetricsIsFlagged() throws {
        let same = Self.snapshot("pr", metrics: ["m.json": [("acc", .double(0.9)), ("latency", .int(40)), ("auc", .double(0.8))]])
        let out = { (hash: String) in [DVCOutput(path: "data/train.csv", hash: hash, size: 1, fileCount: nil, isDirectory: false, source: "data/train.csv.dvc")] }
        let stale = try Self.evaluate("data: {data_changed_requires_metrics_change: true}", base: base, head: same,
                                      baseOutputs: out("aaa"), headOutputs: out("bbb"))
        #expect(stale.first?.passed == false)
        #expect(stale.first?.finding?.message == "data changed (data/train.csv) but no metric changed: the metrics may be stale")
        let fresh = try Self.evaluate("data: {data_changed_requires_metrics_change: true}", base: base, head: head,
                                      baseOutputs: out("aaa"), headOutputs: out("bbb"))
        #expect(fresh.first?.passed == true)
    }

    @Test func staleLockIsFoundWhenParamsChanged() throws {
        let b = Self.snapshot("main", metrics: [:], params: ["params.yaml": [("lr", .double(0.01)), ("train.epochs", .int(10))]], dvcFiles: ["dvc.yaml"])
        let h = Self.snapshot("pr", metrics: [:], params: ["params.yaml": [("lr", .double(0.02)), ("train.epochs", .int(10))]], dvcFiles: ["dvc.yaml"])
        let lock = "schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n    params:\n      params.yaml:\n        lr: 0.01\n        train:\n          epochs: 10\n"
        let stale = try Self.evaluate("data: {params_changed_requires_lock_match: true}", base: b, head: h, files: ["dvc.lock": lock])
        #expect(stale.first?.finding?.message == "dvc.lock is stale: train: params.yaml lr is 0.02 but dvc.lock recorded 0.01")
        let fixed = try Self.evaluate("data: {params_changed_requires_lock_match: true}", base: b, head: h,
                                      files: ["dvc.lock": lock.replacingOccurrences(of: "lr: 0.01", with: "lr: 0.02")])
        #expect(fixed.first?.passed == true)
        let missing = try Self.evaluate("data: {params_changed_requires_lock_match: true}", base: b, head: h)
        #expect(missing.first?.finding?.message == "params changed but dvc.lock is missing or unreadable")
    }

    @Test func requiredEvidenceFiles() throws {
        let evaluations = try Self.evaluate("require: [reports/card.md, README.md]", base: base, head: head, files: ["README.md": "x"])
        #expect(evaluations.map(\.passed) == [false, true])
        #expect(evaluations[0].finding?.path == "reports/card.md")
    }

    @Test func configMistakesAreClearErrors() {
        let cases: [(String, String)] = [
            ("metrics: [{metric: acc, mni: 1}]", "promote: unknown key 'mni' in promote.metrics[0]; did you mean 'min'?"),
            ("metrics: [{metric: acc}]", "promote: metrics[0] (acc) sets no condition: add min, max, max_drop, max_increase or required"),
            ("metrics: [{metric: acc, max_drop: lots}]", "promote: metrics[0].max_drop must be a non-negative number or a percentage like \"2%\""),
            ("metrics: [{min: 1}]", "promote: metrics[0] needs metric: <key>"),
            ("requre: [x]", "promote: unknown key 'requre' in promote; did you mean 'require'?"),
            ("data: {params_changed_requires_lock_match: yes}", "promote: params_changed_requires_lock_match must be true or false"),
        ]
        for (yaml, detail) in cases {
            #expect(throws: ConfigError(path: ".cmlbot.yml", detail: detail)) { try Self.rules(yaml) }
        }
    }
}
