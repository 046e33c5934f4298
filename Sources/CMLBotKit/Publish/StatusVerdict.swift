import CMLBotForge
import CMLBotGates

/// The commit status that promotion findings add up to: what `report --publish` and `cmlbot status`
/// both post, so a pipeline that runs either sees the same words on the PR.
struct StatusVerdict: Equatable {
    /// Commit status descriptions are cut at 140 characters by both forges (GitHub rejects longer).
    static let descriptionLimit = 140

    var state: CommitState
    /// One line within `descriptionLimit`.
    var description: String
    /// The `verdict` step output: pass, warn or fail.
    var verdict: String

    init(findings: [Finding], failOn: FailurePolicy) {
        state = failOn.fails(findings) ? .failure : .success
        // Under --fail-on warning a warning fails too; otherwise only errors do.
        let failing = failOn == .warning ? findings : findings.filter { $0.severity == .error }
        if !failing.isEmpty {
            // The first failing gate's own words, so the PR's checks list says what failed.
            let head = "\(failing.count) gate\(failing.count == 1 ? "" : "s") failed"
            description = Self.fit(head + ": " + failing[0].message)
        } else {
            let warnings = findings.count
            description = "review evidence ready" + (warnings == 0 ? "" : " (\(warnings) warning\(warnings == 1 ? "" : "s"))")
        }
        verdict = state == .success ? (findings.isEmpty ? "pass" : "warn") : "fail"
    }

    /// `text` cut to the forge limit with an ellipsis, never mid-character.
    static func fit(_ text: String) -> String {
        let oneLine = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        guard oneLine.count > descriptionLimit else { return oneLine }
        return String(oneLine.prefix(descriptionLimit - 1)) + "…"
    }
}
