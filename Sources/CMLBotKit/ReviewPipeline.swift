import CMLBotCompare
import CMLBotCore
import CMLBotEvidence
import CMLBotGates
import CMLBotReport
import Foundation

/// The stages `report` and `gate` share: two revisions → snapshots → comparison → promotion verdicts.
struct ReviewPipeline {
    let base: RevisionInfo
    let head: RevisionInfo
    let baseTree: FileTree
    let headTree: FileTree
    let config: CMLBotConfig
    let baseSnapshot: EvidenceSnapshot
    let headSnapshot: EvidenceSnapshot
    let comparison: EvidenceComparison
    let evaluations: [RuleEvaluation]
    let validation: [ValidationChange]
    let data: DataComparison
    let diagnostics: [Diagnostic]

    init(context: RepositoryContext, base baseSpec: String?, head headSpec: String, ciBase: String? = nil) throws {
        let (headTree, headInfo) = try context.tree(headSpec)
        let config = try context.config(for: headTree)
        let rules = try PromotionRules.parse(config.promotion, source: config.source ?? CMLBotConfig.fileName)
        var baseNotes: [Diagnostic] = []
        let base = RepositoryContext.base(explicit: baseSpec, ci: ciBase, config: config, in: context, notes: &baseNotes)
        let (baseTree, baseInfo) = try context.tree(base.spec)

        let selection = EvidenceSelection(extraMetrics: config.metricsFiles, extraParams: config.paramsFiles)
        var baseSnapshot = try EvidenceCollector.collect(baseTree, selection: selection)
        var headSnapshot = try EvidenceCollector.collect(headTree, selection: selection)
        // Plots are read here, not in EvidenceCollector, so `metrics diff` never pays for (or warns
        // about) plot files; `.cmlbot.yml` plots come from head's config for both sides.
        baseSnapshot.plots = PlotCollector.collect(baseTree, declarations: baseSnapshot.declarations.plots + config.plots, diagnostics: &baseSnapshot.diagnostics)
        headSnapshot.plots = PlotCollector.collect(headTree, declarations: headSnapshot.declarations.plots + config.plots, diagnostics: &headSnapshot.diagnostics)
        let comparison = Comparator.compare(base: baseSnapshot, head: headSnapshot, config: config)

        var diagnostics = baseNotes + baseSnapshot.diagnostics + headSnapshot.diagnostics
        let validation = ValidationComparison.compare(
            base: try ValidationDiscovery.collect(baseTree, configured: config.validationFiles, diagnostics: &diagnostics),
            head: try ValidationDiscovery.collect(headTree, configured: config.validationFiles, diagnostics: &diagnostics))
        var evaluations: [RuleEvaluation] = []
        if !rules.isEmpty {
            let baseOutputs = try DVCOutputsReader.read(baseTree, diagnostics: &diagnostics)
            let headOutputs = try DVCOutputsReader.read(headTree, diagnostics: &diagnostics)
            var promotionInput = PromotionInput(
                comparison: comparison, baseSnapshot: baseSnapshot, headSnapshot: headSnapshot,
                headTree: headTree, baseOutputs: baseOutputs, headOutputs: headOutputs)
            promotionInput.validation = validation
            evaluations = PromotionEvaluator.evaluate(rules, promotionInput)
        }
        self.base = baseInfo
        self.head = headInfo
        self.baseTree = baseTree
        self.headTree = headTree
        self.config = config
        self.baseSnapshot = baseSnapshot
        self.headSnapshot = headSnapshot
        self.comparison = comparison
        self.evaluations = evaluations
        self.validation = validation
        self.data = try DataStates.review(context: context, base: baseTree, head: headTree, snapshots: (baseSnapshot, headSnapshot), diagnostics: &diagnostics)
        self.diagnostics = DiffCommand.deduplicated(diagnostics)
    }

    var findings: [Finding] { evaluations.compactMap(\.finding).sortedForOutput() }

    func reportInput(precision: Int) -> ReportInput {
        var input = ReportInput(base: base, head: head, baseSnapshot: baseSnapshot, headSnapshot: headSnapshot,
                                comparison: comparison, config: config, options: ReportOptions(precision: precision))
        input.evaluations = evaluations
        input.validation = validation
        input.data = data
        return input
    }

    /// SHA-256 of every file the decision read, per side: the evidence record's inputs.
    func evidenceDigests() -> [EvidenceRecord.FileDigest] {
        var out: [EvidenceRecord.FileDigest] = []
        for (side, tree, snapshot) in [("base", baseTree, baseSnapshot), ("head", headTree, headSnapshot)] {
            var paths = Set(snapshot.metrics.map(\.path) + snapshot.params.map(\.path) + snapshot.declarations.dvcFiles)
            for dvcFile in snapshot.declarations.dvcFiles {
                if let lock = RepoPath.join(RepoPath.parent(dvcFile), "dvc.lock"), ((try? tree.entry(at: lock)) ?? nil) != nil { paths.insert(lock) }
            }
            for path in paths.sorted(by: RepoPath.precedes) {
                guard let data = try? tree.readFile(path) else { continue }
                out.append(EvidenceRecord.FileDigest(side: side, path: path, sha256: Digest.hex(.sha256, data)))
            }
        }
        return out
    }

    func configDigest() -> EvidenceRecord.FileDigest? {
        guard let source = config.source, let data = try? headTree.readFile(source) else { return nil }
        return EvidenceRecord.FileDigest(side: "head", path: source, sha256: Digest.hex(.sha256, data))
    }
}
