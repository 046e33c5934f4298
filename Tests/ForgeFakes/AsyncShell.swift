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
