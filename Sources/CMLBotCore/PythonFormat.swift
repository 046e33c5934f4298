import Foundation

/// Numbers and values printed exactly as Python prints them, because DVC's output is Python's
/// `str()`/`repr()` and `round()`, and a drop-in must produce the same bytes. Locale-independent.
public enum PythonFormat {
    /// `repr(float)`: the shortest text that round-trips, fixed notation when the decimal exponent is
    /// in -4..<16, else `d.ddde±XX` (at least two exponent digits); `1.0` keeps its `.0`.
    public static func repr(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        if x == 0 { return x.sign == .minus ? "-0.0" : "0.0" }
        let (negative, digits, pointPosition) = shortestDigits(x)
        let sign = negative ? "-" : ""
        // pointPosition: the value is 0.DIGITS × 10^pointPosition (Python's `decpt`).
        if pointPosition > -4 && pointPosition <= 16 {
            if pointPosition <= 0 {
                return sign + "0." + String(repeating: "0", count: -pointPosition) + digits
            }
            if pointPosition >= digits.count {
                return sign + digits + String(repeating: "0", count: pointPosition - digits.count) + ".0"
            }
            let cut = digits.index(digits.startIndex, offsetBy: pointPosition)
            return sign + digits[..<cut] + "." + digits[cut...]
        }
        let exponent = pointPosition - 1
        let mantissa = digits.count == 1 ? digits : String(digits.prefix(1)) + "." + digits.dropFirst()
        let expText = String(abs(exponent))
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (expText.count < 2 ? "0" + expText : expText)
    }

    /// Splits Swift's shortest round-trip rendering (same digits as Python's, both are shortest-repr)
    /// into sign, significant digits and decimal point position.
    static func shortestDigits(_ x: Double) -> (negative: Bool, digits: String, pointPosition: Int) {
        var text = "\(x.magnitude)"
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        var intPart = text
        var fracPart = ""
        if let dot = text.firstIndex(of: ".") {
            intPart = String(text[..<dot])
            fracPart = String(text[text.index(after: dot)...])
        }
        var digits = intPart + fracPart
        var point = intPart.count + exponent
        while digits.hasPrefix("0") && digits.count > 1 { digits.removeFirst(); point -= 1 }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        return (x.sign == .minus, digits, point)
    }

    /// Python's `round(x, ndigits)` for floats: the exact binary value rounded half-to-even to
    /// `ndigits` decimals, correctly rounded (glibc's printf is exact, as Python's dtoa is).
    public static func round(_ x: Double, _ ndigits: Int) -> Double {
        guard x.isFinite else { return x }
        // Beyond 17 significant digits rounding cannot change a double; Python returns x too.
        if ndigits > 323 { return x }
        let text = String(format: "%.\(ndigits)f", locale: nil, x)
        let r = Double(text) ?? x
        // Keep the sign of zero as Python does: round(-0.0001, 2) == -0.0.
        return r == 0 ? (x.sign == .minus ? -0.0 : 0.0) : r
    }

    /// `str(x)` after `round(x, precision)`: DVC's table cell for a float.
    public static func rounded(_ x: Double, precision: Int) -> String {
        repr(round(x, precision))
    }

    /// `repr(str)`: single quotes unless the text has a single quote and no double quote; escapes
    /// backslash, the quote, `\n`, `\r`, `\t`, other control characters as `\xNN`/`\uNNNN`.
    public static func repr(_ s: String) -> String {
        let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(scalar) == quote {
                    out += "\\" + String(quote)
                } else if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += String(format: "\\x%02x", scalar.value)
                } else if (0x80..<0xA0).contains(scalar.value) {
                    out += String(format: "\\x%02x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out.append(quote)
        return out
    }

    /// `repr()` of a parsed value, as Python prints lists and dicts (`[1, 'a', {'k': True}]`).
    public static func repr(_ value: Value) -> String {
        switch value {
        case .null: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .bigInt(let s): return s
        case .double(let d): return repr(d)
        case .string(let s): return repr(s)
        case .date(let s): return s
        case .array(let items): return "[" + items.map(repr).joined(separator: ", ") + "]"
        case .object(let o): return "{" + o.pairs.map { repr($0.key) + ": " + repr($0.value) }.joined(separator: ", ") + "}"
        }
    }

    /// `str()` of a value: strings bare, everything else as `repr`.
    public static func str(_ value: Value) -> String {
        switch value {
        case .string(let s): return s
        default: return repr(value)
        }
    }
}
