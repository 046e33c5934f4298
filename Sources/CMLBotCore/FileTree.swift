import Foundation

/// One revision's files as the evidence readers see them: a commit's tree read from git objects, or
/// the working directory. Evidence code depends on this protocol only, so its tests use an in-memory tree.
public protocol FileTree {
    /// How the revision is named to the user: `HEAD`, `main`, `workspace`, or a SHA as typed.
    var label: String { get }
    /// The kind of entry at a repository-relative POSIX path, or nil when there is none.
    func entry(at path: String) throws -> FileTreeEntry?
    /// The bytes of the file at `path`. Throws when it is missing or unreadable.
    func readFile(_ path: String) throws -> Data
    /// All files under `directory` (recursively; "" for the root), repository-relative, sorted.
    func files(under directory: String) throws -> [FileTreeEntry]
    /// Like `files(under:)` but paths only, which a git tree answers without reading object headers.
    func filePaths(under directory: String) throws -> [String]
}

extension FileTree {
    public func filePaths(under directory: String) throws -> [String] {
        try files(under: directory).map(\.path)
    }
}

public struct FileTreeEntry: Equatable, Sendable {
    public enum Kind: Equatable, Sendable { case file, directory, symlink, submodule }
    public var path: String
    public var kind: Kind
    /// Size in bytes for files; 0 otherwise.
    public var size: Int64

    public init(path: String, kind: Kind, size: Int64 = 0) {
        self.path = path
        self.kind = kind
        self.size = size
    }
}

/// Repository-relative path helpers. Paths are POSIX, without a leading `./` or `/`.
public enum RepoPath {
    /// Joins a directory (possibly "") and a relative path, resolving `.` and `..` segments.
    /// Returns nil when the result would leave the repository.
    public static func join(_ directory: String, _ relative: String) -> String? {
        normalize(directory.isEmpty ? relative : directory + "/" + relative)
    }

    public static func normalize(_ path: String) -> String? {
        var out: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if out.isEmpty { return nil }
                out.removeLast()
            } else {
                out.append(part)
            }
        }
        return out.joined(separator: "/")
    }

    // Byte-level search: these run once per file on 50,000-file trees, and `/` is ASCII, so the
    // UTF-8 view finds it without walking grapheme clusters.
    public static func parent(_ path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "" }
        return String(path[..<slash])
    }

    public static func fileName(_ path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return path }
        return String(path[path.utf8.index(after: slash)...])
    }

    public static func fileExtension(_ path: String) -> String {
        let name = fileName(path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...]).lowercased()
    }

    /// `path` as seen from `directory` (both repository-relative): `metrics/a.json` from `sub` is
    /// `../metrics/a.json`. DVC prints paths relative to the current directory this way.
    public static func relative(_ path: String, from directory: String) -> String {
        if directory.isEmpty { return path }
        let p = path.split(separator: "/")
        let d = directory.split(separator: "/")
        var common = 0
        while common < p.count, common < d.count, p[common] == d[common] { common += 1 }
        let ups = Array(repeating: "..", count: d.count - common)
        let rest = p[common...].map(String.init)
        let joined = (ups + rest).joined(separator: "/")
        return joined.isEmpty ? "." : joined
    }
}

extension RepoPath {
    /// Byte-wise (code point) order, as Python sorts strings and git sorts paths; independent of locale.
    public static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
