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

    public func entry(at path: String) throws -> FileTreeEntry? {
        guard let path = RepoPath.normalize(path) else { return nil }
        if path.isEmpty { return FileTreeEntry(path: "", kind: .directory) }
        var entry: OpaquePointer?
        let code = git_tree_entry_bypath(&entry, tree, path)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try LibGit2.check(code, "looking up \(path) at \(label)")
        defer { git_tree_entry_free(entry) }
        let kind = Self.kind(of: entry!)
        var size: Int64 = 0
        if kind == .file || kind == .symlink {
            size = try repository.withODB { repository.blobSize(git_tree_entry_id(entry), odb: $0) }
        }
        return FileTreeEntry(path: path, kind: kind, size: size)
    }

    public func readFile(_ path: String) throws -> Data {
        guard let normalized = RepoPath.normalize(path), !normalized.isEmpty else {
            throw CocoaError(.fileReadInvalidFileName)
        }
        var entry: OpaquePointer?
        let code = git_tree_entry_bypath(&entry, tree, normalized)
        if code == GIT_ENOTFOUND.rawValue { throw FileTreeError.notFound(path: normalized, revision: label) }
        try LibGit2.check(code, "looking up \(normalized) at \(label)")
        defer { git_tree_entry_free(entry) }
        guard Self.kind(of: entry!) == .file else { throw FileTreeError.notAFile(path: normalized, revision: label) }
        return try repository.readBlob(git_tree_entry_id(entry), path: normalized, label: label)
    }

    public func files(under directory: String) throws -> [FileTreeEntry] {
        try walk(under: directory, sizes: true)
    }

    public func filePaths(under directory: String) throws -> [String] {
        try walk(under: directory, sizes: false).map(\.path)
    }

    /// All files below `directory`, depth-first in git's tree order (byte order of names), which is
    /// sorted order for the joined paths too. `sizes: false` skips the object-header reads.
    public func walk(under directory: String, sizes: Bool) throws -> [FileTreeEntry] {
        guard let directory = RepoPath.normalize(directory) else { return [] }
        var start: OpaquePointer = tree
        var owned: OpaquePointer?
        if !directory.isEmpty {
            var entry: OpaquePointer?
            let code = git_tree_entry_bypath(&entry, tree, directory)
            if code == GIT_ENOTFOUND.rawValue { return [] }
            try LibGit2.check(code, "looking up \(directory) at \(label)")
            defer { git_tree_entry_free(entry) }
            guard git_tree_entry_type(entry) == GIT_OBJECT_TREE else { return [] }
            try LibGit2.check(git_tree_lookup(&owned, repository.pointer, git_tree_entry_id(entry)), "reading tree \(directory)")
            start = owned!
        }
        defer { if let owned { git_tree_free(owned) } }
        var out: [FileTreeEntry] = []
        try repository.withODB { odb in
            try collect(start, prefix: directory.isEmpty ? "" : directory + "/", odb: odb, sizes: sizes, into: &out)
        }
        return out
    }

    private func collect(_ tree: OpaquePointer, prefix: String, odb: OpaquePointer, sizes: Bool, into out: inout [FileTreeEntry]) throws {
        let count = git_tree_entrycount(tree)
        for i in 0..<count {
            // Borrowed from the tree: not freed here.
            guard let entry = git_tree_entry_byindex(tree, i) else { continue }
            let name = String(decoding: UnsafeRawBufferPointer(start: git_tree_entry_name(entry), count: strlen(git_tree_entry_name(entry))), as: UTF8.self)
            let path = prefix + name
            switch Self.kind(of: entry) {
            case .directory:
                var sub: OpaquePointer?
                guard git_tree_lookup(&sub, repository.pointer, git_tree_entry_id(entry)) == 0, let sub else {
                    throw GitError.missingObject(what: "tree \(path)", revision: label, shallow: repository.isShallow)
                }
                defer { git_tree_free(sub) }
                try collect(sub, prefix: path + "/", odb: odb, sizes: sizes, into: &out)
            case .submodule:
                // A submodule entry is a commit of another repository, not in this object database.
                out.append(FileTreeEntry(path: path, kind: .submodule))
            case let kind:
                out.append(FileTreeEntry(path: path, kind: kind, size: sizes ? repository.blobSize(git_tree_entry_id(entry), odb: odb) : 0))
            }
        }
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

public enum FileTreeError: UserFacingError, Equatable {
    case notFound(path: String, revision: String)
    case notAFile(path: String, revision: String)
    case unreadable(path: String, revision: String, reason: String)

    public var message: String {
        switch self {
        case .notFound(let path, let revision): return "\(path) does not exist at \(revision)"
        case .notAFile(let path, let revision): return "\(path) at \(revision) is not a regular file"
        case .unreadable(let path, let revision, let reason): return "cannot read \(path) at \(revision): \(reason)"
        }
    }
}
