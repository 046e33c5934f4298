import ArgumentParser
import CMLBotCore
import CMLBotForge
import CMLBotGates
import CMLBotKit
import Foundation

/// The executable only translates: flags → request, outcome → stdout/stderr and exit status.
@main
struct CMLBot: AsyncParsableCommand {
    /// As `AsyncParsableCommand.main()`, but a synchronous subcommand (`check`, `diff`, `report`
    /// …) runs right here on the main thread instead of on a concurrency worker thread: one thread
    /// hand-off fewer, and glibc then serves its allocations from the main arena, which grows in
    /// large steps, instead of a thread arena that grows with one `mprotect` per page (~15% of
    /// `check` on 50,000 files was kernel time from that).
    @MainActor static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "cmlbot",
        abstract: "ML review evidence for pull requests: metrics, params and data changes between two commits.",
        discussion: """
        Exit codes: 0 ok, 1 a gate failed, 2 operational error (missing repository or revision, \
        unreadable config), 64 usage error.
        """,
        version: BuildInfo.versionLine,
        subcommands: [ReportCommandCLI.self, Comment.self, Status.self, Doctor.self, Check.self, Gate.self, Metrics.self, Params.self, Validation.self, DataCommandCLI.self]
    )
}

/// Options every repository command takes.
struct RepositoryOptions: ParsableArguments {
    @Option(name: .customShort("C"), help: ArgumentHelp("Run as if started in DIR.", valueName: "DIR"))
    var directory: String?
    @Option(help: ArgumentHelp("Use this config instead of the head revision's .cmlbot.yml.", valueName: "FILE"))
    var config: String?

    var workingDirectory: String {
        let cwd = FileManager.default.currentDirectoryPath
        guard let directory else { return cwd }
        return directory.hasPrefix("/") ? directory : cwd + "/" + directory
    }
}

/// DVC's diff options, shared by `metrics diff` and `params diff`.
struct DVCDiffOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Old revision (default: HEAD).", valueName: "A_REV"))
    var oldRevision: String?
    @Argument(help: ArgumentHelp("New revision (default: the workspace).", valueName: "B_REV"))
    var newRevision: String?
    @Flag(help: "Print DVC's JSON.") var json = false
    @Flag(help: "Print a Markdown table.") var md = false
    @Flag(help: "Show unchanged values too.") var all = false
    @Option(help: "Round floats in tables to N decimal places (default 5; 0 also means 5, as in DVC).")
    var precision: Int?
    @Option(parsing: .upToNextOption, help: ArgumentHelp("Only these files (relative to the current directory).", valueName: "PATH"))
    var targets: [String] = []
    @Flag(help: "Omit the Path column.") var noPath = false
    @OptionGroup var repository: RepositoryOptions

    func validate() throws {
        if json && md { throw ValidationError("--json and --md cannot be used together") }
        if let precision, precision < 0 { throw ValidationError("--precision must be 0 or more") }
    }

    func request(_ kind: DiffRequest.Kind) -> DiffRequest {
        var request = DiffRequest(kind: kind, workingDirectory: repository.workingDirectory)
        request.configPath = repository.config
        if let oldRevision { request.oldRevision = oldRevision }
        if let newRevision { request.newRevision = newRevision }
        request.style = json ? .json : md ? .markdown : .table
        request.includeUnchanged = all
        request.precision = precision
        request.targets = targets
        request.noPath = noPath
        return request
    }
}

struct Metrics: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Metrics commands (drop-in for dvc metrics).", subcommands: [Diff.self])

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show metric changes between two revisions, as `dvc metrics diff` does.")
        @OptionGroup var options: DVCDiffOptions
        func run() throws { try Output.finish { try DiffCommand.run(options.request(.metrics)) } }
    }
}

struct Params: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Params commands (drop-in for dvc params).", subcommands: [Diff.self])

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show param changes between two revisions, as `dvc params diff` does.")
        @OptionGroup var options: DVCDiffOptions
        func run() throws { try Output.finish { try DiffCommand.run(options.request(.params)) } }
    }
}

/// Which forge, repository, PR and token: detected from the CI environment, overridden by these
/// flags. Shared by every command that talks to a forge.
struct ForgeFlags: ParsableArguments {
    @Option(help: "Forge: github or gitlab (default: detected from the CI environment).") var forge: ForgeKind?
    @Option(help: ArgumentHelp("GitHub OWNER/NAME or GitLab group/project (or numeric project id).", valueName: "REPO")) var repo: String?
    @Option(help: ArgumentHelp("Pull request number / merge request iid.", valueName: "N")) var pr: Int?
    @Option(name: .customLong("api-url"), help: ArgumentHelp("REST API base URL (GitHub Enterprise: https://HOST/api/v3).", valueName: "URL")) var apiURL: String?
    @Option(name: .customLong("token-env"), help: ArgumentHelp("Read the token from this environment variable.", valueName: "NAME")) var tokenEnv: String?

    func options(base: String? = nil, head: String? = nil) -> PublishOptions {
        var o = PublishOptions(environment: ProcessInfo.processInfo.environment)
        o.overrides = ContextOverrides(forge: forge, repo: repo, pr: pr, apiURL: apiURL, base: base, head: head)
        o.tokenEnv = tokenEnv
        return o
    }
}

/// Where the sticky comment goes.
struct CommentFlags: ParsableArguments {
    @Option(help: "Where to comment: auto, pr, commit, pr/N, commit/SHA or issue/N.") var target: String = "auto"
    @Option(help: "Sticky comment key: one comment per target and key.") var key: String = "report"

    func apply(to options: inout PublishOptions) {
        options.target = target
        options.key = key
    }
}

/// Where to publish: detected from the CI environment, overridden by these flags.
struct PublishFlags: ParsableArguments {
    @OptionGroup var forge: ForgeFlags
    @OptionGroup var comment: CommentFlags
    @Flag(name: .customLong("dry-run"), help: "Print the HTTP requests instead of sending them (tokens masked).") var dryRun = false
    @Flag(name: .customLong("require-comment"), help: "Fail when the comment cannot be posted (e.g. a fork PR's read-only token).") var requireComment = false
    @Flag(name: .customLong("upload-charts"), help: "GitLab: upload the chart images to the project and show them in the comment (GitHub: use --assets-branch).") var uploadCharts = false
    @Option(name: .customLong("assets-branch"), help: ArgumentHelp("GitHub: commit the chart images to this branch and show them in the comment.", valueName: "NAME")) var assetsBranch: String?

    func options(base: String? = nil, head: String? = nil) -> PublishOptions {
        var o = forge.options(base: base, head: head)
        comment.apply(to: &o)
        o.dryRun = dryRun
        o.requireComment = requireComment
        o.uploadCharts = uploadCharts
        o.assetsBranch = assetsBranch
        return o
    }
}

extension ForgeKind: ExpressibleByArgument {}

struct Comment: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Post a Markdown file as the sticky PR/MR comment (as cml comment create/update).")
    @Argument(help: ArgumentHelp("The Markdown file.", valueName: "FILE.md")) var file: String
    @Option(help: ArgumentHelp("Commit to comment on or set statuses for (default: detected).", valueName: "SHA")) var head: String?
    @OptionGroup var publish: PublishFlags
    @OptionGroup var repository: RepositoryOptions

    func run() async throws {
        let options = publish.options(head: head)
        try await Output.finishAsync { try await CommentCommand.run(file: file, workingDirectory: repository.workingDirectory, options: options) }
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set the commit status on the PR/MR head: the promotion gates' verdict, or a state you give.",
        discussion: """
        Without --state, evaluates the promotion gates as `cmlbot gate` does and posts success or failure \
        (exit 1 after posting a failure). With --state, posts that state (e.g. pending before training). \
        A fork PR's read-only token gets a notice and exit 0, unless --require-status.
        """)

    @Option(help: ArgumentHelp("Post this state instead of evaluating the gates: pending, success, failure or error.", valueName: "STATE"))
    var state: CommitState?
    @Option(help: ArgumentHelp("Status description (cut to 140 characters).", valueName: "TEXT")) var description: String?
    @Option(name: .customLong("context"), help: ArgumentHelp("Status name on the commit.", valueName: "NAME")) var statusContext: String = "cmlbot"
    @Option(help: ArgumentHelp("Base revision for the gates (default: the PR/MR base in CI, else `base` in .cmlbot.yml, else where HEAD left the default branch).", valueName: "REV"))
    var base: String?
    @Option(help: ArgumentHelp("Commit to set the status on, and the gates' head (default: the PR/MR head; the gates read the workspace).", valueName: "REV"))
    var head: String?
    @Option(help: "Post failure (and exit 1) when a promotion gate fails at this level: error, warning or never.") var failOn: FailurePolicy = .error
    @Flag(name: .customLong("require-status"), help: "Fail (exit 2) when the status cannot be set (e.g. a fork PR's read-only token).") var requireStatus = false
    @Flag(name: .customLong("dry-run"), help: "Print the HTTP requests instead of sending them (tokens masked).") var dryRun = false
    @OptionGroup var forge: ForgeFlags
    @OptionGroup var repository: RepositoryOptions

    func validate() throws {
        if let description, description.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("--description is empty; leave it out for the default text")
        }
    }

    func run() async throws {
        var options = forge.options()
        options.dryRun = dryRun
        options.statusContext = statusContext
        var request = StatusRequest(workingDirectory: repository.workingDirectory)
        request.configPath = repository.config
        request.base = base
        request.head = head
        request.failOn = failOn
        request.state = state
        request.description = description
        request.requireStatus = requireStatus
        try await Output.finishAsync { try await StatusCommand.run(request, options: options) }
    }
}

struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Preflight for publishing: CI context, token and its permissions, base commit, config. Posts nothing.",
        discussion: """
        Run it before expensive training. Each check prints ok, warn, fail or skip with a fix. \
        Exit 0 when `report --publish` would work (warnings included), 1 when a check fails.
        """)

    @Option(help: "Output: text or json.") var format: DoctorRequest.Format = .text
    @Option(help: ArgumentHelp("Base revision the report would use (default: the PR/MR base in CI, else `base` in .cmlbot.yml, else where HEAD left the default branch).", valueName: "REV"))
    var base: String?
    @Option(name: .customLong("context"), help: ArgumentHelp("Status name on the commit.", valueName: "NAME")) var statusContext: String = "cmlbot"
    @Flag(name: .customLong("require-comment"), help: "Count a comment that would degrade to the job summary (fork PR) as a failure.") var requireComment = false
    @OptionGroup var forge: ForgeFlags
    @OptionGroup var comment: CommentFlags
    @OptionGroup var repository: RepositoryOptions

    func run() async throws {
        var options = forge.options()
        comment.apply(to: &options)
        options.statusContext = statusContext
        options.requireComment = requireComment
        var request = DoctorRequest(workingDirectory: repository.workingDirectory)
        request.configPath = repository.config
        request.base = base
        request.format = format
        try await Output.finishAsync { try await DoctorCommand.run(request, options: options) }
    }
}

extension CommitState: ExpressibleByArgument {}
extension DoctorRequest.Format: ExpressibleByArgument {}

struct ReportCommandCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Preview the review report locally: Markdown on stdout, no token, no network.",
        discussion: """
        Without --out the files (report.md, report.json, report.html, charts/) go to .git/cmlbot/report/; \
        the path of the HTML preview is printed on stderr, and --open opens it.
        """)

    @Option(help: ArgumentHelp("Base revision (default: the PR's base in CI, else `base` in .cmlbot.yml, else where HEAD left the default branch).", valueName: "REV"))
    var base: String?
    @Option(help: ArgumentHelp("Head revision (default: the workspace).", valueName: "REV"))
    var head: String?
    @Option(help: ArgumentHelp("Also write report.md, report.json, report.html and charts/*.svg into DIR.", valueName: "DIR"))
    var out: String?
    @Option(help: "What to print on stdout.") var format: ReportRequest.Format = .md
    @Option(help: "Decimal places for numbers (default 5).") var precision: Int = 5
    @Option(help: "Exit 1 when a promotion gate fails at this level: error, warning or never.") var failOn: FailurePolicy = .error
    @Flag(help: "Open the HTML preview in a browser ($BROWSER, else xdg-open/open).") var open = false
    @Flag(help: "Post the report: sticky PR/MR comment, commit status, check run, job summary.") var publish = false
    @OptionGroup var publishing: PublishFlags
    @OptionGroup var repository: RepositoryOptions

    func run() async throws {
        var request = ReportRequest(workingDirectory: repository.workingDirectory)
        request.configPath = repository.config
        request.failOn = failOn
        request.base = base
        if let head { request.head = head }
        request.outputDirectory = out
        request.format = format
        request.precision = precision
        if publish {
            let options = publishing.options()
            try await Output.finishAsync { try await ReportCommand.publish(request, options: options) }
        } else {
            try Output.finish {
                var outcome = try ReportCommand.run(request)
                if open, let path = outcome.previewPath, let problem = Browser.open(path) {
                    outcome.diagnostics.append(.warning(problem))
                }
                return outcome
            }
        }
    }
}

extension ReportRequest.Format: ExpressibleByArgument {}
extension FailurePolicy: ExpressibleByArgument {}

struct Gate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Promotion gates from .cmlbot.yml (thresholds, regressions, required evidence) on base → head.",
        discussion: "Exit 1 when a rule fails at --fail-on level. --evidence writes a JSON record of the decision.")

    @Option(help: ArgumentHelp("Base revision (default: `base` in .cmlbot.yml, else where HEAD left the default branch).", valueName: "REV")) var base: String?
    @Option(help: ArgumentHelp("Head revision (default: the workspace).", valueName: "REV")) var head: String?
    @Option(help: "Output: text, json, junit, codequality, sarif or github.") var format: String = "text"
    @Option(help: "Exit 1 on failures of this severity or worse: error, warning or never.") var failOn: FailurePolicy = .error
    @Option(help: ArgumentHelp("Write the decision record (JSON) to FILE.", valueName: "FILE")) var evidence: String?
    @OptionGroup var repository: RepositoryOptions

    func run() throws {
        var request = GateRequest(workingDirectory: repository.workingDirectory)
        request.configPath = repository.config
        request.base = base
        if let head { request.head = head }
        request.format = format
        request.failOn = failOn
        request.evidencePath = evidence
        request.colour = TerminalStyle.standardOutput.enabled
        try Output.finish { try GateCommand.run(request) }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Repository hygiene gates: large files, notebook outputs, lockfile drift, secrets, data outside DVC.",
        discussion: """
        Scope: --staged (default; the index against HEAD, as a pre-commit hook), --base REV --head REV \
        (what a pull request adds or changes), or --all (every file at --rev, default HEAD). FILES, as \
        pre-commit passes them, limit the check to those files. Exit 1 when a finding reaches --fail-on.
        """)

    @Flag(help: "Check the staged index against HEAD (the default).") var staged = false
    @Option(help: ArgumentHelp("Base revision of the change to check.", valueName: "REV")) var base: String?
    @Option(help: ArgumentHelp("Head revision of the change to check.", valueName: "REV")) var head: String?
    @Flag(help: "Check every file of a revision.") var all = false
    @Option(help: ArgumentHelp("Revision for --all (default HEAD).", valueName: "REV")) var rev: String = "HEAD"
    @Option(name: .customLong("gate"), help: ArgumentHelp("Run only this gate (repeatable).", valueName: "ID")) var gates: [String] = []
    @Option(help: "Output: text, json, junit, codequality, sarif or github.") var format: String = "text"
    @Option(help: "Exit 1 on findings of this severity or worse: error, warning or never.") var failOn: FailurePolicy = .error
    @Option(name: .customLong("max-kb"), help: "Size limit for large_files in KB (as check-added-large-files).") var maxKB: Int?
    @Flag(help: "large_files checks every file in scope, not only added ones.") var enforceAll = false
    @Argument(help: ArgumentHelp("Files to check (as pre-commit passes them).", valueName: "FILES")) var files: [String] = []
    @OptionGroup var repository: RepositoryOptions

    func validate() throws {
        if (base == nil) != (head == nil) { throw ValidationError("--base and --head go together") }
        let scopes = [staged, base != nil, all].filter { $0 }.count
        if scopes > 1 { throw ValidationError("choose one scope: --staged, --base/--head, or --all") }
        if let maxKB, maxKB <= 0 { throw ValidationError("--max-kb must be positive") }
    }

    func run() throws {
        var request = CheckRequest(workingDirectory: repository.workingDirectory)
        request.configPath = repository.config
        if let base, let head { request.scope = .range(base: base, head: head) }
        else if all { request.scope = .all(revision: rev) }
        request.files = files
        request.gates = gates.isEmpty ? nil : gates
        request.format = format
        request.failOn = failOn
        request.maxKB = maxKB
        request.enforceAll = enforceAll
        request.indexFile = ProcessInfo.processInfo.environment["GIT_INDEX_FILE"]
        request.colour = TerminalStyle.standardOutput.enabled
        try Output.finish { try CheckCommand.run(request) }
    }
}

/// Writes an outcome and turns library errors into the documented exit codes.
enum Output {
    static func finish(_ body: () throws -> CommandOutcome) throws {
        let outcome: CommandOutcome
        do {
            outcome = try body()
        } catch let error as any UserFacingError {
            writeError("error: \(error.message)")
            throw ExitCode(error.kind == .usage ? 64 : 2)
        } catch let error as ExitCode {
            throw error
        } catch {
            writeError("error: \(error)")
            throw ExitCode(2)
        }
        for diagnostic in outcome.diagnostics { writeError(diagnostic.description) }
        FileHandle.standardOutput.write(Data(outcome.output.utf8))
        if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
    }

    static func finishAsync(_ body: () async throws -> CommandOutcome) async throws {
        let outcome: CommandOutcome
        do {
            outcome = try await body()
        } catch {
            try finish { throw error }
            return
        }
        try finish { outcome }
    }

    static func writeError(_ line: String) {
        FileHandle.standardError.write(Data((TerminalStyle.standardError.diagnostic(line) + "\n").utf8))
    }
}
