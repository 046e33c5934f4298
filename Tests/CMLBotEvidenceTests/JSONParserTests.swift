import CMLBotCore
import Foundation
import Testing
@testable import CMLBotEvidence

/// Expectations are Python 3.11 `json.loads` (what DVC calls), checked with python3 -c.
@Suite struct JSONParserTests {
    func parse(_ text: String) throws -> Value { try JSONParser.parse(Data(text.utf8)) }

    func parseError(_ text: String) -> FormatError? {
        do { _ = try JSONParser.parse(Data(text.utf8)); return nil } catch let e as FormatError { return e } catch { return nil }
    }

    /// "line:column" of the error, for compact expectations.
    func position(_ text: String) -> String {
        parseError(text).map { "\($0.line ?? 0):\($0.column ?? 0)" } ?? "no error"
    }

    @Test func intsStayIntsAndFloatsStayFloats() throws {
        #expect(try parse("1") == .int(1))
        #expect(try parse("1.0") == .double(1.0))
        #expect(try parse("1e2") == .double(100))        // json.loads('1e2') == 100.0, a float
        #expect(try parse("1E+2") == .double(100))
        #expect(try parse("0.1e1") == .double(1))
        #expect(try parse("-0") == .int(0))
        let negativeZero = try parse("-0.0")
        #expect(negativeZero == .double(0) && negativeZero.numeric?.doubleValue.sign == .minus)
        #expect(try parse("9223372036854775807") == .int(Int.max))
        #expect(try parse("-9223372036854775808") == .int(Int.min))
    }

    @Test func bigIntsKeepEveryDigit() throws {
        #expect(try parse("9007199254740993") == .int(9_007_199_254_740_993))
        #expect(try parse("9223372036854775808") == .bigInt("9223372036854775808"))
        #expect(try parse("-9223372036854775809") == .bigInt("-9223372036854775809"))
        #expect(try parse("123456789012345678901234567890") == .bigInt("123456789012345678901234567890"))
        #expect(try parse("[100000000000000000000000000000000000000000]") == .array([.bigInt("100000000000000000000000000000000000000000")]))
    }

    @Test func outOfRangeFloatsAreInfinityOrZeroAsInPython() throws {
        #expect(try parse("1e400") == .double(.infinity))
        #expect(try parse("-1e400") == .double(-.infinity))
        #expect(try parse("1E-400") == .double(0))
    }

    @Test func nanAndInfinityAreAccepted() throws {
        guard case .double(let nan) = try parse("NaN") else { Issue.record("NaN is not a float"); return }
        #expect(nan.isNaN)
        #expect(try parse("Infinity") == .double(.infinity))
        #expect(try parse("-Infinity") == .double(-.infinity))
        #expect(try parse("[NaN, Infinity]").arrayValue?.count == 2)
        // Only Python's spellings.
        #expect(parseError("nan") != nil)
        #expect(parseError("inf") != nil)
        #expect(parseError("+Infinity") != nil)
    }

    @Test func duplicateKeysKeepFirstPositionAndLastValue() throws {
        // json.loads('{"a":1,"b":2,"a":3}') == {'a': 3, 'b': 2}, keys in order a, b
        let object = try #require(try parse(#"{"a":1,"b":2,"a":3}"#).objectValue)
        #expect(object.keys == ["a", "b"])
        #expect(object["a"] == .int(3))
    }

    @Test func allEscapes() throws {
        #expect(try parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{C}\n\r\t"))
        #expect(try parse(#""\u0041\u00e9\u4E2D""#) == .string("Aé中"))
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse(#""\uD83D\uDE00x""#) == .string("😀x"))
        // A high surrogate followed by a non-surrogate escape: Python keeps '\ud83d' + 'A'.
        // Swift strings cannot hold lone surrogates, so the surrogate becomes U+FFFD.
        #expect(try parse(#""\ud83d\u0041""#) == .string("\u{FFFD}A"))
        #expect(try parse(#""\ud83d""#) == .string("\u{FFFD}"))
        #expect(try parse(#""\ude00\ud83d""#) == .string("\u{FFFD}\u{FFFD}"))
        #expect(parseError(#""\x41""#) != nil)          // Invalid \escape
        #expect(parseError(#""\u12""#) != nil)
        #expect(parseError(#""\u12G4""#) != nil)
        #expect(parseError(#""\"#) != nil)
    }

    @Test func byteOrderMarkIsSkipped() throws {
        // Python's json.loads rejects a BOM ("Unexpected UTF-8 BOM") and DVC then drops the file;
        // cmlbot reads it (intended: Windows editors write one).
        #expect(try JSONParser.parse(Data([0xEF, 0xBB, 0xBF] + Array(#"{"a": 1}"#.utf8))) == .object(OrderedObject([("a", .int(1))])))
    }

    @Test func rawControlCharactersInStringsAreRejected() {
        let e = parseError("\"a\tb\"")
        #expect(e?.line == 1 && e?.column == 3)          // Invalid control character at: line 1 column 3
        #expect(parseError("\"a\nb\"") != nil)
        #expect(parseError("\"a\u{0}b\"") != nil)
        #expect(parseError("\"a\u{7F}b\"") == nil)       // DEL is not a control character to JSON
    }

    @Test func trailingCommasAndOtherSyntaxErrorsCarryLineAndColumn() {
        #expect(position("[1,]") == "1:4")          // Expecting value: line 1 column 4
        #expect(position(#"{"a":1,}"#) == "1:8")    // Expecting property name: line 1 column 8
        #expect(position("[1 2]") == "1:4")         // Expecting ',' delimiter: line 1 column 4
        #expect(position("{\n  \"a\": 1,\n  \"b\" 2\n}") == "3:7")
        // Columns count characters, not bytes.
        #expect(position("{\"é\": x}") == "1:7")
        #expect(parseError("01") != nil)      // Extra data
        #expect(parseError("1.") != nil)
        #expect(parseError(".5") != nil)
        #expect(parseError("+1") != nil)
        #expect(parseError("-") != nil)
        #expect(parseError("1e") != nil)
        #expect(parseError("[1] x") != nil)
        #expect(parseError("{'a': 1}") != nil)
        #expect(parseError("tru") != nil)
        let e = parseError("[1,]")
        #expect(e?.description.hasPrefix("invalid JSON at line 1, column 4:") == true)
    }

    @Test func emptyAndBlankInputAreErrors() {
        #expect(parseError("") != nil)        // Expecting value: line 1 column 1
        #expect(parseError("  \n ") != nil)
    }

    @Test func topLevelScalarsAndArrays() throws {
        #expect(try parse(" 0.9 ") == .double(0.9))
        #expect(try parse("\"x\"") == .string("x"))
        #expect(try parse("null") == .null)
        #expect(try parse("true") == .bool(true))
        #expect(try parse("[1, [2, {}], []]") == .array([.int(1), .array([.int(2), .object(OrderedObject())]), .array([])]))
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(parseError(deep)?.reason.contains("nesting") == true)
        let objects = String(repeating: "{\"a\":", count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        #expect(parseError(objects) != nil)
        // Within the limit it parses.
        let ok = String(repeating: "[", count: JSONParser.maximumDepth) + String(repeating: "]", count: JSONParser.maximumDepth)
        #expect((try? parse(ok)) != nil)
        let over = "[" + ok + "]"
        #expect(parseError(over) != nil)
    }

    @Test func invalidUTF8IsAnError() {
        #expect((try? JSONParser.parse(Data([0x22, 0xFF, 0x22]))) == nil)               // inside a string
        #expect((try? JSONParser.parse(Data([0x22, 0xC3, 0x22]))) == nil)               // truncated sequence
        #expect((try? JSONParser.parse(Data([0x7B, 0xFF, 0x7D]))) == nil)               // outside a string
        #expect((try? JSONParser.parse(Data([0x22, 0xED, 0xA0, 0x80, 0x22]))) == nil)   // encoded surrogate
    }

    @Test func keyOrderIsKept() throws {
        let object = try #require(try parse(#"{"z": 1, "a": {"y": 2, "b": 3}}"#).objectValue)
        #expect(object.keys == ["z", "a"])
        #expect(object["a"]?.objectValue?.keys == ["y", "b"])
    }
}
