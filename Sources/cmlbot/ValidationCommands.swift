import ArgumentParser
import CMLBotKit

struct Validation: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Great Expectations validation results (0.18 and 1.x).", subcommands: [Diff.self])

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare Great Expectations results between two revisions.",
            discussion: """
            Reads great_expectations/uncommitted/validations/ and gx/uncommitted/validations/ (recursively) \
            plus validation.files from .cmlbot.yml. Of several runs of one suite on one batch, the latest \
            counts; results pair by path, else by suite and batch.
            """)
        @Argument(help: ArgumentHelp("Old revision (default: HEAD).", valueName: "A_REV")) var oldRevision: String?
        @Argument(help: ArgumentHelp("New revision (default: the workspace).", valueName: "B_REV")) var newRevision: String?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var repository: RepositoryOptions

        func run() throws {
            var request = ValidationDiffRequest(workingDirectory: repository.workingDirectory)
            request.configPath = repository.config
            if let oldRevision { request.oldRevision = oldRevision }
            if let newRevision { request.newRevision = newRevision }
            request.json = json
            try Output.finish { try ValidationDiffCommand.run(request) }
        }
    }
}
