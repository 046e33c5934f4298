/// Makes repository-controlled text (file names, metric names, values) inert in GitHub/GitLab
/// Markdown: no HTML, no links or images, no emphasis, no table breaks, no GitLab quick actions,
/// and nothing that could forge or close cmlbot's hidden comment marker.
public enum MarkdownEscaping {
    /// Text inside a paragraph or table cell.
    public static func inline(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "|": out += "\\|"
            case "\\", "`", "*", "_", "[", "]", "(", ")", "#", "!", "~", "$", "{", "}", "+", "-", ".", "/", ":", "@":
                // Backslash-escaping ASCII punctuation is always literal in CommonMark; `:`/`@`/`/`
                // stop autolinks (`https://…`, mentions) and `-` stops list/heading markers.
                if needsEscape(scalar) { out += "\\" }
                out.unicodeScalars.append(scalar)
            case "\n", "\r", "\t":
                out += " "
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value) {
                    // Control and bidirectional-override characters can hide or reorder text.
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\\", "`", "*", "_", "[", "]", "#", "!", "~", "$", "/", ":", "@": return true
        default: return false
        }
    }

    /// Text shown as code: a backtick fence long enough for any backticks inside, and inert `|`.
    public static func code(_ text: String) -> String {
        let cleaned = String(String.UnicodeScalarView(text.unicodeScalars.map {
            $0.value < 0x20 || $0.value == 0x7F ? "\u{FFFD}" : $0
        })).replacingOccurrences(of: "|", with: "\\|")
        var longest = 0, run = 0
        for c in cleaned { if c == "`" { run += 1; longest = max(longest, run) } else { run = 0 } }
        let fence = String(repeating: "`", count: longest + 1)
        let pad = cleaned.hasPrefix("`") || cleaned.hasSuffix("`") ? " " : ""
        return fence + pad + cleaned + pad + fence
    }
}
