import CMLBotCompare
import CMLBotCore
import CMLBotEvidence
import Foundation
import Testing
import TestSupport
@testable import CMLBotReport

@Suite struct ValidationSectionTests {
    static func input(_ changes: [ValidationChange]) -> ReportInput {
        let base = EvidenceSnapshot(revision: "main"), head = EvidenceSnapshot(revision: "pr")
        var input = ReportInput(base: RevisionInfo(label: "main", commit: nil), head: RevisionInfo(label: "pr", commit: nil),
                                baseSnapshot: base, headSnapshot: head,
                                comparison: Comparator.compare(base: base, head: head, config: CMLBotConfig()), config: CMLBotConfig())
        input.validation = changes
        return input
    }

    static func result(_ suite: String, success: Bool, _ expectations: [ExpectationOutcome]) -> ValidationResult {
        ValidationResult(path: "gx/\(suite).json", suite: suite, success: success,
                         statistics: ValidationStatistics(evaluated: .int(expectations.count), successful: .int(expectations.filter(\.success).count),
                                                          unsuccessful: .int(expectations.filter { !$0.success }.count)),
                         expectations: expectations)
    }

    @Test func emptySaysSo() {
        let section = ValidationSection(Self.input([]))
        #expect(section.markdown() == "No Great Expectations results found at base or head.\n")
        #expect(section.summaryClause() == nil)
    }

    @Test func newlyFailingFirstWithEscapedValues() throws {
        let hostile = "<script>alert(1)</script>|`x`"
        let old = Self.result("people", success: true, [
            ExpectationOutcome(type: "expect_column_values_to_be_in_set", column: "name", success: true, unexpectedCount: .int(0)),
            ExpectationOutcome(type: "expect_column_values_to_be_between", column: "age", success: false, unexpectedCount: .int(2), unexpectedValues: [.int(162), .int(-1)]),
        ])
        let new = Self.result("people", success: false, [
            ExpectationOutcome(type: "expect_column_values_to_be_in_set", column: "name", success: false, unexpectedCount: .int(1), unexpectedValues: [.string(hostile)]),
            ExpectationOutcome(type: "expect_column_values_to_be_between", column: "age", success: true, unexpectedCount: .int(0)),
        ])
        let changes = ValidationComparison.compare(base: [old], head: [new])
        let section = ValidationSection(Self.input(changes))
        let md = section.markdown()
        #expect(md.hasPrefix("""
        | Result | Suite | Base | Head |
        |---|---|---|---|
        | `gx/people.json` | `people` | ✅ pass (1/2 passed) | ❌ fail (1/2 passed) |

        **Newly failing**

        """))
        // The hostile value stays inside a code span: its `|` cannot split the row, its tags are text.
        #expect(md.contains("| `expect_column_values_to_be_in_set` | `name` | pass | fail | 0 → 1 | ``'<script>alert(1)</script>\\|`x`'`` |\n"), "\(md)")
        #expect(md.contains("| `expect_column_values_to_be_between` | `age` | fail | pass | 2 → 0 |  |\n"), "\(md)")
        let failing = try #require(md.range(of: "**Newly failing**")), passing = try #require(md.range(of: "**Newly passing**"))
        #expect(failing.lowerBound < passing.lowerBound)
        #expect(section.summaryClause() == "1 expectation newly failing, 1 newly passing")
        if let html = try MarkdownRendering.html(md) {
            #expect(!html.contains("<script>"), "\(html)")
        }
        let json = JSONWriter.python.string(section.json())
        #expect(json.hasPrefix(#"{"newly_failing": 1, "newly_passing": 1, "items": {"gx/people.json": {"suite": "people", "old": {"success": true, "evaluated": 2, "successful": 1, "unsuccessful": 1}"#))
    }
}
