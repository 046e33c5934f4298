import Foundation

/// Locates the built `cmlbot` executable for end-to-end tests: `CMLBOT_BIN` when set (the Makefile
/// sets it for the release run), else the binary next to the test bundle in the same build folder.
public enum CMLBotBinary {
    public static var path: String {
        if let explicit = ProcessInfo.processInfo.environment["CMLBOT_BIN"], !explicit.isEmpty { return explicit }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("cmlbot").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        for bundle in Bundle.allBundles {
            let candidate = bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("cmlbot").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return ".build/debug/cmlbot"
    }

    /// Runs cmlbot in `directory` with a clean environment (no CI variables, no tokens) plus `extra`.
    public static func run(_ arguments: [String], in directory: String, environment extra: [String: String] = [:]) throws -> ProcessResult {
        var env: [String: String] = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": directory, "NO_COLOR": "1"]
        for (k, v) in extra { env[k] = v }
        return try Shell.run(path, arguments, in: directory, environment: env)
    }
}
