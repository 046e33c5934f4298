import CMLBotCore
import Foundation

/// The working directory as DVC's `workspace` pseudo-revision: files as they are on disk now,
/// committed or not. Walks skip `.git`, `.dvc` and directories git ignores (node_modules, data
/// caches), unless the walk starts inside one.
public final class WorkspaceTree: FileTree {
    public let label = "workspace"
    public let root: String
    let repository: LibGit2Repository?

    public init(root: String, repository: LibGit2Repository? = nil) {
        self.root = root
        self.repository = repository
    }

    private func absolute(_ path: String) -> String {
        path.isEmpty ? root : root + "/" + path
    }

    public func entry(at path: String) throws -> FileTreeEntry? {
        guard let path = RepoPath.normalize(path) else { return nil }
        var st = stat()
        guard lstat(absolute(path), &st) == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return FileTreeEntry(path: path, kind: .directory)
        case S_IFLNK:
            // A symlink to a file reads as that file, as DVC (and open(2)) would.
            var target = stat()
            if stat(absolute(path), &target) == 0, target.st_mode & S_IFMT == S_IFREG {
                return FileTreeEntry(path: path, kind: .file, size: Int64(target.st_size))
            }
            return FileTreeEntry(path: path, kind: .symlink)
        case S_IFREG: return FileTreeEntry(path: path, kind: .file, size: Int64(st.st_size))
        default: return nil
        }
    }

    public func readFile(_ path: String) throws -> Data {
        guard let normalized = RepoPath.normalize(path) else { throw FileTreeError.notFound(path: path, revision: label) }
        guard let entry = try entry(at: normalized) else { throw FileTreeError.notFound(path: normalized, revision: label) }
        guard entry.kind == .file else { throw FileTreeError.notAFile(path: normalized, revision: label) }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: absolute(normalized)), options: .alwaysMapped)
        } catch {
            throw FileTreeError.unreadable(path: normalized, revision: label, reason: (error as NSError).localizedDescription)
        }
    }

    public func files(under directory: String) throws -> [FileTreeEntry] {
        guard let directory = RepoPath.normalize(directory) else { return [] }
        var out: [FileTreeEntry] = []
        walk(directory, into: &out)
        return out.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }

    private func walk(_ directory: String, into out: inout [FileTreeEntry]) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: absolute(directory)) else { return }
        for name in names {
            let path = directory.isEmpty ? name : directory + "/" + name
            if directory.isEmpty && (name == ".git" || name == ".dvc") { continue }
            if name == ".git" { continue }
            guard let entry = try? entry(at: path) else { continue }
            if entry.kind == .directory {
                if let repository, repository.isIgnored(path + "/") { continue }
                walk(path, into: &out)
            } else {
                out.append(entry)
            }
        }
    }
}
