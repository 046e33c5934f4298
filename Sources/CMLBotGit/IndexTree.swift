import CLibGit2
import CMLBotCore
import Foundation

/// The index (staging area) as a `FileTree`: what the next commit would hold. pre-commit checks
/// read this, not the working directory, so unstaged edits cannot hide or fake a problem.
public final class IndexTree: FileTree {
    public let label = "index"
    let repository: LibGit2Repository
    /// The index as read (every path, with conflict and intent-to-add marks, and the cache-tree).
    let file: IndexFile
    /// Every fully staged path, sorted (submodules included, as gitlinks; conflicted paths left out:
    /// git refuses to commit until they are resolved).
    public let paths: SortedPaths
    /// For each of `paths`, its row in `file`; nil when the two are the same (no conflicts).
    private let rows: [Int]?

    init(repository: LibGit2Repository) throws {
        self.repository = repository
        file = try repository.readIndexFile()
        if file.hasConflicts {
            var staged = SortedPaths(), rows: [Int] = []
            for i in 0..<file.paths.count where !file.conflicted[i] {
                file.paths.withPath(i) { staged.append($0) }
                rows.append(i)
            }
            paths = staged
            self.rows = rows
        } else {
            paths = file.paths
            rows = nil
        }
    }

    /// Every staged entry, sorted. Sizes are 0 here: `entry(at:)` and `files(under:)` read them.
    public var entries: [FileTreeEntry] {
        (0..<paths.count).map { FileTreeEntry(path: paths[$0], kind: kind(row($0))) }
    }

    private func row(_ i: Int) -> Int { rows?[i] ?? i }

    private func kind(_ row: Int) -> FileTreeEntry.Kind {
        let mode = file.modes[row]
        return mode == GIT_FILEMODE_COMMIT.rawValue ? .submodule : mode == GIT_FILEMODE_LINK.rawValue ? .symlink : .file
    }

    public func entry(at path: String) throws -> FileTreeEntry? {
        guard let path = RepoPath.normalize(path) else { return nil }
        if let i = paths.index(of: path) { return try sized(i, path: path) }
        // A directory is any prefix of a staged path.
        return path.isEmpty || !paths.range(under: path).isEmpty ? FileTreeEntry(path: path, kind: .directory) : nil
    }

    public func readFile(_ path: String) throws -> Data {
        guard let normalized = RepoPath.normalize(path), let entry = try entry(at: normalized) else {
            throw FileTreeError.notFound(path: path, revision: label)
        }
        // As in a commit tree: a symlink or a directory is not a file to read.
        guard entry.kind == .file, let i = paths.index(of: normalized) else { throw FileTreeError.notAFile(path: normalized, revision: label) }
        return try withUnsafePointer(to: file.ids[row(i)]) { try repository.readBlob($0, path: normalized, label: label) }
    }

    public func files(under directory: String) throws -> [FileTreeEntry] {
        guard let directory = RepoPath.normalize(directory) else { return [] }
        return try paths.range(under: directory).map { try sized($0, path: paths[$0]) }
    }

    public func filePaths(under directory: String) throws -> [String] {
        guard let directory = RepoPath.normalize(directory) else { return [] }
        return paths.range(under: directory).map { paths[$0] }
    }

    /// Entry `i` with its blob size read from the object header.
    private func sized(_ i: Int, path: String) throws -> FileTreeEntry {
        let kind = kind(row(i))
        guard kind != .submodule else { return FileTreeEntry(path: path, kind: kind) }
        let size = try repository.withODB { odb in withUnsafePointer(to: file.ids[row(i)]) { repository.blobSize($0, odb: odb) } }
        return FileTreeEntry(path: path, kind: kind, size: size)
    }
}

extension LibGit2Repository {
    public func indexTree() throws -> IndexTree { try IndexTree(repository: self) }

    /// Use the index file at `path` instead of `.git/index`: git sets `GIT_INDEX_FILE` for hooks
    /// during `git commit -a` and `git commit PATHS`, and pre-commit must check that index. It is
    /// read when needed; a missing file is an empty index, as for git.
    public func useIndexFile(_ path: String) throws {
        indexFileOverride = path
    }
}
