/// XML text and attribute escaping for SVG, HTML and JUnit: markup characters become entities,
/// characters XML 1.0 forbids and bidi overrides (which could make a name read differently from
/// what it is) are replaced, so hostile names can neither inject markup nor make the document
/// unparsable.
public enum XMLText {
    /// Line breaks and tabs become spaces: one-line SVG labels and HTML cells.
    public static func escape(_ text: String) -> String { escape(text, keepingLineBreaks: false) }

    /// Line breaks and tabs survive as character references: JUnit messages are read as text.
    public static func escapeKeepingLineBreaks(_ text: String) -> String { escape(text, keepingLineBreaks: true) }

    private static func escape(_ text: String, keepingLineBreaks keepLineBreaks: Bool) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\n": out += keepLineBreaks ? "&#10;" : " "
            case "\t": out += keepLineBreaks ? "&#9;" : " "
            case "\r": out += keepLineBreaks ? "&#13;" : " "
            default:
                let v = scalar.value
                if v < 0x20 || v == 0x7F || v == 0xFFFE || v == 0xFFFF || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Escaped and shortened to `limit` characters (with an ellipsis) so one long name cannot
    /// push a chart's layout apart.
    public static func label(_ text: String, limit: Int) -> String {
        escape(text.count > limit ? String(text.prefix(max(1, limit - 1))) + "…" : text)
    }
}
