import CMLBotCore
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

    private static let colours = ["error": ANSI.boldRed, "warning": ANSI.boldYellow, "note": ANSI.boldCyan]

    /// `error: …` → the label in colour. (The text findings format colours itself: FindingsContext.colour.)
    func diagnostic(_ line: String) -> String {
        guard enabled else { return line }
        for (label, code) in Self.colours where line.hasPrefix(label + ":") {
            return ANSI.wrap(label, code) + line.dropFirst(label.count)
        }
        return line
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
