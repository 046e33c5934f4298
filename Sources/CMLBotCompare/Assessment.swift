import CMLBotCore
import CMLBotEvidence

/// Whether a metric change is good news, from the configured direction.
public enum ChangeVerdict: String, Equatable, Sendable {
    case improved, worsened, unchanged
    /// Changed, but nobody said which way is better (or the value is not a number).
    case changed
    case added, removed
}

public struct AssessedChange: Equatable, Sendable {
    public var path: String
    public var change: ValueChange
    public var direction: MetricDirection?
    public var verdict: ChangeVerdict
}

/// The comparison of two snapshots that a report and the gates read.
public struct EvidenceComparison: Equatable, Sendable {
    public var baseRevision: String
    public var headRevision: String
    /// Every metric key present on either side (unchanged ones too), assessed.
    public var metrics: [AssessedChange]
    /// Changed params only.
    public var params: [FileComparison]

    public var changedMetrics: [AssessedChange] { metrics.filter { $0.verdict != .unchanged } }
    public var improvedCount: Int { metrics.filter { $0.verdict == .improved }.count }
    public var worsenedCount: Int { metrics.filter { $0.verdict == .worsened }.count }
    public var changedParamCount: Int { params.reduce(0) { $0 + $1.changes.count } }
}

public enum Comparator {
    public static func compare(base: EvidenceSnapshot, head: EvidenceSnapshot, config: CMLBotConfig) -> EvidenceComparison {
        let metricFiles = EvidenceDiff.compare(old: base.metrics, new: head.metrics, includeUnchanged: true)
        var metrics: [AssessedChange] = []
        for file in metricFiles {
            for change in file.changes {
                let direction = config.direction(forMetric: change.key, path: file.path)
                metrics.append(AssessedChange(path: file.path, change: change, direction: direction,
                                              verdict: verdict(change, direction: direction)))
            }
        }
        return EvidenceComparison(
            baseRevision: base.revision, headRevision: head.revision, metrics: metrics,
            params: EvidenceDiff.compare(old: base.params, new: head.params, includeUnchanged: false))
    }

    static func verdict(_ change: ValueChange, direction: MetricDirection?) -> ChangeVerdict {
        if change.old == nil { return .added }
        if change.new == nil { return .removed }
        if change.isUnchanged { return .unchanged }
        guard let direction, let diff = change.diff?.doubleValue, !diff.isNaN else { return .changed }
        if diff == 0 { return .unchanged }
        return (diff > 0) == (direction == .higher) ? .improved : .worsened
    }
}
