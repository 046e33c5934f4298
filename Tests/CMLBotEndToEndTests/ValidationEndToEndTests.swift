import Foundation
import Testing
import TestSupport

/// A reference-tool step that did not work (GE itself, or copying its output).
struct GEFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// `cmlbot validation diff` and the report's validation section on results written by the real
/// Great Expectations packages (0.18 and 1.x, pinned in scripts/test-tools.sh).
@Suite struct ValidationEndToEndTests {
    /// The dvc-and-ge.md setup: 8 rows, 3 expectations. The base data has ages 162 and -1, so the
    /// between-check fails; the head data is clean, so it passes.
    static let baseAges = "30,40,50,20,33,41,162,-1"
    static let headAges = "30,40,50,20,33,41,62,1"

    static let ge018Script = #"""
    import json, os, sys
    import pandas as pd
    import great_expectations as gx
    for root, ages in ((sys.argv[1], sys.argv[2]), (sys.argv[3], sys.argv[4])):
        df = pd.DataFrame({"id": list(range(1, 9)), "age": [int(a) for a in ages.split(",")]})
        context = gx.get_context(mode="file", project_root_dir=root)
        validator = context.sources.pandas_default.read_dataframe(df)
        validator.expectation_suite_name = "people"
        validator.expect_column_values_to_not_be_null("id")
        validator.expect_column_values_to_be_between("age", min_value=0, max_value=120)
        validator.expect_table_row_count_to_be_between(min_value=1, max_value=100)
        validator.save_expectation_suite(discard_failed_expectations=False)
        result = validator.validate()
        os.makedirs(root + "/reports", exist_ok=True)
        with open(root + "/reports/ge_validation_0.18.json", "w") as f:
            json.dump(result.to_json_dict(), f, indent=2)
        checkpoint = context.add_or_update_checkpoint(name="cp", validator=validator)
        with open(root + "/reports/ge_checkpoint_result_0.18.json", "w") as f:
            json.dump(checkpoint.run().to_json_dict(), f, indent=2)
    """#

    static let gx1Script = #"""
    import json, os, sys
    import pandas as pd
    import great_expectations as gx
    for root, ages in ((sys.argv[1], sys.argv[2]), (sys.argv[3], sys.argv[4])):
        df = pd.DataFrame({"id": list(range(1, 9)), "age": [int(a) for a in ages.split(",")]})
        context = gx.get_context(mode="file", project_root_dir=root)
        batch_definition = context.data_sources.add_pandas("pandas").add_dataframe_asset("people_frame").add_batch_definition_whole_dataframe("whole")
        suite = context.suites.add(gx.ExpectationSuite(name="people"))
        suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeNull(column="id"))
        suite.add_expectation(gx.expectations.ExpectColumnValuesToBeBetween(column="age", min_value=0, max_value=120))
        suite.add_expectation(gx.expectations.ExpectTableRowCountToBeBetween(min_value=1, max_value=100))
        definition = context.validation_definitions.add(gx.ValidationDefinition(name="people_check", data=batch_definition, suite=suite))
        result = definition.run(batch_parameters={"dataframe": df}, result_format="SUMMARY")
        os.makedirs(root + "/reports", exist_ok=True)
        with open(root + "/reports/ge_validation.json", "w") as f:
            json.dump(result.to_json_dict(), f, indent=2)
        checkpoint = context.checkpoints.add(gx.Checkpoint(name="cp", validation_definitions=[definition], actions=[], result_format="SUMMARY"))
        with open(root + "/reports/ge_checkpoint_result.json", "w") as f:
            json.dump(checkpoint.run(batch_parameters={"dataframe": df}).describe_dict(), f, indent=2)
    """#

    /// Runs GE once for both revisions (importing GE is the slow part) and commits base, then head
    /// on top of it, so GE's store holds both runs at head as it would in a real repository.
    static func repository(python: String, script: String) throws -> GitRepoBuilder {
        let work = try TemporaryDirectory("cmlbot-ge")
        try Data(script.utf8).write(to: URL(fileURLWithPath: work.file("make_results.py")))
        let run = try Shell.run(python, [work.file("make_results.py"), work.file("base"), baseAges, work.file("head"), headAges], in: work.path)
        guard run.status == 0 else { throw GEFailure(message: "GE failed: \(run.stderr.suffix(3000))") }
        let repo = try GitRepoBuilder()
        try repo.write(".cmlbot.yml", "version: 1\nvalidation:\n  files: [\"reports/*.json\"]\n")
        for side in ["base", "head"] {
            let copy = try Shell.run("cp", ["-R", work.file(side) + "/.", repo.path + "/"])
            guard copy.status == 0 else { throw GEFailure(message: copy.stderr) }
            try repo.commit(side)
        }
        return repo
    }

    /// The suite result inside a file as GE wrote it: the file itself, a 0.18 checkpoint's first
    /// `run_results` entry, or a 1.x checkpoint description's first `validation_results` entry.
    static func writtenSuiteResult(_ repo: GitRepoBuilder, revision: String, path: String) throws -> [String: Any] {
        let text = try repo.git("show", "\(revision):\(path)")
        let root = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        if let runs = root["run_results"] as? [String: Any], let first = runs.values.first as? [String: Any] {
            return try #require(first["validation_result"] as? [String: Any])
        }
        if let list = root["validation_results"] as? [[String: Any]] { return try #require(list.first) }
        return root
    }

    /// A JSON scalar as text, so Foundation's Bool/NSNumber bridging cannot blur `true` and `1`.
    static func text(_ value: Any?) -> String {
        guard let value, !(value is NSNull) else { return "null" }
        if let data = try? JSONSerialization.data(withJSONObject: [value], options: [.fragmentsAllowed]),
           let s = String(data: data, encoding: .utf8) { return String(s.dropFirst().dropLast()) }
        return "\(value)"
    }

    static func check(python: String, script: String, version: String) throws {
        let repo = try repository(python: python, script: script)
        let result = try CMLBotBinary.run(["validation", "diff", "HEAD~1", "HEAD", "--json"], in: repo.path)
        #expect(result.status == 0, "\(version): \(result.stderr)")
        #expect(result.stderr.isEmpty, "\(version): \(result.stderr)")
        let diff = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: [String: Any]], "\(result.stdout)")

        let storeFiles = try repo.git("ls-tree", "-r", "--name-only", "HEAD", "gx/uncommitted/validations").split(separator: "\n").filter { $0.hasSuffix(".json") }
        let storeKeys = diff.keys.filter { $0.hasPrefix("gx/uncommitted/validations/") }
        // GE's store keeps every run; only the latest per suite and batch is compared.
        #expect(storeKeys.count == (storeFiles.isEmpty ? 0 : 1), "\(version): \(diff.keys.sorted())")
        #expect(diff.keys.filter { $0.hasPrefix("reports/") }.count == 2, "\(version): \(diff.keys.sorted())")

        for (key, entry) in diff {
            let path = String(key.split(separator: "#").first ?? "")
            #expect(entry["suite"] as? String == "people" || (entry["suite"] is NSNull && key.contains("checkpoint")), "\(version) \(key)")
            // Statistics exactly as GE wrote them: the head file at this path, and the base file
            // at this path when it existed (store runs pair across paths; compare with known values).
            for (side, revision) in [("new", "HEAD"), ("old", "HEAD~1")] {
                let summary = try #require(entry[side] as? [String: Any], "\(version) \(key) \(side)")
                // (success, evaluated, successful, unsuccessful) as GE wrote them for this file.
                let expected: [String]
                if (try? repo.git("cat-file", "-e", "\(revision):\(path)")) != nil {
                    let written = try writtenSuiteResult(repo, revision: revision, path: path)
                    let stats = try #require(written["statistics"] as? [String: Any])
                    expected = [text(written["success"]), text(stats["evaluated_expectations"]),
                                text(stats["successful_expectations"]), text(stats["unsuccessful_expectations"])]
                } else {
                    #expect(side == "old" && key.hasPrefix("gx/"), "\(version) \(key)")
                    expected = ["false", "3", "2", "1"]
                }
                let actual = [text(summary["success"]), text(summary["evaluated"]), text(summary["successful"]), text(summary["unsuccessful"])]
                #expect(actual == expected, "\(version) \(key) \(side)")
            }
            let old = try #require(entry["old"] as? [String: Any]), new = try #require(entry["new"] as? [String: Any])
            #expect(old["success"] as? Bool == false && new["success"] as? Bool == true, "\(version) \(key)")
            #expect(new["successful"] as? Int == 3 && old["successful"] as? Int == 2, "\(version) \(key)")

            let expectations = try #require(entry["expectations"] as? [[String: Any]])
            #expect(expectations.map { $0["type"] as? String } == ["expect_column_values_to_not_be_null", "expect_column_values_to_be_between", "expect_table_row_count_to_be_between"], "\(version) \(key)")
            let age = expectations[1]
            #expect(age["column"] as? String == "age")
            #expect(age["old"] as? String == "fail" && age["new"] as? String == "pass", "\(version) \(key)")
            let counts = try #require(age["unexpected_count"] as? [String: Any])
            #expect(counts["old"] as? Int == 2 && counts["new"] as? Int == 0, "\(version) \(key): \(counts)")
            #expect(expectations[2]["column"] is NSNull)
        }

        // The readable table and the report section.
        let table = try CMLBotBinary.run(["validation", "diff", "HEAD~1", "HEAD"], in: repo.path)
        #expect(table.status == 0)
        #expect(table.stdout.contains("expect_column_values_to_be_between  age     fail    pass  2 -> 0"), "\(version): \(table.stdout)")
        let report = try CMLBotBinary.run(["report", "--base", "HEAD~1", "--head", "HEAD"], in: repo.path)
        #expect(report.status == 0, "\(version): \(report.stderr)")
        #expect(report.stdout.contains("Validation results (Great Expectations)"))
        #expect(report.stdout.contains("| ❌ fail (2/3 passed) | ✅ pass (3/3 passed) |"), "\(version): \(report.stdout)")
        #expect(report.stdout.contains("**Newly passing**"))
        #expect(report.stdout.contains("| `expect_column_values_to_be_between` | `age` | fail | pass | 2 → 0 |"), "\(version): \(report.stdout)")
    }

    @Test func greatExpectations018() throws {
        guard let python = try ReferenceTools.fromEnvironment("CMLBOT_GE018_PYTHON") else { return }
        try Self.check(python: python, script: Self.ge018Script, version: "0.18")
    }

    @Test func greatExpectations1x() throws {
        guard let python = try ReferenceTools.fromEnvironment("CMLBOT_GX1_PYTHON") else { return }
        try Self.check(python: python, script: Self.gx1Script, version: "1.x")
    }

    @Test func reportSaysSoWhenThereAreNoResults() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["README.md": "x\n"])
        try repo.commit("head", files: ["README.md": "y\n", "gx/uncommitted/validations/s/r/t/b.json": "{\"not\": \"ge\"}"])
        let report = try CMLBotBinary.run(["report", "--base", "HEAD~1", "--head", "HEAD"], in: repo.path)
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("No Great Expectations results found at base or head."))
        #expect(report.stderr.contains("gx/uncommitted/validations/s/r/t/b.json (at HEAD): cannot read as a Great Expectations result"), "\(report.stderr)")
        let diff = try CMLBotBinary.run(["validation", "diff", "HEAD~1", "HEAD", "--json"], in: repo.path)
        #expect(diff.status == 0)
        #expect(diff.stdout == "{}\n")
    }
}
