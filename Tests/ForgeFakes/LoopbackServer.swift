import FlyingFox
import FlyingSocks
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small HTTP server on 127.0.0.1 for transport tests: it answers each request from a script (or a
/// closure) and logs what arrived. Generic on purpose — the fake GitHub/GitLab servers are separate.
public final class LoopbackServer: Sendable {
    /// One scripted answer.
    public struct Reply: Sendable {
        public var status: Int
        /// Sent in this order; FlyingFox joins repeats of a combinable header into one line (but
        /// sends `Set-Cookie` repeats as separate lines).
        public var headers: [(name: String, value: String)]
        public var body: Data
        /// Wait before answering (to trip client timeouts).
        public var delay: Duration

        public init(status: Int = 200, headers: [(name: String, value: String)] = [], body: Data = Data(), delay: Duration = .zero) {
            self.status = status
            self.headers = headers
            self.body = body
            self.delay = delay
        }

        public static func json(_ status: Int, _ json: String, headers: [(name: String, value: String)] = []) -> Reply {
            Reply(status: status, headers: [("Content-Type", "application/json; charset=utf-8")] + headers, body: Data(json.utf8))
        }
    }

    /// One request as the server saw it.
    public struct Received: Sendable {
        public var method: String
        /// Path and query, percent-encoding as sent.
        public var target: String
        public var headers: [(name: String, value: String)]
        public var body: Data

        /// FlyingFox keeps one value per header name (the last line), matched case-insensitively.
        public func header(_ name: String) -> String? {
            headers.last { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    private actor Log {
        var received: [Received] = []
        func append(_ request: Received) -> Int {
            received.append(request)
            return received.count - 1
        }
    }

    public let port: UInt16
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    private let server: HTTPServer
    private let task: Task<Void, any Error>
    private let log: Log

    /// Starts a server whose `respond(request, index)` answers the request numbered `index` (from 0).
    public static func start(_ respond: @escaping @Sendable (Received, Int) async -> Reply) async throws -> LoopbackServer {
        let log = Log()
        let server = HTTPServer(address: try sockaddr_in.inet(ip4: "127.0.0.1", port: 0), timeout: 30, logger: .disabled)
        await server.appendRoute("*") { request in
            let received = Received(method: request.method.rawValue, target: request.target.rawValue,
                                    headers: request.headers.map { (name: $0.key.rawValue, value: $0.value) },
                                    body: try await request.bodyData)
            let index = await log.append(received)
            let reply = await respond(received, index)
            if reply.delay > .zero { try await Task.sleep(for: reply.delay) }
            var headers = HTTPHeaders()
            for (name, value) in reply.headers { headers.addValue(value, for: HTTPHeader(name)) }
            return HTTPResponse(statusCode: HTTPStatusCode(reply.status, phrase: Self.phrase(reply.status)), headers: headers, body: reply.body)
        }
        let task = Task { try await server.run() }
        try await server.waitUntilListening(timeout: 60)
        guard case .ip4(_, let port)? = await server.listeningAddress else {
            task.cancel()
            throw LoopbackServerError.noAddress
        }
        return LoopbackServer(port: port, server: server, task: task, log: log)
    }

    /// Answers requests with `script` in order; past its end with 500 "script exhausted".
    public static func start(script: [Reply]) async throws -> LoopbackServer {
        try await start { _, index in
            index < script.count ? script[index] : Reply(status: 500, body: Data("script exhausted after \(script.count) replies".utf8))
        }
    }

    private init(port: UInt16, server: HTTPServer, task: Task<Void, any Error>, log: Log) {
        self.port = port
        self.server = server
        self.task = task
        self.log = log
    }

    public func requests() async -> [Received] { await log.received }

    public func stop() async {
        await server.stop(timeout: 0)
        task.cancel()
    }

    static func phrase(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 201: return "Created"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 307: return "Temporary Redirect"
        case 308: return "Permanent Redirect"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 422: return "Unprocessable Entity"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        default: return "Status"
        }
    }
}

public enum LoopbackServerError: Error, CustomStringConvertible {
    case noAddress
    case socket(String)

    public var description: String {
        switch self {
        case .noAddress: return "the loopback server did not report its listening address"
        case .socket(let what): return "loopback socket: \(what) failed (errno \(errno))"
        }
    }
}

/// A byte-level server on 127.0.0.1 for what FlyingFox normalises away: it records each request
/// exactly as it arrived (header order, case, repeated lines) and answers with scripted raw bytes
/// (interim `100 Continue` blocks, repeated or folded headers), then closes the connection. It also
/// serves as an HTTP proxy stand-in: a proxied request arrives with an absolute-form target.
public final class RawLoopbackServer: @unchecked Sendable {
    public let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var received: [Data] = []
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)
    private let responses: [Data]

    /// `responses[i]` answers connection `i`; the last one repeats.
    public init(responses: [Data]) throws {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw LoopbackServerError.socket("socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { close(fd); throw LoopbackServerError.socket("bind/listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { close(fd); throw LoopbackServerError.socket("getsockname") }
        port = UInt16(bigEndian: address.sin_port)
        listener = fd
        self.responses = responses
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Raw request bytes (head and body), one entry per connection.
    public var requests: [Data] { lock.withLock { received } }

    /// The request heads as text, one per connection.
    public var requestHeads: [String] {
        requests.map { data in
            let head = data.range(of: Data("\r\n\r\n".utf8)).map { data[..<$0.lowerBound] } ?? data[...]
            return String(decoding: head, as: UTF8.self)
        }
    }

    /// Stops accepting and returns once the port is closed. Only the accept thread closes the
    /// listening descriptor: closing it here could let a parallel test's new socket reuse the number
    /// while this thread is about to call accept on it.
    public func stop() {
        let first = lock.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        finished.wait()
    }

    private func acceptLoop() {
        defer {
            close(listener)
            finished.signal()
        }
        var index = 0
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            let request = readRequest(connection)
            lock.withLock { received.append(request) }
            if !responses.isEmpty {
                let response = responses[min(index, responses.count - 1)]
                response.withUnsafeBytes { buffer in
                    guard let base = buffer.baseAddress else { return }
                    var offset = 0
                    while offset < buffer.count {
                        let n = send(connection, base + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                        if n <= 0 { break }
                        offset += n
                    }
                }
            }
            index += 1
            shutdown(connection, Int32(SHUT_WR))
            close(connection)
        }
    }

    /// Reads the head and a `Content-Length` body; stops at EOF.
    private func readRequest(_ connection: Int32) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var expected: Int?
        while expected.map({ data.count < $0 }) ?? true {
            let n = recv(connection, &buffer, buffer.count, 0)
            if n <= 0 { break }
            data.append(contentsOf: buffer[0..<n])
            if expected == nil, let end = data.range(of: Data("\r\n\r\n".utf8)) {
                let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).lowercased()
                let length = head.split(separator: "\r\n")
                    .first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                expected = end.upperBound - data.startIndex + length
            }
        }
        return data
    }
}
