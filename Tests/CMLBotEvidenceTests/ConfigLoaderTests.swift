import CMLBotCore
import Foundation
import TestSupport
import Testing
@testable import CMLBotEvidence

@Suite struct ConfigLoaderTests {
    func load(_ text: String?) throws -> CMLBotConfig {
        let files = text.map { [CMLBotConfig.fileName: $0] } ?? [:]
        return try ConfigLoader.load(from: InMemoryFileTree(files))
    }

    func loadError(_ text: String) -> ConfigError? {
        do { _ = try load(text); return nil } catch let e as ConfigError { return e } catch { return nil }
    }

    @Test func fullExample() throws {
        let config = try load("""
            version: 1
            base: origin/main
            metrics:
              files: [eval/summary.json, ./reports//m.yaml]
              directions:
                accuracy: higher
                "*loss": LOWER
                "eval/summary.json:f1": higher
            params:
              files: [configs/train.yaml]
            """)
        #expect(config.version == 1)
        #expect(config.base == "origin/main")
        #expect(config.metricsFiles == ["eval/summary.json", "reports/m.yaml"])
        #expect(config.paramsFiles == ["configs/train.yaml"])
        #expect(config.directions == [
            DirectionRule(pattern: "accuracy", direction: .higher),
            DirectionRule(pattern: "*loss", direction: .lower),
            DirectionRule(pattern: "eval/summary.json:f1", direction: .higher),
        ])
        #expect(config.source == ".cmlbot.yml")
    }

    @Test func absentOrEmptyFileGivesDefaults() throws {
        let absent = try load(nil)
        #expect(absent == CMLBotConfig())
        #expect(absent.source == nil)
        let empty = try load("")
        #expect(empty.metricsFiles.isEmpty && empty.directions.isEmpty && empty.base == nil)
        let comments = try load("# nothing yet\n")
        #expect(comments.version == CMLBotConfig.currentVersion)
    }

    @Test func versionIsRequiredAndChecked() {
        #expect(loadError("base: main\n")?.message.contains("missing 'version: 1'") == true)
        #expect(loadError("version: 2\n")?.message.contains("unsupported version 2") == true)
        #expect(loadError("version: '1'\n") != nil)
        #expect(loadError("version: 1.0\n") != nil)
    }

    @Test func unknownKeysSuggestTheClosest() {
        let top = loadError("version: 1\nmetircs:\n  files: []\n")
        #expect(top?.message == ".cmlbot.yml: unknown key 'metircs'; did you mean 'metrics'?")
        let nested = loadError("version: 1\nmetrics:\n  directon:\n    acc: higher\n")
        #expect(nested?.message == ".cmlbot.yml: unknown key 'directon' in 'metrics'; did you mean 'directions'?")
        let params = loadError("version: 1\nparams:\n  file: [a.yaml]\n")
        #expect(params?.message.contains("did you mean 'files'?") == true)
        let far = loadError("version: 1\nzzzzzzzz: 1\n")
        #expect(far?.message.contains("known keys:") == true)
        #expect(far?.message.contains("metrics") == true)
    }

    @Test func badValues() {
        #expect(loadError("version: 1\nmetrics:\n  directions:\n    acc: up\n")?.message.contains("expected 'higher' or 'lower', got 'up'") == true)
        #expect(loadError("version: 1\nmetrics:\n  directions:\n    acc: 1\n") != nil)
        #expect(loadError("version: 1\nmetrics:\n  directions: [acc]\n") != nil)
        #expect(loadError("version: 1\nmetrics: [a.json]\n")?.message.contains("'metrics' must be a mapping") == true)
        #expect(loadError("version: 1\nmetrics:\n  files: a.json\n")?.message.contains("must be a list") == true)
        #expect(loadError("version: 1\nmetrics:\n  files: [../outside.json]\n")?.message.contains("repository-relative") == true)
        #expect(loadError("version: 1\nmetrics:\n  files: [1]\n") != nil)
        #expect(loadError("version: 1\nbase: ''\n") != nil)
        #expect(loadError("version: 1\nbase: [main]\n") != nil)
        #expect(loadError("version: 1\nparams: x\n") != nil)
    }

    @Test func nonMappingTopLevelIsAnError() {
        #expect(loadError("- version: 1\n")?.message.contains("expected a mapping at the top level") == true)
        #expect(loadError("just text\n") != nil)
    }

    @Test func yamlErrorsNameTheFileAndPosition() {
        let e = loadError("version: 1\nmetrics:\n\tfiles: []\n")
        #expect(e?.path == ".cmlbot.yml")
        #expect(e?.message.contains("line 3") == true)
        #expect(loadError("version: 1\nversion: 1\n")?.message.contains("duplicate key") == true)
    }

    @Test func configAtAnotherPath() throws {
        let tree = InMemoryFileTree(["ci/cmlbot.yml": "version: 1\nbase: develop\n"])
        let config = try ConfigLoader.load(from: tree, path: "ci/cmlbot.yml")
        #expect(config.base == "develop")
        #expect(config.source == "ci/cmlbot.yml")
    }

    @Test func directionRulesMatchGlobsAndPaths() {
        var config = CMLBotConfig()
        config.directions = [
            DirectionRule(pattern: "eval/summary.json:acc", direction: .lower),
            DirectionRule(pattern: "acc", direction: .higher),
            DirectionRule(pattern: "*loss", direction: .lower),
            DirectionRule(pattern: "metrics/*.json:f1*", direction: .higher),
            DirectionRule(pattern: "latency.*", direction: .lower),
        ]
        #expect(config.direction(forMetric: "acc", path: "eval/summary.json") == .lower)     // first match wins
        #expect(config.direction(forMetric: "acc", path: "other.json") == .higher)
        #expect(config.direction(forMetric: "val_loss", path: "m.json") == .lower)
        #expect(config.direction(forMetric: "train.loss", path: "m.json") == .lower)
        #expect(config.direction(forMetric: "loss_total", path: "m.json") == nil)
        #expect(config.direction(forMetric: "f1_macro", path: "metrics/eval.json") == .higher)
        #expect(config.direction(forMetric: "f1_macro", path: "other/eval.json") == nil)
        #expect(config.direction(forMetric: "latency.p99", path: "m.json") == .lower)
        #expect(config.direction(forMetric: "accuracy", path: "m.json") == nil)              // no implicit prefix match
    }

    @Test func globSemantics() {
        #expect(Glob.matches("*", ""))
        #expect(Glob.matches("a*b*c", "aXbYc"))
        #expect(Glob.matches("a*b*c", "abc"))
        #expect(!Glob.matches("a*b*c", "acb"))
        #expect(Glob.matches("**", "x/y.z"))
        #expect(!Glob.matches("a", "ab"))
        #expect(Glob.matches("é*", "éclair"))
    }

    @Test func didYouMean() {
        #expect(DidYouMean.closest(to: "metircs", in: ["version", "base", "metrics", "params"]) == "metrics")
        #expect(DidYouMean.closest(to: "Version", in: ["version", "base"]) == "version")
        #expect(DidYouMean.closest(to: "xyz", in: ["version", "base"]) == nil)
        #expect(DidYouMean.closest(to: "anything", in: [String]()) == nil)
    }
}
