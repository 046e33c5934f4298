import Foundation
import Testing
import TestSupport

/// `cmlbot check` and `cmlbot gate` as pre-commit and CI run them, on real repositories, with
/// verdict parity against the reference tools.
@Suite struct CheckEndToEndTests {
    static func tool(_ variable: String) throws -> String? { try ReferenceTools.fromEnvironment(variable) }

    /// Files around the 500 KB boundary, an LFS pointer, and small files; staged, not committed.
    static func sizedRepository() throws -> GitRepoBuilder {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["README.md": "hi\n"])
        try repo.write("committed.bin", Data(count: 700_000))
        try repo.git("add", "committed.bin")
        try repo.git("commit", "-q", "-m", "big file already in history")
        for (name, size) in [("exact.bin", 512_000), ("over.bin", 512_001), ("huge.bin", 2_000_000), ("small.txt", 10)] {
            try repo.write(name, Data(repeating: 0x61, count: size))
        }
        try repo.write("model.pt", "version https://git-lfs.github.com/spec/v1\noid sha256:abcd\nsize 123456789\n")
        try repo.write("committed.bin", Data(count: 800_000))
        try repo.git("add", "-A")
        return repo
    }

    static func failingPaths(_ json: String) throws -> [String] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let findings = object?["findings"] as? [[String: Any]] ?? []
        return findings.compactMap { $0["path"] as? String }.sorted()
    }

    @Test func stagedCheckFindsAddedLargeFiles() throws {
        let repo = try Self.sizedRepository()
        let result = try CMLBotBinary.run(["check", "--format", "json", "--gate", "large_files"], in: repo.path)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(try Self.failingPaths(result.stdout) == ["huge.bin", "over.bin"])
        let text = try CMLBotBinary.run(["check", "--gate", "large_files"], in: repo.path)
        #expect(text.stdout.contains("over.bin: error: [large_files] over.bin (501 KB) exceeds 500 KB\n"))
        #expect(text.stdout.hasSuffix("cmlbot: 2 errors, 0 warnings from 1 gate\n"))
        let relaxed = try CMLBotBinary.run(["check", "--gate", "large_files", "--max-kb", "5000"], in: repo.path)
        #expect(relaxed.status == 0)
        let never = try CMLBotBinary.run(["check", "--gate", "large_files", "--fail-on", "never"], in: repo.path)
        #expect(never.status == 0)
    }

    @Test func largeFileVerdictsMatchCheckAddedLargeFiles() throws {
        guard let reference = try Self.tool("CMLBOT_CHECK_LARGE_FILES") else { return }
        let repo = try Self.sizedRepository()
        let files = ["committed.bin", "exact.bin", "huge.bin", "model.pt", "over.bin", "small.txt"]
        for enforceAll in [false, true] {
            let extra = enforceAll ? ["--enforce-all"] : []
            // The Python hook needs git-lfs for its LFS check; without it, it treats nothing as LFS.
            let theirs = try Shell.run(reference, extra + files, in: repo.path, environment: GitRepoBuilder.environment)
            let theirFailures = files.filter { theirs.stdout.contains("\($0) (") }.sorted()
            let ours = try CMLBotBinary.run(["check", "--staged", "--format", "json", "--gate", "large_files"] + extra + files, in: repo.path)
            #expect(try Self.failingPaths(ours.stdout) == theirFailures, "enforce-all \(enforceAll): \(theirs.stdout)")
            #expect((ours.status == 1) == (theirs.status == 1))
        }
    }

    @Test func commitHookIndexFromGitIndexFileIsChecked() throws {
        // `git commit -a` and `git commit PATHS` run hooks against a temporary index named by GIT_INDEX_FILE.
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["a.txt": "a"])
        try repo.write("big.bin", Data(count: 700_000))
        let temporaryIndex = repo.path + "/../tmp-index-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: repo.path + "/.git/index", toPath: temporaryIndex)
        var env = GitRepoBuilder.environment
        env["GIT_INDEX_FILE"] = temporaryIndex
        try Shell.run("git", ["add", "big.bin"], in: repo.path, environment: env)
        let plain = try CMLBotBinary.run(["check", "--gate", "large_files"], in: repo.path)
        #expect(plain.status == 0)
        let hooked = try CMLBotBinary.run(["check", "--gate", "large_files", "--format", "json"], in: repo.path, environment: ["GIT_INDEX_FILE": temporaryIndex])
        #expect(hooked.status == 1)
        #expect(try Self.failingPaths(hooked.stdout) == ["big.bin"])
    }

    @Test func rangeAndAllScopes() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["a.txt": "a"])
        try repo.write("big.bin", Data(count: 600_000))
        try repo.commit("add big")
        let range = try CMLBotBinary.run(["check", "--base", "HEAD~1", "--head", "HEAD", "--format", "json", "--gate", "large_files"], in: repo.path)
        #expect(try Self.failingPaths(range.stdout) == ["big.bin"])
        try repo.commit("unrelated", files: ["b.txt": "b"])
        let later = try CMLBotBinary.run(["check", "--base", "HEAD~1", "--head", "HEAD", "--gate", "large_files"], in: repo.path)
        #expect(later.status == 0)
        let all = try CMLBotBinary.run(["check", "--all", "--format", "json", "--gate", "large_files"], in: repo.path)
        #expect(try Self.failingPaths(all.stdout) == ["big.bin"])
    }

    @Test func configuredGatesAndConfigErrors() throws {
        let repo = try Self.sizedRepository()
        try repo.write(".cmlbot.yml", "version: 1\ngates:\n  large_files:\n    max_kb: 1000\n")
        try repo.git("add", ".cmlbot.yml")
        let badGate = try CMLBotBinary.run(["check", "--gate", "large_file"], in: repo.path)
        #expect(badGate.status == 64)
        #expect(badGate.stderr.contains("unknown gate 'large_file'; did you mean 'large_files'?"))
        let configured = try CMLBotBinary.run(["check", "--format", "json", "--gate", "large_files"], in: repo.path)
        #expect(try Self.failingPaths(configured.stdout) == ["huge.bin"])
        try repo.write(".cmlbot.yml", "version: 1\ngates:\n  large_file:\n    max_kb: 1000\n")
        try repo.git("add", ".cmlbot.yml")
        let typo = try CMLBotBinary.run(["check"], in: repo.path)
        #expect(typo.status == 2)
        #expect(typo.stderr.contains("gates: unknown gate 'large_file'; did you mean 'large_files'?"))
    }

    @Test func everyOutputFormatIsReadableByItsConsumer() throws {
        let repo = try Self.sizedRepository()
        func run(_ format: String) throws -> String {
            let r = try CMLBotBinary.run(["check", "--format", format, "--gate", "large_files"], in: repo.path)
            #expect(r.status == 1, "\(format): \(r.stderr)")
            return r.stdout
        }
        let dir = try TemporaryDirectory("cmlbot-formats")
        let sarif = try run("sarif"), junit = try run("junit"), codequality = try run("codequality"), github = try run("github")
        try sarif.write(toFile: dir.file("out.sarif"), atomically: true, encoding: .utf8)
        try junit.write(toFile: dir.file("out.xml"), atomically: true, encoding: .utf8)
        try codequality.write(toFile: dir.file("cq.json"), atomically: true, encoding: .utf8)
        #expect(github.components(separatedBy: "\n").filter { $0.hasPrefix("::error file=") }.count == 2)

        if let python = try Self.tool("CMLBOT_SARIF_PYTHON") {
            // sarif-pydantic: the SARIF 2.1.0 object model, strict; sarif-tools: Microsoft's SARIF reader.
            let check = try Shell.run(python, ["-c", """
            import sys, json
            from sarif_pydantic import Sarif
            log = Sarif.model_validate_json(open(sys.argv[1]).read())
            from sarif import loader
            f = loader.load_sarif_file(sys.argv[1])
            print(log.version, len(log.runs[0].results), f.get_result_count())
            """, dir.file("out.sarif")])
            #expect(check.status == 0, "\(check.stderr)")
            #expect(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("2 2"), "\(check.stdout)")
        }
        if let python = try Self.tool("CMLBOT_JUNIT_PYTHON") {
            let check = try Shell.run(python, ["-c", """
            import sys
            from junitparser import JUnitXml, Failure
            xml = JUnitXml.fromfile(sys.argv[1])
            cases = [c for s in xml for c in s]
            failed = [c for c in cases if any(isinstance(r, Failure) for r in c.result)]
            print(len(cases), len(failed), xml.failures)
            """, dir.file("out.xml")])
            #expect(check.status == 0, "\(check.stderr)")
            #expect(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "2 2 2")
        }
        if let checker = try Self.tool("CMLBOT_CHECK_JSONSCHEMA") {
            let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Schemas/gitlab-codequality.schema.json").path
            let check = try Shell.run(checker, ["--schemafile", schema, dir.file("cq.json")])
            #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
        }
    }

    @Test func realPreCommitRunsTheLocalHook() throws {
        guard let preCommit = try Self.tool("CMLBOT_PRECOMMIT") else { return }
        let repo = try GitRepoBuilder()
        try repo.write(".pre-commit-config.yaml", """
        repos:
          - repo: local
            hooks:
              - id: cmlbot-large-files
                name: cmlbot large files
                entry: \(CMLBotBinary.path) check --gate large_files
                language: system
                pass_filenames: true
        """)
        try repo.write("small.txt", "ok\n")
        try repo.git("add", "-A")
        var env = GitRepoBuilder.environment
        let home = try TemporaryDirectory("cmlbot-precommit-home")
        env["PRE_COMMIT_HOME"] = home.path
        let clean = try Shell.run(preCommit, ["run"], in: repo.path, environment: env)
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        #expect(clean.stdout.contains("Passed"))
        try repo.write("weights.bin", Data(count: 800_000))
        try repo.git("add", "weights.bin")
        let blocked = try Shell.run(preCommit, ["run"], in: repo.path, environment: env)
        #expect(blocked.status == 1)
        #expect(blocked.stdout.contains("Failed"))
        #expect(blocked.stdout.contains("weights.bin (782 KB) exceeds 500 KB"))
    }

    @Test func promotionGateWritesDeterministicEvidenceAndReportExplainsFailures() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: [
            "dvc.yaml": "metrics: [m.json]\n",
            "m.json": #"{"acc": 0.90, "loss": 0.30}"#,
            ".cmlbot.yml": "version: 1\nbase: main\npromote:\n  metrics:\n    - {metric: acc, min: 0.85, max_drop: 0.01}\n    - {metric: loss, max_increase: \"5%\", severity: warning}\n",
        ])
        try repo.git("checkout", "-q", "-b", "pr")
        try repo.commit("worse", files: ["m.json": #"{"acc": 0.86, "loss": 0.33}"#])
        let gate = try CMLBotBinary.run(["gate", "--head", "HEAD", "--evidence", "ev.json"], in: repo.path)
        #expect(gate.status == 1)
        #expect(gate.stdout.contains("m.json: error: [metric_regression] m.json:acc dropped by 0.04 (0.9 → 0.86), more than the allowed 0.01"))
        #expect(gate.stdout.contains("warning: [metric_regression] m.json:loss rose by 0.03"))
        let first = try String(contentsOfFile: repo.path + "/ev.json", encoding: .utf8)
        _ = try CMLBotBinary.run(["gate", "--head", "HEAD", "--evidence", "ev.json"], in: repo.path)
        #expect(try String(contentsOfFile: repo.path + "/ev.json", encoding: .utf8) == first)
        let record = try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any]
        #expect(record?["decision"] as? String == "fail")
        #expect((record?["evidence"] as? [[String: Any]])?.count == 4)  // dvc.yaml and m.json at base and head
        #expect(((record?["config"] as? [String: Any])?["sha256"] as? String)?.count == 64)
        let onlyErrors = try CMLBotBinary.run(["gate", "--head", "HEAD", "--fail-on", "never"], in: repo.path)
        #expect(onlyErrors.status == 0)

        // --config: rules from outside the change under review (e.g. the base branch's copy).
        let outside = try TemporaryDirectory("cmlbot-config")
        try "version: 1\nbase: main\npromote:\n  metrics:\n    - {metric: acc, min: 0.5}\n".write(toFile: outside.file("gates.yml"), atomically: true, encoding: .utf8)
        let lenient = try CMLBotBinary.run(["gate", "--head", "HEAD", "--config", outside.file("gates.yml")], in: repo.path)
        #expect(lenient.status == 0, "\(lenient.stdout)\(lenient.stderr)")
        let missing = try CMLBotBinary.run(["gate", "--config", "nope.yml"], in: repo.path)
        #expect(missing.status == 2)
        #expect(missing.stderr == "error: nope.yml: no such file (given with --config)\n")

        let out = try TemporaryDirectory("cmlbot-gated-report")
        let report = try CMLBotBinary.run(["report", "--head", "HEAD", "--out", out.path], in: repo.path)
        #expect(report.status == 1)
        #expect(FileManager.default.fileExists(atPath: out.file("report.md")))
        #expect(report.stdout.contains("**1 gate failed, 1 gate warning · 2 metrics changed**"))
        #expect(report.stdout.contains("### Promotion gates\n\n| | Gate | Problem | Fix |"))
    }
}
