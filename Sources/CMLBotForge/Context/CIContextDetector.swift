import Foundation

/// Works out where this run is (GitHub Actions, GitLab CI, or a laptop) and what it is about (which
/// PR/MR, which commits), from the environment as a value and the event payload through `readFile`.
/// Pure: it never reads `ProcessInfo` or the file system itself, so every CI shape is a fixture test.
public enum CIContextDetector {
    /// GitHub Actions when `GITHUB_ACTIONS=true`, else GitLab CI when `GITLAB_CI=true`, else a local
    /// run (`provider == .local`, no forge). GitHub is checked first only because a job cannot be
    /// both; the order never matters in practice.
    ///
    /// Throws `CIContextError` when the CI environment or the event payload is malformed (a missing
    /// or non-JSON event file, a PR event without `pull_request.head.sha`, a non-numeric
    /// `CI_MERGE_REQUEST_IID`): guessing would comment on the wrong PR or commit.
    public static func detect(environment: [String: String], readFile: (String) -> Data?) throws -> CIContext {
        let env = CIEnvironment(environment)
        if env.isTrue("GITHUB_ACTIONS") { return try GitHubActionsDetector.detect(env, readFile: readFile) }
        if env.isTrue("GITLAB_CI") { return try GitLabCIDetector.detect(env) }
        return CIContext()
    }
}

/// Environment look-ups where an empty value counts as unset: `env: X: ${{ secrets.MISSING }}` and
/// GitLab's unset variables both arrive as empty strings.
struct CIEnvironment {
    let values: [String: String]

    init(_ values: [String: String]) { self.values = values }

    subscript(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    func isTrue(_ name: String) -> Bool { self[name]?.lowercased() == "true" }

    /// A commit id from a variable, checked: a non-SHA here means the job's env replaced it.
    func sha(_ name: String) throws -> String? {
        guard let value = self[name] else { return nil }
        guard CommitID.isValid(value) else {
            throw CIContextError.invalidEnvironment(variable: name, value: value, expected: "a commit SHA (40 or 64 hex digits)")
        }
        return value
    }

    /// Like `sha`, but git's all-zero id (no commit) reads as unset.
    func nonZeroSHA(_ name: String) throws -> String? {
        guard let value = try sha(name), !CommitID.isZero(value) else { return nil }
        return value
    }

    func url(_ name: String) throws -> String? {
        guard let value = self[name] else { return nil }
        switch ForgeURLs.normalized(value) {
        case .success(let url): return url
        case .failure(.notHTTP):
            throw CIContextError.invalidEnvironment(variable: name, value: value, expected: "an http(s) URL")
        case .failure(.hasCredentials):
            throw CIContextError.invalidEnvironment(variable: name, value: "<redacted>", expected: "a URL without user:password@")
        }
    }

    func positiveInt(_ name: String) throws -> Int? {
        guard let value = self[name] else { return nil }
        guard let number = Int(value), number > 0 else {
            throw CIContextError.invalidEnvironment(variable: name, value: value, expected: "a positive integer")
        }
        return number
    }
}
