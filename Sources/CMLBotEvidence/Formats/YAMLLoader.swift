import CMLBotCore
import Foundation
import Yams

/// YAML read the way DVC reads it: ruamel.yaml with YAML 1.2 core-schema scalars. So `1e-4` is a
/// float, `yes`/`on` are strings, `0o17` is 15, `1_000` is 1000, `2020-01-01` is a date. libyaml
/// (through Yams) does the parsing; the scalar typing is ours, because Yams follows YAML 1.1.
public enum YAMLLoader {
    /// Upper bound on nodes produced, so alias bombs ("billion laughs") fail instead of eating memory.
    public static let maximumNodes = 2_000_000
    public static let maximumDepth = 512

    private static let plainTag = Tag.Name(rawValue: "tag:cmlbot,2026:plain")
    // Every plain scalar resolves to our marker tag; quoted ones and explicit `!!tags` keep theirs.
    private static let resolver: Resolver = (try? Resolver.basic.appending(plainTag, "^")) ?? .basic

    public static func parse(_ data: Data) throws -> Value {
        guard let text = String(validating: data, as: UTF8.self) else {
            throw FormatError(format: "YAML", reason: "file is not valid UTF-8 text")
        }
        if text.utf8.contains(0) { throw FormatError(format: "YAML", reason: "file contains NUL bytes (binary?)") }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text, resolver)
        } catch let error as YamlError {
            throw Self.formatError(error)
        } catch {
            throw FormatError(format: "YAML", reason: "\(error)")
        }
        guard let node else { return .null }  // an empty document, as ruamel's load gives None
        var budget = maximumNodes
        return try convert(node, depth: 0, budget: &budget)
    }

    private static func formatError(_ error: YamlError) -> FormatError {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            return FormatError(format: "YAML", line: mark.line, column: mark.column, reason: what)
        case let .duplicatedKeysInMapping(duplicates, context):
            return FormatError(format: "YAML", line: context.mark.line, column: context.mark.column,
                               reason: "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", "))")
        default:
            return FormatError(format: "YAML", reason: "\(error)".split(separator: "\n").first.map(String.init) ?? "parse error")
        }
    }

    private static func convert(_ node: Node, depth: Int, budget: inout Int) throws -> Value {
        budget -= 1
        guard budget > 0 else { throw FormatError(format: "YAML", reason: "document expands to more than \(maximumNodes) nodes (alias bomb?)") }
        guard depth < maximumDepth else { throw FormatError(format: "YAML", reason: "nesting deeper than \(maximumDepth) levels") }
        switch node {
        case .scalar(let scalar):
            return scalarValue(scalar)
        case .alias:
            // Yams resolves aliases to their anchored nodes while composing; a leftover alias is unknown.
            throw FormatError(format: "YAML", line: node.mark?.line, reason: "unresolved alias")
        case .sequence(let sequence):
            var items: [Value] = []
            items.reserveCapacity(sequence.count)
            for child in sequence { items.append(try convert(child, depth: depth + 1, budget: &budget)) }
            return .array(items)
        case .mapping(let mapping):
            var object = OrderedObject()
            var merged: [OrderedObject] = []
            for (keyNode, valueNode) in mapping {
                if case .scalar(let k) = keyNode, k.string == "<<", k.style == .plain {
                    // YAML merge keys, which ruamel honours: explicit keys win over merged ones.
                    let source = try convert(valueNode, depth: depth + 1, budget: &budget)
                    if let o = source.objectValue { merged.append(o) }
                    if let list = source.arrayValue { merged.append(contentsOf: list.compactMap(\.objectValue)) }
                    continue
                }
                let key = try keyString(keyNode, depth: depth, budget: &budget)
                object[key] = try convert(valueNode, depth: depth + 1, budget: &budget)
            }
            for source in merged {
                for (k, v) in source.pairs where object[k] == nil { object[k] = v }
            }
            return .object(object)
        }
    }

    /// Mapping keys become strings as Python would print them in a flattened key (`1` → "1", `true` → "True").
    private static func keyString(_ node: Node, depth: Int, budget: inout Int) throws -> String {
        let value = try convert(node, depth: depth + 1, budget: &budget)
        switch value {
        case .string(let s), .date(let s), .bigInt(let s): return s
        case .int(let i): return String(i)
        case .bool(let b): return b ? "True" : "False"
        case .double(let d): return PythonFormat.repr(d)
        case .null: return "None"
        default: return PythonFormat.repr(value)
        }
    }

    static func scalarValue(_ scalar: Node.Scalar) -> Value {
        let text = scalar.string
        let tag = Node.scalar(scalar).tag.description
        if tag == plainTag.rawValue {
            return resolvePlain(text)
        }
        switch tag {
        case "tag:yaml.org,2002:int": return parseInt(text).map(Value.int) ?? .string(text)
        case "tag:yaml.org,2002:float": return parseFloat(text).map(Value.double) ?? .string(text)
        case "tag:yaml.org,2002:bool": return resolvePlain(text).isBool ? resolvePlain(text) : .string(text)
        case "tag:yaml.org,2002:null": return .null
        default: return .string(text)
        }
    }

    /// YAML 1.2 core schema as ruamel.yaml's resolver applies it to plain scalars.
    static func resolvePlain(_ text: String) -> Value {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        let bytes = Array(text.utf8)
        guard let first = bytes.first else { return .string(text) }
        let startsNumeric = (first >= 0x30 && first <= 0x39) || first == 0x2B || first == 0x2D || first == 0x2E
        guard startsNumeric else { return .string(text) }
        if let i = parseInt(text) { return .int(i) }
        if let big = parseBigInt(text) { return .bigInt(big) }
        if let d = parseFloat(text) { return .double(d) }
        if let date = YAMLTimestamp.parse(text) { return .date(date) }
        return .string(text)
    }

    /// `[-+]?0b[01_]+ | [-+]?0o?[0-7_]+ | [-+]?[0-9_]+ | [-+]?0x[0-9a-fA-F_]+` (ruamel, YAML 1.2).
    static func parseInt(_ text: String) -> Int? {
        var s = Substring(text)
        var negative = false
        if let c = s.first, c == "+" || c == "-" { negative = c == "-"; s = s.dropFirst() }
        guard !s.isEmpty else { return nil }
        var radix = 10
        if s.hasPrefix("0b") { radix = 2; s = s.dropFirst(2) }
        else if s.hasPrefix("0x") { radix = 16; s = s.dropFirst(2) }
        else if s.hasPrefix("0o") { radix = 8; s = s.dropFirst(2) }
        guard !s.isEmpty, s.allSatisfy({ $0 == "_" || $0.isHexDigit }) else { return nil }
        let digits = s.filter { $0 != "_" }
        guard !digits.isEmpty, let magnitude = Int(digits, radix: radix) else { return nil }
        // Int(_:radix:) would accept hex digits in decimal text only when radix is 16; re-check decimal.
        if radix == 10, !digits.allSatisfy(\.isASCII), !digits.allSatisfy(\.isNumber) { return nil }
        return negative ? -magnitude : magnitude
    }

    /// Decimal integers beyond Int64, exact, as Python keeps them.
    static func parseBigInt(_ text: String) -> String? {
        var s = Substring(text)
        var sign = ""
        if let c = s.first, c == "+" || c == "-" { sign = c == "-" ? "-" : ""; s = s.dropFirst() }
        let digits = s.filter { $0 != "_" }
        guard digits.count > 18, s.allSatisfy({ $0 == "_" || ($0.isASCII && $0.isNumber) }) else { return nil }
        let trimmed = digits.drop { $0 == "0" }
        return sign + (trimmed.isEmpty ? "0" : String(trimmed))
    }

    /// ruamel's 1.2 float: `[-+]?([0-9][0-9_]*)\.[0-9_]*([eE][-+]?[0-9]+)? | [-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
    /// | \.[0-9_]+([eE][-+][0-9]+)? | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)`.
    static func parseFloat(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        let b = Array(text.utf8)
        var i = 0
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        func digitsOrUnderscore() -> Int {
            let start = i
            while i < b.count, isDigit(b[i]) || b[i] == 0x5F { i += 1 }
            return i - start
        }
        func exponent(requireSign: Bool) -> Bool {
            guard i < b.count, b[i] == 0x65 || b[i] == 0x45 else { return true }
            i += 1
            if i < b.count, b[i] == 0x2B || b[i] == 0x2D { i += 1 } else if requireSign { return false }
            let start = i
            while i < b.count, isDigit(b[i]) { i += 1 }
            return i > start
        }
        if b.first == 0x2E {
            // `.5`: no sign allowed before it in ruamel's pattern, and an exponent needs a sign.
            i = 1
            guard digitsOrUnderscore() > 0, exponent(requireSign: true), i == b.count else { return nil }
        } else {
            if let c = b.first, c == 0x2B || c == 0x2D { i = 1 }
            guard i < b.count, isDigit(b[i]) else { return nil }
            _ = digitsOrUnderscore()
            if i < b.count, b[i] == 0x2E {
                i += 1
                _ = digitsOrUnderscore()
                guard exponent(requireSign: false), i == b.count else { return nil }
            } else {
                guard i < b.count, b[i] == 0x65 || b[i] == 0x45, exponent(requireSign: false), i == b.count else { return nil }
            }
        }
        var cleaned = text.filter { $0 != "_" }
        if cleaned.hasSuffix(".") { cleaned += "0" }
        if cleaned.hasPrefix(".") { cleaned = "0" + cleaned }
        cleaned = cleaned.replacingOccurrences(of: ".e", with: ".0e").replacingOccurrences(of: ".E", with: ".0E")
        return Double(cleaned)
    }
}

extension Value {
    var isBool: Bool { if case .bool = self { return true }; return false }
}

/// YAML timestamps (`2001-12-14`, `2001-12-14t21:59:43.10-05:00`), which ruamel turns into Python
/// dates and datetimes; kept as the text Python's `str()` prints for them.
enum YAMLTimestamp {
    static func parse(_ text: String) -> String? {
        let b = Array(text.utf8)
        func digits(_ from: Int, _ count: ClosedRange<Int>) -> (String, Int)? {
            var i = from
            while i < b.count, i - from < count.upperBound, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            guard count.contains(i - from) else { return nil }
            return (String(decoding: b[from..<i], as: UTF8.self), i)
        }
        guard let (y, i1) = digits(0, 4...4), i1 < b.count, b[i1] == 0x2D,
              let (m, i2) = digits(i1 + 1, 1...2), i2 < b.count, b[i2] == 0x2D,
              let (d, i3) = digits(i2 + 1, 1...2) else { return nil }
        let date = "\(y)-\(m.count == 1 ? "0" + m : m)-\(d.count == 1 ? "0" + d : d)"
        if i3 == b.count { return date }
        // Date-times are rare in params; keep the text as written rather than guess Python's form.
        return text
    }
}
