import CLibGit2
import CMLBotCore
import Foundation

/// libgit2 must be initialised once per process before any call; a `static let` runs this exactly once
/// and is safe under Swift 6 strict concurrency, unlike a global flag.
enum LibGit2 {
    static let initialized: Void = {
        git_libgit2_init()
        // libgit2 re-hashes every object it reads to verify its id; git does not (only `git fsck`
        // does), and on a 50,000-file tree walk the hashing cost 8% of the run. zlib still checks
        // the adler32 of every object it inflates, so a damaged object is still an error.
        _ = cmlbot_git_set_strict_hash_verification(0)
        return ()
    }()

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
        var buffer = [CChar](repeating: 0, count: 40)
        git_oid_fmt(&buffer, &oid)
        hex = String(decoding: buffer.map { UInt8(bitPattern: $0) }, as: UTF8.self)
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
    /// The index file to read instead of `.git/index` (`GIT_INDEX_FILE`), set by `useIndexFile`.
    var indexFileOverride: String?

    /// Opens the repository containing `path`, searching parent directories as git does.
    public init(discoveringFrom path: String) throws {
        _ = LibGit2.initialized
        var repo: OpaquePointer?
        let code = git_repository_open_ext(&repo, path, 0, nil)
        guard code == 0, let repo else {
            // libgit2 1.5.1 reports a failed ownership (safe.directory) check as GIT_ENOTFOUND with
            // this message; later versions return GIT_EOWNER. Either way "not a git repository" would
            // send the user looking in the wrong place.
            let message = LibGit2.lastErrorMessage()
            if code == GIT_EOWNER.rawValue || (code == GIT_ENOTFOUND.rawValue && message.contains("safe.directory")) {
                throw GitError.notOwnedByCurrentUser(path: Self.enclosingCheckout(of: path) ?? path)
            }
            if code == GIT_ENOTFOUND.rawValue { throw GitError.notARepository(path: path) }
            throw GitError.libgit2(operation: "opening \(path)", message: message)
        }
        pointer = repo
        workdir = git_repository_workdir(repo).map { Self.trimSlash(String(cString: $0)) }
        gitDir = Self.trimSlash(String(cString: git_repository_path(repo)))
    }

    deinit { git_repository_free(pointer) }

    private static func trimSlash(_ s: String) -> String {
        s.count > 1 && s.hasSuffix("/") ? String(s.dropLast()) : s
    }

    /// The nearest directory at or above `path` holding a `.git`, for naming it in an error.
    private static func enclosingCheckout(of path: String) -> String? {
        var directory = URL(fileURLWithPath: path).standardizedFileURL.path
        while true {
            if FileManager.default.fileExists(atPath: directory == "/" ? "/.git" : directory + "/.git") { return directory }
            if directory == "/" || directory.isEmpty { return nil }
            directory = URL(fileURLWithPath: directory).deletingLastPathComponent().path
        }
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
        if spec.utf8.contains(0) {
            // C would read the spec only up to the NUL: resolve nothing rather than something else.
            throw GitError.invalidRevisionSyntax(spec, reason: "it contains a NUL byte")
        }
        if let range = spec.range(of: "...") {
            let left = String(spec[..<range.lowerBound])
            let right = String(spec[range.upperBound...])
            if right.contains("..") {
                throw GitError.invalidRevisionSyntax(spec, reason: "A...B takes exactly two revisions")
            }
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
        let name = spec ?? "\(a.short)...\(b.short)"
        var out = git_oid()
        var ra = a.raw, rb = b.raw
        let code = git_merge_base(&out, pointer, &ra, &rb)
        if code == 0 { return ObjectID(out) }
        if isShallow {
            // libgit2 1.5 does not read .git/shallow: its walk fails on the first missing parent
            // even when the merge-base itself was fetched (GitLab's default depth, fetch-depth: N).
            let message = LibGit2.lastErrorMessage()
            if let base = shallowMergeBase(a, b) { return base }
            if code == GIT_ENOTFOUND.rawValue || message.contains("not found") {
                throw GitError.unknownRevision("merge-base of \(name)", shallow: true)
            }
            throw GitError.libgit2(operation: "finding the merge-base of \(name)", message: message)
        }
        if code == GIT_ENOTFOUND.rawValue {
            throw GitError.invalidRevisionSyntax(name, reason: "the two commits have no common ancestor")
        }
        try LibGit2.check(code, "finding the merge-base of \(name)")
        return ObjectID(out)
    }

    /// The merge-base within the fetched part of a shallow clone, treating the commits listed in
    /// `shallow` (and any missing commit) as roots, as git does. nil when the histories meet only
    /// beyond the boundary. Shallow histories are short, so plain ancestor sets are cheap enough.
    private func shallowMergeBase(_ a: ObjectID, _ b: ObjectID) -> ObjectID? {
        let boundary = shallowBoundary()
        var commitTimes: [ObjectID: Int64] = [:]
        var parentCache: [ObjectID: [ObjectID]] = [:]
        func parents(_ id: ObjectID) -> [ObjectID]? {
            if let cached = parentCache[id] { return cached }
            var raw = id.raw
            var commit: OpaquePointer?
            guard git_commit_lookup(&commit, pointer, &raw) == 0, let commit else { return nil }
            defer { git_commit_free(commit) }
            commitTimes[id] = Int64(git_commit_time(commit))
            var out: [ObjectID] = []
            if !boundary.contains(id.hex) {
                for n in 0..<git_commit_parentcount(commit) {
                    if let parent = git_commit_parent_id(commit, n) { out.append(ObjectID(parent.pointee)) }
                }
            }
            parentCache[id] = out
            return out
        }
        /// Commits reachable from `start` (itself included), not walking past `stop`.
        func reachable(from start: ObjectID, stoppingAt stop: (ObjectID) -> Bool = { _ in false }) -> Set<ObjectID> {
            var seen: Set<ObjectID> = []
            var queue = [start]
            while let id = queue.popLast() {
                guard !seen.contains(id), let next = parents(id) else { continue }
                seen.insert(id)
                if !stop(id) { queue += next }
            }
            return seen
        }
        let fromA = reachable(from: a)
        let commons = reachable(from: b, stoppingAt: { fromA.contains($0) }).filter { fromA.contains($0) }
        // The best common ancestors: those no other common ancestor reaches.
        var best: [ObjectID] = []
        for candidate in commons.sorted(by: { $0.hex < $1.hex }) {
            let dominated = commons.contains { other in
                other != candidate && reachable(from: other).contains(candidate)
            }
            if !dominated { best.append(candidate) }
        }
        // Several best bases (criss-cross merges): the newest, as git merge-base prints first.
        return best.sorted { (commitTimes[$0] ?? 0) > (commitTimes[$1] ?? 0) }.first
    }

    /// The commits a shallow clone has no parents for (`$GIT_COMMON_DIR/shallow`).
    private func shallowBoundary() -> Set<String> {
        guard let commonDir = git_repository_commondir(pointer) else { return [] }
        let path = Self.trimSlash(String(cString: commonDir)) + "/shallow"
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return Set(String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { $0.count == 40 })
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
        // Compare bytes: String.hasPrefix and dropFirst work on characters, under which a decomposed
        // "e\u{301}" equals "é" and the two spellings have different lengths.
        let pathBytes = Array(std.utf8), rootBytes = Array(root.utf8)
        if pathBytes == rootBytes { return "" }
        let prefix = rootBytes.last == UInt8(ascii: "/") ? rootBytes : rootBytes + [UInt8(ascii: "/")]
        guard pathBytes.starts(with: prefix) else { return nil }
        return String(decoding: pathBytes.dropFirst(prefix.count), as: UTF8.self)
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
        guard let odb else { throw GitError.libgit2(operation: "opening the object database", message: "no object database") }
        defer { git_odb_free(odb) }
        return try body(odb)
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

    /// Whether git ignores `relativePath` (a trailing "/" asks about a directory). Also true below
    /// an ignored directory. Raw bytes, so names that are not UTF-8 are asked about as they are.
    func isIgnored(_ relativePath: [UInt8]) -> Bool {
        var ignored: Int32 = 0
        let cPath = relativePath.map { CChar(bitPattern: $0) } + [0]
        return git_ignore_path_is_ignored(&ignored, pointer, cPath) == 0 && ignored == 1
    }

    func isIgnored(_ relativePath: String) -> Bool {
        isIgnored(Array(relativePath.utf8))
    }

    /// Where git keeps this checkout's administrative files (the `.git` directory, and for a linked
    /// worktree also the main repository's), absolute without a trailing slash.
    var administrativeDirectories: [String] {
        var out = [gitDir]
        if let common = git_repository_commondir(pointer) { out.append(Self.trimSlash(String(cString: common))) }
        return out
    }
}
