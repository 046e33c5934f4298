/// Serialises `Value`s deterministically. The default style is byte-for-byte Python's
/// `json.dumps(obj)` (what DVC prints): `", "`/`": "` separators, `\uXXXX` for non-ASCII, floats as
/// `repr()`, `NaN`/`Infinity`. The pretty style (report.json) is indented, UTF-8, and strict: it
/// writes non-finite numbers as strings so any JSON parser can read the file.
public struct JSONWriter: Sendable {
    public var indent: Int?
    public var asciiOnly: Bool
    public var allowNonFinite: Bool

    /// Python `json.dumps` with defaults: DVC's `--json` output.
    public static let python = JSONWriter(indent: nil, asciiOnly: true, allowNonFinite: true)
    /// Two-space indented, UTF-8, strict JSON.
    public static let pretty = JSONWriter(indent: 2, asciiOnly: false, allowNonFinite: false)

    public init(indent: Int?, asciiOnly: Bool, allowNonFinite: Bool) {
        self.indent = indent
        self.asciiOnly = asciiOnly
        self.allowNonFinite = allowNonFinite
    }

    public func string(_ value: Value) -> String {
        var out = ""
        write(value, level: 0, into: &out)
        return out
    }

    private func write(_ value: Value, level: Int, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .bigInt(let s): out += s
        case .double(let d):
            if d.isFinite { out += PythonFormat.repr(d) }
            else if allowNonFinite { out += d.isNaN ? "NaN" : d > 0 ? "Infinity" : "-Infinity" }
            else { writeString(d.isNaN ? "NaN" : d > 0 ? "Infinity" : "-Infinity", into: &out) }
        case .string(let s), .date(let s): writeString(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += indent == nil ? ", " : "," }
                newline(level + 1, into: &out)
                write(item, level: level + 1, into: &out)
            }
            newline(level, into: &out)
            out += "]"
        case .object(let object):
            if object.isEmpty { out += "{}"; return }
            out += "{"
            for (i, pair) in object.pairs.enumerated() {
                if i > 0 { out += indent == nil ? ", " : "," }
                newline(level + 1, into: &out)
                writeString(pair.key, into: &out)
                out += ": "
                write(pair.value, level: level + 1, into: &out)
            }
            newline(level, into: &out)
            out += "}"
        }
    }

    private func newline(_ level: Int, into out: inout String) {
        guard let indent else { return }
        out += "\n" + String(repeating: " ", count: indent * level)
    }

    private static let hex: [Character] = Array("0123456789abcdef")

    private func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                let v = scalar.value
                if v < 0x20 || (asciiOnly && v >= 0x7F) {
                    if v > 0xFFFF {
                        let u = v - 0x10000
                        escape(0xD800 + (u >> 10), into: &out)
                        escape(0xDC00 + (u & 0x3FF), into: &out)
                    } else {
                        escape(v, into: &out)
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    private func escape(_ v: UInt32, into out: inout String) {
        out += "\\u"
        for shift in stride(from: 12, through: 0, by: -4) { out.append(Self.hex[Int((v >> UInt32(shift)) & 0xF)]) }
    }
}
