import Foundation

/// Goldens pin user-visible text (Markdown, JSON, tables, help, error messages). A mismatch fails
/// with a line diff; `CMLBOT_RECORD_GOLDENS=1` rewrites the files on purpose.
public enum Golden {
    /// Tests/Goldens, found from this source file's location.
    public static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Goldens")

    /// Returns nil when `actual` matches the golden `name`, else a readable failure message.
    public static func check(_ actual: String, named name: String) -> String? {
        let url = directory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["CMLBOT_RECORD_GOLDENS"] == "1" {
            try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? Data(actual.utf8).write(to: url)
            return nil
        }
        guard let data = try? Data(contentsOf: url) else {
            return "golden \(name) is missing; run with CMLBOT_RECORD_GOLDENS=1 to create it. Actual:\n\(actual)"
        }
        let expected = String(decoding: data, as: UTF8.self)
        if expected == actual { return nil }
        return "golden \(name) differs (re-record with CMLBOT_RECORD_GOLDENS=1 if intended):\n" + diff(expected, actual)
    }

    static func diff(_ expected: String, _ actual: String) -> String {
        let e = expected.components(separatedBy: "\n"), a = actual.components(separatedBy: "\n")
        var out: [String] = []
        for i in 0..<max(e.count, a.count) {
            let l = i < e.count ? e[i] : nil, r = i < a.count ? a[i] : nil
            if l != r {
                if let l { out.append("- \(i + 1): \(l)") }
                if let r { out.append("+ \(i + 1): \(r)") }
            }
        }
        return out.prefix(60).joined(separator: "\n")
    }
}
