import CMLBotCore
import Foundation

/// The working directory as DVC's `workspace` pseudo-revision: files as they are on disk now,
/// committed or not. Walks skip `.git`, `.dvc` and directories git ignores (node_modules, data
/// caches), unless the walk starts inside one; those files are still readable by path.
///
/// The checkout is untrusted input (a pull request's files), so this tree never leaves it: a
/// symlink whose target is outside the working directory or inside git's own directory (where a CI
/// token may sit in `.git/config`) reads as a dangling `.symlink`, a path through a symlinked
/// directory that leads out of the checkout does not exist, and `.git` is never part of the tree,
/// just as git never tracks it.
public final class WorkspaceTree: FileTree {
    public let label = "workspace"
    public let root: String
    let repository: LibGit2Repository?
    /// `root` with symlinks resolved, the boundary every resolved path must stay within.
    private let realRoot: [UInt8]
    /// git's administrative directories (resolved), never read through this tree.
    private let forbidden: [[UInt8]]

    public init(root: String, repository: LibGit2Repository? = nil) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        self.repository = repository
        let rootBytes = Array(self.root.utf8)
        let realRoot = Self.realPath(rootBytes) ?? rootBytes
        self.realRoot = realRoot
        var forbidden: [[UInt8]] = [realRoot + Array("/.git".utf8)]
        for directory in repository?.administrativeDirectories ?? [] {
            let bytes = Array(directory.utf8)
            forbidden.append(Self.realPath(bytes) ?? bytes)
        }
        self.forbidden = forbidden
    }

    // MARK: FileTree

    public func entry(at path: String) throws -> FileTreeEntry? {
        guard let path = CheckoutPath.normalize(path) else { return nil }
        if path.isEmpty { return FileTreeEntry(path: "", kind: .directory) }
        // A user-supplied path may pass through symlinked directories: its parent must resolve to a
        // place inside the checkout.
        let parent = RepoPath.parent(path)
        if !parent.isEmpty {
            guard let resolved = Self.realPath(absolute(Array(parent.utf8))), isAllowed(resolved) else { return nil }
        }
        let raw = Array(path.utf8)
        var st = stat()
        guard Self.linkStatus(absolute(raw), &st) else { return nil }
        return entry(raw: raw, path: path, status: st)
    }

    public func readFile(_ path: String) throws -> Data {
        guard let normalized = CheckoutPath.normalize(path) else { throw FileTreeError.notFound(path: path, revision: label) }
        guard let entry = try entry(at: normalized) else { throw FileTreeError.notFound(path: normalized, revision: label) }
        guard entry.kind == .file else { throw FileTreeError.notAFile(path: normalized, revision: label) }
        do {
            // Read, not mapped: a file truncated by another process while mapped would crash us (SIGBUS).
            return try Data(contentsOf: URL(fileURLWithPath: absolutePath(normalized)))
        } catch {
            throw FileTreeError.unreadable(path: normalized, revision: label, reason: (error as NSError).localizedDescription)
        }
    }

    public func files(under directory: String) throws -> [FileTreeEntry] {
        guard let directory = CheckoutPath.normalize(directory) else { return [] }
        // The start must be a real directory inside the checkout (a symlinked one is not walked).
        guard try entry(at: directory)?.kind == .directory else { return [] }
        // libgit2 calls everything below an ignored directory ignored: starting inside one, list it all.
        let raw = Array(directory.utf8)
        let checkIgnored = repository != nil && (directory.isEmpty || repository?.isIgnored(raw + [Self.slash]) == false)
        var out: [FileTreeEntry] = []
        walk(raw, checkIgnored: checkIgnored, into: &out)
        return out.sorted { RepoPath.precedes($0.path, $1.path) }
    }

    // MARK: walking

    private func walk(_ directory: [UInt8], checkIgnored: Bool, into out: inout [FileTreeEntry]) {
        for name in Self.names(in: absolute(directory)) {
            let raw = directory.isEmpty ? name : directory + [Self.slash] + name
            // `.git` (a directory, or a worktree's file) and names a checkout could not hold.
            guard CheckoutPath.isValidName(name) else { continue }
            var st = stat()
            guard Self.linkStatus(absolute(raw), &st) else { continue }
            if st.st_mode & S_IFMT == S_IFDIR {
                if name == Self.dotDvc { continue }
                if checkIgnored, let repository, repository.isIgnored(raw + [Self.slash]) { continue }
                walk(raw, checkIgnored: checkIgnored, into: &out)
            } else if let entry = entry(raw: raw, path: String(decoding: raw, as: UTF8.self), status: st) {
                out.append(entry)
            }
        }
    }

    /// The entry at `raw` (repository-relative bytes, its lstat(2) in `st`) whose parent directory
    /// is known to be inside the checkout. `path` is how it is named to callers.
    private func entry(raw: [UInt8], path: String, status st: stat) -> FileTreeEntry? {
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return FileTreeEntry(path: path, kind: .directory)
        case S_IFREG: return FileTreeEntry(path: path, kind: .file, size: Int64(st.st_size))
        case S_IFLNK:
            // A symlink to a file inside the checkout reads as that file, as DVC (and open(2)) would.
            var target = stat()
            if let resolved = Self.realPath(absolute(raw)), isAllowed(resolved), Self.fileStatus(resolved, &target),
               target.st_mode & S_IFMT == S_IFREG {
                return FileTreeEntry(path: path, kind: .file, size: Int64(target.st_size))
            }
            return FileTreeEntry(path: path, kind: .symlink)
        default:
            // FIFOs, sockets and devices are not files (reading a FIFO would block).
            return nil
        }
    }

    // MARK: paths

    private static let slash = UInt8(ascii: "/")
    private static let dotDvc = Array(".dvc".utf8)

    private func absolute(_ relative: [UInt8]) -> [UInt8] {
        relative.isEmpty ? Array(root.utf8) : Array(root.utf8) + [Self.slash] + relative
    }

    private func absolutePath(_ relative: String) -> String {
        relative.isEmpty ? root : root + "/" + relative
    }

    /// Inside the checkout and outside git's administrative directories.
    private func isAllowed(_ resolved: [UInt8]) -> Bool {
        guard Self.isWithin(resolved, realRoot) else { return false }
        return !forbidden.contains { Self.isWithin(resolved, $0) }
    }

    private static func isWithin(_ path: [UInt8], _ directory: [UInt8]) -> Bool {
        if path == directory { return true }
        let prefix = directory.last == slash ? directory : directory + [slash]
        return path.starts(with: prefix)
    }

    // MARK: raw-byte system calls (names need not be UTF-8)

    private static func withCPath<T>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> T) -> T {
        let cPath = path.map { CChar(bitPattern: $0) } + [0]
        return cPath.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return body("") }
            return body(base)
        }
    }

    /// lstat(2): about the link itself.
    private static func linkStatus(_ path: [UInt8], _ st: inout stat) -> Bool {
        withCPath(path) { lstat($0, &st) } == 0
    }

    /// stat(2): about what a link points to.
    private static func fileStatus(_ path: [UInt8], _ st: inout stat) -> Bool {
        withCPath(path) { stat($0, &st) } == 0
    }

    private static func realPath(_ path: [UInt8]) -> [UInt8]? {
        withCPath(path) { cPath -> [UInt8]? in
            guard let resolved = realpath(cPath, nil) else { return nil }
            defer { free(resolved) }
            return Array(UnsafeRawBufferPointer(start: resolved, count: strlen(resolved)))
        }
    }

    /// The entry names of a directory as raw bytes, without "." and "..".
    private static func names(in directory: [UInt8]) -> [[UInt8]] {
        guard let handle = withCPath(directory, { opendir($0) }) else { return [] }
        defer { closedir(handle) }
        var out: [[UInt8]] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { buffer -> [UInt8] in
                Array(buffer.prefix { $0 != 0 })
            }
            if name.isEmpty || name == [0x2E] || name == [0x2E, 0x2E] { continue }
            out.append(name)
        }
        return out
    }
}
