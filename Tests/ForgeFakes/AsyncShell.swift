import Foundation
import TestSupport

/// Runs a program without blocking a Swift concurrency thread, so an in-process fake server keeps
/// serving while the cmlbot binary talks to it (the cooperative pool has one thread per core).
public enum AsyncShell {
    public static func run(_ executable: String, _ arguments: [String], in directory: String? = nil,
                           environment: [String: String]? = nil) async throws -> ProcessResult {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    continuation.resume(returning: try Shell.run(executable, arguments, in: directory, environment: environment))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}

extension CMLBotBinary {
    /// Runs cmlbot without blocking the concurrency pool (the fake servers live on it), with a clean
    /// environment plus `extra`.
    public static func runAsync(_ arguments: [String], in directory: String, environment extra: [String: String] = [:]) async throws -> ProcessResult {
        var env: [String: String] = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": directory, "NO_COLOR": "1"]
        for (k, v) in extra { env[k] = v }
        return try await AsyncShell.run(path, arguments, in: directory, environment: env)
    }
}
