import CMLBotCompare
import CMLBotCore
import CMLBotEvidence
import CMLBotReport

/// `cmlbot metrics diff` / `cmlbot params diff`: DVC's commands, reading git objects directly.
public struct DiffRequest: Sendable {
    public enum Kind: Sendable { case metrics, params }

    public var kind: Kind
    public var workingDirectory: String
    /// `--config FILE`: use this config instead of the head revision's `.cmlbot.yml`.
    public var configPath: String?
    /// Left side, as typed; DVC's default is HEAD.
    public var oldRevision = "HEAD"
    /// Right side, as typed; DVC's default is the workspace.
    public var newRevision = workspaceRevision
    public var style: DVCDiffRenderer.Style = .table
    public var includeUnchanged = false
    public var precision: Int?
    /// Paths as typed, relative to `workingDirectory`.
    public var targets: [String] = []
    public var noPath = false

    public init(kind: Kind, workingDirectory: String) {
        self.kind = kind
        self.workingDirectory = workingDirectory
    }
}

/// What a command produced: text for stdout, diagnostics for stderr, and the exit status.
public struct CommandOutcome: Sendable {
    public var output: String
    public var diagnostics: [Diagnostic]
    public var exitCode: Int32
    /// `report`: the HTML file a browser can show (for `--open`).
    public var previewPath: String?

    public init(output: String, diagnostics: [Diagnostic], exitCode: Int32 = 0) {
        self.output = output
        self.diagnostics = diagnostics
        self.exitCode = exitCode
    }
}

public enum DiffCommand {
    public static func run(_ request: DiffRequest) throws -> CommandOutcome {
        let context = try RepositoryContext(workingDirectory: request.workingDirectory, configOverride: request.configPath)
        let (oldTree, _) = try context.tree(request.oldRevision)
        let (newTree, _) = try context.tree(request.newRevision)
        // Config comes from the right-hand side, the state under review.
        let config = try context.config(for: newTree)

        let targets = request.targets.isEmpty ? nil : try request.targets.map(context.repoPath(fromUserPath:))
        let kinds: EvidenceCollector.Kinds = request.kind == .metrics ? .metrics : .params
        let selection = EvidenceSelection(targets: targets, extraMetrics: config.metricsFiles, extraParams: config.paramsFiles)
        let old = try EvidenceCollector.collect(oldTree, kinds: kinds, selection: selection)
        let new = try EvidenceCollector.collect(newTree, kinds: kinds, selection: selection)

        var files = EvidenceDiff.compare(
            old: request.kind == .metrics ? old.metrics : old.params,
            new: request.kind == .metrics ? new.metrics : new.params,
            includeUnchanged: request.includeUnchanged)
        for i in files.indices { files[i].path = context.displayPath(files[i].path) }

        let renderer = DVCDiffRenderer(kind: request.kind == .metrics ? .metrics : .params,
                                       oldLabel: request.oldRevision, newLabel: request.newRevision,
                                       noPath: request.noPath, precision: request.precision)
        let diagnostics = deduplicated(old.diagnostics + new.diagnostics)
        return CommandOutcome(output: renderer.render(files, style: request.style), diagnostics: diagnostics)
    }

    static func deduplicated(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        var seen = Set<String>()
        return diagnostics.filter { seen.insert($0.description).inserted }
    }
}
