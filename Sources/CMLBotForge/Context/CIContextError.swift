import CMLBotCore

/// Why the CI context could not be worked out, or why the flags that override it make no sense.
/// Every message names the variable, file or flag at fault and says how to fix it. Values quoted
/// here are never secrets: identifiers, URLs without credentials, SHAs, file paths.
public enum CIContextError: UserFacingError, Equatable {
    /// A variable the provider always sets is absent, so the environment is not a real CI job (or
    /// the job's `env:` block overwrote it).
    case missingEnvironment(variable: String, provider: String, needed: String)
    /// A variable is set but its value cannot be what the provider documents.
    case invalidEnvironment(variable: String, value: String, expected: String)
    /// `GITHUB_EVENT_PATH` names a file that cannot be read.
    case eventFileUnreadable(path: String, event: String)
    /// The event file is not a JSON object.
    case eventNotJSON(path: String, event: String, detail: String)
    /// A field the event needs is absent, null, or of the wrong type.
    case eventField(path: String, event: String, field: String, problem: String)
    /// An explicit flag has a value that cannot be right.
    case invalidOverride(flag: String, value: String, reason: String)
    /// `--publish` without enough context to know where to publish; one entry per missing piece.
    case notPublishable(missing: [String])

    public var kind: FailureKind {
        switch self {
        case .invalidOverride, .notPublishable: return .usage
        default: return .operational
        }
    }

    public var message: String {
        switch self {
        case .missingEnvironment(let variable, let provider, let needed):
            return "\(provider): \(variable) is not set, but it is needed for \(needed); "
                + "do not override it in the job's env, or pass the value with an explicit flag"
        case .invalidEnvironment(let variable, let value, let expected):
            return "\(variable)='\(value)' is not \(expected); check the job's env block (the CI service sets this variable itself)"
        case .eventFileUnreadable(let path, let event):
            return "cannot read the \(event) event payload at \(path) (GITHUB_EVENT_PATH); the runner writes it for each job, "
                + "so run cmlbot in a step of that job, and if the step starts its own container, mount the file and pass GITHUB_EVENT_PATH in"
        case .eventNotJSON(let path, let event, let detail):
            return "the \(event) event payload at \(path) (GITHUB_EVENT_PATH) is not a JSON object: \(detail); "
                + "GitHub writes this file itself, so a step of this job must have overwritten it"
        case .eventField(let path, let event, let field, let problem):
            return "the \(event) event payload at \(path) (GITHUB_EVENT_PATH): \(field) \(problem); "
                + "GitHub always sends it for this event, so a step of this job must have replaced the file (or GITHUB_EVENT_NAME)"
        case .invalidOverride(let flag, let value, let reason):
            return "\(flag) '\(value)': \(reason)"
        case .notPublishable(let missing):
            return "cannot publish: " + missing.joined(separator: "; ")
        }
    }
}
