import CMLBotCore
import Foundation
import Testing
@testable import CMLBotEvidence

/// DVC flattens with `flatten_dict.flatten(d, reducer="dot")`; metrics first go through
/// `_extract_metrics` (keeps int/float/str/bool, drops lists, None, dates and emptied dicts), and
/// every file is loaded as `parse(text) or {}`.
@Suite struct FlattenTests {
    func json(_ text: String) throws -> Value { try JSONParser.parse(Data(text.utf8)) }

    func flatten(_ text: String, _ mode: FlatValues.Mode) throws -> (FlatValues, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        let flat = FlatValues.flatten(try json(text), mode: mode, path: "m.json", revision: "HEAD", diagnostics: &diagnostics)
        return (flat, diagnostics)
    }

    @Test func nestedKeysJoinWithDots() throws {
        let (flat, diagnostics) = try flatten(#"{"acc": 0.9, "confusion": {"tp": 5, "fn": {"x": 1}}, "inference": {"latency_ms": 12.5}}"#, .metrics)
        #expect(flat.keys == ["acc", "confusion.tp", "confusion.fn.x", "inference.latency_ms"])
        #expect(flat["confusion.fn.x"] == .int(1))
        #expect(diagnostics.isEmpty)
    }

    @Test func metricsKeepNumbersBoolsAndStrings() throws {
        let (flat, _) = try flatten(#"{"a": 1, "b": 2.5, "c": true, "d": "text", "e": 123456789012345678901234567890, "f": NaN}"#, .metrics)
        #expect(flat.keys == ["a", "b", "c", "d", "e", "f"])
    }

    @Test func metricsDropListsNullsAndDatesWithAWarningNamingThem() throws {
        let (flat, diagnostics) = try flatten(#"{"acc": 1, "per_class_acc": [0.9, 0.8], "notes": null, "nested": {"l": [1], "n": null, "k": 2}}"#, .metrics)
        #expect(flat.keys == ["acc", "nested.k"])
        let warning = try #require(diagnostics.first)
        #expect(diagnostics.count == 1)
        #expect(warning.severity == .warning && warning.path == "m.json" && warning.revision == "HEAD")
        #expect(warning.message.contains("'per_class_acc', 'notes', 'nested.l', 'nested.n'"))
        #expect(warning.message.contains("skipped 4"))

        var yamlDiagnostics: [Diagnostic] = []
        let dated = FlatValues.flatten(try YAMLLoader.parse(Data("a: 1\nd: 2020-01-01\n".utf8)), mode: .metrics, path: "m.yaml",
                                       revision: "HEAD", diagnostics: &yamlDiagnostics)
        #expect(dated.keys == ["a"])                     // DVC 3.67.1 shows no row for a YAML date metric
        #expect(yamlDiagnostics.first?.message.contains("'d'") == true)
    }

    @Test func manyDroppedKeysAreSummarised() throws {
        let object = OrderedObject((0..<8).map { ("l\($0)", Value.array([])) })
        var diagnostics: [Diagnostic] = []
        _ = FlatValues.flatten(.object(object), mode: .metrics, path: "m.json", revision: "HEAD", diagnostics: &diagnostics)
        #expect(diagnostics.first?.message.contains("and 3 more") == true)
    }

    @Test func paramsKeepListsWholeAndDropNulls() throws {
        let (flat, diagnostics) = try flatten(#"{"features": ["f1", "f2"], "layers": [{"units": 64}], "empty": null, "model": {"depth": 3}}"#, .params)
        #expect(flat.keys == ["features", "layers", "model.depth"])
        #expect(flat["features"] == .array([.string("f1"), .string("f2")]))
        #expect(diagnostics.isEmpty)
    }

    @Test func nestedAndDottedDuplicateKeepsTheFirstAndWarns() throws {
        // DVC: "ERROR: unexpected error - duplicated key 'a.b'" and the whole command fails.
        let (flat, diagnostics) = try flatten(#"{"a": {"b": 1}, "a.b": 2, "c": 3}"#, .metrics)
        #expect(flat.keys == ["a.b", "c"])
        #expect(flat["a.b"] == .int(1))
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.message.contains("'a.b'") == true)
        #expect(diagnostics.first?.message.contains("duplicated key") == true)
        let (reversed, _) = try flatten(#"{"a.b": 2, "a": {"b": 1}}"#, .params)
        #expect(reversed["a.b"] == .int(2))
        // A dropped list does not collide (DVC drops it before flattening).
        let (dropped, dropDiagnostics) = try flatten(#"{"a": {"b": [1]}, "a.b": 2}"#, .metrics)
        #expect(dropped["a.b"] == .int(2))
        #expect(!dropDiagnostics.contains { $0.message.contains("duplicated") })
    }

    @Test func emptyDictsDisappear() throws {
        let (flat, _) = try flatten(#"{"a": {}, "b": {"c": {}}, "d": 1}"#, .params)
        #expect(flat.keys == ["d"])
    }

    @Test func topLevelListScalarAndNull() throws {
        let (list, listWarnings) = try flatten("[1, 2]", .metrics)
        #expect(list.isEmpty)
        #expect(listWarnings.count == 1)
        // params diff shows a top-level list as one row with an empty name (checked with DVC 3.67.1).
        let (paramsList, _) = try flatten("[1, 2]", .params)
        #expect(paramsList.keys == [""])
        #expect(paramsList[""] == .array([.int(1), .int(2)]))
        let (scalar, _) = try flatten("0.5", .metrics)
        #expect(scalar.keys == [""])
        #expect(scalar[""] == .double(0.5))
        let (string, _) = try flatten("\"acc,loss 0.9,0.1\"", .metrics)
        #expect(string[""] == .string("acc,loss 0.9,0.1"))
        let (null, nullWarnings) = try flatten("null", .metrics)
        #expect(null.isEmpty && nullWarnings.isEmpty)
    }

    @Test(arguments: ["0", "0.0", "-0.0", "false", "\"\"", "[]", "{}", "null"])
    func falsyTopLevelValuesAreEmptyFilesAsInDVC(text: String) throws {
        // DVC's loaders return `parse(text) or {}`.
        for mode in [FlatValues.Mode.metrics, .params] {
            let (flat, diagnostics) = try flatten(text, mode)
            #expect(flat.isEmpty)
            #expect(diagnostics.isEmpty)
        }
    }

    @Test func selectingKeys() {
        let flat = FlatValues(OrderedObject([
            ("model.depth", .int(3)), ("model.width", .int(4)), ("model_x", .int(5)), ("model.sub.k", .int(6)),
            ("seed", .int(1)), ("train.lr", .double(0.1)),
        ]))
        #expect(flat.selecting(["model.depth"]).keys == ["model.depth"])
        #expect(flat.selecting(["model"]).keys == ["model.depth", "model.width", "model.sub.k"])
        #expect(flat.selecting(["model.sub"]).keys == ["model.sub.k"])
        #expect(flat.selecting(["seed", "train"]).keys == ["seed", "train.lr"])
        #expect(flat.selecting(["mod"]).keys.isEmpty)
        #expect(flat.selecting(["missing"]).keys.isEmpty)
        #expect(flat.selecting([]).keys.isEmpty)
    }

    @Test func selectingIntoLists() {
        // DVC's tracked template variables name list elements: `folds.0`.
        let flat = FlatValues(OrderedObject([
            ("folds", .array([.string("f0"), .string("f1")])),
            ("layers", .array([.object(OrderedObject([("units", .int(64)), ("act", .string("relu"))]))])),
            ("lr", .double(0.1)),
        ]))
        #expect(flat.selecting(["folds.1"]).entries == OrderedObject([("folds.1", .string("f1"))]))
        #expect(flat.selecting(["layers.0.units"]).entries == OrderedObject([("layers.0.units", .int(64))]))
        #expect(flat.selecting(["layers.0"]).keys == ["layers.0.units", "layers.0.act"])
        #expect(flat.selecting(["folds.5", "folds.x", "lr.0"]).isEmpty)
        #expect(flat.selecting(["folds", "folds.0"]).keys == ["folds"])
    }
}
