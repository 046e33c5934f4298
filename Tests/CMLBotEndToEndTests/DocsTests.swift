import CMLBotKit
import Foundation
import Testing
import TestSupport

/// Documentation generated from the code stays in step with it.
@Suite struct DocsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// docs/configuration.md is ConfigurationReference's output; `make docs` (or
    /// CMLBOT_RECORD_GOLDENS=1) rewrites it after a key, gate or format is added.
    @Test func configurationReferenceIsFresh() throws {
        let path = Self.root.appendingPathComponent("docs/configuration.md").path
        let generated = ConfigurationReference.markdown()
        if ProcessInfo.processInfo.environment["CMLBOT_RECORD_GOLDENS"] == "1" {
            try generated.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOfFile: path, encoding: .utf8)
        #expect(committed == generated, "docs/configuration.md is stale: run `make docs`")
        // Every gate and every rule key is in it.
        for id in ["large_files", "notebook_outputs", "lockfile_drift", "secrets", "data_outside_dvc"] {
            #expect(generated.contains("### `\(id)`"))
        }
        for key in ["max_drop", "max_increase", "suites_must_pass", "params_changed_requires_lock_match", "directions"] {
            #expect(generated.contains("| `\(key)` |"))
        }
    }

    /// Tests/APISpecs is a copy of ../shared/api-specs for clones where that folder is absent; when
    /// both are here they must be the same.
    @Test func vendoredAPISpecsMatchTheSharedOnes() throws {
        let shared = Self.root.appendingPathComponent("../shared/api-specs").standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: shared + "/github.json") else { return }
        for name in ["github.json", "gitlab.json"] {
            #expect(FileManager.default.contentsEqual(atPath: shared + "/" + name, andPath: Self.root.appendingPathComponent("Tests/APISpecs/" + name).path),
                    "Tests/APISpecs/\(name) is stale: cp ../shared/api-specs/*.json Tests/APISpecs/")
        }
    }

    /// The keys the reference documents are exactly the keys the loader accepts: a documented key
    /// loads, and an undocumented one is rejected with the documented list.
    @Test func documentedKeysAreTheAcceptedKeys() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["m.json": #"{"acc": 1}"#, "dvc.yaml": "metrics: [m.json]\n"])
        try repo.write(".cmlbot.yml", """
        version: 1
        base: HEAD
        metrics: {files: [], directions: {acc: higher}}
        params: {files: []}
        validation: {files: []}
        plots: []
        gates: {large_files: {max_kb: 10, enabled: true, severity: warning, exclude: []}}
        promote:
          metrics: [{metric: acc, file: m.json, min: 0, max: 2, max_drop: 1, max_increase: "5%", required: true, severity: error}]
          data: {data_changed_requires_metrics_change: false, params_changed_requires_lock_match: false}
          validation: {suites_must_pass: [], no_new_failures: false}
          require: []

        """)
        let ok = try CMLBotBinary.run(["gate"], in: repo.path)
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        // The reference's own example loads.
        let example = ConfigurationReference.markdown().components(separatedBy: "```yaml\n").last?.components(separatedBy: "```").first ?? ""
        try repo.write(".cmlbot.yml", example.replacingOccurrences(of: "base: origin/main\n", with: ""))
        let loaded = try CMLBotBinary.run(["gate"], in: repo.path)
        #expect(loaded.status != 2, "\(loaded.stderr)")
        try repo.write(".cmlbot.yml", "version: 1\npromote:\n  data: {lock_match: true}\n")
        let bad = try CMLBotBinary.run(["gate"], in: repo.path)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("unknown key 'lock_match' in promote.data"), "\(bad.stderr)")
    }
}
