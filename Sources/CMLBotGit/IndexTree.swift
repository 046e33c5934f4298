import CLibGit2
import CMLBotCore
import Foundation

/// The index (staging area) as a `FileTree`: what the next commit would hold. pre-commit checks
/// read this, not the working directory, so unstaged edits cannot hide or fake a problem.
public final class IndexTree: FileTree {
    public let label = "index"
    let repository: LibGit2Repository
    /// Every fully staged entry, sorted (submodules included, as gitlinks). Sizes are 0 here:
    /// `entry(at:)` and `files(under:)` read them when asked (see `indexEntries(sizes:)`).
    public let entries: [FileTreeEntry]
    private let byPath: [String: Int]
    /// Every directory that holds an entry, for `entry(at:)` without scanning.
    private let directories: Set<String>

    init(repository: LibGit2Repository) throws {
        self.repository = repository
        entries = try repository.indexEntries(sizes: false)
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
        if let i = byPath[path] { return try sized(entries[i]) }
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
        return try entries.filter { $0.path.hasPrefix(prefix) }.map(sized)
    }

    public func filePaths(under directory: String) throws -> [String] {
        guard let directory = RepoPath.normalize(directory) else { return [] }
        let prefix = directory.isEmpty ? "" : directory + "/"
        return entries.lazy.filter { $0.path.hasPrefix(prefix) }.map(\.path)
    }

    /// The entry with its blob size read from the object header.
    private func sized(_ entry: FileTreeEntry) throws -> FileTreeEntry {
        guard entry.kind != .submodule, entry.kind != .directory else { return entry }
        var out = entry
        out.size = try repository.stagedBlobSize(entry.path)
        return out
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

    /// The size of the staged blob of `path` (stage 0), from its object header.
    func stagedBlobSize(_ path: String) throws -> Int64 {
        var index: OpaquePointer?
        try LibGit2.check(git_repository_index(&index, pointer), "reading the index")
        guard let index else { throw GitError.libgit2(operation: "reading the index", message: "no index") }
        defer { git_index_free(index) }
        guard let entry = git_index_get_bypath(index, path, 0) else { return 0 }
        return try withODB { odb in withUnsafePointer(to: entry.pointee.id) { blobSize($0, odb: odb) } }
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
