import CMLBotCore

/// The report as GitHub/GitLab-flavoured Markdown: summary line, then each section under a heading,
/// then warnings. Deterministic: same report, same bytes.
public enum MarkdownReportRenderer {
    public static func render(_ report: Report) -> String {
        var out = "## cmlbot report\n\n"
        out += "\(revision(report.base)) → \(revision(report.head)): **\(report.summary)**\n"
        for section in report.sections {
            out += "\n### \(type(of: section).title)\n\n"
            out += section.markdown()
        }
        if !report.diagnostics.isEmpty {
            out += "\n<details><summary>⚠️ \(report.diagnostics.count) warning\(report.diagnostics.count == 1 ? "" : "s")</summary>\n\n"
            for d in report.diagnostics {
                out += "- " + MarkdownEscaping.inline(d.description) + "\n"
            }
            out += "\n</details>\n"
        }
        return MarkdownBudget.fit(out)
    }

    static func revision(_ r: RevisionInfo) -> String {
        // A full SHA as the label (CI passes the PR's base commit) reads better short.
        if let commit = r.commit, commit == r.label { return MarkdownEscaping.code(String(commit.prefix(7))) }
        var text = MarkdownEscaping.code(r.label)
        if let commit = r.commit, !commit.hasPrefix(r.label) { text += " (\(commit.prefix(7)))" }
        return text
    }
}

/// report.json: the versioned, machine-readable report (schema: docs/report-schema.md).
public enum JSONReportRenderer {
    public static func value(_ report: Report) -> Value {
        var root = OrderedObject()
        root["schema_version"] = .int(Report.schemaVersion)
        root["tool"] = .object(OrderedObject([("name", .string("cmlbot")), ("version", .string(report.toolVersion))]))
        root["base"] = revision(report.base)
        root["head"] = revision(report.head)
        root["summary"] = .string(report.summary)
        var sections = OrderedObject()
        for section in report.sections { sections[type(of: section).id] = section.json() }
        root["sections"] = .object(sections)
        root["diagnostics"] = .array(report.diagnostics.map { d in
            .object(OrderedObject([
                ("severity", .string(d.severity.rawValue)),
                ("path", d.path.map(Value.string) ?? .null),
                ("revision", d.revision.map(Value.string) ?? .null),
                ("message", .string(d.message)),
            ]))
        })
        return .object(root)
    }

    public static func render(_ report: Report) -> String {
        JSONWriter.pretty.string(value(report)) + "\n"
    }

    static func revision(_ r: RevisionInfo) -> Value {
        .object(OrderedObject([("revision", .string(r.label)), ("commit", r.commit.map(Value.string) ?? .null)]))
    }
}
