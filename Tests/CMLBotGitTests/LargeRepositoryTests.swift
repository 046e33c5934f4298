import CMLBotCore
import Foundation
import Testing
import TestSupport
@testable import CMLBotGit

@Suite("A large repository")
struct LargeRepositoryTests {
    @Test func fiveThousandFilesWithSizes() throws {
        let repo = try GitRepoBuilder()
        for i in 0..<5000 {
            let path = "data/shard\(i % 10)/part\(i / 10 % 25)/file\(i).txt"
            try repo.write(path, String(repeating: "\(i % 10)", count: i % 97))
        }
        try repo.git("add", "-A")
        try repo.git("commit", "-q", "-m", "many files")
        let expectedCount = try repo.git("ls-tree", "-r", "--name-only", "HEAD").split(separator: "\n").count
        #expect(expectedCount == 5000)

        let git = try openRepository(repo)
        let tree = try commitTree(git)
        let files = try tree.files(under: "")
        #expect(files.count == expectedCount)
        let expected = try lsTree(repo)
        #expect(files.map(\.path) == expected.map(\.path))
        #expect(files.map(\.size) == expected.map { $0.size ?? -1 })
        #expect(try tree.filePaths(under: "") == files.map(\.path))
        #expect(try tree.filePaths(under: "data/shard3").count == 500)

        let workspace = try git.workspace()
        let onDisk = try workspace.files(under: "")
        #expect(onDisk.count == expectedCount)
        #expect(onDisk == files)

        let added = try git.diffTrees(from: nil, to: tree)
        #expect(added.count == expectedCount)
        #expect(added.map(\.newSize).reduce(0, +) == files.map(\.size).reduce(0, +))
        #expect(try git.indexEntries() == files)
    }
}
