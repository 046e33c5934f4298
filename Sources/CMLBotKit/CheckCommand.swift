import CMLBotCore
import CMLBotEvidence
import CMLBotGates
import CMLBotGit
import CMLBotReport
import Foundation

/// `cmlbot check`: hygiene gates over the staged index (pre-commit), a revision range (a pull
/// request), or a whole revision.
public struct CheckRequest: Sendable {
    public enum Scope: Sendable, Equatable {
        case staged
        case range(base: String, head: String)
        case all(revision: String)
    }

    public var workingDirectory: String
    /// `--config FILE`: use this config instead of the head revision's `.cmlbot.yml`.
    public var configPath: String?
    public var scope: Scope = .staged
    /// File names as pre-commit passes them (relative to the working directory); empty: all in scope.
    public var files: [String] = []
    /// Only these gate ids (per-gate pre-commit hooks); nil: every enabled gate.
    public var gates: [String]?
    public var format = "text"
    /// Colour in the text format (the CLI decides: a terminal, no NO_COLOR).
    public var colour = false
    public var failOn: FailurePolicy = .error
    /// `--max-kb` as check-added-large-files takes it; overrides the config.
    public var maxKB: Int?
    /// `--enforce-all` as check-added-large-files takes it.
    public var enforceAll = false
    /// `GIT_INDEX_FILE` from the environment: the index a commit hook must check.
    public var indexFile: String?

    public init(workingDirectory: String) { self.workingDirectory = workingDirectory }
}

public enum CheckCommand {
    public static func run(_ request: CheckRequest) throws -> CommandOutcome {
        guard let format = FindingsFormatRegistry.format(named: request.format) else {
            throw CheckError.unknownFormat(request.format)
        }
        let context = try RepositoryContext(workingDirectory: request.workingDirectory, configOverride: request.configPath)
        let repository = context.repository
        var diagnostics: [Diagnostic] = []

        // Build the input for the scope: which files, how they changed, where to read them. Every
        // path of the state is kept as a sorted byte table (`SortedPaths`), not 50,000 `String`s.
        let tree: FileTree
        var candidates: [CandidateFile]
        let allPaths: SortedPaths
        var needsSort = true
        switch request.scope {
        case .staged:
            if let file = request.indexFile, !file.isEmpty {
                let path = file.hasPrefix("/") ? file : request.workingDirectory + "/" + file
                try repository.useIndexFile(path)
            }
            let index = try repository.indexTree()
            let head = try? repository.tree(of: repository.resolveCommit("HEAD"), label: "HEAD")
            let changes = try repository.diffIndex(index, against: head)
            candidates = changes.filter { $0.status != .deleted }.map {
                CandidateFile(path: $0.newPath, size: $0.newSize, change: Self.change($0.status))
            }
            allPaths = index.paths
            if !request.files.isEmpty {
                // pre-commit passes the files it wants checked; unchanged ones count only with --enforce-all.
                let wanted = Set(try request.files.map(context.repoPath(fromUserPath:)))
                let changedByPath = Dictionary(candidates.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
                candidates = try wanted.filter { index.paths.contains($0) }.compactMap { path in
                    guard let entry = try index.entry(at: path), entry.kind == .file else { return nil }
                    return changedByPath[path] ?? CandidateFile(path: path, size: entry.size, change: .unchanged)
                }
            }
            tree = index
        case .range(let base, let head):
            let (baseTree, _) = try context.tree(base)
            let (headTree, _) = try context.tree(head)
            guard let old = baseTree as? GitCommitTree, let new = headTree as? GitCommitTree else {
                throw CheckError.rangeNeedsCommits
            }
            let changes = try repository.diffTrees(from: old, to: new)
            candidates = changes.filter { $0.status != .deleted }.map {
                CandidateFile(path: $0.newPath, size: $0.newSize, change: Self.change($0.status))
            }
            allPaths = try new.list(under: "", sizes: false).paths
            tree = new
        case .all(let revision):
            let (revTree, _) = try context.tree(revision)
            var files = SortedPaths()
            if let commitTree = revTree as? GitCommitTree {
                needsSort = false
                let listing = try commitTree.list(under: "", sizes: true)
                candidates = []
                candidates.reserveCapacity(listing.paths.count)
                // Symlinks and submodules are not files to check (nor paths of the set), as before.
                let onlyFiles = !listing.kinds.contains { $0 != .file }
                let shared = SharedPaths(listing.paths)
                for i in 0..<listing.paths.count where listing.kinds[i] == .file {
                    if !onlyFiles { listing.paths.withPath(i) { files.append($0) } }
                    candidates.append(CandidateFile(listedIn: shared, at: i, size: listing.sizes[i], change: .unchanged))
                }
                if onlyFiles { files = listing.paths }
            } else {
                let entries = try revTree.files(under: "").filter { $0.kind == .file }
                candidates = entries.map { CandidateFile(path: $0.path, size: $0.size, change: .unchanged) }
                files = SortedPaths(entries.map(\.path))
            }
            allPaths = files
            tree = revTree
        }
        // The listings are in path order already; changes and pre-commit's files may not be.
        if needsSort { candidates.sort { RepoPath.precedes($0.path, $1.path) } }

        let config = try context.config(for: tree)
        // The reader only opens `.dvc` and `dvc.lock` files: hand it those, found on the bytes.
        let dvcFiles = allPaths.filter { SortedPaths.hasSuffix($0, ".dvc") || SortedPaths.hasFileName($0, "dvc.lock") }
        let dvcOutputs = try DVCOutputsReader.read(tree, paths: dvcFiles, diagnostics: &diagnostics)
        var tracked = Set<String>()
        for output in dvcOutputs { tracked.insert(output.isDirectory ? output.path + "/" : output.path) }

        let scope: CheckInput.Scope
        switch request.scope {
        case .staged: scope = .staged
        case .range(let b, let h): scope = .range(base: b, head: h)
        case .all(let r): scope = .all(revision: r)
        }
        let input = CheckInput(scope: scope, files: candidates, tree: tree, allPaths: PathSet(allPaths), dvcTrackedPaths: tracked)

        let gates = try instantiateGates(config: config, only: request.gates, request: request)
        var findings: [Finding] = []
        for gate in gates { findings += gate.check(input) }
        findings = findings.sortedForOutput()

        let contextInfo = FindingsContext(toolVersion: cmlbotVersion, gates: gates.map { (type(of: $0).id, type(of: $0).summary) }, colour: request.colour)
        let output = format.render(findings, context: contextInfo)
        return CommandOutcome(output: output, diagnostics: diagnostics, exitCode: request.failOn.fails(findings) ? 1 : 0)
    }

    static func instantiateGates(config: CMLBotConfig, only: [String]?, request: CheckRequest) throws -> [any HygieneGate] {
        let source = config.source ?? CMLBotConfig.fileName
        for id in config.gates.keys where GateRegistry.hygieneGate(id: id) == nil {
            let suggestion = DidYouMean.closest(to: id, in: GateRegistry.hygiene.map { $0.id }).map { "; did you mean '\($0)'?" } ?? ""
            throw ConfigError(path: source, detail: "gates: unknown gate '\(id)'\(suggestion)")
        }
        if let only {
            for id in only where GateRegistry.hygieneGate(id: id) == nil {
                throw CheckError.unknownGate(id, known: GateRegistry.hygiene.map { $0.id })
            }
        }
        var gates: [any HygieneGate] = []
        for type in GateRegistry.hygiene {
            if let only, !only.contains(type.id) { continue }
            var values = config.gates[type.id]?.objectValue ?? OrderedObject()
            if config.gates[type.id] != nil, config.gates[type.id]?.objectValue == nil {
                throw ConfigError(path: source, detail: "gates.\(type.id) must be a mapping of settings")
            }
            // Command-line flags mirror check-added-large-files and win over the config.
            if type.id == LargeFileGate.id {
                if let maxKB = request.maxKB { values["max_kb"] = .int(maxKB) }
                if request.enforceAll { values["enforce_all"] = .bool(true) }
            }
            let settings = GateSettings(gate: type.id, values: values, source: source)
            guard try settings.enabled else { continue }
            gates.append(try type.init(settings: settings))
        }
        return gates
    }

    static func change(_ status: TreeChange.Status) -> CandidateFile.Change {
        switch status {
        case .added, .copied: return .added
        case .renamed: return .renamed
        default: return .modified
        }
    }
}

public enum CheckError: UserFacingError, Equatable {
    case unknownFormat(String)
    case unknownGate(String, known: [String])
    case rangeNeedsCommits

    public var kind: FailureKind { .usage }

    public var message: String {
        switch self {
        case .unknownFormat(let f):
            return "unknown format '\(f)'; use one of: \(FindingsFormatRegistry.all.map { $0.name }.joined(separator: ", "))"
        case .unknownGate(let id, let known):
            let suggestion = DidYouMean.closest(to: id, in: known).map { "; did you mean '\($0)'?" } ?? ""
            return "unknown gate '\(id)'\(suggestion) (gates: \(known.joined(separator: ", ")))"
        case .rangeNeedsCommits:
            return "--base and --head must name commits; to check the working directory, stage the changes and use --staged"
        }
    }
}
