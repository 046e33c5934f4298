import Foundation

/// One HTTP request as the forge clients build it. (Named `Forge…` so it never clashes with the
/// test servers' FlyingFox `HTTPRequest`.)
public struct ForgeRequest: Equatable, Sendable {
    public var method: String
    /// Absolute URL, already percent-encoded as it must go on the wire (GitLab's `group%2Fproject`
    /// stays encoded).
    public var url: String
    /// Header names as sent; order kept for deterministic `--dry-run` output.
    public var headers: [(name: String, value: String)]
    public var body: Data?

    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    public static func == (a: ForgeRequest, b: ForgeRequest) -> Bool {
        a.method == b.method && a.url == b.url && a.body == b.body
            && a.headers.map { "\($0.name):\($0.value)" } == b.headers.map { "\($0.name):\($0.value)" }
    }

    /// Whether repeating the request cannot create a second resource (GET, PUT, PATCH, DELETE).
    public var isIdempotent: Bool { method != "POST" }
}

public struct ForgeResponse: Equatable, Sendable {
    public var status: Int
    /// Header names lower-cased; the last value wins when a header repeats.
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// Sends one request and returns the response. Transport errors (DNS, refused, timeout, TLS) throw
/// `TransportError`; HTTP error statuses are responses, not errors.
public protocol HTTPTransport: Sendable {
    func send(_ request: ForgeRequest) async throws -> ForgeResponse
}

public enum TransportError: Error, Equatable, Sendable, CustomStringConvertible {
    case timedOut(url: String, milliseconds: Int)
    case connectionFailed(url: String, reason: String)
    case tls(url: String, reason: String)
    case other(url: String, reason: String)

    public var description: String {
        switch self {
        case .timedOut(let url, let ms): return "no response from \(url) within \(ms) ms"
        case .connectionFailed(let url, let reason): return "cannot connect to \(url): \(reason)"
        case .tls(let url, let reason): return "TLS failure talking to \(url): \(reason) (set SSL_CERT_FILE or CURL_CA_BUNDLE to your CA bundle)"
        case .other(let url, let reason): return "request to \(url) failed: \(reason)"
        }
    }
}
