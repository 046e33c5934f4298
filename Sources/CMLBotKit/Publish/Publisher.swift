import CMLBotCore
import CMLBotForge
import Foundation

/// What publishing produced, for the executable to print.
public struct PublishSummary: Sendable {
    /// Progress and notes for stderr (`cmlbot: comment updated on pr/7: URL`).
    public var log: [String] = []
    /// For stdout: `--dry-run` transcripts and GitHub workflow commands (`::notice::`).
    public var output = ""
    public var commentURL: String?
    /// True when the comment could not be posted and the report went to the job summary instead.
    public var degraded = false
    /// Problems that did not stop publishing (a chart upload that failed), for stderr as warnings.
    public var warnings: [String] = []
}

/// Chart images for `--upload-charts`/`--assets-branch`: the files, and the comment Markdown that
/// shows them once hosted (the report re-rendered with their URLs).
struct ChartImages: Sendable {
    var files: [ChartFile]
    var markdown: @Sendable ([String: String]) -> String
}

/// Collects retry events from the transport's Sendable log closure.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}

/// Posts Markdown where reviewers look: the sticky PR/MR comment, the commit status, the check
/// run and the job summary — degrading, never crashing, when the token cannot write.
struct Publisher {
    let options: PublishOptions
    let context: CIContext
    let masker: TokenMasker

    init(options: PublishOptions) throws {
        try options.validate()
        self.options = options
        let env = options.environment
        let detected = try CIContextDetector.detect(environment: env) { path in FileManager.default.contents(atPath: path) }
        context = try CIContextDetector.apply(options.overrides, to: detected)
        masker = TokenMasker(environment: env, tokenEnv: options.tokenEnv)
    }

    /// With a context already worked out: `doctor` detects it once, turning failures into checks.
    init(options: PublishOptions, context: CIContext) {
        self.options = options
        self.context = context
        masker = TokenMasker(environment: options.environment, tokenEnv: options.tokenEnv)
    }

    func publish(markdown: String, status: (state: CommitState, description: String)?, verdict: String, charts: ChartImages? = nil) async throws -> PublishSummary {
        var summary = PublishSummary()
        // The job summary first: whatever happens next, the report is on the run page.
        if let path = context.stepSummaryPath, !options.dryRun {
            try ActionsFiles.appendSummary(markdown, to: path)
        }
        if context.isFork && !options.dryRun {
            let why = "this pull request comes from a fork, whose token is read-only"
            if options.requireComment { throw PublishError.commentRequired(why) }
            summary.output += "::notice title=cmlbot::\(why); the report is in the job summary. To comment on fork PRs, use the workflow_run pattern (docs/security.md).\n"
            summary.degraded = true
            try writeOutputs(summary, verdict: verdict)
            return summary
        }
        try context.requirePublishable()
        let connection = try connect()
        let client = connection.client
        let token = connection.token

        let target = try await resolveTarget(client)
        var markdown = markdown
        let sticky = StickyComment(client: client, target: target, key: options.key)
        // Set when chart hosting already listed the thread: publishing reuses that listing.
        var listed: [ForgeComment]?
        if let hosted = await hostCharts(charts, client: client, sticky: sticky, listed: &listed, summary: &summary) { markdown = hosted }
        let note = "_Report cut to fit the comment size limit. The full report is in the job summary"
            + (context.runURL.map { " of [this run](\($0))" } ?? "") + " and in report.md._"
        let body = CommentBody.make(markdown: markdown, key: options.key, limit: client.commentBodyLimit, truncationNote: note)
        var canWrite = true
        do {
            let result = try await sticky.publish(body: body, existing: listed)
            summary.commentURL = result.comment.url
            var line = "comment \(result.action.rawValue) on \(target)"
            if let url = result.comment.url { line += ": \(url)" }
            if !result.removedDuplicates.isEmpty { line += " (removed \(result.removedDuplicates.count) duplicate\(result.removedDuplicates.count == 1 ? "" : "s"))" }
            summary.log += result.notes.map { masker.mask($0) }
            summary.log.append(line)
        } catch let error as ForgeError where error.isPermissionProblem {
            if options.requireComment { throw PublishError.commentRequired(masker.mask(error.message)) }
            canWrite = false
            summary.degraded = true
            summary.log.append("could not comment: \(masker.mask(error.message))")
            if context.provider == .githubActions {
                summary.output += "::notice title=cmlbot::could not comment on the pull request (the token cannot write); the report is in the job summary\n"
            }
        }

        if canWrite, let status, let sha = context.headSHA {
            do {
                let targetURL = summary.commentURL.flatMap { $0.hasPrefix("http") ? $0 : nil } ?? context.runURL
                summary.log.append(try await setStatus(client, sha: sha, state: status.state, description: status.description, targetURL: targetURL))
            } catch let error as ForgeError where error.isPermissionProblem {
                summary.log.append("could not set the commit status: \(masker.mask(error.message))")
            }
            // A check run carries the whole report on the Checks tab; only Actions/App tokens may create one.
            if let github = client as? GitHubClient, Self.isActionsToken(token, context: context) {
                do {
                    let conclusion = status.state == .success ? "success" : status.state == .pending ? "neutral" : "failure"
                    let url = try await github.createCheckRun(name: options.statusContext, headSHA: sha, conclusion: conclusion,
                                                              title: status.description, summary: String(body.prefix(65_535)), detailsURL: context.runURL)
                    summary.log.append("check run created" + (url.map { ": \($0)" } ?? ""))
                } catch let error as ForgeError where error.isPermissionProblem {
                    summary.log.append("no check run (\(masker.mask(error.message))); the commit status carries the verdict")
                }
            }
        }
        finish(&summary, connection)
        try writeOutputs(summary, verdict: verdict)
        return summary
    }

    /// `cmlbot status`: the commit status alone, on the head commit (the PR head, never GitHub's
    /// merge commit), linking to the run. Degrades like the comment does: a fork PR's read-only
    /// token gets a notice and no status, unless `requireStatus`.
    func publishStatus(state: CommitState, description: String, requireStatus: Bool) async throws -> PublishSummary {
        var summary = PublishSummary()
        if context.isFork && !options.dryRun {
            let why = "this pull request comes from a fork, whose token is read-only"
            if requireStatus { throw PublishError.statusRequired(why) }
            degrade(&summary, "could not set the commit status: \(why)")
            return summary
        }
        let missing = context.missingForStatus
        if !missing.isEmpty { throw CIContextError.notPublishable(missing: missing) }
        guard let sha = context.headSHA else { throw PublishError.noTarget("no commit to set the status on: pass --head REV") }
        let connection = try connect()
        do {
            summary.log.append(try await setStatus(connection.client, sha: sha, state: state, description: description, targetURL: context.runURL))
        } catch let error as ForgeError where error.isPermissionProblem {
            let message = masker.mask(error.message)
            if requireStatus { throw PublishError.statusRequired(message) }
            degrade(&summary, "could not set the commit status: \(message)")
        }
        finish(&summary, connection)
        return summary
    }

    /// A status that could not be posted: a note on stderr, and a notice on the Actions run page.
    private func degrade(_ summary: inout PublishSummary, _ line: String) {
        summary.degraded = true
        summary.log.append(line)
        if context.provider == .githubActions {
            summary.output += "::notice title=cmlbot::\(line)\n"
        }
    }

    func setStatus(_ client: any ForgeClient, sha: String, state: CommitState, description: String, targetURL: String?) async throws -> String {
        try await client.setStatus(CommitStatusRequest(sha: sha, state: state, context: options.statusContext,
                                                       description: description, targetURL: targetURL))
        return "status \(state.rawValue) on \(sha.prefix(7)) (\(options.statusContext))"
    }

    /// The client publishing talks through, and what the run must report afterwards.
    struct Connection {
        let client: any ForgeClient
        let token: ResolvedToken
        /// Set under `--dry-run`: the requests it recorded instead of sending.
        let dryRun: DryRunTransport?
        let events: EventLog
    }

    /// The token (a placeholder under `--dry-run` when there is none), the transport (retrying
    /// libcurl, or the recording one) and the forge's client.
    func connect() throws -> Connection {
        guard let forge = context.forge else { throw PublishError.noTarget("no forge detected") }
        let token: ResolvedToken
        if options.dryRun {
            token = TokenResolver.resolve(environment: options.environment, forge: forge, tokenEnv: options.tokenEnv)
                ?? ResolvedToken(value: "dry-run-no-token", variable: "(none)")
        } else {
            token = try TokenResolver.require(environment: options.environment, forge: forge, tokenEnv: options.tokenEnv)
        }
        let events = EventLog()
        let dryRun = options.dryRun ? DryRunTransport() : nil
        let transport: any HTTPTransport = dryRun ?? liveTransport(events: events)
        return Connection(client: try makeClient(forge: forge, token: token, transport: transport), token: token, dryRun: dryRun, events: events)
    }

    /// libcurl with retries; each retry is logged, tokens masked.
    func liveTransport(events: EventLog) -> any HTTPTransport {
        RetryingTransport(wrapping: CurlTransport(environment: options.environment),
                          log: { [masker] event in events.add(masker.mask("\(event)")) })
    }

    /// Retry events into the log; the `--dry-run` transcript onto stdout.
    func finish(_ summary: inout PublishSummary, _ connection: Connection) {
        summary.log.append(contentsOf: connection.events.all)
        if let dryRun = connection.dryRun {
            summary.output += "--dry-run: these requests would be sent (nothing was sent; tokens masked):\n" + dryRun.transcript(masker: masker)
        }
    }

    /// Puts the chart images on the forge when asked to and returns the comment Markdown that links
    /// them; nil (inline charts) when not asked, not possible here, or when any upload fails — a
    /// failed upload is a warning, never a lost comment.
    /// On GitLab the sticky note is listed first (into `listed`) so charts it already links are
    /// linked again instead of uploaded anew.
    func hostCharts(_ charts: ChartImages?, client: any ForgeClient, sticky: StickyComment, listed: inout [ForgeComment]?,
                    summary: inout PublishSummary) async -> String? {
        guard options.uploadCharts || options.assetsBranch != nil else { return nil }
        func warn(_ text: String) {
            summary.warnings.append(text)
            if context.provider == .githubActions { summary.output += "::warning title=cmlbot::\(text)\n" }
        }
        // GitLab's host is made once the charts are known to be uploaded: it needs the listing.
        var gitlab: GitLabClient?
        var github: GitHubBranchHost?
        switch client {
        case let client as GitLabClient:
            if options.assetsBranch != nil { warn("--assets-branch is for GitHub; on GitLab, --upload-charts uploads the charts to the project") }
            guard options.uploadCharts else { return nil }
            gitlab = client
        case let client as GitHubClient:
            guard let branch = options.assetsBranch else {
                warn("--upload-charts needs --assets-branch NAME on GitHub, which has no API to attach images to a comment: cmlbot then commits the chart images to that branch and links them; the comment shows the inline charts")
                return nil
            }
            github = GitHubBranchHost(client: client, branch: branch, serverURL: context.serverURL ?? "https://github.com")
        default:
            return nil
        }
        guard let charts, !charts.files.isEmpty else {
            summary.log.append("no charts to upload")
            return nil
        }
        if options.dryRun {
            summary.log.append("--dry-run: the \(charts.files.count) chart\(charts.files.count == 1 ? "" : "s") would be uploaded; the requests below show the inline charts")
            return nil
        }
        let host: any ChartHost
        if let gitlab {
            // A listing that fails is left to publishing, which lists again and says why; the
            // charts are then simply uploaded.
            let marked = try? await sticky.marked()
            listed = marked
            host = GitLabUploadHost(client: gitlab, previous: marked ?? [], identity: sticky.identity)
        } else if let github {
            host = github
        } else {
            return nil
        }
        do {
            let hosted = try await host.host(charts.files)
            summary.log += hosted.notes.map { masker.mask($0) }
            summary.log.append("charts: \(hosted.written) uploaded, \(hosted.reused) already in place")
            return charts.markdown(hosted.urls)
        } catch {
            let detail = (error as? ForgeError)?.message ?? "\(error)"
            warn("chart upload failed (\(masker.mask(detail))); the comment shows the inline charts")
            return nil
        }
    }

    func writeOutputs(_ summary: PublishSummary, verdict: String) throws {
        guard let path = context.outputPath, !options.dryRun else { return }
        try ActionsFiles.setOutputs([("comment-url", summary.commentURL ?? ""), ("verdict", verdict)], to: path)
    }

    func makeClient(forge: ForgeKind, token: ResolvedToken, transport: any HTTPTransport) throws -> any ForgeClient {
        try Self.makeClient(forge: forge, context: context, token: token, transport: transport)
    }

    /// The workflow's own `GITHUB_TOKEN` in GitHub Actions: an installation token, which may create
    /// check runs and whose comments `github-actions[bot]` writes.
    static func isActionsToken(_ token: ResolvedToken, context: CIContext) -> Bool {
        context.provider == .githubActions && token.variable == "GITHUB_TOKEN"
    }

    /// The forge's client for `context` (also what `doctor` probes with).
    static func makeClient(forge: ForgeKind, context: CIContext, token: ResolvedToken, transport: any HTTPTransport) throws -> any ForgeClient {
        let agent = "cmlbot/\(cmlbotVersion)"
        switch forge {
        case .github:
            guard let api = context.apiURL, let repo = context.repository else { throw PublishError.noTarget("GitHub repository unknown: pass --repo OWNER/NAME") }
            return try GitHubClient(apiURL: api, repository: repo, token: token.value, transport: transport, userAgent: agent,
                                    actionsToken: isActionsToken(token, context: context))
        case .gitlab:
            guard let api = context.apiURL, let project = context.projectID ?? context.repository else { throw PublishError.noTarget("GitLab project unknown: pass --repo GROUP/PROJECT") }
            return GitLabClient(apiURL: api, projectID: project, token: token.value, transport: transport, userAgent: agent)
        }
    }

    /// `auto`: the PR/MR of this run; in a branch pipeline, the open MR of the head commit; else the commit.
    func resolveTarget(_ client: any ForgeClient) async throws -> CommentTarget {
        let spec = options.target
        let parts = spec.split(separator: "/", maxSplits: 1).map(String.init)
        switch (parts.first ?? "", parts.count) {
        case ("auto", 1):
            if let pr = context.pullRequest { return .pullRequest(pr) }
            if let sha = context.headSHA {
                if context.needsMergeRequestLookup || context.forge == .github, !options.dryRun,
                   let first = try await client.pullRequests(forCommit: sha).first {
                    return .pullRequest(first)
                }
                return .commit(sha)
            }
            throw PublishError.noTarget("no pull request and no commit known: pass --pr N or --head SHA")
        case ("pr", 1):
            guard let pr = context.pullRequest else { throw PublishError.noTarget("this run has no pull request: pass --pr N") }
            return .pullRequest(pr)
        case ("commit", 1):
            guard let sha = context.headSHA else { throw PublishError.noTarget("no head commit known: pass --head SHA") }
            return .commit(sha)
        case ("pr", 2):
            guard let n = Int(parts[1]), n > 0 else { throw PublishError.badTarget(spec) }
            return .pullRequest(n)
        case ("issue", 2):
            guard let n = Int(parts[1]), n > 0 else { throw PublishError.badTarget(spec) }
            return .issue(n)
        case ("commit", 2):
            guard parts[1].count >= 7, parts[1].allSatisfy(\.isHexDigit) else { throw PublishError.badTarget(spec) }
            return .commit(parts[1])
        default:
            throw PublishError.badTarget(spec)
        }
    }
}
