import CMLBotCore
import CMLBotForge
import CMLBotGates
import Foundation

/// `cmlbot status`: the commit status on the PR/MR head, alone.
public struct StatusRequest: Sendable {
    public var workingDirectory: String
    /// `--config FILE`: use this config instead of the head revision's `.cmlbot.yml`.
    public var configPath: String?
    /// Gate base: nil is the PR/MR base in CI, else `.cmlbot.yml`'s `base`, else HEAD (as `report --publish`).
    public var base: String?
    /// `--head REV`: the commit the status goes on and the gates read; nil is the detected PR/MR
    /// head for the status and the workspace for the gates, as `report --publish` does.
    public var head: String?
    public var failOn: FailurePolicy = .error
    /// `--state`: post this instead of evaluating the gates (e.g. `pending` before training).
    public var state: CommitState?
    /// `--description`: replaces the gates' description, or goes with `--state`.
    public var description: String?
    /// Exit 2 instead of a notice when the status cannot be set (a fork PR's read-only token).
    public var requireStatus = false

    public init(workingDirectory: String) { self.workingDirectory = workingDirectory }
}

public enum StatusCommand {
    /// A full SHA-1 or SHA-256 id needs no repository to be posted (a `--state pending` step may
    /// run before the checkout).
    static func isFullCommitID(_ s: String) -> Bool {
        (s.utf8.count == 40 || s.utf8.count == 64) && s.allSatisfy(\.isHexDigit)
    }

    /// Words for `--state` without `--description`.
    static func defaultDescription(_ state: CommitState) -> String {
        switch state {
        case .pending: return "waiting for the review evidence"
        case .success: return "review evidence ready"
        case .failure: return "gates failed"
        case .error: return "the pipeline failed before the review evidence was ready"
        }
    }

    /// Exit status: 0 posted (or degraded with a notice), 1 the gates failed (after posting the
    /// failure status; never with an explicit `--state`), 2 the status could not be set.
    public static func run(_ request: StatusRequest, options: PublishOptions) async throws -> CommandOutcome {
        var options = options
        if let head = request.head, options.overrides.head == nil {
            // The status belongs on a full commit id; the git stage resolves what the user typed.
            options.overrides.head = isFullCommitID(head)
                ? head
                : try RepositoryContext(workingDirectory: request.workingDirectory).repository.resolveCommit(head).hex
        }
        let publisher = try Publisher(options: options)

        let state: CommitState
        var description: String
        var diagnostics: [Diagnostic] = []
        var exitCode: Int32 = 0
        if let explicit = request.state {
            state = explicit
            description = defaultDescription(explicit)
        } else {
            // The same evaluation `cmlbot gate` and `report --publish` make, base defaulting to the PR's.
            let context = try RepositoryContext(workingDirectory: request.workingDirectory, configOverride: request.configPath)
            let pipeline = try ReviewPipeline(context: context, base: request.base, head: request.head ?? workspaceRevision,
                                              ciBase: publisher.context.baseSHA)
            diagnostics = pipeline.diagnostics
            let verdict = StatusVerdict(findings: pipeline.findings, failOn: request.failOn)
            state = verdict.state
            description = verdict.description
            exitCode = state == .failure ? 1 : 0
        }
        if let given = request.description { description = StatusVerdict.fit(given) }

        let summary = try await publisher.publishStatus(state: state, description: description, requireStatus: request.requireStatus)
        return CommandOutcome(output: summary.output, diagnostics: diagnostics + summary.log.map { Diagnostic(.note, $0) }, exitCode: exitCode)
    }
}
