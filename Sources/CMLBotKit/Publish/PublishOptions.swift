import CMLBotCore
import CMLBotForge
import Foundation

/// Where and how to publish, shared by `report --publish`, `comment`, `status` and `doctor`.
public struct PublishOptions: Sendable {
    /// The process environment, passed in: the library never reads ProcessInfo itself.
    public var environment: [String: String]
    public var overrides = ContextOverrides()
    /// `--token-env NAME`.
    public var tokenEnv: String?
    /// `auto`, `pr`, `commit`, `pr/N`, `commit/SHA`, `issue/N`.
    public var target = "auto"
    /// The sticky comment's key: one comment per (target, key).
    public var key = "report"
    /// Print the requests instead of sending them.
    public var dryRun = false
    /// Fail (exit 2) instead of degrading to the job summary when the comment cannot be posted.
    public var requireComment = false
    /// Status name on the commit.
    public var statusContext = "cmlbot"
    /// `--upload-charts`: GitLab uploads each chart SVG to the project (`POST /projects/:id/uploads`)
    /// and the comment shows the images instead of the inline charts. GitHub has no such API: there
    /// it needs `assetsBranch`.
    public var uploadCharts = false
    /// `--assets-branch NAME`: GitHub commits the chart SVGs to this branch (created from the default
    /// branch when missing) and the comment links them.
    public var assetsBranch: String?

    public init(environment: [String: String]) { self.environment = environment }
}

public enum PublishError: UserFacingError, Equatable {
    case badTarget(String)
    case noTarget(String)
    case commentRequired(String)
    case statusRequired(String)
    case badAssetsBranch(name: String, reason: String)

    public var kind: FailureKind {
        switch self {
        case .badTarget, .badAssetsBranch: return .usage
        default: return .operational
        }
    }

    public var message: String {
        switch self {
        case .badTarget(let t): return "unknown --target '\(t)'; use auto, pr, commit, pr/N, commit/SHA or issue/N"
        case .noTarget(let why): return "nowhere to publish: \(why)"
        case .commentRequired(let why): return "the comment could not be posted and --require-comment is set: \(why)"
        case .statusRequired(let why): return "the commit status could not be set and --require-status is set: \(why)"
        case .badAssetsBranch(let name, let reason): return "--assets-branch '\(name)' is not a usable branch name (\(reason)); use a plain name such as cmlbot-assets"
        }
    }
}

extension PublishOptions {
    /// Checks `assetsBranch` against git's ref-name rules (git-check-ref-format) before any request,
    /// so a typo is a usage error rather than a 422 halfway through publishing.
    public func validate() throws {
        guard let name = assetsBranch else { return }
        func bad(_ reason: String) -> PublishError { .badAssetsBranch(name: name, reason: reason) }
        if name.isEmpty { throw bad("empty") }
        if name.hasPrefix("-") || name.hasPrefix("/") || name.hasSuffix("/") || name.hasSuffix(".") { throw bad("it cannot start with - or /, nor end with / or .") }
        if name.contains("..") || name.contains("//") || name.contains("@{") || name == "@" { throw bad("it cannot contain '..', '//' or '@{'") }
        if name.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F || "~^:?*[\\".unicodeScalars.contains($0) }) {
            throw bad("spaces, control characters and ~ ^ : ? * [ \\ are not allowed")
        }
        if name.split(separator: "/").contains(where: { $0.hasPrefix(".") || $0.hasSuffix(".lock") }) {
            throw bad("no part may start with . or end with .lock")
        }
        if name.hasPrefix("refs/") { throw bad("give the branch name, without refs/heads/") }
    }
}

/// A transport for `--dry-run`: records each request, answers as a forge with no comments would,
/// sends nothing.
final class DryRunTransport: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var requests: [ForgeRequest] = []
    private var nextID = 1

    func send(_ request: ForgeRequest) async throws -> ForgeResponse {
        let id: Int = lock.withLock {
            requests.append(request)
            defer { nextID += 1 }
            return nextID
        }
        switch request.method {
        case "GET": return ForgeResponse(status: 200, headers: ["content-type": "application/json"], body: Data("[]".utf8))
        case "DELETE": return ForgeResponse(status: 204)
        default:
            var object: [String: Any] = ["id": id, "html_url": "(dry run: no comment was posted)"]
            if let body = request.body, let sent = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
                object["body"] = sent["body"] ?? sent["note"] ?? ""
            }
            return ForgeResponse(status: 201, body: (try? JSONSerialization.data(withJSONObject: object)) ?? Data())
        }
    }

    /// The recorded requests as text, tokens masked.
    func transcript(masker: TokenMasker) -> String {
        let recorded = lock.withLock { requests }
        var out = ""
        for r in recorded {
            out += "\(r.method) \(masker.mask(r.url))\n"
            for h in r.headers {
                let sensitive = ["authorization", "private-token", "job-token"].contains(h.name.lowercased())
                out += "  \(h.name): \(sensitive ? "***" : masker.mask(h.value))\n"
            }
            if let body = r.body {
                out += "  body (\(body.count) bytes): " + masker.mask(String(decoding: body.prefix(400), as: UTF8.self)) + (body.count > 400 ? "…" : "") + "\n"
            }
        }
        return out
    }
}

/// GitHub Actions file commands: the job summary and step outputs.
enum ActionsFiles {
    /// GitHub rejects a step summary over 1 MiB; stay under it.
    static let summaryLimit = 1_000_000

    static func appendSummary(_ markdown: String, to path: String) throws {
        var text = markdown
        if text.utf8.count > summaryLimit {
            text = String(decoding: Data(text.utf8).prefix(summaryLimit - 200), as: UTF8.self)
            text += "\n\n_Report cut to fit the job summary limit; the full report is in the job's artifacts._\n"
        }
        try append(text + "\n", to: path)
    }

    /// `name=value` lines; multi-line values use the heredoc form with a delimiter not in the value.
    static func setOutputs(_ outputs: [(String, String)], to path: String) throws {
        var text = ""
        for (name, value) in outputs {
            if value.contains("\n") {
                var delimiter = "CMLBOT_EOF"
                while value.contains(delimiter) { delimiter += "_" }
                text += "\(name)<<\(delimiter)\n\(value)\n\(delimiter)\n"
            } else {
                text += "\(name)=\(value)\n"
            }
        }
        try append(text, to: path)
    }

    static func append(_ text: String, to path: String) throws {
        do {
            if !FileManager.default.fileExists(atPath: path) {
                guard FileManager.default.createFile(atPath: path, contents: nil) else { throw KitError.cannotWrite(path: path, reason: "cannot create it") }
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
        } catch let error as KitError {
            throw error
        } catch {
            throw KitError.cannotWrite(path: path, reason: (error as NSError).localizedDescription)
        }
    }
}
