import CMLBotCore
import Foundation

/// A revision's files held in memory, for evidence tests that need no repository.
public struct InMemoryFileTree: FileTree {
    public var label: String
    public var files: [String: Data]

    public init(label: String = "HEAD", _ files: [String: String]) {
        self.label = label
        self.files = files.mapValues { Data($0.utf8) }
    }

    public init(label: String = "HEAD", data: [String: Data]) {
        self.label = label
        self.files = data
    }

    public func entry(at path: String) throws -> FileTreeEntry? {
        guard let path = RepoPath.normalize(path) else { return nil }
        if let data = files[path] { return FileTreeEntry(path: path, kind: .file, size: Int64(data.count)) }
        if path.isEmpty || files.keys.contains(where: { $0.hasPrefix(path + "/") }) {
            return FileTreeEntry(path: path, kind: .directory)
        }
        return nil
    }

    public func readFile(_ path: String) throws -> Data {
        guard let normalized = RepoPath.normalize(path), let data = files[normalized] else {
            throw InMemoryFileTreeError.notFound(path)
        }
        return data
    }

    public func files(under directory: String) throws -> [FileTreeEntry] {
        let prefix = directory.isEmpty ? "" : directory + "/"
        return files.keys.filter { $0.hasPrefix(prefix) }.sorted(by: RepoPath.precedes)
            .map { FileTreeEntry(path: $0, kind: .file, size: Int64(files[$0]!.count)) }
    }
}

public enum InMemoryFileTreeError: Error { case notFound(String) }
