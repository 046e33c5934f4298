import Foundation
import Testing
@testable import CMLBotForge

/// Every rule of `RetryPolicy`, with a fixed clock and a fixed jitter source.
@Suite struct RetryPolicyTests {
    /// 2023-11-14T22:13:20Z.
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    static func policy(random: Double = 0.5, maxAttempts: Int = 4, budget: Duration = .seconds(120)) -> RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, waitBudget: budget, now: { t0 }, random: { random })
    }

    static let get = ForgeRequest(method: "GET", url: "https://api.github.com/repos/o/r/issues/1/comments")
    static let post = ForgeRequest(method: "POST", url: "https://api.github.com/repos/o/r/issues/1/comments", body: Data("{}".utf8))
    static let patch = ForgeRequest(method: "PATCH", url: "https://api.github.com/repos/o/r/issues/comments/9", body: Data("{}".utf8))

    static func response(_ status: Int, _ headers: [String: String] = [:], body: String = "") -> RetryPolicy.Outcome {
        .response(ForgeResponse(status: status, headers: headers, body: Data(body.utf8)))
    }

    static let secondaryBody = #"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}"#
    static let primaryBody = #"{"message":"API rate limit exceeded for installation ID 1.","documentation_url":"https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"}"#
    static let forbiddenBody = #"{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest/issues/comments#create-an-issue-comment"}"#

    func decide(attempt: Int = 1, waited: Duration = .zero, _ outcome: RetryPolicy.Outcome, policy: RetryPolicy = policy()) -> RetryDecision {
        policy.decide(Self.get, attempt: attempt, waited: waited, outcome: outcome)
    }

    func decide(_ request: ForgeRequest, _ outcome: RetryPolicy.Outcome) -> RetryDecision {
        Self.policy().decide(request, attempt: 1, outcome: outcome)
    }

    // MARK: Deliver

    @Test(arguments: [200, 201, 204, 301, 304])
    func successesAndRedirectsAreDelivered(status: Int) {
        #expect(decide(Self.response(status)) == .deliver)
        #expect(decide(Self.post, Self.response(status)) == .deliver)
    }

    @Test(arguments: [400, 401, 404, 409, 410, 422])
    func clientErrorsOtherThan408And429AreDelivered(status: Int) {
        #expect(decide(Self.response(status, body: #"{"message":"Validation Failed"}"#)) == .deliver)
        #expect(decide(Self.post, Self.response(status)) == .deliver)
    }

    @Test func bare403IsAPermissionErrorNotRetried() {
        #expect(decide(Self.response(403, ["x-ratelimit-remaining": "4999", "x-ratelimit-reset": "1700003600"], body: Self.forbiddenBody)) == .deliver)
        #expect(decide(Self.post, Self.response(403, body: Self.forbiddenBody)) == .deliver)
    }

    @Test(arguments: [501, 505])
    func serverErrorsThatCannotChangeAreDelivered(status: Int) {
        #expect(decide(Self.response(status)) == .deliver)
    }

    // MARK: 429 and secondary limits

    @Test func tooManyRequestsHonoursRetryAfter() {
        #expect(decide(Self.response(429, ["retry-after": "3"])) == .retry(after: .seconds(3), reason: "429, Retry-After"))
    }

    @Test func rateLimitedPostIsRetriedBecauseItWasNotProcessed() {
        #expect(decide(Self.post, Self.response(429, ["retry-after": "2"])) == .retry(after: .seconds(2), reason: "429, Retry-After"))
    }

    @Test func retryAfterAsHTTPDate() {
        // t0 + 90 s.
        let decision = decide(Self.response(429, ["retry-after": "Tue, 14 Nov 2023 22:14:50 GMT"]))
        #expect(decision == .retry(after: .seconds(90), reason: "429, Retry-After"))
    }

    @Test func blankOrJunkRetryAfterFallsBackToTheSecondaryDefault() {
        #expect(decide(Self.response(429, ["retry-after": ""])) == .retry(after: .seconds(60), reason: "429, no Retry-After"))
        #expect(decide(Self.response(429, ["retry-after": "soon"])) == .retry(after: .seconds(60), reason: "429, no Retry-After"))
    }

    @Test func secondaryLimitHonoursRetryAfter() {
        let decision = decide(Self.response(403, ["retry-after": "5"], body: Self.secondaryBody))
        #expect(decision == .retry(after: .seconds(5), reason: "403 secondary rate limit, Retry-After"))
    }

    @Test func secondaryLimitWithoutRetryAfterWaitsOneMinuteThenDoubles() {
        #expect(decide(Self.response(403, body: Self.secondaryBody))
            == .retry(after: .seconds(60), reason: "403 secondary rate limit, no Retry-After"))
        #expect(decide(Self.response(429, body: Self.secondaryBody))
            == .retry(after: .seconds(60), reason: "429 secondary rate limit, no Retry-After"))
        // Second attempt: 120 s, the whole budget when nothing was spent yet…
        #expect(decide(attempt: 2, Self.response(403, body: Self.secondaryBody))
            == .retry(after: .seconds(120), reason: "403 secondary rate limit, no Retry-After"))
        // …but not after the first minute.
        guard case .giveUp(let reason) = decide(attempt: 2, waited: .seconds(60), Self.response(403, body: Self.secondaryBody)) else {
            Issue.record("expected giveUp"); return
        }
        #expect(reason == "403 secondary rate limit: waiting 2 min would exceed the 2 min wait budget (60 s already spent); re-run in a few minutes")
    }

    @Test func secondaryMessageMatchIsCaseInsensitive() {
        let decision = decide(Self.response(403, body: #"{"message":"SECONDARY RATE limit hit"}"#))
        #expect(decision == .retry(after: .seconds(60), reason: "403 secondary rate limit, no Retry-After"))
    }

    @Test func any403WithRetryAfterIsALimit() {
        #expect(decide(Self.response(403, ["retry-after": "7"], body: #"{"message":"slow down"}"#)) == .retry(after: .seconds(7), reason: "403, Retry-After"))
    }

    @Test func retryAfterBeyondTheBudgetGivesUp() {
        guard case .giveUp(let reason) = decide(Self.response(429, ["retry-after": "600"])) else { Issue.record("expected giveUp"); return }
        #expect(reason == "429: the server asks to wait 10 min, beyond the 2 min wait budget; re-run after that")
    }

    // MARK: Primary limits

    @Test func primaryLimitWaitsUntilResetPlusOneSecond() {
        let outcome = Self.response(403, ["x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700000030"], body: Self.primaryBody)
        #expect(decide(outcome) == .retry(after: .seconds(31), reason: "403 rate limit exhausted, resets at 22:13:50Z"))
        #expect(decide(Self.post, outcome) == .retry(after: .seconds(31), reason: "403 rate limit exhausted, resets at 22:13:50Z"))
        let on429 = Self.response(429, ["x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700000030"], body: Self.primaryBody)
        #expect(decide(on429) == .retry(after: .seconds(31), reason: "429 rate limit exhausted, resets at 22:13:50Z"))
    }

    @Test func primaryLimitWithResetInThePastRetriesAfterOneSecond() {
        let outcome = Self.response(403, ["x-ratelimit-remaining": "0", "x-ratelimit-reset": "1699999900"], body: Self.primaryBody)
        #expect(decide(outcome) == .retry(after: .seconds(1), reason: "403 rate limit exhausted, resets at 22:11:40Z"))
    }

    @Test func primaryLimitBeyondTheCapGivesUpNamingTheReset() {
        let outcome = Self.response(403, ["x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700003600"], body: Self.primaryBody)
        guard case .giveUp(let reason) = decide(outcome) else { Issue.record("expected giveUp"); return }
        #expect(reason == "403 rate limit exhausted: it resets at 2023-11-14T23:13:20Z (in 60 min), beyond the 2 min wait budget; "
            + "re-run after the reset, or use a token with a higher limit")
    }

    @Test func primaryLimitCountsTimeAlreadyWaited() {
        let outcome = Self.response(403, ["x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700000100"], body: Self.primaryBody)
        #expect(decide(waited: .seconds(19), outcome) == .retry(after: .seconds(101), reason: "403 rate limit exhausted, resets at 22:15:00Z"))
        guard case .giveUp(let reason) = decide(waited: .seconds(30), outcome) else { Issue.record("expected giveUp"); return }
        #expect(reason.contains("(30 s already spent)"))
    }

    @Test func retryAfterTakesPrecedenceOverTheResetTime() {
        let outcome = Self.response(403, ["retry-after": "4", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700000100"], body: Self.primaryBody)
        #expect(decide(outcome) == .retry(after: .seconds(4), reason: "403 rate limit exhausted, Retry-After"))
    }

    @Test func configurableBudget() {
        let outcome = Self.response(403, ["x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700003600"], body: Self.primaryBody)
        #expect(decide(outcome, policy: Self.policy(budget: .seconds(3700))) == .retry(after: .seconds(3601), reason: "403 rate limit exhausted, resets at 23:13:20Z"))
    }

    // MARK: GitLab headers

    @Test func gitLabRateLimitResetEpoch() {
        let outcome = Self.response(429, ["ratelimit-name": "throttle_authenticated_api", "ratelimit-remaining": "0", "ratelimit-reset": "1700000010"])
        #expect(decide(outcome) == .retry(after: .seconds(11), reason: "429 rate limit exhausted, resets at 22:13:30Z"))
    }

    @Test func gitLabRateLimitResetTimeDate() {
        let outcome = Self.response(429, ["ratelimit-remaining": "0", "ratelimit-resettime": "Tue, 14 Nov 2023 22:13:40 GMT"])
        #expect(decide(outcome) == .retry(after: .seconds(21), reason: "429 rate limit exhausted, resets at 22:13:40Z"))
    }

    @Test func gitLabRetryAfterWins() {
        let outcome = Self.response(429, ["ratelimit-remaining": "0", "ratelimit-reset": "1700000050", "retry-after": "5"])
        #expect(decide(outcome) == .retry(after: .seconds(5), reason: "429 rate limit exhausted, Retry-After"))
    }

    @Test func gitLabSmallResetIsSecondsFromNow() {
        let outcome = Self.response(429, ["ratelimit-remaining": "0", "ratelimit-reset": "20"])
        #expect(decide(outcome) == .retry(after: .seconds(21), reason: "429 rate limit exhausted, resets at 22:13:40Z"))
    }

    // MARK: 5xx and 408

    @Test func serverErrorsBackOffExponentiallyWithJitter() {
        let p = Self.policy(random: 0.5)
        #expect(decide(attempt: 1, Self.response(500), policy: p) == .retry(after: .milliseconds(750), reason: "HTTP 500"))
        #expect(decide(attempt: 2, Self.response(502), policy: p) == .retry(after: .milliseconds(1500), reason: "HTTP 502"))
        #expect(decide(attempt: 3, Self.response(504), policy: p) == .retry(after: .seconds(3), reason: "HTTP 504"))
    }

    @Test func jitterStaysBetweenHalfAndAllOfTheStep() {
        #expect(decide(attempt: 3, Self.response(500), policy: Self.policy(random: 0)) == .retry(after: .seconds(2), reason: "HTTP 500"))
        #expect(decide(attempt: 3, Self.response(500), policy: Self.policy(random: 0.999_999)) == .retry(after: .seconds(4), reason: "HTTP 500"))
    }

    @Test func backoffIsCappedAtMaxDelay() {
        var p = Self.policy(random: 0.999_999, maxAttempts: 20, budget: .seconds(1000))
        p.maxDelay = .seconds(5)
        #expect(decide(attempt: 10, Self.response(503), policy: p) == .retry(after: .seconds(5), reason: "HTTP 503"))
    }

    @Test func serviceUnavailableHonoursRetryAfter() {
        #expect(decide(Self.response(503, ["retry-after": "2"])) == .retry(after: .seconds(2), reason: "503, Retry-After"))
    }

    @Test func requestTimeout408IsRetriedEvenForPost() {
        #expect(decide(Self.post, Self.response(408)) == .retry(after: .milliseconds(750), reason: "HTTP 408"))
    }

    @Test(arguments: [500, 502, 503, 504])
    func postAfterServerErrorIsVerifiedNotBlindlyRetried(status: Int) {
        #expect(decide(Self.post, Self.response(status)) == .verifyBeforeRetry(reason: "HTTP \(status) to a POST: it may have been applied anyway"))
    }

    @Test func idempotentWritesAreRetriedAfterServerErrors() {
        #expect(decide(Self.patch, Self.response(500)) == .retry(after: .milliseconds(750), reason: "HTTP 500"))
        #expect(decide(ForgeRequest(method: "DELETE", url: "https://x/y"), Self.response(502)) == .retry(after: .milliseconds(750), reason: "HTTP 502"))
    }

    // MARK: Transport errors

    static let refused = TransportError.connectionFailed(url: "https://api.github.com/x", reason: "Connection refused")
    static let timedOut = TransportError.timedOut(url: "https://api.github.com/x", milliseconds: 60_000)
    static let dropped = TransportError.other(url: "https://api.github.com/x", reason: "connection dropped during the exchange")

    @Test func connectionFailuresAreRetriedForEveryMethodBecauseNothingWasSent() {
        #expect(decide(.failure(Self.refused)) == .retry(after: .milliseconds(750), reason: "connection failed"))
        #expect(decide(Self.post, .failure(Self.refused)) == .retry(after: .milliseconds(750), reason: "connection failed"))
    }

    @Test func timeoutsAreRetriedForIdempotentRequestsAndVerifiedForPost() {
        #expect(decide(.failure(Self.timedOut)) == .retry(after: .milliseconds(750), reason: "timed out"))
        #expect(decide(Self.patch, .failure(Self.timedOut)) == .retry(after: .milliseconds(750), reason: "timed out"))
        #expect(decide(Self.post, .failure(Self.timedOut)) == .verifyBeforeRetry(reason: "timed out during a POST: it may have been applied anyway"))
    }

    @Test func droppedConnectionsAreVerifiedForPost() {
        #expect(decide(.failure(Self.dropped)) == .retry(after: .milliseconds(750), reason: "connection error"))
        #expect(decide(Self.post, .failure(Self.dropped)) == .verifyBeforeRetry(reason: "connection error during a POST: it may have been applied anyway"))
    }

    @Test func tlsErrorsAreDelivered() {
        #expect(decide(.failure(.tls(url: "https://x", reason: "certificate verify failed"))) == .deliver)
    }

    // MARK: Limits

    @Test func maxAttemptsEndsRetries() {
        #expect(decide(attempt: 3, Self.response(500)) == .retry(after: .seconds(3), reason: "HTTP 500"))
        #expect(decide(attempt: 4, Self.response(500)) == .giveUp(reason: "HTTP 500 on all 4 attempts"))
        #expect(decide(attempt: 4, Self.response(429, ["retry-after": "1"])) == .giveUp(reason: "429 on all 4 attempts"))
        #expect(decide(attempt: 2, Self.response(500), policy: Self.policy(maxAttempts: 2)) == .giveUp(reason: "HTTP 500 on all 2 attempts"))
        guard case .giveUp(let reason) = decide(attempt: 4, .failure(Self.refused)) else { Issue.record("expected giveUp"); return }
        #expect(reason == "connection failed on all 4 attempts: cannot connect to https://api.github.com/x: Connection refused")
    }

    @Test func attemptsExhaustedOnPrimaryLimitNamesTheReset() {
        let outcome = Self.response(403, ["x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700000030"], body: Self.primaryBody)
        #expect(decide(attempt: 4, outcome) == .giveUp(reason: "403 rate limit exhausted on all 4 attempts; the limit resets at 2023-11-14T22:13:50Z"))
    }

    @Test func backoffBeyondTheBudgetGivesUp() {
        #expect(decide(attempt: 1, waited: .seconds(119), Self.response(500)) == .retry(after: .milliseconds(750), reason: "HTTP 500"))
        #expect(decide(attempt: 1, waited: .milliseconds(119_500), Self.response(500))
            == .giveUp(reason: "HTTP 500; the next retry (in 750 ms) would exceed the 2 min wait budget"))
    }

    // MARK: Text

    @Test func retryEventReadsLikeALogLine() {
        let event = RetryEvent(method: "POST", url: "https://api.github.com/repos/o/r/issues/1/comments", attempt: 1, maxAttempts: 4,
                               decision: .retry(after: .seconds(3), reason: "429, Retry-After"))
        #expect(event.description == "POST https://api.github.com/repos/o/r/issues/1/comments: retrying in 3 s (429, Retry-After), attempt 2 of 4")
    }

    @Test func humanDurations() {
        #expect(HumanDuration.describe(.milliseconds(450)) == "450 ms")
        #expect(HumanDuration.describe(.seconds(3)) == "3 s")
        #expect(HumanDuration.describe(.milliseconds(2500)) == "2.5 s")
        #expect(HumanDuration.describe(.seconds(61)) == "61 s")
        #expect(HumanDuration.describe(.seconds(120)) == "2 min")
        #expect(HumanDuration.describe(.seconds(2465)) == "41 min 5 s")
        #expect(HumanDuration.describe(.seconds(3 * 3600 + 120)) == "3 h 2 min")
    }

    @Test func httpDates() {
        #expect(HTTPDate.parse("Tue, 14 Nov 2023 22:13:20 GMT") == Self.t0)
        #expect(HTTPDate.parse("tomorrow") == nil)
        #expect(HTTPDate.parse("Tue, 14 Nov 2023 22:13 GMT") == nil)
    }
}

// MARK: - RetryingTransport over a scripted transport

/// Test doubles for the retry layer, nested so they cannot clash with other suites' helpers.
extension RetryPolicyTests {
    /// Answers with scripted outcomes in order and records what it was asked.
    actor ScriptedTransport: HTTPTransport {
        private var script: [Result<ForgeResponse, TransportError>]
        private(set) var sent: [ForgeRequest] = []

        init(_ script: [Result<ForgeResponse, TransportError>]) { self.script = script }

        func send(_ request: ForgeRequest) async throws -> ForgeResponse {
            sent.append(request)
            guard !script.isEmpty else { return ForgeResponse(status: 599, body: Data("script exhausted".utf8)) }
            return try script.removeFirst().get()
        }
    }

    /// Records sleeps instead of sleeping, and advances a fake monotonic clock by them.
    final class FakeTime: @unchecked Sendable {
        private let lock = NSLock()
        private var _sleeps: [Duration] = []
        private var _now: Duration = .zero
        var sleeps: [Duration] { lock.withLock { _sleeps } }
        var now: Duration { lock.withLock { _now } }
        func advance(_ d: Duration) { lock.withLock { _now += d } }
        func sleep(_ d: Duration) { lock.withLock { _sleeps.append(d); _now += d } }
    }

    final class LineLog: @unchecked Sendable {
        private let lock = NSLock()
        private var _events: [RetryEvent] = []
        var events: [RetryEvent] { lock.withLock { _events } }
        var lines: [String] { events.map(\.description) }
        func append(_ e: RetryEvent) { lock.withLock { _events.append(e) } }
    }
}

extension RetryPolicyTests {
    @Suite struct RetryingTransportBehaviour {
        static func make(_ base: any HTTPTransport, spacing: Duration = .zero, policy: RetryPolicy = RetryPolicyTests.policy())
            -> (RetryingTransport, FakeTime, LineLog) {
            let time = FakeTime()
            let log = LineLog()
            let transport = RetryingTransport(wrapping: base, policy: policy, writeSpacing: spacing,
                                              sleep: { time.sleep($0) }, uptime: { time.now }, log: { log.append($0) })
            return (transport, time, log)
        }

        static func ok(_ status: Int = 200) -> Result<ForgeResponse, TransportError> { .success(ForgeResponse(status: status)) }

        @Test func retriesThenReturnsTheSuccess() async throws {
            let base = ScriptedTransport([.success(ForgeResponse(status: 429, headers: ["retry-after": "3"])), Self.ok()])
            let (transport, time, log) = Self.make(base)
            let response = try await transport.send(RetryPolicyTests.get)
            #expect(response.status == 200)
            #expect(time.sleeps == [.seconds(3)])
            #expect(await base.sent.count == 2)
            #expect(log.lines == ["GET https://api.github.com/repos/o/r/issues/1/comments: retrying in 3 s (429, Retry-After), attempt 2 of 4"])
        }

        @Test func deliversNonRetryableResponsesWithoutLogging() async throws {
            let base = ScriptedTransport([Self.ok(404)])
            let (transport, time, log) = Self.make(base)
            #expect(try await transport.send(RetryPolicyTests.get).status == 404)
            #expect(time.sleeps.isEmpty && log.events.isEmpty)
        }

        @Test func postAfterServerErrorThrowsOutcomeUnknownWithoutResending() async throws {
            let base = ScriptedTransport([Self.ok(502), Self.ok(201)])
            let (transport, _, log) = Self.make(base)
            await #expect(throws: RetryError.outcomeUnknown(method: "POST", url: RetryPolicyTests.post.url, status: 502,
                                                           reason: "HTTP 502 to a POST: it may have been applied anyway")) {
                try await transport.send(RetryPolicyTests.post)
            }
            #expect(await base.sent.count == 1)
            #expect(log.lines.count == 1 && log.lines[0].contains("not re-sent automatically"))
        }

        @Test func giveUpThrowsWithTheLastStatus() async throws {
            let base = ScriptedTransport([Self.ok(500), Self.ok(500)])
            let (transport, time, _) = Self.make(base, policy: RetryPolicyTests.policy(maxAttempts: 2))
            do {
                _ = try await transport.send(RetryPolicyTests.get)
                Issue.record("expected an error")
            } catch let error as RetryError {
                #expect(error == .gaveUp(method: "GET", url: RetryPolicyTests.get.url, attempts: 2, status: 500, reason: "HTTP 500 on all 2 attempts"))
                #expect(error.description == "GET \(RetryPolicyTests.get.url) failed after 2 attempts: HTTP 500 on all 2 attempts")
            }
            #expect(time.sleeps == [.milliseconds(750)])
        }

        @Test func transportErrorsAreRethrownWhenDelivered() async throws {
            let tls = TransportError.tls(url: "https://api.github.com/x", reason: "certificate verify failed")
            let (transport, _, _) = Self.make(ScriptedTransport([.failure(tls)]))
            await #expect(throws: tls) { try await transport.send(RetryPolicyTests.get) }
        }

        @Test func budgetAccumulatesAcrossRetries() async throws {
            // 60 s for the first secondary limit, then 120 s would exceed the 120 s budget.
            let limited = ForgeResponse(status: 403, body: Data(RetryPolicyTests.secondaryBody.utf8))
            let base = ScriptedTransport([.success(limited), .success(limited), Self.ok()])
            let (transport, time, log) = Self.make(base)
            await #expect(throws: RetryError.self) { try await transport.send(RetryPolicyTests.get) }
            #expect(time.sleeps == [.seconds(60)])
            #expect(log.lines.last?.contains("giving up: 403 secondary rate limit: waiting 2 min would exceed the 2 min wait budget") == true)
        }

        @Test func writesToTheSameHostAreSpaced() async throws {
            let base = ScriptedTransport([Self.ok(201), Self.ok(201), Self.ok(), Self.ok(201), Self.ok(201)])
            let (transport, time, _) = Self.make(base, spacing: .seconds(1))
            _ = try await transport.send(RetryPolicyTests.post)   // t = 0: no wait
            _ = try await transport.send(RetryPolicyTests.patch)  // t = 0: waits 1 s
            _ = try await transport.send(RetryPolicyTests.get)    // reads are not spaced
            time.advance(.milliseconds(400))                      // t = 1.4 s
            _ = try await transport.send(RetryPolicyTests.post)   // waits until t = 2 s
            _ = try await transport.send(ForgeRequest(method: "POST", url: "https://gitlab.example.com/api/v4/x")) // other host
            #expect(time.sleeps == [.seconds(1), .milliseconds(600)])
        }

        @Test func noTokenInAnyLineOrError() async throws {
            let canary = "ghp_CANARY0123456789abcdefCANARY"
            let leaky = TransportError.other(url: "https://api.github.com/x?private_token=\(canary)", reason: "server said Bearer \(canary)")
            let base = ScriptedTransport([.failure(leaky), .failure(leaky)])
            let (transport, _, log) = Self.make(base, policy: RetryPolicyTests.policy(maxAttempts: 2))
            let request = ForgeRequest(method: "GET", url: "https://api.github.com/x?private_token=\(canary)&page=2",
                                       headers: [("Authorization", "Bearer \(canary)"), ("PRIVATE-TOKEN", canary)])
            var text = ""
            do { _ = try await transport.send(request) } catch { text = "\(error)" }
            #expect(!text.isEmpty)
            #expect(log.lines.count == 2)
            for line in log.lines + [text] {
                #expect(!line.contains(canary), "leaked: \(line)")
            }
            #expect(text.contains("private_token=***&page=2"))
        }
    }
}
