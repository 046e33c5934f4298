import CMLBotCore
import CMLBotForge

/// `doctor`'s output: aligned text for people, JSON for pipelines. Deterministic: checks in the
/// order they ran, no timestamps.
enum DoctorRenderer {
    static func tag(_ status: DoctorCheck.Status) -> String {
        let label = "[\(status.rawValue)]"
        return label + String(repeating: " ", count: max(1, 7 - label.count))
    }

    static func text(_ checks: [DoctorCheck]) -> String {
        var out = "cmlbot doctor: would `cmlbot report --publish` work here? (nothing is posted)\n\n"
        let indent = String(repeating: " ", count: 7)
        for check in checks {
            out += tag(check.status) + check.title + "\n"
            for line in check.detail { out += indent + line + "\n" }
            if let fix = check.fix, check.status != .ok { out += indent + "fix: " + fix + "\n" }
        }
        out += "\n" + DoctorRules.verdict(checks) + "\n"
        return out
    }

    static func json(_ checks: [DoctorCheck], context: CIContext?, tokenVariable: String?) -> String {
        func string(_ s: String?) -> Value { s.map(Value.string) ?? .null }
        let items: [Value] = checks.map { check in
            .object(OrderedObject([
                ("id", .string(check.id)), ("title", .string(check.title)), ("status", .string(check.status.rawValue)),
                ("detail", .array(check.detail.map(Value.string))), ("fix", string(check.fix)),
            ]))
        }
        var contextValue = Value.null
        if let c = context {
            contextValue = .object(OrderedObject([
                ("provider", .string(c.provider.rawValue)), ("forge", string(c.forge?.rawValue)), ("event", string(c.event)),
                ("api_url", string(c.apiURL)), ("repository", string(c.repository)), ("project_id", string(c.projectID)),
                ("pull_request", c.pullRequest.map(Value.int) ?? .null), ("head_sha", string(c.headSHA)), ("base_sha", string(c.baseSHA)),
                ("fork", .bool(c.isFork)), ("run_url", string(c.runURL)), ("token_variable", string(tokenVariable)),
            ]))
        }
        let root = Value.object(OrderedObject([
            ("ok", .bool(DoctorRules.exitCode(checks) == 0)),
            ("verdict", .string(DoctorRules.verdict(checks))),
            ("context", contextValue),
            ("checks", .array(items)),
        ]))
        return JSONWriter.pretty.string(root) + "\n"
    }
}
