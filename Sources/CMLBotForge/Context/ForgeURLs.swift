import Foundation

/// Base URLs of the two forges: validation of what the environment or a flag gives, and the
/// derivations between a web base and an API base when only one is known.
enum ForgeURLs {
    static let githubDotComAPI = "https://api.github.com"
    static let githubDotCom = "https://github.com"
    static let gitlabDotComAPI = "https://gitlab.com/api/v4"
    static let gitlabDotCom = "https://gitlab.com"

    enum Problem: Error, Equatable {
        case notHTTP
        /// `https://user:secret@host`: the value is never echoed, since the userinfo may be a token.
        case hasCredentials
    }

    /// `value` as an http(s) URL with a host and without trailing slashes (callers append `/repos/…`).
    static func normalized(_ value: String) -> Result<String, Problem> {
        guard let components = URLComponents(string: value),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty,
              components.query == nil, components.fragment == nil
        else { return .failure(.notHTTP) }
        if components.user != nil || components.password != nil { return .failure(.hasCredentials) }
        var trimmed = value
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return .success(trimmed)
    }

    /// The REST base for a GitHub web base: github.com, GitHub Enterprise Cloud with data residency
    /// (`https://SUB.ghe.com` → `https://api.SUB.ghe.com`), else GitHub Enterprise Server (`/api/v3`).
    static func githubAPI(forServer server: String) -> String {
        if server == githubDotCom { return githubDotComAPI }
        if let components = URLComponents(string: server), let host = components.host,
           host.hasSuffix(".ghe.com"), components.path.isEmpty {
            var api = components
            api.host = "api." + host
            return api.string ?? server + "/api/v3"
        }
        return server + "/api/v3"
    }

    /// The web base for a GitHub REST base, or nil when the form is not one GitHub uses (a test
    /// server on 127.0.0.1, a proxy).
    static func githubServer(forAPI api: String) -> String? {
        if api == githubDotComAPI { return githubDotCom }
        if api.hasSuffix("/api/v3") { return String(api.dropLast("/api/v3".count)) }
        if var components = URLComponents(string: api), let host = components.host,
           host.hasPrefix("api."), host.hasSuffix(".ghe.com"), components.path.isEmpty {
            components.host = String(host.dropFirst("api.".count))
            return components.string
        }
        return nil
    }

    static func gitlabAPI(forServer server: String) -> String { server + "/api/v4" }

    static func gitlabServer(forAPI api: String) -> String? {
        api.hasSuffix("/api/v4") ? String(api.dropLast("/api/v4".count)) : nil
    }

    static func defaultAPI(for forge: ForgeKind) -> String {
        forge == .github ? githubDotComAPI : gitlabDotComAPI
    }

    static func server(forAPI api: String, forge: ForgeKind) -> String? {
        forge == .github ? githubServer(forAPI: api) : gitlabServer(forAPI: api)
    }
}

/// Names of repositories and projects as they go into REST paths.
enum RepositoryName {
    /// GitHub `owner/name`: exactly two parts of the characters GitHub allows (letters, digits,
    /// `-`, `_`, `.`), neither `.` nor `..`. Anything else would build a different URL path.
    static func isValidGitHub(_ value: String) -> Bool {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy(isValidSegment)
    }

    /// GitLab `group/subgroup/…/project`: two or more segments.
    static func isValidGitLabPath(_ value: String) -> Bool {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count >= 2 && parts.allSatisfy(isValidSegment)
    }

    static func isNumericID(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } && value.contains { $0 != "0" }
    }

    private static func isValidSegment(_ segment: Substring) -> Bool {
        !segment.isEmpty && segment != "." && segment != ".."
            && segment.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "-_.".unicodeScalars.contains(scalar))
            }
    }

    /// GitLab's `:id` form of a project path: every byte outside RFC 3986's unreserved set
    /// percent-encoded, so `group/sub/project` becomes `group%2Fsub%2Fproject`. Encoded once here
    /// and kept encoded: the HTTP layer must put it on the wire as is (`URLComponents.percentEncodedPath`).
    static func gitlabEncoded(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            let unreserved = (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
            if unreserved {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
