import CMLBotCompare
import CMLBotCore
import CMLBotEvidence
import CMLBotGates

/// A revision as the report names it: the label the user typed and, for commits, the SHA.
public struct RevisionInfo: Equatable, Sendable {
    public var label: String
    public var commit: String?

    public init(label: String, commit: String?) {
        self.label = label
        self.commit = commit
    }
}

/// Everything a section may draw on. Sections read what they need and ignore the rest.
public struct ReportInput: Sendable {
    public var base: RevisionInfo
    public var head: RevisionInfo
    public var baseSnapshot: EvidenceSnapshot
    public var headSnapshot: EvidenceSnapshot
    public var comparison: EvidenceComparison
    public var config: CMLBotConfig
    public var options: ReportOptions
    /// Promotion rules applied to this comparison (empty when none are configured).
    public var evaluations: [RuleEvaluation] = []
    /// Great Expectations results paired base → head (empty when there are none).
    public var validation: [ValidationChange] = []
    /// How the Charts section draws plots (the plot data itself is in the snapshots).
    public var charts = ChartOptions()
    /// DVC-tracked data base → head (recorded hashes); nil when not computed.
    public var data: DataComparison? = nil

    public init(base: RevisionInfo, head: RevisionInfo, baseSnapshot: EvidenceSnapshot, headSnapshot: EvidenceSnapshot,
                comparison: EvidenceComparison, config: CMLBotConfig, options: ReportOptions = ReportOptions()) {
        self.base = base
        self.head = head
        self.baseSnapshot = baseSnapshot
        self.headSnapshot = headSnapshot
        self.comparison = comparison
        self.config = config
        self.options = options
    }
}

public struct ReportOptions: Equatable, Sendable {
    /// Decimal places for numbers in tables (Python round, as DVC's tables).
    public var precision = 5
    public init(precision: Int = 5) { self.precision = precision }
}

/// One part of the report. Adding a section is one type conforming to this plus one line in
/// `ReportSectionRegistry.all`; the Markdown and JSON renderers need no change.
public protocol ReportSection: Sendable {
    /// Stable identifier: the key in report.json and the order key in docs.
    static var id: String { get }
    static var title: String { get }
    init(_ input: ReportInput)
    /// The section's Markdown body (without its heading). Must escape repository text.
    func markdown() -> String
    /// The section's machine-readable form for report.json.
    func json() -> Value
    /// One clause for the summary line, nil when there is nothing to say.
    func summaryClause() -> String?
}

public enum ReportSectionRegistry {
    /// Order is the order in the report.
    public static let all: [any ReportSection.Type] = [
        PromotionSection.self,
        MetricsSection.self,
        ChartsSection.self,
        ParamsSection.self,
        ValidationSection.self,
        DataSection.self,
    ]
}

/// The assembled report, rendered by `MarkdownReportRenderer` and `JSONReportRenderer`.
public struct Report: Sendable {
    public static let schemaVersion = 1
    public var toolVersion: String
    public var base: RevisionInfo
    public var head: RevisionInfo
    public var sections: [any ReportSection]
    public var diagnostics: [Diagnostic]

    public init(_ input: ReportInput, toolVersion: String) {
        self.toolVersion = toolVersion
        base = input.base
        head = input.head
        sections = ReportSectionRegistry.all.map { $0.init(input) }
        diagnostics = input.baseSnapshot.diagnostics + input.headSnapshot.diagnostics
    }

    /// `3 metrics changed (1 better, 1 worse) · 2 params changed`, or `no metric or param changes`.
    public var summary: String {
        let clauses = sections.compactMap { $0.summaryClause() }
        return clauses.isEmpty ? "no metric or param changes" : clauses.joined(separator: " · ")
    }
}
