import CMLBotCompare
import CMLBotCore
import CMLBotEvidence

/// The `promote:` section of `.cmlbot.yml`: what a model must show before it may merge.
///
/// ```yaml
/// promote:
///   metrics:
///     - metric: accuracy          # flattened key; `*` globs allowed
///       file: metrics/eval.json   # optional: only this file
///       min: 0.85                 # absolute bounds at head
///       max_drop: 0.01            # regression vs base: absolute, or "2%" of the base value
///       required: true            # must exist at head
///     - metric: latency_ms
///       max: 50
///       max_increase: "10%"
///   data:
///     data_changed_requires_metrics_change: true   # new data hashes but identical metrics: stale?
///     params_changed_requires_lock_match: true      # dvc.lock must record the params as they are
///   require: [reports/model_card.md]                # files that must exist at head
///   validation:                                     # Great Expectations results at head
///     suites_must_pass: [people]                    # these suites must be present and pass
///     no_new_failures: true                         # no expectation may start failing
/// ```
public struct PromotionRules: Equatable, Sendable {
    public var metrics: [MetricRule] = []
    public var dataChangedRequiresMetricsChange = false
    public var paramsChangedRequiresLockMatch = false
    public var requiredFiles: [String] = []
    public var suitesMustPass: [String] = []
    public var noNewValidationFailures = false

    public init() {}

    public var isEmpty: Bool {
        metrics.isEmpty && !dataChangedRequiresMetricsChange && !paramsChangedRequiresLockMatch && requiredFiles.isEmpty
            && suitesMustPass.isEmpty && !noNewValidationFailures
    }

    /// The `promote:` keys, for the key checks below and docs/configuration.md.
    public static let reference: [ConfigSection] = [
        ConfigSection("promote", [
            ConfigKey("metrics", "list of rules", default: "[]", "per-metric rules (below)"),
            ConfigKey("data", "mapping", "rules about data and params changes (below)"),
            ConfigKey("validation", "mapping", "rules on Great Expectations results at head (below)"),
            ConfigKey("require", "list of paths", default: "[]", "files that must exist at head (a model card, an evaluation report)"),
        ]),
        ConfigSection("promote.metrics[]", [
            ConfigKey("metric", "key or glob", default: "(required)", "flattened metric key (`acc`, `eval.f1`); `*` globs match several"),
            ConfigKey("file", "path", "only this metrics file"),
            ConfigKey("min", "number", "head value must be at least this"),
            ConfigKey("max", "number", "head value must be at most this"),
            ConfigKey("max_drop", "number or \"N%\"", "largest allowed fall from base: absolute, or a percentage of the base value"),
            ConfigKey("max_increase", "number or \"N%\"", "largest allowed rise from base (for losses, latency)"),
            ConfigKey("required", "bool", default: "false", "the metric must exist at head"),
            ConfigKey("severity", "`error`/`warning`", default: "error", "what a failure counts as (`--fail-on` decides the exit status)"),
        ]),
        ConfigSection("promote.data", [
            ConfigKey("data_changed_requires_metrics_change", "bool", default: "false", "new DVC data hashes with identical metrics fail (metrics not re-computed?)"),
            ConfigKey("params_changed_requires_lock_match", "bool", default: "false", "changed params must be recorded in `dvc.lock` (run `dvc repro`)"),
        ]),
        ConfigSection("promote.validation", [
            ConfigKey("suites_must_pass", "list of suite names", default: "[]", "these Great Expectations suites must be present at head and pass"),
            ConfigKey("no_new_failures", "bool", default: "false", "no expectation may start failing between base and head"),
        ]),
    ]

    static func keys(_ section: String) -> [String] { reference.first { $0.path == section }?.names ?? [] }

    public static func parse(_ value: Value?, source: String) throws -> PromotionRules {
        var rules = PromotionRules()
        guard let value, value != .null else { return rules }
        func fail(_ detail: String) -> ConfigError { ConfigError(path: source, detail: "promote: " + detail) }
        guard let root = value.objectValue else { throw fail("must be a mapping (metrics:, data:, require:)") }
        try checkKeys(root, keys("promote"), where: "promote", fail: fail)
        for (i, entry) in (root["metrics"]?.arrayValue ?? []).enumerated() {
            guard let o = entry.objectValue else { throw fail("metrics[\(i)] must be a mapping with metric:") }
            try checkKeys(o, MetricRule.keys, where: "promote.metrics[\(i)]", fail: fail)
            rules.metrics.append(try MetricRule(o, index: i, fail: fail))
        }
        if root["metrics"] != nil, root["metrics"]?.arrayValue == nil { throw fail("metrics must be a list of rules") }
        if let data = root["data"] {
            guard let o = data.objectValue else { throw fail("data must be a mapping") }
            try checkKeys(o, keys("promote.data"), where: "promote.data", fail: fail)
            rules.dataChangedRequiresMetricsChange = try flag(o, "data_changed_requires_metrics_change", fail: fail)
            rules.paramsChangedRequiresLockMatch = try flag(o, "params_changed_requires_lock_match", fail: fail)
        }
        if let require = root["require"] {
            guard let list = require.arrayValue else { throw fail("require must be a list of paths") }
            rules.requiredFiles = try list.map {
                guard let s = $0.stringValue, let p = RepoPath.normalize(s), !p.isEmpty else { throw fail("require entries must be repository paths") }
                return p
            }
        }
        if let validation = root["validation"] {
            guard let o = validation.objectValue else { throw fail("validation must be a mapping (suites_must_pass:, no_new_failures:)") }
            try checkKeys(o, keys("promote.validation"), where: "promote.validation", fail: fail)
            if let suites = o["suites_must_pass"] {
                guard let list = suites.arrayValue else { throw fail("validation.suites_must_pass must be a list of suite names") }
                rules.suitesMustPass = try list.map {
                    guard let s = $0.stringValue, !s.isEmpty else { throw fail("validation.suites_must_pass entries must be suite names") }
                    return s
                }
            }
            rules.noNewValidationFailures = try flag(o, "no_new_failures", fail: fail)
        }
        return rules
    }

    static func flag(_ o: OrderedObject, _ key: String, fail: (String) -> ConfigError) throws -> Bool {
        guard let v = o[key] else { return false }
        guard case .bool(let b) = v else { throw fail("\(key) must be true or false") }
        return b
    }

    static func checkKeys(_ o: OrderedObject, _ known: [String], where place: String, fail: (String) -> ConfigError) throws {
        for key in o.keys where !known.contains(key) {
            let suggestion = DidYouMean.closest(to: key, in: known).map { "; did you mean '\($0)'?" } ?? "; known keys: \(known.joined(separator: ", "))"
            throw fail("unknown key '\(key)' in \(place)\(suggestion)")
        }
    }
}

/// A limit that is either absolute (`0.01`) or relative to the base value (`"2%"`).
public enum Tolerance: Equatable, Sendable, CustomStringConvertible {
    case absolute(Double)
    case relative(Double)

    /// The allowed movement for a base value.
    public func allowance(base: Double) -> Double {
        switch self {
        case .absolute(let a): return a
        case .relative(let r): return abs(base) * r
        }
    }

    public var description: String {
        switch self {
        case .absolute(let a): return PythonFormat.repr(a)
        case .relative(let r): return PythonFormat.repr(r * 100) + "%"
        }
    }
}

public struct MetricRule: Equatable, Sendable {
    static let keys = PromotionRules.keys("promote.metrics[]")

    public var metric: String
    public var file: String?
    public var min: Double?
    public var max: Double?
    public var maxDrop: Tolerance?
    public var maxIncrease: Tolerance?
    public var required = false
    public var severity = Severity.error

    init(_ o: OrderedObject, index: Int, fail: (String) -> ConfigError) throws {
        guard let metric = o["metric"]?.stringValue, !metric.isEmpty else { throw fail("metrics[\(index)] needs metric: <key>") }
        self.metric = metric
        file = o["file"]?.stringValue.flatMap(RepoPath.normalize)
        func number(_ key: String) throws -> Double? {
            guard let v = o[key] else { return nil }
            if case .bool = v { throw fail("metrics[\(index)].\(key) must be a number") }
            guard let n = v.numeric?.doubleValue else { throw fail("metrics[\(index)].\(key) must be a number") }
            return n
        }
        func tolerance(_ key: String) throws -> Tolerance? {
            guard let v = o[key] else { return nil }
            if let s = v.stringValue, s.hasSuffix("%"), let p = Double(s.dropLast().trimmingCharacters(in: .whitespaces)), p >= 0 {
                return .relative(p / 100)
            }
            guard v.numeric != nil, let n = try number(key), n >= 0 else { throw fail("metrics[\(index)].\(key) must be a non-negative number or a percentage like \"2%\"") }
            return .absolute(n)
        }
        min = try number("min")
        max = try number("max")
        maxDrop = try tolerance("max_drop")
        maxIncrease = try tolerance("max_increase")
        if let r = o["required"] {
            guard case .bool(let b) = r else { throw fail("metrics[\(index)].required must be true or false") }
            required = b
        }
        if let s = o["severity"] {
            guard let text = s.stringValue, let sev = Severity(rawValue: text) else { throw fail("metrics[\(index)].severity must be error or warning") }
            severity = sev
        }
        if min == nil, max == nil, maxDrop == nil, maxIncrease == nil, !required {
            throw fail("metrics[\(index)] (\(metric)) sets no condition: add min, max, max_drop, max_increase or required")
        }
    }

    func matches(key: String, path: String) -> Bool {
        PathGlob.matches(metric, key) && (file.map { PathGlob.matches($0, path) } ?? true)
    }

    /// `accuracy >= 0.85, drop <= 0.01` for messages and the evidence record.
    public var conditionText: String {
        var parts: [String] = []
        if required { parts.append("present") }
        if let min { parts.append(">= \(PythonFormat.repr(min))") }
        if let max { parts.append("<= \(PythonFormat.repr(max))") }
        if let maxDrop { parts.append("drop <= \(maxDrop)") }
        if let maxIncrease { parts.append("increase <= \(maxIncrease)") }
        return metric + (file.map { " in \($0)" } ?? "") + ": " + parts.joined(separator: ", ")
    }
}
