import CMLBotCore
import CMLBotEvidence

/// Great Expectations suite verdicts at base and head, and the expectations that flipped.
public struct ValidationSection: ReportSection {
    public static let id = "validation"
    public static let title = "Validation results (Great Expectations)"

    let changes: [ValidationChange]

    public init(_ input: ReportInput) {
        changes = input.validation
    }

    var newlyFailing: [(ValidationChange, ValidationChange.Expectation)] {
        changes.flatMap { c in c.expectations.filter(\.newlyFailing).map { (c, $0) } }
    }

    var newlyPassing: [(ValidationChange, ValidationChange.Expectation)] {
        changes.flatMap { c in c.expectations.filter(\.newlyPassing).map { (c, $0) } }
    }

    public func summaryClause() -> String? {
        guard !changes.isEmpty else { return nil }
        let failing = newlyFailing.count, passing = newlyPassing.count
        let failedSuites = changes.filter { $0.new.map { !$0.success } ?? false }.count
        var parts: [String] = []
        if failing > 0 { parts.append("\(failing) expectation\(failing == 1 ? "" : "s") newly failing") }
        if passing > 0 { parts.append("\(passing) newly passing") }
        if parts.isEmpty && failedSuites == 0 { return nil }
        if parts.isEmpty { parts.append("\(failedSuites) suite\(failedSuites == 1 ? "" : "s") failing") }
        return parts.joined(separator: ", ")
    }

    public func markdown() -> String {
        if changes.isEmpty { return "No Great Expectations results found at base or head.\n" }
        var out = "| Result | Suite | Base | Head |\n|---|---|---|---|\n"
        for change in changes {
            out += "| \(MarkdownEscaping.code(change.key)) | \(change.suite.map(MarkdownEscaping.code) ?? "—") | "
                + "\(Self.verdict(change.old)) | \(Self.verdict(change.new)) |\n"
        }
        let failing = newlyFailing, passing = newlyPassing
        if failing.isEmpty && passing.isEmpty {
            out += "\nNo expectation changed verdict.\n"
        }
        if !failing.isEmpty {
            out += "\n**Newly failing**\n\n" + table(failing)
        }
        if !passing.isEmpty {
            out += "\n**Newly passing**\n\n" + table(passing)
        }
        // Expectations that failed before and still fail: known debt, listed so it is not forgotten.
        let still = changes.flatMap { c in c.expectations.filter { $0.oldStatus == .fail && $0.newStatus == .fail }.map { (c, $0) } }
        if !still.isEmpty {
            out += "\n<details><summary>Still failing (\(still.count))</summary>\n\n" + table(still) + "\n</details>\n"
        }
        return out
    }

    private func table(_ rows: [(ValidationChange, ValidationChange.Expectation)]) -> String {
        let multiple = changes.count > 1
        var out = (multiple ? "| Result " : "") + "| Expectation | Column | Base | Head | Unexpected (base → head) | Unexpected values (head) |\n"
        out += (multiple ? "|---" : "") + "|---|---|---|---|---:|---|\n"
        for (change, e) in rows {
            var cells = [
                MarkdownEscaping.code(e.type),
                e.column.map(MarkdownEscaping.code) ?? "—",
                e.oldStatus.rawValue, e.newStatus.rawValue,
                "\(Self.count(e.old?.unexpectedCount)) → \(Self.count(e.new?.unexpectedCount))",
                Self.values(e.new ?? e.old),
            ]
            if multiple { cells.insert(MarkdownEscaping.code(label(change)), at: 0) }
            out += "| " + cells.joined(separator: " | ") + " |\n"
        }
        return out
    }

    /// The suite name where it identifies the result, else the result's path.
    private func label(_ change: ValidationChange) -> String {
        guard let suite = change.suite, changes.filter({ $0.suite == suite }).count == 1 else { return change.key }
        return suite
    }

    static func verdict(_ result: ValidationResult?) -> String {
        guard let result else { return "—" }
        let s = result.statistics
        let counts = s.successful.flatMap { ok in s.evaluated.map { "\(PythonFormat.str(ok))/\(PythonFormat.str($0)) passed" } }
        return (result.success ? "✅ pass" : "❌ fail") + (counts.map { " (\($0))" } ?? "")
    }

    static func count(_ value: Value?) -> String {
        guard let value else { return "—" }
        switch value {
        case .int, .bigInt, .double: return PythonFormat.str(value)
        default: return MarkdownEscaping.code(PythonFormat.str(value))
        }
    }

    static func values(_ outcome: ExpectationOutcome?) -> String {
        guard let outcome else { return "" }
        if let message = outcome.exceptionMessage {
            return "raised " + MarkdownEscaping.code(String(message.prefix(200)))
        }
        if !outcome.unexpectedValues.isEmpty {
            return outcome.unexpectedValues.map { MarkdownEscaping.code(String(PythonFormat.repr($0).prefix(80))) }.joined(separator: " ")
        }
        if let observed = outcome.observedValue { return "observed " + MarkdownEscaping.code(String(PythonFormat.repr(observed).prefix(80))) }
        return ""
    }

    public func json() -> Value {
        var section = OrderedObject()
        section["newly_failing"] = .int(newlyFailing.count)
        section["newly_passing"] = .int(newlyPassing.count)
        section["items"] = ValidationDiffRenderer.value(changes)
        return .object(section)
    }
}

/// `cmlbot validation diff`: the per-file JSON shape, and a readable table.
public enum ValidationDiffRenderer {
    /// `{"<key>": {"suite", "old", "new", "expectations": [...]}}`, statistics as GE wrote them.
    public static func value(_ changes: [ValidationChange], displayKey: (String) -> String = { $0 }) -> Value {
        var root = OrderedObject()
        for change in changes {
            var o = OrderedObject()
            o["suite"] = change.suite.map(Value.string) ?? .null
            o["old"] = summary(change.old)
            o["new"] = summary(change.new)
            o["expectations"] = .array(change.expectations.map { e in
                var x = OrderedObject()
                x["type"] = .string(e.type)
                x["column"] = e.column.map(Value.string) ?? .null
                x["old"] = .string(e.oldStatus.rawValue)
                x["new"] = .string(e.newStatus.rawValue)
                var counts = OrderedObject()
                counts["old"] = e.old?.unexpectedCount ?? .null
                counts["new"] = e.new?.unexpectedCount ?? .null
                x["unexpected_count"] = .object(counts)
                return .object(x)
            })
            root[displayKey(change.key)] = .object(o)
        }
        return .object(root)
    }

    static func summary(_ result: ValidationResult?) -> Value {
        guard let result else { return .null }
        var o = OrderedObject()
        o["success"] = .bool(result.success)
        o["evaluated"] = result.statistics.evaluated ?? .null
        o["successful"] = result.statistics.successful ?? .null
        o["unsuccessful"] = result.statistics.unsuccessful ?? .null
        return .object(o)
    }

    public static func json(_ changes: [ValidationChange], displayKey: (String) -> String = { $0 }) -> String {
        JSONWriter.python.string(value(changes, displayKey: displayKey)) + "\n"
    }

    /// One block per result: the suite verdicts, then every expectation whose verdict or unexpected
    /// count differs (all of them when the result is new or gone).
    public static func table(_ changes: [ValidationChange], oldLabel: String, newLabel: String, displayKey: (String) -> String = { $0 }) -> String {
        if changes.isEmpty { return "No Great Expectations results found at \(oldLabel) or \(newLabel).\n" }
        var out = ""
        for (index, change) in changes.enumerated() {
            if index > 0 { out += "\n" }
            out += "\(clean(displayKey(change.key)))  suite \(clean(change.suite ?? "(not recorded)"))\n"
            out += "  \(oldLabel): \(plain(change.old))\n  \(newLabel): \(plain(change.new))\n"
            let rows = change.expectations.filter { $0.oldStatus != $0.newStatus || $0.old?.unexpectedCount != $0.new?.unexpectedCount }
            guard !rows.isEmpty else { continue }
            let header = ["Expectation", "Column", oldLabel, newLabel, "Unexpected"]
            let cells = rows.map { e in
                [clean(e.type), clean(e.column ?? "-"), e.oldStatus.rawValue, e.newStatus.rawValue,
                 "\(e.old?.unexpectedCount.map(PythonFormat.str) ?? "-") -> \(e.new?.unexpectedCount.map(PythonFormat.str) ?? "-")"]
            }
            var widths = header.map(TextWidth.columns)
            for row in cells { for (i, c) in row.enumerated() { widths[i] = max(widths[i], TextWidth.columns(c)) } }
            for row in [header] + cells {
                var line = "  " + row.enumerated().map { TextWidth.padRight($1, to: widths[$0]) }.joined(separator: "  ")
                while line.hasSuffix(" ") { line.removeLast() }
                out += line + "\n"
            }
        }
        return out
    }

    static func plain(_ result: ValidationResult?) -> String {
        guard let result else { return "absent" }
        let s = result.statistics
        var counts = ""
        if let ok = s.successful, let all = s.evaluated { counts = " (\(PythonFormat.str(ok))/\(PythonFormat.str(all)) passed)" }
        return (result.success ? "pass" : "fail") + counts
    }

    /// Terminal output must not carry control characters from a hostile file.
    static func clean(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : $0 }))
    }
}
