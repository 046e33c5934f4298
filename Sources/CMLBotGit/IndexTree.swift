import CLibGit2
import CMLBotCore
import Foundation

/// The index (staging area) as a `FileTree`: what the next commit would hold. pre-commit checks
/// read this, not the working directory, so unstaged edits cannot hide or fake a problem.
public final class IndexTree: FileTree {
    public let label = "index"
    let repository: LibGit2Repository
    let index: OpaquePointer
    /// Every staged file, sorted, with blob sizes.
    public let entries: [FileTreeEntry]
    private let byPath: [String: Int]

    init(repository: LibGit2Repository) throws {
        self.repository = repository
        var index: OpaquePointer?
        try LibGit2.check(git_repository_index(&index, repository.pointer), "reading the index")
        self.index = index!
        entries = try repository.indexEntries()
        var map: [String: Int] = [:]
        for (i, e) in entries.enumerated() { map[e.path] = i }
        byPath = map
    }

    deinit { git_index_free(index) }

    public func entry(at path: String) throws -> FileTreeEntry? {
        guard let path = RepoPath.normalize(path) else { return nil }
        if let i = byPath[path] { return entries[i] }
        let prefix = path.isEmpty ? "" : path + "/"
        if path.isEmpty || entries.contains(where: { $0.path.hasPrefix(prefix) }) {
            return FileTreeEntry(path: path, kind: .directory)
        }
        return nil
    }

    public func readFile(_ path: String) throws -> Data {
        guard let normalized = RepoPath.normalize(path), let entry = git_index_get_bypath(index, normalized, 0) else {
            throw FileTreeError.notFound(path: path, revision: label)
        }
        return try withUnsafePointer(to: entry.pointee.id) { try repository.readBlob($0, path: normalized, label: label) }
    }

    public func files(under directory: String) throws -> [FileTreeEntry] {
        guard let directory = RepoPath.normalize(directory) else { return [] }
        let prefix = directory.isEmpty ? "" : directory + "/"
        return entries.filter { $0.path.hasPrefix(prefix) && $0.kind != .submodule }
    }
}

extension LibGit2Repository {
    public func indexTree() throws -> IndexTree { try IndexTree(repository: self) }
}
