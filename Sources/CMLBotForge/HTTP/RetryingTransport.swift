import Foundation

/// Thrown by `RetryingTransport` when retrying is not the answer.
public enum RetryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Retrying could have helped but not within the limits (attempts, wait budget). `status` is the
    /// last HTTP status, nil after a transport error; `reason` says when to try again.
    case gaveUp(method: String, url: String, attempts: Int, status: Int?, reason: String)
    /// A POST failed in a way that may have applied it (5xx, timeout, dropped connection). It was
    /// not re-sent; the caller should re-read state (re-list comments) before sending it again.
    case outcomeUnknown(method: String, url: String, status: Int?, reason: String)

    public var description: String {
        switch self {
        case .gaveUp(let method, let url, let attempts, _, let reason):
            return "\(method) \(url) failed after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(reason)"
        case .outcomeUnknown(let method, let url, _, let reason):
            return "\(method) \(url) may or may not have been applied (\(reason)); it was not re-sent, "
                + "so nothing is duplicated: check the result on the forge, or re-run (cmlbot re-reads before creating)"
        }
    }
}

/// One retry decision, for the CLI's stderr ("retrying in 3 s (429, Retry-After)") and for tests.
/// URL and text are already free of credentials.
public struct RetryEvent: Equatable, Sendable, CustomStringConvertible {
    public var method: String
    public var url: String
    /// The attempt that just ended (1-based).
    public var attempt: Int
    public var maxAttempts: Int
    public var decision: RetryDecision

    public var description: String {
        let target = "\(method) \(url)"
        switch decision {
        case .deliver:
            return "\(target): done after \(attempt) attempt\(attempt == 1 ? "" : "s")"
        case .retry(let wait, let reason):
            return "\(target): retrying in \(HumanDuration.describe(wait)) (\(reason)), attempt \(attempt + 1) of \(maxAttempts)"
        case .verifyBeforeRetry(let reason):
            return "\(target): not re-sent automatically (\(reason))"
        case .giveUp(let reason):
            return "\(target): giving up: \(reason)"
        }
    }
}

/// Wraps another transport with a `RetryPolicy` and GitHub's write spacing.
///
/// Compose it over libcurl in the CLI:
/// ```swift
/// let transport = RetryingTransport(
///     wrapping: CurlTransport(environment: ProcessInfo.processInfo.environment),
///     log: { event in FileHandle.standardError.write(Data("cmlbot: \(event)\n".utf8)) })
/// ```
///
/// * Each attempt's outcome goes to the policy. `.retry` sleeps and re-sends; `.deliver` returns
///   the response or rethrows the transport error; `.verifyBeforeRetry` throws
///   `RetryError.outcomeUnknown`; `.giveUp` throws `RetryError.gaveUp` — which matters most for rate
///   limits: a 403 handed back would look like a permission error (and a fork PR) to the client.
/// * Mutating requests (anything but GET/HEAD/OPTIONS) to the same host start at least
///   `writeSpacing` apart ("wait at least one second between each request", GitHub best practices;
///   octokit uses 1 s for writes, 3 s for comment-creating routes).
/// * Other errors (cancellation) propagate at once.
public actor RetryingTransport: HTTPTransport {
    private let base: any HTTPTransport
    public nonisolated let policy: RetryPolicy
    public nonisolated let writeSpacing: Duration
    private let sleep: @Sendable (Duration) async throws -> Void
    private let uptime: @Sendable () -> Duration
    private let log: @Sendable (RetryEvent) -> Void
    /// Host → earliest uptime at which its next mutating request may start.
    private var nextWriteSlot: [String: Duration] = [:]

    /// - Parameters:
    ///   - sleep: waits; tests pass one that records and returns at once.
    ///   - uptime: a monotonic clock (any origin), for write spacing.
    ///   - log: receives every retry, verify and give-up decision (not plain successes).
    public init(wrapping base: any HTTPTransport,
                policy: RetryPolicy = RetryPolicy(),
                writeSpacing: Duration = .seconds(1),
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
                uptime: (@Sendable () -> Duration)? = nil,
                log: @escaping @Sendable (RetryEvent) -> Void = { _ in }) {
        self.base = base
        self.policy = policy
        self.writeSpacing = writeSpacing
        self.sleep = sleep
        if let uptime {
            self.uptime = uptime
        } else {
            let clock = ContinuousClock()
            let origin = clock.now
            self.uptime = { clock.now - origin }
        }
        self.log = log
    }

    public func send(_ request: ForgeRequest) async throws -> ForgeResponse {
        let redactor = Redactor(headers: request.headers)
        let shownURL = Redactor.redactURL(request.url)
        var waited = Duration.zero
        var attempt = 0
        while true {
            attempt += 1
            try await waitForWriteSlot(request)
            let outcome: RetryPolicy.Outcome
            do {
                outcome = .response(try await base.send(request))
            } catch let error as TransportError {
                outcome = .failure(error)
            }
            let decision = Self.scrubbed(policy.decide(request, attempt: attempt, waited: waited, outcome: outcome), redactor)
            if decision != .deliver {
                log(RetryEvent(method: request.method, url: shownURL, attempt: attempt, maxAttempts: policy.maxAttempts, decision: decision))
            }
            let status: Int?
            if case .response(let response) = outcome { status = response.status } else { status = nil }
            switch decision {
            case .deliver:
                switch outcome {
                case .response(let response): return response
                case .failure(let error): throw error
                }
            case .retry(let wait, _):
                try await sleep(wait)
                waited += wait
            case .verifyBeforeRetry(let reason):
                throw RetryError.outcomeUnknown(method: request.method, url: shownURL, status: status, reason: reason)
            case .giveUp(let reason):
                throw RetryError.gaveUp(method: request.method, url: shownURL, attempts: attempt, status: status, reason: reason)
            }
        }
    }

    /// Reserves the host's next write slot before suspending, so concurrent writes queue up
    /// instead of all waking at the same instant.
    private func waitForWriteSlot(_ request: ForgeRequest) async throws {
        guard writeSpacing > .zero, !["GET", "HEAD", "OPTIONS"].contains(request.method.uppercased()) else { return }
        let host = URLComponents(string: request.url).map { "\($0.host?.lowercased() ?? ""):\($0.port.map(String.init) ?? "")" } ?? request.url
        let now = uptime()
        let slot = max(now, nextWriteSlot[host] ?? now)
        nextWriteSlot[host] = slot + writeSpacing
        if slot > now { try await sleep(slot - now) }
    }

    /// Reasons can quote transport errors written by another `HTTPTransport`; scrub them here too.
    private static func scrubbed(_ decision: RetryDecision, _ redactor: Redactor) -> RetryDecision {
        switch decision {
        case .deliver: return .deliver
        case .retry(let wait, let reason): return .retry(after: wait, reason: redactor.scrub(reason))
        case .verifyBeforeRetry(let reason): return .verifyBeforeRetry(reason: redactor.scrub(reason))
        case .giveUp(let reason): return .giveUp(reason: redactor.scrub(reason))
        }
    }
}
