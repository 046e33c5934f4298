import CMLBotCore
import Foundation
import Testing
import TestSupport
@testable import CMLBotGit

/// Names and revisions come from pull requests and configuration files: they are untrusted.
@Suite("Hostile names and revisions")
struct HostileInputTests {
    @Test func nulBytesInPathsNameNothing() throws {
        let m = try MixedRepository()
        let git = try openRepository(m.repo)
        let tree = try commitTree(git)
        let workspace = try git.workspace()
        for fileTree in [tree, workspace] as [FileTree] {
            // C would see "README.md" and read it; the caller asked for something else.
            #expect(try fileTree.entry(at: "README.md\0.json") == nil, "\(fileTree.label)")
            #expect(fileTreeError { try fileTree.readFile("README.md\0.json") }
                == .notFound(path: "README.md\0.json", revision: fileTree.label))
            #expect(try fileTree.files(under: "metrics\0") == [], "\(fileTree.label)")
            #expect(try fileTree.files(under: ".git\0") == [], "\(fileTree.label)")
            #expect(try fileTree.entry(at: ".git\0/config") == nil, "\(fileTree.label)")
        }
    }

    @Test func nulBytesInRevisions() throws {
        let h = try History()
        let git = try openRepository(h.repo)
        guard case .invalidRevisionSyntax(_, let reason)? = gitError({ try git.resolveCommit("main\0feature") }) else {
            Issue.record("expected invalidRevisionSyntax")
            return
        }
        #expect(reason.contains("NUL"))
    }

    @Test func threeWayDotsAreRejected() throws {
        let h = try History()
        let git = try openRepository(h.repo)
        for spec in ["main...feature...HEAD", "main...feature..HEAD"] {
            guard case .invalidRevisionSyntax(let got, _)? = gitError({ try git.resolveCommit(spec) }) else {
                Issue.record("\(spec): expected invalidRevisionSyntax")
                continue
            }
            #expect(got == spec)
        }
    }

    @Test(arguments: ["", " ", "-", "^", "~", "@{", "@{-9}", "HEAD^{nonsense}", ":", ":/no commit says this",
                      "HEAD~99999999999999999999", "refs/", "main@{upstream}", "..", "...x", "\u{FFFD}", String(repeating: "a", count: 5000)])
    func oddRevisionsFailCleanly(_ spec: String) throws {
        let h = try History()
        let git = try openRepository(h.repo)
        do {
            let id = try git.resolveCommit(spec)
            Issue.record("'\(spec)' resolved to \(id)")
        } catch let error as GitError {
            #expect(!error.message.isEmpty)
        }
    }

    @Test func craftedTreeEntriesNoCheckoutCouldHold() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["ok.txt": "ok\n"])
        let blob = try repo.git("rev-parse", "HEAD:ok.txt")
        // git mktree accepts these names; git fsck and git checkout refuse them.
        let listing = ["..", ".", ".git", ".GIT", ".Git", "ok.txt", "...", ".gitignore"]
            .map { "100644 blob \(blob)\t\($0)" }.joined(separator: "\n") + "\n"
        let tree = String(decoding: try gitRaw(["mktree"], in: repo.path, stdin: Data(listing.utf8)), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let commit = String(decoding: try gitRaw(["commit-tree", tree, "-m", "crafted"], in: repo.path), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try repo.git("tag", "crafted", commit)
        let git = try openRepository(repo)
        let crafted = try commitTree(git, "crafted")
        #expect(try crafted.filePaths(under: "") == ["...", ".gitignore", "ok.txt"])
        #expect(try crafted.entry(at: ".git") == nil)
        #expect(try crafted.entry(at: ".GIT") == nil)
        #expect(fileTreeError { try crafted.readFile(".Git") } == .notFound(path: ".Git", revision: "crafted"))
        #expect(try crafted.readFile("...") == Data("ok\n".utf8))
        #expect(try crafted.entry(at: ".gitignore")?.kind == .file)
    }

    @Test func symlinkLoopsInTheWorkspace() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["a.txt": "a"])
        try makeSymlink("loop-b", at: repo.path + "/loop-a")
        try makeSymlink("loop-a", at: repo.path + "/loop-b")
        try makeSymlink(".", at: repo.path + "/self")
        let workspace = try openRepository(repo).workspace()
        #expect(try workspace.entry(at: "loop-a")?.kind == .symlink)
        #expect(fileTreeError { try workspace.readFile("loop-a") } == .notAFile(path: "loop-a", revision: "workspace"))
        #expect(try workspace.entry(at: "self")?.kind == .symlink)
        // Through the self-link: a real directory inside the checkout, so the file is there.
        #expect(try workspace.readFile("self/self/a.txt") == Data("a".utf8))
        #expect(try workspace.filePaths(under: "") == ["a.txt", "loop-a", "loop-b", "self"])
        #expect(try workspace.files(under: "self") == [])
    }
}
