import CMLBotCore
import Foundation
import Testing
import TestSupport
@testable import CMLBotGates

/// The byte-table path set the check inputs use instead of `Set<String>`, held against a plain
/// `Set<String>` and sorted array on the same paths.
@Suite struct PathTableTests {
    static let paths = [
        "a", "a-b", "a.txt", "a/b", "a/b/c.dvc", "a/d", "a0", "dvc.lock", "sub/dvc.lock", "sub/not-dvc.lock",
        "zz/é.txt", "x.dvc/inner", "e\u{301}.txt",
    ]

    @Test func sortedLookupsAgreeWithASet() {
        let table = SortedPaths(Self.paths + ["a", "a/b"])  // duplicates are dropped
        #expect(table.count == Self.paths.count)
        #expect(table.strings == Self.paths.sorted(by: RepoPath.precedes))
        for path in Self.paths { #expect(table.contains(path), "\(path)") }
        for absent in ["", "a/", "a/b/c", "b", "é.txt", "zz", "a-"] { #expect(!table.contains(absent), "\(absent)") }
        // Everything below a directory is one contiguous range, "a-b" and "a0" on either side.
        #expect(table.range(under: "a").map { table[$0] } == ["a/b", "a/b/c.dvc", "a/d"])
        #expect(table.range(under: "a/b").map { table[$0] } == ["a/b/c.dvc"])
        #expect(table.range(under: "nope").isEmpty)
        #expect(table.range(under: "") == 0..<table.count)
    }

    @Test func byteQueriesMatchStringQueries() {
        let table = SortedPaths(Self.paths)
        let dvcFiles = table.filter { SortedPaths.hasSuffix($0, ".dvc") || SortedPaths.hasFileName($0, "dvc.lock") }
        #expect(dvcFiles == Self.paths.filter { $0.hasSuffix(".dvc") || RepoPath.fileName($0) == "dvc.lock" }.sorted(by: RepoPath.precedes))
        #expect(table.contains { SortedPaths.hasSuffix($0, "/dvc.lock") })
        #expect(!table.contains { SortedPaths.hasSuffix($0, ".yaml") })
    }

    @Test func pathSetInsertAndRemoveOverlayTheTable() {
        var set = PathSet(Self.paths)
        let removed = set.remove("a.txt"), removedAgain = set.remove("a.txt")
        #expect(removed == "a.txt")
        #expect(removedAgain == nil)
        #expect(!set.contains("a.txt"))
        let inserted = set.insert("new/file"), insertedAgain = set.insert("new/file")
        #expect(inserted)
        #expect(!insertedAgain)
        #expect(set.contains("new/file"))
        let reinserted = set.insert("a.txt")
        #expect(reinserted)
        #expect(set.contains("a.txt"))
        // Predicates see the overlay too.
        #expect(set.contains { SortedPaths.hasSuffix($0, "new/file") })
        set.remove("a/b/c.dvc")
        set.remove("x.dvc/inner")
        #expect(!set.contains { SortedPaths.hasSuffix($0, ".dvc") })
    }

    @Test func usesDVCOnTheTable() {
        func input(_ paths: [String]) -> CheckInput {
            CheckInput(scope: .staged, files: [], tree: InMemoryFileTree([:]), allPaths: PathSet(SortedPaths(paths)))
        }
        #expect(input(["data.csv.dvc"]).usesDVC)
        #expect(input(["sub/dvc.yaml"]).usesDVC)
        #expect(input(["dvc.yaml"]).usesDVC)
        #expect(input([".dvc/config"]).usesDVC)
        #expect(!input(["notdvc.yaml", "x.dvcx", ".dvcignore"]).usesDVC)
    }

    @Test func listedCandidatesEqualNamedOnes() {
        let shared = SharedPaths(SortedPaths(["big.bin", "dir/small.txt"]))
        var listed = CandidateFile(listedIn: shared, at: 1, size: 10, change: .unchanged)
        #expect(listed.path == "dir/small.txt")
        #expect(listed == CandidateFile(path: "dir/small.txt", size: 10, change: .unchanged))
        #expect(listed != CandidateFile(path: "big.bin", size: 10, change: .unchanged))
        listed.path = "renamed.txt"
        #expect(listed == CandidateFile(path: "renamed.txt", size: 10, change: .unchanged))
        // The large-file gate judges listed candidates like named ones.
        let big = CandidateFile(listedIn: shared, at: 0, size: 600 * 1024, change: .unchanged)
        let gate = try? LargeFileGate(settings: GateSettings(gate: "large_files"))
        let input = CheckInput(scope: .all(revision: "HEAD"), files: [big, listed], tree: InMemoryFileTree([:]), allPaths: PathSet(shared.paths))
        #expect(gate?.check(input).map(\.path) == ["big.bin"])
    }
}
