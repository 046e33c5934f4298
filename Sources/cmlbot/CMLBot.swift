import ArgumentParser
import CMLBotCore
import CMLBotKit
import Foundation

/// The executable only translates: flags → request, outcome → stdout/stderr and exit status.
@main
struct CMLBot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cmlbot",
        abstract: "ML review evidence for pull requests: metrics, params and data changes between two commits.",
        discussion: """
        Exit codes: 0 ok, 1 a gate failed, 2 operational error (missing repository or revision, \
        unreadable config), 64 usage error.
        """,
        version: cmlbotVersion,
        subcommands: [ReportCommandCLI.self, Metrics.self, Params.self]
    )
}

/// Options every repository command takes.
struct RepositoryOptions: ParsableArguments {
    @Option(name: .customShort("C"), help: ArgumentHelp("Run as if started in DIR.", valueName: "DIR"))
    var directory: String?

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

struct ReportCommandCLI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Preview the review report locally: Markdown on stdout, no token, no network.")

    @Option(help: ArgumentHelp("Base revision (default: `base` in .cmlbot.yml, else HEAD).", valueName: "REV"))
    var base: String?
    @Option(help: ArgumentHelp("Head revision (default: the workspace).", valueName: "REV"))
    var head: String?
    @Option(help: ArgumentHelp("Also write report.md and report.json into DIR.", valueName: "DIR"))
    var out: String?
    @Option(help: "What to print on stdout.") var format: ReportRequest.Format = .md
    @Option(help: "Decimal places for numbers (default 5).") var precision: Int = 5
    @OptionGroup var repository: RepositoryOptions

    func run() throws {
        var request = ReportRequest(workingDirectory: repository.workingDirectory)
        request.base = base
        if let head { request.head = head }
        request.outputDirectory = out
        request.format = format
        request.precision = precision
        try Output.finish { try ReportCommand.run(request) }
    }
}

extension ReportRequest.Format: ExpressibleByArgument {}

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

    static func writeError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
