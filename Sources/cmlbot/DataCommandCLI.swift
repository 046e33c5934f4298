import ArgumentParser
import CMLBotKit
import Foundation

/// `cmlbot data diff`: a drop-in for `dvc diff`. Named `DataCommandCLI` so it does not shadow Foundation's `Data`.
struct DataCommandCLI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Data commands (drop-in for dvc diff).", subcommands: [Diff.self])

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show DVC-tracked data changes between two revisions, as `dvc diff` does.",
            discussion: """
            File-level changes inside a directory output need its .dir listing from the local DVC cache \
            (.dvc/cache, or cache.dir); without it the directory is reported as a whole, with a note. \
            --verify hashes the workspace files of tracked outputs and exits 1 when any does not match \
            the hash its .dvc file or dvc.lock records.
            """)

        @Argument(help: ArgumentHelp("Old revision (default: HEAD).", valueName: "A_REV"))
        var oldRevision: String?
        @Argument(help: ArgumentHelp("New revision (default: the workspace).", valueName: "B_REV"))
        var newRevision: String?
        @Flag(help: "Print DVC's JSON.") var json = false
        @Flag(help: "Print a Markdown table.") var md = false
        @Flag(name: .customLong("show-hash"), help: "Show the hash of each entry.") var showHash = false
        @Flag(name: .customLong("hide-missing"), help: "Hide the \"not in cache\" group.") var hideMissing = false
        @Flag(help: "Hash the workspace files of tracked outputs and report those that do not match what the DVC files record.")
        var verify = false
        @Option(parsing: .upToNextOption, help: ArgumentHelp("Only these outputs (relative to the current directory).", valueName: "PATH"))
        var targets: [String] = []
        @OptionGroup var repository: RepositoryOptions

        func validate() throws {
            if json && md { throw ValidationError("--json and --md cannot be used together") }
            if verify && (oldRevision != nil || newRevision != nil) {
                throw ValidationError("--verify checks the workspace against its own DVC files; it takes no revisions")
            }
        }

        func run() throws {
            var request = DataDiffRequest(workingDirectory: repository.workingDirectory)
            request.configPath = repository.config
            if let oldRevision { request.oldRevision = oldRevision }
            request.newRevision = newRevision
            request.style = json ? .json : md ? .markdown : .table
            request.showHash = showHash
            request.hideMissing = hideMissing
            request.targets = targets
            request.verify = verify
            // A progress line only makes sense for a person watching a terminal.
            if isatty(STDERR_FILENO) == 1 { request.progress = Self.progress }
            try Output.finish { try DataDiffCommand.run(request) }
        }

        @Sendable static func progress(_ done: Int64, _ total: Int64) {
            let percent = total > 0 ? Int(done * 100 / total) : 100
            let line = "\rhashing data: \(percent)% (\(done / 1_048_576) of \(total / 1_048_576) MiB)" + (done >= total ? "\n" : "")
            FileHandle.standardError.write(Foundation.Data(line.utf8))
        }
    }
}
