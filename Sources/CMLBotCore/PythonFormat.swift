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
    /// A negative `ndigits` rounds to tens, hundreds, ... as Python does (DVC passes a negative
    /// `--precision` straight to `round`).
    public static func round(_ x: Double, _ ndigits: Int) -> Double {
        guard x.isFinite else { return x }
        // Beyond 17 significant digits rounding cannot change a double; Python returns x too.
        if ndigits > 323 { return x }
        let r: Double
        if ndigits >= 0 {
            let text = String(format: "%.\(ndigits)f", locale: nil, x)
            r = Double(text) ?? x
        } else {
            r = roundToPowerOfTen(x, -ndigits)
        }
        // Keep the sign of zero as Python does: round(-0.0001, 2) == -0.0.
        return r == 0 ? (x.sign == .minus ? -0.0 : 0.0) : r
    }

    /// `round(x, -k)`: half-even on the exact decimal expansion of `x` (every double has a finite
    /// one, at most 1074 fraction digits), so ties such as `round(25.0, -1) == 20.0` come out as in
    /// Python. Too large a result is infinity where Python raises OverflowError.
    private static func roundToPowerOfTen(_ x: Double, _ k: Int) -> Double {
        let exact = String(format: "%.1074f", locale: nil, x.magnitude)
        let parts = exact.split(separator: ".", omittingEmptySubsequences: false)
        let integer = Array(parts[0].utf8)
        let fractionIsZero = parts.count < 2 || parts[1].utf8.allSatisfy { $0 == UInt8(ascii: "0") }
        // quotient = integer digits above 10^k; remainder = the k digits below (zero-padded).
        var quotient: [UInt8] = integer.count > k ? Array(integer.dropLast(k)) : [UInt8(ascii: "0")]
        let low = integer.count > k ? Array(integer.suffix(k)) : Array(repeating: UInt8(ascii: "0"), count: k - integer.count) + integer
        let half = [UInt8(ascii: "5")] + Array(repeating: UInt8(ascii: "0"), count: k - 1)
        let roundUp: Bool
        if low.lexicographicallyPrecedes(half) {
            roundUp = false
        } else if low == half && fractionIsZero {
            // ASCII digits have the parity of their value ("0" is 48).
            roundUp = (quotient.last ?? 0) & 1 == 1
        } else {
            roundUp = true
        }
        if roundUp {
            var i = quotient.count - 1
            while i >= 0 {
                if quotient[i] == UInt8(ascii: "9") { quotient[i] = UInt8(ascii: "0"); i -= 1 } else { quotient[i] += 1; break }
            }
            if i < 0 { quotient.insert(UInt8(ascii: "1"), at: 0) }
        }
        let text = (x.sign == .minus ? "-" : "") + String(decoding: quotient, as: UTF8.self) + "e\(k)"
        return Double(text) ?? x
    }

    /// `str(x)` after `round(x, precision)`: DVC's table cell for a float.
    public static func rounded(_ x: Double, precision: Int) -> String {
        repr(round(x, precision))
    }

    /// `repr(str)`: single quotes unless the text has a single quote and no double quote; escapes
    /// backslash and that quote, `\n`, `\r`, `\t`, and every character Python does not count as
    /// printable (`str.isprintable`: control, format, surrogate, private-use, unassigned, and
    /// separator characters other than the space) as `\xNN`, `\uNNNN` or `\UNNNNNNNN`.
    public static func repr(_ s: String) -> String {
        // Code points, not Characters: a quote followed by a combining mark is still a quote to Python.
        let hasSingle = s.unicodeScalars.contains("'"), hasDouble = s.unicodeScalars.contains("\"")
        let quote: Unicode.Scalar = hasSingle && !hasDouble ? "\"" : "'"
        var out = String(quote)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case quote: out += "\\" + String(quote)
            default:
                if isPrintable(scalar) {
                    out.unicodeScalars.append(scalar)
                } else if scalar.value <= 0xFF {
                    out += "\\x" + hex(scalar.value, width: 2)
                } else if scalar.value <= 0xFFFF {
                    out += "\\u" + hex(scalar.value, width: 4)
                } else {
                    out += "\\U" + hex(scalar.value, width: 8)
                }
            }
        }
        out.unicodeScalars.append(quote)
        return out
    }

    /// Python's `Py_UNICODE_ISPRINTABLE`. Swift's Unicode tables may be newer than the Python
    /// running DVC, so a character assigned only in a recent Unicode version can differ.
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x7F { return scalar.value >= 0x20 }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned,
             .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
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
