import CMLBotCore
import Foundation

/// A file or directory DVC tracks, as a `.dvc` file or a `dvc.lock` stage records it.
public struct DVCOutput: Equatable, Sendable {
    /// Repository-relative path, without a trailing `/`.
    public var path: String
    /// The content hash: `md5` (DVC 3 and 2), `etag` or `checksum` for external outputs; a directory's
    /// hash ends in `.dir`.
    public var hash: String?
    public var size: Int64?
    /// Number of files, for directories.
    public var fileCount: Int?
    public var isDirectory: Bool
    /// The `.dvc` file or `dvc.lock` that records it.
    public var source: String

    public init(path: String, hash: String?, size: Int64?, fileCount: Int?, isDirectory: Bool, source: String) {
        self.path = path
        self.hash = hash
        self.size = size
        self.fileCount = fileCount
        self.isDirectory = isDirectory
        self.source = source
    }
}

public enum DVCOutputsReader {
    /// Every output recorded in `.dvc` files and `dvc.lock` files of `tree`, sorted by path.
    /// `paths` is the tree's file list when the caller already has it.
    public static func read(_ tree: FileTree, paths: [String]? = nil, diagnostics: inout [Diagnostic]) throws -> [DVCOutput] {
        let all = try paths ?? tree.filePaths(under: "")
        var outputs: [String: DVCOutput] = [:]
        for file in all where file.hasSuffix(".dvc") || RepoPath.fileName(file) == "dvc.lock" {
            // `.dvc` is also DVC's own folder name; only files count.
            guard let data = try? tree.readFile(file) else { continue }
            guard let document = try? YAMLLoader.parse(data).objectValue else {
                diagnostics.append(.warning(path: file, revision: tree.label, "cannot read DVC file; its outputs are not known"))
                continue
            }
            let dir = RepoPath.parent(file)
            var entries: [(Value, String)] = []
            if RepoPath.fileName(file) == "dvc.lock" {
                for (_, stage) in document["stages"]?.objectValue?.pairs ?? [] {
                    // In dvc.lock, out paths are relative to the stage's working directory.
                    let wdir = stage["wdir"]?.stringValue.flatMap { RepoPath.join(dir, $0) } ?? dir
                    for out in stage["outs"]?.arrayValue ?? [] { entries.append((out, wdir)) }
                }
            } else {
                let wdir = document["wdir"]?.stringValue.flatMap { RepoPath.join(dir, $0) } ?? dir
                for out in document["outs"]?.arrayValue ?? [] { entries.append((out, wdir)) }
            }
            for (out, base) in entries {
                guard let o = out.objectValue, let raw = o["path"]?.stringValue,
                      let path = RepoPath.join(base, raw), !path.isEmpty else { continue }
                let hash = (o["md5"] ?? o["etag"] ?? o["checksum"])?.stringValue
                let size: Int64? = { if case .int(let i)? = o["size"] { return Int64(i) }; return nil }()
                let nfiles: Int? = { if case .int(let i)? = o["nfiles"] { return i }; return nil }()
                outputs[path] = DVCOutput(path: path, hash: hash, size: size, fileCount: nfiles,
                                          isDirectory: hash?.hasSuffix(".dir") ?? false || raw.hasSuffix("/"), source: file)
            }
        }
        return outputs.keys.sorted(by: RepoPath.precedes).map { outputs[$0]! }
    }
}
