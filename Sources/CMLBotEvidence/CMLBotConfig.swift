import CMLBotCore
import Foundation

/// `.cmlbot.yml`: what cmlbot reads beyond DVC's own files, and how to judge changes.
///
/// ```yaml
/// version: 1
/// base: origin/main          # default base revision for `cmlbot report`
/// metrics:
///   files: [eval/summary.json] # metrics files beyond those dvc.yaml declares
///   directions:                # which way is better, by metric key (glob `*` allowed)
///     accuracy: higher
///     "*loss": lower
/// params:
///   files: [configs/train.yaml]
/// validation:                  # Great Expectations results beyond gx/ and great_expectations/ stores
///   files: [reports/validation.json, "reports/ge/*.json"]
/// ```
public struct CMLBotConfig: Equatable, Sendable {
    public static let fileName = ".cmlbot.yml"
    public static let currentVersion = 1

    public var version = CMLBotConfig.currentVersion
    public var base: String?
    public var metricsFiles: [String] = []
    public var paramsFiles: [String] = []
    /// `validation.files`: paths, directories or `*` globs of Great Expectations results.
    public var validationFiles: [String] = []
    public var directions: [DirectionRule] = []
    /// `gates:` — one section per gate id, validated by that gate (CMLBotGates.GateSettings).
    public var gates = OrderedObject()
    /// `promote:` — promotion rules, validated by CMLBotGates.PromotionRules.
    public var promotion: Value?
    /// `plots:` — plots beyond dvc.yaml's, in the same forms as its top-level `plots:` list.
    public var plots: [PlotDeclaration] = []
    /// Repository-relative path the config came from, nil when defaults are used.
    public var source: String?

    public init() {}

    /// Which way is better for `key` in `path`: the first matching rule, nil when unknown.
    public func direction(forMetric key: String, path: String) -> MetricDirection? {
        directions.first { $0.matches(key: key, path: path) }?.direction
    }
}

public enum MetricDirection: String, Equatable, Sendable, CaseIterable {
    case higher, lower
}

public struct DirectionRule: Equatable, Sendable {
    /// `key`, `glob*`, or `path:key` to limit it to one file.
    public var pattern: String
    public var direction: MetricDirection

    func matches(key: String, path: String) -> Bool {
        if let colon = pattern.lastIndex(of: ":"), pattern[..<colon].contains(where: { $0 == "/" || $0 == "." }) {
            let filePattern = String(pattern[..<colon]), keyPattern = String(pattern[pattern.index(after: colon)...])
            return Glob.matches(filePattern, path) && Glob.matches(keyPattern, key)
        }
        return Glob.matches(pattern, key)
    }
}

/// `*` matches any run of characters (including `.` and `/`); everything else is literal.
enum Glob {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.unicodeScalars), t = Array(text.unicodeScalars)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] != "*", p[pi] == t[ti] { pi += 1; ti += 1 }
            else if pi < p.count, p[pi] == "*" { star = pi; mark = ti; pi += 1 }
            else if star >= 0 { pi = star + 1; mark += 1; ti = mark }
            else { return false }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}

public struct ConfigError: UserFacingError, Equatable {
    public var path: String
    public var detail: String

    public init(path: String, detail: String) {
        self.path = path
        self.detail = detail
    }
    public var message: String { "\(path): \(detail)" }
}

/// One documented key of `.cmlbot.yml`. The loaders check keys against these declarations and
/// docs/configuration.md is generated from them, so the reference cannot drift from the parser.
public struct ConfigKey: Sendable {
    public var name: String
    public var type: String
    public var defaultValue: String
    public var help: String

    public init(_ name: String, _ type: String, default defaultValue: String = "", _ help: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.help = help
    }
}

/// The keys of one mapping in the config (`""` is the top level, `metrics`, `promote.data`, …).
public struct ConfigSection: Sendable {
    public var path: String
    public var keys: [ConfigKey]

    public init(_ path: String, _ keys: [ConfigKey]) {
        self.path = path
        self.keys = keys
    }

    public var names: [String] { keys.map(\.name) }
}

public enum ConfigLoader {
    /// The sections this loader reads; `gates` and `promote` are declared by CMLBotGates
    /// (GateRegistry, PromotionRules).
    public static let reference: [ConfigSection] = [
        ConfigSection("", [
            ConfigKey("version", "int", default: "(required)", "config format version: `1`"),
            ConfigKey("base", "revision", default: "(see meaning)", "base revision when none is given: `report` and `gate` compare it with the head (in CI the PR/MR base wins; without it, where HEAD left the default branch)"),
            ConfigKey("metrics", "mapping", "metrics files and which way is better (below)"),
            ConfigKey("params", "mapping", "params files shown whole (below)"),
            ConfigKey("validation", "mapping", "Great Expectations results to read (below)"),
            ConfigKey("plots", "list", default: "[]", "plots beyond `dvc.yaml`'s `plots:`, in the same forms (paths, `{path: {x, y, template}}`, `{id: {y: {file: field}}}`)"),
            ConfigKey("gates", "mapping", "settings of the hygiene gates, by gate id (below)"),
            ConfigKey("promote", "mapping", "promotion rules (below)"),
        ]),
        ConfigSection("metrics", [
            ConfigKey("files", "list of paths", default: "[]", "metrics files read beyond those `dvc.yaml` declares (JSON, YAML, TOML; directories expand)"),
            ConfigKey("directions", "map pattern → `higher`/`lower`", default: "{}", "which way is better; the first matching pattern wins. A pattern is a metric key (`accuracy`), a glob with `*` (`*loss`, `inference.*`), or `path:key` (`eval/test.json:f1`)"),
        ]),
        ConfigSection("params", [
            ConfigKey("files", "list of paths", default: "[]", "params files shown whole, beyond DVC's"),
        ]),
        ConfigSection("validation", [
            ConfigKey("files", "list of paths/globs", default: "[]", "Great Expectations validation results beyond the default stores (`gx/`, `great_expectations/` uncommitted/validations)"),
        ]),
    ]

    /// The keys each section accepts; unknown keys are errors with a "did you mean" (a typo in a
    /// gate threshold must not silently disable the gate).
    static let schema: [String: Set<String>] = Dictionary(uniqueKeysWithValues: reference.map { ($0.path, Set($0.names)) })

    /// Reads `.cmlbot.yml` from `tree` (or `path` when given); defaults when absent.
    public static func load(from tree: FileTree, path: String = CMLBotConfig.fileName) throws -> CMLBotConfig {
        guard try tree.entry(at: path) != nil else { return CMLBotConfig() }
        let data: Data
        do { data = try tree.readFile(path) } catch { throw ConfigError(path: path, detail: "cannot read: \(error)") }
        let value: Value
        do { value = try YAMLLoader.parse(data) } catch { throw ConfigError(path: path, detail: "\(error)") }
        var config = try parse(value, path: path)
        config.source = path
        return config
    }

    public static func parse(_ value: Value, path: String) throws -> CMLBotConfig {
        var config = CMLBotConfig()
        if value == .null { return config }
        guard let root = value.objectValue else { throw ConfigError(path: path, detail: "expected a mapping at the top level") }
        try checkKeys(root, section: "", path: path)
        switch root["version"] {
        case nil:
            throw ConfigError(path: path, detail: "missing 'version: \(CMLBotConfig.currentVersion)' (the config format is versioned so later releases can change it safely)")
        case .int(let v) where v == CMLBotConfig.currentVersion:
            config.version = v
        case let other?:
            throw ConfigError(path: path, detail: "unsupported version \(PythonFormat.str(other)); this cmlbot reads version \(CMLBotConfig.currentVersion)")
        }
        if let base = root["base"] {
            guard let s = base.stringValue, !s.isEmpty else { throw ConfigError(path: path, detail: "'base' must be a revision name such as origin/main") }
            config.base = s
        }
        if let metrics = root["metrics"] {
            guard let m = metrics.objectValue else { throw ConfigError(path: path, detail: "'metrics' must be a mapping (files:, directions:)") }
            try checkKeys(m, section: "metrics", path: path)
            config.metricsFiles = try stringList(m["files"], name: "metrics.files", path: path)
            if let directions = m["directions"] {
                guard let d = directions.objectValue else { throw ConfigError(path: path, detail: "'metrics.directions' must map metric names to higher or lower") }
                for (pattern, dir) in d.pairs {
                    guard let s = dir.stringValue, let direction = MetricDirection(rawValue: s.lowercased()) else {
                        throw ConfigError(path: path, detail: "metrics.directions.\(pattern): expected 'higher' or 'lower', got \(PythonFormat.repr(dir))")
                    }
                    config.directions.append(DirectionRule(pattern: pattern, direction: direction))
                }
            }
        }
        if let gates = root["gates"] {
            guard let g = gates.objectValue else { throw ConfigError(path: path, detail: "'gates' must map gate ids to their settings") }
            config.gates = g
        }
        config.promotion = root["promote"]
        if let plots = root["plots"] {
            guard let list = plots.arrayValue else { throw ConfigError(path: path, detail: "'plots' must be a list, as dvc.yaml's top-level plots: (paths, or {path: {x, y, template}}, or {id: {y: {file: field}}})") }
            for entry in list {
                var problem: String?
                guard let plot = PlotDeclarationParser.parse(entry, directory: "", resolve: { $0 }, warn: { problem = $0 }) else {
                    throw ConfigError(path: path, detail: problem ?? "plots: entry \(PythonFormat.repr(entry)) is not a plot")
                }
                config.plots.append(plot)
            }
        }
        if let params = root["params"] {
            guard let p = params.objectValue else { throw ConfigError(path: path, detail: "'params' must be a mapping (files:)") }
            try checkKeys(p, section: "params", path: path)
            config.paramsFiles = try stringList(p["files"], name: "params.files", path: path)
        }
        if let validation = root["validation"] {
            guard let v = validation.objectValue else { throw ConfigError(path: path, detail: "'validation' must be a mapping (files:)") }
            try checkKeys(v, section: "validation", path: path)
            config.validationFiles = try stringList(v["files"], name: "validation.files", path: path)
        }
        return config
    }

    private static func stringList(_ value: Value?, name: String, path: String) throws -> [String] {
        guard let value else { return [] }
        guard let list = value.arrayValue else { throw ConfigError(path: path, detail: "'\(name)' must be a list of paths") }
        return try list.map {
            guard let s = $0.stringValue, let normalized = RepoPath.normalize(s), !normalized.isEmpty else {
                throw ConfigError(path: path, detail: "'\(name)' entries must be repository-relative paths, got \(PythonFormat.repr($0))")
            }
            return normalized
        }
    }

    private static func checkKeys(_ object: OrderedObject, section: String, path: String) throws {
        let known = schema[section] ?? []
        for key in object.keys where !known.contains(key) {
            let where_ = section.isEmpty ? "" : " in '\(section)'"
            let suggestion = DidYouMean.closest(to: key, in: known).map { "; did you mean '\($0)'?" } ?? "; known keys: \(known.sorted().joined(separator: ", "))"
            throw ConfigError(path: path, detail: "unknown key '\(key)'\(where_)\(suggestion)")
        }
    }
}

public enum DidYouMean {
    /// The candidate within edit distance 2 (or a third of the word), nil when none is close.
    public static func closest(to word: String, in candidates: some Collection<String>) -> String? {
        let scored: [(String, Int)] = candidates.map { ($0, distance(word.lowercased(), $0.lowercased())) }
        let best = scored.min { a, b in a.1 != b.1 ? a.1 < b.1 : a.0 < b.0 }
        guard let best, best.1 <= max(2, word.count / 3) else { return nil }
        return best.0
    }

    /// Optimal string alignment distance: Levenshtein plus adjacent transpositions, so the
    /// common typo `mni` is one edit from `min`, not two.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var best = min(d[i - 1][j] + 1, d[i][j - 1] + 1)
                best = min(best, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { best = min(best, d[i - 2][j - 2] + 1) }
                d[i][j] = best
            }
        }
        return d[a.count][b.count]
    }
}
