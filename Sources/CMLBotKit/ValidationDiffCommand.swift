import CMLBotCore
import CMLBotEvidence
import CMLBotReport

/// `cmlbot validation diff [A_REV] [B_REV]`: Great Expectations results at two revisions, paired.
public struct ValidationDiffRequest: Sendable {
    public var workingDirectory: String
    /// `--config FILE`: use this config instead of the new revision's `.cmlbot.yml`.
    public var configPath: String?
    /// Defaults as `metrics diff`: HEAD against the workspace.
    public var oldRevision = "HEAD"
    public var newRevision = workspaceRevision
    public var json = false

    public init(workingDirectory: String) { self.workingDirectory = workingDirectory }
}

public enum ValidationDiffCommand {
    public static func run(_ request: ValidationDiffRequest) throws -> CommandOutcome {
        let context = try RepositoryContext(workingDirectory: request.workingDirectory, configOverride: request.configPath)
        let (oldTree, _) = try context.tree(request.oldRevision)
        let (newTree, _) = try context.tree(request.newRevision)
        // As for metrics: the state under review decides which extra files to read.
        let config = try context.config(for: newTree)
        var diagnostics: [Diagnostic] = []
        let old = try ValidationDiscovery.collect(oldTree, configured: config.validationFiles, diagnostics: &diagnostics)
        let new = try ValidationDiscovery.collect(newTree, configured: config.validationFiles, diagnostics: &diagnostics)
        let changes = ValidationComparison.compare(base: old, head: new)
        let output = request.json
            ? ValidationDiffRenderer.json(changes, displayKey: context.displayPath)
            : ValidationDiffRenderer.table(changes, oldLabel: request.oldRevision, newLabel: request.newRevision, displayKey: context.displayPath)
        return CommandOutcome(output: output, diagnostics: DiffCommand.deduplicated(diagnostics))
    }
}
