import CMLBotCore
import Foundation
import TestSupport
import Testing
@testable import CMLBotEvidence

/// Great Expectations results in the shapes GE 0.18 and GX 1.x write (trimmed copies of real
/// output; the end-to-end tests run the real packages).
@Suite struct ValidationTests {
    static func result018(suite: String = "people", runTime: String = "2026-11-27T06:51:46.143710+00:00",
                          ageSuccess: Bool = false, ageUnexpected: String = "[162, -1]", ageCount: Int = 2) -> String {
        """
        {"success": \(ageSuccess), "results": [
          {"success": true, "expectation_config": {"expectation_type": "expect_column_values_to_not_be_null",
             "kwargs": {"column": "id", "batch_id": "default_pandas_datasource-#ephemeral_pandas_asset"}, "meta": {}},
           "result": {"element_count": 8, "unexpected_count": 0, "unexpected_percent": 0.0, "partial_unexpected_list": []},
           "meta": {}, "exception_info": {"raised_exception": false, "exception_traceback": null, "exception_message": null}},
          {"success": \(ageSuccess), "expectation_config": {"expectation_type": "expect_column_values_to_be_between",
             "kwargs": {"min_value": 0, "max_value": 120, "column": "age", "batch_id": "default_pandas_datasource-#ephemeral_pandas_asset"}, "meta": {}},
           "result": {"element_count": 8, "unexpected_count": \(ageCount), "unexpected_percent": 25.0, "partial_unexpected_list": \(ageUnexpected)},
           "meta": {}, "exception_info": {"raised_exception": false, "exception_traceback": null, "exception_message": null}},
          {"success": true, "expectation_config": {"expectation_type": "expect_table_row_count_to_be_between",
             "kwargs": {"min_value": 1, "max_value": 100, "batch_id": "default_pandas_datasource-#ephemeral_pandas_asset"}, "meta": {}},
           "result": {"observed_value": 8}, "meta": {}, "exception_info": {"raised_exception": false}}
        ],
        "evaluation_parameters": {},
        "statistics": {"evaluated_expectations": 3, "successful_expectations": \(ageSuccess ? 3 : 2), "unsuccessful_expectations": \(ageSuccess ? 0 : 1), "success_percent": \(ageSuccess ? "100.0" : "66.66666666666666")},
        "meta": {"great_expectations_version": "0.18.22", "expectation_suite_name": "\(suite)",
                 "run_id": {"run_name": null, "run_time": "\(runTime)"},
                 "active_batch_definition": {"datasource_name": "default_pandas_datasource", "data_connector_name": "fluent", "data_asset_name": "#ephemeral_pandas_asset", "batch_identifiers": {}},
                 "validation_time": "20261127T065146.143710Z"}}
        """
    }

    static let result1x = """
        {"success": false, "results": [
          {"success": true, "expectation_config": {"type": "expect_column_values_to_not_be_null", "kwargs": {"batch_id": "pandas-people_frame", "column": "id"}, "meta": {}, "id": "5b1c", "severity": "critical"},
           "result": {"element_count": 8, "unexpected_count": 0, "partial_unexpected_list": []}, "meta": {},
           "exception_info": {"raised_exception": false, "exception_traceback": null, "exception_message": null}},
          {"success": false, "expectation_config": {"type": "expect_column_values_to_be_between", "kwargs": {"batch_id": "pandas-people_frame", "column": "age", "min_value": 0.0, "max_value": 120.0}, "meta": {}, "id": "77aa", "severity": "critical"},
           "result": {"element_count": 8, "unexpected_count": 2, "partial_unexpected_list": [162, -1]}, "meta": {},
           "exception_info": {"raised_exception": false, "exception_traceback": null, "exception_message": null}},
          {"success": true, "expectation_config": {"type": "expect_table_row_count_to_be_between", "kwargs": {"batch_id": "pandas-people_frame", "min_value": 1, "max_value": 100}, "meta": {}, "id": "9c0d", "severity": "critical"},
           "result": {"observed_value": 8}, "meta": {}, "exception_info": {"raised_exception": false}}
        ],
        "suite_name": "people", "suite_parameters": {},
        "statistics": {"evaluated_expectations": 3, "successful_expectations": 2, "unsuccessful_expectations": 1, "success_percent": 66.66666666666666},
        "meta": {"great_expectations_version": "1.24.1", "batch_spec": {}, "batch_markers": {}, "active_batch_definition": {},
                 "validation_id": "v1", "checkpoint_id": null, "batch_parameters": {}, "validation_time": "2026-11-27T06:51:20.484222+00:00"},
        "id": null}
        """

    static let checkpoint1x = """
        {"success": false,
         "statistics": {"evaluated_validations": 1, "success_percent": 0.0, "successful_validations": 0, "unsuccessful_validations": 1},
         "validation_results": [{"success": false,
           "statistics": {"evaluated_expectations": 3, "successful_expectations": 2, "unsuccessful_expectations": 1, "success_percent": 66.66666666666666},
           "expectations": [
             {"expectation_type": "expect_column_values_to_not_be_null", "success": true, "kwargs": {"batch_id": "pandas-people_frame", "column": "id"}, "result": {"unexpected_count": 0}},
             {"expectation_type": "expect_column_values_to_be_between", "success": false, "kwargs": {"batch_id": "pandas-people_frame", "column": "age", "min_value": 0.0, "max_value": 120.0}, "result": {"unexpected_count": 2, "partial_unexpected_list": [162, -1]}},
             {"expectation_type": "expect_table_row_count_to_be_between", "success": true, "kwargs": {"batch_id": "pandas-people_frame", "min_value": 1, "max_value": 100}, "result": {"observed_value": 8}}
           ], "result_url": null}]}
        """

    static func checkpoint018(_ results: [String]) -> String {
        let entries = results.enumerated().map { "\"ValidationResultIdentifier::people/__none__/run\($0.offset)/batch\": {\"validation_result\": \($0.element), \"actions_results\": {}}" }
        return "{\"checkpoint_config\": {}, \"run_id\": {}, \"run_results\": {\(entries.joined(separator: ", "))}, \"success\": false}"
    }

    func parse(_ text: String, path: String = "r.json") throws -> [ValidationResult] {
        try ValidationParser.parse(Data(text.utf8), path: path)
    }

    func checkPeople(_ r: ValidationResult, suite: String? = "people") {
        #expect(r.suite == suite)
        #expect(r.success == false)
        #expect(r.statistics.evaluated == .int(3))
        #expect(r.statistics.successful == .int(2))
        #expect(r.statistics.unsuccessful == .int(1))
        #expect(r.statistics.successPercent == .double(66.66666666666666))
        #expect(r.expectations.map(\.type) == ["expect_column_values_to_not_be_null", "expect_column_values_to_be_between", "expect_table_row_count_to_be_between"])
        #expect(r.expectations.map(\.column) == ["id", "age", nil])
        #expect(r.expectations.map(\.success) == [true, false, true])
        #expect(r.expectations[1].unexpectedCount == .int(2))
        #expect(r.expectations[1].unexpectedValues == [.int(162), .int(-1)])
        #expect(r.expectations[2].unexpectedCount == nil)
    }

    @Test func ge018ValidationResult() throws {
        let results = try parse(Self.result018())
        #expect(results.count == 1)
        checkPeople(results[0])
        #expect(results[0].key == "r.json")
        #expect(results[0].batch == "default_pandas_datasource-#ephemeral_pandas_asset")
        #expect(results[0].runTime == "20261127065146143710")
        #expect(results[0].expectations[2].observedValue == .int(8))
    }

    @Test func gx1ValidationResultUsesTypeAndSuiteName() throws {
        let results = try parse(Self.result1x)
        #expect(results.count == 1)
        checkPeople(results[0])
        // 1.x validation_time is ISO; it sorts with 0.18's compact form.
        #expect(results[0].runTime == "20261127065120484222")
    }

    @Test func gx1CheckpointDescribeDict() throws {
        let results = try parse(Self.checkpoint1x, path: "cp.json")
        #expect(results.count == 1)
        // describe_dict() does not name the suite.
        checkPeople(results[0], suite: nil)
        #expect(results[0].batch == "pandas-people_frame")
    }

    @Test func ge018CheckpointWithSeveralResults() throws {
        let results = try parse(Self.checkpoint018([Self.result018(), Self.result018(suite: "other")]), path: "cp.json")
        #expect(results.map(\.suite) == ["people", "other"])
        #expect(results.map(\.key) == ["cp.json#people", "cp.json#other"])
        checkPeople(results[0])
    }

    @Test func foreignAndCorruptJSONAreErrorsNotCrashes() {
        for text in ["{\"metrics\": 1}", "[1, 2]", "{\"results\": 5}", "{\"results\": [", "", "null", "{\"run_results\": {\"x\": 1}}"] {
            #expect(throws: (any Error).self, "\(text)") { try parse(text) }
        }
        // Entries of the wrong shape are skipped, not fatal.
        let odd = try? parse(#"{"success": true, "results": [1, {"success": true}, {"expectation_config": {"type": 7}}]}"#)
        #expect(odd?.first?.expectations.isEmpty == true)
    }

    @Test func discoveryFindsStoresAndConfiguredGlobsAndWarnsOnForeignJSON() throws {
        let tree = InMemoryFileTree([
            "gx/uncommitted/validations/people/__none__/20261127T090000.000000Z/batch.json": Self.result018(runTime: "2026-11-27T09:00:00+00:00"),
            "gx/uncommitted/validations/people/__none__/20261127T100000.000000Z/batch.json": Self.result018(runTime: "2026-11-27T10:00:00+00:00", ageSuccess: true, ageUnexpected: "[]", ageCount: 0),
            "gx/uncommitted/validations/.ge_store_backend_id": "x",
            "great_expectations/uncommitted/validations/broken.json": "{not json",
            "reports/ge/a.json": Self.result1x.replacingOccurrences(of: "\"people\"", with: "\"reports_suite\""),
            "reports/other.txt": "x",
        ])
        var diagnostics: [Diagnostic] = []
        let results = try ValidationDiscovery.collect(tree, configured: ["reports/ge/*.json", "missing.json"], diagnostics: &diagnostics)
        // Of the two runs of `people` on one batch, the 10:00 one counts.
        #expect(results.map(\.key) == ["gx/uncommitted/validations/people/__none__/20261127T100000.000000Z/batch.json", "reports/ge/a.json"])
        #expect(results[0].success)
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.path == "great_expectations/uncommitted/validations/broken.json")
    }

    @Test func pairingByPathThenBySuiteAndBatch() throws {
        let base = try parse(Self.result018(), path: "gx/uncommitted/validations/people/a/1/b.json")
            + parse(Self.result1x, path: "reports/fixed.json")
            + parse(Self.result018(suite: "gone"), path: "reports/gone.json")
        let head = try parse(Self.result018(ageSuccess: true, ageUnexpected: "[]", ageCount: 0), path: "gx/uncommitted/validations/people/a/2/b.json")
            + parse(Self.result1x, path: "reports/fixed.json")
        let changes = ValidationComparison.compare(base: base, head: head)
        #expect(changes.map(\.key) == ["gx/uncommitted/validations/people/a/2/b.json", "reports/fixed.json", "reports/gone.json"])
        let flipped = changes[0]
        #expect(flipped.old?.path == "gx/uncommitted/validations/people/a/1/b.json")
        #expect(flipped.expectations.map(\.newlyPassing) == [false, true, false])
        #expect(flipped.expectations[1].oldStatus == .fail && flipped.expectations[1].newStatus == .pass)
        #expect(changes[2].new == nil)
        #expect(changes[2].expectations.allSatisfy { $0.newStatus == .absent })
    }

    @Test func expectationsPairByTypeColumnAndOccurrence() {
        let a = ExpectationOutcome(type: "expect_x", column: "c", success: true)
        let b = ExpectationOutcome(type: "expect_x", column: "c", success: false)
        let pairs = ValidationComparison.pairExpectations([a, a], [b])
        #expect(pairs.map(\.oldStatus) == [.pass, .pass])
        #expect(pairs.map(\.newStatus) == [.fail, .absent])
        #expect(pairs[0].newlyFailing && !pairs[1].newlyFailing)
    }

    @Test func hostileValuesAreKeptAsDataAndCapped() throws {
        let many = (0..<50).map { "\"<script>alert(\($0))</script>\"" }.joined(separator: ", ")
        let text = Self.result018(ageUnexpected: "[\(many)]")
        let r = try parse(text)[0]
        #expect(r.expectations[1].unexpectedValues.count == ValidationParser.keptUnexpectedValues)
        #expect(r.expectations[1].unexpectedValues.first == .string("<script>alert(0)</script>"))
    }

    @Test func configKeyValidationFiles() throws {
        let config = try ConfigLoader.load(from: InMemoryFileTree([CMLBotConfig.fileName: "version: 1\nvalidation:\n  files: [reports/v.json, \"reports/ge/*.json\"]\n"]))
        #expect(config.validationFiles == ["reports/v.json", "reports/ge/*.json"])
        #expect(throws: ConfigError.self) {
            try ConfigLoader.load(from: InMemoryFileTree([CMLBotConfig.fileName: "version: 1\nvalidation:\n  file: [x]\n"]))
        }
    }
}
