import CMLBotCore

/// How much a finding matters: errors fail the check (exit 1), warnings only inform, unless
/// `--fail-on warning` says otherwise.
public enum Severity: String, Equatable, Comparable, Sendable, CaseIterable {
    case warning, error
    public static func < (a: Severity, b: Severity) -> Bool { a == .warning && b == .error }
}

/// One problem a gate found. Never carries secret material: a secrets finding names the kind of
/// secret and where it is, not its value.
public struct Finding: Equatable, Sendable {
    /// The gate's registry id: `large_files`, `secrets`, `metric_threshold`, …
    public var gate: String
    public var severity: Severity
    /// Repository-relative path, nil for findings about the change as a whole.
    public var path: String?
    /// 1-based line, where it means something.
    public var line: Int?
    public var message: String
    /// How to fix it, one sentence.
    public var hint: String

    public init(gate: String, severity: Severity, path: String?, line: Int? = nil, message: String, hint: String) {
        self.gate = gate
        self.severity = severity
        self.path = path
        self.line = line
        self.message = message
        self.hint = hint
    }
}

/// What `--fail-on` means for the exit code.
public enum FailurePolicy: String, Sendable, CaseIterable {
    case error, warning, never

    public func fails(_ findings: [Finding]) -> Bool {
        switch self {
        case .never: return false
        case .error: return findings.contains { $0.severity == .error }
        case .warning: return !findings.isEmpty
        }
    }
}

extension Array where Element == Finding {
    /// Stable order for output: by path (findings without a path first), line, gate, message.
    public func sortedForOutput() -> [Finding] {
        sorted { a, b in
            let pa = a.path ?? "", pb = b.path ?? ""
            if pa != pb { return RepoPath.precedes(pa, pb) }
            if (a.line ?? 0) != (b.line ?? 0) { return (a.line ?? 0) < (b.line ?? 0) }
            if a.gate != b.gate { return a.gate < b.gate }
            return a.message < b.message
        }
    }
}
