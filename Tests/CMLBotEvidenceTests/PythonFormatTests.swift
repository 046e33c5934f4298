import CMLBotCore
import Foundation
import Testing
@testable import CMLBotEvidence

// Expected values come from Python 3.11.7 (DVC's output is Python's repr/round/json.dumps). The
// data in PythonGroundTruth.swift was generated with (abridged):
//
//     random.seed(20260501)
//     floats: 700 random finite bit patterns, 500 "<1..17 digits>e<-30..30>", powers of ten ± 2 ulps
//             for 1e-8..1e19, 400 random()*{1,100,1e-3,1e6}, 150 integral floats up to 2**60,
//             specials (±0.0, ±5e-324, min normal, max, 2**53+1, 0.1, 1/3, 1e16, 1e22, ...)
//             → f"{bits:016x} {repr(x)}"
//     round:  hand-picked ties and edges + 600 random (x, n) + 200 exact binary ties k/2**m
//             → f"{bits:016x} {n} {repr(round(x, n))}"
//     strings: 150 random strings over quotes, backslashes, C0/C1 controls, NBSP, soft hyphen,
//             zero-width and bidi marks, U+2028, BOM, combining marks, private use, emoji/ZWJ,
//             CJK, tag characters, unassigned U+0378 → hex(s) hex(repr(s))
//     json:   120 random nested values (None/bools/ints up to 2**70/floats/NaN/±inf/-0.0/strings
//             of the same alphabet plus \b\f, U+00FF, U+10FFFF) → hex(json.dumps(v,
//             ensure_ascii=False)) hex(json.dumps(v))

/// Test data lines as fields.
func groundTruthLines(_ text: String) -> [[Substring]] {
    text.split(separator: "\n").map { $0.split(separator: " ") }
}

func unhex(_ field: Substring) -> String {
    if field == "-" { return "" }
    var bytes: [UInt8] = []
    var i = field.startIndex
    while i < field.endIndex {
        let j = field.index(i, offsetBy: 2)
        bytes.append(UInt8(field[i..<j], radix: 16) ?? 0)
        i = j
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Byte equality: Swift's String == is canonical equivalence, which would hide a wrong escape.
func sameBytes(_ a: String, _ b: String) -> Bool { Array(a.utf8) == Array(b.utf8) }

@Suite struct PythonFloatReprTests {
    @Test func twoThousandDoublesPrintAsPythonRepr() {
        let lines = groundTruthLines(PythonGroundTruth.floatRepr)
        #expect(lines.count == 2000)
        var mismatches: [String] = []
        for fields in lines {
            guard let bits = UInt64(fields[0], radix: 16) else { Issue.record("bad line \(fields)"); continue }
            let x = Double(bitPattern: bits)
            let got = PythonFormat.repr(x)
            if got != fields[1] { mismatches.append("\(fields[0]): Python \(fields[1]), got \(got)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(5))")
    }

    @Test func fixedAndExponentBoundaries() {
        #expect(PythonFormat.repr(1e16) == "1e+16")
        #expect(PythonFormat.repr(9999999999999998.0) == "9999999999999998.0")
        #expect(PythonFormat.repr(0.0001) == "0.0001")
        #expect(PythonFormat.repr(0.00001) == "1e-05")
        #expect(PythonFormat.repr(1.0) == "1.0")
        #expect(PythonFormat.repr(-0.0) == "-0.0")
        #expect(PythonFormat.repr(.nan) == "nan")
        #expect(PythonFormat.repr(-.infinity) == "-inf")
        #expect(PythonFormat.repr(.leastNonzeroMagnitude) == "5e-324")
        #expect(PythonFormat.repr(1.7976931348623157e308) == "1.7976931348623157e+308")
        #expect(PythonFormat.repr(0.1 + 0.2) == "0.30000000000000004")
        #expect(PythonFormat.repr(123456789012345678.0) == "1.2345678901234568e+17")
    }
}

@Suite struct PythonRoundTests {
    @Test func matchesPythonOnTiesEdgesAndARandomSample() {
        let lines = groundTruthLines(PythonGroundTruth.round)
        #expect(lines.count > 800)
        var mismatches: [String] = []
        for fields in lines {
            guard let bits = UInt64(fields[0], radix: 16), let n = Int(fields[1]) else { Issue.record("bad line \(fields)"); continue }
            let x = Double(bitPattern: bits)
            let got = PythonFormat.repr(PythonFormat.round(x, n))
            if got != fields[2] { mismatches.append("round(\(PythonFormat.repr(x)), \(n)): Python \(fields[2]), got \(got)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(5))")
    }

    @Test(arguments: [
        // (x, ndigits, Python's repr(round(x, ndigits)))
        (2.675, 2, "2.67"),          // 2.67499999999999982236431605997495353221893310546875
        (0.125, 2, "0.12"),          // exact tie, half-even
        (0.375, 2, "0.38"),          // exact tie, half-even
        (0.25, 1, "0.2"), (0.75, 1, "0.8"),
        (1e-7, 5, "0.0"),
        (-0.05, 1, "-0.1"),          // -0.05000000000000000277 is past the tie: not "-0.0"
        (-0.04999999999999999, 1, "-0.0"),
        (-0.0001, 2, "-0.0"),
        (1e22, 2, "1e+22"),
        (.leastNonzeroMagnitude, 5, "0.0"),
        (0.85030, 5, "0.8503"),
        (39.730000000000004, 5, "39.73"),
        (2.5, 0, "2.0"), (-2.5, 0, "-2.0"), (1.5, 0, "2.0"),
        (25.0, -1, "20.0"), (15.0, -1, "20.0"), (1250.0, -2, "1200.0"), (1350.0, -2, "1400.0"),
        (-4.0, -1, "-0.0"), (123.0, -400, "0.0"), (0.1, 400, "0.1"),
        (1.7976931348623157e308, -300, "1.79769313e+308"),
    ] as [(Double, Int, String)])
    func trickyCases(x: Double, ndigits: Int, expected: String) {
        #expect(PythonFormat.repr(PythonFormat.round(x, ndigits)) == expected)
    }

    @Test func nonFiniteValuesPassThrough() {
        #expect(PythonFormat.round(.infinity, 2) == .infinity)
        #expect(PythonFormat.round(.nan, 2).isNaN)
        #expect(PythonFormat.rounded(.nan, precision: 5) == "nan")
    }

    @Test func roundedIsStrOfRound() {
        #expect(PythonFormat.rounded(0.123456789, precision: 5) == "0.12346")
        #expect(PythonFormat.rounded(100.0, precision: 5) == "100.0")
        #expect(PythonFormat.rounded(1234567.891, precision: 2) == "1234567.89")
    }
}

@Suite struct PythonStringReprTests {
    @Test func matchesPythonOnGeneratedStrings() {
        let lines = groundTruthLines(PythonGroundTruth.stringRepr)
        #expect(lines.count > 150)
        var mismatches: [String] = []
        for fields in lines {
            let text = unhex(fields[0]), expected = unhex(fields[1])
            let got = PythonFormat.repr(text)
            if !sameBytes(got, expected) {
                mismatches.append("\(text.unicodeScalars.map { String($0.value, radix: 16) }): Python \(expected.debugDescription), got \(got.debugDescription)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(5))")
    }

    @Test func quotingRules() {
        #expect(PythonFormat.repr("a") == "'a'")
        #expect(PythonFormat.repr("it's") == "\"it's\"")
        #expect(PythonFormat.repr("say \"hi\"") == "'say \"hi\"'")
        #expect(PythonFormat.repr("both ' and \"") == "'both \\' and \"'")
        #expect(PythonFormat.repr("a\\b\n\t\r") == "'a\\\\b\\n\\t\\r'")
        #expect(sameBytes(PythonFormat.repr("\u{0}\u{7F}\u{85}\u{A0}"), "'\\x00\\x7f\\x85\\xa0'"))
        #expect(sameBytes(PythonFormat.repr("\u{200B}\u{2028}\u{FEFF}\u{E000}"), "'\\u200b\\u2028\\ufeff\\ue000'"))
        #expect(sameBytes(PythonFormat.repr("\u{E0001}"), "'\\U000e0001'"))
        #expect(sameBytes(PythonFormat.repr("é😀中"), "'é😀中'"))
        // A quote followed by a combining mark is one Character to Swift but still a quote to Python.
        #expect(sameBytes(PythonFormat.repr("'\u{301}"), "\"'\u{301}\""))
    }

    @Test func valuesPrintAsPythonLiterals() {
        let list: Value = .array([.int(1), .double(2.5), .string("f1"), .bool(true), .null, .bigInt("123456789012345678901234567890")])
        #expect(PythonFormat.repr(list) == "[1, 2.5, 'f1', True, None, 123456789012345678901234567890]")
        let nested: Value = .array([.object(OrderedObject([("units", .int(64)), ("act", .string("relu"))]))])
        #expect(PythonFormat.repr(nested) == "[{'units': 64, 'act': 'relu'}]")
        #expect(PythonFormat.repr(.array([])) == "[]")
        #expect(PythonFormat.repr(.object(OrderedObject())) == "{}")
        #expect(PythonFormat.repr(.double(1e-05)) == "1e-05")
        #expect(PythonFormat.str(.string("it's")) == "it's")
        #expect(PythonFormat.str(.double(.infinity)) == "inf")
        #expect(PythonFormat.str(.bool(false)) == "False")
    }
}

@Suite struct JSONWriterTests {
    @Test func pythonStyleMatchesJsonDumpsByteForByte() throws {
        let lines = groundTruthLines(PythonGroundTruth.jsonDumps)
        #expect(lines.count > 120)
        var mismatches: [String] = []
        for fields in lines {
            let source = unhex(fields[0]), expected = unhex(fields[1])
            let value = try JSONParser.parse(Data(source.utf8))
            let got = JSONWriter.python.string(value)
            if !sameBytes(got, expected) { mismatches.append("json.dumps \(expected), got \(got)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(3))")
    }

    @Test func escapesAsPython() {
        let w = JSONWriter.python
        #expect(w.string(.string("\u{1F600}")) == "\"\\ud83d\\ude00\"")
        #expect(w.string(.string("\u{10FFFF}")) == "\"\\udbff\\udfff\"")
        #expect(w.string(.string("é\u{7F}\u{0}\u{1F}\u{8}\u{C}")) == "\"\\u00e9\\u007f\\u0000\\u001f\\b\\f\"")
        #expect(w.string(.string("</script>\"\\/")) == "\"</script>\\\"\\\\/\"")
        #expect(w.string(.array([.double(.nan), .double(.infinity), .double(-.infinity), .double(-0.0), .double(1e16), .int(-1)]))
                == "[NaN, Infinity, -Infinity, -0.0, 1e+16, -1]")
        #expect(w.string(.object(OrderedObject([("a", .object(OrderedObject([("b", .array([]))]))), ("c", .object(OrderedObject()))])))
                == "{\"a\": {\"b\": []}, \"c\": {}}")
        #expect(w.string(.bigInt("-123456789012345678901234567890")) == "-123456789012345678901234567890")
        #expect(w.string(.date("1979-05-27")) == "\"1979-05-27\"")
    }

    @Test func prettyStyleIsStrictIndentedUTF8() {
        let value: Value = .object(OrderedObject([("k\u{E9}y", .array([.int(1), .double(.nan)])), ("e", .object(OrderedObject()))]))
        #expect(JSONWriter.pretty.string(value) == "{\n  \"k\u{E9}y\": [\n    1,\n    \"NaN\"\n  ],\n  \"e\": {}\n}")
        #expect(JSONWriter.pretty.string(.string("\u{7F}\u{1}")) == "\"\u{7F}\\u0001\"")
    }
}
