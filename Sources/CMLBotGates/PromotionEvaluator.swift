import CMLBotCompare
import CMLBotCore
import CMLBotEvidence

/// One rule applied to one input, with what it looked at: the evidence record lists these.
public struct RuleEvaluation: Equatable, Sendable {
    /// The gate id findings of this rule carry: `metric_threshold`, `metric_regression`, …
    public var gate: String
    /// The rule as configured, in words.
    public var rule: String
    /// The values the verdict was computed from.
    public var inputs: OrderedObject
    public var passed: Bool
    /// Set when the rule failed.
    public var finding: Finding?
}

/// Everything promotion rules may look at.
public struct PromotionInput {
    public var comparison: EvidenceComparison
    public var baseSnapshot: EvidenceSnapshot
    public var headSnapshot: EvidenceSnapshot
    public var headTree: FileTree
    public var baseOutputs: [DVCOutput]
    public var headOutputs: [DVCOutput]
    /// Great Expectations results paired base → head, for `promote.validation`.
    public var validation: [ValidationChange] = []

    public init(comparison: EvidenceComparison, baseSnapshot: EvidenceSnapshot, headSnapshot: EvidenceSnapshot,
                headTree: FileTree, baseOutputs: [DVCOutput], headOutputs: [DVCOutput]) {
        self.comparison = comparison
        self.baseSnapshot = baseSnapshot
        self.headSnapshot = headSnapshot
        self.headTree = headTree
        self.baseOutputs = baseOutputs
        self.headOutputs = headOutputs
    }
}

public enum PromotionEvaluator {
    public static let gateIDs = ["metric_required", "metric_threshold", "metric_regression", "data_without_metrics", "stale_dvc_lock", "required_evidence", "validation_suite", "validation_regression"]

    public static func evaluate(_ rules: PromotionRules, _ input: PromotionInput) -> [RuleEvaluation] {
        var out: [RuleEvaluation] = []
        for rule in rules.metrics { out += evaluate(rule, input.comparison) }
        if rules.dataChangedRequiresMetricsChange { out.append(dataRule(input)) }
        if rules.paramsChangedRequiresLockMatch { out += lockRule(input) }
        for path in rules.requiredFiles {
            let exists = ((try? input.headTree.entry(at: path)) ?? nil) != nil
            out.append(RuleEvaluation(
                gate: "required_evidence", rule: "\(path) exists at head",
                inputs: OrderedObject([("path", .string(path)), ("exists", .bool(exists))]), passed: exists,
                finding: exists ? nil : Finding(gate: "required_evidence", severity: .error, path: path,
                                                message: "required evidence \(path) is missing at \(input.comparison.headRevision)",
                                                hint: "add \(path) to the change (promote.require in .cmlbot.yml lists it)")))
        }
        out += validationRules(rules, input)
        return out
    }

    /// `promote.validation`: named suites pass at head; no expectation newly fails.
    static func validationRules(_ rules: PromotionRules, _ input: PromotionInput) -> [RuleEvaluation] {
        var out: [RuleEvaluation] = []
        let head = input.validation.compactMap(\.new)
        for suite in rules.suitesMustPass {
            let results = head.filter { $0.suite == suite }
            let failing = results.filter { !$0.success }.map(\.key)
            var failure: String?
            if results.isEmpty { failure = "validation suite \(suite) has no result at \(input.comparison.headRevision)" }
            else if !failing.isEmpty { failure = "validation suite \(suite) fails at \(input.comparison.headRevision) (\(failing.prefix(3).joined(separator: ", ")))" }
            let inputs = OrderedObject([("suite", .string(suite)), ("results", .array(results.map { .string($0.key) })),
                                        ("failing", .array(failing.map(Value.string)))])
            out.append(RuleEvaluation(gate: "validation_suite", rule: "suite \(suite) passes", inputs: inputs, passed: failure == nil,
                                      finding: failure.map { Finding(gate: "validation_suite", severity: .error, path: failing.first, message: $0,
                                                                     hint: results.isEmpty ? "commit the Great Expectations result for \(suite) (or list it under validation.files in .cmlbot.yml)"
                                                                                           : "fix the data or the expectations so the suite passes") }))
        }
        if rules.noNewValidationFailures {
            var newly: [String] = []
            for change in input.validation {
                for e in change.expectations where e.newlyFailing {
                    newly.append("\(change.suite ?? change.key): \(e.type)" + (e.column.map { "(\($0))" } ?? ""))
                }
            }
            let inputs = OrderedObject([("newly_failing", .array(newly.map(Value.string)))])
            let shown = newly.prefix(3).joined(separator: "; ") + (newly.count > 3 ? "; and \(newly.count - 3) more" : "")
            out.append(RuleEvaluation(gate: "validation_regression", rule: "no expectation newly fails", inputs: inputs, passed: newly.isEmpty,
                                      finding: newly.isEmpty ? nil : Finding(gate: "validation_regression", severity: .error, path: nil,
                                                                             message: "\(newly.count) expectation\(newly.count == 1 ? "" : "s") newly failing: \(shown)",
                                                                             hint: "fix the data, or change the expectation on purpose in the suite")))
        }
        return out
    }

    /// Floating-point slack so that `max_drop: 0.01` accepts a drop of 0.9 - 0.89.
    static func exceeds(_ value: Double, _ limit: Double) -> Bool {
        value > limit + 1e-9 * Swift.max(1, abs(value), abs(limit))
    }

    static func evaluate(_ rule: MetricRule, _ comparison: EvidenceComparison) -> [RuleEvaluation] {
        let matches = comparison.metrics.filter { rule.matches(key: $0.change.key, path: $0.path) && $0.change.new != nil }
        if matches.isEmpty {
            let inputs = OrderedObject([("metric", .string(rule.metric)), ("head", .null)])
            if rule.required {
                return [RuleEvaluation(gate: "metric_required", rule: rule.conditionText, inputs: inputs, passed: false,
                                       finding: Finding(gate: "metric_required", severity: rule.severity, path: rule.file,
                                                        message: "required metric \(rule.metric) is missing at \(comparison.headRevision)",
                                                        hint: "make the pipeline write \(rule.metric) (and declare the file under metrics: in dvc.yaml)"))]
            }
            return [RuleEvaluation(gate: "metric_threshold", rule: rule.conditionText + " (not present: not applied)", inputs: inputs, passed: true, finding: nil)]
        }
        var out: [RuleEvaluation] = []
        for m in matches {
            let name = "\(m.path):\(m.change.key)"
            var inputs = OrderedObject([("path", .string(m.path)), ("metric", .string(m.change.key)),
                                        ("base", m.change.old ?? .null), ("head", m.change.new ?? .null)])
            let head = m.change.new?.numeric?.doubleValue
            if rule.min != nil || rule.max != nil {
                var failure: String?
                if let head, !head.isNaN {
                    if let min = rule.min, head < min { failure = "\(name) is \(PythonFormat.repr(head)), below the minimum \(PythonFormat.repr(min))" }
                    if let max = rule.max, head > max { failure = "\(name) is \(PythonFormat.repr(head)), above the maximum \(PythonFormat.repr(max))" }
                } else {
                    failure = "\(name) is \(m.change.new.map(PythonFormat.str) ?? "missing"), not a number"
                }
                out.append(RuleEvaluation(gate: "metric_threshold", rule: rule.conditionText, inputs: inputs, passed: failure == nil,
                                          finding: failure.map { Finding(gate: "metric_threshold", severity: rule.severity, path: m.path, message: $0,
                                                                         hint: "improve the model or change the threshold in promote.metrics") }))
            }
            if rule.maxDrop != nil || rule.maxIncrease != nil {
                guard let base = m.change.old?.numeric?.doubleValue, let head else {
                    out.append(RuleEvaluation(gate: "metric_regression", rule: rule.conditionText + " (no numeric base: not applied)",
                                              inputs: inputs, passed: true, finding: nil))
                    continue
                }
                var failure: String?
                if let maxDrop = rule.maxDrop {
                    let drop = base - head, allowed = maxDrop.allowance(base: base)
                    inputs["drop"] = .double(drop)
                    if exceeds(drop, allowed) || head.isNaN {
                        failure = "\(name) dropped by \(PythonFormat.rounded(drop, precision: 6)) (\(PythonFormat.repr(base)) → \(PythonFormat.repr(head))), more than the allowed \(maxDrop)"
                    }
                }
                if let maxIncrease = rule.maxIncrease {
                    let increase = head - base, allowed = maxIncrease.allowance(base: base)
                    inputs["increase"] = .double(increase)
                    if exceeds(increase, allowed) || head.isNaN {
                        failure = "\(name) rose by \(PythonFormat.rounded(increase, precision: 6)) (\(PythonFormat.repr(base)) → \(PythonFormat.repr(head))), more than the allowed \(maxIncrease)"
                    }
                }
                out.append(RuleEvaluation(gate: "metric_regression", rule: rule.conditionText, inputs: inputs, passed: failure == nil,
                                          finding: failure.map { Finding(gate: "metric_regression", severity: rule.severity, path: m.path, message: $0,
                                                                         hint: "fix the regression, or loosen max_drop/max_increase in promote.metrics if it is intended") }))
            }
            if rule.required, rule.min == nil, rule.max == nil, rule.maxDrop == nil, rule.maxIncrease == nil {
                out.append(RuleEvaluation(gate: "metric_required", rule: rule.conditionText, inputs: inputs, passed: true, finding: nil))
            }
        }
        return out
    }

    static func dataRule(_ input: PromotionInput) -> RuleEvaluation {
        var base: [String: String] = [:]
        for o in input.baseOutputs { base[o.path] = o.hash ?? "" }
        var changed: [String] = []
        for o in input.headOutputs where base[o.path] != (o.hash ?? "") { changed.append(o.path) }
        for o in input.baseOutputs where !input.headOutputs.contains(where: { $0.path == o.path }) { changed.append(o.path) }
        changed.sort(by: RepoPath.precedes)
        let metricsChanged = input.comparison.metrics.contains { $0.verdict != .unchanged }
        let passed = changed.isEmpty || metricsChanged
        let inputs = OrderedObject([("changed_data", .array(changed.map(Value.string))), ("metrics_changed", .bool(metricsChanged))])
        let shown = changed.prefix(3).joined(separator: ", ") + (changed.count > 3 ? " and \(changed.count - 3) more" : "")
        return RuleEvaluation(gate: "data_without_metrics", rule: "data changed ⇒ metrics changed", inputs: inputs, passed: passed,
                              finding: passed ? nil : Finding(gate: "data_without_metrics", severity: .error, path: changed.first,
                                                              message: "data changed (\(shown)) but no metric changed: the metrics may be stale",
                                                              hint: "re-run the pipeline (dvc repro) and commit the new metrics"))
    }

    /// Each dvc.lock next to a dvc.yaml must record the params as the params files hold them now.
    static func lockRule(_ input: PromotionInput) -> [RuleEvaluation] {
        guard !input.comparison.params.isEmpty else {
            return [RuleEvaluation(gate: "stale_dvc_lock", rule: "params changed ⇒ dvc.lock matches", inputs: OrderedObject([("params_changed", .bool(false))]), passed: true, finding: nil)]
        }
        var current: [String: FlatValues] = [:]
        for file in input.headSnapshot.params { current[file.path] = file.values }
        var out: [RuleEvaluation] = []
        let lockFiles = input.headSnapshot.declarations.dvcFiles.compactMap { RepoPath.join(RepoPath.parent($0), "dvc.lock") }
        for lockPath in lockFiles {
            guard let data = try? input.headTree.readFile(lockPath), let lock = try? YAMLLoader.parse(data).objectValue else {
                out.append(RuleEvaluation(gate: "stale_dvc_lock", rule: "params changed ⇒ dvc.lock matches", inputs: OrderedObject([("lock", .string(lockPath)), ("exists", .bool(false))]), passed: false,
                                          finding: Finding(gate: "stale_dvc_lock", severity: .error, path: lockPath, message: "params changed but \(lockPath) is missing or unreadable",
                                                           hint: "run dvc repro and commit dvc.lock")))
                continue
            }
            var mismatches: [String] = []
            let dir = RepoPath.parent(lockPath)
            for (stageName, stage) in lock["stages"]?.objectValue?.pairs ?? [] {
                for (file, recorded) in stage["params"]?.objectValue?.pairs ?? [] {
                    guard let path = RepoPath.join(dir, file) else { continue }
                    var ignored: [Diagnostic] = []
                    let flat = FlatValues.flatten(recorded, mode: .params, path: path, revision: "dvc.lock", diagnostics: &ignored)
                    for key in flat.keys {
                        let now = current[path]?[key]
                        if let now, let was = flat[key], PythonEquality.equal(now, was) { continue }
                        mismatches.append("\(stageName): \(path) \(key) is \(now.map(PythonFormat.str) ?? "missing") but dvc.lock recorded \(flat[key].map(PythonFormat.str) ?? "-")")
                    }
                }
            }
            let inputs = OrderedObject([("lock", .string(lockPath)), ("mismatches", .array(mismatches.map(Value.string)))])
            out.append(RuleEvaluation(gate: "stale_dvc_lock", rule: "params changed ⇒ dvc.lock matches", inputs: inputs, passed: mismatches.isEmpty,
                                      finding: mismatches.isEmpty ? nil : Finding(gate: "stale_dvc_lock", severity: .error, path: lockPath,
                                                                                  message: "\(lockPath) is stale: " + mismatches.prefix(3).joined(separator: "; ") + (mismatches.count > 3 ? "; and \(mismatches.count - 3) more" : ""),
                                                                                  hint: "run dvc repro so the pipeline runs with the new params, and commit dvc.lock and the outputs")))
        }
        return out
    }
}
