/// One line of `cmlbot doctor`: what was checked, what was found, and how to fix it.
public struct DoctorCheck: Equatable, Sendable {
    public enum Status: String, Equatable, Sendable, CaseIterable {
        /// Publishing will work as far as this check can tell.
        case ok
        /// Publishing may work, or will work in a degraded way (fork PR, report cut to fit).
        case warn
        /// Publishing will not work until this is fixed.
        case fail
        /// Not checked because a check it depends on failed (named in the detail). Never changes
        /// the exit status by itself: the failed check already does.
        case skip
    }

    /// Stable identifier for `--format json` consumers: `context`, `token`, `comments`, …
    public var id: String
    public var title: String
    public var status: Status
    /// What was found, one fact per line. Never a token value.
    public var detail: [String]
    /// How to fix it, when the status is not ok.
    public var fix: String?

    public init(id: String, title: String, status: Status, detail: [String], fix: String? = nil) {
        self.id = id
        self.title = title
        self.status = status
        self.detail = detail
        self.fix = fix
    }

    public static func skipped(id: String, title: String, because reason: String) -> DoctorCheck {
        DoctorCheck(id: id, title: title, status: .skip, detail: ["not checked: \(reason)"])
    }
}
