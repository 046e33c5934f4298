import CLibGit2
import CMLBotCore

/// One changed path between two trees (or a tree and the index).
public struct TreeChange: Equatable, Sendable {
    public enum Status: String, Sendable { case added, deleted, modified, renamed, copied, typeChanged }
    public var status: Status
    /// The path before the change (equals `newPath` unless renamed or copied).
    public var oldPath: String
    public var newPath: String
    /// Blob sizes from the object database (0 for the missing side).
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
    /// detection, which can differ from `git diff -M` at the margins.
    public func diffTrees(from old: GitCommitTree?, to new: GitCommitTree?, detectRenames: Bool = true) throws -> [TreeChange] {
        var opts = git_diff_options()
        try LibGit2.check(git_diff_options_init(&opts, UInt32(GIT_DIFF_OPTIONS_VERSION)), "initialising diff options")
        var diff: OpaquePointer?
        try LibGit2.check(git_diff_tree_to_tree(&diff, pointer, old?.tree, new?.tree, &opts), "diffing trees")
        defer { git_diff_free(diff) }
        return try changes(in: diff!, detectRenames: detectRenames)
    }

    /// What `git commit` would record now: the index (staging area) against `head` (nil before the first commit).
    public func diffIndex(against head: GitCommitTree?, detectRenames: Bool = true) throws -> [TreeChange] {
        var index: OpaquePointer?
        try LibGit2.check(git_repository_index(&index, pointer), "reading the index")
        defer { git_index_free(index) }
        var opts = git_diff_options()
        try LibGit2.check(git_diff_options_init(&opts, UInt32(GIT_DIFF_OPTIONS_VERSION)), "initialising diff options")
        var diff: OpaquePointer?
        try LibGit2.check(git_diff_tree_to_index(&diff, pointer, head?.tree, index, &opts), "diffing the index")
        defer { git_diff_free(diff) }
        return try changes(in: diff!, detectRenames: detectRenames)
    }

    /// Every entry of the index (the staged tree), with blob sizes.
    public func indexEntries() throws -> [FileTreeEntry] {
        var index: OpaquePointer?
        try LibGit2.check(git_repository_index(&index, pointer), "reading the index")
        defer { git_index_free(index) }
        let count = git_index_entrycount(index)
        var out: [FileTreeEntry] = []
        out.reserveCapacity(count)
        try withODB { odb in
            for i in 0..<count {
                guard let entry = git_index_get_byindex(index, i) else { continue }
                let path = String(cString: entry.pointee.path)
                let mode = entry.pointee.mode
                let kind: FileTreeEntry.Kind = mode == 0o160000 ? .submodule : mode == 0o120000 ? .symlink : .file
                var size: Int64 = 0
                if kind != .submodule {
                    withUnsafePointer(to: entry.pointee.id) { size = blobSize($0, odb: odb) }
                }
                out.append(FileTreeEntry(path: path, kind: kind, size: size))
            }
        }
        return out
    }

    private func changes(in diff: OpaquePointer, detectRenames: Bool) throws -> [TreeChange] {
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
                // Tree-to-tree diffs leave sizes at 0: read them from the object headers.
                let hasOld = status != .added, hasNew = status != .deleted
                let oldSize = hasOld ? withUnsafePointer(to: &oldFile.id) { blobSize($0, odb: odb) } : 0
                let newSize = hasNew ? withUnsafePointer(to: &newFile.id) { blobSize($0, odb: odb) } : 0
                out.append(TreeChange(
                    status: status,
                    oldPath: String(cString: oldFile.path),
                    newPath: String(cString: newFile.path),
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
