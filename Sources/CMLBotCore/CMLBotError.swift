/// How a failure maps to the process exit status (see docs/exit-codes in the README).
public enum FailureKind: Sendable {
    /// Bad flags or arguments: exit 64.
    case usage
    /// The command could not do its job (missing repo, unknown revision, unreadable config): exit 2.
    case operational
}

/// Every error a library stage throws at the user conforms to this: one line that says what went
/// wrong, where, and how to fix it. The executable prints `error: <message>` and exits by `kind`.
public protocol UserFacingError: Error, CustomStringConvertible, Sendable {
    var kind: FailureKind { get }
    var message: String { get }
}

extension UserFacingError {
    public var kind: FailureKind { .operational }
    public var description: String { message }
}
