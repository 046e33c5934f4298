import CMLBotCompare
import CMLBotCore
import CMLBotEvidence
import CMLBotGates
import CMLBotReport
import Foundation

public let cmlbotVersion = "0.1.0"

/// `cmlbot report`: the local preview of what would be posted on the pull request.
public struct ReportRequest: Sendable {
    public enum Format: String, Sendable, CaseIterable { case md, json }

    public var workingDirectory: String
    /// `--config FILE`: use this config instead of the head revision's `.cmlbot.yml`.
    public var configPath: String?
    /// nil: `.cmlbot.yml`'s `base`, else HEAD.
    public var base: String?
    public var head = workspaceRevision
    public var outputDirectory: String?
    public var format: Format = .md
    public var precision = 5
    /// Exit 1 when a promotion gate fails at this level — after the report is written.
    public var failOn: FailurePolicy = .error

    public init(workingDirectory: String) { self.workingDirectory = workingDirectory }
}

public enum ReportCommand {
    public static func run(_ request: ReportRequest) throws -> CommandOutcome {
        let context = try RepositoryContext(workingDirectory: request.workingDirectory, configOverride: request.configPath)
        let pipeline = try ReviewPipeline(context: context, base: request.base, head: request.head)
        let report = Report(pipeline.reportInput(precision: request.precision), toolVersion: cmlbotVersion)
        let markdown = MarkdownReportRenderer.render(report)
        let json = JSONReportRenderer.render(report)

        if let out = request.outputDirectory {
            let dir = URL(fileURLWithPath: out, relativeTo: URL(fileURLWithPath: request.workingDirectory, isDirectory: true))
            try write(markdown, to: dir.appendingPathComponent("report.md"))
            try write(json, to: dir.appendingPathComponent("report.json"))
        }
        // A failed gate still explains itself: the report is out before the exit status says no.
        return CommandOutcome(output: request.format == .json ? json : markdown,
                              diagnostics: pipeline.diagnostics,
                              exitCode: request.failOn.fails(pipeline.findings) ? 1 : 0)
    }

    static func write(_ text: String, to url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw KitError.cannotWrite(path: url.path, reason: (error as NSError).localizedDescription)
        }
    }
}
