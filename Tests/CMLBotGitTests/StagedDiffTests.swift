import CMLBotCore
import Foundation
import Testing
import TestSupport
@testable import CMLBotGit

/// The staged diff that reads the index file and skips unchanged trees through the cache-tree,
/// held against two oracles: `git diff --cached --name-status` and libgit2's whole tree-to-index
/// diff (which `diffIndex` used before).
@Suite("Staged diff through the index file and its cache-tree")
struct StagedDiffTests {
    /// `git diff --cached -M --name-status -z` as "A path", "R old -> new", … (unmerged paths left out,
    /// as `diffIndex` leaves them out).
    func gitNameStatus(_ repo: GitRepoBuilder, environment extra: [String: String] = [:]) throws -> [String] {
        var environment = GitRepoBuilder.environment
        environment.merge(extra) { _, new in new }
        let result = try Shell.run("git", ["diff", "--cached", "-M", "--no-ext-diff", "--name-status", "-z"],
                                   in: repo.path, environment: environment)
        guard result.status == 0 else { throw TestFixtureError("git diff --cached failed: \(result.stderr)") }
        var fields = result.stdoutData.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if fields.last == "" { fields.removeLast() }
        var out: [String] = []
        var i = 0
        while i < fields.count {
            let letter = String(fields[i].prefix(1))
            if letter == "R" || letter == "C" {
                out.append("\(letter) \(fields[i + 1]) -> \(fields[i + 2])")
                i += 3
            } else {
                if letter != "U" { out.append("\(letter) \(fields[i + 1])") }
                i += 2
            }
        }
        return out.sorted()
    }

    func nameStatus(_ changes: [TreeChange]) -> [String] {
        changes.map { change in
            switch change.status {
            case .added: return "A \(change.path)"
            case .deleted: return "D \(change.path)"
            case .modified: return "M \(change.path)"
            case .typeChanged: return "T \(change.path)"
            case .renamed: return "R \(change.oldPath) -> \(change.newPath)"
            case .copied: return "C \(change.oldPath) -> \(change.newPath)"
            }
        }.sorted()
    }

    func sortedByPath(_ changes: [TreeChange]) -> [TreeChange] {
        changes.sorted { ($0.newPath, $0.oldPath) < ($1.newPath, $1.oldPath) }
    }

    /// The checks every scenario runs: the staged diff equals git's and libgit2's, and the index
    /// tree lists what libgit2 lists. Returns the changes for scenario-specific checks.
    @discardableResult
    func expectStagedDiffMatches(_ repo: GitRepoBuilder, indexFile: String? = nil, expectCacheTree: Bool? = nil, libgit2Agrees: Bool = true,
                                 sourceLocation: SourceLocation = #_sourceLocation) throws -> [TreeChange] {
        let git = try openRepository(repo)
        if let indexFile { try git.useIndexFile(indexFile) }
        let head = try? commitTree(git)
        let changes = try git.diffIndex(against: head)
        if libgit2Agrees {
            let reference = try git.diffIndexWithLibGit2(against: head)
            #expect(sortedByPath(changes) == sortedByPath(reference), sourceLocation: sourceLocation)
        }
        let environment = indexFile.map { ["GIT_INDEX_FILE": $0] } ?? [:]
        #expect(nameStatus(changes) == (try gitNameStatus(repo, environment: environment)), sourceLocation: sourceLocation)
        for (a, b) in zip(changes, changes.dropFirst()) {
            #expect(RepoPath.precedes(a.path, b.path), "changes are listed in path order", sourceLocation: sourceLocation)
        }

        // The same for the index as a file tree (paths, kinds and sizes as libgit2 reads them).
        let index = try git.indexTree()
        #expect(try index.files(under: "") == (try git.indexEntries()), sourceLocation: sourceLocation)
        #expect(try git.diffIndex(index, against: head) == changes, sourceLocation: sourceLocation)
        if let expectCacheTree {
            #expect(index.file.cacheTree.isEmpty == !expectCacheTree, "cache-tree present: \(expectCacheTree)", sourceLocation: sourceLocation)
        }
        return changes
    }

    @Test func renamesDeletionsModeChangesAndDirectories() throws {
        let repo = try GitRepoBuilder()
        var files: [String: String] = [:]
        for d in 0..<6 { for f in 0..<5 { files["src/d\(d)/f\(f).py"] = "print(\(d * 10 + f))\n" } }
        files["old-name.txt"] = String(repeating: "stable content\n", count: 20)
        files["script.sh"] = "echo hi\n"
        files["gone/a.txt"] = "a\n"
        files["gone/deeper/b.txt"] = "b\n"
        files["was-file"] = "a file that becomes a directory\n"
        files["a-b"] = "sorts between a and a/ \n"
        files["a/x"] = "x\n"
        try repo.commit("base", files: files)
        try repo.git("write-tree")  // a valid cache-tree, as after any later commit

        try repo.write("src/d2/f1.py", "print('edited')\n")
        try repo.write("src/d4/new/inner.py", "new\n")
        try repo.git("mv", "old-name.txt", "new-name.txt")
        try repo.git("rm", "-q", "-r", "gone")
        try repo.git("rm", "-q", "was-file")
        try repo.write("was-file/now-inside.txt", "inside\n")
        try repo.write("a.txt", "between\n")
        try repo.git("add", "-A")
        try repo.git("update-index", "--chmod=+x", "script.sh")
        // `git rm` and `git mv` invalidate the whole cache-tree; these walk every tree.
        var changes = try expectStagedDiffMatches(repo)
        // Once the cache-tree is valid again, one more change walks only its own path.
        try repo.git("write-tree")
        try repo.write("src/d5/f4.py", "print('late')\n")
        try repo.git("add", "src/d5/f4.py")
        changes = try expectStagedDiffMatches(repo, expectCacheTree: true)
        let byPath = changesByPath(changes)
        #expect(byPath["new-name.txt"]?.status == .renamed)
        #expect(byPath["new-name.txt"]?.oldPath == "old-name.txt")
        #expect(byPath["script.sh"]?.status == .modified)
        #expect(byPath["gone/deeper/b.txt"]?.status == .deleted)
        #expect(byPath["src/d2/f1.py"]?.newSize == 16)
        #expect(byPath["src/d5/f4.py"]?.status == .modified)
        #expect(byPath["src/d0/f0.py"] == nil)
    }

    @Test func onlyModificationsNeedNoRenameDetection() throws {
        let repo = try GitRepoBuilder()
        var files: [String: String] = [:]
        for d in 0..<20 { files["pkg\(d)/mod/file.py"] = "x = \(d)\n" }
        try repo.commit("base", files: files)
        try repo.git("write-tree")
        try repo.write("pkg7/mod/file.py", "x = 'seven'\n")
        try repo.write("pkg7/mod/added.py", "y = 1\n")
        // Named paths: `add -A` re-adds racily clean files written in the same second, which
        // invalidates their directories in the cache-tree too.
        try repo.git("add", "pkg7/mod/file.py", "pkg7/mod/added.py")
        let changes = try expectStagedDiffMatches(repo, expectCacheTree: true)
        #expect(changes.map(\.path) == ["pkg7/mod/added.py", "pkg7/mod/file.py"])
        #expect(changes.map(\.status) == [.added, .modified])
        // The cache-tree says the other 19 packages are unchanged: only pkg7 and pkg7/mod are read.
        let git = try openRepository(repo)
        var walk = StagedDiffWalk(repository: git, index: try git.readIndexFile())
        try walk.run(head: try commitTree(git).tree)
        #expect(walk.treesRead == 2)
    }

    @Test func nothingStagedAfterACommitSkipsAtTheRoot() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["a/b/c.txt": "c\n", "d.txt": "d\n"])
        let changes = try expectStagedDiffMatches(repo, expectCacheTree: true)
        #expect(changes.isEmpty)
    }

    @Test func submodulesAndTypeChanges() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["target.txt": "target\n", "becomes-link": "a file\n", "becomes-sub": "file\n"])
        try repo.git("update-index", "--add", "--cacheinfo", "160000,1234567890abcdef1234567890abcdef12345678,vendor/sub")
        try repo.git("commit", "-q", "-m", "submodule")
        // Move the submodule to another commit, add a second one, turn a file into a symlink and
        // another into a submodule.
        try repo.git("update-index", "--cacheinfo", "160000,abcdefabcdefabcdefabcdefabcdefabcdefabcd,vendor/sub")
        try repo.git("update-index", "--add", "--cacheinfo", "160000,1111111111111111111111111111111111111111,vendor/other")
        try repo.remove("becomes-link")
        try makeSymlink("target.txt", at: repo.path + "/becomes-link")
        try repo.git("add", "becomes-link")
        try repo.git("rm", "-q", "--cached", "becomes-sub")
        try repo.git("update-index", "--add", "--cacheinfo", "160000,2222222222222222222222222222222222222222,becomes-sub")
        let changes = try expectStagedDiffMatches(repo)
        let byPath = changesByPath(changes)
        #expect(byPath["vendor/sub"]?.status == .modified)
        #expect(byPath["vendor/sub"]?.newSize == 0)
        #expect(byPath["vendor/other"]?.status == .added)
        #expect(byPath["becomes-link"]?.status == .typeChanged)
        #expect(byPath["becomes-sub"]?.status == .typeChanged)
    }

    @Test func intentToAddEntriesAreNotStagedContent() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["keep.txt": "keep\n", "dir/re-added.txt": "was committed\n"])
        try repo.write("dir/intended.txt", "not staged yet\n")
        try repo.write("big.bin", String(repeating: "x", count: 700 * 1024))
        try repo.git("add", "-N", "dir/intended.txt", "big.bin")
        // Removed from the index, then marked as intended again: deleted as far as the commit goes.
        try repo.git("rm", "-q", "--cached", "dir/re-added.txt")
        try repo.git("add", "-N", "dir/re-added.txt")
        try repo.write("real.txt", "really staged\n")
        try repo.git("add", "real.txt")
        // libgit2's own diff reports intent-to-add entries as added empty files; git, and this
        // diff, do not: they are not part of the commit being made.
        let changes = try expectStagedDiffMatches(repo, libgit2Agrees: false)
        #expect(nameStatus(changes) == ["A real.txt", "D dir/re-added.txt"])
        // Listed in the index (git ls-files shows them) though not in the next commit.
        #expect(try openRepository(repo).indexTree().paths.contains("big.bin"))
    }

    @Test func anIndexNamedByGitIndexFile() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["a.txt": "a\n", "dir/b.txt": "b\n"])
        let other = repo.path + "/.git/other-index"
        try FileManager.default.copyItem(atPath: repo.path + "/.git/index", toPath: other)
        try repo.write("dir/c.txt", "only in the other index\n")
        _ = try Shell.run("git", ["add", "dir/c.txt"], in: repo.path, environment: GitRepoBuilder.environment.merging(["GIT_INDEX_FILE": other]) { _, n in n })
        try repo.write("a.txt", "only in the default index\n")
        try repo.git("add", "a.txt")
        let changes = try expectStagedDiffMatches(repo, indexFile: other)
        #expect(nameStatus(changes) == ["A dir/c.txt"])
        #expect(nameStatus(try expectStagedDiffMatches(repo)) == ["M a.txt"])
        // A missing index file is an empty index (every HEAD file deleted), as for git.
        let missing = try expectStagedDiffMatches(repo, indexFile: repo.path + "/.git/no-such-index")
        #expect(nameStatus(missing) == ["D a.txt", "D dir/b.txt"])
    }

    @Test func anIndexWithoutACacheTree() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["a/one.txt": "1\n", "a/two.txt": "2\n", "b/three.txt": "3\n", "top.txt": "t\n"])
        // An index built entry by entry with update-index has no cache-tree extension at all.
        let bare = repo.path + "/.git/bare-index"
        let env = GitRepoBuilder.environment.merging(["GIT_INDEX_FILE": bare]) { _, n in n }
        for line in try repo.git("ls-files", "-s").split(separator: "\n") {
            let parts = line.split(separator: "\t")
            let meta = parts[0].split(separator: " ")
            let path = String(parts[1]) == "a/two.txt" ? "a/renamed-two.txt" : String(parts[1])
            _ = try Shell.run("git", ["update-index", "--add", "--cacheinfo", "\(meta[0]),\(meta[1]),\(path)"], in: repo.path, environment: env)
        }
        let changes = try expectStagedDiffMatches(repo, indexFile: bare, expectCacheTree: false)
        #expect(nameStatus(changes) == ["R a/two.txt -> a/renamed-two.txt"])
    }

    @Test func beforeTheFirstCommit() throws {
        let repo = try GitRepoBuilder()
        try repo.write("a.txt", "alpha\n")
        try repo.write("dir/sub/b.txt", "beta\n")
        try repo.git("add", "-A")
        let changes = try expectStagedDiffMatches(repo)
        #expect(nameStatus(changes) == ["A a.txt", "A dir/sub/b.txt"])
    }

    @Test func indexFormatVersion4() throws {
        let repo = try GitRepoBuilder()
        var files: [String: String] = [:]
        for i in 0..<30 { files["deep/path/prefix/shared/file\(i).txt"] = "\(i)\n" }
        for i in 0..<3 { files["untouched/file\(i).txt"] = "\(i)\n" }
        try repo.commit("base", files: files)
        try repo.git("write-tree")
        try repo.git("update-index", "--index-version", "4")
        try repo.write("deep/path/prefix/shared/file7.txt", "changed\n")
        try repo.write("deep/path/other/new.txt", "new\n")
        try repo.git("add", "deep/path/prefix/shared/file7.txt", "deep/path/other/new.txt")
        try repo.git("rm", "-q", "--cached", "deep/path/prefix/shared/file20.txt")
        let index = try Data(contentsOf: URL(fileURLWithPath: repo.path + "/.git/index"))
        #expect(index[7] == 4, "the index is written in version 4")
        let changes = try expectStagedDiffMatches(repo, expectCacheTree: true)
        #expect(nameStatus(changes) == ["A deep/path/other/new.txt", "D deep/path/prefix/shared/file20.txt", "M deep/path/prefix/shared/file7.txt"])
    }

    @Test func conflictsAreLeftOut() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["c.txt": "base\n", "other.txt": "o\n"])
        try repo.git("checkout", "-q", "-b", "theirs")
        try repo.commit("theirs", files: ["c.txt": "their side, longer\n", "added-by-them.txt": "t\n"])
        try repo.git("checkout", "-q", "main")
        try repo.commit("ours", files: ["c.txt": "our side\n"])
        _ = try Shell.run("git", ["merge", "-q", "theirs"], in: repo.path, environment: GitRepoBuilder.environment)
        let changes = try expectStagedDiffMatches(repo)
        #expect(nameStatus(changes) == ["A added-by-them.txt"])
        #expect(try openRepository(repo).indexTree().paths.strings == ["added-by-them.txt", "other.txt"])
    }

    @Test func indexTreeAnswersLikeTheIndex() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["a/b/c.txt": "c\n", "a/d.txt": "dd\n", "a-b.txt": "x\n", "e.txt": "eee\n"])
        try makeSymlink("e.txt", at: repo.path + "/link")
        try repo.git("add", "link")
        let index = try openRepository(repo).indexTree()
        #expect(try index.entry(at: "a/d.txt") == FileTreeEntry(path: "a/d.txt", kind: .file, size: 3))
        #expect(try index.entry(at: "a/b") == FileTreeEntry(path: "a/b", kind: .directory))
        #expect(try index.entry(at: "a") == FileTreeEntry(path: "a", kind: .directory))
        #expect(try index.entry(at: "") == FileTreeEntry(path: "", kind: .directory))
        #expect(try index.entry(at: "a/b/c") == nil)
        #expect(try index.entry(at: "link") == FileTreeEntry(path: "link", kind: .symlink, size: 5))
        #expect(try index.filePaths(under: "a") == ["a/b/c.txt", "a/d.txt"])
        #expect(try index.readFile("./a/d.txt") == Data("dd\n".utf8))
        #expect(fileTreeError { try index.readFile("link") } == .notAFile(path: "link", revision: "index"))
        #expect(fileTreeError { try index.readFile("a") } == .notAFile(path: "a", revision: "index"))
        #expect(fileTreeError { try index.readFile("nope") } == .notFound(path: "nope", revision: "index"))
        #expect(index.entries.map(\.path) == ["a-b.txt", "a/b/c.txt", "a/d.txt", "e.txt", "link"])
    }

    @Test func indexFilesThisReaderDoesNotKnowGoThroughLibGit2() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["a.txt": "a\n"])
        try repo.write("b.txt", "b\n")
        try repo.git("add", "b.txt")
        let path = repo.path + "/.git/index"
        #expect(IndexFile.read(path: path) != nil)
        // A required extension this reader does not know ("zzzz"), inserted before the checksum:
        // the index goes through libgit2, which refuses it with its own message.
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes.insert(contentsOf: Array("zzzz".utf8) + [0, 0, 0, 0], at: bytes.count - 20)
        #expect(bytes.withUnsafeBytes { IndexFile.parse($0) } == nil)
        // Truncated or not an index at all: not read here either.
        #expect(bytes.prefix(40).withUnsafeBytes { IndexFile.parse(UnsafeRawBufferPointer($0)) } == nil)
        #expect(Array("not an index, but long enough to look at".utf8).withUnsafeBytes { IndexFile.parse($0) } == nil)
    }
}
