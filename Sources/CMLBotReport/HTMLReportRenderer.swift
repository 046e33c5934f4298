import CMLBotCore

/// report.html: one self-contained page (inline CSS, SVG charts inline, no scripts, no external
/// resources) showing the same sections as the Markdown report. It converts our own Markdown —
/// a small, known subset — so the two can never drift apart; repository text reaching it was
/// already escaped by `MarkdownEscaping`, and anything the converter does not recognise is escaped
/// again rather than passed through.
public enum HTMLReportRenderer {
    public static func render(_ report: Report) -> String {
        var body = "<h1>cmlbot report</h1>\n"
        body += MarkdownToHTML.convert("\(MarkdownReportRenderer.revision(report.base)) → \(MarkdownReportRenderer.revision(report.head)): **\(report.summary)**\n")
        for section in report.sections {
            body += "<section id=\"section-\(XMLText.escape(type(of: section).id))\">\n<h2>\(XMLText.escape(type(of: section).title))</h2>\n"
            if let charts = section as? ChartsSection {
                body += MarkdownToHTML.convert(charts.markdown(includeMermaid: false))
                if !charts.charts.isEmpty {
                    body += "<div class=\"charts\">\n"
                    for chart in charts.charts {
                        body += "<figure>\n" + chart.svg + "<figcaption>charts/\(XMLText.escape(chart.fileName))</figcaption>\n</figure>\n"
                    }
                    body += "</div>\n"
                }
            } else {
                body += MarkdownToHTML.convert(section.markdown())
            }
            body += "</section>\n"
        }
        if !report.diagnostics.isEmpty {
            body += "<section id=\"warnings\">\n<h2>Warnings</h2>\n<ul>\n"
            for d in report.diagnostics { body += "<li>\(XMLText.escape(d.description))</li>\n" }
            body += "</ul>\n</section>\n"
        }
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>cmlbot report</title>
        <style>
        body { font-family: DejaVu Sans, -apple-system, Segoe UI, Helvetica, Arial, sans-serif; color: #1f2328; background: #ffffff; margin: 0; }
        main { max-width: 1100px; margin: 0 auto; padding: 24px; }
        h1 { font-size: 1.6em; border-bottom: 1px solid #d1d9e0; padding-bottom: 6px; }
        h2 { font-size: 1.25em; margin-top: 28px; border-bottom: 1px solid #d1d9e0; padding-bottom: 4px; }
        table { border-collapse: collapse; margin: 12px 0; display: block; overflow-x: auto; }
        th, td { border: 1px solid #d1d9e0; padding: 4px 10px; }
        th { background: #f6f8fa; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        code { font-family: DejaVu Sans Mono, monospace; background: #eff1f3; padding: 1px 4px; border-radius: 4px; font-size: 0.9em; }
        pre { background: #f6f8fa; padding: 12px; overflow-x: auto; }
        details { margin: 8px 0; }
        .charts { display: flex; flex-wrap: wrap; gap: 16px; }
        figure { margin: 0; border: 1px solid #d1d9e0; border-radius: 6px; padding: 8px; background: #ffffff; max-width: 100%; overflow-x: auto; }
        figcaption { font-size: 0.8em; color: #59636e; }
        </style>
        </head>
        <body>
        <main>

        """ + body + "</main>\n</body>\n</html>\n"
    }
}

/// The GFM subset our renderers write: headings, pipe tables, bullet lists, fenced code,
/// `<details>`/`<summary>`, code spans, `**strong**`, backslash escapes and entities.
enum MarkdownToHTML {
    /// Tags our own Markdown uses; any other `<` is escaped.
    static let allowedTags = ["<details>", "</details>", "<summary>", "</summary>", "<br>", "<br/>", "<br />",
                              "<sub>", "</sub>", "<sup>", "</sup>", "<b>", "</b>", "<strong>", "</strong>", "<em>", "</em>", "<code>", "</code>"]

    static func convert(_ markdown: String) -> String {
        let lines = markdown.components(separatedBy: "\n")
        var out = ""
        var i = 0
        var paragraph: [String] = []
        func flush() {
            if !paragraph.isEmpty { out += "<p>" + paragraph.map(inline).joined(separator: "\n") + "</p>\n" }
            paragraph = []
        }
        while i < lines.count {
            let line = lines[i]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") {
                flush()
                let language = String(trimmed.dropFirst(3))
                var code: [String] = []
                i += 1
                while i < lines.count && !lines[i].trimmingCharacters(in: .whitespaces).hasPrefix("```") { code.append(lines[i]); i += 1 }
                out += "<pre" + (language.isEmpty ? "" : " data-language=\"\(XMLText.escape(language))\"") + "><code>" + code.map(XMLText.escape).joined(separator: "\n") + "</code></pre>\n"
                i += 1
                continue
            }
            if trimmed.hasPrefix("|") {
                flush()
                var rows: [String] = []
                while i < lines.count && lines[i].trimmingCharacters(in: .whitespaces).hasPrefix("|") { rows.append(lines[i]); i += 1 }
                out += table(rows)
                continue
            }
            if trimmed.hasPrefix("- ") || trimmed.hasPrefix("* ") {
                flush()
                out += "<ul>\n"
                while i < lines.count, lines[i].hasPrefix("- ") || lines[i].hasPrefix("* ") {
                    out += "<li>" + inline(String(lines[i].dropFirst(2))) + "</li>\n"
                    i += 1
                }
                out += "</ul>\n"
                continue
            }
            if let level = headingLevel(trimmed) {
                flush()
                let text = trimmed.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
                let tag = "h\(min(6, level + 1))"
                out += "<\(tag)>" + inline(text) + "</\(tag)>\n"
            } else if trimmed.isEmpty {
                flush()
            } else if trimmed.hasPrefix("<details>") || trimmed == "</details>" {
                flush()
                out += inline(trimmed) + "\n"
            } else {
                paragraph.append(trimmed)
            }
            i += 1
        }
        flush()
        return out
    }

    static func headingLevel(_ line: String) -> Int? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes), line.dropFirst(hashes).hasPrefix(" ") else { return nil }
        return hashes
    }

    static func table(_ rows: [String]) -> String {
        let cells = rows.map(splitRow)
        guard cells.count >= 2, cells[1].allSatisfy({ $0.allSatisfy { "-:| ".contains($0) } && $0.contains("-") }) else {
            return "<p>" + rows.map(inline).joined(separator: "<br>\n") + "</p>\n"
        }
        let alignments = cells[1].map { spec -> String in
            spec.hasSuffix(":") ? (spec.hasPrefix(":") ? " style=\"text-align:center\"" : " class=\"num\"") : ""
        }
        func row(_ values: [String], tag: String) -> String {
            var out = "<tr>"
            for (c, value) in values.enumerated() {
                out += "<\(tag)\(c < alignments.count ? alignments[c] : "")>" + inline(value) + "</\(tag)>"
            }
            return out + "</tr>\n"
        }
        var out = "<table>\n<thead>\n" + row(cells[0], tag: "th") + "</thead>\n<tbody>\n"
        for values in cells.dropFirst(2) { out += row(values, tag: "td") }
        return out + "</tbody>\n</table>\n"
    }

    /// Cells of a pipe-table row; `\|` is a literal pipe (as GFM reads it, even in code spans).
    static func splitRow(_ line: String) -> [String] {
        var trimmed = Substring(line.trimmingCharacters(in: .whitespaces))
        if trimmed.hasPrefix("|") { trimmed = trimmed.dropFirst() }
        var cells: [String] = []
        var current = ""
        var escaped = false
        for ch in trimmed {
            if escaped {
                current += ch == "|" ? "\u{1}" : "\\" + String(ch)
                escaped = false
            } else if ch == "\\" {
                escaped = true
            } else if ch == "|" {
                cells.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(ch)
            }
        }
        if escaped { current += "\\" }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty { cells.append(current.trimmingCharacters(in: .whitespaces)) }
        // U+0001 marks a pipe that was escaped: literal everywhere, never a cell break.
        return cells.map { $0.replacingOccurrences(of: "\u{1}", with: "\\|") }
    }

    /// Inline Markdown → HTML, every character either escaped or part of markup we recognise.
    static func inline(_ text: String) -> String {
        let chars = Array(text)
        var out = ""
        var i = 0
        var strongOpen = false
        while i < chars.count {
            let c = chars[i]
            if c == "`" {
                var run = 0
                while i + run < chars.count && chars[i + run] == "`" { run += 1 }
                if let close = closingRun(chars, from: i + run, length: run) {
                    var code = String(chars[(i + run)..<close]).replacingOccurrences(of: "\\|", with: "|")
                    if code.hasPrefix(" ") && code.hasSuffix(" ") && code.count >= 2 { code = String(code.dropFirst().dropLast()) }
                    out += "<code>" + XMLText.escape(code) + "</code>"
                    i = close + run
                } else {
                    out += String(repeating: "`", count: run)
                    i += run
                }
                continue
            }
            if c == "\\", i + 1 < chars.count, chars[i + 1].isASCII, chars[i + 1].isPunctuation || chars[i + 1].isSymbol {
                out += XMLText.escape(String(chars[i + 1]))
                i += 2
                continue
            }
            if c == "*", i + 1 < chars.count, chars[i + 1] == "*" {
                out += strongOpen ? "</strong>" : "<strong>"
                strongOpen.toggle()
                i += 2
                continue
            }
            if c == "&", let length = entityLength(chars, at: i) {
                out += String(chars[i..<(i + length)])
                i += length
                continue
            }
            if c == "<", let tag = allowedTags.first(where: { matches(chars, at: i, $0) }) {
                out += tag
                i += tag.count
                continue
            }
            out += XMLText.escape(String(c))
            i += 1
        }
        if strongOpen { out += "</strong>" }
        return out
    }

    static func closingRun(_ chars: [Character], from start: Int, length: Int) -> Int? {
        var j = start
        while j < chars.count {
            if chars[j] == "`" {
                var run = 0
                while j + run < chars.count && chars[j + run] == "`" { run += 1 }
                if run == length { return j }
                j += run
            } else {
                j += 1
            }
        }
        return nil
    }

    static func matches(_ chars: [Character], at i: Int, _ s: String) -> Bool {
        let needle = Array(s)
        guard i + needle.count <= chars.count else { return false }
        for (k, ch) in needle.enumerated() where chars[i + k].lowercased() != String(ch) { return false }
        return true
    }

    /// `&amp;`, `&#60;`, `&#x3C;`: entities our escaping produced, kept as they are.
    static func entityLength(_ chars: [Character], at i: Int) -> Int? {
        var j = i + 1
        guard j < chars.count else { return nil }
        if chars[j] == "#" {
            j += 1
            let hex = j < chars.count && (chars[j] == "x" || chars[j] == "X")
            if hex { j += 1 }
            let start = j
            while j < chars.count, hex ? chars[j].isHexDigit : chars[j].isASCII && chars[j].isNumber { j += 1 }
            guard j > start, j - start <= 7, j < chars.count, chars[j] == ";" else { return nil }
            return j - i + 1
        }
        let start = j
        while j < chars.count, chars[j].isASCII, chars[j].isLetter || chars[j].isNumber { j += 1 }
        guard j > start, j - start <= 31, j < chars.count, chars[j] == ";" else { return nil }
        return j - i + 1
    }
}

/// Keeps the Markdown within a forge comment's size: when it is too long, the longest tables are
/// collapsed into `<details>` and cut at a row boundary with an explicit "N more rows in
/// report.json" line — never mid-table, never mid-fence.
public enum MarkdownBudget {
    /// GitHub rejects comment bodies over 65,536 characters; the rest is headroom for the marker.
    public static let limit = 65_000

    public static func fit(_ markdown: String, limit: Int = MarkdownBudget.limit) -> String {
        guard markdown.count > limit else { return markdown }
        var lines = markdown.components(separatedBy: "\n")
        // Tables: line ranges of header, separator and data rows.
        struct Table { var start: Int; var end: Int; var keep: Int }
        var tables: [Table] = []
        var i = 0, inFence = false
        while i < lines.count {
            if lines[i].hasPrefix("```") { inFence.toggle(); i += 1; continue }
            if !inFence, lines[i].hasPrefix("|"), i + 1 < lines.count, lines[i + 1].hasPrefix("|"), lines[i + 1].contains("---") {
                var end = i + 2
                while end < lines.count && lines[end].hasPrefix("|") { end += 1 }
                tables.append(Table(start: i, end: end, keep: end - i - 2))
                i = end
                continue
            }
            i += 1
        }
        var excess = markdown.count - limit
        // Cut the largest tables first, a little more than needed to pay for the added lines.
        while excess > 0 {
            guard let index = tables.indices.filter({ tables[$0].keep > 3 }).max(by: { tables[$0].keep < tables[$1].keep }) else { break }
            let t = tables[index]
            let rows = lines[(t.start + 2)..<(t.start + 2 + t.keep)]
            let average = max(1, rows.reduce(0) { $0 + $1.count + 1 } / max(1, rows.count))
            let drop = min(t.keep - 3, max(1, (excess + 160) / average + 1))
            tables[index].keep -= drop
            excess -= drop * average - (t.keep == t.end - t.start - 2 ? 160 : 0)
        }
        for t in tables.reversed() where t.keep < t.end - t.start - 2 {
            let hidden = t.end - t.start - 2 - t.keep
            let alreadyCollapsed = t.start > 0 && (lines[..<t.start].last { !$0.isEmpty }?.hasPrefix("<details>") ?? false)
            var replacement = Array(lines[t.start..<(t.start + 2 + t.keep)])
            replacement += ["", "\(hidden) more row\(hidden == 1 ? "" : "s") in report.json."]
            if !alreadyCollapsed {
                replacement = ["<details><summary>Table: \(t.keep) of \(t.end - t.start - 2) rows shown</summary>", ""] + replacement + ["", "</details>"]
            }
            lines.replaceSubrange(t.start..<t.end, with: replacement)
        }
        var result = lines.joined(separator: "\n")
        if result.count > limit { result = truncateAtBlock(result, limit: limit) }
        return result
    }

    /// Last resort: keep whole blocks up to the limit (a blank line outside fences and tables),
    /// close open `<details>`, and say where the rest is.
    static func truncateAtBlock(_ markdown: String, limit: Int) -> String {
        let note = "\n_Report truncated to fit a comment: the full report is in report.json and report.html._\n"
        let lines = markdown.components(separatedBy: "\n")
        var kept = 0, size = 0, inFence = false, openDetails = 0, cut = (lines: 0, details: 0)
        for line in lines {
            size += line.count + 1
            if size + note.count + 40 > limit { break }
            if line.hasPrefix("```") { inFence.toggle() }
            if line.hasPrefix("<details>") { openDetails += 1 }
            if line == "</details>" { openDetails = max(0, openDetails - 1) }
            kept += 1
            if line.isEmpty && !inFence { cut = (kept, openDetails) }
        }
        var out = lines.prefix(cut.lines).joined(separator: "\n") + "\n"
        out += String(repeating: "</details>\n\n", count: cut.details)
        return out + note
    }
}
