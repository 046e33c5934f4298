import Foundation

/// Turns Markdown into a comment body that is safe to post and findable again: the hidden
/// versioned marker first, anything in the text that looks like a marker defused, GitLab quick
/// actions neutralised, and the whole cut to the forge's size limit at a clean line.
public enum CommentBody {
    public static let markerVersion = "v1"

    /// Keys are limited to a safe alphabet so nothing can close the HTML comment early.
    public static func normalizedKey(_ key: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        let cleaned = String(key.filter { allowed.contains($0) }.prefix(64))
        return cleaned.isEmpty ? "report" : cleaned
    }

    public static func marker(key: String) -> String {
        "<!-- cmlbot:report \(markerVersion) key=\(normalizedKey(key)) -->"
    }

    /// Whether `body` is cmlbot's comment for `key`: the marker must be its very first line, so a
    /// reply quoting our comment, or text containing the marker further down, never matches.
    /// Any marker version counts, so a newer cmlbot adopts the comment an older one posted.
    public static func isMarked(_ body: String, key: String) -> Bool {
        let first = body.prefix { $0 != "\n" && $0 != "\r" }
        guard first.hasPrefix("<!-- cmlbot:report v"), first.hasSuffix(" key=\(normalizedKey(key)) -->") else { return false }
        let version = first.dropFirst("<!-- cmlbot:report v".count).prefix { $0 != " " }
        return !version.isEmpty && version.allSatisfy(\.isNumber)
    }

    /// The full body: marker, then the defused Markdown, within `limit` characters.
    public static func make(markdown: String, key: String, limit: Int, truncationNote: String) -> String {
        let head = marker(key: key) + "\n"
        var text = neutralizeQuickActions(defuseMarkers(markdown))
        let budget = limit - head.count
        if text.count > budget { text = truncate(text, to: budget, note: truncationNote) }
        return head + text
    }

    /// `<!-- cmlbot:` inside the text cannot pose as a marker (or open an HTML comment that hides
    /// the rest of the report).
    static func defuseMarkers(_ text: String) -> String {
        text.replacingOccurrences(of: "<!--", with: "&lt;!--")
    }

    /// GitLab runs a note line that starts with `/` as a quick action (`/close`, `/merge`). A
    /// backslash before the slash renders the same and is not a command. Fenced code is left alone:
    /// GitLab does not run quick actions inside it.
    static func neutralizeQuickActions(_ text: String) -> String {
        var out: [Substring] = []
        var fence: Substring?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " }
            if let f = fence {
                if trimmed.hasPrefix(f) { fence = nil }
                out.append(line)
                continue
            }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                fence = trimmed.prefix(3)
                out.append(line)
                continue
            }
            if trimmed.hasPrefix("/") {
                let indent = line.prefix { $0 == " " }
                out.append(Substring(indent + "\\" + trimmed))
            } else {
                out.append(line)
            }
        }
        return out.joined(separator: "\n")
    }

    /// Cuts at a line boundary that is not inside a table, a fenced block or an open `<details>`,
    /// then appends the note. Never cuts mid-row.
    static func truncate(_ text: String, to budget: Int, note: String) -> String {
        let suffix = "\n\n" + note + "\n"
        let room = max(0, budget - suffix.count - 32)
        var kept: [Substring] = []
        var used = 0
        var openDetails = 0
        var inFence = false
        var lastSafe = 0  // number of lines kept at the last safe cut point
        var detailsAtSafe = 0
        var tableRun = 0  // consecutive table lines: header, separator, then rows
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let cost = line.count + 1
            if used + cost > room { break }
            kept.append(line)
            used += cost
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("```") || t.hasPrefix("~~~") { inFence.toggle() }
            if !inFence {
                openDetails += t.components(separatedBy: "<details").count - 1
                openDetails -= t.components(separatedBy: "</details>").count - 1
                openDetails = max(0, openDetails)
            }
            tableRun = t.hasPrefix("|") && !inFence ? tableRun + 1 : 0
            // A safe point: outside fences, and not inside a table's header: a table may end
            // after any complete body row and stays a valid table.
            if !inFence && (tableRun == 0 || tableRun >= 3) {
                lastSafe = kept.count
                detailsAtSafe = openDetails
            }
        }
        var result = kept.prefix(lastSafe).joined(separator: "\n")
        if detailsAtSafe > 0 { result += String(repeating: "\n</details>", count: detailsAtSafe) }
        return result + suffix
    }
}
