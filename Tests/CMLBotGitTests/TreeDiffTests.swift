import CMLBotCore
import Foundation
import Testing
import TestSupport
@testable import CMLBotGit

/// Two commits that differ in every way a diff can report.
struct ChangedRepository {
    let repo: GitRepoBuilder
    let renamedContent = (0..<80).map { "line \($0) of a file that moves without changing\n" }.joined()
    let editedContent = (0..<40).map { "row \($0): some training log text\n" }.joined()

    init() throws {
        repo = try GitRepoBuilder()
        try repo.write("keep.txt", "unchanged\n")
        try repo.write("mod.txt", "old content\n")
        try repo.write("del.txt", "delete me\n")
        try repo.write("ren.txt", renamedContent)
        try repo.write("edit-ren.txt", editedContent)
        try repo.write("type.txt", "a regular file for now\n")
        try repo.write("mode.sh", "echo\n")
        try repo.git("add", "-A")
        try repo.git("commit", "-q", "-m", "base")
        let base = try repo.git("rev-parse", "HEAD")
        // A gitlink to a commit that happens to be in this object database: still not a blob.
        try repo.git("update-index", "--add", "--cacheinfo", "160000,\(base),vendor/sub")
        try repo.git("commit", "-q", "-m", "with submodule")
        try repo.git("tag", "before")

        try repo.write("mod.txt", "new content, a little longer\n")
        try repo.remove("del.txt")
        try FileManager.default.createDirectory(atPath: repo.path + "/moved", withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: repo.path + "/ren.txt", toPath: repo.path + "/moved/renamed.txt")
        try repo.remove("edit-ren.txt")
        try repo.write("edited-and-renamed.txt", editedContent.replacingOccurrences(of: "row 7:", with: "ROW SEVEN:"))
        try repo.write("added.txt", "brand new\n")
        try repo.remove("type.txt")
        try makeSymlink("keep.txt", at: repo.path + "/type.txt")
        #expect(chmod(repo.path + "/mode.sh", 0o755) == 0)
        try repo.git("add", "-A")
        // `add -A` staged the gitlink's removal (there is no vendor/sub on disk): put a newer one back.
        try repo.git("update-index", "--add", "--cacheinfo", "160000,\(try repo.git("rev-parse", "HEAD")),vendor/sub")
        try repo.git("commit", "-q", "-m", "changes")
        try repo.git("tag", "after")
    }
}

@Suite("Tree diffs")
struct TreeDiffTests {
    @Test func everyKindOfChange() throws {
        let c = try ChangedRepository()
        let git = try openRepository(c.repo)
        let changes = try git.diffTrees(from: commitTree(git, "before"), to: commitTree(git, "after"))
        let byPath = changesByPath(changes)
        #expect(changes.count == 8, "\(changes.map { "\($0.status) \($0.oldPath) -> \($0.newPath)" })")
        #expect(byPath["keep.txt"] == nil)

        let added = try #require(byPath["added.txt"])
        #expect(added.status == .added)
        #expect(added.oldSize == 0)
        #expect(added.newSize == (try catFileSize(c.repo, "after:added.txt")))
        #expect(added.oldID == nil)
        #expect(added.newID == (try c.repo.git("rev-parse", "after:added.txt")))
        #expect(added.oldPath == "added.txt")

        let deleted = try #require(byPath["del.txt"])
        #expect(deleted.status == .deleted)
        #expect(deleted.oldSize == (try catFileSize(c.repo, "before:del.txt")))
        #expect(deleted.newSize == 0)
        #expect(deleted.oldID == (try c.repo.git("rev-parse", "before:del.txt")))
        #expect(deleted.newID == nil)

        let modified = try #require(byPath["mod.txt"])
        #expect(modified.status == .modified)
        #expect(modified.oldSize == 12)
        #expect(modified.newSize == (try catFileSize(c.repo, "after:mod.txt")))
        #expect(modified.oldID == (try c.repo.git("rev-parse", "before:mod.txt")))
        #expect(modified.newID == (try c.repo.git("rev-parse", "after:mod.txt")))

        let renamed = try #require(byPath["moved/renamed.txt"])
        #expect(renamed.status == .renamed)
        #expect(renamed.oldPath == "ren.txt")
        #expect(renamed.newPath == "moved/renamed.txt")
        #expect(renamed.similarity == 100)
        #expect(renamed.oldSize == Int64(c.renamedContent.utf8.count))
        #expect(renamed.newSize == renamed.oldSize)
        #expect(renamed.oldID == renamed.newID)

        let edited = try #require(byPath["edited-and-renamed.txt"])
        #expect(edited.status == .renamed)
        #expect(edited.oldPath == "edit-ren.txt")
        #expect(edited.similarity >= 50 && edited.similarity < 100)
        #expect(edited.oldSize == (try catFileSize(c.repo, "before:edit-ren.txt")))
        #expect(edited.newSize == (try catFileSize(c.repo, "after:edited-and-renamed.txt")))

        let typeChange = try #require(byPath["type.txt"])
        #expect(typeChange.status == .typeChanged)
        #expect(typeChange.oldSize == (try catFileSize(c.repo, "before:type.txt")))
        #expect(typeChange.newSize == Int64("keep.txt".utf8.count))

        let mode = try #require(byPath["mode.sh"])
        #expect(mode.status == .modified)
        #expect(mode.oldSize == 5 && mode.newSize == 5)
        #expect(mode.oldID == mode.newID)

        let submodule = try #require(byPath["vendor/sub"])
        #expect(submodule.status == .modified)
        // Submodule entries are commits, not blobs: no size even when the commit is in this repository.
        #expect(submodule.oldSize == 0 && submodule.newSize == 0)
        #expect(submodule.oldID == (try c.repo.git("rev-parse", "before~1")))
    }

    @Test func withoutRenameDetection() throws {
        let c = try ChangedRepository()
        let git = try openRepository(c.repo)
        let changes = try git.diffTrees(from: commitTree(git, "before"), to: commitTree(git, "after"), detectRenames: false)
        #expect(!changes.contains { $0.status == .renamed })
        #expect(changes.contains { $0.status == .deleted && $0.path == "ren.txt" })
        #expect(changes.contains { $0.status == .added && $0.path == "moved/renamed.txt" })
        #expect(changes.allSatisfy { $0.similarity == 0 })
    }

    @Test func reverseDiffSwapsSides() throws {
        let c = try ChangedRepository()
        let git = try openRepository(c.repo)
        let changes = try git.diffTrees(from: commitTree(git, "after"), to: commitTree(git, "before"))
        let byPath = changesByPath(changes)
        #expect(byPath["added.txt"]?.status == .deleted)
        #expect(byPath["del.txt"]?.status == .added)
        #expect(byPath["ren.txt"]?.status == .renamed)
        #expect(byPath["ren.txt"]?.oldPath == "moved/renamed.txt")
        #expect(byPath["type.txt"]?.status == .typeChanged)
    }

    @Test func againstTheEmptyTree() throws {
        let m = try MixedRepository()
        let git = try openRepository(m.repo)
        let tree = try commitTree(git)
        let expected = try lsTree(m.repo)
        let added = try git.diffTrees(from: nil, to: tree)
        #expect(added.count == expected.count)
        #expect(added.allSatisfy { $0.status == .added && $0.oldSize == 0 && $0.oldID == nil })
        #expect(Set(added.map(\.path)) == Set(expected.map(\.path)))
        for change in added {
            let e = try #require(expected.first { $0.path == change.path })
            #expect(change.newSize == (e.size ?? 0), "\(change.path)")
            #expect(change.newID == e.id)
        }
        let deleted = try git.diffTrees(from: tree, to: nil)
        #expect(deleted.count == expected.count)
        #expect(deleted.allSatisfy { $0.status == .deleted && $0.newSize == 0 && $0.newID == nil })
        #expect(deleted.first { $0.path == "data/model.bin" }?.oldSize == 300_000)
        #expect(try git.diffTrees(from: nil, to: nil) == [])
    }

    @Test func identicalTreesHaveNoChanges() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("one", files: ["a.txt": "a"])
        try repo.commit("empty change")
        let git = try openRepository(repo)
        #expect(try git.diffTrees(from: commitTree(git, "HEAD~1"), to: commitTree(git, "HEAD")) == [])
    }

    @Test func unicodeAndNonUTF8PathsInDiffs() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("one", files: ["keep": "k"])
        try repo.write("日本/é.json", "{}")
        try createFile(rawName: [0x78, 0xFF], in: repo.path, contents: [1, 2, 3])
        try repo.git("add", "-A")
        try repo.git("commit", "-q", "-m", "two")
        let git = try openRepository(repo)
        let changes = try git.diffTrees(from: commitTree(git, "HEAD~1"), to: commitTree(git, "HEAD"))
        #expect(Set(changes.map(\.path)) == ["日本/é.json", "x\u{FFFD}"])
        #expect(changes.first { $0.path == "x\u{FFFD}" }?.newSize == 3)
    }
}
