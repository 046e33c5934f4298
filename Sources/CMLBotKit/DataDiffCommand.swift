import CMLBotCompare
import CMLBotCore
import CMLBotEvidence
import CMLBotGit
import CMLBotReport
import Foundation

/// `cmlbot data diff`: DVC's `dvc diff`, reading outputs from git objects and `.dir` listings from the
/// local DVC cache when it is there.
public struct DataDiffRequest: Sendable {
    public var workingDirectory: String
    public var configPath: String?
    /// Left side, as typed; DVC's default is HEAD.
    public var oldRevision = "HEAD"
    /// Right side, as typed; nil is DVC's default: the workspace, with the "not in cache" check.
    public var newRevision: String?
    public var style: DVCDiffRenderer.Style = .table
    public var showHash = false
    public var hideMissing = false
    /// Paths as typed, relative to `workingDirectory`.
    public var targets: [String] = []
    /// `--verify`: compare the workspace files with the hashes the workspace's DVC files record.
    public var verify = false
    /// Progress sink for hashing large data; the executable passes one only when stderr is a terminal.
    public var progress: (@Sendable (Int64, Int64) -> Void)?

    public init(workingDirectory: String) {
        self.workingDirectory = workingDirectory
    }
}

public enum DataDiffError: UserFacingError, Equatable {
    case targetNotFound(String)
    case bareRepository

    public var kind: FailureKind {
        switch self {
        case .targetNotFound: return .usage
        case .bareRepository: return .operational
        }
    }

    public var message: String {
        switch self {
        case .targetNotFound(let path):
            return "\(path) is not a DVC-tracked output (or its .dvc file) at either revision; check the path, it is relative to the current directory"
        case .bareRepository:
            return "the workspace is needed (a bare repository has none); give two revisions, or run inside a clone with a working tree"
        }
    }
}

/// Data above this size gets a progress indicator while it is hashed (when stderr is a terminal).
let progressThreshold: Int64 = 100 * 1024 * 1024

public enum DataDiffCommand {
    public static func run(_ request: DataDiffRequest) throws -> CommandOutcome {
        let context = try RepositoryContext(workingDirectory: request.workingDirectory, configOverride: request.configPath)
        guard let workdir = context.repository.workdir else {
            if request.newRevision == nil || request.verify { throw DataDiffError.bareRepository }
            return try run(request, context: context, workdir: nil)
        }
        return try run(request, context: context, workdir: workdir)
    }

    static func run(_ request: DataDiffRequest, context: RepositoryContext, workdir: String?) throws -> CommandOutcome {
        let cache = workdir.map { DVCCache(workspaceRoot: $0) }
        var diagnostics: [Diagnostic] = []
        let comparison: DataComparison
        let withMissing: Bool
        if request.verify {
            let (tree, _) = try context.tree(workspaceRevision)
            let recorded = try DataStates.recorded(tree, cache: cache, diagnostics: &diagnostics)
            let actual = try DataStates.workspace(recorded.outputs, root: workdir ?? "", progress: request.progress)
            comparison = DataDiff.compare(old: recorded, new: actual)
            withMissing = false
        } else {
            let (oldTree, oldInfo) = try context.tree(request.oldRevision)
            let (newTree, newInfo) = try context.tree(request.newRevision ?? workspaceRevision)
            var oldState = try DataStates.recorded(oldTree, cache: cache, diagnostics: &diagnostics)
            var newState = try DataStates.recorded(newTree, cache: cache, diagnostics: &diagnostics)
            // For the workspace DVC hashes what is on disk, so uncommitted data changes show.
            if oldInfo.commit == nil, let workdir {
                oldState = try DataStates.workspace(oldState.outputs, root: workdir, progress: request.progress)
            }
            if newInfo.commit == nil, let workdir {
                newState = try DataStates.workspace(newState.outputs, root: workdir, progress: request.progress)
            }
            withMissing = request.newRevision == nil && !request.hideMissing
            comparison = DataDiff.compare(old: oldState, new: newState,
                                          isCached: request.newRevision == nil ? { cache?.contains($0) ?? false } : nil)
        }

        let filtered = try filter(comparison, targets: request.targets, context: context)
        for dir in filtered.directoriesWithoutListing {
            diagnostics.append(Diagnostic(.note, path: dir + "/",
                "changed as a whole; file-level detail needs its .dir listing from the DVC cache (run `dvc fetch` or `dvc pull` first)"))
        }
        if request.verify && !filtered.isEmpty {
            let count = filtered.all.count
            diagnostics.append(Diagnostic(.warning, "\(count) tracked entr\(count == 1 ? "y does" : "ies do") not match the hashes recorded in the DVC files (run `dvc status` for detail, `dvc commit` or `dvc checkout` to reconcile)"))
        }
        let renderer = DataDiffRenderer(showHash: request.showHash, includeNotInCache: withMissing)
        let output: String
        switch request.style {
        case .json: output = renderer.json(filtered) + "\n"
        case .markdown: output = renderer.markdown(filtered)
        case .table: output = renderer.text(filtered)
        }
        return CommandOutcome(output: output, diagnostics: DiffCommand.deduplicated(diagnostics),
                              exitCode: request.verify && !filtered.isEmpty ? 1 : 0)
    }

    /// DVC's `--targets`: an output path (or its `.dvc` file) keeps that output and, for a directory,
    /// its files; a path inside a directory output keeps just that file.
    static func filter(_ comparison: DataComparison, targets: [String], context: RepositoryContext) throws -> DataComparison {
        guard !targets.isEmpty else { return comparison }
        let outputs = comparison.oldOutputs + comparison.newOutputs
        var prefixes: [String] = []
        for target in targets {
            let path = try context.repoPath(fromUserPath: target)
            // `data.dvc` names the output `data` it records.
            if path.hasSuffix(".dvc"), outputs.contains(where: { $0.path == String(path.dropLast(4)) }) {
                prefixes.append(String(path.dropLast(4)))
                continue
            }
            guard outputs.contains(where: { $0.path == path || path.hasPrefix($0.path + "/") || path.isEmpty || $0.path.hasPrefix(path + "/") }) else {
                throw DataDiffError.targetNotFound(target)
            }
            prefixes.append(path)
        }
        func keep(_ entry: DataEntry?) -> Bool {
            guard let entry else { return false }
            return prefixes.contains { $0.isEmpty || entry.path == $0 || entry.path.hasPrefix($0 + "/") }
        }
        var out = comparison
        out.added = comparison.added.filter { keep($0.new) }
        out.deleted = comparison.deleted.filter { keep($0.old) }
        out.modified = comparison.modified.filter { keep($0.old) }
        out.renamed = comparison.renamed.filter { keep($0.old) || keep($0.new) }
        out.notInCache = comparison.notInCache?.filter { keep($0) }
        out.directoriesWithoutListing = comparison.directoriesWithoutListing.filter { keep(DataEntry(path: $0, hash: nil, isDirectory: true)) }
        return out
    }
}

/// Builds the `DataState` of a revision.
public enum DataStates {
    /// What a revision's DVC files record, with `.dir` listings from the local cache where present.
    public static func recorded(_ tree: FileTree, cache: DVCCache?, diagnostics: inout [Diagnostic]) throws -> DataState {
        let outputs = try DVCOutputsReader.read(tree, diagnostics: &diagnostics).map(DataEntry.init)
        var listings: [String: [DVCDirectoryEntry]] = [:]
        for output in outputs where output.isDirectory {
            guard let hash = output.hash, let cache else { continue }
            do {
                if let listing = try cache.directoryListing(hash) { listings[output.path] = listing }
            } catch let error as DVCCacheError {
                // A damaged listing only costs file-level detail; say so rather than fail the diff.
                diagnostics.append(.warning(path: output.path, revision: tree.label, error.message))
            }
        }
        return DataState(outputs: outputs, listings: listings)
    }

    /// The outputs as they are on disk: files and directories hashed as DVC hashes them; a missing one
    /// has no entry (DVC reports it deleted).
    public static func workspace(_ outputs: [DataEntry], root: String,
                                 progress: (@Sendable (Int64, Int64) -> Void)? = nil) throws -> DataState {
        let hasher = DVCWorkspaceHasher(root: root)
        let total = outputs.reduce(Int64(0)) { sum, output in sum + hasher.files(at: output.path).reduce(0) { $0 + $1.size } }
        let report = total > progressThreshold ? progress : nil
        var done: Int64 = 0
        var entries: [DataEntry] = []
        var listings: [String: [DVCDirectoryEntry]] = [:]
        for output in outputs {
            switch try hasher.hash(output.path, progress: report, done: &done, total: total) {
            case .missing: continue
            case .file(let md5, let size):
                entries.append(DataEntry(path: output.path, hash: md5, isDirectory: false, size: size))
            case .directory(let hash, let files, let size):
                entries.append(DataEntry(path: output.path, hash: hash, isDirectory: true, size: size, fileCount: files.count))
                listings[output.path] = files
            }
        }
        return DataState(outputs: entries, listings: listings)
    }
}

/// `dvc diff`'s three output styles (dvc/commands/diff.py).
struct DataDiffRenderer {
    var showHash: Bool
    /// The "not in cache" group: only for the default workspace side, unless --hide-missing.
    var includeNotInCache: Bool

    private func groups(_ c: DataComparison) -> [(String, [Row])] {
        var out: [(String, [Row])] = [
            ("added", c.added.map { Row(path: $0.new?.displayPath ?? "", hash: .one($0.new?.hash)) }),
            ("deleted", c.deleted.map { Row(path: $0.old?.displayPath ?? "", hash: .one($0.old?.hash)) }),
            ("modified", c.modified.map { Row(path: $0.old?.displayPath ?? "", hash: .pair($0.old?.hash, $0.new?.hash)) }),
            ("renamed", c.renamed.map { Row(path: "", renamed: ($0.old?.displayPath ?? "", $0.new?.displayPath ?? ""), hash: .one($0.old?.hash)) }),
        ]
        if includeNotInCache {
            out.append(("not in cache", (c.notInCache ?? []).map { Row(path: $0.displayPath, hash: .one($0.hash)) }))
        }
        return out
    }

    struct Row {
        enum Hash { case one(String?), pair(String?, String?) }
        var path: String
        var renamed: (old: String, new: String)?
        var hash: Hash

        init(path: String, renamed: (String, String)? = nil, hash: Hash) {
            self.path = path
            self.renamed = renamed
            self.hash = hash
        }

        var shownPath: String { renamed.map { "\($0.old) -> \($0.new)" } ?? path }

        /// DVC's `_digest`: 8 characters, `old..new` for modified.
        var digest: String {
            switch hash {
            case .one(let h): return String((h ?? "").prefix(8))
            case .pair(let a, let b): return "\((a ?? "").prefix(8))..\((b ?? "").prefix(8))"
            }
        }

        var hasHash: Bool {
            switch hash {
            case .one(let h): return !(h ?? "").isEmpty
            case .pair: return true
            }
        }
    }

    func json(_ c: DataComparison) -> String {
        let groups = groups(c)
        if groups.allSatisfy({ $0.1.isEmpty }) { return "{}" }
        var root = OrderedObject()
        for (name, rows) in groups {
            root[name] = .array(rows.map { row in
                var o = OrderedObject()
                if let renamed = row.renamed {
                    var p = OrderedObject()
                    p["old"] = .string(renamed.old)
                    p["new"] = .string(renamed.new)
                    o["path"] = .object(p)
                } else {
                    o["path"] = .string(row.path)
                }
                if showHash {
                    switch row.hash {
                    case .one(let h): o["hash"] = h.map(Value.string) ?? .null
                    case .pair(let a, let b):
                        var h = OrderedObject()
                        h["old"] = a.map(Value.string) ?? .null
                        h["new"] = b.map(Value.string) ?? .null
                        o["hash"] = .object(h)
                    }
                }
                return .object(o)
            })
        }
        return JSONWriter.python.string(.object(root))
    }

    /// The plain listing: a header per group, then `files summary:` counting files (not directories).
    func text(_ c: DataComparison) -> String {
        let all = groups(c)
        if all.allSatisfy({ $0.1.isEmpty }) { return "" }
        // Plain output lists renamed before modified.
        let order = ["added", "deleted", "renamed", "modified", "not in cache"]
        var out = ""
        var summary: [(String, Int)] = []
        for name in order {
            guard let rows = all.first(where: { $0.0 == name })?.1 else { continue }
            var count = 0
            if !rows.isEmpty {
                out += name.prefix(1).uppercased() + name.dropFirst() + ":\n"
                for row in rows {
                    if !row.shownPath.hasSuffix("/") { count += 1 }
                    let hashPart = showHash && row.hasHash ? row.digest + "  " : ""
                    out += "    " + hashPart + row.shownPath + "\n"
                }
                out += "\n"
            }
            summary.append((name, count))
        }
        let nonzero = summary.filter { $0.1 > 0 }
        if !nonzero.isEmpty {
            out += "files summary: " + nonzero.map { "\($0.1) \($0.0)" }.joined(separator: ", ") + "\n"
        }
        return out
    }

    /// tabulate's GitHub table, as DVC's `ui.table(markdown=True)` prints it (always, even when empty).
    func markdown(_ c: DataComparison) -> String {
        let all = groups(c)
        let order = ["added", "deleted", "renamed", "modified", "not in cache"]
        let headers = showHash ? ["Status", "Hash", "Path"] : ["Status", "Path"]
        var rows: [[String]] = []
        for name in order {
            for row in all.first(where: { $0.0 == name })?.1 ?? [] {
                rows.append(showHash ? [name, row.digest, row.shownPath] : [name, row.shownPath])
            }
        }
        var widths = headers.map { TextWidth.columns($0) + 2 }
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], TextWidth.columns(cell)) } }
        func line(_ cells: [String]) -> String {
            "| " + cells.enumerated().map { TextWidth.padRight($0.element, to: widths[$0.offset]) }.joined(separator: " | ") + " |"
        }
        var lines = [line(headers), "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|"]
        lines += rows.map(line)
        return lines.joined(separator: "\n") + "\n\n"
    }
}

extension DataStates {
    /// The report's data comparison: recorded hashes on both sides (the report describes what the
    /// revisions record, and must not spend minutes hashing a workspace), listings from the local cache.
    static func review(context: RepositoryContext, base: FileTree, head: FileTree,
                       snapshots: (base: EvidenceSnapshot, head: EvidenceSnapshot), diagnostics: inout [Diagnostic]) throws -> DataComparison {
        let cache = context.repository.workdir.map { DVCCache(workspaceRoot: $0) }
        let old = try recorded(base, cache: cache, diagnostics: &diagnostics)
        let new = try recorded(head, cache: cache, diagnostics: &diagnostics)
        var comparison = DataDiff.compare(old: old, new: new)
        // Code changes are known only between two commits; the workspace would need a full scan.
        if let baseCommit = base as? GitCommitTree, let headCommit = head as? GitCommitTree {
            let evidence = Set((snapshots.base.metrics + snapshots.head.metrics).map(\.path)
                               + (snapshots.base.params + snapshots.head.params).map(\.path))
            let outputs = (old.outputs + new.outputs).map(\.path)
            let changes = try context.repository.diffTrees(from: baseCommit, to: headCommit, detectRenames: false)
            comparison.codeChanged = changes.contains { change in
                [change.oldPath, change.newPath].contains { path in
                    let name = RepoPath.fileName(path)
                    let bookkeeping = path.hasSuffix(".dvc") || ["dvc.lock", "dvc.yaml", ".gitignore", ".dvcignore"].contains(name)
                        || path.hasPrefix(".dvc/")
                    let data = outputs.contains { path == $0 || path.hasPrefix($0 + "/") }
                    return !(bookkeeping || data || evidence.contains(path))
                }
            }
        }
        return comparison
    }
}
