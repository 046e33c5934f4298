import CMLBotCore
import CMLBotEvidence
import CMLBotGates
import Foundation

/// What a findings renderer may mention besides the findings.
public struct FindingsContext: Sendable {
    public var toolVersion: String
    /// The gates that ran (passing ones appear as passed test cases in JUnit, rules in SARIF).
    public var gates: [(id: String, summary: String)]
    /// The text format may colour severities and fix hints (stdout is a terminal, no NO_COLOR).
    public var colour: Bool

    public init(toolVersion: String, gates: [(id: String, summary: String)], colour: Bool = false) {
        self.toolVersion = toolVersion
        self.gates = gates
        self.colour = colour
    }
}

/// One output format for `cmlbot check`/`gate` findings. Adding a format is a type plus a line in
/// `FindingsFormatRegistry.all`.
public protocol FindingsFormat: Sendable {
    static var name: String { get }
    static var summary: String { get }
    static func render(_ findings: [Finding], context: FindingsContext) -> String
}

public enum FindingsFormatRegistry {
    public static let all: [any FindingsFormat.Type] = [
        TextFindings.self, JSONFindings.self, JUnitFindings.self,
        CodeQualityFindings.self, SARIFFindings.self, GitHubFindings.self,
    ]

    public static func format(named name: String) -> (any FindingsFormat.Type)? {
        all.first { $0.name == name }
    }
}

/// Compiler-style lines for a terminal or a CI log.
public enum TextFindings: FindingsFormat {
    public static let name = "text"
    public static let summary = "human-readable lines (path:line: severity: [gate] message), then a summary"

    public static func render(_ findings: [Finding], context: FindingsContext) -> String {
        var out = ""
        for f in findings {
            var location = f.path ?? "(change)"
            if let line = f.line { location += ":\(line)" }
            let severity = context.colour ? ANSI.wrap(f.severity.rawValue, f.severity == .error ? ANSI.boldRed : ANSI.boldYellow) : f.severity.rawValue
            out += "\(location): \(severity): [\(f.gate)] \(f.message)\n"
            if !f.hint.isEmpty { out += "    \(context.colour ? ANSI.wrap("fix", ANSI.green) : "fix"): \(f.hint)\n" }
        }
        let errors = findings.filter { $0.severity == .error }.count
        let warnings = findings.count - errors
        out += "cmlbot: \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s") from \(context.gates.count) gate\(context.gates.count == 1 ? "" : "s")\n"
        return out
    }
}

/// `{"findings": [...], "summary": {"errors": n, "warnings": n}}`.
public enum JSONFindings: FindingsFormat {
    public static let name = "json"
    public static let summary = "{\"findings\": [...], \"summary\": {\"errors\", \"warnings\"}}"

    public static func render(_ findings: [Finding], context: FindingsContext) -> String {
        let items: [Value] = findings.map { f in
            .object(OrderedObject([
                ("gate", .string(f.gate)), ("severity", .string(f.severity.rawValue)),
                ("path", f.path.map(Value.string) ?? .null), ("line", f.line.map(Value.int) ?? .null),
                ("message", .string(f.message)), ("hint", .string(f.hint)),
            ]))
        }
        let errors = findings.filter { $0.severity == .error }.count
        let root = Value.object(OrderedObject([
            ("findings", .array(items)),
            ("summary", .object(OrderedObject([("errors", .int(errors)), ("warnings", .int(findings.count - errors))]))),
        ]))
        return JSONWriter.pretty.string(root) + "\n"
    }
}

/// JUnit XML as GitLab's `artifacts:reports:junit` reads it: a test case per gate that passed, a
/// failed test case per error finding, warnings as passed cases with the text in system-out.
public enum JUnitFindings: FindingsFormat {
    public static let name = "junit"
    public static let summary = "JUnit XML for GitLab artifacts:reports:junit and other CI test tabs"

    public static func render(_ findings: [Finding], context: FindingsContext) -> String {
        var cases: [String] = []
        var failures = 0
        let gatesWithFindings = Set(findings.map(\.gate))
        for gate in context.gates where !gatesWithFindings.contains(gate.id) {
            cases.append("    <testcase classname=\"cmlbot.\(xml(gate.id))\" name=\"\(xml(gate.id))\"/>")
        }
        for f in findings {
            let name = xml(f.path.map { "\(f.gate): \($0)\(f.line.map { ":\($0)" } ?? "")" } ?? f.gate)
            var attributes = "classname=\"cmlbot.\(xml(f.gate))\" name=\"\(name)\""
            if let path = f.path { attributes += " file=\"\(xml(path))\"" }
            if f.severity == .error {
                failures += 1
                cases.append("    <testcase \(attributes)>\n      <failure type=\"\(xml(f.gate))\" message=\"\(xml(f.message))\">\(xml(f.message + "\nfix: " + f.hint))</failure>\n    </testcase>")
            } else {
                cases.append("    <testcase \(attributes)>\n      <system-out>warning: \(xml(f.message + "\nfix: " + f.hint))</system-out>\n    </testcase>")
            }
        }
        let header = "tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"0\""
        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuites name="cmlbot" \(header)>
          <testsuite name="cmlbot" \(header) skipped="0">
        \(cases.joined(separator: "\n"))
          </testsuite>
        </testsuites>

        """
    }

    /// XML 1.0 text with line breaks kept: messages and hints are multi-line.
    static func xml(_ s: String) -> String { XMLText.escapeKeepingLineBreaks(s) }
}

/// GitLab Code Quality (CodeClimate issue subset): shown in the merge request widget and diff.
public enum CodeQualityFindings: FindingsFormat {
    public static let name = "codequality"
    public static let summary = "GitLab Code Quality JSON for artifacts:reports:codequality"

    public static func render(_ findings: [Finding], context: FindingsContext) -> String {
        let items: [Value] = findings.map { f in
            var location = OrderedObject()
            location["path"] = .string(f.path ?? ".cmlbot.yml")
            location["lines"] = .object(OrderedObject([("begin", .int(f.line ?? 1))]))
            return .object(OrderedObject([
                ("description", .string(f.message + " — " + f.hint)),
                ("check_name", .string(f.gate)),
                // Stable across runs for the same problem, so GitLab can tell new issues from fixed ones.
                ("fingerprint", .string(Digest.hex(.md5, Data("\(f.gate)\u{0}\(f.path ?? "")\u{0}\(f.line ?? 0)\u{0}\(f.message)".utf8)))),
                ("severity", .string(f.severity == .error ? "major" : "minor")),
                ("location", .object(location)),
            ]))
        }
        return JSONWriter.pretty.string(.array(items)) + "\n"
    }
}

/// SARIF 2.1.0, as GitHub code scanning uploads it (`github/codeql-action/upload-sarif`).
public enum SARIFFindings: FindingsFormat {
    public static let name = "sarif"
    public static let summary = "SARIF 2.1.0 for GitHub code scanning"

    public static func render(_ findings: [Finding], context: FindingsContext) -> String {
        let rules: [Value] = context.gates.map { gate in
            .object(OrderedObject([
                ("id", .string(gate.id)),
                ("shortDescription", .object(OrderedObject([("text", .string(gate.summary))]))),
            ]))
        }
        let results: [Value] = findings.map { f in
            var result = OrderedObject()
            result["ruleId"] = .string(f.gate)
            result["level"] = .string(f.severity == .error ? "error" : "warning")
            result["message"] = .object(OrderedObject([("text", .string(f.message + ". Fix: " + f.hint))]))
            if let path = f.path {
                var physical = OrderedObject()
                physical["artifactLocation"] = .object(OrderedObject([("uri", .string(uriPath(path)))]))
                if let line = f.line { physical["region"] = .object(OrderedObject([("startLine", .int(line))])) }
                result["locations"] = .array([.object(OrderedObject([("physicalLocation", .object(physical))]))])
            }
            return .object(result)
        }
        let driver = OrderedObject([
            ("name", .string("cmlbot")), ("version", .string(context.toolVersion)),
            ("rules", .array(rules)),
        ])
        let root = OrderedObject([
            ("$schema", .string("https://json.schemastore.org/sarif-2.1.0.json")),
            ("version", .string("2.1.0")),
            ("runs", .array([.object(OrderedObject([
                ("tool", .object(OrderedObject([("driver", .object(driver))]))),
                ("results", .array(results)),
            ]))])),
        ])
        return JSONWriter.pretty.string(.object(root)) + "\n"
    }

    /// A relative URI reference: percent-encode what is not allowed in a path segment.
    static func uriPath(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if byte < 0x80, c.isLetter || c.isNumber || "-._~/!$&'()*+,;=:@".contains(c) { out.append(c) }
            else { out += String(format: "%%%02X", byte) }
        }
        return out
    }
}

/// GitHub Actions workflow commands: annotations on the PR diff and the run page.
public enum GitHubFindings: FindingsFormat {
    public static let name = "github"
    public static let summary = "GitHub Actions ::error/::warning workflow commands (annotations)"

    public static func render(_ findings: [Finding], context: FindingsContext) -> String {
        var out = ""
        for f in findings {
            var properties: [String] = []
            if let path = f.path { properties.append("file=" + property(path)) }
            if let line = f.line { properties.append("line=\(line)") }
            properties.append("title=" + property("cmlbot \(f.gate)"))
            out += "::\(f.severity == .error ? "error" : "warning") \(properties.joined(separator: ","))::\(data(f.message + "\nfix: " + f.hint))\n"
        }
        return out
    }

    /// Escaping from the Actions toolkit (`escapeData`/`escapeProperty`), which also stops a value
    /// from smuggling in a second command on a new line.
    static func data(_ s: String) -> String {
        s.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
    }

    static func property(_ s: String) -> String {
        data(s).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}
