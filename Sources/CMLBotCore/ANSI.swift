/// SGR colour codes for terminal text. Whether to colour at all is the executable's call (a
/// terminal, no NO_COLOR); renderers only apply what they are told to.
public enum ANSI {
    public static let boldRed = "1;31", boldYellow = "1;33", boldCyan = "1;36", green = "32"

    public static func wrap(_ text: String, _ code: String) -> String { "\u{1B}[\(code)m\(text)\u{1B}[0m" }
}
