/// Something the user should know that did not stop the command: an unreadable metrics file, a key
/// DVC would have crashed on, a config value that was ignored.
public struct Diagnostic: Equatable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable, Comparable {
        case note, warning, error
        private var rank: Int { self == .note ? 0 : self == .warning ? 1 : 2 }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    public var severity: Severity
    /// Repository-relative path the diagnostic is about, if any.
    public var path: String?
    /// The revision label (`HEAD`, `workspace`, `main`) when the problem is in one revision only.
    public var revision: String?
    public var message: String

    public init(_ severity: Severity, path: String? = nil, revision: String? = nil, _ message: String) {
        self.severity = severity
        self.path = path
        self.revision = revision
        self.message = message
    }

    public static func warning(path: String? = nil, revision: String? = nil, _ message: String) -> Diagnostic {
        Diagnostic(.warning, path: path, revision: revision, message)
    }

    /// One line: `warning: metrics.json (at HEAD): invalid JSON at line 3: expected ','`.
    public var description: String {
        var where_ = ""
        if let path { where_ = path }
        if let revision { where_ += where_.isEmpty ? "at \(revision)" : " (at \(revision))" }
        return "\(severity.rawValue): " + (where_.isEmpty ? "" : where_ + ": ") + message
    }
}
