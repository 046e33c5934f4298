import CLibGit2
import CMLBotCore
import Foundation

/// HEAD's tree against the index, walked together in git's path order, as `git diff --cached`
/// does: a directory whose cache-tree id (what the index would write for it) equals HEAD's tree id
/// is unchanged and skipped without reading it. With two staged files in a 50,000-file repository
/// that reads a handful of trees instead of all of them (libgit2's tree-to-index diff reads every
/// tree, ~20 ms), and makes a `String` only for the changed paths.
///
/// Its output is what libgit2's diff reports (tests hold the two, and `git diff --cached`, equal):
/// intent-to-add entries are not staged content, conflicted paths are left out, a file↔symlink or
/// file↔submodule change is one type change.
struct StagedDiffWalk {
    struct Side { var mode: UInt32; var id: git_oid }
    struct Change { var path: String; var old: Side?; var new: Side? }

    let repository: LibGit2Repository
    let index: IndexFile
    var changes: [Change] = []
    /// HEAD trees read below the root (what the cache-tree saves; tests check it).
    var treesRead = 0

    init(repository: LibGit2Repository, index: IndexFile) {
        self.repository = repository
        self.index = index
    }

    mutating func run(head: OpaquePointer?) throws {
        let all = 0..<index.paths.count
        guard let head else {
            for i in all { addIndexOnly(i) }
            return
        }
        if let root = index.cacheTree[""], var headID = git_tree_id(head)?.pointee, git_oid_equal(&headID, withUnsafePointer(to: root) { $0 }) == 1 {
            return
        }
        try directory(head, prefix: [], range: all)
    }

    /// Compares one HEAD tree with the index entries below `prefix` (`range`).
    private mutating func directory(_ tree: OpaquePointer, prefix: [UInt8], range: Range<Int>) throws {
        let count = git_tree_entrycount(tree)
        var t = 0
        var i = range.lowerBound
        while t < count || i < range.upperBound {
            // The index side's next name below `prefix`, and whether it is a directory (a run of entries).
            var indexName: [UInt8] = []
            var indexIsDirectory = false
            if i < range.upperBound {
                index.paths.withPath(i) { path in
                    let rest = UnsafeBufferPointer(rebasing: path[prefix.count...])
                    if let slash = rest.firstIndex(of: UInt8(ascii: "/")) {
                        indexName = Array(rest[rest.startIndex..<slash])
                        indexIsDirectory = true
                    } else {
                        indexName = Array(rest)
                    }
                }
            }
            let entry: OpaquePointer? = t < count ? git_tree_entry_byindex(tree, t) : nil
            let order: Int
            if i >= range.upperBound { order = 1 }
            else if let entry { order = Self.compare(indexName, indexIsDirectory, entry) }
            else { order = -1 }

            if order < 0 {
                // Only in the index.
                if indexIsDirectory {
                    let end = groupEnd(prefix + indexName, from: i, in: range)
                    for j in i..<end { addIndexOnly(j) }
                    i = end
                } else {
                    addIndexOnly(i)
                    i += 1
                }
                continue
            }
            guard let entry else { break }
            let name = Array(UnsafeBufferPointer(start: UnsafeRawPointer(git_tree_entry_name(entry)).assumingMemoryBound(to: UInt8.self),
                                                 count: strlen(git_tree_entry_name(entry))))
            let mode = git_tree_entry_filemode(entry).rawValue
            let id = git_tree_entry_id(entry).pointee
            t += 1
            if order > 0 {
                // Only in HEAD.
                if mode == GIT_FILEMODE_TREE.rawValue {
                    try deleteAll(id, prefix: prefix + name + [UInt8(ascii: "/")])
                } else {
                    changes.append(Change(path: Self.string(prefix + name), old: Side(mode: mode, id: id), new: nil))
                }
                continue
            }
            if indexIsDirectory {
                // A directory on both sides: unchanged when the index's cache-tree says it would write
                // the same tree; otherwise compare what is inside.
                let childPrefix = prefix + name + [UInt8(ascii: "/")]
                let end = groupEnd(prefix + name, from: i, in: range)
                var headID = id
                if let cached = index.cacheTree[Self.string(prefix + name)], withUnsafePointer(to: cached, { git_oid_equal($0, &headID) }) == 1 {
                    i = end
                    continue
                }
                var sub: OpaquePointer?
                guard git_tree_lookup(&sub, repository.pointer, &headID) == 0, let sub else {
                    throw GitError.missingObject(what: "tree \(Self.string(prefix + name))", revision: "HEAD", shallow: repository.isShallow)
                }
                defer { git_tree_free(sub) }
                treesRead += 1
                try directory(sub, prefix: childPrefix, range: i..<end)
                i = end
            } else {
                // A file (blob, symlink or submodule) on both sides.
                let old = Side(mode: mode, id: id)
                if index.conflicted[i] {
                    // libgit2 reports a conflict, not a change: nothing is staged for this path yet.
                } else if index.intentToAdd[i] {
                    changes.append(Change(path: Self.string(prefix + name), old: old, new: nil))
                } else {
                    var a = old.id, b = index.ids[i]
                    if git_oid_equal(&a, &b) != 1 || old.mode != index.modes[i] {
                        changes.append(Change(path: Self.string(prefix + name), old: old, new: Side(mode: index.modes[i], id: b)))
                    }
                }
                i += 1
            }
        }
    }

    /// An index entry with nothing at its path in HEAD: an addition, unless it is only a conflict or
    /// an intent to add.
    private mutating func addIndexOnly(_ i: Int) {
        guard !index.conflicted[i], !index.intentToAdd[i] else { return }
        changes.append(Change(path: index.paths[i], old: nil, new: Side(mode: index.modes[i], id: index.ids[i])))
    }

    /// Every file of a HEAD directory the index does not have: deletions.
    private mutating func deleteAll(_ id: git_oid, prefix: [UInt8]) throws {
        var id = id
        var tree: OpaquePointer?
        guard git_tree_lookup(&tree, repository.pointer, &id) == 0, let tree else {
            throw GitError.missingObject(what: "tree \(Self.string(prefix))", revision: "HEAD", shallow: repository.isShallow)
        }
        defer { git_tree_free(tree) }
        treesRead += 1
        for t in 0..<git_tree_entrycount(tree) {
            guard let entry = git_tree_entry_byindex(tree, t), let cName = git_tree_entry_name(entry) else { continue }
            let name = Array(UnsafeBufferPointer(start: UnsafeRawPointer(cName).assumingMemoryBound(to: UInt8.self), count: strlen(cName)))
            let mode = git_tree_entry_filemode(entry).rawValue
            if mode == GIT_FILEMODE_TREE.rawValue {
                try deleteAll(git_tree_entry_id(entry).pointee, prefix: prefix + name + [UInt8(ascii: "/")])
            } else {
                changes.append(Change(path: Self.string(prefix + name), old: Side(mode: mode, id: git_tree_entry_id(entry).pointee), new: nil))
            }
        }
    }

    /// The end of the run of entries below `directory/`, starting at `from`.
    private func groupEnd(_ directory: [UInt8], from: Int, in range: Range<Int>) -> Int {
        // Every "directory/…" path sorts before "directory0" ("0" is the byte after "/").
        let bound = directory + [UInt8(ascii: "/") + 1]
        return bound.withUnsafeBufferPointer { index.paths.lowerBound($0, in: from..<range.upperBound) }
    }

    /// git's tree order: names compare bytewise, a directory as if its name ended in "/".
    private static func compare(_ name: [UInt8], _ isDirectory: Bool, _ entry: OpaquePointer) -> Int {
        guard let cName = git_tree_entry_name(entry) else { return -1 }
        let other = UnsafeBufferPointer(start: UnsafeRawPointer(cName).assumingMemoryBound(to: UInt8.self), count: strlen(cName))
        let otherIsDirectory = git_tree_entry_filemode(entry) == GIT_FILEMODE_TREE
        let n = min(name.count, other.count)
        for k in 0..<n where name[k] != other[k] { return Int(name[k]) - Int(other[k]) }
        let a = n < name.count ? Int(name[n]) : (isDirectory ? 0x2F : 0)
        let b = n < other.count ? Int(other[n]) : (otherIsDirectory ? 0x2F : 0)
        return a - b
    }

    private static func string(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}

extension LibGit2Repository {
    /// The index file this repository reads: `GIT_INDEX_FILE` when set through `useIndexFile`.
    var indexFilePath: String { indexFileOverride ?? gitDir + "/index" }

    /// The index, read from its file; through libgit2 when the file uses a format `IndexFile` does
    /// not read (libgit2 then reports what is wrong with it, as before).
    func readIndexFile() throws -> IndexFile {
        if let parsed = IndexFile.read(path: indexFilePath) { return parsed }
        return try withFreshIndex { index in
            var out = IndexFile()
            for i in 0..<git_index_entrycount(index) {
                guard let entry = git_index_get_byindex(index, i), let cPath = entry.pointee.path else { continue }
                let path = UnsafeBufferPointer(start: UnsafeRawPointer(cPath).assumingMemoryBound(to: UInt8.self), count: strlen(cPath))
                out.add(path, mode: entry.pointee.mode, id: entry.pointee.id, stage: Int(git_index_entry_stage(entry)),
                           intentToAdd: entry.pointee.flags_extended & UInt16(GIT_INDEX_ENTRY_INTENT_TO_ADD.rawValue) != 0)
            }
            return out
        }
    }

    /// Staged changes from the walk: the same statuses, sizes and ids libgit2's diff reports.
    /// Renames need libgit2's similarity detection, which runs on a diff restricted to the changed paths.
    func stagedChanges(_ index: IndexFile, against head: GitCommitTree?, detectRenames: Bool) throws -> [TreeChange] {
        var walk = StagedDiffWalk(repository: self, index: index)
        try walk.run(head: head?.tree)
        if walk.changes.isEmpty { return [] }
        if detectRenames, walk.changes.contains(where: { $0.old == nil }), walk.changes.contains(where: { $0.new == nil }) {
            return try restrictedDiff(walk.changes, head: head)
        }
        return try withODB { odb in
            func size(_ side: StagedDiffWalk.Side?) -> Int64 {
                guard var side, side.mode != GIT_FILEMODE_COMMIT.rawValue else { return 0 }
                return blobSize(&side.id, odb: odb)
            }
            return walk.changes.map { change in
                let status: TreeChange.Status
                switch (change.old, change.new) {
                case (nil, _): status = .added
                case (_, nil): status = .deleted
                case let (old?, new?): status = old.mode & 0o170000 == new.mode & 0o170000 ? .modified : .typeChanged
                }
                return TreeChange(status: status, oldPath: change.path, newPath: change.path,
                                  oldSize: size(change.old), newSize: size(change.new),
                                  oldID: change.old.map { ObjectID($0.id).hex }, newID: change.new.map { ObjectID($0.id).hex },
                                  similarity: 0)
            }.sorted { RepoPath.precedes($0.path, $1.path) }
        }
    }

    /// libgit2's tree-to-index diff, with rename detection, over an index holding only the changed
    /// entries and limited to the changed paths: the same deltas as the whole diff (renames pair
    /// only additions with deletions), without reading the unchanged trees.
    private func restrictedDiff(_ changes: [StagedDiffWalk.Change], head: GitCommitTree?) throws -> [TreeChange] {
        var small: OpaquePointer?
        try LibGit2.check(git_index_new(&small), "creating an index")
        guard let small else { throw GitError.libgit2(operation: "creating an index", message: "no index") }
        defer { git_index_free(small) }
        for change in changes {
            guard let new = change.new else { continue }
            var entry = git_index_entry()
            entry.mode = new.mode
            entry.id = new.id
            try change.path.withCString { cPath in
                entry.path = cPath
                try LibGit2.check(git_index_add(small, &entry), "staging \(change.path)")
            }
        }
        var opts = try Self.diffOptions()
        opts.flags |= GIT_DIFF_DISABLE_PATHSPEC_MATCH.rawValue
        let cPaths = changes.map { strdup($0.path) }
        defer { cPaths.forEach { free($0) } }
        var pointers = cPaths
        return try pointers.withUnsafeMutableBufferPointer { buffer in
            opts.pathspec = git_strarray(strings: buffer.baseAddress, count: buffer.count)
            var diff: OpaquePointer?
            try LibGit2.check(git_diff_tree_to_index(&diff, pointer, head?.tree, small, &opts), "diffing the index")
            defer { git_diff_free(diff) }
            guard let diff else { throw GitError.libgit2(operation: "diffing the index", message: "no diff") }
            return try self.changes(in: diff, detectRenames: true)
        }
    }
}
