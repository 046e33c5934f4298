import CMLBotCore
import Foundation

/// JSON as Python's `json.load` reads it, which is what DVC uses: ints stay exact ints (any size),
/// numbers with `.`/`e` are floats, `NaN`/`Infinity`/`-Infinity` are accepted, and a repeated key
/// keeps its first position with its last value. Works on bytes; never traps on hostile input.
public enum JSONParser {
    public static let maximumDepth = 512

    public static func parse(_ data: Data) throws -> Value {
        try data.withUnsafeBytes { raw in
            var parser = Parser(bytes: raw.bindMemory(to: UInt8.self))
            parser.skipBOM()
            parser.skipWhitespace()
            let value = try parser.parseValue(depth: 0)
            parser.skipWhitespace()
            if parser.position < parser.bytes.count { throw parser.error("extra data after the JSON value") }
            return value
        }
    }

    /// Keys that occur more than once in one object, for a warning (Python silently keeps the last).
    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        func error(_ reason: String, at offset: Int? = nil) -> FormatError {
            let end = min(offset ?? position, bytes.count)
            var line = 1, column = 1
            for i in 0..<end {
                if bytes[i] == UInt8(ascii: "\n") { line += 1; column = 1 } else if bytes[i] & 0xC0 != 0x80 { column += 1 }
            }
            return FormatError(format: "JSON", line: line, column: column, reason: reason)
        }

        mutating func skipBOM() {
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
        }

        mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func expect(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard position + count <= bytes.count else { return false }
            let p = literal.utf8Start
            for i in 0..<count where bytes[position + i] != p[i] { return false }
            position += count
            return true
        }

        mutating func parseValue(depth: Int) throws -> Value {
            guard depth < JSONParser.maximumDepth else { throw error("nesting deeper than \(JSONParser.maximumDepth) levels") }
            guard let c = current else { throw error("unexpected end of input, expected a value") }
            switch c {
            case UInt8(ascii: "{"): return try parseObject(depth: depth)
            case UInt8(ascii: "["): return try parseArray(depth: depth)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): if expect("true") { return .bool(true) }
            case UInt8(ascii: "f"): if expect("false") { return .bool(false) }
            case UInt8(ascii: "n"): if expect("null") { return .null }
            case UInt8(ascii: "N"): if expect("NaN") { return .double(.nan) }
            case UInt8(ascii: "I"): if expect("Infinity") { return .double(.infinity) }
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                if c == UInt8(ascii: "-"), expect("-Infinity") { return .double(-.infinity) }
                return try parseNumber()
            default: break
            }
            throw error("unexpected character \(Self.show(c)), expected a value")
        }

        static func show(_ c: UInt8) -> String {
            c >= 0x20 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : String(format: "0x%02X", c)
        }

        mutating func parseObject(depth: Int) throws -> Value {
            position += 1
            var object = OrderedObject()
            skipWhitespace()
            if current == UInt8(ascii: "}") { position += 1; return .object(object) }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw error("expected a quoted key") }
                let key = try parseString()
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw error("expected ':' after key \"\(key)\"") }
                position += 1
                skipWhitespace()
                object[key] = try parseValue(depth: depth + 1)
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "}"): position += 1; return .object(object)
                default: throw error("expected ',' or '}' in object")
                }
            }
        }

        mutating func parseArray(depth: Int) throws -> Value {
            position += 1
            var items: [Value] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") { position += 1; return .array(items) }
            while true {
                skipWhitespace()
                items.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "]"): position += 1; return .array(items)
                default: throw error("expected ',' or ']' in array")
                }
            }
        }

        mutating func parseNumber() throws -> Value {
            let start = position
            var isFloat = false
            if current == UInt8(ascii: "-") { position += 1 }
            guard let first = current, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { throw error("invalid number") }
            if first == UInt8(ascii: "0") {
                position += 1
            } else {
                while let d = current, d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") { position += 1 }
            }
            if current == UInt8(ascii: ".") {
                isFloat = true
                position += 1
                var digits = 0
                while let d = current, d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") { position += 1; digits += 1 }
                if digits == 0 { throw error("a number needs digits after '.'") }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                isFloat = true
                position += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
                var digits = 0
                while let d = current, d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") { position += 1; digits += 1 }
                if digits == 0 { throw error("a number needs digits in its exponent") }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            if isFloat {
                guard let d = Double(text) else { throw error("invalid number \(text)", at: start) }
                return .double(d)
            }
            if let i = Int(text) { return .int(i) }
            return .bigInt(text)
        }

        mutating func parseString() throws -> String {
            let start = position
            position += 1
            var out = [UInt8]()
            var runStart = position
            while true {
                guard position < bytes.count else { throw error("unterminated string", at: start) }
                let c = bytes[position]
                if c == UInt8(ascii: "\"") {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
                    position += 1
                    break
                }
                if c < 0x20 {
                    // Python's json rejects raw control characters in strings (strict=True).
                    throw error("control character \(Self.show(c)) in string")
                }
                if c == UInt8(ascii: "\\") {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
                    position += 1
                    guard let e = current else { throw error("unterminated escape") }
                    position += 1
                    switch e {
                    case UInt8(ascii: "\""): out.append(0x22)
                    case UInt8(ascii: "\\"): out.append(0x5C)
                    case UInt8(ascii: "/"): out.append(0x2F)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800...0xDBFF).contains(scalar), expect("\\u") {
                            let low = try hex4()
                            if (0xDC00...0xDFFF).contains(low) {
                                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                position -= 6  // not a pair: re-read the second escape on its own
                            }
                        }
                        // Lone surrogates cannot be represented in a Swift String: use U+FFFD.
                        let u = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                        out.append(contentsOf: Array(String(Character(u)).utf8))
                    default:
                        throw error("invalid escape \\\(Character(Unicode.Scalar(e)))")
                    }
                    runStart = position
                    continue
                }
                position += 1
            }
            guard let s = String(validating: out, as: UTF8.self) else {
                throw error("string is not valid UTF-8", at: start)
            }
            return s
        }

        mutating func hex4() throws -> UInt32 {
            guard position + 4 <= bytes.count else { throw error("truncated \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[position]
                let d: UInt8
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
                default: throw error("invalid \\u escape")
                }
                v = v << 4 | UInt32(d)
                position += 1
            }
            return v
        }
    }
}
