import CMLBotCore
import CMLBotEvidence
import Foundation
import Testing
@testable import CMLBotCompare

@Suite struct DataDiffTests {
    func file(_ path: String, _ hash: String) -> DataEntry { DataEntry(path: path, hash: hash, isDirectory: false) }
    func dir(_ path: String, _ hash: String) -> DataEntry { DataEntry(path: path, hash: hash, isDirectory: true) }
    func listing(_ pairs: [(String, String)]) -> [DVCDirectoryEntry] { pairs.map { DVCDirectoryEntry(relativePath: $0.0, md5: $0.1) } }
    func paths(_ changes: [DataChange]) -> [String] {
        changes.map { $0.kind == .renamed ? "\($0.old!.displayPath) -> \($0.new!.displayPath)" : $0.sortPath }
    }

    // MARK: the .dir hash (values from DVC 3.67.1 and Python's json.dumps)

    @Test func dirHashMatchesDVC() {
        let entries = listing([("sub/b.txt", "3b5d5c3712955042212316173ccf37be"), ("a.txt", "60b725f10c9c85c70d97880dfe8191b3")])
        #expect(DVCDirectoryHash.listingJSON(entries) ==
                #"[{"md5": "60b725f10c9c85c70d97880dfe8191b3", "relpath": "a.txt"}, {"md5": "3b5d5c3712955042212316173ccf37be", "relpath": "sub/b.txt"}]"#)
        #expect(DVCDirectoryHash.hash(entries) == "849835d274483dc683eb416d6e4f887d.dir")
    }

    @Test func dirHashEscapesAsPythonAndSortsByCodePoint() {
        let entries = listing([
            ("é.txt", "60b725f10c9c85c70d97880dfe8191b3"),
            ("a\"b\\c 😀/日本.csv", "3b5d5c3712955042212316173ccf37be"),
            ("Z-b", "f5302386464f953ed581edac03556e55"),
            ("Z/a", "f5302386464f953ed581edac03556e55"),
        ])
        #expect(DVCDirectoryHash.listingJSON(entries) == #"[{"md5": "f5302386464f953ed581edac03556e55", "relpath": "Z-b"}, {"md5": "f5302386464f953ed581edac03556e55", "relpath": "Z/a"}, {"md5": "3b5d5c3712955042212316173ccf37be", "relpath": "a\"b\\c \ud83d\ude00/\u65e5\u672c.csv"}, {"md5": "60b725f10c9c85c70d97880dfe8191b3", "relpath": "\u00e9.txt"}]"#)
        #expect(DVCDirectoryHash.hash(entries) == "64936eb11937a027f86821af02399002.dir")
    }

    @Test func emptyDirectoryHash() {
        // md5("[]"), as DVC records an empty tracked directory.
        #expect(DVCDirectoryHash.hash([]) == Digest.hex(.md5, Data("[]".utf8)) + ".dir")
    }

    // MARK: DataDiff

    @Test func filesAddedDeletedModifiedRenamed() {
        let old = DataState(outputs: [file("a.csv", "1"), file("gone.csv", "2"), file("old.bin", "3")])
        let new = DataState(outputs: [file("a.csv", "9"), file("new.bin", "3"), file("fresh.csv", "4")])
        let d = DataDiff.compare(old: old, new: new)
        #expect(paths(d.added) == ["fresh.csv"])
        #expect(paths(d.deleted) == ["gone.csv"])
        #expect(paths(d.modified) == ["a.csv"])
        #expect(paths(d.renamed) == ["old.bin -> new.bin"])
        #expect(d.notInCache == nil)
        #expect(d.outputChanges.count == 4)
    }

    @Test func identicalStatesAreEmpty() {
        let s = DataState(outputs: [file("a", "1"), dir("d", "x.dir")], listings: ["d": listing([("f", "1")])])
        #expect(DataDiff.compare(old: s, new: s).isEmpty)
    }

    @Test func directoryExpandsWhenBothListingsAreKnown() {
        let old = DataState(outputs: [dir("data", "o.dir")], listings: ["data": listing([("a.txt", "1"), ("sub/b.txt", "2"), ("x", "7")])])
        let new = DataState(outputs: [dir("data", "n.dir")], listings: ["data": listing([("a.txt", "5"), ("sub/b.txt", "2"), ("c.txt", "6"), ("y", "7")])])
        let d = DataDiff.compare(old: old, new: new)
        #expect(paths(d.modified) == ["data/", "data/a.txt"])
        #expect(paths(d.added) == ["data/c.txt"])
        #expect(paths(d.renamed) == ["data/x -> data/y"])
        #expect(d.deleted.isEmpty)
        #expect(d.directoriesWithoutListing.isEmpty)
        #expect(d.outputChanges.map(\.sortPath) == ["data/"])
    }

    @Test func directoryStaysWholeWhenAListingIsMissing() {
        let old = DataState(outputs: [dir("data", "o.dir")])
        let new = DataState(outputs: [dir("data", "n.dir")], listings: ["data": listing([("a.txt", "5")])])
        let d = DataDiff.compare(old: old, new: new)
        #expect(paths(d.modified) == ["data/"])
        #expect(d.added.isEmpty)
        #expect(d.directoriesWithoutListing == ["data"])
    }

    @Test func addedDirectoryListsItsFilesWhenKnown() {
        let new = DataState(outputs: [dir("imgs", "n.dir")], listings: ["imgs": listing([("1.png", "a"), ("2.png", "b")])])
        let d = DataDiff.compare(old: DataState(outputs: []), new: new)
        #expect(paths(d.added) == ["imgs/", "imgs/1.png", "imgs/2.png"])
    }

    @Test func renamedDirectoryPairsTheDirectoryAndItsFiles() {
        let l = listing([("f", "1")])
        let d = DataDiff.compare(old: DataState(outputs: [dir("a", "h.dir")], listings: ["a": l]),
                                 new: DataState(outputs: [dir("b", "h.dir")], listings: ["b": l]))
        #expect(paths(d.renamed) == ["a/ -> b/", "a/f -> b/f"])
    }

    @Test func fileBecomingDirectoryIsModified() {
        let d = DataDiff.compare(old: DataState(outputs: [file("x", "1")]), new: DataState(outputs: [dir("x", "2.dir")]))
        #expect(paths(d.modified) == ["x"])
    }

    @Test func renamesPairInKeyOrder() {
        // Two deletions with the same content: the first added path (by components) takes the first deleted.
        let d = DataDiff.compare(old: DataState(outputs: [file("b", "h"), file("a", "h")]),
                                 new: DataState(outputs: [file("d", "h"), file("c", "h")]))
        #expect(paths(d.renamed) == ["a -> c", "b -> d"])
    }

    @Test func notInCacheListsEveryOldEntryWhoseObjectIsMissing() {
        let old = DataState(outputs: [file("a", "1"), file("b", "2")])
        let d = DataDiff.compare(old: old, new: old, isCached: { $0 == "1" })
        #expect(d.notInCache?.map(\.path) == ["b"])
        #expect(!d.isEmpty)
    }

    @Test func directoryWithoutHashIsSkipped() {
        let d = DataDiff.compare(old: DataState(outputs: []), new: DataState(outputs: [DataEntry(path: "out", hash: nil, isDirectory: true)]))
        #expect(d.isEmpty)
    }
}
