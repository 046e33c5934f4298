import CMLBotCompare
import CMLBotCore
import CMLBotEvidence
import CMLBotReport
import Foundation

public let cmlbotVersion = "0.1.0"

/// `cmlbot report`: the local preview of what would be posted on the pull request.
public struct ReportRequest: Sendable {
    public enum Format: String, Sendable, CaseIterable { case md, json }

    public var workingDirectory: String
    /// nil: `.cmlbot.yml`'s `base`, else HEAD.
    public var base: String?
    public var head = workspaceRevision
    public var outputDirectory: String?
    public var format: Format = .md
    public var precision = 5

    public init(workingDirectory: String) { self.workingDirectory = workingDirectory }
}

public enum ReportCommand {
    public static func run(_ request: ReportRequest) throws -> CommandOutcome {
        let context = try RepositoryContext(workingDirectory: request.workingDirectory)
        let (headTree, headInfo) = try context.tree(request.head)
        let config = try ConfigLoader.load(from: headTree)
        let (baseTree, baseInfo) = try context.tree(request.base ?? config.base ?? "HEAD")

        let selection = EvidenceSelection(extraMetrics: config.metricsFiles, extraParams: config.paramsFiles)
        let baseSnapshot = try EvidenceCollector.collect(baseTree, selection: selection)
        let headSnapshot = try EvidenceCollector.collect(headTree, selection: selection)
        let comparison = Comparator.compare(base: baseSnapshot, head: headSnapshot, config: config)
        let input = ReportInput(base: baseInfo, head: headInfo, baseSnapshot: baseSnapshot, headSnapshot: headSnapshot,
                                comparison: comparison, config: config, options: ReportOptions(precision: request.precision))
        let report = Report(input, toolVersion: cmlbotVersion)
        let markdown = MarkdownReportRenderer.render(report)
        let json = JSONReportRenderer.render(report)

        if let out = request.outputDirectory {
            let dir = URL(fileURLWithPath: out, relativeTo: URL(fileURLWithPath: request.workingDirectory, isDirectory: true))
            try write(markdown, to: dir.appendingPathComponent("report.md"))
            try write(json, to: dir.appendingPathComponent("report.json"))
        }
        return CommandOutcome(output: request.format == .json ? json : markdown,
                              diagnostics: DiffCommand.deduplicated(report.diagnostics))
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
