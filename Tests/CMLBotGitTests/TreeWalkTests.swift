import CMLBotCore
import Foundation
import Testing
import TestSupport
@testable import CMLBotGit

@Suite("GitCommitTree walks")
struct TreeWalkTests {
    /// What ls-tree says, in the walk's shape.
    func expectedEntries(_ repo: GitRepoBuilder, under directory: String? = nil) throws -> [FileTreeEntry] {
        try lsTree(repo, under: directory).map { e in
            switch e.mode {
            case "160000": return FileTreeEntry(path: e.path, kind: .submodule)
            case "120000": return FileTreeEntry(path: e.path, kind: .symlink, size: e.size ?? -1)
            default: return FileTreeEntry(path: e.path, kind: .file, size: e.size ?? -1)
            }
        }
    }

    @Test func wholeTreeMatchesLsTree() throws {
        let m = try MixedRepository()
        let tree = try commitTree(try openRepository(m.repo))
        let files = try tree.files(under: "")
        #expect(files == (try expectedEntries(m.repo)))
        #expect(files.map(\.path) == [
            "README.md", "data/model.bin", "data/nul.txt", "empty.txt", "link-dir", "link.json",
            "metrics/eval/scores.json", "metrics/train.json", "run.sh", "vendor/sub",
        ])
        #expect(files.first { $0.path == "vendor/sub" }?.kind == .submodule)
        #expect(files.first { $0.path == "link-dir" }?.kind == .symlink)
        #expect(files.first { $0.path == "data/model.bin" }?.size == 300_000)
        #expect(try tree.filePaths(under: "") == files.map(\.path))
    }

    @Test func withoutSizesTheWalkReportsZero() throws {
        let m = try MixedRepository()
        let tree = try commitTree(try openRepository(m.repo))
        let walked = try tree.walk(under: "", sizes: false)
        #expect(walked.map(\.path) == (try tree.filePaths(under: "")))
        #expect(walked.allSatisfy { $0.size == 0 })
        #expect(walked.map(\.kind) == (try tree.files(under: "")).map(\.kind))
    }

    @Test func subdirectoryWalk() throws {
        let m = try MixedRepository()
        let tree = try commitTree(try openRepository(m.repo))
        #expect(try tree.filePaths(under: "metrics") == ["metrics/eval/scores.json", "metrics/train.json"])
        #expect(try tree.filePaths(under: "metrics/") == ["metrics/eval/scores.json", "metrics/train.json"])
        #expect(try tree.filePaths(under: "./metrics/eval") == ["metrics/eval/scores.json"])
        #expect(try tree.files(under: "data") == (try expectedEntries(m.repo, under: "data")))
        #expect(try tree.filePaths(under: "vendor") == ["vendor/sub"])
        // Not a directory: nothing below it.
        #expect(try tree.files(under: "README.md") == [])
        #expect(try tree.files(under: "vendor/sub") == [])
        #expect(try tree.files(under: "link-dir") == [])
        #expect(try tree.files(under: "nope") == [])
    }

    @Test func sortedInByteOrderAcrossAwkwardNames() throws {
        // git sorts a directory as if its name ended in "/": "a-b" < "a/" < "a0". The joined paths
        // must come out in plain byte order all the same.
        let repo = try GitRepoBuilder()
        let names = ["a-b", "a/x", "a/y/z", "a0", "a.txt", "A", "B/c", "_", "~", "a b", "ab"]
        try repo.commit("names", files: Dictionary(uniqueKeysWithValues: names.map { ($0, $0) }))
        let tree = try commitTree(try openRepository(repo))
        let paths = try tree.filePaths(under: "")
        #expect(paths == names.sorted(by: RepoPath.precedes))
        #expect(paths == (try lsTree(repo)).map(\.path))
    }

    @Test func unicodeNamesRoundTrip() throws {
        let repo = try GitRepoBuilder()
        let names = ["données/é.json", "日本/語.txt", "emoji-🙂.csv", "e\u{301}-decomposed.txt"]
        try repo.commit("unicode", files: Dictionary(uniqueKeysWithValues: names.map { ($0, "content of \($0)") }))
        let tree = try commitTree(try openRepository(repo))
        let paths = try tree.filePaths(under: "")
        #expect(Set(paths) == Set(names))
        #expect(isSortedByBytes(paths))
        // Byte-exact, not merely canonically equivalent (Swift's == would equate é and e + U+0301).
        #expect(Set(names.map { Array($0.utf8) }) == Set(try lsTree(repo).map(\.rawPath)))
        #expect(Set(paths.map { Array($0.utf8) }) == Set(try lsTree(repo).map(\.rawPath)))
        for name in names {
            #expect(try tree.readFile(name) == Data("content of \(name)".utf8), "\(name)")
            #expect(try tree.entry(at: name)?.size == Int64("content of \(name)".utf8.count))
        }
        #expect(try tree.filePaths(under: "日本") == ["日本/語.txt"])
    }

    @Test func namesWithSpacesAndNewlines() throws {
        let repo = try GitRepoBuilder()
        let names = ["with space.txt", "new\nline.txt", "tab\there.txt", "quote\"d.txt", "back\\slash.txt"]
        try repo.commit("odd", files: Dictionary(uniqueKeysWithValues: names.map { ($0, $0) }))
        let tree = try commitTree(try openRepository(repo))
        #expect(try tree.filePaths(under: "") == names.sorted(by: RepoPath.precedes))
        for name in names {
            #expect(try tree.readFile(name) == Data(name.utf8))
        }
    }

    @Test func nonUTF8NamesAreListedLossily() throws {
        let repo = try GitRepoBuilder()
        try repo.write("plain.txt", "plain\n")
        try FileManager.default.createDirectory(atPath: repo.path + "/dir", withIntermediateDirectories: true)
        try createFile(rawName: [0x62, 0x61, 0x64, 0xFF, 0x2E, 0x74, 0x78, 0x74], in: repo.path, contents: Array("bad\n".utf8)) // "bad\xFF.txt"
        try createFile(rawName: [0xC3, 0x28], in: repo.path + "/dir", contents: Array("x".utf8)) // invalid 2-byte sequence
        try createFile(rawName: [0xE9, 0x74, 0xE9], in: repo.path, contents: Array("latin-1".utf8)) // "été" in Latin-1
        // Raw byte order puts the emoji (F0 9F …) before 0xFF; decoded, U+FFFD (EF BF BD) sorts first.
        try repo.write("🙂.txt", "emoji\n")
        try createFile(rawName: [0xFF, 0x2E, 0x74, 0x78, 0x74], in: repo.path, contents: Array("ff".utf8))
        try repo.git("add", "-A")
        try repo.git("commit", "-q", "-m", "bytes")
        let expected = try lsTree(repo)
        #expect(expected.count == 6)
        let tree = try commitTree(try openRepository(repo))
        let files = try tree.files(under: "")
        #expect(Set(files.map(\.path)) == Set(expected.map(\.path)))
        #expect(files.count == 6)
        #expect(files.map(\.path).contains("🙂.txt"))
        #expect(files.map(\.path).contains("\u{FFFD}.txt"))
        #expect(files.map(\.path).contains("bad\u{FFFD}.txt"))
        #expect(files.map(\.path).contains("dir/\u{FFFD}("))
        #expect(isSortedByBytes(files.map(\.path)))
        for entry in files {
            #expect(entry.size == expected.first { $0.path == entry.path }?.size, "\(entry.path)")
        }
        // The valid neighbours are unaffected.
        #expect(try tree.readFile("plain.txt") == Data("plain\n".utf8))
    }

    @Test func sizesMatchLsTreeForManyFiles() throws {
        let repo = try GitRepoBuilder()
        var files: [String: String] = [:]
        for i in 0..<200 {
            files["d\(i % 7)/sub\(i % 3)/f\(i).txt"] = String(repeating: "x", count: i * 13)
        }
        try repo.commit("many", files: files)
        let tree = try commitTree(try openRepository(repo))
        let walked = try tree.files(under: "")
        let expected = try lsTree(repo)
        #expect(walked.count == 200)
        #expect(walked.map(\.path) == expected.map(\.path))
        #expect(walked.map(\.size) == expected.map { $0.size ?? -1 })
    }
}
