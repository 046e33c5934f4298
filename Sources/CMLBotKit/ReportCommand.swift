import CMLBotCompare
import CMLBotCore
import CMLBotEvidence
import CMLBotForge
import CMLBotGates
import CMLBotReport
import Foundation

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
    /// The local preview (no network).
    /// Without `--out` the files go to `.git/cmlbot/report/`, so the HTML preview is always one
    /// path away (printed as a note; `--open` opens it) and the working tree stays untouched.
    public static func run(_ request: ReportRequest) throws -> CommandOutcome {
        try render(request, defaultBase: nil, preview: true).outcome
    }

    /// `report --publish`: the same report, then the sticky comment, status, check run and job
    /// summary. In CI the base defaults to the pull request's base commit.
    public static func publish(_ request: ReportRequest, options: PublishOptions) async throws -> CommandOutcome {
        var options = options
        if request.head != workspaceRevision, options.overrides.head == nil {
            // The status belongs on the commit the report describes.
            let context = try RepositoryContext(workingDirectory: request.workingDirectory)
            options.overrides.head = try context.repository.resolveCommit(request.head).hex
        }
        let publisher = try Publisher(options: options)
        let (outcome, findings, input) = try render(request, defaultBase: publisher.context.baseSHA)
        let verdict = StatusVerdict(findings: findings, failOn: request.failOn)
        let report = Report(input, toolVersion: cmlbotVersion)
        let markdown = MarkdownReportRenderer.render(report)
        // The same report with hosted image URLs in place of the inline charts, for the comment.
        let charts = report.sections.lazy.compactMap { $0 as? ChartsSection }.first?.charts ?? []
        let images = ChartImages(files: charts.map { chart in
            let data = Data(chart.svg.utf8)
            return ChartFile(fileName: chart.fileName, data: data, sha256: Digest.hex(.sha256, data))
        }, markdown: { urls in
            var hosted = input
            hosted.charts.imageURLs = urls
            return MarkdownReportRenderer.render(Report(hosted, toolVersion: cmlbotVersion))
        })
        let summary = try await publisher.publish(markdown: markdown, status: (verdict.state, verdict.description), verdict: verdict.verdict, charts: images)
        var result = outcome
        result.diagnostics += summary.warnings.map { Diagnostic(.warning, $0) }
        result.diagnostics += summary.log.map { Diagnostic(.note, $0) }
        // The report itself went to the comment, the job summary and --out; stdout carries workflow
        // commands (::notice) and the --dry-run transcript.
        result.output = summary.output
        return result
    }

    static func render(_ request: ReportRequest, defaultBase: String?, preview: Bool = false) throws -> (outcome: CommandOutcome, findings: [Finding], input: ReportInput) {
        let context = try RepositoryContext(workingDirectory: request.workingDirectory, configOverride: request.configPath)
        let pipeline = try ReviewPipeline(context: context, base: request.base, head: request.head, ciBase: defaultBase)
        let input = pipeline.reportInput(precision: request.precision)
        let report = Report(input, toolVersion: cmlbotVersion)
        let markdown = MarkdownReportRenderer.render(report)
        let json = JSONReportRenderer.render(report)

        var diagnostics = pipeline.diagnostics
        var previewPath: String?
        if let out = request.outputDirectory {
            let dir = URL(fileURLWithPath: out, relativeTo: URL(fileURLWithPath: request.workingDirectory, isDirectory: true))
            try writeFiles(report, markdown: markdown, json: json, to: dir)
            previewPath = dir.appendingPathComponent("report.html").standardizedFileURL.path
        } else if preview {
            // A preview that cannot be written (read-only .git) must not cost the report itself.
            let dir = URL(fileURLWithPath: context.repository.gitDir).appendingPathComponent("cmlbot/report")
            do {
                // Charts of an earlier run must not linger next to this one's.
                try? FileManager.default.removeItem(at: dir.appendingPathComponent("charts"))
                try writeFiles(report, markdown: markdown, json: json, to: dir)
                previewPath = dir.appendingPathComponent("report.html").path
            } catch let error as KitError {
                diagnostics.append(.warning("no HTML preview: \(error.message)"))
            }
        }
        if preview, let previewPath { diagnostics.append(Diagnostic(.note, "HTML preview: \(previewPath)")) }
        // A failed gate still explains itself: the report is out before the exit status says no.
        var outcome = CommandOutcome(output: request.format == .json ? json : markdown,
                                     diagnostics: diagnostics,
                                     exitCode: request.failOn.fails(pipeline.findings) ? 1 : 0)
        outcome.previewPath = previewPath
        return (outcome, pipeline.findings, input)
    }

    /// report.md, report.json, charts/*.svg and the self-contained report.html.
    static func writeFiles(_ report: Report, markdown: String, json: String, to dir: URL) throws {
        try write(markdown, to: dir.appendingPathComponent("report.md"))
        try write(json, to: dir.appendingPathComponent("report.json"))
        for chart in report.sections.lazy.compactMap({ $0 as? ChartsSection }).first?.charts ?? [] {
            try write(chart.svg, to: dir.appendingPathComponent("charts").appendingPathComponent(chart.fileName))
        }
        try write(HTMLReportRenderer.render(report), to: dir.appendingPathComponent("report.html"))
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
