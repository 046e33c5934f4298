import ForgeFakes
import Foundation
import Testing
@testable import CMLBotForge

/// `CurlTransport` against real sockets on 127.0.0.1: FlyingFox for ordinary exchanges, a byte-level
/// server where the wire format itself is the subject. No test needs the network.
@Suite struct CurlTransportTests {
    static let canary = "glpat-CANARY-9f8e7d6c5b4a-CANARY"
    static let transport = CurlTransport(environment: [:], connectTimeout: .seconds(5), totalTimeout: .seconds(20))

    static func json(_ value: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data()
    }

    /// Echoes method, target and body back, with a few response headers in odd case.
    static func echoServer() async throws -> LoopbackServer {
        try await LoopbackServer.start { request, _ in
            LoopbackServer.Reply(status: 200, headers: [("X-Echo-Method", request.method), ("X-Echo-Target", request.target)], body: request.body)
        }
    }

    // MARK: Methods and bodies

    @Test func getReturnsStatusHeadersAndBody() async throws {
        let server = try await LoopbackServer.start(script: [
            .json(200, #"[{"id":1,"body":"hi"}]"#, headers: [("X-RateLimit-Remaining", "4999"), ("Link", #"<http://x/?page=2>; rel="next""#)]),
        ])
        defer { Task { await server.stop() } }
        let response = try await Self.transport.send(ForgeRequest(method: "GET", url: server.baseURL + "/repos/o/r/issues/1/comments?per_page=100",
                                                                   headers: [("User-Agent", "cmlbot/test"), ("Accept", "application/vnd.github+json"),
                                                                             ("X-GitHub-Api-Version", "2022-11-28")]))
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == #"[{"id":1,"body":"hi"}]"#)
        #expect(response.headers["x-ratelimit-remaining"] == "4999")
        #expect(response.header("X-RateLimit-Remaining") == "4999")
        #expect(response.headers["link"] == #"<http://x/?page=2>; rel="next""#)
        #expect(response.headers["content-type"] == "application/json; charset=utf-8")
        #expect(response.headers.keys.allSatisfy { $0 == $0.lowercased() })
        let received = try #require(await server.requests().first)
        #expect(received.method == "GET")
        #expect(received.target == "/repos/o/r/issues/1/comments?per_page=100")
        #expect(received.header("user-agent") == "cmlbot/test")
        #expect(received.header("x-github-api-version") == "2022-11-28")
        #expect(received.header("content-length") == nil)
    }

    @Test(arguments: ["POST", "PATCH", "PUT", "DELETE"])
    func methodsWithBodies(method: String) async throws {
        let server = try await Self.echoServer()
        defer { Task { await server.stop() } }
        let body = Self.json(["body": "report ✓", "n": 1])
        let response = try await Self.transport.send(ForgeRequest(method: method, url: server.baseURL + "/api/v4/projects/g%2Fp/notes",
                                                                   headers: [("Content-Type", "application/json")], body: body))
        #expect(response.status == 200)
        #expect(response.header("x-echo-method") == method)
        #expect(response.header("x-echo-target") == "/api/v4/projects/g%2Fp/notes")
        #expect(response.body == body)
        let received = try #require(await server.requests().first)
        #expect(received.header("content-type") == "application/json")
        #expect(received.header("content-length") == String(body.count))
        #expect(received.header("expect") == nil)
    }

    @Test func bodylessWritesSendContentLengthZeroAndDeleteSendsNone() async throws {
        let server = try await Self.echoServer()
        defer { Task { await server.stop() } }
        for method in ["PUT", "POST", "DELETE"] {
            _ = try await Self.transport.send(ForgeRequest(method: method, url: server.baseURL + "/lock"))
        }
        let received = await server.requests()
        #expect(received.map(\.method) == ["PUT", "POST", "DELETE"])
        #expect(received[0].header("content-length") == "0")
        #expect(received[1].header("content-length") == "0")
        #expect(received[2].header("content-length") == nil)
        // curl's default form content type is suppressed when the caller sets none.
        #expect(received[1].header("content-type") == nil)
    }

    @Test(arguments: [200, 201, 204, 404, 422, 500])
    func statusCodesAreResponsesNotErrors(status: Int) async throws {
        let body = status == 204 ? "" : #"{"message":"status \#(status)"}"#
        let server = try await LoopbackServer.start(script: [.json(status, body)])
        defer { Task { await server.stop() } }
        let response = try await Self.transport.send(ForgeRequest(method: "POST", url: server.baseURL + "/x", body: Data("{}".utf8)))
        #expect(response.status == status)
        #expect(String(decoding: response.body, as: UTF8.self) == body)
    }

    @Test func twoMegabyteBodiesBothWays() async throws {
        let server = try await Self.echoServer()
        defer { Task { await server.stop() } }
        let body = Data((0..<(2 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) })
        let response = try await Self.transport.send(ForgeRequest(method: "POST", url: server.baseURL + "/upload", body: body))
        #expect(response.status == 200)
        #expect(response.body.count == body.count)
        #expect(response.body == body)
    }

    @Test func binaryBodiesKeepEveryByteIncludingNUL() async throws {
        let server = try await Self.echoServer()
        defer { Task { await server.stop() } }
        let body = Data((0..<1024).map { UInt8($0 % 256) }) + Data([0, 0, 0xFF, 0x0D, 0x0A, 0x0D, 0x0A])
        let response = try await Self.transport.send(ForgeRequest(method: "PUT", url: server.baseURL + "/blob",
                                                                   headers: [("Content-Type", "application/octet-stream")], body: body))
        #expect(response.body == body)
        #expect(try #require(await server.requests().first).body == body)
    }

    @Test func responseBodyCapAbortsInsteadOfFillingMemory() async throws {
        let server = try await LoopbackServer.start(script: [.init(status: 200, body: Data(count: 100_000))])
        defer { Task { await server.stop() } }
        var configuration = CurlTransport.Configuration(environment: [:])
        configuration.maxResponseBytes = 10_000
        await #expect(throws: TransportError.other(url: server.baseURL + "/big", reason: "response body larger than 10000 bytes; is the URL right?")) {
            try await CurlTransport(configuration: configuration).send(ForgeRequest(method: "GET", url: server.baseURL + "/big"))
        }
    }

    // MARK: Redirects

    @Test func getFollows301WithinTheOriginKeepingCredentials() async throws {
        let server = try await LoopbackServer.start { request, _ in
            request.target.hasPrefix("/repos/old/")
                ? .init(status: 301, headers: [("Location", "/repositories/42/issues/1/comments")], body: Data(#"{"message":"Moved Permanently"}"#.utf8))
                : .json(200, "[]")
        }
        defer { Task { await server.stop() } }
        let response = try await Self.transport.send(ForgeRequest(method: "GET", url: server.baseURL + "/repos/old/name/issues/1/comments",
                                                                   headers: [("Authorization", "Bearer \(Self.canary)")]))
        #expect(response.status == 200)
        let received = await server.requests()
        #expect(received.map(\.target) == ["/repos/old/name/issues/1/comments", "/repositories/42/issues/1/comments"])
        #expect(received[1].header("authorization") == "Bearer \(Self.canary)")
    }

    @Test(arguments: [302, 307, 308])
    func getFollowsOtherRedirects(status: Int) async throws {
        let server = try await LoopbackServer.start(script: [.init(status: status, headers: [("Location", "/b")]), .json(200, "{}")])
        defer { Task { await server.stop() } }
        #expect(try await Self.transport.send(ForgeRequest(method: "GET", url: server.baseURL + "/a")).status == 200)
    }

    @Test func redirectToAnotherOriginDropsCredentialHeaders() async throws {
        let target = try await LoopbackServer.start(script: [.json(200, "{}")])
        defer { Task { await target.stop() } }
        let origin = try await LoopbackServer.start(script: [.init(status: 302, headers: [("Location", target.baseURL + "/elsewhere")])])
        defer { Task { await origin.stop() } }
        let response = try await Self.transport.send(ForgeRequest(method: "GET", url: origin.baseURL + "/x", headers: [
            ("User-Agent", "cmlbot/test"), ("Authorization", "Bearer \(Self.canary)"), ("PRIVATE-TOKEN", Self.canary), ("JOB-TOKEN", Self.canary),
        ]))
        #expect(response.status == 200)
        let received = try #require(await target.requests().first)
        #expect(received.target == "/elsewhere")
        #expect(received.header("user-agent") == "cmlbot/test")
        #expect(received.header("authorization") == nil)
        #expect(received.header("private-token") == nil)
        #expect(received.header("job-token") == nil)
    }

    @Test func writesAndSeeOtherAreNotFollowed() async throws {
        let server = try await LoopbackServer.start { _, _ in .init(status: 301, headers: [("Location", "/moved")]) }
        defer { Task { await server.stop() } }
        let post = try await Self.transport.send(ForgeRequest(method: "POST", url: server.baseURL + "/x", body: Data("{}".utf8)))
        #expect(post.status == 301)
        #expect(post.header("location") == "/moved")
        let see = try await LoopbackServer.start(script: [.init(status: 303, headers: [("Location", "/other")])])
        defer { Task { await see.stop() } }
        #expect(try await Self.transport.send(ForgeRequest(method: "GET", url: see.baseURL + "/x")).status == 303)
        #expect(await server.requests().count == 1)
    }

    @Test func redirectLoopsStopAtTheLimit() async throws {
        let server = try await LoopbackServer.start { _, _ in .init(status: 302, headers: [("Location", "/again")]) }
        defer { Task { await server.stop() } }
        let response = try await Self.transport.send(ForgeRequest(method: "GET", url: server.baseURL + "/x"))
        #expect(response.status == 302)
        #expect(await server.requests().count == 6) // the request plus 5 hops
    }

    // MARK: Failures

    @Test func slowResponsePastTheTotalTimeoutTimesOut() async throws {
        let server = try await LoopbackServer.start(script: [.init(status: 200, delay: .seconds(10))])
        defer { Task { await server.stop() } }
        let fast = CurlTransport(environment: [:], connectTimeout: .seconds(2), totalTimeout: .milliseconds(300))
        let started = ContinuousClock.now
        await #expect(throws: TransportError.timedOut(url: server.baseURL + "/slow", milliseconds: 300)) {
            try await fast.send(ForgeRequest(method: "GET", url: server.baseURL + "/slow"))
        }
        // Well before the 10 s the server takes, with room for a loaded machine.
        #expect(ContinuousClock.now - started < .seconds(8))
    }

    @Test func connectionRefusedOnAClosedPort() async throws {
        let closed = try RawLoopbackServer(responses: [])
        closed.stop()
        let url = closed.baseURL + "/x"
        do {
            _ = try await Self.transport.send(ForgeRequest(method: "GET", url: url))
            Issue.record("expected connectionFailed")
        } catch let TransportError.connectionFailed(failedURL, reason) {
            #expect(failedURL == url)
            #expect(reason.contains("127.0.0.1"))
        }
    }

    @Test func unresolvableHostIsAConnectionFailure() async throws {
        // `.invalid` never resolves (RFC 6761), with or without a network.
        do {
            _ = try await Self.transport.send(ForgeRequest(method: "GET", url: "http://cmlbot-test.invalid/x"))
            Issue.record("expected connectionFailed")
        } catch let TransportError.connectionFailed(_, reason) {
            #expect(reason.contains("cannot resolve host cmlbot-test.invalid"))
        }
    }

    @Test func tlsToAPlainHTTPServerIsATLSError() async throws {
        let server = try await LoopbackServer.start(script: [.json(200, "{}")])
        defer { Task { await server.stop() } }
        let url = "https://127.0.0.1:\(server.port)/x"
        let error = await #expect(throws: TransportError.self) { try await Self.transport.send(ForgeRequest(method: "GET", url: url)) }
        guard case .tls(let failedURL, _)? = error else { Issue.record("expected a TLS error, got \(String(describing: error))"); return }
        #expect(failedURL == url)
    }

    @Test(arguments: ["CURL_CA_BUNDLE", "SSL_CERT_FILE"])
    func caBundleComesFromTheEnvironmentValue(variable: String) async throws {
        let server = try RawLoopbackServer(responses: [])
        defer { server.stop() }
        let transport = CurlTransport(environment: [variable: "/nonexistent/cmlbot-ca.pem"], connectTimeout: .seconds(2), totalTimeout: .seconds(5))
        #expect(transport.configuration.caCertificates.bundle?.path == "/nonexistent/cmlbot-ca.pem")
        let error = await #expect(throws: TransportError.self) {
            try await transport.send(ForgeRequest(method: "GET", url: "https://127.0.0.1:\(server.port)/x"))
        }
        guard case .tls(_, let reason)? = error else { Issue.record("expected a TLS error, got \(String(describing: error))"); return }
        #expect(reason.contains("/nonexistent/cmlbot-ca.pem (from \(variable))"))
    }

    @Test func cancellationAbortsAWaitingRequest() async throws {
        let server = try await LoopbackServer.start(script: [.init(status: 200, delay: .seconds(20))])
        defer { Task { await server.stop() } }
        let started = ContinuousClock.now
        let task = Task { try await Self.transport.send(ForgeRequest(method: "GET", url: server.baseURL + "/slow")) }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func headerValuesWithLineBreaksAreRefusedWithoutEchoingThem() async throws {
        let request = ForgeRequest(method: "GET", url: "http://127.0.0.1:9/x", headers: [("Authorization", "Bearer \(Self.canary)\r\nX-Evil: 1")])
        do {
            _ = try await Self.transport.send(request)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "request to http://127.0.0.1:9/x failed: request header Authorization contains a line break; refusing to send it")
        }
    }

    @Test func noTokenInTransportErrors() async throws {
        let closed = try RawLoopbackServer(responses: [])
        closed.stop()
        let slow = try await LoopbackServer.start(script: [.init(status: 200, delay: .seconds(10))])
        defer { Task { await slow.stop() } }
        let headers = [("Authorization", "Bearer \(Self.canary)"), ("PRIVATE-TOKEN", Self.canary), ("JOB-TOKEN", Self.canary)]
        let fast = CurlTransport(environment: [:], connectTimeout: .seconds(2), totalTimeout: .milliseconds(300))
        var texts: [String] = []
        for url in ["\(closed.baseURL)/x?private_token=\(Self.canary)", "\(slow.baseURL)/y?job_token=\(Self.canary)",
                    "ftp://user:\(Self.canary)@127.0.0.1/z", "http://user:\(Self.canary)@cmlbot-test.invalid/"] {
            do {
                _ = try await fast.send(ForgeRequest(method: "POST", url: url, headers: headers, body: Data("{}".utf8)))
                Issue.record("expected an error for \(url)")
            } catch {
                texts.append("\(error)")
                texts.append(String(reflecting: error))
            }
        }
        #expect(texts.count == 8)
        for text in texts { #expect(!text.contains(Self.canary), "leaked: \(text)") }
        #expect(texts[0].contains("private_token=***"))
    }

    // MARK: The wire, byte for byte

    static func raw(_ text: String) -> Data { Data(text.replacingOccurrences(of: "\n", with: "\r\n").utf8) }

    @Test func requestHeadersGoOutInOrderWithCaseRepeatsAndEmptyValues() async throws {
        let server = try RawLoopbackServer(responses: [Self.raw("HTTP/1.1 201 Created\nContent-Length: 2\nConnection: close\n\n{}")])
        defer { server.stop() }
        let body = Data(repeating: 0x61, count: 200_000) // large enough that curl would otherwise send Expect
        let response = try await Self.transport.send(ForgeRequest(method: "POST", url: server.baseURL + "/x", headers: [
            ("X-Multi", "one"), ("X-Multi", "two"), ("x-lower-Case", "v"), ("X-Empty", ""), ("Content-Type", "text/plain"),
        ], body: body))
        #expect(response.status == 201)
        let head = try #require(server.requestHeads.first)
        let lines = head.components(separatedBy: "\r\n")
        #expect(lines.first == "POST /x HTTP/1.1")
        #expect(lines.filter { $0.hasPrefix("X-Multi:") } == ["X-Multi: one", "X-Multi: two"])
        #expect(lines.contains("x-lower-Case: v"))
        #expect(lines.contains("X-Empty:"))
        #expect(!lines.contains { $0.lowercased().hasPrefix("expect") })
        #expect(lines.contains("Content-Length: 200000"))
        #expect(try #require(server.requests.first).count == head.utf8.count + 4 + body.count)
    }

    @Test func onlyTheFinalResponseBlockCounts() async throws {
        // An interim 100 Continue with its own headers, then the real answer with repeated,
        // odd-case and folded headers.
        let server = try RawLoopbackServer(responses: [Self.raw("""
            HTTP/1.1 100 Continue
            X-Interim: yes

            HTTP/1.1 200 OK
            Set-Cookie: a=1
            Set-Cookie: b=2
            X-GitHub-Request-Id: ABCD:1234
            X-Folded: first
             second
            Content-Length: 5
            Connection: close

            hello
            """)])
        defer { server.stop() }
        let response = try await Self.transport.send(ForgeRequest(method: "POST", url: server.baseURL + "/x", body: Data("{}".utf8)))
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "hello")
        #expect(response.headers["x-interim"] == nil)
        #expect(response.headers["set-cookie"] == "b=2")
        #expect(response.headers["x-github-request-id"] == "ABCD:1234")
        #expect(response.headers["x-folded"] == "first second")
    }

    @Test func headerParserResetsOnEveryStatusLine() {
        var parser = ResponseHeaderParser()
        for line in ["HTTP/1.1 200 Connection established\r\n", "Via: proxy\r\n", "\r\n",
                     "HTTP/2 301\r\n", "location: /new\r\n", "\r\n",
                     "HTTP/2 200\r\n", "Content-Type: application/json\r\n", "X-Dup: 1\r\n", "x-dup: 2\r\n", "\r\n"] {
            parser.consume(line: line)
        }
        #expect(parser.headers == ["content-type": "application/json", "x-dup": "2"])
        #expect(parser.statusLine == "HTTP/2 200")
    }

    // MARK: Proxies

    @Test func lowerCaseHTTPProxyIsUsed() async throws {
        let direct = try await LoopbackServer.start(script: [.json(200, #"{"via":"direct"}"#)])
        defer { Task { await direct.stop() } }
        let proxy = try RawLoopbackServer(responses: [Self.raw("HTTP/1.1 200 OK\nContent-Length: 15\nConnection: close\n\n{\"via\":\"proxy\"}")])
        defer { proxy.stop() }
        let transport = CurlTransport(environment: ["http_proxy": "127.0.0.1:\(proxy.port)"])
        let response = try await transport.send(ForgeRequest(method: "GET", url: direct.baseURL + "/api/v4/user"))
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"via":"proxy"}"#)
        // A proxied request carries the absolute URL.
        #expect(proxy.requestHeads.first?.hasPrefix("GET \(direct.baseURL)/api/v4/user HTTP/1.1") == true)
        #expect(await direct.requests().isEmpty)
    }

    @Test func upperCaseHTTPProxyIsIgnoredAsLibcurlDoes() async throws {
        let direct = try await LoopbackServer.start(script: [.json(200, #"{"via":"direct"}"#)])
        defer { Task { await direct.stop() } }
        let proxy = try RawLoopbackServer(responses: [Self.raw("HTTP/1.1 200 OK\nContent-Length: 2\nConnection: close\n\n{}")])
        defer { proxy.stop() }
        let environment = ["HTTP_PROXY": "http://127.0.0.1:\(proxy.port)"]
        #expect(ProxySettings(environment: environment).proxy(forScheme: "http") == nil)
        let response = try await CurlTransport(environment: environment).send(ForgeRequest(method: "GET", url: direct.baseURL + "/x"))
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"via":"direct"}"#)
        #expect(proxy.requests.isEmpty)
    }

    @Test func noProxyExemptsHosts() async throws {
        let direct = try await LoopbackServer.start(script: [.json(200, #"{"via":"direct"}"#)])
        defer { Task { await direct.stop() } }
        let proxy = try RawLoopbackServer(responses: [Self.raw("HTTP/1.1 200 OK\nContent-Length: 2\nConnection: close\n\n{}")])
        defer { proxy.stop() }
        let transport = CurlTransport(environment: ["all_proxy": "http://127.0.0.1:\(proxy.port)", "NO_PROXY": "localhost,127.0.0.1"])
        let response = try await transport.send(ForgeRequest(method: "GET", url: direct.baseURL + "/x"))
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"via":"direct"}"#)
        #expect(proxy.requests.isEmpty)
    }

    @Test func httpsGoesThroughHTTPSProxyAsATunnel() async throws {
        let proxy = try RawLoopbackServer(responses: [Self.raw("HTTP/1.1 403 Forbidden\nContent-Length: 0\nConnection: close\n\n")])
        defer { proxy.stop() }
        let transport = CurlTransport(environment: ["HTTPS_PROXY": "http://127.0.0.1:\(proxy.port)", "http_proxy": "http://127.0.0.1:1"])
        let error = await #expect(throws: TransportError.self) {
            try await transport.send(ForgeRequest(method: "GET", url: "https://api.github.example/user", headers: [("Authorization", "Bearer \(Self.canary)")]))
        }
        guard case .connectionFailed(_, let reason)? = error else { Issue.record("expected connectionFailed, got \(String(describing: error))"); return }
        #expect(reason.contains("the proxy refused the tunnel"))
        let head = try #require(proxy.requestHeads.first)
        #expect(head.hasPrefix("CONNECT api.github.example:443 HTTP/1.1"))
        // The credential travels inside the tunnel only, never to the proxy.
        #expect(!head.contains(Self.canary))
    }

    @Test func proxyVariablePrecedence() {
        let all = ProxySettings(environment: ["http_proxy": "h:1", "HTTP_PROXY": "H:2", "https_proxy": "s:3", "HTTPS_PROXY": "S:4",
                                              "all_proxy": "a:5", "ALL_PROXY": "A:6", "no_proxy": "n", "NO_PROXY": "N"])
        #expect(all == ProxySettings(httpProxy: "h:1", httpsProxy: "s:3", allProxy: "a:5", noProxy: "n"))
        let upper = ProxySettings(environment: ["HTTP_PROXY": "H:2", "HTTPS_PROXY": "S:4", "ALL_PROXY": "A:6", "NO_PROXY": "N"])
        #expect(upper.proxy(forScheme: "http") == "A:6")
        #expect(upper.proxy(forScheme: "https") == "S:4")
        #expect(upper.noProxy == "N")
        #expect(ProxySettings(environment: ["https_proxy": "", "HTTPS_PROXY": "S:4"]).httpsProxy == "S:4")
        #expect(CACertificates(environment: ["SSL_CERT_FILE": "/a.pem", "CURL_CA_BUNDLE": "/b.pem", "SSL_CERT_DIR": "/certs"])
            == CACertificates(bundle: ("/b.pem", "CURL_CA_BUNDLE"), directory: ("/certs", "SSL_CERT_DIR")))
    }

    // MARK: End to end through RetryingTransport

    static func retrying(log: RetryPolicyTests.LineLog, time: RetryPolicyTests.FakeTime, policy: RetryPolicy = RetryPolicy(random: { 0.5 })) -> RetryingTransport {
        RetryingTransport(wrapping: transport, policy: policy, writeSpacing: .zero,
                          sleep: { time.sleep($0) }, uptime: { time.now }, log: { log.append($0) })
    }

    static let auth = [("Authorization", "Bearer \(canary)"), ("PRIVATE-TOKEN", canary), ("User-Agent", "cmlbot/test")]

    @Test func retryAfterHonouredEndToEnd() async throws {
        let server = try await LoopbackServer.start(script: [.json(429, #"{"message":"slow down"}"#, headers: [("Retry-After", "1")]), .json(200, "[]")])
        defer { Task { await server.stop() } }
        let (log, time) = (RetryPolicyTests.LineLog(), RetryPolicyTests.FakeTime())
        let response = try await Self.retrying(log: log, time: time).send(ForgeRequest(method: "GET", url: server.baseURL + "/x", headers: Self.auth))
        #expect(response.status == 200)
        #expect(time.sleeps == [.seconds(1)])
        #expect(log.lines == ["GET \(server.baseURL)/x: retrying in 1 s (429, Retry-After), attempt 2 of 4"])
    }

    @Test func retryAfterReallySleepsWithTheDefaultSleeper() async throws {
        let server = try await LoopbackServer.start(script: [.json(503, "{}", headers: [("Retry-After", "1")]), .json(200, "[]")])
        defer { Task { await server.stop() } }
        let started = ContinuousClock.now
        let response = try await RetryingTransport(wrapping: Self.transport, writeSpacing: .zero).send(ForgeRequest(method: "GET", url: server.baseURL + "/x"))
        #expect(response.status == 200)
        #expect(ContinuousClock.now - started >= .milliseconds(950))
    }

    @Test func serverErrorThenSuccess() async throws {
        let server = try await LoopbackServer.start(script: [.json(500, #"{"message":"Server Error"}"#), .json(200, "[]")])
        defer { Task { await server.stop() } }
        let (log, time) = (RetryPolicyTests.LineLog(), RetryPolicyTests.FakeTime())
        let response = try await Self.retrying(log: log, time: time).send(ForgeRequest(method: "PATCH", url: server.baseURL + "/c/1", body: Data("{}".utf8)))
        #expect(response.status == 200)
        #expect(time.sleeps == [.milliseconds(750)])
        #expect(await server.requests().map(\.method) == ["PATCH", "PATCH"])
    }

    @Test func badGatewayWithHTMLThenSuccess() async throws {
        let html = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>"
        let server = try await LoopbackServer.start(script: [.init(status: 502, headers: [("Content-Type", "text/html")], body: Data(html.utf8)), .json(200, "[]")])
        defer { Task { await server.stop() } }
        let (log, time) = (RetryPolicyTests.LineLog(), RetryPolicyTests.FakeTime())
        let response = try await Self.retrying(log: log, time: time).send(ForgeRequest(method: "GET", url: server.baseURL + "/x"))
        #expect(response.status == 200)
        #expect(log.lines == ["GET \(server.baseURL)/x: retrying in 750 ms (HTTP 502), attempt 2 of 4"])
    }

    @Test func secondaryLimitEndToEnd() async throws {
        let server = try await LoopbackServer.start(script: [
            .json(403, #"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}"#),
            .json(201, #"{"id":7}"#),
        ])
        defer { Task { await server.stop() } }
        let (log, time) = (RetryPolicyTests.LineLog(), RetryPolicyTests.FakeTime())
        let response = try await Self.retrying(log: log, time: time).send(ForgeRequest(method: "POST", url: server.baseURL + "/comments", headers: Self.auth, body: Data("{}".utf8)))
        #expect(response.status == 201)
        #expect(time.sleeps == [.seconds(60)])
        #expect(log.lines == ["POST \(server.baseURL)/comments: retrying in 60 s (403 secondary rate limit, no Retry-After), attempt 2 of 4"])
    }

    static func primaryLimited(resetIn seconds: Int) -> LoopbackServer.Reply {
        let reset = Int(Date().timeIntervalSince1970) + seconds
        return .json(403, #"{"message":"API rate limit exceeded for installation ID 1."}"#,
                     headers: [("X-RateLimit-Limit", "1000"), ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", String(reset)), ("X-RateLimit-Resource", "core")])
    }

    @Test func primaryLimitResetInThePast() async throws {
        let server = try await LoopbackServer.start(script: [Self.primaryLimited(resetIn: -30), .json(200, "[]")])
        defer { Task { await server.stop() } }
        let (log, time) = (RetryPolicyTests.LineLog(), RetryPolicyTests.FakeTime())
        #expect(try await Self.retrying(log: log, time: time).send(ForgeRequest(method: "GET", url: server.baseURL + "/x")).status == 200)
        #expect(time.sleeps == [.seconds(1)])
    }

    @Test func primaryLimitResetWithinTheCap() async throws {
        let server = try await LoopbackServer.start(script: [Self.primaryLimited(resetIn: 30), .json(200, "[]")])
        defer { Task { await server.stop() } }
        let (log, time) = (RetryPolicyTests.LineLog(), RetryPolicyTests.FakeTime())
        #expect(try await Self.retrying(log: log, time: time).send(ForgeRequest(method: "GET", url: server.baseURL + "/x")).status == 200)
        let slept = try #require(time.sleeps.first)
        // The wait runs to the reset (30 s after the script was made, plus the 1 s margin), less
        // whatever a loaded machine spent before the request: between the margin and 31 s.
        #expect(slept >= .seconds(1) && slept <= .seconds(32))
        #expect(log.lines.first?.contains("(403 rate limit exhausted, resets at ") == true)
    }

    @Test func primaryLimitResetBeyondTheCapGivesUpAtOnce() async throws {
        let server = try await LoopbackServer.start(script: [Self.primaryLimited(resetIn: 3600), .json(200, "[]")])
        defer { Task { await server.stop() } }
        let (log, time) = (RetryPolicyTests.LineLog(), RetryPolicyTests.FakeTime())
        do {
            _ = try await Self.retrying(log: log, time: time).send(ForgeRequest(method: "GET", url: server.baseURL + "/x", headers: Self.auth))
            Issue.record("expected gaveUp")
        } catch let RetryError.gaveUp(_, _, attempts, status, reason) {
            #expect(attempts == 1 && status == 403)
            #expect(reason.hasPrefix("403 rate limit exhausted: it resets at "))
            // About an hour from now; how much less depends on how loaded the machine is.
            #expect(reason.contains("(in 5") || reason.contains("(in 60 min), "))
            #expect(reason.hasSuffix(", beyond the 2 min wait budget; re-run after the reset, or use a token with a higher limit"))
        }
        #expect(time.sleeps.isEmpty)
        #expect(await server.requests().count == 1)
    }

    @Test func postAfterServerErrorIsNotBlindlyRetried() async throws {
        let server = try await LoopbackServer.start(script: [.json(500, #"{"message":"Server Error"}"#), .json(201, #"{"id":2}"#)])
        defer { Task { await server.stop() } }
        let (log, time) = (RetryPolicyTests.LineLog(), RetryPolicyTests.FakeTime())
        await #expect(throws: RetryError.outcomeUnknown(method: "POST", url: server.baseURL + "/comments", status: 500,
                                                       reason: "HTTP 500 to a POST: it may have been applied anyway")) {
            try await Self.retrying(log: log, time: time).send(ForgeRequest(method: "POST", url: server.baseURL + "/comments", headers: Self.auth, body: Data("{}".utf8)))
        }
        #expect(await server.requests().count == 1)
        #expect(time.sleeps.isEmpty)
    }

    @Test func postTimeoutIsNotBlindlyRetried() async throws {
        let server = try await LoopbackServer.start(script: [.init(status: 201, delay: .seconds(20)), .json(201, "{}")])
        defer { Task { await server.stop() } }
        // Generous enough that a loaded machine still connects and sends before the total timeout.
        let fast = CurlTransport(environment: [:], connectTimeout: .seconds(10), totalTimeout: .seconds(3))
        let (log, time) = (RetryPolicyTests.LineLog(), RetryPolicyTests.FakeTime())
        let transport = RetryingTransport(wrapping: fast, writeSpacing: .zero, sleep: { time.sleep($0) }, uptime: { time.now }, log: { log.append($0) })
        await #expect(throws: RetryError.self) {
            try await transport.send(ForgeRequest(method: "POST", url: server.baseURL + "/comments", headers: Self.auth, body: Data("{}".utf8)))
        }
        // Never sent twice. (On a loaded machine the timeout can fire before the server has logged
        // the request at all, so 0 is possible; the log line says why it was not re-sent.)
        #expect(await server.requests().count <= 1)
        #expect(log.lines == ["POST \(server.baseURL)/comments: not re-sent automatically (timed out during a POST: it may have been applied anyway)"])
    }

    @Test func connectionRefusedIsRetriedThenGivenUpWithoutLeakingTheToken() async throws {
        let closed = try RawLoopbackServer(responses: [])
        closed.stop()
        let (log, time) = (RetryPolicyTests.LineLog(), RetryPolicyTests.FakeTime())
        let url = closed.baseURL + "/comments?private_token=\(Self.canary)"
        var text = ""
        do {
            _ = try await Self.retrying(log: log, time: time).send(ForgeRequest(method: "POST", url: url, headers: Self.auth, body: Data("{}".utf8)))
        } catch {
            text = "\(error)"
        }
        #expect(text.contains("failed after 4 attempts: connection failed on all 4 attempts: cannot connect to"))
        #expect(time.sleeps == [.milliseconds(750), .milliseconds(1500), .seconds(3)])
        #expect(log.lines.count == 4)
        for line in log.lines + [text] { #expect(!line.contains(Self.canary), "leaked: \(line)") }
    }
}
