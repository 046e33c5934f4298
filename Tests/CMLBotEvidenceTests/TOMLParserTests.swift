import CMLBotCore
import Foundation
import Testing

@testable import CMLBotEvidence

// MARK: - Helpers

private func parse(_ text: String) throws -> Value {
    try TOMLParser.parse(Data(text.utf8))
}

private func object(_ pairs: KeyValuePairs<String, Value>) -> Value {
    .object(OrderedObject(pairs.map { ($0.key, $0.value) }))
}

/// The parsed document's value at a dotted path of plain keys.
private func value(_ text: String, _ path: String...) throws -> Value? {
    var current: Value? = try parse(text)
    for key in path { current = current?[key] }
    return current
}

/// Parses and returns the error, failing the test when the document is accepted.
@discardableResult
private func rejection(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> FormatError? {
    rejection(Data(text.utf8), sourceLocation: sourceLocation)
}

@discardableResult
private func rejection(_ data: Data, sourceLocation: SourceLocation = #_sourceLocation) -> FormatError? {
    do {
        let accepted = try TOMLParser.parse(data)
        Issue.record("expected a FormatError, parsed \(accepted)", sourceLocation: sourceLocation)
        return nil
    } catch let error as FormatError {
        #expect(error.format == "TOML", sourceLocation: sourceLocation)
        #expect(error.line != nil && error.column != nil, "errors carry a position", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected a FormatError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

// MARK: - Documents and structure

@Suite("TOMLParser")
struct TOMLParserTests {
    @Test func emptyAndCommentOnlyDocumentsAreEmptyTables() throws {
        #expect(try parse("") == .object(OrderedObject()))
        #expect(try parse("\n\n  \t\n") == .object(OrderedObject()))
        #expect(try parse("# only a comment\n   # another\n#no newline at end") == .object(OrderedObject()))
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let data = Data([0xEF, 0xBB, 0xBF] + Array("a = 1\n".utf8))
        #expect(try TOMLParser.parse(data) == object(["a": .int(1)]))
    }

    @Test func crlfLineEndings() throws {
        let doc = "a = 1\r\n[t]\r\nb = \"x\" # c\r\nc = \"\"\"\r\none\r\ntwo\"\"\"\r\nd = '''\r\nx\r\ny'''\r\n"
        #expect(try parse(doc) == object([
            "a": .int(1),
            // DVC reads files in text mode, so Python hands tomlkit LF newlines.
            "t": object(["b": .string("x"), "c": .string("one\ntwo"), "d": .string("x\ny")]),
        ]))
    }

    @Test func keysKeepDocumentOrder() throws {
        let doc = """
            zeta = 1
            alpha = 2
            [m]
            y = 1
            b = 2
            [c.sub]
            k = 1
            [c]
            first = 0
            [a]
            inline = { z = 1, a = 2, m = 3 }
            """
        let root = try #require(try parse(doc).objectValue)
        #expect(root.keys == ["zeta", "alpha", "m", "c", "a"])
        #expect(root["m"]?.objectValue?.keys == ["y", "b"])
        // A super-table defined after its sub-table keeps the sub-table first: first mention wins.
        #expect(root["c"]?.objectValue?.keys == ["sub", "first"])
        #expect(root["a"]?["inline"]?.objectValue?.keys == ["z", "a", "m"])
    }

    @Test func manyKeysInOneTable() throws {
        // Past the linear-scan size the table switches to a hash index; order and duplicates still hold.
        let doc = (0..<300).map { "k\($0) = \($0)" }.joined(separator: "\n")
        let root = try #require(try parse(doc).objectValue)
        #expect(root.keys == (0..<300).map { "k\($0)" })
        #expect(root["k299"] == .int(299))
        let error = rejection(doc + "\nk150 = 1\n")
        #expect(error?.line == 301)
        #expect(error?.reason.contains("duplicate key 'k150'") == true)
    }

    // MARK: Keys

    @Test func bareQuotedAndDottedKeys() throws {
        let doc = #"""
            bare_key-1 = 1
            1234 = 2
            "quoted key" = 3
            'literal "key"' = 4
            "" = 5
            "\u00e9t\u00e9" = 6
            site."google.com" = true
            fruit . color = "yellow"
            fruit. flavor = "banana"
            3.14159 = "pi"
            """#
        #expect(try parse(doc) == object([
            "bare_key-1": .int(1),
            "1234": .int(2),
            "quoted key": .int(3),
            #"literal "key""#: .int(4),
            "": .int(5),
            "été": .int(6),
            "site": object(["google.com": .bool(true)]),
            "fruit": object(["color": .string("yellow"), "flavor": .string("banana")]),
            "3": object(["14159": .string("pi")]),
        ]))
    }

    // MARK: Strings

    @Test func basicStringEscapes() throws {
        let doc = #"s = "tab\tquote\" backslash\\ nl\n cr\r bs\b ff\f e\u00E9 smile\U0001F600 nul\u0000""#
        #expect(try value(doc, "s") == .string("tab\tquote\" backslash\\ nl\n cr\r bs\u{08} ff\u{0C} eé smile😀 nul\u{0}"))
        #expect(try value(#"s = "Name\tJos\u00E9""#, "s") == .string("Name\tJosé"))
        #expect(try value("s = \"\"", "s") == .string(""))
        #expect(try value("s = \"tab\tinside and é\"", "s") == .string("tab\tinside and é"))
    }

    @Test func literalStrings() throws {
        #expect(try value(#"p = 'C:\Users\nodejs\templates'"#, "p") == .string(#"C:\Users\nodejs\templates"#))
        #expect(try value(#"p = 'Tom "Dubs" Preston-Werner'"#, "p") == .string(#"Tom "Dubs" Preston-Werner"#))
        #expect(try value("p = ''", "p") == .string(""))
    }

    @Test func multilineBasicStrings() throws {
        let doc = #"""
            a = """
            Roses are red
            Violets are blue"""
            b = """
            The quick brown \


              fox jumps over \
                the lazy dog."""
            c = """\
                   The quick brown \
                   fox jumps over \
                   the lazy dog.\
                   """
            d = """Here are two quotation marks: "". Simple enough."""
            e = """Here are three quotation marks: ""\"."""
            f = """Here are fifteen quotation marks: ""\"""\"""\"""\"""\"."""
            g = """"This," she said, "is just a pointless statement.\""""
            i = """ends with quotes"""""
            j = """\u00e9\n"""
            """#
        let root = try parse(doc)
        #expect(root["a"] == .string("Roses are red\nViolets are blue"))
        #expect(root["b"] == .string("The quick brown fox jumps over the lazy dog."))
        #expect(root["c"] == .string("The quick brown fox jumps over the lazy dog."))
        #expect(root["d"] == .string(#"Here are two quotation marks: "". Simple enough."#))
        #expect(root["e"] == .string(#"Here are three quotation marks: """."#))
        #expect(root["f"] == .string("Here are fifteen quotation marks: " + String(repeating: "\"", count: 15) + "."))
        #expect(root["g"] == .string(#""This," she said, "is just a pointless statement.""#))
        // Blanks between a line-ending backslash and the newline are allowed.
        #expect(try value("h = \"\"\"trailing backslash with blanks \\  \t\n  continues\"\"\"", "h") == .string("trailing backslash with blanks continues"))
        #expect(root["i"] == .string(#"ends with quotes"""#))
        #expect(root["j"] == .string("é\n"))
    }

    @Test func multilineLiteralStrings() throws {
        let doc = #"""
            regex2 = '''I [dw]on't need \d{2} apples'''
            lines  = '''
            The first newline is
            trimmed in raw strings.
               All other whitespace
               is preserved.
            '''
            quot15 = '''Here are fifteen quotation marks: """""""""""""""'''
            str = ''''That,' she said, 'is still pointless.''''
            """#
        let root = try parse(doc)
        #expect(root["regex2"] == .string(#"I [dw]on't need \d{2} apples"#))
        #expect(root["lines"] == .string("The first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n"))
        #expect(root["quot15"] == .string("Here are fifteen quotation marks: " + String(repeating: "\"", count: 15)))
        #expect(root["str"] == .string("'That,' she said, 'is still pointless.'"))
    }

    // MARK: Numbers and booleans

    @Test func integers() throws {
        let doc = """
            a = +99
            b = 42
            c = 0
            d = -17
            e = 1_000
            f = 5_349_221
            g = 1_2_3_4_5
            h = 0xDEADBEEF
            i = 0xdead_beef
            j = 0o01234567
            k = 0o755
            l = 0b11010110
            m = 9_223_372_036_854_775_807
            n = -9223372036854775808
            o = 0x7FFFFFFFFFFFFFFF
            p = -0
            q = +0
            r = 0x0
            """
        #expect(try parse(doc) == object([
            "a": .int(99), "b": .int(42), "c": .int(0), "d": .int(-17), "e": .int(1000), "f": .int(5_349_221),
            "g": .int(12345), "h": .int(0xDEADBEEF), "i": .int(0xDEADBEEF), "j": .int(0o1234567), "k": .int(0o755),
            "l": .int(0b11010110), "m": .int(Int.max), "n": .int(Int.min), "o": .int(Int.max), "p": .int(0),
            "q": .int(0), "r": .int(0),
        ]))
    }

    @Test func floats() throws {
        let doc = """
            a = +1.0
            b = 3.1415
            c = -0.01
            d = 5e+22
            e = 1e06
            f = -2E-2
            g = 6.626e-34
            h = 224_617.445_991_228
            i = 1e1_0
            j = 0.0
            k = -0.0
            l = 0e0
            m = 1e400
            n = 9_007_199_254_740_993.0
            """
        let root = try parse(doc)
        #expect(root["a"] == .double(1.0))
        #expect(root["b"] == .double(3.1415))
        #expect(root["c"] == .double(-0.01))
        #expect(root["d"] == .double(5e22))
        #expect(root["e"] == .double(1e6))
        #expect(root["f"] == .double(-0.02))
        #expect(root["g"] == .double(6.626e-34))
        #expect(root["h"] == .double(224_617.445_991_228))
        #expect(root["i"] == .double(1e10))
        #expect(root["j"] == .double(0))
        #expect(root["l"] == .double(0))
        #expect(root["m"] == .double(.infinity), "overflow rounds to infinity, as Python's float() does")
        #expect(root["n"] == .double(9_007_199_254_740_992.0))
        guard case .double(let negativeZero) = root["k"] else { Issue.record("k is not a float"); return }
        #expect(negativeZero == 0 && negativeZero.sign == .minus)
    }

    @Test func intAndFloatStayDistinct() throws {
        // DVC prints `1` and `1.0` differently, so the parser must keep the difference.
        #expect(try value("a = 1", "a") == .int(1))
        #expect(try value("a = 1.0", "a") == .double(1))
        #expect(try value("a = 1e0", "a") == .double(1))
    }

    @Test func infinityAndNaN() throws {
        let root = try parse("a = inf\nb = +inf\nc = -inf\nd = nan\ne = +nan\nf = -nan\n")
        #expect(root["a"] == .double(.infinity))
        #expect(root["b"] == .double(.infinity))
        #expect(root["c"] == .double(-.infinity))
        for key in ["d", "e", "f"] {
            guard case .double(let d) = root[key] else { Issue.record("\(key) is not a float"); continue }
            #expect(d.isNaN)
        }
    }

    @Test func booleans() throws {
        #expect(try parse("t = true\nf = false") == object(["t": .bool(true), "f": .bool(false)]))
    }

    // MARK: Dates and times

    /// Each expected string was printed by `str(tomlkit.parse("k = <toml>")["k"])` with tomlkit 0.15.2
    /// (the same after `.unwrap()`), which is what DVC 3 shows for a TOML date param.
    @Test(arguments: [
        ("1979-05-27", "1979-05-27"),
        ("07:32:00", "07:32:00"),
        ("00:32:00.999999", "00:32:00.999999"),
        ("00:32:00.9999999", "00:32:00.999999"),
        ("00:32:00.5", "00:32:00.500000"),
        ("00:32:00.000", "00:32:00"),
        ("1979-05-27T07:32:00", "1979-05-27 07:32:00"),
        ("1979-05-27 07:32:00", "1979-05-27 07:32:00"),
        ("1979-05-27T00:32:00.999999", "1979-05-27 00:32:00.999999"),
        ("1979-05-27T00:32:00.9999999", "1979-05-27 00:32:00.999999"),
        ("1979-05-27T00:32:00.1234567891", "1979-05-27 00:32:00.123456"),
        ("1979-05-27T00:32:00.12", "1979-05-27 00:32:00.120000"),
        ("1979-05-27T00:32:00.100", "1979-05-27 00:32:00.100000"),
        ("1979-05-27T00:32:00.0", "1979-05-27 00:32:00"),
        ("1979-05-27T07:32:00Z", "1979-05-27 07:32:00+00:00"),
        ("1979-05-27T07:32:00z", "1979-05-27 07:32:00+00:00"),
        ("1979-05-27t07:32:00Z", "1979-05-27 07:32:00+00:00"),
        ("1979-05-27 07:32:00Z", "1979-05-27 07:32:00+00:00"),
        ("1979-05-27T07:32:00-00:00", "1979-05-27 07:32:00+00:00"),
        ("1979-05-27T07:32:00+00:00", "1979-05-27 07:32:00+00:00"),
        ("1979-05-27T00:32:00-07:00", "1979-05-27 00:32:00-07:00"),
        ("1979-05-27T00:32:00.999999-07:00", "1979-05-27 00:32:00.999999-07:00"),
        ("1979-05-27T00:32:00.5+05:30", "1979-05-27 00:32:00.500000+05:30"),
        ("1979-05-27T07:32:00+23:59", "1979-05-27 07:32:00+23:59"),
        ("1979-05-27T07:32:00-23:59", "1979-05-27 07:32:00-23:59"),
        ("1979-05-27T00:32:00.999999999Z", "1979-05-27 00:32:00.999999+00:00"),
        ("1979-05-27T00:32:00.0000001Z", "1979-05-27 00:32:00+00:00"),
        ("1987-07-05T17:45:00.123Z", "1987-07-05 17:45:00.123000+00:00"),
        ("0001-01-01T00:00:00Z", "0001-01-01 00:00:00+00:00"),
        ("2000-02-29", "2000-02-29"),
        ("9999-12-31T23:59:59Z", "9999-12-31 23:59:59+00:00"),
    ])
    func datesPrintAsPythonStr(toml: String, python: String) throws {
        #expect(try value("k = \(toml)", "k") == .date(python))
    }

    @Test func leapSecondIsAcceptedAsTheSpecAllows() throws {
        // TOML's ABNF allows second 60; Python cannot represent it, so it is kept as written.
        #expect(try value("k = 2016-12-31T23:59:60Z", "k") == .date("2016-12-31 23:59:60+00:00"))
    }

    @Test func datesInArraysAndInlineTables() throws {
        let doc = "a = [1979-05-27, 07:32:00, 1979-05-27 07:32:00, 1979-05-27T07:32:00Z]\nb = { d = 1979-05-27 }\nc = 1979-05-27 # comment"
        let root = try parse(doc)
        #expect(root["a"] == .array([.date("1979-05-27"), .date("07:32:00"), .date("1979-05-27 07:32:00"), .date("1979-05-27 07:32:00+00:00")]))
        #expect(root["b"] == object(["d": .date("1979-05-27")]))
        #expect(root["c"] == .date("1979-05-27"))
    }

    // MARK: Arrays and inline tables

    @Test func arrays() throws {
        let doc = """
            integers = [ 1, 2, 3 ]
            mixed = [ 1, 2.0, "three", true, [4], { five = 5 }, 1979-05-27 ]
            nested = [ [ 1, 2 ], ["a", "b", "c"], [] ]
            multiline = [
              1,   # one
              # a comment line
              2,
            ]
            empty = [ ]
            empty2 = [
            ]
            strings = [ "all", 'strings', \"\"\"are the same\"\"\", '''type''' ]
            nospaces = [1,2,3]
            """
        let root = try parse(doc)
        #expect(root["integers"] == .array([.int(1), .int(2), .int(3)]))
        #expect(root["mixed"] == .array([.int(1), .double(2), .string("three"), .bool(true), .array([.int(4)]), object(["five": .int(5)]), .date("1979-05-27")]))
        #expect(root["nested"] == .array([.array([.int(1), .int(2)]), .array([.string("a"), .string("b"), .string("c")]), .array([])]))
        #expect(root["multiline"] == .array([.int(1), .int(2)]))
        #expect(root["empty"] == .array([]))
        #expect(root["empty2"] == .array([]))
        #expect(root["strings"] == .array(["all", "strings", "are the same", "type"].map { .string($0) }))
        #expect(root["nospaces"] == .array([.int(1), .int(2), .int(3)]))
    }

    @Test func inlineTables() throws {
        let doc = """
            name = { first = "Tom", last = "Preston-Werner" }
            animal = { type.name = "pug", type.size = "small" }
            nested = { a = { b = { c = [1, { d = 2 }] } } }
            empty = {}
            empty2 = { }
            points = [ { x = 1, y = 2 },
                       { x = 7, y = 8 } ]
            """
        #expect(try parse(doc) == object([
            "name": object(["first": .string("Tom"), "last": .string("Preston-Werner")]),
            "animal": object(["type": object(["name": .string("pug"), "size": .string("small")])]),
            "nested": object(["a": object(["b": object(["c": .array([.int(1), object(["d": .int(2)])])])])]),
            "empty": .object(OrderedObject()),
            "empty2": .object(OrderedObject()),
            "points": .array([object(["x": .int(1), "y": .int(2)]), object(["x": .int(7), "y": .int(8)])]),
        ]))
    }

    // MARK: Tables

    @Test func tablesAndSubTables() throws {
        let doc = """
            top = 0
            [table-1]
            key1 = "some string"
            [table-2]
            key2 = 456
            [dog."tater.man"]
            type.name = "pug"
            [ j . "k" . 'l' ]
            x = 1
            [x.y.z.w]
            [x]
            own = true
            """
        #expect(try parse(doc) == object([
            "top": .int(0),
            "table-1": object(["key1": .string("some string")]),
            "table-2": object(["key2": .int(456)]),
            "dog": object(["tater.man": object(["type": object(["name": .string("pug")])])]),
            "j": object(["k": object(["l": object(["x": .int(1)])])]),
            "x": object(["y": object(["z": object(["w": .object(OrderedObject())])]), "own": .bool(true)]),
        ]))
    }

    @Test func dottedKeysThenSubTableHeader() throws {
        // The spec's own example: a header may add a sub-table below tables made by dotted keys.
        let doc = """
            [fruit]
            apple.color = "red"
            apple.taste.sweet = true
            [fruit.apple.texture]
            smooth = true
            """
        #expect(try parse(doc) == object([
            "fruit": object(["apple": object([
                "color": .string("red"),
                "taste": object(["sweet": .bool(true)]),
                "texture": object(["smooth": .bool(true)]),
            ])]),
        ]))
    }

    @Test func arraysOfTables() throws {
        let doc = """
            [[products]]
            name = "Hammer"
            sku = 738594937
            [[products]]  # empty table within the array
            [[products]]
            name = "Nail"
            color = "gray"

            [[fruits]]
            name = "apple"
            [fruits.physical]  # subtable
            color = "red"
            [[fruits.varieties]]  # nested array of tables
            name = "red delicious"
            [[fruits.varieties]]
            name = "granny smith"
            [[fruits]]
            name = "banana"
            [[fruits.varieties]]
            name = "plantain"
            """
        #expect(try parse(doc) == object([
            "products": .array([
                object(["name": .string("Hammer"), "sku": .int(738594937)]),
                .object(OrderedObject()),
                object(["name": .string("Nail"), "color": .string("gray")]),
            ]),
            "fruits": .array([
                object([
                    "name": .string("apple"),
                    "physical": object(["color": .string("red")]),
                    "varieties": .array([object(["name": .string("red delicious")]), object(["name": .string("granny smith")])]),
                ]),
                object(["name": .string("banana"), "varieties": .array([object(["name": .string("plantain")])])]),
            ]),
        ]))
    }

    @Test func implicitTablesMayBeDefinedLater() throws {
        #expect(try parse("[a.b.c]\nanswer = 42\n[a]\nbetter = 43\n") == object([
            "a": object(["b": object(["c": object(["answer": .int(42)])]), "better": .int(43)]),
        ]))
        // A table that only exists as a header's parent may still gain dotted keys (as tomllib allows).
        #expect(try parse("[a.b.c]\n[a]\nb.d = 1\n") == object([
            "a": object(["b": object(["c": .object(OrderedObject()), "d": .int(1)])]),
        ]))
    }

    @Test func arrayOfTablesElementsAreIndependent() throws {
        let doc = "[[a]]\n[a.b]\nx = 1\nc.d = 1\n[[a]]\n[a.b]\nx = 2\nc.d = 2\n"
        #expect(try parse(doc) == object([
            "a": .array([
                object(["b": object(["x": .int(1), "c": object(["d": .int(1)])])]),
                object(["b": object(["x": .int(2), "c": object(["d": .int(2)])])]),
            ]),
        ]))
    }

    // MARK: - Rejections

    /// What TOML 1.0.0 forbids, one case each; several are toml-test's `invalid/` files written out.
    @Test(arguments: [
        // Duplicate keys and tables
        ("duplicate key", "a = 1\na = 2"),
        ("duplicate quoted key", "a = 1\n\"a\" = 2"),
        ("duplicate key in inline table", "t = { a = 1, a = 2 }"),
        ("duplicate table", "[fruit]\napple = 'red'\n[fruit]\norange = 'orange'"),
        ("table over a key", "[fruit]\napple = 'red'\n[fruit.apple]\ntexture = 'smooth'"),
        ("key over a table", "[a.b]\n[a]\nb = 1"),
        ("dotted key twice", "a.b = 1\na.b = 2"),
        ("dotted key over a value", "a = 1\na.b = 2"),
        ("value over a dotted table", "a.b.c = 1\na.b = 2"),
        ("header over dotted-key table", "a.b = 1\n[a]\nc = 2"),
        ("spec table-9-0", "[fruit]\napple.color = 'red'\napple.taste.sweet = true\n[fruit.apple]"),
        ("spec table-9-1", "[fruit]\napple.color = 'red'\napple.taste.sweet = true\n[fruit.apple.taste]"),
        ("injection-1", "[a.b.c]\n  z = 9\n[a]\n  b.c.t = 'no'"),
        ("injection-2", "[a.b.c.d]\n  z = 9\n[a]\n  b.c.d.k.t = 'no'"),
        ("header twice with dotted keys between", "[a]\nb.c = 1\n[x]\n[a]"),
        // Inline tables and static arrays are closed
        ("spec inline-table-3-0", "[product]\ntype.name = 'Nail'\ntype = { edible = false }"),
        ("spec inline-table-2-0", "[product]\ntype = { name = 'Nail' }\ntype.edible = false"),
        ("header into inline table", "a = { b = 1 }\n[a.c]"),
        ("header redefines inline table", "a = {}\n[a]"),
        ("nested_key_conflict", "tbl = { fruit = { apple.color = 'red', apple.taste.sweet = true }, fruit.apple.texture = { smooth = true } }"),
        ("inline overwrite", "a = { b = { c = 1 }, b.d = 2 }"),
        ("append to static array", "fruits = []\n[[fruits]]"),
        ("extending-table: table in static array", "a = [{ b = 1 }]\n[a.c]\nfoo = 1"),
        ("array of tables over a table", "[a]\n[[a]]"),
        ("table over an array of tables", "[[a]]\n[a]"),
        ("dotted key into array of tables", "[[a.b]]\n[a]\nb.c = 1"),
        ("array of tables over a value", "a = 1\n[[a]]"),
        // Inline table syntax (TOML 1.0)
        ("inline table newline", "a = { b = 1,\n c = 2 }"),
        ("inline table trailing comma", "a = { b = 1, }"),
        ("inline table double comma", "a = { b = 1,, c = 2 }"),
        ("inline table missing comma", "a = { b = 1 c = 2 }"),
        ("inline table unclosed", "a = { b = 1"),
        // Arrays
        ("array missing comma", "a = [1 2]"),
        ("array double comma", "a = [1,,2]"),
        ("array only comma", "a = [,]"),
        ("array unclosed", "a = [1, 2"),
        ("array unclosed at newline", "a = [1,\n"),
        // Keys
        ("key without value", "key ="),
        ("key without equals", "key"),
        ("bare key with space", "a b = 1"),
        ("empty bare key", "= 1"),
        ("multi-line string key", "\"\"\"a\"\"\" = 1"),
        ("multi-line literal key", "'''a''' = 1"),
        ("key with newline", "a\n= 1"),
        ("bare key with invalid character", "a@b = 1"),
        ("start dot", ".a = 1"),
        ("two equals", "a = = 1"),
        ("two values on a line", "a = 1 b = 2"),
        ("key-value after table header", "[a] b = 1"),
        ("non-ASCII bare key", "é = 1"),
        // Table headers
        ("empty table header", "[]"),
        ("unclosed table header", "[a"),
        ("unclosed array header", "[[a]"),
        ("spaced array brackets", "[ [a] ]"),
        ("header with text after", "[a] x"),
        ("header with equals", "[a=b]"),
        // Strings
        ("unterminated string", "a = \"abc"),
        ("string across lines", "a = \"abc\ndef\""),
        ("unterminated literal", "a = 'abc"),
        ("unterminated multi-line", "a = \"\"\"abc"),
        ("unterminated multi-line literal", "a = '''abc''"),
        ("invalid escape", #"a = "\a""#),
        ("\\x escape is TOML 1.1", #"a = "\x41""#),
        ("\\e escape is TOML 1.1", #"a = "\e""#),
        ("escaped space", #"a = "\ ""#),
        ("backslash-space in multi-line", "a = \"\"\"\\ x\"\"\""),
        ("short \\u escape", #"a = "\u12""#),
        ("short \\U escape", #"a = "\U0001F60""#),
        ("surrogate escape", #"a = "\uD800""#),
        ("string-bad-surrogates", #"nogo = "\uD801\uDC37""#),
        ("escape beyond U+10FFFF", #"a = "\U00110000""#),
        ("four quotes in multi-line", "a = \"\"\"x\"\"\"\"\"\"\""),
        ("three quotes inside multi-line literal", "a = '''x''''''y'''"),
        ("text after string", "a = \"x\" y"),
        ("unquoted string", "a = hello"),
        // Booleans
        ("capitalised true", "a = True"),
        ("almost false", "a = fals"),
        ("true with suffix", "a = truely"),
        // Integers
        ("leading zero", "a = 01"),
        ("leading zeros", "a = 00"),
        ("leading zero with underscore", "a = 0_0"),
        ("signed leading zero", "a = -01"),
        ("plus leading zero", "a = +0_1"),
        ("double plus", "a = ++99"),
        ("double minus", "a = --99"),
        ("negative hex", "a = -0xff"),
        ("positive octal", "a = +0o755"),
        ("negative binary", "a = -0b101"),
        ("trailing underscore", "a = 123_"),
        ("leading underscore", "a = _123"),
        ("double underscore", "a = 1__23"),
        ("underscore after 0x", "a = 0x_1"),
        ("trailing underscore hex", "a = 0x1_"),
        ("invalid hex digit", "a = 0xaafz"),
        ("invalid octal digit", "a = 0o778"),
        ("invalid binary digit", "a = 0b0012"),
        ("capital hex prefix", "a = 0X1"),
        ("capital octal prefix", "a = 0O0"),
        ("incomplete hex", "a = 0x"),
        ("overflow", "a = 9223372036854775808"),
        ("negative overflow", "a = -9223372036854775809"),
        ("hex overflow", "a = 0x8000000000000000"),
        ("binary overflow", "a = 0b1_0000000000000000000000000000000000000000000000000000000000000000"),
        ("text after integer", "a = 123abc"),
        // Floats
        ("trailing point", "a = 1."),
        ("leading point", "a = .5"),
        ("signed leading point", "a = -.5"),
        ("float leading zero", "a = 03.14"),
        ("signed float leading zero", "a = -03.14"),
        ("double point", "a = 1.2.3"),
        ("exponent point", "a = 1e2.3"),
        ("point before exponent", "a = 1.e2"),
        ("double e", "a = 1ee2"),
        ("empty exponent", "a = 1e"),
        ("underscore after point", "a = 1._5"),
        ("underscore before point", "a = 1_.5"),
        ("underscore in exponent start", "a = 1e_5"),
        ("underscore at exponent end", "a = 1e5_"),
        ("capital inf", "a = Inf"),
        ("capital nan", "a = NaN"),
        ("incomplete inf", "a = in"),
        ("inf with underscore", "a = in_f"),
        ("infinity word", "a = infinity"),
        // Dates and times
        ("month 13", "a = 1979-13-01"),
        ("month 00", "a = 1979-00-01"),
        ("day 32", "a = 1979-01-32"),
        ("day 00", "a = 1979-01-00"),
        ("feb 29 on a common year", "a = 2001-02-29"),
        ("feb 30", "a = 2000-02-30"),
        ("april 31", "a = 2000-04-31"),
        ("year zero", "a = 0000-01-01"),
        ("year zero date-time", "year-zero-offset = 0000-12-31 23:59:59Z"),
        ("hour 24", "a = 1979-05-27T24:00:00"),
        ("minute 60", "a = 07:60:00"),
        ("second 61", "a = 07:32:61"),
        ("no seconds (TOML 1.1)", "a = 07:32"),
        ("date-time without seconds", "a = 1979-05-27T07:32Z"),
        ("no leading zero in month", "a = 1979-5-27"),
        ("no leading zero in hour", "a = 1979-05-27T7:32:00"),
        ("trailing T", "a = 1979-05-27T"),
        ("empty fraction", "a = 07:32:00."),
        ("offset hour out of range", "a = 1979-05-27T07:32:00+24:00"),
        ("offset without minutes", "a = 1979-05-27T07:32:00+05"),
        ("local time with offset", "a = 07:32:00Z"),
        ("signed date", "a = +1979-05-27"),
        ("date with junk", "a = 1979-05-27x"),
        // Comments and control characters
        ("NUL in comment", "# a\u{0}b"),
        ("DEL in comment", "# a\u{7F}b"),
        ("unit separator in comment", "# a\u{1F}b"),
        ("bare CR in comment", "# a\rb\n"),
        ("NUL in string", "a = \"x\u{0}y\""),
        ("DEL in string", "a = \"x\u{7F}y\""),
        ("backspace in string", "a = \"x\u{8}y\""),
        ("US in literal string", "a = 'x\u{1F}y'"),
        ("NUL in multi-line string", "a = \"\"\"x\u{0}y\"\"\""),
        ("bare CR in multi-line literal", "a = '''x\ry'''"),
        ("DEL in multi-line literal", "a = '''x\u{7F}y'''"),
        ("bare CR between lines", "a = 1\rb = 2"),
        ("bare form feed", "\u{0C}a = 1"),
        ("bare vertical tab", "a = 1\u{0B}"),
        ("NUL at top level", "\u{0}"),
    ])
    func rejectsInvalidTOML(name: String, toml: String) {
        rejection(toml)
    }

    // MARK: Error positions and messages

    @Test func errorsReportLineAndColumn() throws {
        let duplicate = try #require(rejection("a = 1\nb = 2\n\n  a = 3\n"))
        #expect(duplicate.line == 4)
        #expect(duplicate.column == 3)
        #expect(duplicate.reason == "duplicate key 'a'")
        #expect(duplicate.description == "invalid TOML at line 4, column 3: duplicate key 'a'")

        let table = try #require(rejection("[x]\n[y]\n[x]\n"))
        #expect(table.line == 3 && table.column == 1)
        #expect(table.reason == "table [x] is defined more than once")

        let escape = try #require(rejection("ok = 1\ns = \"ab\\qc\"\n"))
        #expect(escape.line == 2 && escape.column == 8)
        #expect(escape.reason.contains("invalid escape sequence"))

        let leadingZero = try #require(rejection("\n\nn = [1, 2, 03]"))
        #expect(leadingZero.line == 3 && leadingZero.column == 12)

        // Columns count characters, not bytes.
        let control = try #require(rejection("k = \"éé\u{1}\""))
        #expect(control.line == 1 && control.column == 8)
        #expect(control.reason.contains("U+0001"))

        let overflow = try #require(rejection("big = 99999999999999999999"))
        #expect(overflow.column == 7)
        #expect(overflow.reason.contains("64 bits"))

        let unterminated = try #require(rejection("a = 1\nb = \"\"\"never\nclosed\n"))
        #expect(unterminated.line == 2 && unterminated.column == 5)
        #expect(unterminated.reason == "unterminated multi-line string")

        let dotted = try #require(rejection("[a]\nb.c = 1\n[a.b]\n"))
        #expect(dotted.line == 3)
        #expect(dotted.reason.contains("dotted keys"))

        let inline = try #require(rejection("p = { t = 1 }\np.u = 2\n"))
        #expect(inline.line == 2 && inline.column == 1)
        #expect(inline.reason.contains("inline table"))

        let crlf = try #require(rejection("a = 1\r\nb = 2\r\nc = \r\n"))
        #expect(crlf.line == 3 && crlf.column == 5)
    }

    @Test func messagesEscapeAndShortenKeys() throws {
        let error = try #require(rejection("\"a\\nb\" = 1\n\"a\\nb\" = 2"))
        #expect(error.reason == #"duplicate key '"a\u000Ab"'"#)
        let long = String(repeating: "k", count: 5000)
        let longError = try #require(rejection("\(long) = 1\n\(long) = 2"))
        #expect(longError.reason.count < 200)
    }

    // MARK: Encoding

    @Test func rejectsInvalidUTF8WithoutCrashing() throws {
        let cases: [(bytes: [UInt8], line: Int, column: Int)] = [
            ([0xFF], 1, 1),
            (Array("a = 1\nb = \"x".utf8) + [0xC3, 0x28] + Array("\"".utf8), 2, 7),  // bad continuation
            (Array("# comment ".utf8) + [0x80] + Array("\n".utf8), 1, 11),           // lone continuation byte
            (Array("a = 'x".utf8) + [0xE2, 0x82], 1, 7),                              // truncated at end of file
            (Array("a = \"".utf8) + [0xC0, 0xAF] + Array("\"".utf8), 1, 6),           // overlong encoding of '/'
            (Array("a = \"".utf8) + [0xED, 0xA0, 0x80] + Array("\"".utf8), 1, 6),     // encoded surrogate
            (Array("a = \"".utf8) + [0xF4, 0x90, 0x80, 0x80] + Array("\"".utf8), 1, 6), // above U+10FFFF
            (Array("a = '''\n".utf8) + [0xFE] + Array("'''".utf8), 2, 1),
        ]
        for (bytes, line, column) in cases {
            let error = try #require(rejection(Data(bytes)))
            #expect(error.line == line && error.column == column, "\(bytes)")
            #expect(error.reason.contains("UTF-8"))
        }
        // A UTF-16 file (with its byte order mark) is not UTF-8.
        var utf16: [UInt8] = [0xFF, 0xFE]
        for unit in "a = 1\n".utf16 { utf16 += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        #expect(rejection(Data(utf16))?.reason.contains("UTF-8") == true)
    }

    @Test func keysEqualUnderUnicodeNormalisationAreOneKey() {
        // Swift compares strings by canonical equivalence, so OrderedObject could not hold both keys;
        // Python would keep two. Saying so beats silently merging them.
        #expect(rejection("\"\\u00e9\" = 1\n\"e\\u0301\" = 2")?.reason.contains("duplicate key") == true)
    }

    @Test func acceptsNonASCIIWhereAllowed() throws {
        let doc = "# コメント 😀\n\"ключ\" = \"значение 😀\"\nlit = 'ü'\nml = \"\"\"\nñ\"\"\"\n"
        #expect(try parse(doc) == object([
            "ключ": .string("значение 😀"), "lit": .string("ü"), "ml": .string("ñ"),
        ]))
    }

    // MARK: Nesting limits

    @Test func nestingWithinTheLimitParses() throws {
        let depth = TOMLParser.maximumDepth - 1
        let doc = "a = " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        var current = try #require(try value(doc, "a"))
        var levels = 1
        while case .array(let items) = current, let first = items.first {
            current = first
            levels += 1
        }
        #expect(levels == depth)
    }

    @Test(arguments: [600, 100_000])
    func deepNestingIsAnErrorNotACrash(depth: Int) throws {
        let arrays = "a = " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(rejection(arrays)?.reason.contains("nesting deeper than") == true)

        let inline = "a = " + String(repeating: "{b = ", count: depth) + "1" + String(repeating: "}", count: depth)
        #expect(rejection(inline)?.reason.contains("nesting deeper than") == true)

        let header = "[" + Array(repeating: "t", count: depth).joined(separator: ".") + "]"
        #expect(rejection(header)?.reason.contains("nesting deeper than") == true)

        let dotted = Array(repeating: "t", count: depth).joined(separator: ".") + " = 1"
        #expect(rejection(dotted)?.reason.contains("nesting deeper than") == true)

        let unclosed = "a = " + String(repeating: "[", count: depth)
        #expect(rejection(unclosed) != nil)
    }

    // MARK: toml-test samples, written out by hand

    @Test func tomlTestValidSamples() throws {
        // valid/multiline-string-false-end.toml (TOML 1.0 form)
        #expect(try parse(#"""
            one = """ "one quote" """
            two = """ ""two quotes"" """
            lit_one = ''' 'one quote' '''
            lit_two = ''' ''two quotes'' '''
            mismatch1 = """aaa'''bbb"""
            mismatch2 = '''aaa"""bbb'''
            """#) == object([
                "one": .string(#" "one quote" "#), "two": .string(#" ""two quotes"" "#),
                "lit_one": .string(" 'one quote' "), "lit_two": .string(" ''two quotes'' "),
                "mismatch1": .string("aaa'''bbb"), "mismatch2": .string(#"aaa"""bbb"#),
            ]))
        // valid/datetime/datetime.toml
        #expect(try parse("space = 1987-07-05 17:45:00Z\nlower = 1987-07-05t17:45:00Z\n") == object([
            "space": .date("1987-07-05 17:45:00+00:00"), "lower": .date("1987-07-05 17:45:00+00:00"),
        ]))
        // valid/datetime/edge.toml (the parts that are still valid; year 0000 moved to invalid/)
        #expect(try parse("last-offset = 9999-12-31 23:59:59Z\nlast-local  = 9999-12-31 23:59:59\nlast-date   = 9999-12-31\n") == object([
            "last-offset": .date("9999-12-31 23:59:59+00:00"), "last-local": .date("9999-12-31 23:59:59"), "last-date": .date("9999-12-31"),
        ]))
        // valid/comment/tricky.toml (abridged)
        #expect(try parse(####"""
            [section]#attached comment
            #[notsection]
            one = "11"#cmt
            two = "22#"
            three = '#'

            four = """# no comment
            # nor this
            #also not comment"""#is_comment

            five = 5.5#66
            six = 6#7
            8 = "eight"
            #nine = 99
            ten = 10e2#1
            eleven = 1.11e1#23

            ["hash#tag"]
            "#!" = "hash bang"
            arr3 = [ "#", '#', """###""" ]
            arr4 = [ 1,# 9, 9,
            2#,9
            ,#9
            3#]
            ,4]
            arr5 = [[[[#["#"],
            ["#"]]]]#]
            ]
            tbl1 = { "#" = '}#'}#}}
            """####) == object([
                "section": object([
                    "one": .string("11"), "two": .string("22#"), "three": .string("#"),
                    "four": .string("# no comment\n# nor this\n#also not comment"),
                    "five": .double(5.5), "six": .int(6), "8": .string("eight"), "ten": .double(1000), "eleven": .double(11.1),
                ]),
                "hash#tag": object([
                    "#!": .string("hash bang"),
                    "arr3": .array([.string("#"), .string("#"), .string("###")]),
                    "arr4": .array([.int(1), .int(2), .int(3), .int(4)]),
                    "arr5": .array([.array([.array([.array([.array([.string("#")])])])])]),
                    "tbl1": object(["#": .string("}#")]),
                ]),
            ]))
        // valid/spec/keys-*.toml, valid/implicit-and-explicit-after.toml, valid/array/open-parent-table.toml
        #expect(try parse("[a.b.c]\nanswer = 42\n\n[a]\nbetter = 43\n")["a"]?.objectValue?.keys == ["b", "better"])
        #expect(try parse("[[parent-table.arr]]\n[[parent-table.arr]]\n[parent-table]\nnot-arr = 1\n") == object([
            "parent-table": object(["arr": .array([.object(OrderedObject()), .object(OrderedObject())]), "not-arr": .int(1)]),
        ]))
        // valid/key/escapes.toml (abridged)
        #expect(try parse("\"\\n\" = \"newline\"\n\"\\u00c0\" = \"latin\"\n\"\\\"\" = \"just a quote\"") == object([
            "\n": .string("newline"), "À": .string("latin"), "\"": .string("just a quote"),
        ]))
        // valid/float/exponent.toml
        #expect(try parse("lower = 3e2\nupper = 3E2\nneg = 3e-2\npos = 3E+2\nzero = 3e0\npointlower = 3.1e2\npointupper = 3.1E2\nminustenth = -1E-1") == object([
            "lower": .double(300), "upper": .double(300), "neg": .double(0.03), "pos": .double(300), "zero": .double(3),
            "pointlower": .double(310), "pointupper": .double(310), "minustenth": .double(-0.1),
        ]))
        // valid/integer/long.toml
        #expect(try parse("int64-max = 9223372036854775807\nint64-max-neg = -9223372036854775808") == object([
            "int64-max": .int(9_223_372_036_854_775_807), "int64-max-neg": .int(-9_223_372_036_854_775_808),
        ]))
    }

    // MARK: Scale

    @Test func largeDocumentParses() throws {
        var doc = ""
        for i in 0..<5000 {
            doc += "[run_\(i)]\nlr = 0.00\(i % 10)1\nepochs = \(i)\nname = \"run \\u00e9 \(i)\"\nwhen = 2024-01-01T12:34:56.789Z\n"
            doc += "layers = [64, 128, 256]\nopt = { kind = \"adam\", beta = 0.9 }\nmodel.depth = \(i % 7)\n\n"
        }
        let root = try #require(try parse(doc).objectValue)
        #expect(root.count == 5000)
        #expect(root["run_4999"]?["epochs"] == .int(4999))
        #expect(root["run_12"]?["model"]?["depth"] == .int(5))
        #expect(root["run_12"]?["when"] == .date("2024-01-01 12:34:56.789000+00:00"))
    }
}
