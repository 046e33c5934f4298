import CMLBotCore
import Foundation
import Testing
@testable import CMLBotEvidence

/// Expectations are what DVC 3.67.1 gets: `dvc/utils/serialize/_yaml.py` parses with
/// `ruamel.yaml.YAML(typ="safe").load(text)` (ruamel.yaml 0.19.1, no C extension installed, so the
/// pure-Python YAML 1.2 loader). Each was checked with that interpreter.
@Suite struct YAMLScalarTests {
    func value(_ scalar: String) throws -> Value? {
        try YAMLLoader.parse(Data("k: \(scalar)\n".utf8)).objectValue?["k"]
    }

    func fails(_ text: String) -> FormatError? {
        do { _ = try YAMLLoader.parse(Data(text.utf8)); return nil } catch let e as FormatError { return e } catch { return nil }
    }

    @Test(arguments: [
        // (plain scalar, Python value)
        ("1e-4", Value.double(0.0001)), ("1E5", .double(100_000)), ("1e5", .double(100_000)), ("1e+5", .double(100_000)),
        ("1.0E+5", .double(100_000)), ("1e-05", .double(1e-05)), (".5", .double(0.5)), ("-.5", .double(-0.5)),
        ("+.5", .double(0.5)), (".5e+1", .double(5)), ("1.", .double(1)), ("3.e2", .double(300)), ("0.", .double(0)),
        ("1.10", .double(1.1)), ("1_000.5", .double(1000.5)), ("1.5_", .double(1.5)), ("01.5", .double(1.5)),
        ("1_0e1", .double(100)), ("1e400", .double(.infinity)),
        (".inf", .double(.infinity)), (".Inf", .double(.infinity)), (".INF", .double(.infinity)),
        ("+.inf", .double(.infinity)), ("-.inf", .double(-.infinity)),
        ("1_000", .int(1000)), ("1__0", .int(10)), ("1_", .int(1)), ("0_7", .int(7)),
        ("0o17", .int(15)), ("0o_7", .int(7)), ("017", .int(17)), ("09", .int(9)), ("00", .int(0)),
        ("0x1F", .int(31)), ("+0x1F", .int(31)), ("0x_1F", .int(31)), ("0b101", .int(5)), ("-0b101", .int(-5)), ("0b_1", .int(1)),
        ("0", .int(0)), ("-0", .int(0)), ("+1", .int(1)), ("-1", .int(-1)),
        ("9007199254740993", .int(9_007_199_254_740_993)), ("-9223372036854775808", .int(Int.min)),
        ("123456789012345678901234567890", .bigInt("123456789012345678901234567890")),
        ("-123456789012345678901234567890", .bigInt("-123456789012345678901234567890")),
        ("+99999999999999999999", .bigInt("99999999999999999999")),
        ("1_000_000_000_000_000_000_000", .bigInt("1000000000000000000000")),
        ("0000000000000000000000012", .int(12)),
        ("0xFFFFFFFFFFFFFFFFFFFF", .bigInt("1208925819614629174706175")),
        ("-0x1_0000_0000_0000_0000", .bigInt("-18446744073709551616")),
        ("0o7777777777777777777777777", .bigInt("37778931862957161709567")),
        ("true", .bool(true)), ("True", .bool(true)), ("TRUE", .bool(true)), ("false", .bool(false)), ("FALSE", .bool(false)),
        ("~", .null), ("null", .null), ("Null", .null), ("NULL", .null), ("", .null),
        // YAML 1.1 spellings are plain strings in 1.2.
        ("yes", .string("yes")), ("no", .string("no")), ("on", .string("on")), ("off", .string("off")),
        ("Yes", .string("Yes")), ("y", .string("y")), ("n", .string("n")), ("tRue", .string("tRue")), ("nUll", .string("nUll")),
        ("0X1F", .string("0X1F")), (".5e1", .string(".5e1")), ("1.5e", .string("1.5e")), ("e5", .string("e5")),
        ("_1", .string("_1")), ("1e5_", .string("1e5_")), ("1_0.5e1_0", .string("1_0.5e1_0")), ("+.nan", .string("+.nan")),
        ("-.nan", .string("-.nan")), ("0xfg", .string("0xfg")), ("0o8", .string("0o8")), ("0b2", .string("0b2")),
        ("0x", .string("0x")), ("1,000", .string("1,000")), ("1.0.0", .string("1.0.0")), ("+", .string("+")), (".", .string(".")),
        ("12:30", .string("12:30")), ("1:20:30", .string("1:20:30")),
        // Quoted numbers stay strings.
        ("'1'", .string("1")), ("\"1.5\"", .string("1.5")), ("'true'", .string("true")), ("\"~\"", .string("~")),
        ("|\n  12", .string("12\n")), (">\n  1e3", .string("1e3\n")),
    ] as [(String, Value)])
    func plainScalarsAreTypedAsYAML12(text: String, expected: Value) throws {
        #expect(try value(text) == expected)
    }

    @Test(arguments: [
        // `%YAML 1.1` documents are typed by ruamel's 1.1 rules.
        ("yes", Value.bool(true)), ("No", .bool(false)), ("on", .bool(true)), ("OFF", .bool(false)), ("y", .bool(true)),
        ("n", .bool(false)), ("True", .bool(true)), ("017", .int(15)), ("-017", .int(-15)), ("00", .int(0)), ("0_7", .int(7)),
        ("0o17", .string("0o17")), ("09", .string("09")), ("0x1F", .int(31)), ("0b11", .int(3)), ("1_000", .int(1000)),
        ("1:20", .int(80)), ("1:20:30", .int(4830)), ("-1:20", .int(-80)), ("190:20:30.15", .double(685230.15)),
        ("1:20.5", .double(80.5)), (".5", .double(0.5)), ("+.5", .string("+.5")), ("-.5", .string("-.5")), ("1e5", .double(100_000)),
        ("1.5e3", .double(1500)), ("0", .int(0)), (".inf", .double(.infinity)), ("2020-01-01", .date("2020-01-01")),
        ("!!int 017", .int(15)), ("!!int 1:30", .int(90)), ("!!float 1:30.5", .double(90.5)), ("1:60", .string("1:60")),
        ("01:20", .string("01:20")), ("0:20", .string("0:20")),
    ] as [(String, Value)])
    func yaml11DirectiveSwitchesTheSchema(text: String, expected: Value) throws {
        #expect(try YAMLLoader.parse(Data("%YAML 1.1\n---\nk: \(text)\n".utf8)).objectValue?["k"] == expected)
    }

    @Test func nanIsAFloat() throws {
        for text in [".nan", ".NaN", ".NAN"] {
            guard case .double(let d)? = try value(text) else { Issue.record("\(text) is not a float"); continue }
            #expect(d.isNaN)
        }
    }

    @Test func numbersKeepPythonsIntFloatDistinction() throws {
        #expect(try value("1.10") == .double(1.1))
        #expect(PythonFormat.repr(try #require(try value("1e-4")).numeric?.doubleValue ?? 0) == "0.0001")
        #expect(PythonFormat.repr(try #require(try value("5e-5")).numeric?.doubleValue ?? 0) == "5e-05")
    }

    @Test(arguments: [
        // (timestamp, Python's str() of what ruamel builds)
        ("2020-01-01", "2020-01-01"), ("2002-12-14", "2002-12-14"), ("2020-02-29", "2020-02-29"), ("2000-02-29", "2000-02-29"),
        ("2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.100000-05:00"),
        ("2001-12-14 21:59:43.10 -5", "2001-12-14 21:59:43.100000-05:00"),
        ("2001-12-14T21:59:43Z", "2001-12-14 21:59:43+00:00"),
        ("2001-12-14 21:59:43 Z", "2001-12-14 21:59:43+00:00"),
        ("2001-12-15 2:59:43.10", "2001-12-15 02:59:43.100000"),
        ("2001-12-14t21:59:43.123456789Z", "2001-12-14 21:59:43.123457+00:00"),
        ("2001-12-14T21:59:43.1+05:30", "2001-12-14 21:59:43.100000+05:30"),
        ("2001-12-14T21:59:43-00:00", "2001-12-14 21:59:43+00:00"),
        ("2020-01-01T10:00:00+0", "2020-01-01 10:00:00+00:00"),
        ("2020-01-01T10:00:00-05:30", "2020-01-01 10:00:00-05:30"),
        ("2020-01-01 10:00:00 +23:59", "2020-01-01 10:00:00+23:59"),
        ("2020-01-01 10:00:00+05:99", "2020-01-01 10:00:00+06:39"),
        ("2020-01-01 10:00:00.", "2020-01-01 10:00:00"),
        ("2020-01-01   10:00:00   Z", "2020-01-01 10:00:00+00:00"),
        ("2020-1-1 1:00:00", "2020-01-01 01:00:00"),
        ("2020-01-01T10:00:00.000000", "2020-01-01 10:00:00"),
        ("2020-01-01T10:00:00.0000004", "2020-01-01 10:00:00"),
        ("2020-01-01T10:00:00.0000005", "2020-01-01 10:00:00.000001"),
        ("2020-01-01T00:00:00.5", "2020-01-01 00:00:00.500000"),
        ("2020-01-01 23:59:59.9999996", "2020-01-02 00:00:00"),
        ("2020-12-31 23:59:59.9999999Z", "2021-01-01 00:00:00+00:00"),
    ] as [(String, String)])
    func timestampsReadAsPythonPrintsThem(text: String, expected: String) throws {
        #expect(try value(text) == .date(expected))
    }

    @Test func timestampLookalikesThatAreStrings() throws {
        #expect(try value("2020-1-1") == .string("2020-1-1"))                      // date alone needs two-digit month and day
        #expect(try value("2001-12-14T21:59:43+0530") == .string("2001-12-14T21:59:43+0530"))
        #expect(try value("'2020-01-01'") == .string("2020-01-01"))
    }

    @Test(arguments: ["2020-02-30", "2019-02-29", "1900-02-29", "2020-13-01", "0000-01-01", "2020-01-01 25:00:00",
                      "2020-01-01 10:60:00", "2020-01-01 10:00:60", "2020-01-01 10:00:00 +24", "2020-01-01 10:00:00 -24:00",
                      "9999-12-31 23:59:59.9999999"])
    func impossibleTimestampsFailTheFileAsInDVC(text: String) {
        #expect(fails("k: \(text)\n") != nil, "Python's datetime refuses \(text)")
    }

    @Test func explicitTags() throws {
        #expect(try value("!!str 1") == .string("1"))
        #expect(try value("!!str 0x1F") == .string("0x1F"))
        #expect(try value("!!str 2020-01-01") == .string("2020-01-01"))
        #expect(try value("!!str") == .string(""))
        #expect(try value("!!int \"3\"") == .int(3))
        #expect(try value("!!int 017") == .int(17))
        #expect(try value("!!int 0x1F") == .int(31))
        #expect(try value("!!int -0x1F") == .int(-31))
        #expect(try value("!!int 1_000") == .int(1000))
        #expect(try value("!!int ' 12 '") == .int(12))
        #expect(try value("!!int '+-5'") == .int(-5))
        #expect(try value("!!float 1") == .double(1))
        #expect(try value("!!float '1'") == .double(1))
        #expect(try value("!!float 1.") == .double(1))
        #expect(try value("!!float ' 1.5 '") == .double(1.5))
        #expect(try value("!!float .inf") == .double(.infinity))
        #expect(try value("!!float inf") == .double(.infinity))
        #expect(try value("!!float -Infinity") == .double(-.infinity))
        #expect(try value("!!bool yes") == .bool(true))
        #expect(try value("!!bool on") == .bool(true))
        #expect(try value("!!bool Y") == .bool(true))
        #expect(try value("!!bool off") == .bool(false))
        #expect(try value("!!null ''") == .null)
        #expect(try value("!!null hello") == .null)
        #expect(try value("!!timestamp 2020-01-01") == .date("2020-01-01"))
        #expect(try value("!!timestamp 2020-1-1") == .date("2020-01-01"))   // the constructor is laxer than the resolver
        #expect(try value("!<tag:yaml.org,2002:int> 12") == .int(12))
        #expect(try value("! 12") == .int(12))                                  // non-specific tag: resolved as plain
        #expect(try value("! '12'") == .int(12))
        #expect(try value("! abc") == .string("abc"))
        #expect(try value("!!seq [1]") == .array([.int(1)]))
        #expect(try value("! {a: 1}") == .object(OrderedObject([("a", .int(1))])))
        #expect(try value("!!omap [a: 1, b: 2]") == .object(OrderedObject([("a", .int(1)), ("b", .int(2))])))
        let tagged = try YAMLLoader.parse(Data("%TAG !e! tag:yaml.org,2002:\n---\ns: !e!int 12\n".utf8))
        #expect(tagged == .object(OrderedObject([("s", .int(12))])))
    }

    @Test(arguments: ["!!int 1.5", "!!int", "!!int 0X1F", "!!float abc", "!!float 0x1p3", "!!bool maybe", "!!timestamp nope",
                      "!!timestamp 2020-01-01T", "!custom 1", "!foo [1]", "!!str {a: 1}", "!!map [1]", "!!binary aGVsbG8=",
                      "!!set {a, b}", "=", "<<"])
    func tagsAndValuesRuamelCannotConstructFailTheFile(text: String) {
        #expect(fails("k: \(text)\n") != nil)
    }

    @Test func valueIndicatorIsAStringKey() throws {
        #expect(try YAMLLoader.parse(Data("=: 1\n".utf8)) == .object(OrderedObject([("=", .int(1))])))
        #expect(fails("- =\n") != nil)
        #expect(try value("'='") == .string("="))
    }
}

@Suite struct YAMLStructureTests {
    func parse(_ text: String) throws -> Value { try YAMLLoader.parse(Data(text.utf8)) }

    func fails(_ text: String) -> FormatError? {
        do { _ = try YAMLLoader.parse(Data(text.utf8)); return nil } catch let e as FormatError { return e } catch { return nil }
    }

    func object(_ pairs: [(String, Value)]) -> Value { .object(OrderedObject(pairs)) }

    @Test func emptyDocumentsAreNone() throws {
        #expect(try parse("") == .null)
        #expect(try parse("# just a comment\n") == .null)
        #expect(try parse("---\n") == .null)
        #expect(try parse("\n\n") == .null)
        #expect(try parse("--- 1\n") == .int(1))
        #expect(try parse("---\na: 1\n...\n") == object([("a", .int(1))]))
    }

    @Test func versionDirectives() throws {
        #expect(try parse("%YAML 1.2\n---\na: yes\n") == object([("a", .string("yes"))]))
        #expect(try parse("%YAML 1.1\n---\na: yes\n") == object([("a", .bool(true))]))
        #expect(fails("%YAML 2.0\n---\na: 1\n") != nil)
    }

    @Test func multiDocumentFilesAreErrors() {
        // ruamel's load(): "expected a single document in the stream".
        let e = fails("a: 1\n---\nb: 2\n")
        #expect(e?.reason.contains("single document") == true)
        #expect(e?.line == 2)
        #expect(fails("a: 1\n---\n") != nil)
    }

    @Test func anchorsAndAliases() throws {
        #expect(try parse("a: &x [1, 2]\nb: *x\n") == object([("a", .array([.int(1), .int(2)])), ("b", .array([.int(1), .int(2)]))]))
        // A redefined anchor: later uses see the latest definition.
        #expect(try parse("a: &x 1\nb: &x 2\nc: *x\n") == object([("a", .int(1)), ("b", .int(2)), ("c", .int(2))]))
        #expect(fails("a: *nope\n")?.reason.contains("undefined alias") == true)
        // ruamel builds a recursive list here; cmlbot cannot hold one and refuses the file.
        #expect(fails("a: &a [1, *a]\n") != nil)
    }

    @Test func mergeKeys() throws {
        let base = "base: &b {x: 1, y: 2}\n"
        // Explicit keys win; merged keys come first in Python's dict order.
        #expect(try parse(base + "d:\n  z: 3\n  <<: *b\n  x: 9\n").objectValue?["d"]
                == object([("x", .int(9)), ("y", .int(2)), ("z", .int(3))]))
        // A list of mappings: the first one listed wins, keys ordered from the last one.
        #expect(try parse("a: &a {k: 1, p: 1}\nb: &b {k: 2, q: 2}\nc:\n  <<: [*a, *b]\n  r: 3\n").objectValue?["c"]
                == object([("k", .int(1)), ("q", .int(2)), ("p", .int(1)), ("r", .int(3))]))
        // Merges of merges.
        #expect(try parse("a: &a {k: 1}\nb: &b {<<: *a, j: 2}\nc: {<<: *b}\n").objectValue?["c"]
                == object([("k", .int(1)), ("j", .int(2))]))
        #expect(try parse("a: &a {k: 1}\nc:\n  k: 2\n  <<: *a\n").objectValue?["c"] == object([("k", .int(2))]))
        #expect(try parse("c:\n  <<: {}\n  x: 1\n").objectValue?["c"] == object([("x", .int(1))]))
        // With a merge key ruamel skips the duplicate check: the last value wins.
        #expect(try parse("a: &a {k: 1}\nc:\n  <<: *a\n  z: 1\n  z: 2\n").objectValue?["c"] == object([("k", .int(1)), ("z", .int(2))]))
        // Explicit merge tag works; quoted or !!str-tagged "<<" is an ordinary key.
        #expect(try parse("a: &a {k: 1}\nb:\n  !!merge <<: *a\n").objectValue?["b"] == object([("k", .int(1))]))
        #expect(try parse("c:\n  '<<': 1\n").objectValue?["c"] == object([("<<", .int(1))]))
        #expect(try parse("a: &a {k: 1}\nb:\n  !!str <<: *a\n").objectValue?["b"] == object([("<<", object([("k", .int(1))]))]))
    }

    @Test(arguments: ["a: &a {k: 1}\nb: &b {j: 1}\nc:\n  <<: *a\n  <<: *b\n", "a: &a 1\nc:\n  <<: *a\n", "c:\n  <<: ~\n",
                      "a: &a [1]\nb:\n  <<: *a\n", "b:\n  <<: [1]\n", "a: <<\n", "- <<\n"])
    func badMergesFailTheFile(text: String) {
        #expect(fails(text) != nil)
    }

    @Test func duplicateKeysAreErrors() {
        #expect(fails("a: 1\na: 2\n")?.reason.contains("duplicate key") == true)
        #expect(fails("a: 1\na: 2\n")?.line == 2)
        #expect(fails("a: 1\n'a': 2\n") != nil)                  // quoting does not make a different key
        #expect(fails("x:\n  a: 1\n  a: 2\n") != nil)
        #expect(fails("1: a\n01: b\n") != nil)                   // both are the int 1
        #expect(fails("true: a\n1: b\n") != nil)                 // True == 1 in Python
        #expect(fails("1: a\n1.0: b\n") != nil)
        #expect(fails("1e20: a\n100000000000000000000: b\n") != nil)
        #expect(fails(".nan: 1\n.NaN: 2\n") != nil)              // ruamel's NaN is one shared object
        #expect(fails("~: 1\nnull: 2\n") != nil)
        #expect(fails("? [a, 1]\n: x\n? [a, 1.0]\n: y\n") != nil)
    }

    @Test func differentPythonKeysThatPrintAlikeAreNotDuplicates() throws {
        // {1: 'a', '1': 'b'} in Python; one flattened name can hold only one, the last.
        #expect(try parse("1: a\n'1': b\n") == object([("1", .string("b"))]))
    }

    @Test func nonStringKeysReadAsPythonsStr() throws {
        let nested = try parse("m:\n  1: a\n  false: b\n  null: c\n  1.0e3: d\n  0x10: e\n  2020-01-01: f\n  0.1: g\n  1e-7: h\n  123456789012345678901234567890: i\n")
        #expect(nested.objectValue?["m"]?.objectValue?.keys
                == ["1", "False", "None", "1000.0", "16", "2020-01-01", "0.1", "1e-07", "123456789012345678901234567890"])
        #expect(try parse("? [a, 1]\n: x\n? [b]\n: y\n? []\n: z\n") == object([("('a', 1)", .string("x")), ("('b',)", .string("y")), ("()", .string("z"))]))
        #expect(try parse("2020-01-01 10:00:00: a\n") == object([("2020-01-01 10:00:00", .string("a"))]))
        #expect(fails("? {a: 1}\n: 1\n") != nil)                // unhashable key
        #expect(fails("? [[a]]\n: x\n") != nil)
    }

    @Test func tabsWhereRuamelRefusesThem() {
        // ruamel 0.19: "found character '\t' that cannot start any token".
        #expect(fails("a:\n\tb: 1\n").map { ($0.line ?? 0, $0.column ?? 0) } ?? (0, 0) == (2, 1))
        #expect(fails("a:\t1\n").map { ($0.line ?? 0, $0.column ?? 0) } ?? (0, 0) == (1, 3))
        #expect(fails("a: b\tc\n") != nil)
        #expect(fails("a: 1\t\n") != nil)
        #expect(fails("a: 1\t# c\n") != nil)
        #expect(fails("-\t1\n") != nil)
        #expect(fails("a\t: 1\n") != nil)
        #expect(fails("a: 1\n\t\nb: 2\n") != nil)
        #expect(fails("a: 'x'\t\n") != nil)
        #expect(fails("a: 1\n\t# comment\n") != nil)
        #expect(fails("a: [1, 2]\t\n") != nil)
        #expect(fails("a: |\n  x\n\tb\n") != nil)
        #expect(fails("a: b\n  \tc\n") != nil)
        // A TSV "metrics" file: DVC reports YAMLFileCorruptedError.
        #expect(fails("acc\tloss\n0.9\t0.1\n") != nil)
    }

    @Test func tabsWhereRuamelAcceptsThem() throws {
        #expect(try parse("a: 'x\ty'\n") == object([("a", .string("x\ty"))]))
        #expect(try parse("a: \"x\ty\"\n") == object([("a", .string("x\ty"))]))
        #expect(try parse("a: [1,\t2]\n") == object([("a", .array([.int(1), .int(2)]))]))
        #expect(try parse("a: [1,\n\t2]\n") == object([("a", .array([.int(1), .int(2)]))]))
        #expect(try parse("a: {b:\t1}\n") == object([("a", object([("b", .int(1))]))]))
        #expect(try parse("a: 1 # tab\there\n") == object([("a", .int(1))]))
        #expect(try parse("# \t\na: 1\n") == object([("a", .int(1))]))
        #expect(try parse("a: |\n  x\ty\n") == object([("a", .string("x\ty\n"))]))
        #expect(try parse("a: >-\n  x\n  \ty\n") == object([("a", .string("x\n\ty"))]))
        #expect(try parse("a: \"line1\n\tline2\"\n") == object([("a", .string("line1 line2"))]))
        #expect(try parse("a: 1 #\tx\n") == object([("a", .int(1))]))
        #expect(try parse("a: \"x\" #c\tc\n") == object([("a", .string("x"))]))
    }

    @Test func tabPositionsSurviveCRLFAndWideCharacters() throws {
        // The tab check maps libyaml's character positions back onto the text.
        #expect(try parse("a: 1\r\nb: 'x\ty'\r\nc: [1,\t2]\r\n") == object([("a", .int(1)), ("b", .string("x\ty")), ("c", .array([.int(1), .int(2)]))]))
        #expect(fails("a: 'x\ty'\r\nb:\t1\r\n")?.line == 2)
        #expect(fails("a: \"é中😀\"\nb: '\t'\nc: 1\t\n")?.line == 3)
        #expect(try parse("a: \"é中😀\"\nb: '\t'\n") == object([("a", .string("é中😀")), ("b", .string("\t"))]))
    }

    @Test func csvReadsAsOneString() throws {
        // DVC Q10: a CSV metric is the YAML string "acc,loss 0.9,0.1".
        #expect(try parse("acc,loss\n0.9,0.1\n") == .string("acc,loss 0.9,0.1"))
    }

    @Test func binaryAndControlCharactersAreErrors() {
        #expect(fails("a: 1\u{0}\n")?.reason.contains("#x0000") == true)
        #expect(fails("a: b\u{1}c\n") != nil)
        #expect(fails("a: b\u{7F}c\n") != nil)
        #expect(fails("a: b\u{84}c\n") != nil)
        #expect(fails("a: b\u{FFFF}c\n") != nil)
        #expect((try? YAMLLoader.parse(Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D]))) == nil)  // a PNG header
        #expect((try? YAMLLoader.parse(Data("a: 1\n".utf8) + Data([0xFF, 0xFE]))) == nil)          // not UTF-8
        #expect((try? YAMLLoader.parse(Data([0x61, 0x3A, 0x20, 0xC3, 0x28]))) == nil)
    }

    @Test func byteOrderMarkIsSkipped() throws {
        #expect(try parse("\u{FEFF}a: 1\n") == object([("a", .int(1))]))
        #expect(try parse("\u{FEFF}a: 1\nb:\n  - 'x\ty'\n") == object([("a", .int(1)), ("b", .array([.string("x\ty")]))]))
    }

    @Test func errorsCarryLineAndColumn() {
        let e = fails("a: 1\nb: [1, 2\nc: 3\n")
        #expect(e?.line != nil && e?.column != nil)
        #expect(e?.description.hasPrefix("invalid YAML at line") == true)
        #expect(fails("a: 1\n  b: 2\n")?.line == 2)
        #expect(fails("a: 'unterminated\n") != nil)
        #expect(fails("- a\nb: 1\n") != nil)
    }

    @Test func aliasBombIsAnErrorNotAMemoryBlowUp() {
        // "Billion laughs": 9 levels of 10 aliases expand to 10^9 nodes.
        var text = "a: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n"
        var previous = "a"
        for level in 1...8 {
            let name = "l\(level)"
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
            previous = name
        }
        #expect(fails(text)?.reason.contains("alias bomb") == true)
        // The same bomb used as a mapping key: must also fail fast (libyaml-based composers that
        // hash keys to find duplicates take hours here).
        #expect(fails(text + "? *\(previous)\n: 1\n") != nil)
        // As a merge source.
        let mapBomb = "a: &a {k0: 1, k1: 1, k2: 1, k3: 1, k4: 1, k5: 1, k6: 1, k7: 1, k8: 1, k9: 1}\n"
            + (1...8).map { "m\($0): &m\($0) [" + Array(repeating: $0 == 1 ? "*a" : "*m\($0 - 1)", count: 10).joined(separator: ", ") + "]" }.joined(separator: "\n")
            + "\n"
        #expect(fails(mapBomb) != nil)
    }

    @Test func modestAliasReuseIsFine() throws {
        var text = "a: &a [1, 2, 3]\n"
        for i in 0..<1000 { text += "k\(i): *a\n" }
        let object = try #require(try parse(text).objectValue)
        #expect(object.count == 1001)
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(fails(deep)?.reason.contains("nesting") == true)
        var block = ""
        for i in 0..<2000 { block += String(repeating: " ", count: i) + "k:\n" }
        #expect(fails(block) != nil)
        let ok = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect((try? parse(ok)) != nil)
        // Just inside the limit: composing recurses once per level, which must fit a test thread's stack.
        let limit = String(repeating: "[", count: YAMLLoader.maximumDepth) + String(repeating: "]", count: YAMLLoader.maximumDepth)
        #expect((try? parse(limit)) != nil)
        let over = String(repeating: "[", count: YAMLLoader.maximumDepth + 1) + String(repeating: "]", count: YAMLLoader.maximumDepth + 1)
        #expect(fails(over) != nil)
    }

    @Test func keyOrderAndNesting() throws {
        let value = try parse("z: 1\na:\n  y: [1, {b: 2}]\n  c: {}\n")
        #expect(value.objectValue?.keys == ["z", "a"])
        #expect(value.objectValue?["a"]?.objectValue?.keys == ["y", "c"])
        #expect(value.objectValue?["a"]?["y"] == .array([.int(1), object([("b", .int(2))])]))
    }

    @Test func topLevelScalarsAndLists() throws {
        #expect(try parse("0.9\n") == .double(0.9))
        #expect(try parse("- 1\n- a\n") == .array([.int(1), .string("a")]))
        #expect(try parse("'x'") == .string("x"))
    }
}
