import CMLBotCore
import CMLBotEvidence
import Foundation
import Testing
import TestSupport
@testable import CMLBotGates

@Suite struct LargeFileGateTests {
    static func input(_ files: [(String, Int, CandidateFile.Change)], scope: CheckInput.Scope = .staged,
                      contents: [String: String] = [:], tracked: Set<String> = []) -> CheckInput {
        var data: [String: Data] = [:]
        for (path, size, _) in files { data[path] = contents[path].map { Data($0.utf8) } ?? Data(count: size) }
        let candidates = files.map { CandidateFile(path: $0.0, size: Int64(data[$0.0]!.count), change: $0.2) }
        return CheckInput(scope: scope, files: candidates, tree: InMemoryFileTree(data: data), allPaths: Set(data.keys), dvcTrackedPaths: tracked)
    }

    func gate(_ values: [(String, Value)] = []) throws -> LargeFileGate {
        try LargeFileGate(settings: GateSettings(gate: "large_files", values: OrderedObject(values)))
    }

    @Test func roundsUpToWholeKBAndFailsOnlyAboveTheLimit() throws {
        let findings = try gate().check(Self.input([
            ("exact.bin", 512_000, .added),      // 500 KB exactly: allowed
            ("one-over.bin", 512_001, .added),   // rounds up to 501 KB
            ("modified.bin", 900_000, .modified),
        ]))
        #expect(findings.map(\.path) == ["one-over.bin"])
        #expect(findings.first?.message == "one-over.bin (501 KB) exceeds 500 KB")
        #expect(findings.first?.severity == .error)
    }

    @Test func enforceAllAndAllScopeCheckEveryFile() throws {
        let files: [(String, Int, CandidateFile.Change)] = [("old.bin", 600_000, .unchanged), ("mod.bin", 600_000, .modified)]
        #expect(try gate().check(Self.input(files)).isEmpty)
        #expect(try gate([("enforce_all", .bool(true))]).check(Self.input(files)).count == 2)
        #expect(try gate().check(Self.input(files, scope: .all(revision: "HEAD"))).count == 2)
    }

    @Test func lfsPointersDVCOutputsAndExclusionsAreFine() throws {
        let pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 99999999\n"
        let findings = try gate([("max_kb", .int(0 + 1)), ("exclude", .array([.string("vendor/*")]))]).check(Self.input([
            ("model.pt", 0, .added),
            ("data/raw/x.csv", 5_000, .added),
            ("vendor/lib.a", 5_000, .added),
            ("big.csv", 5_000, .added),
        ], contents: ["model.pt": pointer], tracked: ["data/raw/"]))
        #expect(findings.map(\.path) == ["big.csv"])
    }

    @Test func hintDependsOnWhetherTheRepositoryUsesDVC() throws {
        let plain = try gate().check(Self.input([("a.bin", 600_000, .added)]))
        #expect(plain.first?.hint.contains("git lfs track") == true)
        var dvcInput = Self.input([("a.bin", 600_000, .added)])
        dvcInput.allPaths.insert("dvc.yaml")
        #expect(try gate().check(dvcInput).first?.hint.hasPrefix("track it with DVC instead (dvc add a.bin)") == true)
    }

    @Test func settingsAreValidated() throws {
        #expect(throws: ConfigError(path: ".cmlbot.yml", detail: "gates.large_files: unknown key 'max_kbs'; did you mean 'max_kb'?")) { try gate([("max_kbs", .int(1))]) }
        #expect(throws: ConfigError(path: ".cmlbot.yml", detail: "gates.large_files: max_kb must be a whole number")) { try gate([("max_kb", .string("big"))]) }
        #expect(throws: ConfigError(path: ".cmlbot.yml", detail: "gates.large_files: severity must be 'error' or 'warning'")) { try gate([("severity", .string("fatal"))]) }
        #expect(try gate([("severity", .string("warning"))]).check(Self.input([("a", 600_000, .added)])).first?.severity == .warning)
    }
}

