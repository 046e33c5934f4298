import CMLBotCore
import CMLBotGates

/// Promotion gate verdicts, first in the report: what blocks the merge, and why.
public struct PromotionSection: ReportSection {
    public static let id = "gates"
    public static let title = "Promotion gates"

    let evaluations: [RuleEvaluation]

    public init(_ input: ReportInput) { evaluations = input.evaluations }

    var failures: [Finding] { evaluations.compactMap(\.finding).sortedForOutput() }

    public func summaryClause() -> String? {
        guard !evaluations.isEmpty else { return nil }
        let errors = failures.filter { $0.severity == .error }.count
        let warnings = failures.count - errors
        if failures.isEmpty { return "gates pass" }
        var parts: [String] = []
        if errors > 0 { parts.append("\(errors) gate\(errors == 1 ? "" : "s") failed") }
        if warnings > 0 { parts.append("\(warnings) gate warning\(warnings == 1 ? "" : "s")") }
        return parts.joined(separator: ", ")
    }

    public func markdown() -> String {
        if evaluations.isEmpty {
            return "No promotion rules configured (add `promote:` to `.cmlbot.yml`).\n"
        }
        if failures.isEmpty {
            return "✅ All \(evaluations.count) rule check\(evaluations.count == 1 ? "" : "s") pass.\n"
        }
        var out = "| | Gate | Problem | Fix |\n|---|---|---|---|\n"
        for f in failures {
            out += "| \(f.severity == .error ? "❌" : "⚠️") | \(MarkdownEscaping.code(f.gate)) | \(MarkdownEscaping.inline(f.message)) | \(MarkdownEscaping.inline(f.hint)) |\n"
        }
        let passed = evaluations.filter(\.passed).count
        if passed > 0 { out += "\n\(passed) other rule check\(passed == 1 ? "" : "s") pass.\n" }
        return out
    }

    public func json() -> Value {
        var o = OrderedObject()
        o["evaluated"] = .int(evaluations.count)
        o["failed"] = .int(failures.count)
        o["items"] = .array(evaluations.map { e in
            .object(OrderedObject([
                ("gate", .string(e.gate)), ("rule", .string(e.rule)), ("verdict", .string(e.passed ? "pass" : "fail")),
                ("severity", e.finding.map { .string($0.severity.rawValue) } ?? .null),
                ("path", e.finding?.path.map(Value.string) ?? .null),
                ("message", e.finding.map { .string($0.message) } ?? .null),
                ("inputs", .object(e.inputs)),
            ]))
        })
        return .object(o)
    }
}
