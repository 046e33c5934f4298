import CMLBotCore
import Foundation
import Testing
@testable import CMLBotGit

@Suite("GitError messages")
struct GitErrorTests {
    @Test func everyMessageSaysHowToFix() {
        #expect(GitError.notARepository(path: "/w").message
            == "not a git repository (or any parent up to /): /w; run cmlbot inside a git checkout or pass -C DIR")
        #expect(GitError.bareRepository(path: "/r.git").message
            == "/r.git is a bare repository, which has no workspace; name both revisions explicitly (A_REV B_REV)")
        #expect(GitError.unknownRevision("nosuchrev", shallow: false).message
            == "unknown git revision 'nosuchrev': check the spelling, or fetch it first (git fetch origin nosuchrev)")
        #expect(GitError.unknownRevision("origin/main", shallow: true).message
            == "revision origin/main not found: this is a shallow clone, so older commits and other branches are missing; "
            + "set fetch-depth: 0 in actions/checkout, GIT_DEPTH: 0 in GitLab CI, or run git fetch --unshallow locally")
        #expect(GitError.invalidRevisionSyntax("a..b", reason: "r").message == "cannot use revision 'a..b': r")
        #expect(GitError.missingObject(what: "m.json", revision: "HEAD~1", shallow: true).message.contains("git fetch --unshallow"))
        #expect(GitError.missingObject(what: "m.json", revision: "HEAD~1", shallow: false).message
            == "m.json at HEAD~1 is not in the object database; the clone may be partial or corrupt (try git fetch)")
        #expect(GitError.libgit2(operation: "reading", message: "boom").message == "git: reading failed: boom")
        #expect(GitError.notOwnedByCurrentUser(path: "/w").message.contains("git config --global --add safe.directory /w"))
    }

    @Test(arguments: [
        ("origin/main", "fetch it first (git fetch origin main)"),
        ("refs/remotes/origin/release/1.x", "fetch it first (git fetch origin release/1.x)"),
        ("refs/heads/dev", "fetch it first (git fetch origin dev)"),
        ("refs/tags/v1.2", "fetch it first (git fetch origin tag v1.2)"),
        ("feature/x~2", "fetch it first (git fetch origin feature/x)"),
        ("upstream/main", "fetch it first (git fetch origin upstream/main)"),
        ("0123abcd", "fetch it first (git fetch origin 0123abcd)"),
        ("HEAD", "the repository has no commits yet"),
        ("HEAD~7", "the history does not reach that far"),
        ("@~1", "the history does not reach that far"),
    ])
    func unknownRevisionHints(_ spec: String, _ hint: String) {
        let message = GitError.unknownRevision(spec, shallow: false).message
        #expect(message.hasPrefix("unknown git revision '\(spec)': "))
        #expect(message.contains(hint), "\(message)")
    }

    @Test func exitKinds() {
        #expect(GitError.invalidRevisionSyntax("a..b", reason: "r").kind == .usage)
        #expect(GitError.unknownRevision("x", shallow: false).kind == .operational)
        #expect(GitError.notARepository(path: "/").kind == .operational)
        #expect(GitError.bareRepository(path: "/").kind == .operational)
        #expect(GitError.notOwnedByCurrentUser(path: "/").kind == .operational)
    }

    @Test func descriptionIsTheMessage() {
        let error = GitError.unknownRevision("x", shallow: true)
        #expect(error.description == error.message)
        #expect("\(error)" == error.message)
    }
}
