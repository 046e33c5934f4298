import Foundation

/// What to do after one attempt of a request.
public enum RetryDecision: Equatable, Sendable {
    /// Hand the response (or error) to the caller as it is: a success, or an answer a retry cannot
    /// change (404, 422, a bare 403 — that is a permission problem, not a limit).
    case deliver
    /// Send the same request again after waiting. `reason` is short and user-facing:
    /// "429, Retry-After", "HTTP 502", "connection failed".
    case retry(after: Duration, reason: String)
    /// A non-idempotent request (POST) failed in a way that may still have applied it — a 5xx, a
    /// timeout, a dropped connection. Sending it again blindly could post a second comment: re-read
    /// the state (re-list comments) and decide from that.
    case verifyBeforeRetry(reason: String)
    /// Retrying could help, but not within the limits: attempts used up, or a rate limit that resets
    /// beyond the wait budget. `reason` says why and when to try again.
    case giveUp(reason: String)
}

/// Decides retries for forge API requests. Pure: time and randomness come from the injected `now`
/// and `random`, so every rule is unit-testable.
///
/// Rules, from GitHub's rate-limit documentation, GitLab's rate-limit headers and octokit's
/// throttling plugin (reference/forge-api.md §1.4, §2.4):
/// 1. Below 400: deliver.
/// 2. Rate limits — a 429, or a 403 that carries a limit signal (a body naming the "secondary rate"
///    limit, `retry-after`, or a remaining count of 0) — were not processed, so even a POST may be
///    retried. Wait, in this order: `Retry-After` seconds (or HTTP date); else, when the remaining
///    count is 0, until the reset time + 1 s (`x-ratelimit-reset`, GitLab `RateLimit-Reset` or
///    `RateLimit-ResetTime`); else `secondaryLimitDelay` (60 s, doubling per attempt, as GitHub asks
///    for repeated secondary limits). A wait beyond what is left of `waitBudget` gives up, naming
///    the reset time.
/// 3. A 403 without a limit signal is a permission error: deliver.
/// 4. 408 and 5xx (except 501/505, which will not change): exponential backoff with jitter, honouring
///    `Retry-After` when sent (503) — but a POST after a 5xx is `verifyBeforeRetry`.
/// 5. Other 4xx: deliver.
/// 6. Transport errors: a failed connection (nothing was sent) is retried for every method; a
///    timeout or dropped connection is retried for idempotent methods and `verifyBeforeRetry` for
///    POST; TLS errors are delivered (a certificate problem does not heal in seconds).
/// 7. At most `maxAttempts` attempts in all.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    /// Total time all waits for one request may add up to.
    public var waitBudget: Duration
    /// First backoff step for 5xx and connection errors; doubles per attempt, capped at `maxDelay`.
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// Wait for a secondary limit (or a 429) that names no time: GitHub says "at least one minute".
    public var secondaryLimitDelay: Duration
    public var now: @Sendable () -> Date
    /// Uniform in [0, 1): the jitter source.
    public var random: @Sendable () -> Double

    public init(maxAttempts: Int = 4,
                waitBudget: Duration = .seconds(120),
                baseDelay: Duration = .seconds(1),
                maxDelay: Duration = .seconds(30),
                secondaryLimitDelay: Duration = .seconds(60),
                now: @escaping @Sendable () -> Date = { Date() },
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.maxAttempts = maxAttempts
        self.waitBudget = waitBudget
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.secondaryLimitDelay = secondaryLimitDelay
        self.now = now
        self.random = random
    }

    /// How one attempt ended.
    public enum Outcome: Equatable, Sendable {
        case response(ForgeResponse)
        case failure(TransportError)
    }

    /// - Parameters:
    ///   - attempt: 1 for the first attempt.
    ///   - waited: the time already spent waiting between earlier attempts of this request.
    public func decide(_ request: ForgeRequest, attempt: Int, waited: Duration = .zero, outcome: Outcome) -> RetryDecision {
        switch outcome {
        case .response(let response): return decide(request, attempt: attempt, waited: waited, response: response)
        case .failure(let error): return decide(request, attempt: attempt, waited: waited, error: error)
        }
    }

    // MARK: - Responses

    private func decide(_ request: ForgeRequest, attempt: Int, waited: Duration, response: ForgeResponse) -> RetryDecision {
        let status = response.status
        if status < 400 { return .deliver }
        if let limit = RateLimitSignal(response, now: now()) {
            return decide(limit, status: status, attempt: attempt, waited: waited)
        }
        let transient = status == 408 || (status >= 500 && status != 501 && status != 505)
        guard transient else { return .deliver }
        if status >= 500 && !request.isIdempotent {
            return .verifyBeforeRetry(reason: "HTTP \(status) to a \(request.method): it may have been applied anyway")
        }
        let retryAfter = RateLimitSignal.retryAfter(response.header("retry-after"), now: now())
        return backoff(retryAfter ?? jittered(attempt), reason: retryAfter == nil ? "HTTP \(status)" : "\(status), Retry-After",
                       attempt: attempt, waited: waited)
    }

    private func decide(_ limit: RateLimitSignal, status: Int, attempt: Int, waited: Duration) -> RetryDecision {
        let kind = limit.isSecondary ? "secondary rate limit" : limit.remainingIsZero ? "rate limit exhausted" : nil
        let label = kind.map { "\(status) \($0)" } ?? "\(status)"
        let wait: Duration
        let reason: String
        if let retryAfter = limit.retryAfter {
            wait = retryAfter
            reason = "\(label), Retry-After"
        } else if limit.remainingIsZero, let reset = limit.resetAt {
            // octokit waits until reset + 1 s: the reset second itself may still be limited.
            wait = max(.seconds(1), Self.duration(reset.timeIntervalSince(now()) + 1))
            reason = "\(label), resets at \(Self.clockTime(reset))"
        } else {
            let doublings = min(max(attempt - 1, 0), 10)
            wait = secondaryLimitDelay * (1 << doublings)
            reason = "\(label), no Retry-After"
        }
        if attempt >= maxAttempts {
            return .giveUp(reason: "\(label) on all \(attempt) attempts\(limit.whenToRetry(now: now()))")
        }
        let left = waitBudget - waited
        if wait > left {
            let budget = "the \(HumanDuration.describe(waitBudget)) wait budget"
                + (waited > .zero ? " (\(HumanDuration.describe(waited)) already spent)" : "")
            if limit.retryAfter == nil, limit.remainingIsZero, let reset = limit.resetAt {
                let inTime = HumanDuration.describe(Self.duration(reset.timeIntervalSince(now())))
                return .giveUp(reason: "\(label): it resets at \(Self.timestamp(reset)) (in \(inTime)), beyond \(budget); "
                    + "re-run after the reset, or use a token with a higher limit")
            }
            if limit.retryAfter != nil {
                return .giveUp(reason: "\(label): the server asks to wait \(HumanDuration.describe(wait)), beyond \(budget); re-run after that")
            }
            return .giveUp(reason: "\(label): waiting \(HumanDuration.describe(wait)) would exceed \(budget); re-run in a few minutes")
        }
        return .retry(after: wait, reason: reason)
    }

    // MARK: - Transport errors

    private func decide(_ request: ForgeRequest, attempt: Int, waited: Duration, error: TransportError) -> RetryDecision {
        switch error {
        case .tls:
            return .deliver
        case .connectionFailed:
            return backoff(jittered(attempt), reason: "connection failed", attempt: attempt, waited: waited, error: error)
        case .timedOut, .other:
            let what: String
            if case .timedOut = error { what = "timed out" } else { what = "connection error" }
            guard request.isIdempotent else {
                return .verifyBeforeRetry(reason: "\(what) during a \(request.method): it may have been applied anyway")
            }
            return backoff(jittered(attempt), reason: what, attempt: attempt, waited: waited, error: error)
        }
    }

    // MARK: - Helpers

    private func backoff(_ wait: Duration, reason: String, attempt: Int, waited: Duration, error: TransportError? = nil) -> RetryDecision {
        let detail = error.map { ": \($0)" } ?? ""
        if attempt >= maxAttempts {
            return .giveUp(reason: "\(reason) on all \(attempt) attempts\(detail)")
        }
        if wait > waitBudget - waited {
            return .giveUp(reason: "\(reason); the next retry (in \(HumanDuration.describe(wait))) would exceed the \(HumanDuration.describe(waitBudget)) wait budget\(detail)")
        }
        return .retry(after: wait, reason: reason)
    }

    /// "Equal jitter": half the exponential step fixed, half random, so retries from parallel CI
    /// jobs spread out but never collapse to zero.
    func jittered(_ attempt: Int) -> Duration {
        let doublings = min(max(attempt - 1, 0), 20)
        let step = min(maxDelay, baseDelay * (1 << doublings))
        let r = min(max(random(), 0), 1)
        let stepMilliseconds = Double(step.components.seconds) * 1000 + Double(step.components.attoseconds) / 1e15
        return .milliseconds(Int64((stepMilliseconds * (0.5 + 0.5 * r)).rounded()))
    }

    static func duration(_ seconds: TimeInterval) -> Duration {
        guard seconds.isFinite, seconds > 0 else { return .zero }
        return .milliseconds(Int64((min(seconds, 1e9) * 1000).rounded(.up)))
    }

    /// `2024-10-08T14:32:07Z`: unambiguous in a CI log read from any time zone.
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC") ?? .current))
    }

    /// `14:32:07Z`: short enough for a retry line.
    static func clockTime(_ date: Date) -> String {
        String(timestamp(date).split(separator: "T").last ?? "")
    }
}

/// The rate-limit facts a GitHub or GitLab error response carries.
struct RateLimitSignal: Equatable {
    var retryAfter: Duration?
    var remainingIsZero: Bool
    var resetAt: Date?
    var isSecondary: Bool

    /// nil when `response` is not a rate-limit answer (only 403 and 429 can be).
    init?(_ response: ForgeResponse, now: Date) {
        guard response.status == 403 || response.status == 429 else { return nil }
        retryAfter = Self.retryAfter(response.header("retry-after"), now: now)
        // GitHub: x-ratelimit-*; GitLab: RateLimit-* (lower-cased by the transport).
        let remaining = response.header("x-ratelimit-remaining") ?? response.header("ratelimit-remaining")
        remainingIsZero = remaining?.trimmingCharacters(in: .whitespaces) == "0"
        resetAt = Self.resetDate(response, now: now)
        isSecondary = Self.mentionsSecondaryLimit(response.body)
        if response.status == 403 && retryAfter == nil && !remainingIsZero && !isSecondary { return nil }
    }

    /// octokit tests the message with /\bsecondary rate\b/i; GitHub's text is "You have exceeded a
    /// secondary rate limit…". The body is JSON, so searching its text finds the message.
    static func mentionsSecondaryLimit(_ body: Data) -> Bool {
        let text = String(decoding: body.prefix(64 * 1024), as: UTF8.self)
        return text.range(of: "secondary rate", options: .caseInsensitive) != nil
    }

    /// `Retry-After` is delay-seconds or an HTTP date (RFC 9110 §10.2.3); blank or junk means
    /// absent ("The Retry-After header can sometimes be blank" — octokit).
    static func retryAfter(_ value: String?, now: Date) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int(value) { return seconds >= 0 ? .seconds(seconds) : nil }
        guard let date = HTTPDate.parse(value) else { return nil }
        return RetryPolicy.duration(date.timeIntervalSince(now))
    }

    /// GitHub `x-ratelimit-reset` (epoch seconds); GitLab `RateLimit-Reset` (epoch seconds — or, as in
    /// the IETF draft some proxies follow, seconds from now when the number is small) and
    /// `RateLimit-ResetTime` (HTTP date).
    static func resetDate(_ response: ForgeResponse, now: Date) -> Date? {
        if let value = response.header("x-ratelimit-reset"), let epoch = Double(value.trimmingCharacters(in: .whitespaces)) {
            return Date(timeIntervalSince1970: epoch)
        }
        if let value = response.header("ratelimit-reset"), let number = Double(value.trimmingCharacters(in: .whitespaces)) {
            return number < 1_000_000_000 ? now.addingTimeInterval(number) : Date(timeIntervalSince1970: number)
        }
        if let value = response.header("ratelimit-resettime") { return HTTPDate.parse(value) }
        return nil
    }

    func whenToRetry(now: Date) -> String {
        guard let resetAt else { return "" }
        return "; the limit resets at \(RetryPolicy.timestamp(resetAt))"
    }
}

/// IMF-fixdate (`Tue, 08 Oct 2024 14:32:00 GMT`), the only HTTP date form servers may send
/// (RFC 9110 §5.6.7). Parsed by hand: no locale, no formatter state.
enum HTTPDate {
    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    static func parse(_ text: String) -> Date? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: " ")
        guard parts.count == 6, parts[5].uppercased() == "GMT" || parts[5].uppercased() == "UTC",
              let day = Int(parts[1]), let monthIndex = months.firstIndex(of: parts[2].lowercased()), let year = Int(parts[3])
        else { return nil }
        let time = parts[4].split(separator: ":").compactMap { Int($0) }
        guard time.count == 3 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        guard let utc = TimeZone(identifier: "UTC") else { return nil }
        calendar.timeZone = utc
        return calendar.date(from: DateComponents(year: year, month: monthIndex + 1, day: day,
                                                  hour: time[0], minute: time[1], second: time[2]))
    }
}

/// Durations as people read them in a log line: "450 ms", "3 s", "2.5 s", "2 min", "41 min 5 s", "3 h 2 min".
enum HumanDuration {
    static func describe(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let ms = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        if ms < 1000 { return "\(ms) ms" }
        if ms < 10_000 && ms % 1000 != 0 {
            let tenths = (ms + 50) / 100
            return tenths % 10 == 0 ? "\(tenths / 10) s" : "\(tenths / 10).\(tenths % 10) s"
        }
        let s = (ms + 500) / 1000
        if s < 120 { return "\(s) s" }
        if s < 7200 { return s % 60 == 0 ? "\(s / 60) min" : "\(s / 60) min \(s % 60) s" }
        let minutes = s / 60
        return minutes % 60 == 0 ? "\(minutes / 60) h" : "\(minutes / 60) h \(minutes % 60) min"
    }
}
