import CMLBotCore
import Foundation
import Testing
import TestSupport
@testable import CMLBotGit

@Suite("Shallow clones")
struct ShallowCloneTests {
    func expectShallowHint(_ error: GitError?, spec: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(error == .unknownRevision(spec, shallow: true), sourceLocation: sourceLocation)
        let message = error?.message ?? ""
        #expect(message.contains(spec), sourceLocation: sourceLocation)
        #expect(message.contains("shallow clone"), sourceLocation: sourceLocation)
        #expect(message.contains("fetch-depth: 0"), sourceLocation: sourceLocation)
        #expect(message.contains("GIT_DEPTH: 0"), sourceLocation: sourceLocation)
        #expect(message.contains("git fetch --unshallow"), sourceLocation: sourceLocation)
    }

    @Test func depthOneCloneNamesTheFix() throws {
        let h = try History()
        let shallow = try clone(h.repo, ["--depth", "1"])
        let git = try openRepository(shallow)
        #expect(git.isShallow)
        #expect(try git.resolveCommit("HEAD").hex == h.c4)
        #expect(try git.resolveCommit("origin/main").hex == h.c4)
        expectShallowHint(gitError { try git.resolveCommit("HEAD~1") }, spec: "HEAD~1")
        expectShallowHint(gitError { try git.resolveCommit("main^") }, spec: "main^")
        // --depth implies --single-branch: the other branch was never fetched.
        expectShallowHint(gitError { try git.resolveCommit("origin/feature") }, spec: "origin/feature")
        expectShallowHint(gitError { try git.resolveCommit("feature") }, spec: "feature")
        // An old commit named by SHA is missing too.
        expectShallowHint(gitError { try git.resolveCommit(h.c1) }, spec: h.c1)
        // The tip's tree is complete.
        let tree = try commitTree(git)
        #expect(try String(decoding: tree.readFile("a.txt"), as: UTF8.self) == "4\n")
    }

    @Test func mergeBaseBeyondTheShallowBoundary() throws {
        let h = try History()
        let shallow = try clone(h.repo, ["--depth", "1", "--no-single-branch"])
        let git = try openRepository(shallow)
        #expect(git.isShallow)
        #expect(try git.resolveCommit("origin/feature").hex == h.f2)
        let error = gitError { try git.resolveCommit("origin/main...origin/feature") }
        guard case .unknownRevision(let spec, let shallowFlag)? = error else {
            Issue.record("expected unknownRevision, got \(String(describing: error))")
            return
        }
        #expect(shallowFlag)
        #expect(spec.contains("origin/main...origin/feature"))
        #expect(error?.message.contains("fetch-depth: 0") == true)
    }

    @Test func deepEnoughCloneResolvesTheMergeBase() throws {
        let h = try History()
        let shallow = try clone(h.repo, ["--depth", "3", "--no-single-branch"])
        let git = try openRepository(shallow)
        #expect(git.isShallow)
        #expect(try git.resolveCommit("HEAD~2").hex == h.c2)
        #expect(try git.resolveCommit("origin/main...origin/feature").hex == h.c2)
    }

    @Test func unshallowedCloneIsNoLongerShallow() throws {
        let h = try History()
        let shallow = try clone(h.repo, ["--depth", "1"])
        try shallow.git("fetch", "-q", "--unshallow")
        let git = try openRepository(shallow)
        #expect(!git.isShallow)
        #expect(try git.resolveCommit("HEAD~3").hex == h.c1)
    }

    @Test func partialCloneReportsMissingBlobs() throws {
        let h = try History()
        try h.repo.git("config", "uploadpack.allowFilter", "true")
        let partial = try clone(h.repo, ["--filter=blob:none", "--no-checkout"])
        let git = try openRepository(partial)
        let tree = try commitTree(git, "origin/main")
        // The tree is there; its blobs are not.
        #expect(try tree.filePaths(under: "") == ["a.txt"])
        let error = gitError { try tree.readFile("a.txt") }
        guard case .missingObject(let what, let revision, let shallowFlag)? = error else {
            Issue.record("expected missingObject, got \(String(describing: error))")
            return
        }
        #expect(what.contains("a.txt"))
        #expect(revision == "origin/main")
        #expect(!shallowFlag)
        #expect(error?.message.contains("not in the object database") == true)
    }
}

@Suite("Shallow merge-bases agree with git")
struct ShallowMergeBaseTests {
    /// c1 ── c2 ── m ── c4      main (m merges f1)
    ///         \   /
    ///          f1 ── f2        feature
    func mergedHistory() throws -> (repo: GitRepoBuilder, f1: String) {
        let repo = try GitRepoBuilder()
        try repo.commit("c1", files: ["a.txt": "1\n"])
        try repo.commit("c2", files: ["a.txt": "2\n"])
        try repo.git("checkout", "-q", "-b", "feature")
        let f1 = try repo.commit("f1", files: ["f.txt": "f1\n"])
        try repo.git("checkout", "-q", "main")
        try repo.git("merge", "-q", "--no-ff", "-m", "m", "feature")
        try repo.commit("c4", files: ["a.txt": "4\n"])
        try repo.git("checkout", "-q", "feature")
        try repo.commit("f2", files: ["f.txt": "f2\n"])
        try repo.git("checkout", "-q", "main")
        return (repo, f1)
    }

    @Test(arguments: [2, 3, 4, 10])
    func mergeBaseMatchesGitAtEveryDepth(_ depth: Int) throws {
        let (source, f1) = try mergedHistory()
        let shallow = try clone(source, ["--depth", "\(depth)", "--no-single-branch"])
        let git = try openRepository(shallow)
        let cli = try Shell.run("git", ["merge-base", "origin/main", "origin/feature"], in: shallow.path, environment: GitRepoBuilder.environment)
        if cli.status == 0 {
            let expected = cli.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(expected == f1)
            #expect(try git.resolveCommit("origin/main...origin/feature").hex == expected)
            #expect(try git.resolveCommit("origin/feature...origin/main").hex == expected)
        } else {
            // git finds no merge-base within this depth either: say it is the shallow clone's fault.
            #expect(gitError { try git.resolveCommit("origin/main...origin/feature") }
                == .unknownRevision("merge-base of origin/main...origin/feature", shallow: true))
        }
    }
}
