import Foundation

/// Reference tools the tests check cmlbot's output against. When a tool is missing the check is
/// skipped, unless `CMLBOT_REQUIRE_TOOLS=1` (set by `make test`), where a missing tool is a failure.
public enum ReferenceTools {
    public static var required: Bool { ProcessInfo.processInfo.environment["CMLBOT_REQUIRE_TOOLS"] == "1" }

    /// The absolute path of `name` on PATH, nil when absent.
    public static func which(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// A pinned tool from scripts/test-tools.sh, by the env var its pin declares (`CMLBOT_DVC`, …):
    /// the path; nil to skip; throws when required but missing.
    public static func fromEnvironment(_ variable: String) throws -> String? {
        if let path = ProcessInfo.processInfo.environment[variable], FileManager.default.isExecutableFile(atPath: path) { return path }
        if required { throw Missing(tool: variable) }
        return nil
    }

    public struct Missing: Error, CustomStringConvertible {
        public var tool: String
        public init(tool: String) { self.tool = tool }
        public var description: String { "\(tool) is required (CMLBOT_REQUIRE_TOOLS=1) but not found; make test installs it (scripts/setup-system.sh --test for Debian packages, eval \"$(scripts/test-tools.sh --env)\" for PyPI tools)" }
    }

    /// The tool's path; nil to skip; throws when required but missing.
    public static func locate(_ name: String) throws -> String? {
        if let path = which(name) { return path }
        if required { throw Missing(tool: name) }
        return nil
    }
}

/// GitHub-flavoured Markdown rendered by the reference implementation (cmark-gfm), as GitHub does.
public enum MarkdownRendering {
    public static func html(_ markdown: String) throws -> String? {
        guard let cmark = try ReferenceTools.locate("cmark-gfm") else { return nil }
        let result = try Shell.run(cmark, ["--extension", "table", "--extension", "autolink", "--extension", "strikethrough", "--extension", "tagfilter"],
                                   stdin: Data(markdown.utf8))
        return result.stdout
    }
}
