import CMLBotCore
import Foundation
import Testing
import TestSupport
@testable import CMLBotGit

/// A small history:
///
///     c1 ── c2 ── c3 ── c4      main
///            \
///             f1 ── f2          feature
struct History {
    let repo: GitRepoBuilder
    let c1, c2, c3, c4, f1, f2: String

    init() throws {
        repo = try GitRepoBuilder()
        c1 = try repo.commit("c1", files: ["a.txt": "1\n"])
        c2 = try repo.commit("c2", files: ["a.txt": "2\n"])
        try repo.git("branch", "feature")
        c3 = try repo.commit("c3", files: ["a.txt": "3\n"])
        c4 = try repo.commit("c4", files: ["a.txt": "4\n"])
        try repo.git("checkout", "-q", "feature")
        f1 = try repo.commit("f1", files: ["f.txt": "f1\n"])
        f2 = try repo.commit("f2", files: ["f.txt": "f2\n"])
        try repo.git("checkout", "-q", "main")
    }
}

@Suite("Resolving revisions")
struct ResolveCommitTests {
    @Test func fullAndShortSHA() throws {
        let h = try History()
        let git = try openRepository(h.repo)
        #expect(try git.resolveCommit(h.c2).hex == h.c2)
        #expect(try git.resolveCommit(String(h.c2.prefix(7))).hex == h.c2)
        #expect(try git.resolveCommit(String(h.c2.prefix(12))).hex == h.c2)
        let id = try git.resolveCommit(h.c3)
        #expect(id.short == String(h.c3.prefix(7)))
        #expect(id.description == h.c3)
        #expect(id == (try git.resolveCommit("main~1")))
    }

    @Test func branchesAndHEAD() throws {
        let h = try History()
        let git = try openRepository(h.repo)
        #expect(try git.resolveCommit("main").hex == h.c4)
        #expect(try git.resolveCommit("feature").hex == h.f2)
        #expect(try git.resolveCommit("refs/heads/feature").hex == h.f2)
        #expect(try git.resolveCommit("HEAD").hex == h.c4)
        #expect(try git.resolveCommit("@").hex == h.c4)
    }

    @Test func ancestry() throws {
        let h = try History()
        let git = try openRepository(h.repo)
        #expect(try git.resolveCommit("HEAD~2").hex == h.c2)
        #expect(try git.resolveCommit("HEAD~3").hex == h.c1)
        #expect(try git.resolveCommit("main^").hex == h.c3)
        #expect(try git.resolveCommit("main^^").hex == h.c2)
        #expect(try git.resolveCommit("feature~1").hex == h.f1)
        #expect(try git.resolveCommit("HEAD^{commit}").hex == h.c4)
        #expect(gitError { try git.resolveCommit("HEAD~4") } == .unknownRevision("HEAD~4", shallow: false))
    }

    @Test func mergeBaseOfDivergingBranches() throws {
        let h = try History()
        let git = try openRepository(h.repo)
        #expect(try git.resolveCommit("main...feature").hex == h.c2)
        #expect(try git.resolveCommit("feature...main").hex == h.c2)
        // An empty side means HEAD, as in git.
        #expect(try git.resolveCommit("feature...").hex == h.c2)
        #expect(try git.resolveCommit("...feature").hex == h.c2)
        // Each side may itself be any revision.
        #expect(try git.resolveCommit("HEAD~1...feature~1").hex == h.c2)
        #expect(try git.resolveCommit("main...main").hex == h.c4)
        let a = try git.resolveCommit("main"), b = try git.resolveCommit("feature")
        #expect(try git.mergeBase(a, b).hex == h.c2)
        #expect(gitError { try git.resolveCommit("main...nope") } == .unknownRevision("nope", shallow: false))
    }

    @Test func unrelatedHistoriesHaveNoMergeBase() throws {
        let h = try History()
        try h.repo.git("checkout", "-q", "--orphan", "orphan")
        try h.repo.commit("orphan root", files: ["o.txt": "o\n"])
        let git = try openRepository(h.repo)
        let error = gitError { try git.resolveCommit("main...orphan") }
        guard case .invalidRevisionSyntax(let spec, let reason)? = error else {
            Issue.record("expected invalidRevisionSyntax, got \(String(describing: error))")
            return
        }
        #expect(spec == "main...orphan")
        #expect(reason.contains("no common ancestor"))
    }

    @Test func twoDotRangeIsAUsageError() throws {
        let h = try History()
        let git = try openRepository(h.repo)
        let error = gitError { try git.resolveCommit("main..feature") }
        guard case .invalidRevisionSyntax(let spec, let reason)? = error else {
            Issue.record("expected invalidRevisionSyntax, got \(String(describing: error))")
            return
        }
        #expect(spec == "main..feature")
        #expect(reason.contains("A...B"))
        #expect(error?.kind == .usage)
        #expect(error?.message.contains("main..feature") == true)
    }

    @Test(arguments: ["nope", "origin/main", "v9.9", "HEAD@{upstream}", "deadbeef", "0000000000000000000000000000000000000000"])
    func unknownNames(_ spec: String) throws {
        let h = try History()
        let git = try openRepository(h.repo)
        let error = gitError { try git.resolveCommit(spec) }
        #expect(error == .unknownRevision(spec, shallow: false))
        #expect(error?.kind == .operational)
        #expect(error?.message.contains("unknown git revision '\(spec)'") == true)
        #expect(error?.message.contains("shallow") == false)
    }

    @Test func tags() throws {
        let h = try History()
        try h.repo.git("tag", "light", h.c1)
        try h.repo.git("tag", "-a", "v1.0", "-m", "release", h.c3)
        // A tag of a tag peels all the way down.
        try h.repo.git("tag", "-a", "v1.0-again", "-m", "again", "v1.0")
        let git = try openRepository(h.repo)
        #expect(try git.resolveCommit("light").hex == h.c1)
        #expect(try git.resolveCommit("v1.0").hex == h.c3)
        #expect(try git.resolveCommit("refs/tags/v1.0").hex == h.c3)
        #expect(try git.resolveCommit("v1.0-again").hex == h.c3)
        #expect(try git.resolveCommit("v1.0~1").hex == h.c2)
        let tagObject = try h.repo.git("rev-parse", "v1.0")
        #expect(tagObject != h.c3)
        #expect(try git.resolveCommit(tagObject).hex == h.c3)
        #expect(try git.resolveCommit("v1.0...feature").hex == h.c2)
    }

    @Test func treesAndBlobsDoNotNameACommit() throws {
        let h = try History()
        let tree = try h.repo.git("rev-parse", "HEAD^{tree}")
        let blob = try h.repo.git("rev-parse", "HEAD:a.txt")
        try h.repo.git("tag", "tree-tag", tree)
        let git = try openRepository(h.repo)
        for spec in ["HEAD^{tree}", tree, blob, "HEAD:a.txt", "tree-tag"] {
            let error = gitError { try git.resolveCommit(spec) }
            guard case .invalidRevisionSyntax(let got, let reason)? = error else {
                Issue.record("\(spec): expected invalidRevisionSyntax, got \(String(describing: error))")
                continue
            }
            #expect(got == spec)
            #expect(reason.contains("does not name a commit"))
        }
    }

    @Test func remoteTrackingBranches() throws {
        let h = try History()
        let cloned = try clone(h.repo)
        let git = try openRepository(cloned)
        #expect(!git.isShallow)
        #expect(try git.resolveCommit("origin/main").hex == h.c4)
        #expect(try git.resolveCommit("origin/feature").hex == h.f2)
        #expect(try git.resolveCommit("refs/remotes/origin/feature").hex == h.f2)
        #expect(try git.resolveCommit("origin/HEAD").hex == h.c4)
        #expect(try git.resolveCommit("origin/main...origin/feature").hex == h.c2)
        // Only main is a local branch in the clone.
        #expect(gitError { try git.resolveCommit("feature") } == .unknownRevision("feature", shallow: false))
    }

    @Test func ambiguousShortSHA() throws {
        // Write enough blobs that two share a 4-hex-digit prefix (libgit2's shortest abbreviation).
        // The contents are fixed, so the collision is the same on every run.
        let repo = try GitRepoBuilder()
        try repo.commit("first", files: ["a.txt": "a\n"])
        let contents = try TemporaryDirectory("cmlbot-blobs")
        var paths: [String] = []
        for i in 0..<1500 {
            let path = contents.path + "/\(i)"
            try Data("blob number \(i)\n".utf8).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        let output = try gitRaw(["hash-object", "-w", "--stdin-paths"], in: repo.path, stdin: Data(paths.joined(separator: "\n").utf8))
        let ids = String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(ids.count == 1500)
        var seen: [String: String] = [:]
        var prefix: String?
        for id in ids {
            let p = String(id.prefix(4))
            if seen[p] != nil { prefix = p; break }
            seen[p] = id
        }
        let ambiguous = try #require(prefix, "no two of 1500 blobs share a 4-digit prefix")
        let git = try openRepository(repo)
        let error = gitError { try git.resolveCommit(ambiguous) }
        guard case .invalidRevisionSyntax(let spec, let reason)? = error else {
            Issue.record("expected invalidRevisionSyntax, got \(String(describing: error))")
            return
        }
        #expect(spec == ambiguous)
        #expect(reason.contains("ambiguous"))
    }

    @Test func revisionNamedWorkspaceIsUnknownUnlessItExists() throws {
        let h = try History()
        let git = try openRepository(h.repo)
        #expect(gitError { try git.resolveCommit("workspace") } == .unknownRevision("workspace", shallow: false))
        try h.repo.git("branch", "workspace", h.c1)
        #expect(try git.resolveCommit("workspace").hex == h.c1)
    }
}
