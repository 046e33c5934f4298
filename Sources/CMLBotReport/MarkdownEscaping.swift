/// Makes repository-controlled text (file names, metric names, values) inert in GitHub/GitLab
/// Markdown: no HTML, no links or images, no emphasis, no table breaks, no GitLab quick actions,
/// and nothing that could forge or close cmlbot's hidden comment marker.
public enum MarkdownEscaping {
    /// Text inside a paragraph or table cell.
    public static func inline(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        let scalars = Array(text.unicodeScalars)
        for (i, scalar) in scalars.enumerated() {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "|": out += "\\|"
            case "\\", "`", "*", "_", "[", "]", "#", "!", "~", "$", "@":
                // Backslash-escaped ASCII punctuation is always literal in CommonMark; `@` stops mentions.
                out += "\\"
                out.unicodeScalars.append(scalar)
            case ":" where i + 2 < scalars.count && scalars[i + 1] == "/" && scalars[i + 2] == "/":
                // `scheme://` would become an autolink.
                out += "\\:"
            case "." where i >= 3 && String(String.UnicodeScalarView(scalars[(i - 3)..<i])).lowercased() == "www":
                // `www.example.com` would become an autolink too.
                out += "\\."
            case "/" where out.isEmpty || out.hasSuffix("\n"):
                // A leading slash is a GitLab quick action.
                out += "\\/"
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
