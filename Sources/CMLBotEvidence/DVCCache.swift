import CMLBotCore
import Foundation

/// One file of a DVC directory output, as its `.dir` listing records it.
public struct DVCDirectoryEntry: Equatable, Sendable {
    /// POSIX path relative to the directory output.
    public var relativePath: String
    public var md5: String

    public init(relativePath: String, md5: String) {
        self.relativePath = relativePath
        self.md5 = md5
    }
}

/// The local DVC cache of a workspace (`.dvc/cache`, or `cache.dir` from `.dvc/config`), read-only.
/// Only `.dir` listings are read: they are what turns a directory-level change into file-level detail,
/// and they live in the cache, not in git.
public struct DVCCache: Sendable {
    /// Absolute path of the cache directory (it may not exist: the usual CI case).
    public let root: String

    public init(root: String) {
        self.root = root
    }

    /// The cache a workspace uses: `cache.dir` from `.dvc/config.local` or `.dvc/config` when set
    /// (relative paths are relative to `.dvc/`, as DVC resolves them), else `.dvc/cache`.
    public init(workspaceRoot: String) {
        let dvcDir = workspaceRoot + "/.dvc"
        var configured: String?
        // config.local overrides config, as in DVC.
        for name in ["config", "config.local"] {
            if let text = try? String(contentsOfFile: dvcDir + "/" + name, encoding: .utf8),
               let dir = Self.cacheDir(inConfig: text) { configured = dir }
        }
        if let configured {
            let expanded = (configured as NSString).expandingTildeInPath
            root = expanded.hasPrefix("/") ? expanded : URL(fileURLWithPath: dvcDir + "/" + expanded).standardizedFileURL.path
        } else {
            root = dvcDir + "/cache"
        }
    }

    /// `dir = …` in the `[cache]` section of DVC's INI-style config.
    static func cacheDir(inConfig text: String) -> String? {
        var inCache = false
        var found: String?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                inCache = line == "[cache]" || line == "['cache']" || line == "[\"cache\"]"
                continue
            }
            guard inCache, let eq = line.firstIndex(of: "=") else { continue }
            if line[..<eq].trimmingCharacters(in: .whitespaces) == "dir" {
                found = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return found
    }

    /// Where an object with this md5 (a `.dir` hash keeps its suffix) may be stored: DVC 3's
    /// `files/md5/xx/rest` first, then DVC 2's legacy `xx/rest`.
    public func objectPaths(_ hash: String) -> [String] {
        // Only a hex digest (with `.dir`) names an object; anything else must not reach the file system.
        let digest = hash.hasSuffix(".dir") ? hash.dropLast(4) : Substring(hash)
        guard digest.count > 2, digest.allSatisfy(\.isHexDigit) else { return [] }
        let prefix = String(hash.prefix(2)), rest = String(hash.dropFirst(2))
        return ["\(root)/files/md5/\(prefix)/\(rest)", "\(root)/\(prefix)/\(rest)"]
    }

    /// Whether the object is in the cache (DVC's "not in cache" check).
    public func contains(_ hash: String) -> Bool {
        objectPaths(hash).contains { FileManager.default.fileExists(atPath: $0) }
    }

    /// The listing of a directory output, nil when its `.dir` object is not in the cache.
    /// Throws when the object exists but is not a listing DVC would accept.
    public func directoryListing(_ hash: String) throws -> [DVCDirectoryEntry]? {
        guard hash.hasSuffix(".dir") else { return nil }
        guard let path = objectPaths(hash).first(where: { FileManager.default.fileExists(atPath: $0) }) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DVCCacheError.unreadable(path: path, detail: "cannot read the file")
        }
        guard let list = (try? JSONSerialization.jsonObject(with: data)) as? [Any] else {
            throw DVCCacheError.unreadable(path: path, detail: "not a JSON list")
        }
        var entries: [DVCDirectoryEntry] = []
        for item in list {
            guard let object = item as? [String: Any], let rel = object["relpath"] as? String else {
                throw DVCCacheError.unreadable(path: path, detail: "an entry has no relpath")
            }
            entries.append(DVCDirectoryEntry(relativePath: rel, md5: (object["md5"] as? String) ?? ""))
        }
        return entries
    }
}

public enum DVCCacheError: UserFacingError, Equatable {
    case unreadable(path: String, detail: String)

    public var kind: FailureKind { .operational }
    public var message: String {
        switch self {
        case .unreadable(let path, let detail):
            return "DVC cache object \(path) is damaged (\(detail)); remove it and run `dvc fetch` to restore it"
        }
    }
}

/// DVC's directory hash: the md5 of the `.dir` listing as `json.dumps(sorted list, sort_keys=True)`
/// writes it, plus `.dir`. The serialisation must be byte-identical to Python's, or every directory
/// would look modified.
public enum DVCDirectoryHash {
    public static func listingJSON(_ entries: [DVCDirectoryEntry]) -> String {
        // Python sorts the list by relpath (code point order); keys are sorted: md5 before relpath.
        let sorted = entries.sorted { RepoPath.precedes($0.relativePath, $1.relativePath) }
        let items = sorted.map { "{\"md5\": \(quote($0.md5)), \"relpath\": \(quote($0.relativePath))}" }
        return "[" + items.joined(separator: ", ") + "]"
    }

    public static func hash(_ entries: [DVCDirectoryEntry]) -> String {
        Digest.hex(.md5, Data(listingJSON(entries).utf8)) + ".dir"
    }

    /// A JSON string as Python's json.dumps writes it with ensure_ascii=True.
    static func quote(_ s: String) -> String {
        var out = "\""
        for unit in s.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default: out += String(format: "\\u%04x", unit)
            }
        }
        return out + "\""
    }
}

/// Hashes workspace data as DVC does: a file's md5 of its bytes, a directory's `.dir` hash of its
/// files' listing. Streamed, so large data never sits in memory.
public struct DVCWorkspaceHasher {
    /// Called after each file with (bytes hashed so far, total bytes).
    public typealias Progress = (Int64, Int64) -> Void

    public let root: String

    public init(root: String) {
        self.root = root
    }

    public enum Hashed: Equatable, Sendable {
        case missing
        case file(md5: String, size: Int64)
        case directory(hash: String, entries: [DVCDirectoryEntry], size: Int64)
    }

    /// The files under a repository-relative path (itself when a file), with sizes, for planning work.
    public func files(at path: String) -> [(relative: String, size: Int64)] {
        let absolute = root + "/" + path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDir) else { return [] }
        if !isDir.boolValue { return [("", fileSize(absolute))] }
        guard let walker = FileManager.default.enumerator(atPath: absolute) else { return [] }
        var out: [(String, Int64)] = []
        while let rel = walker.nextObject() as? String {
            let full = absolute + "/" + rel
            var sub: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &sub), !sub.boolValue else { continue }
            // DVC never tracks its own bookkeeping inside a directory output.
            if RepoPath.fileName(rel) == ".dvcignore" { continue }
            out.append((rel, fileSize(full)))
        }
        return out.sorted { RepoPath.precedes($0.0, $1.0) }
    }

    public func hash(_ path: String, progress: Progress? = nil, done: inout Int64, total: Int64) throws -> Hashed {
        let absolute = root + "/" + path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDir) else { return .missing }
        if !isDir.boolValue {
            let md5 = try Digest.hexOfFile(.md5, atPath: absolute)
            let size = fileSize(absolute)
            done += size
            progress?(done, total)
            return .file(md5: md5, size: size)
        }
        var entries: [DVCDirectoryEntry] = []
        var size: Int64 = 0
        for (rel, fileSize) in files(at: path) {
            entries.append(DVCDirectoryEntry(relativePath: rel, md5: try Digest.hexOfFile(.md5, atPath: absolute + "/" + rel)))
            size += fileSize
            done += fileSize
            progress?(done, total)
        }
        return .directory(hash: DVCDirectoryHash.hash(entries), entries: entries, size: size)
    }

    private func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}
