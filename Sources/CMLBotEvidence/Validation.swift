import CMLBotCore
import Foundation

/// One expectation's outcome inside a Great Expectations validation result.
public struct ExpectationOutcome: Equatable, Sendable {
    /// `expect_column_values_to_be_between`: `expectation_type` (GE 0.18, GX 1.x checkpoint
    /// descriptions) or `type` (GX 1.x ValidationResult).
    public var type: String
    /// `kwargs.column`, or the columns of a multi-column expectation joined with ", "; nil for table expectations.
    public var column: String?
    public var success: Bool
    /// `result.unexpected_count` exactly as written (nil for expectations that have none).
    public var unexpectedCount: Value?
    /// The first few of `result.partial_unexpected_list`, as written.
    public var unexpectedValues: [Value]
    /// `result.observed_value` of table expectations, when scalar.
    public var observedValue: Value?
    /// `exception_info.exception_message` when the expectation raised instead of evaluating.
    public var exceptionMessage: String?

    public init(type: String, column: String? = nil, success: Bool, unexpectedCount: Value? = nil,
                unexpectedValues: [Value] = [], observedValue: Value? = nil, exceptionMessage: String? = nil) {
        self.type = type
        self.column = column
        self.success = success
        self.unexpectedCount = unexpectedCount
        self.unexpectedValues = unexpectedValues
        self.observedValue = observedValue
        self.exceptionMessage = exceptionMessage
    }
}

/// `statistics` of a suite result, each value exactly as GE wrote it (an int stays an int).
public struct ValidationStatistics: Equatable, Sendable {
    public var evaluated: Value?
    public var successful: Value?
    public var unsuccessful: Value?
    public var successPercent: Value?

    public init(evaluated: Value? = nil, successful: Value? = nil, unsuccessful: Value? = nil, successPercent: Value? = nil) {
        self.evaluated = evaluated
        self.successful = successful
        self.unsuccessful = unsuccessful
        self.successPercent = successPercent
    }
}

/// One ExpectationSuiteValidationResult: a suite run against one batch.
public struct ValidationResult: Equatable, Sendable {
    /// The file it came from.
    public var path: String
    /// `path`, or `path#suite` when the file (a checkpoint result) holds several results.
    public var key: String
    /// `meta.expectation_suite_name` (0.18) or `suite_name` (1.x); nil when the file does not say
    /// (GX 1.x checkpoint descriptions omit it).
    public var suite: String?
    /// Which data was validated (`batch_id` or the active batch definition), to tell apart results
    /// of one suite on different batches.
    public var batch: String?
    /// `meta.run_id.run_time` or `meta.validation_time` reduced to its digits, for "latest" ordering.
    public var runTime: String?
    public var success: Bool
    public var statistics: ValidationStatistics
    public var expectations: [ExpectationOutcome]

    public init(path: String, key: String? = nil, suite: String?, batch: String? = nil, runTime: String? = nil,
                success: Bool, statistics: ValidationStatistics, expectations: [ExpectationOutcome]) {
        self.path = path
        self.key = key ?? path
        self.suite = suite
        self.batch = batch
        self.runTime = runTime
        self.success = success
        self.statistics = statistics
        self.expectations = expectations
    }

    /// Results with the same identity at one revision are runs of the same check; the latest counts.
    var identity: String { (suite ?? "\u{0}" + path) + "\u{1}" + (batch ?? "") }
}

public enum ValidationParser {
    /// How many unexpected values to keep per expectation: enough to show a reviewer what went
    /// wrong, few enough that a hostile file cannot flood the report.
    public static let keptUnexpectedValues = 5

    public struct NotAValidationResult: Error, CustomStringConvertible {
        public var description: String {
            "not a Great Expectations validation or checkpoint result (no results, run_results or validation_results)"
        }
    }

    /// Every suite result in one file: a ValidationResult (0.18 or 1.x), a 0.18 checkpoint result
    /// (`run_results`), or a GX 1.x checkpoint `describe_dict()` (`validation_results`).
    public static func parse(_ data: Data, path: String) throws -> [ValidationResult] {
        let value = try JSONParser.parse(data)
        guard let root = value.objectValue else { throw NotAValidationResult() }
        var found: [ValidationResult] = []
        if let runResults = root["run_results"]?.objectValue {
            // Keys are `ValidationResultIdentifier::suite/run/time/batch`; GE writes them in run order.
            for (_, entry) in runResults.pairs {
                if let result = entry["validation_result"]?.objectValue, let parsed = suiteResult(result, path: path) {
                    found.append(parsed)
                }
            }
        } else if let list = root["validation_results"]?.arrayValue {
            for entry in list {
                if let result = entry.objectValue, let parsed = suiteResult(result, path: path) { found.append(parsed) }
            }
        } else if let parsed = suiteResult(root, path: path) {
            found.append(parsed)
        }
        guard !found.isEmpty else { throw NotAValidationResult() }
        if found.count > 1 {
            var used = Set<String>()
            for i in found.indices {
                var key = "\(path)#\(found[i].suite ?? String(i + 1))"
                if used.contains(key) { key += "#\(i + 1)" }
                used.insert(key)
                found[i].key = key
            }
        }
        return found
    }

    static func suiteResult(_ object: OrderedObject, path: String) -> ValidationResult? {
        // 1.x describe_dict() calls the list `expectations`; everything else calls it `results`.
        guard let entries = (object["results"] ?? object["expectations"])?.arrayValue else { return nil }
        let meta = object["meta"]?.objectValue
        let suite = object["suite_name"]?.stringValue ?? meta?["expectation_suite_name"]?.stringValue
            ?? object["expectation_suite_name"]?.stringValue
        let stats = object["statistics"]?.objectValue
        let statistics = ValidationStatistics(
            evaluated: stats?["evaluated_expectations"], successful: stats?["successful_expectations"],
            unsuccessful: stats?["unsuccessful_expectations"], successPercent: stats?["success_percent"])
        var expectations: [ExpectationOutcome] = []
        var batch: String?
        for entry in entries {
            guard let e = entry.objectValue else { continue }
            let config = e["expectation_config"]?.objectValue ?? e
            guard let type = config["expectation_type"]?.stringValue ?? config["type"]?.stringValue else { continue }
            let kwargs = config["kwargs"]?.objectValue ?? OrderedObject()
            if batch == nil { batch = kwargs["batch_id"]?.stringValue }
            let result = e["result"]?.objectValue
            let partial = result?["partial_unexpected_list"]?.arrayValue ?? []
            let exception = e["exception_info"]?.objectValue
            let raised = exception?["raised_exception"] == .bool(true)
            let observed = result?["observed_value"].flatMap { $0.isScalar ? $0 : nil }
            expectations.append(ExpectationOutcome(
                type: type, column: column(of: kwargs), success: e["success"] == .bool(true),
                unexpectedCount: result?["unexpected_count"].flatMap { $0 == .null ? nil : $0 },
                unexpectedValues: Array(partial.prefix(keptUnexpectedValues)),
                observedValue: observed == .null ? nil : observed,
                exceptionMessage: raised ? exception?["exception_message"]?.stringValue : nil))
        }
        if batch == nil, let definition = meta?["active_batch_definition"]?.objectValue {
            batch = ["datasource_name", "data_connector_name", "data_asset_name"]
                .compactMap { definition[$0]?.stringValue }.joined(separator: "-")
        }
        let time = meta?["run_id"]?["run_time"]?.stringValue ?? meta?["validation_time"]?.stringValue
        // A result without `success` did not finish evaluating; it must not read as passing.
        let success = object["success"] == .bool(true)
        return ValidationResult(path: path, suite: suite, batch: batch, runTime: time.map(sortableTime),
                                success: success, statistics: statistics, expectations: expectations)
    }

    static func column(of kwargs: OrderedObject) -> String? {
        if let c = kwargs["column"]?.stringValue { return c }
        if let a = kwargs["column_A"]?.stringValue, let b = kwargs["column_B"]?.stringValue { return "\(a), \(b)" }
        if let list = kwargs["column_list"]?.arrayValue {
            let names = list.compactMap(\.stringValue)
            return names.isEmpty ? nil : names.joined(separator: ", ")
        }
        return nil
    }

    /// 0.18 writes `20261127T065146.143710Z`, 1.x `2026-11-27T06:51:20.484222+00:00`: both are UTC,
    /// so their first 20 digits (date, time, microseconds) compare in time order.
    static func sortableTime(_ text: String) -> String {
        var digits = String(text.unicodeScalars.filter { ("0"..."9").contains($0) }.map(Character.init).prefix(20))
        while digits.count < 20 { digits += "0" }
        return digits
    }
}

/// Where validation results live in a revision, and which of them count.
public enum ValidationDiscovery {
    /// GE's default validations stores (0.18 `great_expectations/`, 1.x `gx/`), searched recursively.
    public static let defaultDirectories = ["great_expectations/uncommitted/validations", "gx/uncommitted/validations"]

    /// Every result in the default stores and in `configured` (paths, directories or `*` globs).
    /// GE's stores keep a history (`suite/run_name/run_time/batch.json`) and only the newest run
    /// describes the revision, so from a store only the latest result per identity (suite + batch)
    /// counts; files listed in `.cmlbot.yml` are all kept, as the user named them. Unreadable or
    /// foreign JSON becomes a warning.
    public static func collect(_ tree: FileTree, configured: [String] = [], diagnostics: inout [Diagnostic]) throws -> [ValidationResult] {
        var seen = Set<String>()
        var storePaths: [String] = [], listedPaths: [String] = []
        for directory in defaultDirectories where try tree.entry(at: directory)?.kind == .directory {
            for path in try tree.filePaths(under: directory) where path.lowercased().hasSuffix(".json") && seen.insert(path).inserted {
                storePaths.append(path)
            }
        }
        for pattern in configured {
            var matches: [String] = []
            if pattern.contains("*") {
                // The literal directories before the first `*` bound the walk.
                let prefix = pattern[..<(pattern.firstIndex(of: "*") ?? pattern.endIndex)]
                let root = prefix.contains("/") ? RepoPath.parent(String(prefix) + "x") : ""
                guard try root.isEmpty || tree.entry(at: root)?.kind == .directory else { continue }
                matches = try tree.filePaths(under: root).filter { Glob.matches(pattern, $0) }
            } else if let entry = try tree.entry(at: pattern) {
                matches = entry.kind == .directory
                    ? try tree.filePaths(under: pattern).filter { $0.lowercased().hasSuffix(".json") }
                    : [pattern]
            }
            for path in matches where seen.insert(path).inserted { listedPaths.append(path) }
        }
        let stored = latestPerIdentity(load(storePaths, from: tree, diagnostics: &diagnostics))
        let listed = load(listedPaths, from: tree, diagnostics: &diagnostics)
        return (stored + listed).sorted { RepoPath.precedes($0.key, $1.key) }
    }

    static func load(_ paths: [String], from tree: FileTree, diagnostics: inout [Diagnostic]) -> [ValidationResult] {
        var results: [ValidationResult] = []
        for path in paths.sorted(by: RepoPath.precedes) {
            do {
                if let entry = try tree.entry(at: path), entry.size > FormatRegistry.maximumFileSize {
                    diagnostics.append(.warning(path: path, revision: tree.label, "skipped: \(entry.size) bytes is larger than the \(FormatRegistry.maximumFileSize / 1_048_576) MiB limit for validation results"))
                    continue
                }
                results += try ValidationParser.parse(tree.readFile(path), path: path)
            } catch {
                diagnostics.append(.warning(path: path, revision: tree.label, "cannot read as a Great Expectations result: \(error); ignored"))
            }
        }
        return results
    }

    /// Keeps the newest result of each identity (run time, then path: GE's layout puts the run
    /// time in the path), in path order.
    static func latestPerIdentity(_ results: [ValidationResult]) -> [ValidationResult] {
        var best: [String: ValidationResult] = [:]
        for result in results {
            if let current = best[result.identity] {
                let newer = (result.runTime ?? "", result.key) > (current.runTime ?? "", current.key)
                if newer { best[result.identity] = result }
            } else {
                best[result.identity] = result
            }
        }
        return best.values.sorted { RepoPath.precedes($0.key, $1.key) || ($0.key == $1.key && $0.identity < $1.identity) }
    }
}

/// Base and head results paired, with their expectations paired.
public struct ValidationChange: Equatable, Sendable {
    public enum Status: String, Sendable { case pass, fail, absent }

    public struct Expectation: Equatable, Sendable {
        public var type: String
        public var column: String?
        public var old: ExpectationOutcome?
        public var new: ExpectationOutcome?

        public var oldStatus: Status { old.map { $0.success ? .pass : .fail } ?? .absent }
        public var newStatus: Status { new.map { $0.success ? .pass : .fail } ?? .absent }
        /// Failing at head, and not failing at base.
        public var newlyFailing: Bool { newStatus == .fail && oldStatus != .fail }
        /// Passing at head after failing at base.
        public var newlyPassing: Bool { newStatus == .pass && oldStatus == .fail }
    }

    /// The head result's key (the base one's when the result is gone at head).
    public var key: String
    public var suite: String?
    public var old: ValidationResult?
    public var new: ValidationResult?
    public var expectations: [Expectation]
}

public enum ValidationComparison {
    /// Pairs results: first by key (a file overwritten in place), then by identity (suite + batch:
    /// GE's store writes each run to a new path). Unpaired results are added or removed.
    public static func compare(base: [ValidationResult], head: [ValidationResult]) -> [ValidationChange] {
        var unmatchedBase = base
        var pairs: [(ValidationResult?, ValidationResult?)] = []
        var headLeft: [ValidationResult] = []
        for h in head {
            if let i = unmatchedBase.firstIndex(where: { $0.key == h.key }) {
                pairs.append((unmatchedBase.remove(at: i), h))
            } else {
                headLeft.append(h)
            }
        }
        for h in headLeft {
            if let i = unmatchedBase.firstIndex(where: { $0.identity == h.identity }) {
                pairs.append((unmatchedBase.remove(at: i), h))
            } else {
                pairs.append((nil, h))
            }
        }
        for b in unmatchedBase { pairs.append((b, nil)) }
        let changes = pairs.map { old, new in
            ValidationChange(key: (new ?? old)?.key ?? "", suite: new?.suite ?? old?.suite, old: old, new: new,
                             expectations: pairExpectations(old?.expectations ?? [], new?.expectations ?? []))
        }
        return changes.sorted { RepoPath.precedes($0.key, $1.key) }
    }

    /// Expectations pair by type, column and occurrence: the n-th `expect_x(column=c)` at base with
    /// the n-th at head. Kwargs such as bounds are left out on purpose so that tightening a bound
    /// reads as the same expectation flipping, not as one removed and another added (and GX 1.x
    /// writes int bounds as floats).
    static func pairExpectations(_ old: [ExpectationOutcome], _ new: [ExpectationOutcome]) -> [ValidationChange.Expectation] {
        func keyed(_ list: [ExpectationOutcome]) -> [(String, ExpectationOutcome)] {
            var counts: [String: Int] = [:]
            return list.map { e in
                let base = e.type + "\u{1}" + (e.column ?? "\u{0}")
                counts[base, default: 0] += 1
                return (base + "\u{1}\(counts[base]!)", e)
            }
        }
        let oldKeyed = keyed(old), newKeyed = keyed(new)
        var oldByKey: [String: ExpectationOutcome] = [:]
        for (k, e) in oldKeyed { oldByKey[k] = e }
        var out: [ValidationChange.Expectation] = []
        var used = Set<String>()
        for (k, e) in newKeyed {
            used.insert(k)
            out.append(.init(type: e.type, column: e.column, old: oldByKey[k], new: e))
        }
        for (k, e) in oldKeyed where !used.contains(k) {
            out.append(.init(type: e.type, column: e.column, old: e, new: nil))
        }
        return out
    }
}
