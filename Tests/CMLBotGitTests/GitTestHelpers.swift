import CMLBotCore
import Foundation
import Testing
import TestSupport
@testable import CMLBotGit

// Helpers shared by the CMLBotGit tests. Every repository is real, built with the git CLI in a
// temporary directory; the git CLI is also the oracle for sizes, names and object ids.

/// Runs git in `directory` with the builder's fixed identity and returns raw stdout (for `-z` output
/// and non-UTF-8 names). Throws when git fails.
@discardableResult
func gitRaw(_ arguments: [String], in directory: String, stdin: Data? = nil) throws -> Data {
    let result = try Shell.run("git", arguments, in: directory, environment: GitRepoBuilder.environment, stdin: stdin)
    guard result.status == 0 else {
        throw TestFixtureError("git \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
    }
    return result.stdoutData
}

struct TestFixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `git clone <extra> file://<source> <new temp dir>`, wrapped as a builder.
func clone(_ source: GitRepoBuilder, _ extra: [String] = []) throws -> GitRepoBuilder {
    let destination = try TemporaryDirectory("cmlbot-clone")
    try gitRaw(["clone", "-q"] + extra + ["file://\(source.path)", destination.path], in: source.path)
    return GitRepoBuilder(existing: destination)
}

/// The error `body` throws, when it is a `GitError`; records an issue otherwise.
func gitError<T>(_ body: () throws -> T, sourceLocation: SourceLocation = #_sourceLocation) -> GitError? {
    do {
        let value = try body()
        Issue.record("expected a GitError, got \(value)", sourceLocation: sourceLocation)
    } catch let error as GitError {
        return error
    } catch {
        Issue.record("expected a GitError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// The error `body` throws, when it is a `FileTreeError`; records an issue otherwise.
func fileTreeError<T>(_ body: () throws -> T, sourceLocation: SourceLocation = #_sourceLocation) -> FileTreeError? {
    do {
        let value = try body()
        Issue.record("expected a FileTreeError, got \(value)", sourceLocation: sourceLocation)
    } catch let error as FileTreeError {
        return error
    } catch {
        Issue.record("expected a FileTreeError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Creates a file whose name is given as raw bytes (Foundation cannot spell non-UTF-8 names).
func createFile(rawName: [UInt8], in directory: String, contents: [UInt8]) throws {
    let cPath = (Array(directory.utf8) + [UInt8(ascii: "/")] + rawName).map { CChar(bitPattern: $0) } + [0]
    let fd = cPath.withUnsafeBufferPointer { open($0.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
    guard fd >= 0 else { throw TestFixtureError("cannot create raw-named file (errno \(errno))") }
    defer { close(fd) }
    let written = contents.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard written == contents.count else { throw TestFixtureError("short write") }
}

func makeSymlink(_ target: String, at path: String) throws {
    try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
}

/// One record of `git ls-tree -r -l -z`: the oracle for walks and sizes.
struct LsTreeEntry: Equatable {
    var mode: String
    var type: String
    var id: String
    /// nil for submodules (git prints "-").
    var size: Int64?
    /// Decoded the way the product decodes names (lossy UTF-8).
    var path: String
    var rawPath: [UInt8]
}

func lsTree(_ repo: GitRepoBuilder, _ revision: String = "HEAD", under directory: String? = nil) throws -> [LsTreeEntry] {
    var arguments = ["ls-tree", "-r", "-l", "-z", "--full-tree", revision]
    if let directory { arguments += ["--", directory] }
    let data = try gitRaw(arguments, in: repo.path)
    var out: [LsTreeEntry] = []
    for record in data.split(separator: 0, omittingEmptySubsequences: true) {
        let bytes = Array(record)
        guard let tab = bytes.firstIndex(of: UInt8(ascii: "\t")) else { continue }
        let meta = String(decoding: bytes[..<tab], as: UTF8.self).split(separator: " ", omittingEmptySubsequences: true)
        let rawPath = Array(bytes[(tab + 1)...])
        out.append(LsTreeEntry(mode: String(meta[0]), type: String(meta[1]), id: String(meta[2]),
                               size: Int64(meta[3]), path: String(decoding: rawPath, as: UTF8.self), rawPath: rawPath))
    }
    return out
}

/// `git cat-file -s <object>`.
func catFileSize(_ repo: GitRepoBuilder, _ object: String) throws -> Int64 {
    let text = try repo.git("cat-file", "-s", object)
    return Int64(text) ?? -1
}

/// `git cat-file blob <object>` as raw bytes.
func catFileBlob(_ repo: GitRepoBuilder, _ object: String) throws -> Data {
    try gitRaw(["cat-file", "blob", object], in: repo.path)
}

func openRepository(_ repo: GitRepoBuilder) throws -> LibGit2Repository {
    try LibGit2Repository(discoveringFrom: repo.path)
}

func commitTree(_ repo: LibGit2Repository, _ spec: String = "HEAD") throws -> GitCommitTree {
    try repo.tree(of: repo.resolveCommit(spec), label: spec)
}

/// Deterministic bytes covering every byte value, NULs included.
func binaryBytes(count: Int, seed: UInt32 = 1) -> Data {
    var state = seed
    var bytes = [UInt8](repeating: 0, count: count)
    for i in 0..<count {
        state = state &* 1_103_515_245 &+ 12345
        bytes[i] = UInt8(truncatingIfNeeded: state >> 16)
    }
    return Data(bytes)
}

func isSortedByBytes(_ paths: [String]) -> Bool {
    zip(paths, paths.dropFirst()).allSatisfy { RepoPath.precedes($0, $1) }
}

/// Changes keyed by path; a path reported twice (say, a deletion plus an addition where one
/// change was expected) is a test failure, not a crash of the whole test process.
func changesByPath(_ changes: [TreeChange], sourceLocation: SourceLocation = #_sourceLocation) -> [String: TreeChange] {
    var out: [String: TreeChange] = [:]
    for change in changes {
        if let earlier = out[change.path] {
            Issue.record("\(change.path) is reported twice: \(earlier.status) and \(change.status)", sourceLocation: sourceLocation)
        }
        out[change.path] = change
    }
    return out
}
