import Foundation

/// Replaces every occurrence of known secret values with `***`, for `--dry-run` request dumps and
/// error messages that quote server responses or URLs. A backstop, not the first line of defence:
/// code should not put tokens into text in the first place.
public struct TokenMasker: Sendable {
    public static let mask = "***"

    /// Longest first, so a secret that contains another is masked whole rather than leaving its
    /// remainder in clear.
    private let secrets: [String]

    /// Each secret is masked as given and in its percent-encoded form (a token in a query string,
    /// `?job_token=…`). Empty values are ignored: masking "" would be meaningless.
    public init(secrets: [String]) {
        var all = Set<String>()
        for secret in secrets where !secret.isEmpty {
            all.insert(secret)
            if let encoded = secret.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed), encoded != secret {
                all.insert(encoded)
            }
        }
        self.secrets = all.sorted { $0.utf8.count != $1.utf8.count ? $0.utf8.count > $1.utf8.count : $0 < $1 }
    }

    public init(tokens: [ResolvedToken]) {
        self.init(secrets: tokens.map(\.value))
    }

    /// Every token the environment holds under a name cmlbot knows (all candidates for both forges,
    /// GitLab's `CI_JOB_TOKEN`, and the `--token-env` variable), whether or not it is the one used:
    /// a request dump must not leak the token cmlbot decided not to use either.
    public init(environment: [String: String], tokenEnv: String?) {
        var names = Set(TokenResolver.candidates(forge: .github, tokenEnv: nil) + TokenResolver.candidates(forge: .gitlab, tokenEnv: nil))
        names.insert("CI_JOB_TOKEN")
        if let tokenEnv { names.insert(tokenEnv) }
        let values = names.compactMap { name -> [String]? in
            guard let raw = environment[name], !raw.isEmpty else { return nil }
            // Both the raw value and the trimmed one the resolver would use.
            return [raw, TokenResolver.usableValue(raw)].compactMap { $0 }
        }
        self.init(secrets: values.flatMap { $0 })
    }

    public func mask(_ text: String) -> String {
        var out = text
        for secret in secrets where out.contains(secret) {
            out = out.replacingOccurrences(of: secret, with: Self.mask)
        }
        return out
    }
}

private extension CharacterSet {
    /// RFC 3986 unreserved characters: what a query value can carry without encoding.
    static let urlQueryValueAllowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
