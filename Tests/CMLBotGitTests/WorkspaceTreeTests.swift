import CMLBotCore
import Foundation
import Testing
import TestSupport
@testable import CMLBotGit

@Suite("WorkspaceTree")
struct WorkspaceTreeTests {
    /// Committed files, uncommitted edits, ignored and tool directories.
    func makeWorkspace() throws -> GitRepoBuilder {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: [
            ".gitignore": "node_modules/\n/build/\n*.log\n",
            "metrics.json": "{\"loss\": 1}\n",
            "src/train.py": "print('train')\n",
            ".dvc/config": "[core]\n",
        ])
        try repo.write("metrics.json", "{\"loss\": 0.5}\n")          // modified, not committed
        try repo.write("new/untracked.csv", "a,b\n1,2\n")            // untracked
        try repo.write("node_modules/pkg/index.js", "module.exports = 1\n")
        try repo.write("src/node_modules/deep/x.js", "x\n")
        try repo.write("build/out.bin", "binary\n")
        try repo.write("train.log", "epoch 1\n")                     // an ignored file, not a directory
        try repo.write(".dvc/cache/ab/cdef", "cached\n")
        try repo.write(".dvc/tmp/lock", "")
        return repo
    }

    @Test func readsUncommittedFiles() throws {
        let repo = try makeWorkspace()
        let workspace = try openRepository(repo).workspace()
        #expect(workspace.label == "workspace")
        #expect(workspace.root == repo.path)
        #expect(try workspace.readFile("metrics.json") == Data("{\"loss\": 0.5}\n".utf8))
        #expect(try workspace.readFile("new/untracked.csv") == Data("a,b\n1,2\n".utf8))
        #expect(try workspace.entry(at: "metrics.json") == FileTreeEntry(path: "metrics.json", kind: .file, size: 14))
        #expect(try workspace.entry(at: "new")?.kind == .directory)
        #expect(try workspace.entry(at: "")?.kind == .directory)
        #expect(try workspace.entry(at: "./src/../metrics.json")?.path == "metrics.json")
    }

    @Test func walkSkipsGitDvcAndIgnoredDirectories() throws {
        let repo = try makeWorkspace()
        let workspace = try openRepository(repo).workspace()
        let paths = try workspace.filePaths(under: "")
        #expect(paths == [".gitignore", "metrics.json", "new/untracked.csv", "src/train.py", "train.log"])
        let files = try workspace.files(under: "")
        #expect(files.first { $0.path == "new/untracked.csv" }?.size == 8)
        #expect(files.allSatisfy { $0.kind == .file })
    }

    @Test func ignoredFilesAreStillReadableByPath() throws {
        let repo = try makeWorkspace()
        let workspace = try openRepository(repo).workspace()
        #expect(try workspace.readFile("node_modules/pkg/index.js") == Data("module.exports = 1\n".utf8))
        #expect(try workspace.entry(at: "node_modules/pkg/index.js")?.size == 19)
        #expect(try workspace.entry(at: "node_modules")?.kind == .directory)
        #expect(try workspace.readFile("build/out.bin") == Data("binary\n".utf8))
        #expect(try workspace.readFile(".dvc/config") == Data("[core]\n".utf8))
        // A walk that starts inside an ignored directory lists it.
        #expect(try workspace.filePaths(under: "node_modules") == ["node_modules/pkg/index.js"])
        #expect(try workspace.filePaths(under: "src") == ["src/train.py"])
    }

    @Test func gitDirectoryIsNotPartOfTheWorkspace() throws {
        let repo = try makeWorkspace()
        let workspace = try openRepository(repo).workspace()
        // Attacker-controlled configuration could name .git/config as a metrics file; its remote
        // URL may hold a token. It is not a workspace file.
        #expect(try workspace.entry(at: ".git/config") == nil)
        #expect(try workspace.entry(at: ".git") == nil)
        #expect(try workspace.entry(at: "src/../.git/HEAD") == nil)
        #expect(fileTreeError { try workspace.readFile(".git/config") } == .notFound(path: ".git/config", revision: "workspace"))
        #expect(try workspace.files(under: ".git") == [])
    }

    @Test func symlinks() throws {
        let repo = try makeWorkspace()
        try makeSymlink("metrics.json", at: repo.path + "/link.json")
        try makeSymlink("src", at: repo.path + "/link-dir")
        try makeSymlink("does-not-exist", at: repo.path + "/dangling")
        let workspace = try openRepository(repo).workspace()
        // A symlink to a file reads as the file.
        #expect(try workspace.entry(at: "link.json") == FileTreeEntry(path: "link.json", kind: .file, size: 14))
        #expect(try workspace.readFile("link.json") == Data("{\"loss\": 0.5}\n".utf8))
        #expect(try workspace.entry(at: "link-dir")?.kind == .symlink)
        #expect(try workspace.entry(at: "dangling")?.kind == .symlink)
        #expect(fileTreeError { try workspace.readFile("dangling") } == .notAFile(path: "dangling", revision: "workspace"))
        let paths = try workspace.filePaths(under: "")
        #expect(paths.contains("link.json"))
        // Symlinked directories are not followed (no loops, no walking out of the repository).
        #expect(!paths.contains { $0.hasPrefix("link-dir/") })
        #expect(try workspace.files(under: "link-dir") == [])
    }

    @Test func symlinksLeavingTheRepositoryAreNotFollowed() throws {
        let repo = try makeWorkspace()
        let outside = try TemporaryDirectory("cmlbot-outside")
        try Data("secret\n".utf8).write(to: URL(fileURLWithPath: outside.path + "/secret.txt"))
        try makeSymlink(outside.path + "/secret.txt", at: repo.path + "/abs-secret.json")
        try makeSymlink("../" + RepoPath.fileName(outside.path) + "/secret.txt", at: repo.path + "/rel-secret.json")
        try makeSymlink(outside.path, at: repo.path + "/outside-dir")
        try makeSymlink(".git/config", at: repo.path + "/config.json")
        let workspace = try openRepository(repo).workspace()
        for path in ["abs-secret.json", "rel-secret.json", "config.json"] {
            #expect(try workspace.entry(at: path)?.kind == .symlink, "\(path)")
            #expect(fileTreeError { try workspace.readFile(path) } == .notAFile(path: path, revision: "workspace"), "\(path)")
        }
        // Through a symlinked directory.
        #expect(try workspace.entry(at: "outside-dir/secret.txt") == nil)
        #expect(fileTreeError { try workspace.readFile("outside-dir/secret.txt") } == .notFound(path: "outside-dir/secret.txt", revision: "workspace"))
        #expect(try workspace.files(under: "outside-dir") == [])
        let paths = try workspace.filePaths(under: "")
        #expect(!paths.contains { $0.contains("secret.txt") })
    }

    @Test func missingAndNonFiles() throws {
        let repo = try makeWorkspace()
        let workspace = try openRepository(repo).workspace()
        #expect(try workspace.entry(at: "nope") == nil)
        #expect(try workspace.entry(at: "metrics.json/x") == nil)
        #expect(fileTreeError { try workspace.readFile("nope.json") } == .notFound(path: "nope.json", revision: "workspace"))
        #expect(fileTreeError { try workspace.readFile("src") } == .notAFile(path: "src", revision: "workspace"))
        #expect(fileTreeError { try workspace.readFile("") } == .notAFile(path: "", revision: "workspace"))
        #expect(try workspace.files(under: "metrics.json") == [])
        #expect(try workspace.files(under: "nope") == [])
        // A FIFO is neither listed nor opened (reading it would block).
        #expect(mkfifo(repo.path + "/pipe", 0o644) == 0)
        #expect(try workspace.entry(at: "pipe") == nil)
        #expect(!(try workspace.filePaths(under: "")).contains("pipe"))
    }

    @Test func escapingAboveTheRoot() throws {
        let repo = try makeWorkspace()
        let workspace = try openRepository(repo).workspace()
        for spelling in ["..", "../x", "src/../../metrics.json"] {
            #expect(try workspace.entry(at: spelling) == nil, "\(spelling)")
            #expect(try workspace.files(under: spelling) == [], "\(spelling)")
            #expect(fileTreeError { try workspace.readFile(spelling) } == .notFound(path: spelling, revision: "workspace"))
        }
    }

    @Test func byteOrderAndOddNames() throws {
        let repo = try GitRepoBuilder()
        let names = ["a-b", "a/x", "a0", "A", "données/é.json", "日本/語.txt", "with space", "new\nline", "e\u{301}"]
        for name in names { try repo.write(name, name) }
        try createFile(rawName: [0x62, 0x61, 0x64, 0xFF], in: repo.path, contents: Array("raw".utf8))
        let workspace = try openRepository(repo).workspace()
        let files = try workspace.files(under: "")
        let paths = files.map(\.path)
        #expect(isSortedByBytes(paths))
        #expect(Set(paths.map { Array($0.utf8) }) == Set((names + ["bad\u{FFFD}"]).map { Array($0.utf8) }))
        for name in names {
            #expect(try workspace.readFile(name) == Data(name.utf8), "\(name)")
        }
        #expect(files.first { $0.path == "bad\u{FFFD}" }?.size == 3)
    }

    @Test func worksWithoutARepository() throws {
        let dir = try TemporaryDirectory("cmlbot-plain")
        let workspace = WorkspaceTree(root: dir.path)
        try FileManager.default.createDirectory(atPath: dir.path + "/.git/objects", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir.path + "/.git/HEAD"))
        try FileManager.default.createDirectory(atPath: dir.path + "/node_modules", withIntermediateDirectories: true)
        try Data("y".utf8).write(to: URL(fileURLWithPath: dir.path + "/node_modules/y.js"))
        try Data("z".utf8).write(to: URL(fileURLWithPath: dir.path + "/z.txt"))
        // No repository: nothing is known to be ignored, but .git is still skipped.
        #expect(try workspace.filePaths(under: "") == ["node_modules/y.js", "z.txt"])
    }

    @Test func nestedRepositoriesAndDvcDirectoriesBelowTheRoot() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["a.txt": "a"])
        try repo.write("nested/.git/HEAD", "ref: refs/heads/main\n")
        try repo.write("nested/file.txt", "n")
        try repo.write("sub/.dvc/config", "[core]\n")
        try repo.write("sub/.dvc/cache/00/11", "c")
        try repo.write("sub/dvc.yaml", "stages: {}\n")
        let workspace = try openRepository(repo).workspace()
        let paths = try workspace.filePaths(under: "")
        #expect(paths == ["a.txt", "nested/file.txt", "sub/dvc.yaml"])
    }
}

@Suite("WorkspaceTree in a linked worktree")
struct LinkedWorktreeWorkspaceTests {
    @Test func mainRepositoryGitDirectoryIsOffLimits() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("first", files: ["a.txt": "a\n"])
        let holder = try TemporaryDirectory("cmlbot-worktree")
        let worktree = holder.path + "/wt"
        try repo.git("worktree", "add", "-q", "-b", "feature", worktree)
        // A symlink into the main repository's .git (config holds remotes, maybe credentials).
        try makeSymlink(repo.path + "/.git/config", at: worktree + "/config.json")
        // And one to a file of the main checkout, which is outside this worktree.
        try makeSymlink(repo.path + "/a.txt", at: worktree + "/main-a.txt")
        let workspace = try LibGit2Repository(discoveringFrom: worktree).workspace()
        #expect(try workspace.entry(at: "config.json")?.kind == .symlink)
        #expect(try workspace.entry(at: "main-a.txt")?.kind == .symlink)
        #expect(try workspace.entry(at: ".git") == nil)
        #expect(try workspace.filePaths(under: "") == ["a.txt", "config.json", "main-a.txt"])
    }
}
