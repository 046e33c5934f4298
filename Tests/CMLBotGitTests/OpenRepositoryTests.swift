import CMLBotCore
import Foundation
import Testing
import TestSupport
@testable import CMLBotGit

@Suite("Opening repositories")
struct OpenRepositoryTests {
    @Test func opensFromTheRoot() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("first", files: ["a.txt": "a\n"])
        let git = try openRepository(repo)
        #expect(git.workdir == repo.path)
        #expect(git.gitDir == repo.path + "/.git")
        #expect(!git.isBare)
        #expect(!git.isShallow)
        #expect(git.currentBranch == "main")
        #expect(git.relativePath(of: repo.path) == "")
    }

    @Test func opensFromANestedSubdirectory() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("first", files: ["a/b/c/file.txt": "x\n"])
        let nested = repo.path + "/a/b"
        let git = try LibGit2Repository(discoveringFrom: nested)
        #expect(git.workdir == repo.path)
        #expect(git.relativePath(of: nested) == "a/b")
        #expect(git.relativePath(of: nested + "/c/file.txt") == "a/b/c/file.txt")
        #expect(git.relativePath(of: nested + "/") == "a/b")
        #expect(git.relativePath(of: repo.path + "/a/./b/../b") == "a/b")
        // A path that does not exist yet is still inside the repository.
        #expect(git.relativePath(of: repo.path + "/not/yet") == "not/yet")
    }

    @Test func relativePathOutsideTheRepositoryIsNil() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("first")
        let git = try openRepository(repo)
        #expect(git.relativePath(of: "/") == nil)
        #expect(git.relativePath(of: RepoPath.parent(repo.path)) == nil)
        // A sibling whose name merely starts with the repository's name is outside.
        #expect(git.relativePath(of: repo.path + "x") == nil)
        #expect(git.relativePath(of: repo.path + "-sibling/file") == nil)
        #expect(git.relativePath(of: repo.path + "/..") == nil)
    }

    @Test func relativePathResolvesSymlinksToTheRepository() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("first", files: ["sub/a.txt": "a\n"])
        let links = try TemporaryDirectory("cmlbot-links")
        try makeSymlink(repo.path, at: links.path + "/checkout")
        let git = try LibGit2Repository(discoveringFrom: links.path + "/checkout/sub")
        #expect(git.workdir == repo.path)
        #expect(git.relativePath(of: links.path + "/checkout/sub") == "sub")
    }

    @Test func relativePathWithUnicodeDirectoryNames() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("first", files: ["données/日本/a.txt": "a\n"])
        let git = try LibGit2Repository(discoveringFrom: repo.path + "/données/日本")
        #expect(git.relativePath(of: repo.path + "/données/日本") == "données/日本")
    }

    @Test func notARepository() throws {
        let dir = try TemporaryDirectory("cmlbot-plain")
        let error = gitError { try LibGit2Repository(discoveringFrom: dir.path) }
        #expect(error == .notARepository(path: dir.path))
        #expect(error?.kind == .operational)
        #expect(error?.message.contains("not a git repository") == true)
        #expect(error?.message.contains(dir.path) == true)
    }

    @Test func missingDirectoryIsNotARepository() throws {
        let dir = try TemporaryDirectory("cmlbot-plain")
        let missing = dir.path + "/does/not/exist"
        #expect(gitError { try LibGit2Repository(discoveringFrom: missing) } == .notARepository(path: missing))
    }

    @Test func bareRepositoryHasNoWorkspace() throws {
        let source = try GitRepoBuilder()
        let first = try source.commit("first", files: ["a.txt": "a\n"])
        let bare = try clone(source, ["--bare"])
        let git = try openRepository(bare)
        #expect(git.isBare)
        #expect(git.workdir == nil)
        #expect(git.gitDir == bare.path)
        #expect(git.relativePath(of: bare.path) == nil)
        let error = gitError { try git.workspace() }
        #expect(error == .bareRepository(path: bare.path))
        #expect(error?.message.contains("bare repository") == true)
        // Revisions and trees still work without a workspace.
        #expect(try git.resolveCommit("main").hex == first)
        #expect(try String(decoding: commitTree(git, "main").readFile("a.txt"), as: UTF8.self) == "a\n")
    }

    @Test func linkedWorktreeOpensWithItsOwnWorkdir() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("first", files: ["a.txt": "a\n"])
        let holder = try TemporaryDirectory("cmlbot-worktree")
        let worktree = holder.path + "/wt"
        try repo.git("worktree", "add", "-q", "-b", "feature", worktree)
        try Data("changed\n".utf8).write(to: URL(fileURLWithPath: worktree + "/a.txt"))
        let git = try LibGit2Repository(discoveringFrom: worktree)
        #expect(git.workdir == worktree)
        #expect(git.currentBranch == "feature")
        #expect(git.relativePath(of: worktree) == "")
        let workspace = try git.workspace()
        #expect(try String(decoding: workspace.readFile("a.txt"), as: UTF8.self) == "changed\n")
        // The worktree's `.git` is a file pointing into the main repository: never listed.
        #expect(try workspace.filePaths(under: "") == ["a.txt"])
    }

    @Test func detachedHeadHasNoCurrentBranch() throws {
        let repo = try GitRepoBuilder()
        let first = try repo.commit("first")
        try repo.commit("second")
        try repo.git("checkout", "-q", "--detach", first)
        #expect(try openRepository(repo).currentBranch == nil)
    }

    @Test func unbornRepository() throws {
        let repo = try GitRepoBuilder()
        let git = try openRepository(repo)
        #expect(git.currentBranch == nil)
        #expect(gitError { try git.resolveCommit("HEAD") } == .unknownRevision("HEAD", shallow: false))
        #expect(try git.workspace().filePaths(under: "") == [])
    }

    @Test(.enabled(if: getuid() == 0, "needs root to give the repository to another user"))
    func repositoryOwnedBySomeoneElseSaysHowToFix() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("first")
        #expect(chown(repo.path, 4242, 4242) == 0)
        #expect(chown(repo.path + "/.git", 4242, 4242) == 0)
        defer { _ = chown(repo.path, 0, 0); _ = chown(repo.path + "/.git", 0, 0) }
        let error = gitError { try openRepository(repo) }
        #expect(error == .notOwnedByCurrentUser(path: repo.path))
        #expect(error?.message.contains("safe.directory") == true)
    }
}

@Suite("Object ids")
struct ObjectIDTests {
    @Test func hexShortAndEquality() throws {
        let repo = try GitRepoBuilder()
        let sha = try repo.commit("first")
        let git = try openRepository(repo)
        let id = try git.resolveCommit("HEAD")
        #expect(id.hex == sha)
        #expect(id.hex.count == 40)
        #expect(id.hex == id.hex.lowercased())
        #expect(id.short == String(sha.prefix(7)))
        #expect("\(id)" == sha)
        #expect(Set([id, try git.resolveCommit(sha)]).count == 1)
    }
}
