import CMLBotCore
import Foundation
import Testing
import TestSupport
@testable import CMLBotGit

/// A repository with every kind of tree entry and some awkward contents.
struct MixedRepository {
    let repo: GitRepoBuilder
    let binary = binaryBytes(count: 300_000)
    let nulText = Data("key\0value\0\0end\n".utf8)
    let submoduleCommit = "1234567890abcdef1234567890abcdef12345678"

    init() throws {
        repo = try GitRepoBuilder()
        try repo.write("README.md", "# readme\n")
        try repo.write("metrics/train.json", "{\"loss\": 0.25}\n")
        try repo.write("metrics/eval/scores.json", "{\"acc\": 0.9}\n")
        try repo.write("data/model.bin", binary)
        try repo.write("data/nul.txt", nulText)
        try repo.write("empty.txt", "")
        try repo.write("run.sh", "#!/bin/sh\necho hi\n")
        #expect(chmod(repo.path + "/run.sh", 0o755) == 0)
        try makeSymlink("metrics/train.json", at: repo.path + "/link.json")
        try makeSymlink("metrics", at: repo.path + "/link-dir")
        try repo.git("add", "-A")
        // A gitlink (submodule entry) without a .gitmodules: a commit of another repository.
        try repo.git("update-index", "--add", "--cacheinfo", "160000,\(submoduleCommit),vendor/sub")
        try repo.git("commit", "-q", "-m", "mixed")
    }
}

@Suite("GitCommitTree entries and reads")
struct CommitTreeTests {
    @Test func entryKinds() throws {
        let m = try MixedRepository()
        let tree = try commitTree(try openRepository(m.repo))
        #expect(try tree.entry(at: "README.md")?.kind == .file)
        #expect(try tree.entry(at: "run.sh")?.kind == .file)
        #expect(try tree.entry(at: "metrics")?.kind == .directory)
        #expect(try tree.entry(at: "metrics/eval")?.kind == .directory)
        #expect(try tree.entry(at: "link.json")?.kind == .symlink)
        #expect(try tree.entry(at: "link-dir")?.kind == .symlink)
        #expect(try tree.entry(at: "vendor/sub")?.kind == .submodule)
        #expect(try tree.entry(at: "vendor/sub")?.size == 0)
        #expect(try tree.entry(at: "")?.kind == .directory)
        #expect(try tree.entry(at: "metrics")?.size == 0)
        #expect(try tree.entry(at: "metrics/train.json")?.path == "metrics/train.json")
    }

    @Test func entrySizesMatchTheBlobs() throws {
        let m = try MixedRepository()
        let tree = try commitTree(try openRepository(m.repo))
        for path in ["README.md", "metrics/train.json", "data/model.bin", "data/nul.txt", "empty.txt", "run.sh", "link.json"] {
            let expected = try catFileSize(m.repo, "HEAD:\(path)")
            #expect(try tree.entry(at: path)?.size == expected, "\(path)")
        }
        #expect(try tree.entry(at: "data/model.bin")?.size == 300_000)
        // A symlink's blob is its target path.
        #expect(try tree.entry(at: "link.json")?.size == Int64("metrics/train.json".utf8.count))
    }

    @Test func readFileBytesAreExact() throws {
        let m = try MixedRepository()
        let tree = try commitTree(try openRepository(m.repo))
        #expect(try tree.readFile("data/model.bin") == m.binary)
        #expect(try tree.readFile("data/nul.txt") == m.nulText)
        #expect(try tree.readFile("empty.txt") == Data())
        #expect(try tree.readFile("README.md") == Data("# readme\n".utf8))
        for path in ["data/model.bin", "data/nul.txt", "metrics/eval/scores.json", "run.sh"] {
            #expect(try tree.readFile(path) == catFileBlob(m.repo, "HEAD:\(path)"), "\(path)")
        }
    }

    @Test func readsTheCommitNotTheWorkingDirectory() throws {
        let m = try MixedRepository()
        try m.repo.write("README.md", "changed on disk\n")
        try m.repo.remove("metrics/train.json")
        let tree = try commitTree(try openRepository(m.repo))
        #expect(try tree.readFile("README.md") == Data("# readme\n".utf8))
        #expect(try tree.entry(at: "metrics/train.json")?.kind == .file)
    }

    @Test func olderRevisionsAreReadable() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("one", files: ["m.json": "1"])
        try repo.commit("two", files: ["m.json": "22"])
        let git = try openRepository(repo)
        let old = try commitTree(git, "HEAD~1"), new = try commitTree(git, "HEAD")
        #expect(old.label == "HEAD~1")
        #expect(old.commit == (try git.resolveCommit("HEAD~1")))
        #expect(try old.readFile("m.json") == Data("1".utf8))
        #expect(try new.readFile("m.json") == Data("22".utf8))
        #expect(try old.entry(at: "m.json")?.size == 1)
        #expect(try new.entry(at: "m.json")?.size == 2)
    }

    @Test func missingPaths() throws {
        let m = try MixedRepository()
        let tree = try commitTree(try openRepository(m.repo))
        #expect(try tree.entry(at: "nope.txt") == nil)
        #expect(try tree.entry(at: "metrics/nope.json") == nil)
        #expect(try tree.entry(at: "nope/deeper/file") == nil)
        // Through a file or a submodule: not found, not an error.
        #expect(try tree.entry(at: "README.md/x") == nil)
        #expect(try tree.entry(at: "vendor/sub/file") == nil)
        #expect(fileTreeError { try tree.readFile("nope.txt") } == .notFound(path: "nope.txt", revision: "HEAD"))
        #expect(fileTreeError { try tree.readFile("metrics/nope.json") } == .notFound(path: "metrics/nope.json", revision: "HEAD"))
        #expect(fileTreeError { try tree.readFile("README.md/x") } == .notFound(path: "README.md/x", revision: "HEAD"))
        let message = FileTreeError.notFound(path: "nope.txt", revision: "HEAD").message
        #expect(message == "nope.txt does not exist at HEAD")
    }

    @Test func readingSomethingThatIsNotAFile() throws {
        let m = try MixedRepository()
        let tree = try commitTree(try openRepository(m.repo))
        #expect(fileTreeError { try tree.readFile("metrics") } == .notAFile(path: "metrics", revision: "HEAD"))
        #expect(fileTreeError { try tree.readFile("metrics/") } == .notAFile(path: "metrics", revision: "HEAD"))
        #expect(fileTreeError { try tree.readFile("vendor/sub") } == .notAFile(path: "vendor/sub", revision: "HEAD"))
        #expect(fileTreeError { try tree.readFile("link.json") } == .notAFile(path: "link.json", revision: "HEAD"))
        // The root is a directory too, not an invalid name.
        #expect(fileTreeError { try tree.readFile("") } == .notAFile(path: "", revision: "HEAD"))
        #expect(fileTreeError { try tree.readFile(".") } == .notAFile(path: "", revision: "HEAD"))
    }

    @Test func pathNormalisation() throws {
        let m = try MixedRepository()
        let tree = try commitTree(try openRepository(m.repo))
        let expected = Data("{\"loss\": 0.25}\n".utf8)
        for spelling in ["./metrics/train.json", "metrics//train.json", "metrics/./train.json",
                         "metrics/eval/../train.json", "data/../metrics/train.json", "/metrics/train.json", "metrics/train.json/"] {
            #expect(try tree.readFile(spelling) == expected, "\(spelling)")
            #expect(try tree.entry(at: spelling)?.path == "metrics/train.json", "\(spelling)")
        }
        #expect(try tree.entry(at: ".")?.kind == .directory)
        #expect(try tree.entry(at: "metrics/..")?.path == "")
    }

    @Test func escapingAboveTheRoot() throws {
        let m = try MixedRepository()
        let tree = try commitTree(try openRepository(m.repo))
        for spelling in ["..", "../README.md", "metrics/../../README.md", "./../x"] {
            #expect(try tree.entry(at: spelling) == nil, "\(spelling)")
            #expect(try tree.files(under: spelling) == [], "\(spelling)")
            #expect(try tree.filePaths(under: spelling) == [], "\(spelling)")
            #expect(fileTreeError { try tree.readFile(spelling) } == .notFound(path: spelling, revision: "HEAD"), "\(spelling)")
        }
    }

    @Test func labelAppearsInErrors() throws {
        let m = try MixedRepository()
        let git = try openRepository(m.repo)
        let tree = try git.tree(of: git.resolveCommit("main"), label: "origin/main")
        #expect(tree.label == "origin/main")
        let error = fileTreeError { try tree.readFile("gone.json") }
        #expect(error?.message == "gone.json does not exist at origin/main")
    }

    @Test func treeOutlivesLocalRepositoryReference() throws {
        let m = try MixedRepository()
        // The tree keeps its repository alive: a caller may drop the repository first.
        let tree = try commitTree(try openRepository(m.repo))
        #expect(try tree.readFile("README.md") == Data("# readme\n".utf8))
    }

    @Test func emptyCommitTree() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("empty")
        let tree = try commitTree(try openRepository(repo))
        #expect(try tree.files(under: "") == [])
        #expect(try tree.entry(at: "")?.kind == .directory)
        #expect(try tree.entry(at: "x") == nil)
    }
}
