import CLibGit2
import CMLBotCore
import Foundation

/// libgit2 must be initialised once per process before any call; a `static let` runs this exactly once
/// and is safe under Swift 6 strict concurrency, unlike a global flag.
enum LibGit2 {
    static let initialized: Void = { git_libgit2_init(); return () }()

    static func lastErrorMessage() -> String {
        guard let err = git_error_last(), let msg = err.pointee.message else { return "unknown libgit2 error" }
        return String(cString: msg)
    }

    static func check(_ code: Int32, _ operation: String) throws {
        if code < 0 { throw GitError.libgit2(operation: operation, message: lastErrorMessage()) }
    }
}

/// A 20-byte git object id, printed as 40 hex characters.
public struct ObjectID: Hashable, Sendable, CustomStringConvertible {
    public let hex: String
    var raw: git_oid

    init(_ oid: git_oid) {
        raw = oid
        var oid = oid
        var buffer = [CChar](repeating: 0, count: 41)
        git_oid_fmt(&buffer, &oid)
        buffer[40] = 0
        hex = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    public var description: String { hex }
    public var short: String { String(hex.prefix(7)) }
    public static func == (a: ObjectID, b: ObjectID) -> Bool { a.hex == b.hex }
    public func hash(into h: inout Hasher) { h.combine(hex) }
}

/// One open repository. Not thread-safe and not Sendable (libgit2 handles are not): open one per task.
public final class LibGit2Repository {
    let pointer: OpaquePointer
    /// The working directory (absolute, no trailing slash), nil for a bare repository.
    public let workdir: String?
    /// The `.git` directory (absolute, no trailing slash).
    public let gitDir: String

    /// Opens the repository containing `path`, searching parent directories as git does.
    public init(discoveringFrom path: String) throws {
        _ = LibGit2.initialized
        var repo: OpaquePointer?
        let code = git_repository_open_ext(&repo, path, 0, nil)
        guard code == 0, let repo else {
            if code == GIT_ENOTFOUND.rawValue { throw GitError.notARepository(path: path) }
            throw GitError.libgit2(operation: "opening \(path)", message: LibGit2.lastErrorMessage())
        }
        pointer = repo
        workdir = git_repository_workdir(repo).map { Self.trimSlash(String(cString: $0)) }
        gitDir = Self.trimSlash(String(cString: git_repository_path(repo)))
    }

    deinit { git_repository_free(pointer) }

    private static func trimSlash(_ s: String) -> String {
        s.count > 1 && s.hasSuffix("/") ? String(s.dropLast()) : s
    }

    public var isShallow: Bool { git_repository_is_shallow(pointer) == 1 }
    public var isBare: Bool { git_repository_is_bare(pointer) == 1 }

    /// The current branch's short name (`main`), nil when HEAD is detached or unborn.
    public var currentBranch: String? {
        var ref: OpaquePointer?
        guard git_repository_head(&ref, pointer) == 0, let ref else { return nil }
        defer { git_reference_free(ref) }
        guard git_reference_is_branch(ref) == 1, let name = git_reference_shorthand(ref) else { return nil }
        return String(cString: name)
    }

    /// Resolves anything git accepts to a commit: full or short SHA, branch, remote branch, tag
    /// (peeled), `HEAD~2`, `main^`, and `A...B` (the merge-base of A and B, as `git diff A...B` uses).
    public func resolveCommit(_ spec: String) throws -> ObjectID {
        if let range = spec.range(of: "...") {
            let left = String(spec[..<range.lowerBound])
            let right = String(spec[range.upperBound...])
            let a = try resolveCommit(left.isEmpty ? "HEAD" : left)
            let b = try resolveCommit(right.isEmpty ? "HEAD" : right)
            return try mergeBase(a, b, spec: spec)
        }
        if spec.contains("..") {
            throw GitError.invalidRevisionSyntax(spec, reason: "a range (A..B) names many commits; use A...B for their merge-base, or two revisions")
        }
        var object: OpaquePointer?
        let code = git_revparse_single(&object, pointer, spec)
        guard code == 0, let object else {
            if code == GIT_ENOTFOUND.rawValue || code == GIT_EINVALIDSPEC.rawValue || code == GIT_EAMBIGUOUS.rawValue {
                if code == GIT_EAMBIGUOUS.rawValue {
                    throw GitError.invalidRevisionSyntax(spec, reason: "the short SHA is ambiguous; give more characters")
                }
                throw GitError.unknownRevision(spec, shallow: isShallow)
            }
            throw GitError.libgit2(operation: "resolving \(spec)", message: LibGit2.lastErrorMessage())
        }
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        guard git_object_peel(&commit, object, GIT_OBJECT_COMMIT) == 0, let commit else {
            throw GitError.invalidRevisionSyntax(spec, reason: "it does not name a commit")
        }
        defer { git_object_free(commit) }
        return ObjectID(git_object_id(commit).pointee)
    }

    public func mergeBase(_ a: ObjectID, _ b: ObjectID, spec: String? = nil) throws -> ObjectID {
        var out = git_oid()
        var ra = a.raw, rb = b.raw
        let code = git_merge_base(&out, pointer, &ra, &rb)
        if code == GIT_ENOTFOUND.rawValue {
            if isShallow { throw GitError.unknownRevision("merge-base of \(spec ?? "\(a.short)...\(b.short)")", shallow: true) }
            throw GitError.invalidRevisionSyntax(spec ?? "\(a.short)...\(b.short)", reason: "the two commits have no common ancestor")
        }
        try LibGit2.check(code, "finding the merge-base")
        return ObjectID(out)
    }

    /// The commit's tree as a `FileTree`, labelled for messages as the user typed the revision.
    public func tree(of commit: ObjectID, label: String) throws -> GitCommitTree {
        try GitCommitTree(repository: self, commit: commit, label: label)
    }

    /// The working directory as a `FileTree` (DVC's `workspace` pseudo-revision).
    public func workspace() throws -> WorkspaceTree {
        guard let workdir else { throw GitError.bareRepository(path: gitDir) }
        return WorkspaceTree(root: workdir, repository: self)
    }

    /// The repository-relative path of `absolutePath` (for "current directory inside the repo").
    public func relativePath(of absolutePath: String) -> String? {
        guard let workdir else { return nil }
        let std = URL(fileURLWithPath: absolutePath).standardizedFileURL.resolvingSymlinksInPath().path
        let root = URL(fileURLWithPath: workdir).standardizedFileURL.resolvingSymlinksInPath().path
        if std == root { return "" }
        guard std.hasPrefix(root + "/") else { return nil }
        return String(std.dropFirst(root.count + 1))
    }

    // MARK: object database

    /// Size of a blob from its header, without inflating its content.
    func blobSize(_ oid: UnsafePointer<git_oid>, odb: OpaquePointer) -> Int64 {
        var length = 0
        var type = GIT_OBJECT_INVALID
        guard git_odb_read_header(&length, &type, odb, oid) == 0 else { return 0 }
        return Int64(length)
    }

    func withODB<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        var odb: OpaquePointer?
        try LibGit2.check(git_repository_odb(&odb, pointer), "opening the object database")
        defer { git_odb_free(odb) }
        return try body(odb!)
    }

    func readBlob(_ oid: UnsafePointer<git_oid>, path: String, label: String) throws -> Data {
        var blob: OpaquePointer?
        guard git_blob_lookup(&blob, pointer, oid) == 0, let blob else {
            throw GitError.missingObject(what: path, revision: label, shallow: isShallow)
        }
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let raw = git_blob_rawcontent(blob) else { return Data() }
        // rawcontent points into libgit2's cache: copy before the blob is freed.
        return Data(bytes: raw, count: size)
    }

    func isIgnored(_ relativePath: String) -> Bool {
        var ignored: Int32 = 0
        return git_ignore_path_is_ignored(&ignored, pointer, relativePath) == 0 && ignored == 1
    }
}
