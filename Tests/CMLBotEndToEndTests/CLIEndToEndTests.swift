import Foundation
import Testing
import TestSupport

/// The cmlbot binary run as a user runs it, on real repositories.
@Suite struct CLIEndToEndTests {
    /// A small DVC-style project: base commit, head commit, and an uncommitted workspace change.
    static func project() throws -> GitRepoBuilder {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: [
            "dvc.yaml": """
            stages:
              train:
                cmd: python train.py
                params: [lr, model.depth]
                metrics:
                  - metrics.json:
                      cache: false
            metrics: [eval/summary.yaml]
            """,
            "params.yaml": "lr: 0.01\nmodel:\n  depth: 3\n  name: resnet\n",
            "metrics.json": #"{"acc": 0.9, "loss": 0.25, "epochs": 10, "ok": true}"#,
            "eval/summary.yaml": "auc: 0.8\n",
        ])
        try repo.git("tag", "v1")
        try repo.commit("head", files: [
            "params.yaml": "lr: 0.02\nmodel:\n  depth: 4\n  name: resnet\n",
            "metrics.json": #"{"acc": 0.95, "loss": 0.2, "epochs": 12, "ok": false}"#,
        ])
        try repo.write("metrics.json", #"{"acc": 0.96, "loss": 0.2, "epochs": 12, "ok": false}"#)
        return repo
    }

    @Test func metricsDiffDefaultsToHeadAgainstWorkspace() throws {
        let repo = try Self.project()
        let result = try CMLBotBinary.run(["metrics", "diff", "--json"], in: repo.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == #"{"metrics.json": {"acc": {"old": 0.95, "new": 0.96, "diff": 0.010000000000000009}}}"# + "\n")
        #expect(result.stderr.isEmpty)
    }

    @Test func metricsDiffBetweenRevisionsAsMarkdown() throws {
        let repo = try Self.project()
        let result = try CMLBotBinary.run(["metrics", "diff", "v1", "HEAD", "--md"], in: repo.path)
        #expect(result.status == 0)
        #expect(result.stdout == """
        | Path         | Metric   | v1   | HEAD   | Change   |
        |--------------|----------|------|--------|----------|
        | metrics.json | acc      | 0.9  | 0.95   | 0.05     |
        | metrics.json | epochs   | 10   | 12     | 2        |
        | metrics.json | loss     | 0.25 | 0.2    | -0.05    |
        | metrics.json | ok       | True | False  | -1       |


        """)
    }

    @Test func everyRevisionSpellingResolves() throws {
        let repo = try Self.project()
        let head = try repo.git("rev-parse", "HEAD")
        let base = try repo.git("rev-parse", "HEAD~1")
        let expected = try CMLBotBinary.run(["params", "diff", "HEAD~1", "HEAD", "--json"], in: repo.path).stdout
        #expect(expected.contains("\"lr\""))
        for (a, b) in [(base, head), (String(base.prefix(7)), "main"), ("v1", "HEAD"), ("main~1", head), ("v1...HEAD", "HEAD")] {
            let result = try CMLBotBinary.run(["params", "diff", a, b, "--json"], in: repo.path)
            #expect(result.status == 0, "\(a) \(b): \(result.stderr)")
            #expect(result.stdout == expected, "\(a) \(b)")
        }
    }

    @Test func pathsAreRelativeToTheCurrentDirectory() throws {
        let repo = try Self.project()
        try FileManager.default.createDirectory(atPath: repo.path + "/eval", withIntermediateDirectories: true)
        try repo.write("eval/summary.yaml", "auc: 0.85\n")
        let result = try CMLBotBinary.run(["metrics", "diff", "--md", "--precision", "2"], in: repo.path + "/eval")
        #expect(result.status == 0)
        #expect(result.stdout.contains("| ../metrics.json | acc "))
        #expect(result.stdout.contains("| summary.yaml    | auc      | 0.8    | 0.85        | 0.05     |"))
        // Targets are relative to the current directory too.
        let targeted = try CMLBotBinary.run(["metrics", "diff", "--json", "--targets", "summary.yaml"], in: repo.path + "/eval")
        #expect(targeted.stdout == #"{"summary.yaml": {"auc": {"old": 0.8, "new": 0.85, "diff": 0.04999999999999993}}}"# + "\n")
    }

    @Test func paramsDiffShowsDefaultFileWholeAndListsAsPythonRepr() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: [
            "dvc.yaml": "stages:\n  s:\n    cmd: x\n    params:\n      - lr\n      - tune.json:\n          - depth\n",
            "params.yaml": "lr: 1e-4\nfeatures: [a, b]\nunused: 1\n",
            "tune.json": #"{"depth": 3, "other": 1}"#,
        ])
        try repo.write("params.yaml", "lr: 2e-4\nfeatures: [a, b, c]\nunused: 2\n")
        try repo.write("tune.json", #"{"depth": 3, "other": 2}"#)
        let result = try CMLBotBinary.run(["params", "diff", "--json"], in: repo.path)
        #expect(result.stdout == #"{"params.yaml": {"features": {"old": "['a', 'b']", "new": "['a', 'b', 'c']"}, "lr": {"old": 0.0001, "new": 0.0002, "diff": 0.0001}, "unused": {"old": 1, "new": 2, "diff": 1}}}"# + "\n")
        let table = try CMLBotBinary.run(["params", "diff"], in: repo.path)
        #expect(table.stdout == """
        Path         Param     HEAD        workspace
        params.yaml  features  ['a', 'b']  ['a', 'b', 'c']
        params.yaml  lr        0.0001      0.0002
        params.yaml  unused    1           2

        """)
    }

    @Test func emptyDiffsPrintWhatDVCPrints() throws {
        let repo = try Self.project()
        let json = try CMLBotBinary.run(["metrics", "diff", "HEAD", "HEAD", "--json"], in: repo.path)
        #expect(json.stdout == "{}\n")
        let md = try CMLBotBinary.run(["params", "diff", "HEAD", "HEAD", "--md"], in: repo.path)
        #expect(md.stdout == "| Path   | Param   | HEAD   | HEAD   |\n|--------|---------|--------|--------|\n\n")
        let plain = try CMLBotBinary.run(["metrics", "diff", "HEAD", "HEAD"], in: repo.path)
        #expect(plain.stdout.isEmpty)
        #expect(plain.status == 0)
    }

    @Test func shallowCloneMissingBaseSaysHowToFix() throws {
        let origin = try Self.project()
        let clone = try TemporaryDirectory("cmlbot-shallow")
        try Shell.run("git", ["clone", "-q", "--depth", "1", "file://" + origin.path, clone.path + "/c"], environment: GitRepoBuilder.environment)
        let result = try CMLBotBinary.run(["metrics", "diff", "HEAD~1", "HEAD"], in: clone.path + "/c")
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("error: revision HEAD~1 not found: this is a shallow clone"))
        #expect(result.stderr.contains("fetch-depth: 0"))
        #expect(result.stderr.contains("GIT_DEPTH: 0"))
        #expect(result.stderr.contains("git fetch --unshallow"))
        #expect(result.stdout.isEmpty)
    }

    @Test func unknownRevisionAndMissingRepositoryExitTwo() throws {
        let repo = try Self.project()
        let unknown = try CMLBotBinary.run(["metrics", "diff", "nosuchrev"], in: repo.path)
        #expect(unknown.status == 2)
        #expect(unknown.stderr == "error: unknown git revision 'nosuchrev': check the spelling, or fetch it first (git fetch origin nosuchrev)\n")
        let outside = try TemporaryDirectory("cmlbot-norepo")
        let noRepo = try CMLBotBinary.run(["report"], in: outside.path)
        #expect(noRepo.status == 2)
        #expect(noRepo.stderr.hasPrefix("error: not a git repository"))
    }

    @Test func usageErrorsExitSixtyFour() throws {
        let repo = try Self.project()
        let both = try CMLBotBinary.run(["metrics", "diff", "--json", "--md"], in: repo.path)
        #expect(both.status == 64)
        #expect(both.stderr.contains("--json and --md cannot be used together"))
        let range = try CMLBotBinary.run(["metrics", "diff", "HEAD~1..HEAD"], in: repo.path)
        #expect(range.status == 64)
        #expect(range.stderr.contains("use A...B"))
        let unknownFlag = try CMLBotBinary.run(["metrics", "diff", "--bogus"], in: repo.path)
        #expect(unknownFlag.status == 64)
    }

    @Test func corruptAndBinaryEvidenceWarnsAndKeepsGoing() throws {
        let repo = try Self.project()
        try repo.write("metrics.json", "{\"acc\": 0.9,,}")
        try repo.write("eval/summary.yaml", Data([0x00, 0xFF, 0xFE, 0x01]))
        let result = try CMLBotBinary.run(["metrics", "diff", "--json"], in: repo.path)
        #expect(result.status == 0)
        // As DVC: the unreadable side drops out, so every key shows as removed in the workspace.
        #expect(result.stdout.contains(#""acc": {"old": 0.95, "new": null}"#))
        #expect(result.stderr.contains("warning: metrics.json (at workspace): cannot parse: invalid JSON at line 1, column 13"))
        #expect(result.stderr.contains("warning: eval/summary.yaml (at workspace): cannot parse: invalid YAML"))
    }

    @Test func keysDVCCrashesOnAreKeptWithAWarning() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: [
            "dvc.yaml": "metrics: [m.json]\nparams: [p.toml]\n",
            "m.json": #"{"a": {"b": 1}, "a.b": 2, "per_class": [0.9, 0.8], "note": null}"#,
            "p.toml": "when = 1979-05-27\nlr = 0.1\n",
        ])
        try repo.write("m.json", #"{"a": {"b": 3}, "a.b": 2, "per_class": [0.9, 0.7], "note": null}"#)
        try repo.write("p.toml", "when = 1979-05-28\nlr = 0.1\n")
        let metrics = try CMLBotBinary.run(["metrics", "diff", "--json"], in: repo.path)
        #expect(metrics.status == 0)
        #expect(metrics.stdout == #"{"m.json": {"a.b": {"old": 1, "new": 3, "diff": 2}}}"# + "\n")
        #expect(metrics.stderr.contains("key 'a.b' is written both nested and dotted"))
        #expect(metrics.stderr.contains("'per_class', 'note'"))
        let params = try CMLBotBinary.run(["params", "diff", "--json"], in: repo.path)
        #expect(params.status == 0)
        #expect(params.stdout == #"{"p.toml": {"when": {"old": "1979-05-27", "new": "1979-05-28"}}}"# + "\n")
    }

    @Test func hostileNamesCannotBreakTheTablesOrTheReport() throws {
        let repo = try GitRepoBuilder()
        let hostile = #"{"a|b": 1, "<img src=x onerror=alert(1)>": 1, "line\nbreak": 1, "/close": 1, "[x](https://evil)": 1}"#
        try repo.commit("base", files: ["dvc.yaml": "metrics: [m.json]\n", "m.json": hostile])
        try repo.write("m.json", hostile.replacingOccurrences(of: ": 1", with: ": 2"))
        let md = try CMLBotBinary.run(["metrics", "diff", "--md"], in: repo.path)
        #expect(md.status == 0)
        // Header, separator, five rows, then DVC's trailing blank line: a newline in a key did not add a row.
        #expect(md.stdout.split(separator: "\n", omittingEmptySubsequences: false).count == 2 + 5 + 2)
        #expect(md.stdout.contains(#"line\nbreak"#))
        let report = try CMLBotBinary.run(["report"], in: repo.path)
        #expect(report.status == 0)
        #expect(!report.stdout.contains("\n/close"))
        #expect(report.stdout.contains("`a\\|b`"))
        // What a forge shows: rendered as GFM, repository text must not become HTML or links.
        if let html = try MarkdownRendering.html(report.stdout) {
            #expect(!html.contains("<img"))
            #expect(!html.contains("href=\"https://evil"))
            #expect(html.contains("<table>"))
            #expect(html.components(separatedBy: "<tr>").count - 1 == 1 + 5)  // header + one row per key
        }
    }

    @Test func nonUTF8FileNamesAndContentDoNotCrash() throws {
        let repo = try GitRepoBuilder()
        try repo.write("dvc.yaml", "metrics: [m.json, data]\n")
        try repo.write("m.json", #"{"acc": 1}"#)
        let weird = repo.path + "/data/" + String(decoding: [0x62, 0x61, 0x64], as: UTF8.self)
        try FileManager.default.createDirectory(atPath: repo.path + "/data", withIntermediateDirectories: true)
        // A file whose name is not valid UTF-8 (byte 0xFF), written through the C API.
        let name = Array((repo.path + "/data/").utf8) + [0xFF, 0x2E, 0x6A, 0x73, 0x6F, 0x6E, 0]
        let fd = name.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_CREAT | O_WRONLY, 0o644) }
        #expect(fd >= 0)
        _ = "{\"x\": 1}".withCString { write(fd, $0, 8) }
        close(fd)
        _ = weird
        try repo.git("add", "-A")
        try repo.git("commit", "-q", "-m", "base")
        try repo.write("m.json", #"{"acc": 2}"#)
        let result = try CMLBotBinary.run(["metrics", "diff", "--json"], in: repo.path)
        #expect(result.status == 0 || result.status == 2, "must not crash: \(result.status) \(result.stderr)")
        #expect(result.stdout.contains(#""acc": {"old": 1, "new": 2, "diff": 1}"#))
    }

    @Test func configUnknownKeyFailsWithSuggestion() throws {
        let repo = try Self.project()
        try repo.write(".cmlbot.yml", "version: 1\nmetircs:\n  directions: {acc: higher}\n")
        let result = try CMLBotBinary.run(["report"], in: repo.path)
        #expect(result.status == 2)
        #expect(result.stderr == "error: .cmlbot.yml: unknown key 'metircs'; did you mean 'metrics'?\n")
    }

    @Test func reportWritesMarkdownAndJSON() throws {
        let repo = try Self.project()
        try repo.write(".cmlbot.yml", "version: 1\nbase: v1\nmetrics:\n  directions:\n    acc: higher\n    loss: lower\n")
        let out = try TemporaryDirectory("cmlbot-report")
        let result = try CMLBotBinary.run(["report", "--out", out.path], in: repo.path)
        #expect(result.status == 0, "\(result.stderr)")
        let md = try String(contentsOfFile: out.file("report.md"), encoding: .utf8)
        #expect(md == result.stdout)
        #expect(md.contains("**4 metrics changed (2 better) · 2 params changed**"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out.file("report.json")))) as? [String: Any]
        #expect(json?["schema_version"] as? Int == 1)
        let sections = json?["sections"] as? [String: Any]
        #expect((sections?["metrics"] as? [String: Any])?["improved"] as? Int == 2)
        #expect((sections?["params"] as? [String: Any])?["changed"] as? Int == 2)
        let asJSON = try CMLBotBinary.run(["report", "--format", "json"], in: repo.path)
        #expect(asJSON.stdout == (try String(contentsOfFile: out.file("report.json"), encoding: .utf8)))
    }

    @Test func reportOnTheDemoFixtureMatchesGolden() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let repo = try GitRepoBuilder()
        try Shell.run("cp", ["-R", root.path + "/fixtures/demo/base/.", repo.path])
        try repo.git("add", "-A")
        try repo.git("commit", "-q", "-m", "base")
        try Shell.run("cp", ["-R", root.path + "/fixtures/demo/head/.", repo.path])
        let result = try CMLBotBinary.run(["report", "--base", "main"], in: repo.path)
        #expect(result.status == 0, "\(result.stderr)")
        let sha = try repo.git("rev-parse", "--short=7", "HEAD")
        let normalized = result.stdout.replacingOccurrences(of: sha, with: "BASESHA")
        if let failure = Golden.check(normalized, named: "demo-report.md") { Issue.record(Comment(rawValue: failure)) }
    }

    @Test func helpTextMatchesGolden() throws {
        let repo = try Self.project()
        for (args, name) in [(["--help"], "help-cmlbot.txt"), (["metrics", "diff", "--help"], "help-metrics-diff.txt"), (["report", "--help"], "help-report.txt"),
                             (["status", "--help"], "help-status.txt"), (["doctor", "--help"], "help-doctor.txt")] {
            let result = try CMLBotBinary.run(args, in: repo.path, environment: ["COLUMNS": "100"])
            #expect(result.status == 0)
            if let failure = Golden.check(result.stdout, named: name) { Issue.record(Comment(rawValue: failure)) }
        }
    }
}
