import CMLBotCore
import CMLBotEvidence

/// One gate's section of `.cmlbot.yml` (`gates: {large_files: {max_kb: 1000}}`), read with type
/// checks and unknown-key rejection, so each gate declares and documents its own options.
public struct GateSettings: Sendable {
    public let gate: String
    let values: OrderedObject
    /// Where the section came from, for messages (`.cmlbot.yml`).
    let source: String

    /// Keys every gate accepts.
    public static let commonKeys: [GateOption] = [
        GateOption("enabled", "true/false: run this gate (default true)"),
        GateOption("severity", "error or warning: what a finding of this gate counts as"),
        GateOption("exclude", "list of path globs this gate ignores (`*` matches across `/`)"),
    ]

    public init(gate: String, values: OrderedObject = OrderedObject(), source: String = ".cmlbot.yml") {
        self.gate = gate
        self.values = values
        self.source = source
    }

    func error(_ detail: String) -> ConfigError {
        ConfigError(path: source, detail: "gates.\(gate): \(detail)")
    }

    /// Rejects keys the gate does not declare, suggesting the closest one.
    public func validate(known: [GateOption]) throws {
        let names = (Self.commonKeys + known).map(\.name)
        for key in values.keys where !names.contains(key) {
            let suggestion = DidYouMean.closest(to: key, in: names).map { "; did you mean '\($0)'?" } ?? "; known keys: \(names.joined(separator: ", "))"
            throw error("unknown key '\(key)'\(suggestion)")
        }
    }

    public var enabled: Bool { get throws { try bool("enabled") ?? true } }

    public func severity(default fallback: Severity) throws -> Severity {
        guard let value = values["severity"] else { return fallback }
        guard let s = value.stringValue, let severity = Severity(rawValue: s) else {
            throw error("severity must be 'error' or 'warning'")
        }
        return severity
    }

    public var exclude: [String] { get throws { try strings("exclude") ?? [] } }

    public func bool(_ key: String) throws -> Bool? {
        guard let value = values[key] else { return nil }
        guard case .bool(let b) = value else { throw error("\(key) must be true or false") }
        return b
    }

    public func int(_ key: String) throws -> Int? {
        guard let value = values[key] else { return nil }
        guard case .int(let i) = value else { throw error("\(key) must be a whole number") }
        return i
    }

    public func number(_ key: String) throws -> Double? {
        guard let value = values[key] else { return nil }
        if case .bool = value { throw error("\(key) must be a number") }
        guard let n = value.numeric else { throw error("\(key) must be a number") }
        return n.doubleValue
    }

    public func strings(_ key: String) throws -> [String]? {
        guard let value = values[key] else { return nil }
        guard let list = value.arrayValue else { throw error("\(key) must be a list of strings") }
        return try list.map {
            guard let s = $0.stringValue else { throw error("\(key) must be a list of strings") }
            return s
        }
    }
}

/// A documented option of a gate (feeds `docs/configuration.md`).
public struct GateOption: Sendable {
    public var name: String
    public var help: String
    public init(_ name: String, _ help: String) {
        self.name = name
        self.help = help
    }
}
