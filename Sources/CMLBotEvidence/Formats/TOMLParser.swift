import CMLBotCore
import Foundation

/// TOML 1.0.0, read strictly, with dates and times rendered the way DVC shows them.
///
/// DVC 3 reads `.toml` params and metrics with `tomlkit`, and what reaches its tables is Python's
/// `str()` of the parsed value. So a date, time or date-time becomes `.date(text)` where `text` is
/// exactly that `str()`. Checked against tomlkit 0.15.2 on CPython 3.11 (`str(tomlkit.parse(...)["k"])`,
/// identical after `.unwrap()`):
///
/// | TOML                                   | `str()`                              |
/// |----------------------------------------|--------------------------------------|
/// | `1979-05-27`                           | `1979-05-27`                         |
/// | `07:32:00`                             | `07:32:00`                           |
/// | `00:32:00.5`                           | `00:32:00.500000`                    |
/// | `00:32:00.9999999`                     | `00:32:00.999999` (truncated, not rounded) |
/// | `00:32:00.000`                         | `00:32:00` (zero microseconds vanish) |
/// | `1979-05-27T07:32:00`                  | `1979-05-27 07:32:00`                |
/// | `1979-05-27 07:32:00` / `t` separator  | `1979-05-27 07:32:00`                |
/// | `1979-05-27T07:32:00Z` (or `z`)        | `1979-05-27 07:32:00+00:00`          |
/// | `1979-05-27T07:32:00-00:00`            | `1979-05-27 07:32:00+00:00`          |
/// | `1979-05-27T00:32:00.999999-07:00`     | `1979-05-27 00:32:00.999999-07:00`   |
/// | `1979-05-27T00:32:00.5+05:30`          | `1979-05-27 00:32:00.500000+05:30`   |
/// | `1979-05-27T00:32:00.1234567891`       | `1979-05-27 00:32:00.123456`         |
/// | `0001-01-01T00:00:00Z`                 | `0001-01-01 00:00:00+00:00`          |
///
/// Where this parser and tomlkit part ways, the spec decides:
/// - Year `0000` is refused, as by tomlkit (Python's `date` starts at year 1) and toml-test.
/// - A leap second (`:60`) is allowed by the spec's ABNF but not by Python; it is accepted here and
///   printed as written (`23:59:60`), where DVC would fail to load the file.
/// - tomlkit also takes some TOML 1.1 forms (times without seconds, a trailing comma in an inline
///   table) and integers beyond 64 bits; TOML 1.0.0 makes all of these errors, and so does this parser.
///
/// Newlines inside multi-line strings come out as `\n` even when written as CRLF, because DVC opens
/// files in text mode and Python turns CRLF into LF before tomlkit sees the text.
///
/// Works on bytes and never traps on hostile input; nesting deeper than `maximumDepth` is an error
/// rather than a stack overflow.
public enum TOMLParser {
    public static let maximumDepth = 512

    /// Parses a whole TOML document into `.object(...)`, keys in document order.
    public static func parse(_ data: Data) throws -> Value {
        let bytes = [UInt8](data)
        return try bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(buffer)
            return try parser.parseDocument()
        }
    }

    // MARK: - The table tree being built

    /// Tables stay mutable (reference types) while the document is read, because `[headers]` reopen
    /// tables created earlier; inline tables and arrays are frozen `Value`s from the start, which is
    /// how the spec's "cannot be extended" rules fall out for free.
    fileprivate final class Table {
        enum Definition {
            /// Created only as the parent of a header (`a` in `[a.b]`): may still get its own header.
            case implicit
            /// Defined by a `[header]`: may not be defined again nor extended with dotted keys.
            case header
            /// Defined by dotted keys in an earlier section: may not get a header nor more dotted keys.
            case dottedKeys
        }

        let depth: Int
        var definition = Definition.implicit
        private var names: [String] = []
        private var children: [Child] = []
        /// Most tables hold a handful of keys, where a linear scan beats hashing every key; the hash
        /// index is built only once a table grows past that.
        private var index: [String: Int]?

        init(depth: Int) { self.depth = depth }

        subscript(key: String) -> Child? {
            if let index { return index[key].map { children[$0] } }
            for i in names.indices where names[i] == key { return children[i] }
            return nil
        }

        func insert(_ key: String, _ child: Child) {
            _ = insertNew(key, child)
        }

        /// Adds `key` unless it is already there; one hash lookup instead of a check and an insert.
        func insertNew(_ key: String, _ child: Child) -> Bool {
            if index != nil {
                if let existing = index?.updateValue(names.count, forKey: key) {
                    index?[key] = existing
                    return false
                }
            } else if names.contains(key) {
                return false
            }
            names.append(key)
            children.append(child)
            if index == nil, names.count > 12 {
                var built: [String: Int] = [:]
                built.reserveCapacity(names.count * 2)
                for (i, name) in names.enumerated() { built[name] = i }
                index = built
            }
            return true
        }

        func toValue() -> Value {
            var object = OrderedObject()
            for (name, child) in zip(names, children) {
                switch child {
                case .table(let table): object[name] = table.toValue()
                case .tables(let list): object[name] = .array(list.tables.map { $0.toValue() })
                case .value(let value): object[name] = value
                }
            }
            return .object(object)
        }
    }

    fileprivate final class TableList {
        var tables: [Table] = []
    }

    fileprivate enum Child {
        case table(Table)
        /// An array of tables (`[[name]]`), which later `[[name]]` headers append to.
        case tables(TableList)
        /// Any other value, including static arrays and inline tables, which are closed to changes.
        case value(Value)
    }

    fileprivate struct KeyPart {
        var name: String
        var offset: Int
    }

    // MARK: - The parser

    fileprivate struct Parser {
        private let bytes: UnsafeBufferPointer<UInt8>
        private let end: Int
        private var pos = 0
        /// Reused for strings with escapes and for float digits, to avoid an allocation per value.
        private var scratch: [UInt8] = []
        /// Tables touched by dotted keys in the current section. They become `.dottedKeys` when the
        /// next header starts, not at once, so `a.b = 1` and `a.c = 2` may share a section.
        private var dottedInSection: [Table] = []

        init(_ bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
            self.end = bytes.count
            scratch.reserveCapacity(64)
        }

        @inline(__always) private func byte(_ index: Int) -> UInt8 { index < end ? bytes[index] : 0 }
        @inline(__always) private var current: UInt8 { byte(pos) }

        // MARK: Errors

        func failure(_ reason: String, at offset: Int? = nil) -> FormatError {
            let target = min(offset ?? pos, end)
            var line = 1, lineStart = 0
            for i in 0..<target where bytes[i] == .lf {
                line += 1
                lineStart = i + 1
            }
            var column = 1
            for i in lineStart..<target where bytes[i] & 0xC0 != 0x80 { column += 1 }
            return FormatError(format: "TOML", line: line, column: column, reason: reason)
        }

        /// Names the byte at `offset` for a message without echoing invisible or exotic characters.
        private func describe(_ offset: Int) -> String {
            guard offset < end else { return "end of file" }
            let c = bytes[offset]
            switch c {
            case .lf: return "end of line"
            case .cr: return "a carriage return"
            case .tab: return "a tab"
            case .space: return "a space"
            case 0x21...0x7E: return "'\(Character(Unicode.Scalar(c)))'"
            case 0..<0x20, 0x7F: return "control character \(Self.codePoint(UInt32(c)))"
            default: return "character \(Self.codePoint(decodeScalar(at: offset)))"
            }
        }

        private func unexpected(expected what: String, at offset: Int? = nil) -> FormatError {
            let at = offset ?? pos
            return failure("expected \(what), found \(describe(at))", at: at)
        }

        private static func codePoint(_ value: UInt32) -> String {
            let hex = String(value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }

        /// The scalar starting at `offset`; only called on input already checked to be UTF-8.
        private func decodeScalar(at offset: Int) -> UInt32 {
            let lead = UInt32(byte(offset))
            func tail(_ k: Int) -> UInt32 { UInt32(byte(offset + k) & 0x3F) }
            switch lead {
            case 0xC0..<0xE0: return (lead & 0x1F) << 6 | tail(1)
            case 0xE0..<0xF0: return (lead & 0x0F) << 12 | tail(1) << 6 | tail(2)
            case 0xF0..<0xF8: return (lead & 0x07) << 18 | tail(1) << 12 | tail(2) << 6 | tail(3)
            default: return lead
            }
        }

        /// Keys come from the file, so a message shows them escaped and cut to a readable length.
        private static func name(_ parts: ArraySlice<KeyPart>) -> String {
            var text = ""
            for (i, part) in parts.enumerated() {
                if i > 0 { text += "." }
                let bare = !part.name.isEmpty && part.name.utf8.allSatisfy { $0.isBareKeyByte }
                if bare {
                    text += part.name
                } else {
                    text += "\""
                    for scalar in part.name.unicodeScalars {
                        switch scalar {
                        case "\"": text += "\\\""
                        case "\\": text += "\\\\"
                        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                            text += "\\u" + String(Self.codePoint(scalar.value).dropFirst(2))
                        default: text.unicodeScalars.append(scalar)
                        }
                    }
                    text += "\""
                }
            }
            if text.count > 120 { text = String(text.prefix(117)) + "..." }
            return text
        }

        private static func display(_ parts: ArraySlice<KeyPart>) -> String { "'" + name(parts) + "'" }
        private static func display(_ parts: [KeyPart]) -> String { display(parts[...]) }
        private static func header(_ parts: [KeyPart]) -> String { name(parts[...]) }

        private static func describe(_ value: Value) -> String {
            switch value {
            case .object: return "an inline table, which cannot be extended"
            case .array: return "a static array, which cannot be extended"
            default: return "a value"
            }
        }

        // MARK: Encoding

        /// Checked once up front so that every later slice can be decoded without a failure path.
        private func validateUTF8() throws {
            var i = 0
            while i < end {
                let lead = bytes[i]
                if lead < 0x80 {
                    i += 1
                    continue
                }
                var low: UInt8 = 0x80, high: UInt8 = 0xBF
                let length: Int
                switch lead {
                case 0xC2...0xDF: length = 2
                case 0xE0: length = 3; low = 0xA0
                case 0xE1...0xEC, 0xEE, 0xEF: length = 3
                case 0xED: length = 3; high = 0x9F  // UTF-16 surrogates are not scalars
                case 0xF0: length = 4; low = 0x90
                case 0xF1...0xF3: length = 4
                case 0xF4: length = 4; high = 0x8F  // nothing above U+10FFFF
                default:
                    throw failure("invalid UTF-8: byte 0x\(String(lead, radix: 16, uppercase: true)) cannot start a character (TOML files must be UTF-8)", at: i)
                }
                guard i + length <= end else { throw failure("invalid UTF-8: the file ends inside a multi-byte character", at: i) }
                let second = bytes[i + 1]
                var valid = second >= low && second <= high
                for k in 2..<length where bytes[i + k] & 0xC0 != 0x80 { valid = false }
                guard valid else { throw failure("invalid UTF-8 sequence (TOML files must be UTF-8)", at: i) }
                i += length
            }
        }

        private func makeString(_ start: Int, _ stop: Int) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<stop]), as: UTF8.self)
        }

        // MARK: Document structure

        mutating func parseDocument() throws -> Value {
            try validateUTF8()
            if end >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { pos = 3 }
            let root = Table(depth: 0)
            var section = root
            while true {
                skipWhitespace()
                guard pos < end else { break }
                switch bytes[pos] {
                case .lf:
                    pos += 1
                case .cr:
                    try consumeNewline()
                case .hash:
                    try skipComment()
                case .openBracket:
                    for table in dottedInSection { table.definition = .dottedKeys }
                    dottedInSection.removeAll(keepingCapacity: true)
                    section = try parseHeader(root: root)
                    try expectLineEnd(after: "the table header")
                default:
                    try parseKeyValue(into: section, inline: false)
                    try expectLineEnd(after: "the value")
                }
            }
            return root.toValue()
        }

        private mutating func skipWhitespace() {
            while pos < end, bytes[pos] == .space || bytes[pos] == .tab { pos += 1 }
        }

        /// At a CR: only CRLF is a newline; a lone CR is a control character.
        private mutating func consumeNewline() throws {
            if current == .lf {
                pos += 1
            } else if byte(pos + 1) == .lf {
                pos += 2
            } else {
                throw failure("carriage return not followed by a line feed")
            }
        }

        private mutating func skipComment() throws {
            pos += 1
            while pos < end {
                let c = bytes[pos]
                if c == .lf { return }
                if c == .cr {
                    if byte(pos + 1) == .lf { return }
                    throw failure("carriage return not followed by a line feed")
                }
                if c.isForbiddenControl { throw failure("control character \(Self.codePoint(UInt32(c))) is not allowed in a comment") }
                pos += 1
            }
        }

        private mutating func expectLineEnd(after what: String) throws {
            skipWhitespace()
            if current == .hash { try skipComment() }
            guard pos < end else { return }
            if bytes[pos] == .lf || (bytes[pos] == .cr && byte(pos + 1) == .lf) {
                try consumeNewline()
                return
            }
            throw unexpected(expected: "end of line after \(what)")
        }

        // MARK: Keys

        private mutating func parseKey() throws -> [KeyPart] {
            var parts: [KeyPart] = []
            while true {
                let offset = pos
                parts.append(KeyPart(name: try parseSimpleKey(), offset: offset))
                skipWhitespace()
                guard current == .dot else { return parts }
                pos += 1
                skipWhitespace()
            }
        }

        private mutating func parseSimpleKey() throws -> String {
            let c = current
            if c.isBareKeyByte {
                let start = pos
                while pos < end, bytes[pos].isBareKeyByte { pos += 1 }
                return makeString(start, pos)
            }
            if c == .quote {
                if byte(pos + 1) == .quote, byte(pos + 2) == .quote { throw failure("a multi-line string cannot be a key") }
                return try parseBasicString()
            }
            if c == .apostrophe {
                if byte(pos + 1) == .apostrophe, byte(pos + 2) == .apostrophe { throw failure("a multi-line string cannot be a key") }
                return try parseLiteralString()
            }
            if c == .lf || c == .cr || pos >= end {
                throw unexpected(expected: "a key")
            }
            throw unexpected(expected: "a key (letters, digits, '_', '-', or a quoted string)")
        }

        // MARK: Headers and key/value pairs

        private mutating func parseHeader(root: Table) throws -> Table {
            let start = pos
            pos += 1
            let isArray = current == .openBracket
            if isArray { pos += 1 }
            skipWhitespace()
            let key = try parseKey()
            guard current == .closeBracket else { throw unexpected(expected: isArray ? "']]' to close the header" : "']' to close the header") }
            pos += 1
            if isArray {
                guard current == .closeBracket else { throw unexpected(expected: "']]' to close the array-of-tables header") }
                pos += 1
            }
            guard let last = key.last else { throw failure("empty table header", at: start) }

            var table = root
            for (i, part) in key.dropLast().enumerated() {
                switch table[part.name] {
                case nil:
                    let child = try newTable(under: table, at: part.offset)
                    table.insert(part.name, .table(child))
                    table = child
                case .table(let child):
                    table = child
                case .tables(let list):
                    // A header inside an array of tables extends its most recent element.
                    guard let element = list.tables.last else { throw failure("empty array of tables", at: part.offset) }
                    table = element
                case .value(let value):
                    throw failure("cannot open table \(Self.display(key)): \(Self.display(key[...i])) is already \(Self.describe(value))", at: part.offset)
                }
            }

            if isArray {
                switch table[last.name] {
                case nil:
                    let list = TableList()
                    let element = try newTable(under: table, at: last.offset)
                    list.tables.append(element)
                    table.insert(last.name, .tables(list))
                    return element
                case .tables(let list):
                    let element = try newTable(under: table, at: last.offset)
                    list.tables.append(element)
                    return element
                case .table:
                    throw failure("cannot define array of tables [[\(Self.header(key))]]: it is already a table", at: start)
                case .value(let value):
                    throw failure("cannot define array of tables [[\(Self.header(key))]]: it is already \(Self.describe(value))", at: start)
                }
            }

            switch table[last.name] {
            case nil:
                let child = try newTable(under: table, at: last.offset)
                child.definition = .header
                table.insert(last.name, .table(child))
                return child
            case .table(let child):
                switch child.definition {
                case .implicit:
                    child.definition = .header
                    return child
                case .header:
                    throw failure("table [\(Self.header(key))] is defined more than once", at: start)
                case .dottedKeys:
                    throw failure("table [\(Self.header(key))] was already defined with dotted keys", at: start)
                }
            case .tables:
                throw failure("cannot define table [\(Self.header(key))]: it is already an array of tables", at: start)
            case .value(let value):
                throw failure("cannot define table [\(Self.header(key))]: it is already \(Self.describe(value))", at: start)
            }
        }

        private func newTable(under parent: Table, at offset: Int) throws -> Table {
            let depth = parent.depth + 1
            guard depth <= TOMLParser.maximumDepth else { throw failure("nesting deeper than \(TOMLParser.maximumDepth) levels", at: offset) }
            return Table(depth: depth)
        }

        private mutating func parseKeyValue(into section: Table, inline: Bool) throws {
            let key = try parseKey()
            guard current == .equals else {
                throw unexpected(expected: key.count == 1 && current.isKeyStart ? "'=' after the key (keys with spaces must be quoted)" : "'=' after the key")
            }
            pos += 1
            skipWhitespace()
            guard let last = key.last else { throw failure("empty key") }

            var table = section
            for (i, part) in key.dropLast().enumerated() {
                switch table[part.name] {
                case nil:
                    let child = try newTable(under: table, at: part.offset)
                    table.insert(part.name, .table(child))
                    if !inline { dottedInSection.append(child) }
                    table = child
                case .table(let child):
                    switch child.definition {
                    case .implicit:
                        if !inline { dottedInSection.append(child) }
                        table = child
                    case .header:
                        throw failure("cannot add \(Self.display(key)) with dotted keys: table \(Self.display(key[...i])) was defined by a [header]", at: part.offset)
                    case .dottedKeys:
                        throw failure("cannot add \(Self.display(key)) with dotted keys: table \(Self.display(key[...i])) was defined in an earlier section", at: part.offset)
                    }
                case .tables:
                    throw failure("cannot add \(Self.display(key)) with dotted keys: \(Self.display(key[...i])) is an array of tables", at: part.offset)
                case .value(let value):
                    throw failure("cannot add \(Self.display(key)): \(Self.display(key[...i])) is already \(Self.describe(value))", at: part.offset)
                }
            }
            let value = try parseValue(depth: table.depth + 1)
            guard table.insertNew(last.name, .value(value)) else {
                throw failure("duplicate key \(Self.display(key))", at: key[0].offset)
            }
        }

        // MARK: Values

        private mutating func parseValue(depth: Int) throws -> Value {
            switch current {
            case .quote:
                if byte(pos + 1) == .quote, byte(pos + 2) == .quote { return .string(try parseMultilineBasicString()) }
                return .string(try parseBasicString())
            case .apostrophe:
                if byte(pos + 1) == .apostrophe, byte(pos + 2) == .apostrophe { return .string(try parseMultilineLiteralString()) }
                return .string(try parseLiteralString())
            case UInt8(ascii: "t"):
                if matches("true") { return .bool(true) }
            case UInt8(ascii: "f"):
                if matches("false") { return .bool(false) }
            case UInt8(ascii: "i"):
                if matches("inf") { return .double(.infinity) }
            case UInt8(ascii: "n"):
                if matches("nan") { return .double(.nan) }
            case .openBracket:
                guard depth <= TOMLParser.maximumDepth else { throw failure("nesting deeper than \(TOMLParser.maximumDepth) levels") }
                return try parseArray(depth: depth)
            case .openBrace:
                guard depth <= TOMLParser.maximumDepth else { throw failure("nesting deeper than \(TOMLParser.maximumDepth) levels") }
                return try parseInlineTable(depth: depth)
            case .plus, .minus, UInt8(ascii: "0")...UInt8(ascii: "9"):
                return try parseNumberOrDate()
            default:
                break
            }
            if current.isBareKeyByte {
                let start = pos
                var stop = pos
                while stop < end, stop - start < 40, bytes[stop].isBareKeyByte { stop += 1 }
                throw failure("invalid value '\(makeString(start, stop))' (strings must be quoted; booleans are lower-case true/false)", at: start)
            }
            throw unexpected(expected: "a value")
        }

        /// Consumes `word` if it is next and not just the start of a longer bare word.
        private mutating func matches(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            let p = word.utf8Start
            for i in 0..<count where byte(pos + i) != p[i] { return false }
            if byte(pos + count).isBareKeyByte { return false }
            pos += count
            return true
        }

        private mutating func parseArray(depth: Int) throws -> Value {
            let open = pos
            pos += 1
            var items: [Value] = []
            while true {
                try skipArraySpace()
                if current == .closeBracket {
                    pos += 1
                    return .array(items)
                }
                if pos >= end { throw failure("unterminated array", at: open) }
                items.append(try parseValue(depth: depth + 1))
                try skipArraySpace()
                switch current {
                case .comma: pos += 1
                case .closeBracket:
                    pos += 1
                    return .array(items)
                default:
                    if pos >= end { throw failure("unterminated array", at: open) }
                    throw unexpected(expected: "',' or ']' in the array")
                }
            }
        }

        /// Arrays are the one place where newlines and comments may sit inside a value.
        private mutating func skipArraySpace() throws {
            while pos < end {
                switch bytes[pos] {
                case .space, .tab, .lf: pos += 1
                case .cr: try consumeNewline()
                case .hash: try skipComment()
                default: return
                }
            }
        }

        private mutating func parseInlineTable(depth: Int) throws -> Value {
            pos += 1
            let table = Table(depth: depth)
            skipWhitespace()
            if current == .closeBrace {
                pos += 1
                return .object(OrderedObject())
            }
            while true {
                if current == .lf || current == .cr { throw failure("newlines are not allowed inside an inline table (TOML 1.0)") }
                try parseKeyValue(into: table, inline: true)
                skipWhitespace()
                switch current {
                case .comma:
                    pos += 1
                    skipWhitespace()
                    if current == .closeBrace { throw failure("trailing comma is not allowed in an inline table (TOML 1.0)", at: pos) }
                case .closeBrace:
                    pos += 1
                    return table.toValue()
                case .lf, .cr:
                    throw failure("newlines are not allowed inside an inline table (TOML 1.0)")
                default:
                    throw unexpected(expected: "',' or '}' in the inline table")
                }
            }
        }

        // MARK: Strings

        private func controlCharacterError(_ c: UInt8, in what: String) -> FormatError {
            if pos >= end { return failure("unterminated \(what)") }
            if c == .lf || c == .cr { return failure("unterminated \(what): it cannot span lines") }
            let hint = what.contains("literal") ? "use a basic string with an escape" : "use an escape"
            return failure("control character \(Self.codePoint(UInt32(c))) is not allowed in a \(what) (\(hint))")
        }

        private mutating func parseBasicString() throws -> String {
            let open = pos
            pos += 1
            let start = pos
            // Most strings have no escapes: slice them straight out of the input.
            while pos < end {
                let c = bytes[pos]
                if c == .quote {
                    let text = makeString(start, pos)
                    pos += 1
                    return text
                }
                if c == .backslash { break }
                if c.isForbiddenControl || c == .lf { throw controlCharacterError(c, in: "string") }
                pos += 1
            }
            guard pos < end else { throw failure("unterminated string", at: open) }
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: bytes[start..<pos])
            while pos < end {
                let c = bytes[pos]
                if c == .quote {
                    pos += 1
                    return String(decoding: scratch, as: UTF8.self)
                }
                if c == .backslash {
                    try appendEscape()
                    continue
                }
                if c.isForbiddenControl || c == .lf { throw controlCharacterError(c, in: "string") }
                scratch.append(c)
                pos += 1
            }
            throw failure("unterminated string", at: open)
        }

        private mutating func appendEscape() throws {
            let start = pos
            pos += 1
            let c = current
            let simple: UInt8
            switch c {
            case UInt8(ascii: "b"): simple = 0x08
            case UInt8(ascii: "t"): simple = 0x09
            case UInt8(ascii: "n"): simple = 0x0A
            case UInt8(ascii: "f"): simple = 0x0C
            case UInt8(ascii: "r"): simple = 0x0D
            case .quote: simple = .quote
            case .backslash: simple = .backslash
            case UInt8(ascii: "u"):
                pos += 1
                try appendUnicodeEscape(digits: 4, start: start)
                return
            case UInt8(ascii: "U"):
                pos += 1
                try appendUnicodeEscape(digits: 8, start: start)
                return
            default:
                if pos >= end { throw failure("unterminated string", at: start) }
                throw failure("invalid escape sequence: backslash followed by \(describe(pos)) (TOML 1.0 allows \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX)", at: start)
            }
            scratch.append(simple)
            pos += 1
        }

        private mutating func appendUnicodeEscape(digits: Int, start: Int) throws {
            var value: UInt32 = 0
            for _ in 0..<digits {
                guard let d = current.hexValue else {
                    throw failure("invalid unicode escape: expected \(digits) hexadecimal digits", at: start)
                }
                value = value << 4 | UInt32(d)
                pos += 1
            }
            guard let scalar = Unicode.Scalar(value) else {
                throw failure("invalid unicode escape: \(Self.codePoint(value)) is not a Unicode scalar value", at: start)
            }
            UTF8.encode(scalar) { scratch.append($0) }
        }

        private mutating func parseLiteralString() throws -> String {
            let open = pos
            pos += 1
            let start = pos
            while pos < end {
                let c = bytes[pos]
                if c == .apostrophe {
                    let text = makeString(start, pos)
                    pos += 1
                    return text
                }
                if c.isForbiddenControl || c == .lf { throw controlCharacterError(c, in: "literal string") }
                pos += 1
            }
            throw failure("unterminated literal string", at: open)
        }

        /// The newline right after the opening delimiter is not part of the value.
        private mutating func skipLeadingNewline() {
            if current == .lf {
                pos += 1
            } else if current == .cr, byte(pos + 1) == .lf {
                pos += 2
            }
        }

        /// At a run of closing quotes: up to two extra quotes before the final three belong to the value.
        private mutating func closeMultiline(_ quote: UInt8) -> Bool {
            guard byte(pos + 1) == quote, byte(pos + 2) == quote else { return false }
            var run = 3
            while run < 5, byte(pos + run) == quote { run += 1 }
            for _ in 3..<run { scratch.append(quote) }
            pos += run
            return true
        }

        private mutating func parseMultilineBasicString() throws -> String {
            let open = pos
            pos += 3
            skipLeadingNewline()
            scratch.removeAll(keepingCapacity: true)
            while pos < end {
                let c = bytes[pos]
                switch c {
                case .quote:
                    if closeMultiline(.quote) { return String(decoding: scratch, as: UTF8.self) }
                    scratch.append(c)
                    pos += 1
                case .backslash:
                    // A backslash that ends a line (trailing blanks allowed) swallows all whitespace up
                    // to the next visible character.
                    var probe = pos + 1
                    while byte(probe) == .space || byte(probe) == .tab { probe += 1 }
                    if byte(probe) == .lf || (byte(probe) == .cr && byte(probe + 1) == .lf) {
                        pos = probe
                        while pos < end {
                            let w = bytes[pos]
                            if w == .space || w == .tab || w == .lf {
                                pos += 1
                            } else if w == .cr, byte(pos + 1) == .lf {
                                pos += 2
                            } else {
                                break
                            }
                        }
                    } else {
                        try appendEscape()
                    }
                case .lf:
                    scratch.append(c)
                    pos += 1
                case .cr:
                    guard byte(pos + 1) == .lf else { throw failure("carriage return not followed by a line feed") }
                    scratch.append(.lf)
                    pos += 2
                default:
                    if c.isForbiddenControl { throw controlCharacterError(c, in: "multi-line string") }
                    scratch.append(c)
                    pos += 1
                }
            }
            throw failure("unterminated multi-line string", at: open)
        }

        private mutating func parseMultilineLiteralString() throws -> String {
            let open = pos
            pos += 3
            skipLeadingNewline()
            scratch.removeAll(keepingCapacity: true)
            while pos < end {
                let c = bytes[pos]
                switch c {
                case .apostrophe:
                    if closeMultiline(.apostrophe) { return String(decoding: scratch, as: UTF8.self) }
                    scratch.append(c)
                    pos += 1
                case .lf:
                    scratch.append(c)
                    pos += 1
                case .cr:
                    guard byte(pos + 1) == .lf else { throw failure("carriage return not followed by a line feed") }
                    scratch.append(.lf)
                    pos += 2
                default:
                    if c.isForbiddenControl { throw controlCharacterError(c, in: "multi-line literal string") }
                    scratch.append(c)
                    pos += 1
                }
            }
            throw failure("unterminated multi-line literal string", at: open)
        }

        // MARK: Numbers

        private mutating func parseNumberOrDate() throws -> Value {
            let start = pos
            if current.isDigit, byte(pos + 1).isDigit {
                if byte(pos + 2) == .colon { return .date(try parseLocalTime()) }
                if byte(pos + 2).isDigit, byte(pos + 3).isDigit, byte(pos + 4) == .minus { return .date(try parseDateOrDateTime()) }
            }

            var negative = false, signed = false
            if current == .plus || current == .minus {
                negative = current == .minus
                signed = true
                pos += 1
            }
            if matches("inf") { return .double(negative ? -.infinity : .infinity) }
            if matches("nan") { return .double(negative ? -.nan : .nan) }
            guard current.isDigit else { throw unexpected(expected: "a digit") }

            if current == UInt8(ascii: "0") {
                switch byte(pos + 1) {
                case UInt8(ascii: "x"), UInt8(ascii: "o"), UInt8(ascii: "b"):
                    if signed { throw failure("hexadecimal, octal and binary integers cannot have a sign", at: start) }
                    return .int(try parseRadixInteger(start: start))
                case UInt8(ascii: "0")...UInt8(ascii: "9"), .underscore:
                    throw failure("leading zeros are not allowed in numbers", at: start)
                default:
                    break
                }
            }

            let integerStart = pos
            try skipDigits()
            var isFloat = false
            if current == .dot {
                isFloat = true
                pos += 1
                guard current.isDigit else { throw unexpected(expected: "a digit after the decimal point") }
                try skipDigits()
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                isFloat = true
                pos += 1
                if current == .plus || current == .minus { pos += 1 }
                guard current.isDigit else { throw unexpected(expected: "a digit in the exponent") }
                try skipDigits()
            }
            if current.isBareKeyByte || current == .dot {
                throw failure("invalid number", at: start)
            }

            if isFloat {
                scratch.removeAll(keepingCapacity: true)
                for i in start..<pos where bytes[i] != .underscore { scratch.append(bytes[i]) }
                guard let value = Double(String(decoding: scratch, as: UTF8.self)) else { throw failure("invalid float", at: start) }
                return .double(value)
            }

            var magnitude: UInt64 = 0
            for i in integerStart..<pos where bytes[i] != .underscore {
                let (shifted, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, o2) = shifted.addingReportingOverflow(UInt64(bytes[i] &- 0x30))
                guard !o1, !o2 else { throw integerRange(start) }
                magnitude = sum
            }
            if negative {
                guard magnitude <= UInt64(Int64.max) + 1 else { throw integerRange(start) }
                return .int(Int(truncatingIfNeeded: 0 &- magnitude))
            }
            guard magnitude <= UInt64(Int64.max) else { throw integerRange(start) }
            return .int(Int(magnitude))
        }

        private func integerRange(_ start: Int) -> FormatError {
            failure("integer does not fit in 64 bits (TOML integers range from -2^63 to 2^63-1)", at: start)
        }

        /// Digits with single underscores between them.
        private mutating func skipDigits() throws {
            while true {
                while current.isDigit { pos += 1 }
                guard current == .underscore else { return }
                guard byte(pos + 1).isDigit else { throw failure("an underscore in a number must sit between two digits", at: pos) }
                pos += 1
            }
        }

        private mutating func parseRadixInteger(start: Int) throws -> Int {
            let (radix, name): (UInt64, String)
            switch byte(pos + 1) {
            case UInt8(ascii: "x"): (radix, name) = (16, "hexadecimal")
            case UInt8(ascii: "o"): (radix, name) = (8, "octal")
            default: (radix, name) = (2, "binary")
            }
            pos += 2
            func digit(_ c: UInt8) -> UInt64? {
                guard let v = c.hexValue, UInt64(v) < radix else { return nil }
                return UInt64(v)
            }
            guard digit(current) != nil else { throw unexpected(expected: "a \(name) digit") }
            var magnitude: UInt64 = 0
            while true {
                if let d = digit(current) {
                    let (shifted, o1) = magnitude.multipliedReportingOverflow(by: radix)
                    guard !o1 else { throw integerRange(start) }
                    magnitude = shifted | d
                    pos += 1
                } else if current == .underscore {
                    guard digit(byte(pos + 1)) != nil else { throw failure("an underscore in a number must sit between two digits", at: pos) }
                    pos += 1
                } else {
                    break
                }
            }
            if current.isBareKeyByte || current == .dot { throw failure("invalid \(name) digit \(describe(pos))", at: pos) }
            guard magnitude <= UInt64(Int64.max) else { throw integerRange(start) }
            return Int(magnitude)
        }

        // MARK: Dates and times

        private mutating func fixedDigits(_ count: Int) -> Int? {
            var value = 0
            for i in 0..<count {
                let c = byte(pos + i)
                guard c.isDigit else { return nil }
                value = value * 10 + Int(c &- 0x30)
            }
            pos += count
            return value
        }

        private mutating func parseDateOrDateTime() throws -> String {
            let start = pos
            guard let year = fixedDigits(4), current == .minus else { throw failure("invalid date: expected YYYY-MM-DD", at: start) }
            pos += 1
            guard let month = fixedDigits(2), current == .minus else { throw failure("invalid date: expected YYYY-MM-DD", at: start) }
            pos += 1
            guard let day = fixedDigits(2) else { throw failure("invalid date: expected YYYY-MM-DD", at: start) }
            guard year >= 1 else { throw failure("invalid date: year 0000 is out of range", at: start) }
            guard (1...12).contains(month) else { throw failure("invalid date: month \(month) is out of range", at: start) }
            guard day >= 1, day <= Self.daysIn(month: month, year: year) else { throw failure("invalid date: day \(day) is out of range for the month", at: start) }
            if current.isDigit { throw failure("invalid date: expected YYYY-MM-DD", at: start) }

            var text = Self.pad(year, 4) + "-" + Self.pad(month, 2) + "-" + Self.pad(day, 2)
            let separator = current
            let hasTime = separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t")
                || (separator == .space && byte(pos + 1).isDigit && byte(pos + 2).isDigit && byte(pos + 3) == .colon)
            guard hasTime else {
                if current.isBareKeyByte { throw failure("invalid date: expected 'T' or a space before the time", at: pos) }
                return text
            }
            pos += 1
            text += " " + (try parseTime())
            switch current {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                pos += 1
                text += "+00:00"
            case .plus, .minus:
                let offsetStart = pos
                let negative = current == .minus
                pos += 1
                guard let hours = fixedDigits(2), current == .colon else { throw failure("invalid UTC offset: expected +HH:MM or -HH:MM", at: offsetStart) }
                pos += 1
                guard let minutes = fixedDigits(2) else { throw failure("invalid UTC offset: expected +HH:MM or -HH:MM", at: offsetStart) }
                guard hours <= 23, minutes <= 59 else { throw failure("invalid UTC offset: out of range", at: offsetStart) }
                // Python prints a zero offset as +00:00 whichever sign it was written with.
                text += (negative && (hours > 0 || minutes > 0) ? "-" : "+") + Self.pad(hours, 2) + ":" + Self.pad(minutes, 2)
            default:
                break
            }
            if current.isBareKeyByte || current == .dot || current == .colon { throw failure("invalid date-time", at: start) }
            return text
        }

        private mutating func parseLocalTime() throws -> String {
            let start = pos
            let text = try parseTime()
            switch current {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"), .plus, .minus:
                throw failure("a time without a date cannot have a UTC offset", at: pos)
            default:
                break
            }
            if current.isBareKeyByte || current == .dot || current == .colon { throw failure("invalid time", at: start) }
            return text
        }

        /// `HH:MM:SS[.fraction]` printed as Python's `time.__str__`: six fraction digits (extra ones cut
        /// off, as tomlkit does), none at all when they are zero.
        private mutating func parseTime() throws -> String {
            let start = pos
            guard let hour = fixedDigits(2), current == .colon else { throw failure("invalid time: expected HH:MM:SS", at: start) }
            pos += 1
            guard let minute = fixedDigits(2) else { throw failure("invalid time: expected HH:MM:SS", at: start) }
            guard current == .colon else { throw failure("invalid time: seconds are required (HH:MM:SS)", at: start) }
            pos += 1
            guard let second = fixedDigits(2) else { throw failure("invalid time: expected HH:MM:SS", at: start) }
            guard hour <= 23, minute <= 59, second <= 60 else { throw failure("invalid time: out of range", at: start) }
            var micro = 0
            if current == .dot {
                pos += 1
                guard current.isDigit else { throw unexpected(expected: "digits after the decimal point in the time") }
                var count = 0
                while current.isDigit {
                    if count < 6 { micro = micro * 10 + Int(current &- 0x30) }
                    count += 1
                    pos += 1
                }
                for _ in min(count, 6)..<6 { micro *= 10 }
            }
            var text = Self.pad(hour, 2) + ":" + Self.pad(minute, 2) + ":" + Self.pad(second, 2)
            if micro != 0 { text += "." + Self.pad(micro, 6) }
            return text
        }

        private static func daysIn(month: Int, year: Int) -> Int {
            switch month {
            case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
            case 4, 6, 9, 11: return 30
            default: return 31
            }
        }

        private static func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
    }
}

extension UInt8 {
    fileprivate static let tab: UInt8 = 0x09
    fileprivate static let lf: UInt8 = 0x0A
    fileprivate static let cr: UInt8 = 0x0D
    fileprivate static let space: UInt8 = 0x20
    fileprivate static let quote: UInt8 = 0x22
    fileprivate static let hash: UInt8 = 0x23
    fileprivate static let apostrophe: UInt8 = 0x27
    fileprivate static let plus: UInt8 = 0x2B
    fileprivate static let comma: UInt8 = 0x2C
    fileprivate static let minus: UInt8 = 0x2D
    fileprivate static let dot: UInt8 = 0x2E
    fileprivate static let colon: UInt8 = 0x3A
    fileprivate static let equals: UInt8 = 0x3D
    fileprivate static let openBracket: UInt8 = 0x5B
    fileprivate static let backslash: UInt8 = 0x5C
    fileprivate static let closeBracket: UInt8 = 0x5D
    fileprivate static let underscore: UInt8 = 0x5F
    fileprivate static let openBrace: UInt8 = 0x7B
    fileprivate static let closeBrace: UInt8 = 0x7D

    fileprivate var isDigit: Bool { self >= 0x30 && self <= 0x39 }

    fileprivate var isBareKeyByte: Bool {
        switch self {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, .underscore, .minus: return true
        default: return false
        }
    }

    fileprivate var isKeyStart: Bool { isBareKeyByte || self == .quote || self == .apostrophe }

    /// Control characters other than tab; newlines are handled by each caller.
    fileprivate var isForbiddenControl: Bool { (self < 0x20 && self != .tab && self != .lf) || self == 0x7F }

    fileprivate var hexValue: UInt8? {
        switch self {
        case 0x30...0x39: return self - 0x30
        case 0x41...0x46: return self - 0x41 + 10
        case 0x61...0x66: return self - 0x61 + 10
        default: return nil
        }
    }
}
