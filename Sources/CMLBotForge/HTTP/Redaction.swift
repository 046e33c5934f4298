import Foundation

/// Keeps credentials out of every error message and log line the HTTP layer produces.
///
/// Two leaks are possible: a credential header's value echoed into a message, and a token carried in
/// a URL (`?private_token=`, `?job_token=`, `https://user:token@host`). Both are scrubbed here, in
/// one place, so no call site has to remember.
struct Redactor: Sendable {
    /// Request headers whose values are credentials (lower-cased).
    static let credentialHeaders: Set<String> = [
        "authorization", "proxy-authorization", "private-token", "job-token", "cookie", "x-api-key",
    ]

    /// Query parameters that carry credentials in GitLab/GitHub URLs; matched on lower-cased names
    /// that contain "token", "secret" or "password", plus these exact names.
    static let credentialQueryNames: Set<String> = ["key", "api_key", "apikey", "sig", "signature", "client_secret"]

    private let secrets: [String]

    /// Collects the credential values of `headers`: the whole value and, for `Bearer x`/`token x`,
    /// the bare token too (it is what a careless message would echo).
    init(headers: [(name: String, value: String)]) {
        var found: Set<String> = []
        for header in headers where Self.credentialHeaders.contains(header.name.lowercased()) {
            let value = header.value.trimmingCharacters(in: .whitespaces)
            found.insert(value)
            for part in value.split(separator: " ") where part.count >= 6 { found.insert(String(part)) }
        }
        // Short values (a scheme name, "x") would mangle ordinary words; real tokens are long.
        secrets = found.filter { $0.count >= 6 }.sorted { $0.count > $1.count }
    }

    /// `text` with every known credential value replaced by `***`.
    func scrub(_ text: String) -> String {
        var text = text
        for secret in secrets where text.contains(secret) {
            text = text.replacingOccurrences(of: secret, with: "***")
        }
        return text
    }

    /// `url` safe to show: the password of any userinfo and the values of credential query
    /// parameters become `***`; everything else stays as sent, so the reader can still see where.
    static func redactURL(_ url: String) -> String {
        guard var components = URLComponents(string: url) else {
            // Unparseable: keep the part before the query, which cannot hold a query token.
            guard let query = url.firstIndex(of: "?") else { return url }
            return String(url[..<query]) + "?***"
        }
        if components.percentEncodedPassword != nil { components.percentEncodedPassword = "***" }
        if let items = components.percentEncodedQueryItems {
            components.percentEncodedQueryItems = items.map { item in
                isCredentialQueryName(item.name) && item.value != nil ? URLQueryItem(name: item.name, value: "***") : item
            }
        }
        return components.string ?? url
    }

    static func isCredentialQueryName(_ name: String) -> Bool {
        let name = name.lowercased()
        return name.contains("token") || name.contains("secret") || name.contains("password")
            || credentialQueryNames.contains(name)
    }
}
