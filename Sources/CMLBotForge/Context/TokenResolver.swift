import CMLBotCore
import Foundation

/// A token and the name of the variable it came from. Printing it in any way (interpolation,
/// `debugPrint`, `dump`, `String(reflecting:)`, a test failure) shows only the variable name:
/// the value leaves this type only through `value`, for the Authorization header.
public struct ResolvedToken: Equatable, Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let value: String
    /// `GITHUB_TOKEN`, `REPO_TOKEN`, … (what `doctor` and error messages may show).
    public let variable: String

    public init(value: String, variable: String) {
        self.value = value
        self.variable = variable
    }

    public var description: String { "token from $\(variable)" }
    public var debugDescription: String { "ResolvedToken(variable: \(variable), value: <redacted>)" }
    public var customMirror: Mirror {
        Mirror(self, children: ["variable": variable, "value": "<redacted>"], displayStyle: .struct)
    }
}

/// Finds the API token in the environment. Precedence, first non-empty wins:
///
/// 1. `--token-env NAME`: that variable and nothing else. Naming a variable is the most explicit
///    thing a user can do; silently falling back to another token would post as someone else.
/// 2. `CMLBOT_TOKEN`: set for this tool and nothing else, so it is what the user meant for it.
/// 3. `REPO_TOKEN`, then `repo_token`: CML's names, in CML's order, and CML also ranks them above
///    the forge's own, so a workflow migrated from CML posts with the same identity.
/// 4. `GITHUB_TOKEN` (GitHub) / `GITLAB_TOKEN` (GitLab): last because it is the variable most often
///    exported for other tools in the same job, and on GitHub it is the least privileged.
///
/// Values are trimmed of surrounding whitespace (a secret pasted with its trailing newline) and
/// empty values count as unset (`${{ secrets.MISSING }}` expands to ""). GitLab's `CI_JOB_TOKEN`
/// is never used: it cannot create notes, statuses or uploads (forge-api.md §2.6).
public enum TokenResolver {
    /// The variables consulted for `forge`, in order.
    public static func candidates(forge: ForgeKind, tokenEnv: String?) -> [String] {
        if let tokenEnv { return [tokenEnv] }
        return ["CMLBOT_TOKEN", "REPO_TOKEN", "repo_token", forge == .github ? "GITHUB_TOKEN" : "GITLAB_TOKEN"]
    }

    /// The token to publish with, or nil when there is none usable (`require` says why).
    public static func resolve(environment: [String: String], forge: ForgeKind, tokenEnv: String?) -> ResolvedToken? {
        if let tokenEnv, !isValidVariableName(tokenEnv) { return nil }
        if forge == .gitlab, tokenEnv == "CI_JOB_TOKEN" { return nil }
        for name in candidates(forge: forge, tokenEnv: tokenEnv) {
            if let value = usableValue(environment[name]) { return ResolvedToken(value: value, variable: name) }
        }
        return nil
    }

    /// Like `resolve`, but a missing token is a `TokenError` that says what was looked for and how
    /// to provide it.
    public static func require(environment: [String: String], forge: ForgeKind, tokenEnv: String?) throws -> ResolvedToken {
        if let token = resolve(environment: environment, forge: forge, tokenEnv: tokenEnv) { return token }
        if let tokenEnv, !isValidVariableName(tokenEnv) { throw TokenError.invalidVariableName(tokenEnv) }
        if forge == .gitlab, tokenEnv == "CI_JOB_TOKEN" || (tokenEnv == nil && usableValue(environment["CI_JOB_TOKEN"]) != nil) {
            throw TokenError.gitlabJobTokenOnly
        }
        if let tokenEnv { throw TokenError.namedVariableUnset(tokenEnv) }
        throw TokenError.missing(forge: forge, looked: candidates(forge: forge, tokenEnv: nil))
    }

    /// Environment variable names as shells accept them; anything else is a typo for one.
    static func isValidVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    static func usableValue(_ raw: String?) -> String? {
        guard let trimmed = raw?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        return trimmed
    }
}

/// Why there is no token to publish with. Messages name variables, never values.
public enum TokenError: UserFacingError, Equatable {
    case missing(forge: ForgeKind, looked: [String])
    case namedVariableUnset(String)
    case invalidVariableName(String)
    /// GitLab CI with only the job token, which can read but not write what cmlbot writes.
    case gitlabJobTokenOnly

    public var kind: FailureKind {
        switch self {
        case .invalidVariableName: return .usage
        default: return .operational
        }
    }

    public var message: String {
        switch self {
        case .missing(.github, let looked):
            return "no GitHub token: none of \(looked.joined(separator: ", ")) is set; GITHUB_TOKEN is not exported by default, "
                + "so add `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}` to the step (or name another variable with --token-env NAME)"
        case .missing(.gitlab, let looked):
            return "no GitLab token: none of \(looked.joined(separator: ", ")) is set; " + Self.gitlabTokenHowTo
        case .namedVariableUnset(let name):
            let shown = Self.isSafeToShow(name) ? name : "named by --token-env"
            return "--token-env: the environment variable \(shown) is not set or is empty; "
                + "pass the token to this job under that name (the flag takes the variable's NAME, not the token), "
                + "or drop --token-env to use CMLBOT_TOKEN, REPO_TOKEN or the forge's own variable"
        case .invalidVariableName:
            // Never echoed: the commonest cause is the token itself given instead of its name.
            return "--token-env takes the NAME of the environment variable holding the token (letters, digits and '_'), "
                + "not the token itself; e.g. --token-env MY_BOT_TOKEN"
        case .gitlabJobTokenOnly:
            return "only CI_JOB_TOKEN is available, and GitLab's job token cannot create notes, commit statuses or uploads; "
                + Self.gitlabTokenHowTo
        }
    }

    /// A name is echoed only when it cannot be a token pasted by mistake: tokens are random base62
    /// and so have lowercase letters; conventional variable names have none.
    static func isSafeToShow(_ name: String) -> Bool {
        name.count <= 64 && !name.contains(where: { $0.isLowercase })
    }

    private static let gitlabTokenHowTo = "create a project access token with the api scope (Settings > Access tokens), "
        + "store it as a masked CI/CD variable named GITLAB_TOKEN (or REPO_TOKEN), and run the pipeline again"
}
