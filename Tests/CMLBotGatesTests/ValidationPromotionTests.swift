import CMLBotCompare
import CMLBotCore
import CMLBotEvidence
import Foundation
import Testing
import TestSupport
@testable import CMLBotGates

/// `promote.validation`: suites that must pass and no newly failing expectations.
@Suite struct ValidationPromotionTests {
    static func result(_ suite: String, success: Bool, ageSuccess: Bool) -> ValidationResult {
        ValidationResult(path: "gx/\(suite).json", suite: suite, success: success, statistics: ValidationStatistics(),
                         expectations: [ExpectationOutcome(type: "expect_column_values_to_be_between", column: "age", success: ageSuccess)])
    }

    static func evaluate(_ yaml: String, base: [ValidationResult], head: [ValidationResult]) throws -> [RuleEvaluation] {
        let rules = try PromotionRulesTests.rules(yaml)
        let empty = EvidenceSnapshot(revision: "main")
        var input = PromotionInput(comparison: Comparator.compare(base: empty, head: EvidenceSnapshot(revision: "pr"), config: CMLBotConfig()),
                                   baseSnapshot: empty, headSnapshot: EvidenceSnapshot(revision: "pr"), headTree: InMemoryFileTree([:]),
                                   baseOutputs: [], headOutputs: [])
        input.validation = ValidationComparison.compare(base: base, head: head)
        return PromotionEvaluator.evaluate(rules, input)
    }

    static let yaml = "validation:\n  suites_must_pass: [people, orders]\n  no_new_failures: true\n"

    @Test func newFailureAndMissingSuiteFail() throws {
        let out = try Self.evaluate(Self.yaml, base: [Self.result("people", success: true, ageSuccess: true)],
                                    head: [Self.result("people", success: false, ageSuccess: false)])
        #expect(out.map(\.gate) == ["validation_suite", "validation_suite", "validation_regression"])
        #expect(out.map(\.passed) == [false, false, false])
        #expect(out[0].finding?.message == "validation suite people fails at pr (gx/people.json)")
        #expect(out[1].finding?.message == "validation suite orders has no result at pr")
        #expect(out[2].finding?.message == "1 expectation newly failing: people: expect_column_values_to_be_between(age)")
    }

    @Test func passingSuitesPass() throws {
        let out = try Self.evaluate(Self.yaml, base: [Self.result("people", success: false, ageSuccess: false)],
                                    head: [Self.result("people", success: true, ageSuccess: true), Self.result("orders", success: true, ageSuccess: true)])
        #expect(out.allSatisfy { $0.passed })
        #expect(PromotionEvaluator.gateIDs.contains("validation_suite"))
    }

    @Test func badConfigIsAnError() {
        #expect(throws: ConfigError.self) { try PromotionRulesTests.rules("validation:\n  suites_must_pas: [x]\n") }
        #expect(throws: ConfigError.self) { try PromotionRulesTests.rules("validation:\n  no_new_failures: yes please\n") }
    }
}
