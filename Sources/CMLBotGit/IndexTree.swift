import CLibGit2
import CMLBotCore
import Foundation

/// The index (staging area) as a `FileTree`: what the next commit would hold. pre-commit checks
/// read this, not the working directory, so unstaged edits cannot hide or fake a problem.
public final class IndexTree: FileTree {
    public let label = "index"
    let repository: LibGit2Repository
    /// Every fully staged entry, sorted, with blob sizes (submodules included, as gitlinks).
    public let entries: [FileTreeEntry]
    private let byPath: [String: Int]
    /// Every directory that holds an entry, for `entry(at:)` without scanning.
    private let directories: Set<String>

    init(repository: LibGit2Repository) throws {
        self.repository = repository
        entries = try repository.indexEntries()
        var map: [String: Int] = [:]
        var dirs: Set<String> = [""]
        for (i, e) in entries.enumerated() {
            map[e.path] = i
            var dir = RepoPath.parent(e.path)
            while !dir.isEmpty, dirs.insert(dir).inserted { dir = RepoPath.parent(dir) }
        }
        byPath = map
        directories = dirs
    }

    public func entry(at path: String) throws -> FileTreeEntry? {
        guard let path = RepoPath.normalize(path) else { return nil }
        if let i = byPath[path] { return entries[i] }
        return directories.contains(path) ? FileTreeEntry(path: path, kind: .directory) : nil
    }

    public func readFile(_ path: String) throws -> Data {
        guard let normalized = RepoPath.normalize(path), let entry = try entry(at: normalized) else {
            throw FileTreeError.notFound(path: path, revision: label)
        }
        // As in a commit tree: a symlink or a directory is not a file to read.
        guard entry.kind == .file else { throw FileTreeError.notAFile(path: normalized, revision: label) }
        return try repository.readStagedBlob(normalized, label: label)
    }

    public func files(under directory: String) throws -> [FileTreeEntry] {
        guard let directory = RepoPath.normalize(directory) else { return [] }
        let prefix = directory.isEmpty ? "" : directory + "/"
        return entries.filter { $0.path.hasPrefix(prefix) }
    }
}

extension LibGit2Repository {
    public func indexTree() throws -> IndexTree { try IndexTree(repository: self) }

    /// Use the index file at `path` instead of `.git/index`: git sets `GIT_INDEX_FILE` for hooks
    /// during `git commit -a` and `git commit PATHS`, and pre-commit must check that index.
    public func useIndexFile(_ path: String) throws {
        var index: OpaquePointer?
        try LibGit2.check(git_index_open(&index, path), "opening the index file \(path)")
        guard let index else { throw GitError.libgit2(operation: "opening the index file \(path)", message: "no index") }
        defer { git_index_free(index) }
        git_repository_set_index(pointer, index)
    }

    /// The staged blob of `path` (stage 0).
    func readStagedBlob(_ path: String, label: String) throws -> Data {
        var index: OpaquePointer?
        try LibGit2.check(git_repository_index(&index, pointer), "reading the index")
        guard let index else { throw GitError.libgit2(operation: "reading the index", message: "no index") }
        defer { git_index_free(index) }
        guard let entry = git_index_get_bypath(index, path, 0) else { throw FileTreeError.notFound(path: path, revision: label) }
        return try withUnsafePointer(to: entry.pointee.id) { try readBlob($0, path: path, label: label) }
    }
}
