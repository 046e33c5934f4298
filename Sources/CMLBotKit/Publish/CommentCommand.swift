import CMLBotCore
import CMLBotForge
import Foundation

/// `cmlbot comment FILE.md`: post any Markdown as the sticky comment, as `cml comment create/update`.
public enum CommentCommand {
    public static func run(file: String, workingDirectory: String, options: PublishOptions) async throws -> CommandOutcome {
        let url = URL(fileURLWithPath: file, relativeTo: URL(fileURLWithPath: workingDirectory, isDirectory: true))
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw KitError.cannotRead(path: file, reason: "no such file")
        }
        guard let markdown = String(validating: data, as: UTF8.self) else {
            throw KitError.cannotRead(path: file, reason: "not UTF-8 text")
        }
        let publisher = try Publisher(options: options)
        let summary = try await publisher.publish(markdown: markdown, status: nil, verdict: "")
        return CommandOutcome(output: summary.output, diagnostics: summary.log.map { Diagnostic(.note, $0) })
    }
}
