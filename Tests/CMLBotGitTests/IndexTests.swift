import CMLBotCore
import Foundation
import Testing
import TestSupport
@testable import CMLBotGit

@Suite("Staged changes and the index")
struct IndexTests {
    /// `git ls-files -s -z` with blob sizes: the oracle for `indexEntries()`.
    func gitIndex(_ repo: GitRepoBuilder) throws -> [FileTreeEntry] {
        let data = try gitRaw(["ls-files", "-s", "-z"], in: repo.path)
        var out: [FileTreeEntry] = []
        for record in data.split(separator: 0) {
            let bytes = Array(record)
            guard let tab = bytes.firstIndex(of: UInt8(ascii: "\t")) else { continue }
            let meta = String(decoding: bytes[..<tab], as: UTF8.self).split(separator: " ")
            let path = String(decoding: bytes[(tab + 1)...], as: UTF8.self)
            switch meta[0] {
            case "160000": out.append(FileTreeEntry(path: path, kind: .submodule))
            case "120000": out.append(FileTreeEntry(path: path, kind: .symlink, size: try catFileSize(repo, String(meta[1]))))
            default: out.append(FileTreeEntry(path: path, kind: .file, size: try catFileSize(repo, String(meta[1]))))
            }
        }
        return out
    }

    @Test func beforeTheFirstCommit() throws {
        let repo = try GitRepoBuilder()
        try repo.write("a.txt", "alpha\n")
        try repo.write("dir/b.bin", binaryBytes(count: 1000))
        try repo.write("untracked.txt", "not staged\n")
        try repo.git("add", "a.txt", "dir/b.bin")
        let git = try openRepository(repo)
        #expect(gitError { try git.resolveCommit("HEAD") } == .unknownRevision("HEAD", shallow: false))
        let changes = try git.diffIndex(against: nil)
        #expect(changes.map(\.path) == ["a.txt", "dir/b.bin"])
        #expect(changes.allSatisfy { $0.status == .added && $0.oldSize == 0 && $0.oldID == nil })
        #expect(changes.map(\.newSize) == [6, 1000])
        #expect(changes[0].newID == (try repo.git("rev-parse", ":a.txt")))
        let entries = try git.indexEntries()
        #expect(entries == [FileTreeEntry(path: "a.txt", kind: .file, size: 6), FileTreeEntry(path: "dir/b.bin", kind: .file, size: 1000)])
    }

    @Test func stagedChangesAgainstHEAD() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: [
            "keep.txt": "keep\n", "gone.txt": "gone\n", "edit.txt": "v1\n", "unstaged.txt": "u1\n",
            "old-name.txt": String(repeating: "stable content\n", count: 20),
        ])
        try repo.write("new.txt", "new file\n")
        try repo.git("add", "new.txt")
        try repo.git("rm", "-q", "gone.txt")
        try repo.write("edit.txt", "v2, staged\n")
        try repo.git("add", "edit.txt")
        try repo.git("mv", "old-name.txt", "new-name.txt")
        try repo.write("unstaged.txt", "u2, not staged\n")
        try repo.write("untracked.txt", "never added\n")
        let git = try openRepository(repo)
        let changes = try git.diffIndex(against: commitTree(git))
        let byPath = changesByPath(changes)
        #expect(Set(byPath.keys) == ["new.txt", "gone.txt", "edit.txt", "new-name.txt"])
        #expect(byPath["new.txt"]?.status == .added)
        #expect(byPath["new.txt"]?.newSize == 9)
        #expect(byPath["gone.txt"]?.status == .deleted)
        #expect(byPath["gone.txt"]?.oldSize == 5)
        #expect(byPath["edit.txt"]?.status == .modified)
        #expect(byPath["edit.txt"]?.oldSize == 3)
        #expect(byPath["edit.txt"]?.newSize == 11)
        #expect(byPath["new-name.txt"]?.status == .renamed)
        #expect(byPath["new-name.txt"]?.oldPath == "old-name.txt")
        #expect(byPath["new-name.txt"]?.similarity == 100)

        let entries = try git.indexEntries()
        #expect(entries == (try gitIndex(repo)))
        #expect(entries.map(\.path) == ["edit.txt", "keep.txt", "new-name.txt", "new.txt", "unstaged.txt"])
        // The index holds the staged blob, not what is on disk now.
        #expect(entries.first { $0.path == "unstaged.txt" }?.size == 3)
    }

    @Test func nothingStagedIsNoChange() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["a.txt": "a\n"])
        try repo.write("a.txt", "modified but not staged\n")
        let git = try openRepository(repo)
        #expect(try git.diffIndex(against: commitTree(git)) == [])
    }

    @Test func symlinksSubmodulesAndTypeChangesInTheIndex() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["target.txt": "target\n", "becomes-link": "a file\n"])
        try makeSymlink("target.txt", at: repo.path + "/link")
        try repo.remove("becomes-link")
        try makeSymlink("target.txt", at: repo.path + "/becomes-link")
        try repo.git("add", "-A")
        try repo.git("update-index", "--add", "--cacheinfo", "160000,1234567890abcdef1234567890abcdef12345678,sub")
        let git = try openRepository(repo)
        let entries = try git.indexEntries()
        #expect(entries == (try gitIndex(repo)))
        #expect(entries.first { $0.path == "link" } == FileTreeEntry(path: "link", kind: .symlink, size: 10))
        #expect(entries.first { $0.path == "sub" } == FileTreeEntry(path: "sub", kind: .submodule))
        let changes = try git.diffIndex(against: commitTree(git))
        let byPath = changesByPath(changes)
        #expect(byPath["becomes-link"]?.status == .typeChanged)
        #expect(byPath["link"]?.status == .added)
        #expect(byPath["sub"]?.status == .added)
        #expect(byPath["sub"]?.newSize == 0)
    }

    @Test func indexChangesAfterOpeningAreSeen() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["a.txt": "a\n"])
        let git = try openRepository(repo)
        #expect(try git.indexEntries().map(\.path) == ["a.txt"])
        #expect(try git.diffIndex(against: commitTree(git)) == [])
        try repo.write("b.txt", "b\n")
        try repo.git("add", "b.txt")
        // The same repository handle must not answer from a stale copy of the index.
        #expect(try git.indexEntries().map(\.path) == ["a.txt", "b.txt"])
        #expect(try git.diffIndex(against: commitTree(git)).map(\.path) == ["b.txt"])
        try repo.git("rm", "-q", "--cached", "a.txt")
        #expect(try git.indexEntries().map(\.path) == ["b.txt"])
    }

    @Test func conflictedPathsHaveNoStagedVersion() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["c.txt": "base\n", "other.txt": "o\n"])
        try repo.git("checkout", "-q", "-b", "theirs")
        try repo.commit("theirs", files: ["c.txt": "their side, longer\n"])
        try repo.git("checkout", "-q", "main")
        try repo.commit("ours", files: ["c.txt": "our side\n"])
        let merge = try Shell.run("git", ["merge", "-q", "theirs"], in: repo.path, environment: GitRepoBuilder.environment)
        #expect(merge.status != 0)
        let stages = try repo.git("ls-files", "-s", "c.txt").split(separator: "\n")
        #expect(stages.count == 3)
        let git = try openRepository(repo)
        // Not listed three times (base, ours, theirs): not listed at all until resolved, since
        // git cannot commit an unmerged path.
        #expect(try git.indexEntries().map(\.path) == ["other.txt"])
        try repo.write("c.txt", "resolved\n")
        try repo.git("add", "c.txt")
        #expect(try git.indexEntries() == [
            FileTreeEntry(path: "c.txt", kind: .file, size: 9), FileTreeEntry(path: "other.txt", kind: .file, size: 2),
        ])
    }

    @Test func bareRepositoryHasAnEmptyIndex() throws {
        let source = try GitRepoBuilder()
        try source.commit("first", files: ["a.txt": "a\n"])
        let bare = try clone(source, ["--bare"])
        let git = try openRepository(bare)
        #expect(try git.indexEntries() == [])
    }
}
