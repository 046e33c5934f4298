import Foundation

/// Builds real git repositories for tests with the git CLI (the product itself never shells out to git).
public final class GitRepoBuilder: @unchecked Sendable {
    public let directory: TemporaryDirectory
    public var path: String { directory.path }

    /// Fixed identity and dates so commits are reproducible; no user or system config leaks in.
    public static let environment: [String: String] = {
        var env = ProcessInfo.processInfo.environment
        env["GIT_AUTHOR_NAME"] = "Test"
        env["GIT_AUTHOR_EMAIL"] = "test@example.com"
        env["GIT_COMMITTER_NAME"] = "Test"
        env["GIT_COMMITTER_EMAIL"] = "test@example.com"
        env["GIT_AUTHOR_DATE"] = "2026-01-01T00:00:00Z"
        env["GIT_COMMITTER_DATE"] = "2026-01-01T00:00:00Z"
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["GIT_CONFIG_GLOBAL"] = "/dev/null"
        return env
    }()

    public init(branch: String = "main") throws {
        directory = try TemporaryDirectory("cmlbot-repo")
        try git("init", "-q", "-b", branch)
    }

    /// Wraps an existing directory (for clones).
    public init(existing: TemporaryDirectory) {
        directory = existing
    }

    @discardableResult
    public func git(_ arguments: String...) throws -> String {
        try git(arguments)
    }

    @discardableResult
    public func git(_ arguments: [String]) throws -> String {
        let result = try Shell.run("git", arguments, in: path, environment: Self.environment)
        guard result.status == 0 else {
            throw GitRepoBuilderError(message: "git \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Writes a file (creating parent directories) without staging it.
    public func write(_ relative: String, _ contents: String) throws {
        try write(relative, Data(contents.utf8))
    }

    public func write(_ relative: String, _ data: Data) throws {
        let url = URL(fileURLWithPath: path + "/" + relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    public func remove(_ relative: String) throws {
        try FileManager.default.removeItem(atPath: path + "/" + relative)
    }

    /// Writes the files, stages everything and commits; returns the new commit's SHA.
    @discardableResult
    public func commit(_ message: String, files: [String: String] = [:]) throws -> String {
        for (name, contents) in files.sorted(by: { $0.key < $1.key }) { try write(name, contents) }
        try git("add", "-A")
        try git("commit", "-q", "--allow-empty", "-m", message)
        return try git("rev-parse", "HEAD")
    }
}

public struct GitRepoBuilderError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
