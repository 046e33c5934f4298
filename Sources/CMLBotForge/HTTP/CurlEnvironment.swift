import Foundation

/// The proxy variables libcurl would read, resolved from an environment passed in as a value.
///
/// Why not let libcurl call `getenv` itself: the library never reads the process environment
/// (DESIGN.md; the env comes in as a value), so tests and `--dry-run` are a pure function of their
/// input, and a developer's own proxy variables cannot leak into loopback tests. We therefore apply
/// libcurl's documented rules ourselves (lib/url.c `detect_proxy`, CURLOPT_PROXY(3), libcurl-env(3))
/// and hand the result to `CURLOPT_PROXY`/`CURLOPT_NOPROXY`. Setting `CURLOPT_PROXY` — even to "" —
/// switches libcurl's own environment lookup off, so there is exactly one source of truth:
///
/// * `http_proxy` for `http://` URLs — lower-case only. libcurl deliberately ignores `HTTP_PROXY`
///   because CGI programs receive the request header `Proxy:` as `HTTP_PROXY` ("httpoxy"), which
///   would let a client redirect a server's outgoing traffic.
/// * `https_proxy`, else `HTTPS_PROXY`, for `https://` URLs.
/// * `all_proxy`, else `ALL_PROXY`, when no scheme-specific variable is set.
/// * `no_proxy`, else `NO_PROXY`: comma-separated hosts, domain suffixes, IPs/CIDRs, or `*`; libcurl
///   does the matching (we pass the list through `CURLOPT_NOPROXY`).
/// * Empty values count as unset, as in libcurl's `curl_getenv`.
///
/// A proxy URL without a scheme means `http://`; `socks5h://…` and credentials in the proxy URL
/// (`http://user:pass@proxy:3128`) work because libcurl parses the value.
public struct ProxySettings: Equatable, Sendable {
    public var httpProxy: String?
    public var httpsProxy: String?
    public var allProxy: String?
    public var noProxy: String?

    public init(httpProxy: String? = nil, httpsProxy: String? = nil, allProxy: String? = nil, noProxy: String? = nil) {
        self.httpProxy = httpProxy
        self.httpsProxy = httpsProxy
        self.allProxy = allProxy
        self.noProxy = noProxy
    }

    public init(environment env: [String: String]) {
        func value(_ name: String) -> String? {
            guard let v = env[name]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }
        self.init(httpProxy: value("http_proxy"),
                  httpsProxy: value("https_proxy") ?? value("HTTPS_PROXY"),
                  allProxy: value("all_proxy") ?? value("ALL_PROXY"),
                  noProxy: value("no_proxy") ?? value("NO_PROXY"))
    }

    /// The proxy libcurl would pick for a URL with this scheme, before `no_proxy` is applied.
    public func proxy(forScheme scheme: String) -> String? {
        switch scheme.lowercased() {
        case "http": return httpProxy ?? allProxy
        case "https": return httpsProxy ?? allProxy
        default: return allProxy
        }
    }
}

/// Which CA certificates verify TLS peers.
///
/// libcurl ignores `SSL_CERT_FILE` (only OpenSSL-the-command and Python honour it), so a corporate
/// CA set there would silently not apply; we read it ourselves. Order as in the curl tool:
/// `CURL_CA_BUNDLE`, then `SSL_CERT_FILE`; `SSL_CERT_DIR` sets a hashed directory in addition.
public struct CACertificates: Equatable, Sendable {
    /// A PEM bundle for `CURLOPT_CAINFO`, and the variable that named it (for error messages).
    public var bundle: (path: String, source: String)?
    /// A c_rehash'ed directory for `CURLOPT_CAPATH`.
    public var directory: (path: String, source: String)?

    public init(bundle: (path: String, source: String)? = nil, directory: (path: String, source: String)? = nil) {
        self.bundle = bundle
        self.directory = directory
    }

    public init(environment env: [String: String]) {
        func value(_ name: String) -> (String, String)? {
            guard let v = env[name], !v.isEmpty else { return nil }
            return (v, name)
        }
        self.init(bundle: value("CURL_CA_BUNDLE") ?? value("SSL_CERT_FILE"), directory: value("SSL_CERT_DIR"))
    }

    public static func == (a: CACertificates, b: CACertificates) -> Bool {
        a.bundle?.path == b.bundle?.path && a.bundle?.source == b.bundle?.source
            && a.directory?.path == b.directory?.path && a.directory?.source == b.directory?.source
    }
}
