import CLibGit2
import CMLBotCore
import Foundation

/// A commit's tree, read straight from git objects (no checkout).
public final class GitCommitTree: FileTree {
    public let label: String
    public let commit: ObjectID
    let repository: LibGit2Repository
    let tree: OpaquePointer

    init(repository: LibGit2Repository, commit: ObjectID, label: String) throws {
        self.repository = repository
        self.commit = commit
        self.label = label
        var raw = commit.raw
        var commitObject: OpaquePointer?
        guard git_commit_lookup(&commitObject, repository.pointer, &raw) == 0, let commitObject else {
            throw GitError.missingObject(what: "commit \(commit.short)", revision: label, shallow: repository.isShallow)
        }
        defer { git_commit_free(commitObject) }
        var tree: OpaquePointer?
        guard git_commit_tree(&tree, commitObject) == 0, let tree else {
            throw GitError.missingObject(what: "tree of commit \(commit.short)", revision: label, shallow: repository.isShallow)
        }
        self.tree = tree
    }

    deinit { git_tree_free(tree) }

    /// Runs `body` with the entry at `path` (normalised, non-empty), nil when there is none. The
    /// entry is owned here and freed afterwards.
    private func withEntry<T>(_ path: String, _ body: (OpaquePointer?) throws -> T) throws -> T {
        var entry: OpaquePointer?
        let code = git_tree_entry_bypath(&entry, tree, path)
        if code == GIT_ENOTFOUND.rawValue { return try body(nil) }
        try LibGit2.check(code, "looking up \(path) at \(label)")
        defer { git_tree_entry_free(entry) }
        return try body(entry)
    }

    public func entry(at path: String) throws -> FileTreeEntry? {
        guard let path = CheckoutPath.normalize(path) else { return nil }
        if path.isEmpty { return FileTreeEntry(path: "", kind: .directory) }
        return try withEntry(path) { entry in
            guard let entry else { return nil }
            let kind = Self.kind(of: entry)
            var size: Int64 = 0
            if kind == .file || kind == .symlink, let id = git_tree_entry_id(entry) {
                size = try repository.withODB { repository.blobSize(id, odb: $0) }
            }
            return FileTreeEntry(path: path, kind: kind, size: size)
        }
    }

    public func readFile(_ path: String) throws -> Data {
        // A path above the root names nothing in the tree; the root itself is a directory.
        guard let normalized = CheckoutPath.normalize(path) else { throw FileTreeError.notFound(path: path, revision: label) }
        if normalized.isEmpty { throw FileTreeError.notAFile(path: normalized, revision: label) }
        return try withEntry(normalized) { entry in
            guard let entry else { throw FileTreeError.notFound(path: normalized, revision: label) }
            guard Self.kind(of: entry) == .file, let id = git_tree_entry_id(entry) else {
                throw FileTreeError.notAFile(path: normalized, revision: label)
            }
            return try repository.readBlob(id, path: normalized, label: label)
        }
    }

    public func files(under directory: String) throws -> [FileTreeEntry] {
        try walk(under: directory, sizes: true)
    }

    public func filePaths(under directory: String) throws -> [String] {
        try walk(under: directory, sizes: false).map(\.path)
    }

    /// All files below `directory` (symlinks and submodules included, with their kinds), sorted by
    /// the bytes of their paths. `sizes: false` skips the object-header reads.
    public func walk(under directory: String, sizes: Bool) throws -> [FileTreeEntry] {
        let listing = try list(under: directory, sizes: sizes)
        return (0..<listing.paths.count).map { FileTreeEntry(path: listing.paths[$0], kind: listing.kinds[$0], size: listing.sizes[$0]) }
    }

    /// The files of the walk as one sorted byte table plus kinds and sizes: on a 50,000-file tree
    /// this makes no `String` per file, which cost as much as libgit2's reading of the trees.
    public func list(under directory: String, sizes: Bool) throws -> TreeListing {
        guard let directory = CheckoutPath.normalize(directory) else { return TreeListing() }
        // Trees on the walk's path from the start, each with the index of its next entry and the
        // length of the path prefix it adds. The start tree may be self.tree (not ours to free);
        // every other one is freed when left.
        var stack: [(tree: OpaquePointer, owned: Bool, prefixLength: Int, next: Int)] = []
        defer { for frame in stack where frame.owned { git_tree_free(frame.tree) } }
        var prefix: [UInt8] = []
        if directory.isEmpty {
            stack.append((tree, false, 0, 0))
        } else {
            let subtree: OpaquePointer? = try withEntry(directory) { entry in
                guard let entry, git_tree_entry_type(entry) == GIT_OBJECT_TREE, let id = git_tree_entry_id(entry) else { return nil }
                var sub: OpaquePointer?
                guard git_tree_lookup(&sub, repository.pointer, id) == 0, let sub else {
                    throw GitError.missingObject(what: "tree \(directory)", revision: label, shallow: repository.isShallow)
                }
                return sub
            }
            guard let subtree else { return TreeListing() }
            prefix = Array(directory.utf8) + [UInt8(ascii: "/")]
            stack.append((subtree, true, prefix.count, 0))
        }

        var out = TreeListing()
        var lossy = false
        // Each tree is read once: keeping all of them in libgit2's object cache only cost memory
        // (page faults) and hash-map inserts, ~15% of a 50,000-file walk. The switch is process-wide
        // and only about speed; nothing else reads objects while this walk runs.
        _ = cmlbot_git_enable_caching(0)
        defer { _ = cmlbot_git_enable_caching(1) }
        try repository.withODB { odb in
            while let top = stack.last {
                let index = top.next
                guard index < git_tree_entrycount(top.tree) else {
                    stack.removeLast()
                    if top.owned { git_tree_free(top.tree) }
                    prefix.removeLast(top.prefixLength)
                    continue
                }
                stack[stack.count - 1].next = index + 1
                // Borrowed from the tree: not freed here.
                guard let entry = git_tree_entry_byindex(top.tree, index), let cName = git_tree_entry_name(entry),
                      let id = git_tree_entry_id(entry) else { continue }
                let nameBytes = UnsafeBufferPointer(start: UnsafeRawPointer(cName).assumingMemoryBound(to: UInt8.self), count: strlen(cName))
                // A crafted tree can hold names no checkout could (git fsck and checkout refuse them).
                guard CheckoutPath.isValidName(nameBytes) else { continue }
                if !lossy, nameBytes.contains(where: { $0 >= 0x80 }), String(validating: nameBytes, as: UTF8.self) == nil { lossy = true }
                switch Self.kind(of: entry) {
                case .directory:
                    var sub: OpaquePointer?
                    guard git_tree_lookup(&sub, repository.pointer, id) == 0, let sub else {
                        throw GitError.missingObject(what: "tree \(String(decoding: prefix + nameBytes, as: UTF8.self))", revision: label, shallow: repository.isShallow)
                    }
                    prefix.append(contentsOf: nameBytes)
                    prefix.append(UInt8(ascii: "/"))
                    stack.append((sub, true, nameBytes.count + 1, 0))
                case let kind:
                    out.paths.append(prefix, nameBytes)
                    out.kinds.append(kind)
                    // A submodule entry is a commit of another repository, not in this object database.
                    out.sizes.append(sizes && kind != .submodule ? repository.blobSize(id, odb: odb) : 0)
                }
            }
        }
        // Names are bytes; ones that are not UTF-8 are listed lossily rather than dropped, which can
        // change their order (and the bytes a lookup compares): re-list the decoded paths, sorted.
        if lossy {
            let decoded = (0..<out.paths.count).map { (out.paths[$0], out.kinds[$0], out.sizes[$0]) }
                .sorted { RepoPath.precedes($0.0, $1.0) }
            out = TreeListing()
            for (path, kind, size) in decoded {
                out.paths.append(path.utf8)
                out.kinds.append(kind)
                out.sizes.append(size)
            }
        }
        return out
    }

    static func kind(of entry: OpaquePointer) -> FileTreeEntry.Kind {
        switch git_tree_entry_filemode(entry) {
        case GIT_FILEMODE_TREE: return .directory
        case GIT_FILEMODE_COMMIT: return .submodule
        case GIT_FILEMODE_LINK: return .symlink
        default: return .file
        }
    }
}

/// A tree's files in path order: `paths[i]` has kind `kinds[i]` and size `sizes[i]` (0 unless read).
public struct TreeListing: Sendable {
    public var paths = SortedPaths()
    public var kinds: [FileTreeEntry.Kind] = []
    public var sizes: [Int64] = []
    public init() {}
}

/// Repository paths as a checkout could hold them, shared by the commit and workspace trees so
/// both answer alike for the same name.
enum CheckoutPath {
    /// `path` normalised (see `RepoPath.normalize`), or nil when it names nothing a checkout could
    /// hold: a path above the root, one with a NUL byte (C would cut the name short there and read
    /// something else), or one through `.git` in any letter case (git never checks those out).
    static func normalize(_ path: String) -> String? {
        guard !path.utf8.contains(0), let normalized = RepoPath.normalize(path) else { return nil }
        if normalized.split(separator: "/").contains(where: { isGitDirectoryName($0.utf8) }) { return nil }
        return normalized
    }

    /// Whether one tree-entry or directory-entry name could be checked out.
    static func isValidName<Bytes: Collection>(_ name: Bytes) -> Bool where Bytes.Element == UInt8 {
        let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
        if name.isEmpty || name.contains(slash) || name.contains(0) { return false }
        if name.allSatisfy({ $0 == dot }) && name.count <= 2 { return false }
        return !isGitDirectoryName(name)
    }

    static func isGitDirectoryName<Bytes: Collection>(_ name: Bytes) -> Bool where Bytes.Element == UInt8 {
        // ASCII case folding only: git compares ".git" case-insensitively (core.protectNTFS/HFS).
        name.count == 4 && zip(name, ".git".utf8).allSatisfy { byte, expected in
            (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) == expected
        }
    }
}

public enum FileTreeError: UserFacingError, Equatable {
    case notFound(path: String, revision: String)
    case notAFile(path: String, revision: String)
    case unreadable(path: String, revision: String, reason: String)

    public var message: String {
        switch self {
        case .notFound(let path, let revision): return "\(Self.shown(path)) does not exist at \(revision)"
        case .notAFile(let path, let revision): return "\(Self.shown(path)) at \(revision) is not a regular file"
        case .unreadable(let path, let revision, let reason): return "cannot read \(Self.shown(path)) at \(revision): \(reason)"
        }
    }

    /// The repository root is "" internally; "." reads better in a sentence.
    private static func shown(_ path: String) -> String { path.isEmpty ? "." : path }
}
