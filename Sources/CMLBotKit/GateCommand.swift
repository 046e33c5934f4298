import CMLBotCore
import CMLBotEvidence
import CMLBotGates
import CMLBotReport
import Foundation

/// `cmlbot gate`: promotion rules from `.cmlbot.yml` on the base → head comparison, alone.
public struct GateRequest: Sendable {
    public var workingDirectory: String
    /// `--config FILE`: use this config instead of the head revision's `.cmlbot.yml`.
    public var configPath: String?
    public var base: String?
    public var head = workspaceRevision
    public var format = "text"
    /// Colour in the text format (the CLI decides: a terminal, no NO_COLOR).
    public var colour = false
    public var failOn: FailurePolicy = .error
    /// Where to write the JSON decision record, relative to the working directory.
    public var evidencePath: String?

    public init(workingDirectory: String) { self.workingDirectory = workingDirectory }
}

public enum GateCommand {
    public static func run(_ request: GateRequest) throws -> CommandOutcome {
        guard let format = FindingsFormatRegistry.format(named: request.format) else {
            throw CheckError.unknownFormat(request.format)
        }
        let context = try RepositoryContext(workingDirectory: request.workingDirectory, configOverride: request.configPath)
        let pipeline = try ReviewPipeline(context: context, base: request.base, head: request.head)
        var diagnostics = pipeline.diagnostics
        if pipeline.evaluations.isEmpty {
            diagnostics.append(Diagnostic(.note, path: pipeline.config.source ?? CMLBotConfig.fileName,
                                          "no promotion rules configured (add a promote: section); nothing to gate"))
        }
        let findings = pipeline.findings
        let fails = request.failOn.fails(findings)
        if let path = request.evidencePath {
            let record = EvidenceRecord(
                toolVersion: BuildInfo.version, toolCommit: BuildInfo.commit, base: pipeline.base, head: pipeline.head,
                config: pipeline.configDigest(), files: pipeline.evidenceDigests(),
                evaluations: pipeline.evaluations, decision: fails ? "fail" : "pass", failOn: request.failOn.rawValue)
            let url = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: request.workingDirectory, isDirectory: true))
            try ReportCommand.write(record.render(), to: url)
        }
        let gates = PromotionEvaluator.gateIDs.filter { id in pipeline.evaluations.contains { $0.gate == id } }.map { ($0, "promotion rule") }
        let output = format.render(findings, context: FindingsContext(toolVersion: cmlbotVersion, gates: gates, colour: request.colour))
        return CommandOutcome(output: output, diagnostics: diagnostics, exitCode: fails ? 1 : 0)
    }
}
