import CCurl
import Foundation

/// `HTTPTransport` over libcurl (see reference/swift-native.md for why not URLSession on Linux).
///
/// One easy handle per request (and per redirect hop), created, used and freed on one worker
/// thread: libcurl handles are not thread-safe, and `curl_easy_perform` blocks, which must never
/// happen on Swift's cooperative pool (it has only as many threads as cores).
///
/// Behaviour callers can rely on:
/// * Timeouts are milliseconds: `connectTimeout` covers DNS + TCP + TLS, `totalTimeout` the whole
///   exchange of one hop. A connect timeout is reported as `connectionFailed` (nothing was sent, so
///   a retry is safe even for POST); a timeout after connecting is `timedOut`.
/// * Redirects are followed only for GET and HEAD, only on 301/302/307/308 (GitHub answers 301
///   for a renamed or transferred repository), at most `maxRedirects` hops. Credential headers are
///   dropped when a redirect leaves the origin (scheme, host, port), so a token never follows a
///   redirect to another host. Other methods get the 3xx response back: re-sending a POST to a
///   new place is the caller's decision.
/// * Request headers go out as given (order, case, repeats); an empty value is sent as an empty
///   header. `Expect:` is suppressed on bodies (no 1 s wait for `100 Continue`), and so is curl's
///   default form `Content-Type` when the caller sets none.
/// * Response header names are lower-cased, the last value of a repeated header wins, and only the
///   final response block counts (not `100 Continue`, proxy `CONNECT` answers or redirect hops).
/// * Proxies and CA certificates come from the `environment` value (see `ProxySettings` and
///   `CACertificates`); the process environment is never read.
/// * Errors never contain credential header values or URL tokens.
public struct CurlTransport: HTTPTransport {
    public struct Configuration: Sendable {
        public var connectTimeout: Duration
        public var totalTimeout: Duration
        /// Redirect hops followed for GET/HEAD; 0 returns every 3xx to the caller.
        public var maxRedirects: Int
        /// Bodies beyond this abort the transfer: an API answer that large is a wrong URL, not data.
        public var maxResponseBytes: Int
        public var proxy: ProxySettings
        public var caCertificates: CACertificates

        public init(environment: [String: String],
                    connectTimeout: Duration = .seconds(10),
                    totalTimeout: Duration = .seconds(60),
                    maxRedirects: Int = 5,
                    maxResponseBytes: Int = 64 << 20) {
            self.connectTimeout = connectTimeout
            self.totalTimeout = totalTimeout
            self.maxRedirects = maxRedirects
            self.maxResponseBytes = maxResponseBytes
            self.proxy = ProxySettings(environment: environment)
            self.caCertificates = CACertificates(environment: environment)
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// `environment` is the process environment as a value (the CLI passes
    /// `ProcessInfo.processInfo.environment`); only the proxy and CA variables are read from it.
    public init(environment: [String: String], connectTimeout: Duration = .seconds(10), totalTimeout: Duration = .seconds(60)) {
        self.init(configuration: Configuration(environment: environment, connectTimeout: connectTimeout, totalTimeout: totalTimeout))
    }

    /// `curl_global_init` is not thread-safe and must run once before any handle exists; a
    /// `static let` is initialised exactly once, atomically.
    static let globalInit: CURLcode = cmlbot_curl_global_init_default()

    public func send(_ request: ForgeRequest) async throws -> ForgeResponse {
        try Task.checkCancellation()
        let configuration = self.configuration
        let cancellation = CancellationFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ForgeResponse, any Error>) in
                // A dedicated thread, not a GCD queue: a perform may block for a minute, GCD's
                // pool is sized to the cores like the cooperative one, and a CLI sends few enough
                // requests that a thread each costs nothing measurable.
                let thread = Thread {
                    continuation.resume(with: Result {
                        try CurlTransport.perform(request, configuration: configuration, cancellation: cancellation)
                    })
                }
                thread.name = "cmlbot-curl"
                thread.start()
            }
        } onCancel: {
            cancellation.cancel()
        }
    }

    /// Sends `request` on the calling thread, following GET/HEAD redirects as documented above.
    static func perform(_ request: ForgeRequest, configuration: Configuration, cancellation: CancellationFlag) throws -> ForgeResponse {
        let redactor = Redactor(headers: request.headers)
        guard globalInit == CURLE_OK else {
            throw TransportError.other(url: Redactor.redactURL(request.url),
                                       reason: "libcurl failed to initialise (\(describe(globalInit))); check the libcurl installation")
        }
        let method = request.method.uppercased()
        let followsRedirects = method == "GET" || method == "HEAD"
        var url = request.url
        var headers = request.headers
        var hops = 0
        while true {
            let hop = try CurlHop(method: method, url: url, headers: headers, body: request.body,
                                  configuration: configuration, cancellation: cancellation, redactor: redactor).run()
            if followsRedirects, [301, 302, 307, 308].contains(hop.status), let location = hop.redirectURL,
               hops < configuration.maxRedirects {
                hops += 1
                if !sameOrigin(url, location) {
                    headers = headers.filter { !Redactor.credentialHeaders.contains($0.name.lowercased()) }
                }
                url = location
                continue
            }
            return ForgeResponse(status: hop.status, headers: hop.headers, body: hop.body)
        }
    }

    static func sameOrigin(_ a: String, _ b: String) -> Bool {
        guard let x = URLComponents(string: a), let y = URLComponents(string: b) else { return false }
        func port(_ c: URLComponents) -> Int? { c.port ?? (c.scheme?.lowercased() == "https" ? 443 : c.scheme?.lowercased() == "http" ? 80 : nil) }
        return x.scheme?.lowercased() == y.scheme?.lowercased() && x.host?.lowercased() == y.host?.lowercased() && port(x) == port(y)
    }

    static func describe(_ code: CURLcode) -> String {
        "curl error \(code.rawValue): \(String(cString: curl_easy_strerror(code)))"
    }
}

/// Set from any thread when the awaiting task is cancelled; polled by libcurl's progress callback.
final class CancellationFlag: @unchecked Sendable {
    // NSLock rather than Synchronization.Mutex: the package still targets macOS 13.
    private let lock = NSLock()
    private var cancelled = false

    func cancel() { lock.withLock { cancelled = true } }
    var isCancelled: Bool { lock.withLock { cancelled } }
}

/// What the C callbacks write into during one transfer. Owned by `CurlHop.run`, which keeps it
/// alive (and the thread the only one touching it) until `curl_easy_perform` returns.
final class TransferState {
    var headers = ResponseHeaderParser()
    var body = Data()
    var bodyLimitExceeded = false
    let maxBodyBytes: Int
    let cancellation: CancellationFlag

    init(maxBodyBytes: Int, cancellation: CancellationFlag) {
        self.maxBodyBytes = maxBodyBytes
        self.cancellation = cancellation
    }
}

/// One request/response exchange on one easy handle.
struct CurlHop {
    struct HopResult {
        var status: Int
        var headers: [String: String]
        var body: Data
        /// The `Location` of a 3xx, resolved against the request URL by libcurl.
        var redirectURL: String?
    }

    let method: String
    let url: String
    let headers: [(name: String, value: String)]
    let body: Data?
    let configuration: CurlTransport.Configuration
    let cancellation: CancellationFlag
    let redactor: Redactor

    private var shownURL: String { Redactor.redactURL(url) }

    /// POST, PUT and PATCH always carry a body (maybe empty, so `Content-Length: 0` goes out:
    /// GitHub answers 411 to a body-less PUT); other methods only when given one.
    private var sendsBody: Bool { method != "HEAD" && (body != nil || ["POST", "PUT", "PATCH"].contains(method)) }

    func run() throws -> HopResult {
        guard method.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "-") }), !method.isEmpty else {
            throw TransportError.other(url: shownURL, reason: "invalid HTTP method \"\(method)\"")
        }
        guard let handle = curl_easy_init() else {
            throw TransportError.other(url: shownURL, reason: "libcurl could not create a handle (out of memory?)")
        }
        defer { curl_easy_cleanup(handle) }

        // The header list is not copied by libcurl: it must outlive curl_easy_perform.
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        for line in try headerLines() {
            guard let appended = curl_slist_append(headerList, line) else {
                throw TransportError.other(url: shownURL, reason: "libcurl could not build the header list (out of memory?)")
            }
            headerList = appended
        }

        // Neither is the body (CURLOPT_POSTFIELDS) nor the error buffer.
        let bodyBytes = body ?? Data()
        let bodyBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bodyBytes.count, 1), alignment: 1)
        defer { bodyBuffer.deallocate() }
        bodyBytes.copyBytes(to: bodyBuffer)
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        let state = TransferState(maxBodyBytes: configuration.maxResponseBytes, cancellation: cancellation)
        let stateRef = Unmanaged.passRetained(state)
        defer { stateRef.release() }
        let userdata = stateRef.toOpaque()

        func set(_ code: CURLcode, _ option: String) throws {
            guard code == CURLE_OK else {
                throw TransportError.other(url: shownURL, reason: "libcurl rejected \(option) (\(CurlTransport.describe(code)))")
            }
        }

        try set(cmlbot_curl_setopt_string(handle, CURLOPT_URL, url), "the URL")
        // No SIGALRM-based DNS timeouts: signals and threads do not mix.
        try set(cmlbot_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "CURLOPT_NOSIGNAL")
        try set(cmlbot_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(configuration.connectTimeout)), "the connect timeout")
        try set(cmlbot_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(configuration.totalTimeout)), "the timeout")
        // Redirects are followed by CurlTransport.perform, which can strip credentials per hop.
        try set(cmlbot_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0), "CURLOPT_FOLLOWLOCATION")
        // file://, ftp:// etc. can only come from a mistake or an attacker-controlled URL.
        _ = cmlbot_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        // Decompression is free and large comment lists compress well.
        _ = cmlbot_curl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, "")
        // A proxy's CONNECT answer is not the response; the parser resets anyway, this saves work.
        _ = cmlbot_curl_setopt_long(handle, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1)
        try set(cmlbot_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList), "the request headers")
        try set(cmlbot_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "CURLOPT_ERRORBUFFER")

        try configureMethod(handle, body: bodyBuffer, count: bodyBytes.count, set: set)
        try configureProxy(handle, set: set)
        if let bundle = configuration.caCertificates.bundle {
            try set(cmlbot_curl_setopt_string(handle, CURLOPT_CAINFO, bundle.path), "the CA bundle from \(bundle.source)")
        }
        if let directory = configuration.caCertificates.directory {
            try set(cmlbot_curl_setopt_string(handle, CURLOPT_CAPATH, directory.path), "the CA directory from \(directory.source)")
        }

        try set(cmlbot_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, userdata in
            let total = size * count
            guard let userdata else { return 0 }
            let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
            if state.body.count + total > state.maxBodyBytes {
                state.bodyLimitExceeded = true
                return 0 // anything but size*nmemb aborts the transfer with CURLE_WRITE_ERROR
            }
            if let data, total > 0 { state.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: total) }
            return total
        }, "the body callback")
        try set(cmlbot_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, userdata), "CURLOPT_WRITEDATA")
        try set(cmlbot_curl_setopt_callback(handle, CURLOPT_HEADERFUNCTION) { data, size, count, userdata in
            let total = size * count
            guard let userdata else { return 0 }
            let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
            if let data { state.headers.consume(UnsafeRawBufferPointer(start: data, count: total)) }
            return total
        }, "the header callback")
        try set(cmlbot_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, userdata), "CURLOPT_HEADERDATA")
        // The progress callback is libcurl's only hook that runs while a transfer waits: it lets a
        // cancelled task abort the request within about a second instead of after the timeout.
        try set(cmlbot_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0), "CURLOPT_NOPROGRESS")
        try set(cmlbot_curl_setopt_xferinfo(handle) { userdata, _, _, _, _ in
            guard let userdata else { return 0 }
            return Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue().cancellation.isCancelled ? 1 : 0
        }, "the progress callback")
        try set(cmlbot_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, userdata), "CURLOPT_XFERINFODATA")

        let code = curl_easy_perform(handle)
        if cancellation.isCancelled { throw CancellationError() }
        guard code == CURLE_OK else {
            throw mapError(code, handle: handle, detail: String(cString: errorBuffer), state: state)
        }

        var status = 0
        _ = cmlbot_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var redirect: UnsafeMutablePointer<CChar>?
        _ = cmlbot_curl_getinfo_string(handle, CURLINFO_REDIRECT_URL, &redirect)
        return HopResult(status: status, headers: state.headers.headers, body: state.body,
                      redirectURL: redirect.map { String(cString: $0) })
    }

    /// `Name: value` lines for libcurl, rejecting what would corrupt the request.
    func headerLines() throws -> [String] {
        var lines: [String] = []
        var names: Set<String> = []
        for (name, value) in headers {
            let isToken = !name.isEmpty && name.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 32 && $0.value < 127 && $0 != ":" }
            guard isToken else {
                throw TransportError.other(url: shownURL, reason: "invalid request header name \"\(redactor.scrub(name))\"")
            }
            // A CR or LF in a value would start a new header or end the head early.
            guard !value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
                throw TransportError.other(url: shownURL, reason: "request header \(name) contains a line break; refusing to send it")
            }
            names.insert(name.lowercased())
            // libcurl reads "Name:" as "remove this header"; "Name;" sends it with an empty value.
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        if sendsBody {
            // libcurl adds `Expect: 100-continue` to larger bodies and then waits up to a second for
            // a go-ahead many servers never send.
            if !names.contains("expect") { lines.append("Expect:") }
            // Otherwise libcurl labels every POSTFIELDS body application/x-www-form-urlencoded.
            if !names.contains("content-type") { lines.append("Content-Type:") }
        }
        return lines
    }

    private func configureMethod(_ handle: UnsafeMutableRawPointer, body buffer: UnsafeMutableRawBufferPointer, count: Int,
                                 set: (CURLcode, String) throws -> Void) throws {
        switch method {
        case "HEAD":
            try set(cmlbot_curl_setopt_long(handle, CURLOPT_NOBODY, 1), "HEAD")
        case "GET" where body == nil:
            try set(cmlbot_curl_setopt_long(handle, CURLOPT_HTTPGET, 1), "GET")
        default:
            if sendsBody {
                try set(cmlbot_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(count)), "the body size")
                try set(cmlbot_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, buffer.baseAddress), "the body")
            }
            if method != "POST" {
                try set(cmlbot_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method), "the method")
            }
        }
    }

    private func configureProxy(_ handle: UnsafeMutableRawPointer, set: (CURLcode, String) throws -> Void) throws {
        let scheme = URLComponents(string: url)?.scheme ?? ""
        // "" = no proxy; any value also stops libcurl from reading proxy variables with getenv.
        try set(cmlbot_curl_setopt_string(handle, CURLOPT_PROXY, configuration.proxy.proxy(forScheme: scheme) ?? ""), "the proxy")
        // "" = no exceptions; also stops libcurl from reading no_proxy with getenv.
        try set(cmlbot_curl_setopt_string(handle, CURLOPT_NOPROXY, configuration.proxy.noProxy ?? ""), "no_proxy")
    }

    private func mapError(_ code: CURLcode, handle: UnsafeMutableRawPointer, detail rawDetail: String, state: TransferState) -> any Error {
        let detail = redactor.scrub(rawDetail.isEmpty ? String(cString: curl_easy_strerror(code)) : rawDetail)
        let host = URLComponents(string: url)?.host ?? url
        switch code {
        case CURLE_ABORTED_BY_CALLBACK:
            return CancellationError()
        case CURLE_OPERATION_TIMEDOUT:
            var connectTime: curl_off_t = 0
            _ = cmlbot_curl_getinfo_off(handle, CURLINFO_CONNECT_TIME_T, &connectTime)
            if connectTime == 0 {
                // Never connected, so nothing was sent: callers may retry even a POST.
                let limit = min(Self.milliseconds(configuration.connectTimeout), Self.milliseconds(configuration.totalTimeout))
                return TransportError.connectionFailed(url: shownURL, reason: "no connection to \(host) within \(limit) ms (\(detail))")
            }
            return TransportError.timedOut(url: shownURL, milliseconds: Self.milliseconds(configuration.totalTimeout))
        case CURLE_COULDNT_RESOLVE_HOST:
            return TransportError.connectionFailed(url: shownURL, reason: "cannot resolve host \(host) (check the API URL and DNS)")
        case CURLE_COULDNT_RESOLVE_PROXY:
            return TransportError.connectionFailed(url: shownURL, reason: "cannot resolve the proxy host (check https_proxy / http_proxy / all_proxy): \(detail)")
        case CURLE_COULDNT_CONNECT:
            return TransportError.connectionFailed(url: shownURL, reason: detail)
        case CURLE_SSL_CACERT_BADFILE:
            let source = configuration.caCertificates.bundle.map { "\($0.path) (from \($0.source))" } ?? "the system CA bundle"
            return TransportError.tls(url: shownURL, reason: "cannot read CA certificates from \(source): \(detail)")
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_SHUTDOWN_FAILED,
             CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
             CURLE_SSL_CLIENTCERT:
            return TransportError.tls(url: shownURL, reason: detail)
        case CURLE_WRITE_ERROR where state.bodyLimitExceeded:
            return TransportError.other(url: shownURL, reason: "response body larger than \(configuration.maxResponseBytes) bytes; is the URL right?")
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return TransportError.other(url: shownURL, reason: "not a usable http(s) URL (\(detail)); check the API URL setting")
        case CURLE_RECV_ERROR where rawDetail.contains("CONNECT tunnel failed"):
            // The proxy said no before anything reached the forge, so this is safe to retry.
            return TransportError.connectionFailed(url: shownURL, reason: "the proxy refused the tunnel (\(detail)); check https_proxy / all_proxy / no_proxy")
        case CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            // The request may have reached the server: not a connectionFailed.
            return TransportError.other(url: shownURL, reason: "connection dropped during the exchange: \(detail)")
        default:
            return TransportError.other(url: shownURL, reason: "\(CurlTransport.describe(code)): \(detail)")
        }
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
