import CMLBotCore
import Foundation

/// The operations cmlbot needs from a forge. Each client lists the endpoints it calls.
public protocol ForgeClient: Sendable {
    var kind: ForgeKind { get }
    /// Longest comment body the forge accepts, in characters (GitHub 65,536; GitLab 1,000,000).
    var commentBodyLimit: Int { get }
    /// Whether comments on `target` can be edited in place (GitLab commit comments cannot).
    func supportsUpdate(on target: CommentTarget) -> Bool
    /// Every comment on the target, all pages, oldest first.
    func listComments(on target: CommentTarget) async throws -> [ForgeComment]
    func createComment(on target: CommentTarget, body: String) async throws -> ForgeComment
    func updateComment(on target: CommentTarget, id: Int, body: String) async throws -> ForgeComment
    func deleteComment(on target: CommentTarget, id: Int) async throws
    func setStatus(_ status: CommitStatusRequest) async throws
    /// Open PRs/MRs whose head is `sha` (for push/branch pipelines).
    func pullRequests(forCommit sha: String) async throws -> [Int]
    /// Who the token writes comments as (one request at most; `OwnIdentity` caches it per run).
    /// Throws when the forge cannot say.
    func ownIdentity() async throws -> ForgeIdentity
}

public struct CommitStatusRequest: Equatable, Sendable {
    public var sha: String
    public var state: CommitState
    /// The status name shown on the PR (`cmlbot`).
    public var context: String
    /// One line; clients cut it to the forge's 140-character limit.
    public var description: String
    public var targetURL: String?

    public init(sha: String, state: CommitState, context: String, description: String, targetURL: String?) {
        self.sha = sha
        self.state = state
        self.context = context
        self.description = description
        self.targetURL = targetURL
    }
}

/// A failed forge call, worded for the person reading the CI log. Never contains the token.
public enum ForgeError: UserFacingError, Equatable {
    /// 401/403/404 on a write: the token cannot do this (fork PR, missing permission, wrong repo).
    case notPermitted(operation: String, status: Int, detail: String, hint: String)
    case notFound(operation: String, detail: String)
    case rateLimited(operation: String, detail: String)
    case rejected(operation: String, status: Int, detail: String)
    case server(operation: String, status: Int, detail: String)
    case transport(operation: String, detail: String)
    case badResponse(operation: String, detail: String)

    public var message: String {
        switch self {
        case .notPermitted(let op, let status, let detail, let hint): return "\(op) was refused (HTTP \(status): \(detail)); \(hint)"
        case .notFound(let op, let detail): return "\(op): not found (\(detail)); check the repository/project and PR/MR number, and that the token can see it"
        case .rateLimited(let op, let detail): return "\(op): rate limited (\(detail)); try again later"
        case .rejected(let op, let status, let detail): return "\(op) was rejected (HTTP \(status): \(detail))"
        case .server(let op, let status, let detail): return "\(op) failed with HTTP \(status) (\(detail)); the forge may be having trouble, retry the job"
        case .transport(let op, let detail): return "\(op) failed: \(detail)"
        case .badResponse(let op, let detail): return "\(op): unexpected response (\(detail))"
        }
    }

    /// Whether the token lacks write access (a fork PR's read-only token, typically).
    public var isPermissionProblem: Bool {
        if case .notPermitted = self { return true }
        return false
    }

    /// Whether the request may have taken effect although no answer came back.
    public var outcomeUnknown: Bool {
        switch self {
        case .server, .transport: return true
        default: return false
        }
    }
}

/// Shared plumbing of the clients: send, check status, decode JSON.
struct ForgeHTTP: Sendable {
    let transport: any HTTPTransport
    let baseHeaders: [(name: String, value: String)]
    let permissionHint: String

    func send(_ method: String, _ url: String, json: Any? = nil, operation: String) async throws -> ForgeResponse {
        guard let json else { return try await send(method, url, body: nil, contentType: nil, operation: operation) }
        let body = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .withoutEscapingSlashes])
        return try await send(method, url, body: body, contentType: "application/json", operation: operation)
    }

    /// A request with a body already encoded (multipart uploads).
    func send(_ method: String, _ url: String, body: Data?, contentType: String?, operation: String) async throws -> ForgeResponse {
        var headers = baseHeaders
        if let contentType { headers.append(("Content-Type", contentType)) }
        let response: ForgeResponse
        do {
            response = try await transport.send(ForgeRequest(method: method, url: url, headers: headers, body: body))
        } catch let error as TransportError {
            throw ForgeError.transport(operation: operation, detail: error.description)
        } catch let error as RetryError {
            switch error {
            case .gaveUp(_, _, _, let status?, _) where status == 403 || status == 429:
                throw ForgeError.rateLimited(operation: operation, detail: error.description)
            case .gaveUp(_, _, _, let status?, _):
                throw ForgeError.server(operation: operation, status: status, detail: error.description)
            case .gaveUp:
                throw ForgeError.transport(operation: operation, detail: error.description)
            case .outcomeUnknown(_, _, let status, _):
                // The caller re-reads state before trying again (see StickyComment).
                if let status { throw ForgeError.server(operation: operation, status: status, detail: error.description) }
                throw ForgeError.transport(operation: operation, detail: error.description)
            }
        } catch let error as ForgeError {
            throw error
        } catch {
            throw ForgeError.transport(operation: operation, detail: "\(error)")
        }
        guard (200..<300).contains(response.status) else { throw classify(response, operation: operation) }
        return response
    }

    func classify(_ response: ForgeResponse, operation: String) -> ForgeError {
        let detail = Self.errorDetail(response)
        switch response.status {
        case 401, 403:
            if response.header("x-ratelimit-remaining") == "0" || detail.lowercased().contains("rate limit") {
                return .rateLimited(operation: operation, detail: detail)
            }
            return .notPermitted(operation: operation, status: response.status, detail: detail, hint: permissionHint)
        case 404: return .notFound(operation: operation, detail: detail)
        case 429: return .rateLimited(operation: operation, detail: detail)
        case 500...: return .server(operation: operation, status: response.status, detail: detail)
        default: return .rejected(operation: operation, status: response.status, detail: detail)
        }
    }

    /// The forge's own message (`message`, GitLab's `message`/`error`), else the start of the body.
    static func errorDetail(_ response: ForgeResponse) -> String {
        if let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any] {
            var parts: [String] = []
            if let m = object["message"] { parts.append("\(m)") }
            if let e = object["error"] as? String { parts.append(e) }
            if let errors = object["errors"] as? [[String: Any]] {
                parts += errors.compactMap { $0["message"] as? String ?? $0["code"] as? String }
            }
            if !parts.isEmpty { return String(parts.joined(separator: ": ").prefix(300)) }
        }
        let text = String(decoding: response.body.prefix(200), as: UTF8.self)
            .replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? "empty body" : text
    }

    static func decode(_ response: ForgeResponse, operation: String) throws -> Any {
        do { return try JSONSerialization.jsonObject(with: response.body, options: [.fragmentsAllowed]) }
        catch { throw ForgeError.badResponse(operation: operation, detail: "body is not JSON") }
    }

    static func comment(_ object: Any?, bodyKey: String, urlKey: String?, operation: String) throws -> ForgeComment {
        guard let o = object as? [String: Any], let id = (o["id"] as? NSNumber)?.intValue else {
            throw ForgeError.badResponse(operation: operation, detail: "no comment id")
        }
        let user = o["user"] as? [String: Any]
        let author = ((o["author"] as? [String: Any])?["username"] ?? user?["login"]) as? String
        return ForgeComment(id: id, body: o[bodyKey] as? String ?? "", url: urlKey.flatMap { o[$0] as? String }, author: author,
                            authorType: user?["type"] as? String)
    }
}

/// Percent-encoding for one URL path segment (branch names, file paths) — `/` included.
enum URLPath {
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    static func segment(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? s
    }

    /// The `next` URL from a `Link` header (RFC 8288), followed verbatim.
    static func nextLink(_ header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let target = pieces.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
            if pieces.dropFirst().contains(where: { $0.replacingOccurrences(of: " ", with: "") == "rel=\"next\"" || $0 == "rel=next" }) {
                return String(target.dropFirst().dropLast())
            }
        }
        return nil
    }
}
