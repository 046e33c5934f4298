import CMLBotCore
import Foundation
import CMLBotEvidence
import Testing
@testable import CMLBotCompare

@Suite struct EvidenceDiffTests {
    func file(_ path: String, _ pairs: [(String, Value)]) -> EvidenceFile {
        EvidenceFile(path: path, values: FlatValues(OrderedObject(pairs)))
    }

    @Test func diffOnlyWhenBothSidesAreNumbers() {
        #expect(ValueChange(key: "a", old: .int(10), new: .int(12)).diff == .int(2))
        #expect(ValueChange(key: "a", old: .int(1), new: .double(1.5)).diff == .double(0.5))
        #expect(ValueChange(key: "a", old: .bool(true), new: .bool(false)).diff == .int(-1))
        #expect(ValueChange(key: "a", old: .string("x"), new: .int(1)).diff == nil)
        #expect(ValueChange(key: "a", old: nil, new: .int(1)).diff == nil)
        #expect(ValueChange(key: "a", old: .int(Int.min), new: .int(Int.max)).diff == .big("18446744073709551615"))
        #expect(ValueChange(key: "a", old: .bigInt("12345678901234567890"), new: .bigInt("12345678901234567891")).diff == .int(1))
        #expect(ValueChange(key: "a", old: .bigInt("-99999999999999999999"), new: .int(1)).diff == .big("100000000000000000000"))
    }

    @Test func equalityIsPythons() {
        #expect(PythonEquality.equal(.int(1), .double(1.0)))
        #expect(PythonEquality.equal(.bool(true), .int(1)))
        #expect(PythonEquality.equal(.double(0.0), .double(-0.0)))
        #expect(!PythonEquality.equal(.double(.nan), .double(.nan)))
        #expect(PythonEquality.equal(.array([.int(1), .int(2)]), .array([.double(1), .double(2)])))
        #expect(!PythonEquality.equal(.string("1"), .int(1)))
        #expect(!PythonEquality.equal(.array([.int(1)]), .array([.int(1), .int(2)])))
    }

    @Test func filesComparedByPathWithSortedKeys() {
        let old = [file("b.json", [("z", .int(1)), ("a", .int(1))]), file("gone.json", [("x", .int(1))])]
        let new = [file("b.json", [("z", .int(2)), ("a", .int(1)), ("n", .string("new"))]), file("a.json", [("k", .double(.nan))])]
        let result = EvidenceDiff.compare(old: old, new: new, includeUnchanged: false)
        #expect(result.map(\.path) == ["a.json", "b.json", "gone.json"])
        #expect(result[1].changes.map(\.key) == ["n", "z"])
        #expect(result[2].changes == [ValueChange(key: "x", old: .int(1), new: nil)])
        let all = EvidenceDiff.compare(old: old, new: new, includeUnchanged: true)
        #expect(all[1].changes.map(\.key) == ["a", "n", "z"])
    }

    @Test func keysSortByCodePointNotLocale() {
        let new = [file("m.json", [("b", .int(1)), ("B", .int(1)), ("é", .int(1)), ("_x", .int(1)), ("a.b", .int(1)), ("a_b", .int(1))])]
        let keys = EvidenceDiff.compare(old: [], new: new, includeUnchanged: false)[0].changes.map(\.key)
        #expect(keys == ["B", "_x", "a.b", "a_b", "b", "é"])
    }

    @Test func verdictsFollowConfiguredDirections() throws {
        let config = try ConfigLoader.parse(try YAMLLoader.parse(Data("version: 1\nmetrics:\n  directions: {acc: higher, '*loss': lower}\n".utf8)), path: ".cmlbot.yml")
        var base = EvidenceSnapshot(revision: "main")
        base.metrics = [file("m.json", [("acc", .double(0.9)), ("val_loss", .double(0.3)), ("f1", .double(0.5)), ("old", .int(1)), ("same", .int(3))])]
        var head = EvidenceSnapshot(revision: "workspace")
        head.metrics = [file("m.json", [("acc", .double(0.8)), ("val_loss", .double(0.2)), ("f1", .double(0.6)), ("new", .int(1)), ("same", .double(3.0))])]
        let comparison = Comparator.compare(base: base, head: head, config: config)
        let verdicts = Dictionary(uniqueKeysWithValues: comparison.metrics.map { ($0.change.key, $0.verdict) })
        #expect(verdicts == ["acc": .worsened, "val_loss": .improved, "f1": .changed, "old": .removed, "new": .added, "same": .unchanged])
        #expect(comparison.improvedCount == 1)
        #expect(comparison.worsenedCount == 1)
        #expect(comparison.changedMetrics.count == 5)
    }

    @Test func relativeChangeIsUndefinedFromZero() {
        #expect(ValueChange(key: "a", old: .int(0), new: .int(1)).relativeChange == nil)
        #expect(ValueChange(key: "a", old: .int(-4), new: .int(-2)).relativeChange == 0.5)
        #expect(ValueChange(key: "a", old: .string("x"), new: .int(1)).relativeChange == nil)
    }
}
