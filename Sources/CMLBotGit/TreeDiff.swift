import CLibGit2
import CMLBotCore

/// One changed path between two trees (or a tree and the index).
public struct TreeChange: Equatable, Sendable {
    public enum Status: String, Sendable { case added, deleted, modified, renamed, copied, typeChanged }
    public var status: Status
    /// The path before the change (equals `newPath` unless renamed or copied).
    public var oldPath: String
    public var newPath: String
    /// Blob sizes from the object database (0 for the missing side, and for submodule entries,
    /// which are commits of another repository).
    public var oldSize: Int64
    public var newSize: Int64
    public var oldID: String?
    public var newID: String?
    /// Rename similarity, 0–100.
    public var similarity: Int

    public var path: String { status == .deleted ? oldPath : newPath }
}

extension LibGit2Repository {
    /// Changes from `old` to `new` (either nil for the empty tree). Renames use libgit2's similarity
    /// detection, which can differ from `git diff -M` at the margins. A file that became a symlink
    /// (or back) is one `.typeChanged` change, not a deletion plus an addition of the same path.
    public func diffTrees(from old: GitCommitTree?, to new: GitCommitTree?, detectRenames: Bool = true) throws -> [TreeChange] {
        var opts = try Self.diffOptions()
        var diff: OpaquePointer?
        try LibGit2.check(git_diff_tree_to_tree(&diff, pointer, old?.tree, new?.tree, &opts), "diffing trees")
        defer { git_diff_free(diff) }
        guard let diff else { throw GitError.libgit2(operation: "diffing trees", message: "no diff") }
        return try changes(in: diff, detectRenames: detectRenames)
    }

    /// What `git commit` would record now: the index (staging area) against `head` (nil before the first commit).
    public func diffIndex(against head: GitCommitTree?, detectRenames: Bool = true) throws -> [TreeChange] {
        try stagedChanges(readIndexFile(), against: head, detectRenames: detectRenames)
    }

    /// The same for an index already read.
    public func diffIndex(_ index: IndexTree, against head: GitCommitTree?, detectRenames: Bool = true) throws -> [TreeChange] {
        try stagedChanges(index.file, against: head, detectRenames: detectRenames)
    }

    /// libgit2's whole tree-to-index diff: what `diffIndex` did before it skipped unchanged trees,
    /// kept as the reference its tests compare with.
    func diffIndexWithLibGit2(against head: GitCommitTree?, detectRenames: Bool = true) throws -> [TreeChange] {
        try withFreshIndex { index in
            var opts = try Self.diffOptions()
            var diff: OpaquePointer?
            try LibGit2.check(git_diff_tree_to_index(&diff, pointer, head?.tree, index, &opts), "diffing the index")
            defer { git_diff_free(diff) }
            guard let diff else { throw GitError.libgit2(operation: "diffing the index", message: "no diff") }
            return try changes(in: diff, detectRenames: detectRenames)
        }
    }

    /// Every staged entry of the index, sorted by path, with blob sizes. Unmerged (conflicted) paths
    /// have no staged version yet (git refuses to commit until they are resolved) and are left out.
    /// `sizes: false` leaves sizes at 0 and skips one object-header read per entry, which dominates
    /// on a large index of loose objects; callers then size only the entries they look at.
    public func indexEntries(sizes: Bool = true) throws -> [FileTreeEntry] {
        try withFreshIndex { index in
            let count = git_index_entrycount(index)
            var out: [FileTreeEntry] = []
            out.reserveCapacity(count)
            try withODB { odb in
                for i in 0..<count {
                    guard let entry = git_index_get_byindex(index, i), let cPath = entry.pointee.path else { continue }
                    // Stages 1–3 are the base/ours/theirs sides of a conflict.
                    guard git_index_entry_stage(entry) == 0 else { continue }
                    let mode = entry.pointee.mode
                    let kind: FileTreeEntry.Kind = mode == GIT_FILEMODE_COMMIT.rawValue ? .submodule
                        : mode == GIT_FILEMODE_LINK.rawValue ? .symlink : .file
                    var size: Int64 = 0
                    if sizes, kind != .submodule {
                        withUnsafePointer(to: entry.pointee.id) { size = blobSize($0, odb: odb) }
                    }
                    out.append(FileTreeEntry(path: String(cString: cPath), kind: kind, size: size))
                }
            }
            return out
        }
    }

    /// Runs `body` with the repository's index, re-read from disk when it changed since libgit2 last
    /// loaded it: the handle caches the index, and `git add` in between must not go unseen.
    func withFreshIndex<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        var index: OpaquePointer?
        if let path = indexFileOverride {
            try LibGit2.check(git_index_open(&index, path), "opening the index file \(path)")
        } else {
            try LibGit2.check(git_repository_index(&index, pointer), "reading the index")
        }
        guard let index else { throw GitError.libgit2(operation: "reading the index", message: "no index") }
        defer { git_index_free(index) }
        try LibGit2.check(git_index_read(index, 0), "reading the index")
        return try body(index)
    }

    static func diffOptions() throws -> git_diff_options {
        var opts = git_diff_options()
        try LibGit2.check(git_diff_options_init(&opts, UInt32(GIT_DIFF_OPTIONS_VERSION)), "initialising diff options")
        // Without this flag libgit2 splits a file↔symlink change into a deletion and an addition of
        // the same path. (A blob↔tree change still splits: a directory is not a changed file.)
        opts.flags |= GIT_DIFF_INCLUDE_TYPECHANGE.rawValue
        return opts
    }

    func changes(in diff: OpaquePointer, detectRenames: Bool) throws -> [TreeChange] {
        if detectRenames {
            var find = git_diff_find_options()
            try LibGit2.check(git_diff_find_options_init(&find, UInt32(GIT_DIFF_FIND_OPTIONS_VERSION)), "initialising rename options")
            find.flags = GIT_DIFF_FIND_RENAMES.rawValue
            try LibGit2.check(git_diff_find_similar(diff, &find), "detecting renames")
        }
        var out: [TreeChange] = []
        try withODB { odb in
            for i in 0..<git_diff_num_deltas(diff) {
                guard let delta = git_diff_get_delta(diff, i)?.pointee else { continue }
                let status: TreeChange.Status
                switch delta.status {
                case GIT_DELTA_ADDED: status = .added
                case GIT_DELTA_DELETED: status = .deleted
                case GIT_DELTA_MODIFIED: status = .modified
                case GIT_DELTA_RENAMED: status = .renamed
                case GIT_DELTA_COPIED: status = .copied
                case GIT_DELTA_TYPECHANGE: status = .typeChanged
                default: continue
                }
                var oldFile = delta.old_file, newFile = delta.new_file
                let hasOld = status != .added, hasNew = status != .deleted
                // Tree-to-tree diffs leave sizes at 0: read them from the object headers. A submodule's
                // id is a commit (maybe not even in this repository), never a blob to size.
                func size(_ file: inout git_diff_file, present: Bool) -> Int64 {
                    guard present, UInt32(file.mode) != GIT_FILEMODE_COMMIT.rawValue else { return 0 }
                    return withUnsafePointer(to: &file.id) { blobSize($0, odb: odb) }
                }
                let oldSize = size(&oldFile, present: hasOld)
                let newSize = size(&newFile, present: hasNew)
                let oldName: UnsafePointer<CChar>? = oldFile.path, newName: UnsafePointer<CChar>? = newFile.path
                guard let anyName = oldName ?? newName else { continue }
                let oldPath = String(cString: oldName ?? anyName), newPath = String(cString: newName ?? anyName)
                out.append(TreeChange(
                    status: status,
                    oldPath: oldPath,
                    newPath: newPath,
                    oldSize: oldSize,
                    newSize: newSize,
                    oldID: hasOld ? ObjectID(oldFile.id).hex : nil,
                    newID: hasNew ? ObjectID(newFile.id).hex : nil,
                    similarity: Int(delta.similarity)))
            }
        }
        return out
    }
}
