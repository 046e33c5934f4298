import Foundation

/// Colour on a terminal only, and never when NO_COLOR is set (https://no-color.org) or TERM=dumb:
/// CI logs, pipes and files get plain text.
struct TerminalStyle {
    let enabled: Bool

    init(fileDescriptor: Int32, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        enabled = !noColor && environment["TERM"] != "dumb" && isatty(fileDescriptor) == 1
    }

    static let standardError = TerminalStyle(fileDescriptor: STDERR_FILENO)
    static let standardOutput = TerminalStyle(fileDescriptor: STDOUT_FILENO)

    private static let colours = ["error": "1;31", "warning": "1;33", "note": "1;36", "fix": "32"]

    /// `error: …` → the label in colour.
    func diagnostic(_ line: String) -> String {
        guard enabled else { return line }
        for (label, code) in Self.colours where line.hasPrefix(label + ":") {
            return "\u{1B}[\(code)m\(label)\u{1B}[0m" + line.dropFirst(label.count)
        }
        return line
    }

    /// The text findings format (`path: error: [gate] message`, `    fix: …`) with its severities
    /// and fix hints coloured.
    func findings(_ text: String) -> String {
        guard enabled else { return text }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var line = String(line)
            for label in ["error", "warning"] {
                if let range = line.range(of: ": \(label): ") {
                    line.replaceSubrange(range, with: ": \u{1B}[\(Self.colours[label]!)m\(label)\u{1B}[0m: ")
                    break
                }
            }
            if line.hasPrefix("    fix: ") { line = "    \u{1B}[32mfix\u{1B}[0m:" + line.dropFirst("    fix:".count) }
            return line
        }.joined(separator: "\n")
    }
}

/// Opens a file in the user's browser: $BROWSER when set (a list separated by colons, as
/// xdg-utils reads it), else xdg-open on Linux or open on macOS. Returns what went wrong, if anything.
enum Browser {
    static func open(_ path: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        var candidates = (environment["BROWSER"] ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty }
        #if os(macOS)
        candidates.append("open")
        #else
        candidates.append("xdg-open")
        #endif
        for command in candidates {
            guard let executable = which(command, environment: environment) else { continue }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = [path]
            do {
                try process.run()
                process.waitUntilExit()
                if process.terminationStatus == 0 { return nil }
                return "\(command) could not open \(path) (exit \(process.terminationStatus))"
            } catch {
                return "cannot run \(command): \(error.localizedDescription)"
            }
        }
        return "cannot open \(path): no browser found (set BROWSER, or install xdg-utils)"
    }

    static func which(_ command: String, environment: [String: String]) -> String? {
        if command.contains("/") { return FileManager.default.isExecutableFile(atPath: command) ? command : nil }
        for dir in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(command)") {
            return "\(dir)/\(command)"
        }
        return nil
    }
}
