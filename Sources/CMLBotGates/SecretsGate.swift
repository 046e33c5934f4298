import CMLBotCore
import Foundation

/// Credentials in the change: PEM private keys (with a key body after the header, so code that
/// merely mentions `-----BEGIN RSA PRIVATE KEY-----` passes), AWS access key ids and secret keys,
/// GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`), GitLab (`glpat-`) and Slack
/// (`xoxb-`/`xoxp-`/`xoxa-`/`xoxr-`, incoming webhooks) tokens, high-entropy string literals assigned
/// to password/secret/token/API-key names, and committed `.env` files.
///
/// A finding names the kind of secret and its line, never the value or any part of it: findings end
/// up in CI logs, PR comments and SARIF uploads, where a printed secret is a leaked one.
///
/// Tokens of known shape need their full documented length and some variety (so `ghp_xxxx…`,
/// `AKIA…EXAMPLE` and Slack's `T00000000/B00000000/XXXX…` examples pass). The assignment heuristic
/// needs a name whose words (split at `_`, `-`, `.`, digits and camelCase) include password, passwd,
/// pwd, passphrase, secret, token, apikey, or api/access/private + key, and whose last word is not a
/// reference (`_name`, `_id`, `_env`, `_path`, `_url`, …) and no word is public/publishable; and a
/// literal value without spaces, of at least two of lower/upper/digit, at least `min_entropy` bits
/// per character, 8+ characters for passwords and 16+ with a digit for machine-made tokens and keys,
/// that is no placeholder (`changeme`, `<your-token>`, `xxx`, `example`, `test`…), template
/// (`${VAR}`, `{{ … }}`, `%(x)s`), ENV_NAME, URL, path, regular expression or dotted reference. Program
/// source counts quoted literals only (`password = os.environ["X"]` is an expression), and in Python
/// `name: "…"` only with a quoted name (a bare one is an annotation).
///
/// Scope: added, modified and renamed files (every file with `--all`). Only text is scanned: files
/// with a NUL byte in their first 8 KiB, files above `max_file_kb` and well-known binary extensions
/// (images, archives, model weights) are skipped without a finding.
///
/// Suppressing: `allow` globs (or the common `exclude`) for files whose secrets are expected, such as
/// test fixtures; a `cmlbot: allow-secret` comment on the line itself for a single false positive.
public struct SecretsGate: HygieneGate {
    public static let id = "secrets"
    public static let summary = "private keys, cloud and forge tokens, hard-coded credentials and .env files (values never printed)"
    public static let defaultSeverity = Severity.error
    public static let options = [
        GateOption("allow", "list of path globs whose secrets are expected, e.g. test fixtures (`*` matches across `/`); a `cmlbot: allow-secret` comment on a line allows that line"),
        GateOption("max_file_kb", "files larger than this many KB are not scanned (default 1024)"),
        GateOption("min_entropy", "Shannon entropy, in bits per character, a string assigned to a password/secret/token/API-key name needs to count as a credential (default 3.0)"),
    ]

    public var allow: [String]
    public var maxFileKB: Int
    public var minEntropy: Double
    var severity: Severity
    var exclude: [String]

    public init(settings: GateSettings) throws {
        try settings.validate(known: Self.options)
        allow = try settings.strings("allow") ?? []
        maxFileKB = try settings.int("max_file_kb") ?? 1024
        guard maxFileKB > 0 else { throw settings.error("max_file_kb must be positive") }
        minEntropy = try settings.number("min_entropy") ?? 3.0
        // Entropy of bytes is at most 8 bits per character; above that nothing could ever match.
        guard minEntropy >= 0, minEntropy <= 8 else { throw settings.error("min_entropy must be between 0 and 8") }
        severity = try settings.severity(default: Self.defaultSeverity)
        exclude = try settings.exclude
    }

    public func check(_ input: CheckInput) -> [Finding] {
        let limit = Int64(maxFileKB) * 1024
        var findings: [Finding] = []
        for file in input.files {
            switch input.scope {
            case .all: break
            default: if file.change == .unchanged { continue }  // what pre-commit passes but the change does not touch
            }
            if PathGlob.matchesAny(exclude, file.path) || PathGlob.matchesAny(allow, file.path) { continue }
            if DotEnvFile.isCommittedKind(file.path) {
                findings.append(Finding(
                    gate: Self.id, severity: severity, path: file.path,
                    message: ".env file \(file.path) is in the change; such files hold credentials for the local environment",
                    hint: "git rm --cached \(ShellWord.quoted(file.path)), add it to .gitignore and commit a .env.example with placeholder values instead (or list it in gates.secrets.allow)"))
            }
            if SecretScanner.isSkippedByExtension(file.path) { continue }
            guard let data = input.contents(of: file, limit: limit), !SecretScanner.looksBinary(data) else { continue }
            let options = SecretScanner.Options(minEntropy: minEntropy, unquotedValues: SecretScanner.allowsUnquotedValues(file.path),
                                                colonNeedsQuotedName: SecretScanner.isPython(file.path))
            for hit in SecretScanner.scan(data, options: options) {
                findings.append(finding(hit, path: file.path, scope: input.scope))
            }
        }
        return findings
    }

    func finding(_ hit: SecretHit, path: String, scope: CheckInput.Scope) -> Finding {
        let message = hit.kind.isHeuristic
            ? "possible \(hit.kind.rawValue) in \(path) at line \(hit.line): a high-entropy string assigned to a \(hit.kind.nameDescription) name (value not shown)"
            : "\(hit.kind.rawValue) in \(path) at line \(hit.line) (value not shown)"
        // Staged: nothing is committed yet, so removing it is enough. A range or revision: it is in
        // history already, and whoever can read the repository may have it.
        let first: String
        if case .staged = scope {
            first = "remove it before committing and read it from the environment or a secret store instead"
        } else {
            first = "treat it as leaked: revoke and rotate it, then remove it and read it from the environment or a secret store instead"
        }
        return Finding(gate: Self.id, severity: severity, path: path, line: hit.line, message: message,
                       hint: first + "; if it is not a secret, add a `cmlbot: allow-secret` comment to that line or list the file in gates.secrets.allow")
    }
}

/// What the scanner found. The raw value is the description shown to users.
enum SecretKind: String, Hashable, Sendable, CaseIterable {
    case rsaPrivateKey = "RSA private key"
    case ecPrivateKey = "EC private key"
    case dsaPrivateKey = "DSA private key"
    case openSSHPrivateKey = "OpenSSH private key"
    case pgpPrivateKey = "PGP private key block"
    case encryptedPrivateKey = "encrypted private key"
    case privateKey = "private key"
    case awsAccessKeyID = "AWS access key ID"
    case awsSecretAccessKey = "AWS secret access key"
    case githubPersonalAccessToken = "GitHub personal access token"
    case githubOAuthToken = "GitHub OAuth access token"
    case githubUserToken = "GitHub App user-to-server token"
    case githubInstallationToken = "GitHub App installation token"
    case githubRefreshToken = "GitHub App refresh token"
    case githubFineGrainedToken = "GitHub fine-grained personal access token"
    case gitlabToken = "GitLab personal access token"
    case slackBotToken = "Slack bot token"
    case slackUserToken = "Slack user token"
    case slackWorkspaceToken = "Slack workspace access token"
    case slackRefreshToken = "Slack refresh token"
    case slackWebhook = "Slack incoming webhook URL"
    case password = "hard-coded password"
    case secret = "hard-coded secret"
    case token = "hard-coded token"
    case apiKey = "hard-coded API key"
    case accessKey = "hard-coded access key"

    /// Found by the name/entropy heuristic rather than by a token's documented shape.
    var isHeuristic: Bool {
        switch self {
        case .password, .secret, .token, .apiKey, .accessKey: return true
        default: return false
        }
    }

    var nameDescription: String {
        switch self {
        case .password: return "password"
        case .token: return "token"
        case .apiKey: return "API key"
        case .accessKey: return "access key"
        default: return "secret"
        }
    }
}

struct SecretHit: Hashable, Sendable {
    var line: Int
    var kind: SecretKind
}

/// `.env`, `.env.local`, `.env.production`…: dotenv files meant to stay on one machine. Templates
/// (`.env.example`, `.env.sample`, `.env.template`, `.env.dist`, …) are meant to be committed.
enum DotEnvFile {
    static let templateMarkers: Set<Substring> = ["example", "examples", "sample", "template", "tmpl", "tpl", "dist", "default", "defaults", "schema"]

    static func isCommittedKind(_ path: String) -> Bool {
        let name = RepoPath.fileName(path).lowercased()
        if name == ".env" { return true }
        guard name.hasPrefix(".env.") else { return false }
        let parts = name.dropFirst(5).split(separator: ".")
        return !parts.isEmpty && !parts.contains { templateMarkers.contains($0) }
    }
}

/// Shell-safe spelling of a path for fix hints (paths are attacker-controlled text).
enum ShellWord {
    static func quoted(_ word: String) -> String {
        let plain = word.unicodeScalars.allSatisfy {
            ($0.value < 0x80 && (CharacterSet.alphanumerics.contains($0))) || "/._-+@%:,=".unicodeScalars.contains($0)
        }
        if plain, !word.isEmpty { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// One pass over a file's bytes. Each detector is keyed on a cheap anchor byte (`-` for PEM headers,
/// `A` for AWS ids, `g` for GitHub/GitLab, `x` and `h` for Slack, `=` and `:` for assignments) and
/// only then validates the shape, so a file costs about one switch per byte; nothing is compiled per
/// file and no regular expressions run.
enum SecretScanner {
    struct Options {
        /// Bits per character a heuristic value needs.
        var minEntropy: Double
        /// Whether `password: s3cr3t…` (no quotes) counts: in YAML, INI, .env, shell and prose an
        /// unquoted value is a literal; in program source it is an expression (`os.environ["X"]`).
        var unquotedValues: Bool
        /// Python: `name: "…"` with a bare name is an annotation (`key: "_RSAPrivateKey"`, a forward
        /// reference), so a colon counts only after a quoted name (`{"token": "…"}`).
        var colonNeedsQuotedName = false
    }

    static func scan(_ data: Data, options: Options) -> [SecretHit] {
        data.withUnsafeBytes { raw in
            var scanner = ByteScanner(bytes: raw.bindMemory(to: UInt8.self), options: options)
            scanner.run()
            return scanner.results()
        }
    }

    /// The bytes `ByteScanner.run` dispatches on; all others are skipped with one table load.
    static let anchorBytes: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for c in "\n-Agxh=:".utf8 { table[Int(c)] = true }
        return table
    }()

    /// Git's own heuristic: a NUL byte in the first 8 KiB means binary.
    static func looksBinary(_ data: Data) -> Bool {
        data.withUnsafeBytes { raw in
            let n = min(raw.count, 8192)
            guard n > 0, let base = raw.baseAddress else { return false }
            return memchr(base, 0, n) != nil
        }
    }

    /// Extensions that are binary formats whatever their first bytes say; skipping them spares
    /// `--all` from reading every image, archive and checkpoint of an ML repository.
    static let binaryExtensions: Set<String> = [
        "png", "jpg", "jpeg", "gif", "bmp", "ico", "webp", "tif", "tiff", "psd", "pdf",
        "zip", "gz", "tgz", "bz2", "xz", "zst", "7z", "rar", "tar", "jar", "whl", "egg",
        "so", "dylib", "dll", "exe", "o", "a", "lib", "class", "pyc", "pyo", "wasm",
        "pt", "pth", "ckpt", "onnx", "safetensors", "h5", "hdf5", "npy", "npz", "pkl", "pickle", "joblib",
        "parquet", "feather", "arrow", "tfrecord", "tflite", "gguf", "avro", "orc",
        "mp3", "mp4", "wav", "flac", "ogg", "avi", "mov", "mkv", "webm",
        "woff", "woff2", "ttf", "otf", "eot",
    ]

    static func isSkippedByExtension(_ path: String) -> Bool {
        binaryExtensions.contains(RepoPath.fileExtension(path))
    }

    /// Program source, where an unquoted right-hand side is an expression, not a literal.
    static let codeExtensions: Set<String> = [
        "py", "pyi", "pyx", "ipynb", "js", "jsx", "mjs", "cjs", "ts", "tsx", "vue", "svelte",
        "swift", "go", "java", "kt", "kts", "scala", "groovy", "gradle", "rb", "php", "cs", "fs",
        "c", "h", "cc", "cpp", "cxx", "hpp", "hh", "m", "mm", "rs", "r", "jl", "lua", "pl", "pm",
        "dart", "ex", "exs", "erl", "hs", "clj", "sql", "tf", "hcl",
    ]

    static func allowsUnquotedValues(_ path: String) -> Bool {
        !codeExtensions.contains(RepoPath.fileExtension(path))
    }

    static func isPython(_ path: String) -> Bool {
        ["py", "pyi", "pyx", "ipynb"].contains(RepoPath.fileExtension(path))
    }

    /// Shannon entropy of bytes, in bits per byte.
    static func entropy(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Double {
        guard !range.isEmpty else { return 0 }
        var counts = [Int](repeating: 0, count: 256)
        for i in range { counts[Int(bytes[i])] += 1 }
        let n = Double(range.count)
        var h = 0.0
        for c in counts where c > 0 {
            let p = Double(c) / n
            h -= p * log2(p)
        }
        return h
    }
}

extension SecretScanner {
    /// The scanning state over one file. Every read outside the main loop goes through `at(_:)`, which
    /// answers 0 beyond either end, so malformed or truncated input cannot read out of bounds.
    struct ByteScanner {
        let b: UnsafeBufferPointer<UInt8>
        let n: Int
        let options: SecretScanner.Options
        var hits: [SecretHit] = []
        var line = 1
        var lineStart = 0
        /// The last line checked for an allow comment, and the answer (a line with several hits is read once).
        var allowCache: (line: Int, allowed: Bool) = (0, false)

        init(bytes: UnsafeBufferPointer<UInt8>, options: SecretScanner.Options) {
            b = bytes
            n = bytes.count
            self.options = options
        }

        @inline(__always) func at(_ i: Int) -> UInt8 { i >= 0 && i < n ? b[i] : 0 }

        mutating func run() {
            var i = 0
            // Most bytes are no anchor: one table load rejects them before the switch.
            SecretScanner.anchorBytes.withUnsafeBufferPointer { anchors in
                while i < n {
                    let c = b[i]
                    guard anchors[Int(c)] else {
                        i += 1
                        continue
                    }
                    switch c {
                    case UInt8(ascii: "\n"):
                        line += 1
                        lineStart = i + 1
                    case UInt8(ascii: "-"): privateKey(at: i)
                    case UInt8(ascii: "A"): awsAccessKeyID(at: i)
                    case UInt8(ascii: "g"): githubOrGitLab(at: i)
                    case UInt8(ascii: "x"): slackToken(at: i)
                    case UInt8(ascii: "h"): slackWebhook(at: i)
                    case UInt8(ascii: "="), UInt8(ascii: ":"): assignment(at: i)
                    default: break
                    }
                    i += 1
                }
            }
        }

        /// Hits in line order, one per kind and line; a heuristic hit is dropped where a token of known
        /// shape was found on the same line (`GITHUB_TOKEN = "ghp_…"` is one GitHub token, not two findings).
        func results() -> [SecretHit] {
            let exactLines = Set(hits.filter { !$0.kind.isHeuristic }.map(\.line))
            var seen = Set<SecretHit>()
            var out: [SecretHit] = []
            for hit in hits where !(hit.kind.isHeuristic && exactLines.contains(hit.line)) {
                if seen.insert(hit).inserted { out.append(hit) }
            }
            return out
        }

        mutating func record(_ kind: SecretKind) {
            if allowCache.line != line { allowCache = (line, lineHasAllowComment()) }
            if !allowCache.allowed { hits.append(SecretHit(line: line, kind: kind)) }
        }

        /// `cmlbot: allow-secret` (or `cmlbot:allow-secret`) anywhere on the current line.
        func lineHasAllowComment() -> Bool {
            var i = lineStart
            while i < n, b[i] != UInt8(ascii: "\n") {
                if b[i] == UInt8(ascii: "c"), matches(Literal.cmlbotColon, at: i) {
                    var j = i + Literal.cmlbotColon.count
                    while at(j) == UInt8(ascii: " ") { j += 1 }
                    if matches(Literal.allowSecret, at: j) { return true }
                }
                i += 1
            }
            return false
        }

        func matches(_ literal: [UInt8], at i: Int) -> Bool {
            guard i >= 0, i + literal.count <= n else { return false }
            for k in 0..<literal.count where b[i + k] != literal[k] { return false }
            return true
        }

        /// Length of the run starting at `i` of bytes satisfying `accept`, stopping at `limit` bytes.
        func run(from i: Int, limit: Int = 4096, _ accept: (UInt8) -> Bool) -> Int {
            var j = i
            while j < n, j - i < limit, accept(b[j]) { j += 1 }
            return j - i
        }

        /// Placeholder bodies (`AKIAXXXXXXXXXXXXXXXX`, `ghp_000…`) have almost no variety; real tokens are random.
        func isPlaceholderBody(_ range: Range<Int>) -> Bool {
            SecretScanner.entropy(b, range) < 2.5
        }

        // MARK: private keys

        mutating func privateKey(at i: Int) {
            guard at(i + 1) == UInt8(ascii: "-"), matches(Literal.pemBegin, at: i) else { return }
            let labelStart = i + Literal.pemBegin.count
            var j = labelStart
            // A PEM label is short upper-case text; a cap keeps a long line of dashes cheap.
            while j < n, j - labelStart < 40, b[j] != UInt8(ascii: "-"), b[j] != UInt8(ascii: "\n") { j += 1 }
            guard matches(Literal.pemDashes, at: j) else { return }
            let label = Array(b[labelStart..<j])
            guard let kind = Self.privateKeyKind(label), hasKeyBody(after: j + Literal.pemDashes.count) else { return }
            record(kind)
        }

        static func privateKeyKind(_ label: [UInt8]) -> SecretKind? {
            let text = String(decoding: label, as: UTF8.self)
            guard text.hasSuffix("PRIVATE KEY") || text.hasSuffix("PRIVATE KEY BLOCK") else { return nil }
            if text.hasPrefix("RSA ") { return .rsaPrivateKey }
            if text.hasPrefix("EC ") { return .ecPrivateKey }
            if text.hasPrefix("DSA ") { return .dsaPrivateKey }
            if text.hasPrefix("OPENSSH ") { return .openSSHPrivateKey }
            if text.hasPrefix("PGP ") { return .pgpPrivateKey }
            if text.hasPrefix("ENCRYPTED ") { return .encryptedPrivateKey }
            return .privateKey
        }

        /// Whether base64 key material follows the header: on the same line after an escaped newline
        /// (`"-----BEGIN PRIVATE KEY-----\nMIIE…"` in JSON), or on one of the next lines after armour
        /// headers (`Proc-Type:`, `Version:`) and blank lines. Code that only mentions the header
        /// (`if line.startswith("-----BEGIN RSA PRIVATE KEY-----")`) and redacted docs (`...`) have none.
        func hasKeyBody(after start: Int) -> Bool {
            var i = start
            var linesLeft = 8
            while linesLeft > 0 {
                // Skip what can sit between the header and the body: quotes, concatenation, escaped newlines.
                while i < n {
                    let c = b[i]
                    if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") || c == UInt8(ascii: "\"")
                        || c == UInt8(ascii: "'") || c == UInt8(ascii: "+") || c == UInt8(ascii: ",") || c == UInt8(ascii: "|") {
                        i += 1
                    } else if c == UInt8(ascii: "\\"), at(i + 1) == UInt8(ascii: "n") || at(i + 1) == UInt8(ascii: "r") {
                        i += 2
                    } else {
                        break
                    }
                }
                if run(from: i, limit: 64, ByteClass.isBase64) >= 32 { return true }
                // Not key material here: keep looking only past blank lines and `Name: value` armour headers.
                let nameLength = run(from: i, limit: 32) { ByteClass.isAlnum($0) || $0 == UInt8(ascii: "-") }
                let armourHeader = nameLength > 0 && at(i + nameLength) == UInt8(ascii: ":")
                var j = i
                while j < n, b[j] != UInt8(ascii: "\n") { j += 1 }
                let blank = i == j
                guard j < n, blank || armourHeader else { return false }
                i = j + 1
                linesLeft -= 1
            }
            return false
        }

        // MARK: tokens of known shape

        mutating func awsAccessKeyID(at i: Int) {
            let k = at(i + 1)
            guard k == UInt8(ascii: "K") || k == UInt8(ascii: "S"), at(i + 2) == UInt8(ascii: "I"), at(i + 3) == UInt8(ascii: "A"),
                  !ByteClass.isAlnum(at(i - 1)) else { return }
            let body = (i + 4)..<(i + 20)
            guard run(from: body.lowerBound, limit: 17, ByteClass.isUpperOrDigit) == 16, !ByteClass.isAlnum(at(body.upperBound)) else { return }
            // AKIAIOSFODNN7EXAMPLE is AWS's documented example id.
            if matches(Literal.example, at: body.upperBound - Literal.example.count) || isPlaceholderBody(body) { return }
            record(.awsAccessKeyID)
        }

        mutating func githubOrGitLab(at i: Int) {
            guard !ByteClass.isWordChar(at(i - 1)) else { return }
            let second = at(i + 1)
            if second == UInt8(ascii: "h"), at(i + 3) == UInt8(ascii: "_") {
                let kind: SecretKind
                switch at(i + 2) {
                case UInt8(ascii: "p"): kind = .githubPersonalAccessToken
                case UInt8(ascii: "o"): kind = .githubOAuthToken
                case UInt8(ascii: "u"): kind = .githubUserToken
                case UInt8(ascii: "s"): kind = .githubInstallationToken
                case UInt8(ascii: "r"): kind = .githubRefreshToken
                default: return
                }
                let length = run(from: i + 4, limit: 256, ByteClass.isAlnum)
                guard length >= 36, length < 256, !ByteClass.isWordChar(at(i + 4 + length)), !isPlaceholderBody((i + 4)..<(i + 4 + length)) else { return }
                record(kind)
            } else if second == UInt8(ascii: "i"), matches(Literal.githubPAT, at: i) {
                let start = i + Literal.githubPAT.count
                let length = run(from: start, limit: 256, ByteClass.isWordChar)
                guard length >= 82, length < 256, !isPlaceholderBody(start..<(start + length)) else { return }
                record(.githubFineGrainedToken)
            } else if second == UInt8(ascii: "l"), matches(Literal.glpat, at: i) {
                let start = i + Literal.glpat.count
                let length = run(from: start, limit: 256) { ByteClass.isWordChar($0) || $0 == UInt8(ascii: "-") }
                guard length >= 20, !isPlaceholderBody(start..<(start + length)) else { return }
                record(.gitlabToken)
            }
        }

        mutating func slackToken(at i: Int) {
            guard at(i + 1) == UInt8(ascii: "o"), at(i + 2) == UInt8(ascii: "x"), at(i + 4) == UInt8(ascii: "-"),
                  !ByteClass.isAlnum(at(i - 1)) else { return }
            let kind: SecretKind
            switch at(i + 3) {
            case UInt8(ascii: "b"): kind = .slackBotToken
            case UInt8(ascii: "p"): kind = .slackUserToken
            case UInt8(ascii: "a"): kind = .slackWorkspaceToken
            case UInt8(ascii: "r"): kind = .slackRefreshToken
            default: return
            }
            // Real tokens start with the numeric workspace id; `xoxb-your-token-here` does not.
            let start = i + 5
            guard ByteClass.isDigit(at(start)) else { return }
            let length = run(from: start, limit: 256) { ByteClass.isAlnum($0) || $0 == UInt8(ascii: "-") }
            guard length >= 20, !isPlaceholderBody(start..<(start + length)) else { return }
            record(kind)
        }

        mutating func slackWebhook(at i: Int) {
            guard at(i + 1) == UInt8(ascii: "o"), matches(Literal.slackHooks, at: i) else { return }
            var j = i + Literal.slackHooks.count
            // services/T<workspace>/B<channel>/<secret>
            for prefix in [UInt8(ascii: "T"), UInt8(ascii: "B")] {
                guard at(j) == prefix else { return }
                let length = run(from: j + 1, limit: 64, ByteClass.isUpperOrDigit)
                guard length >= 6, at(j + 1 + length) == UInt8(ascii: "/") else { return }
                j += 1 + length + 1
            }
            let length = run(from: j, limit: 128, ByteClass.isAlnum)
            guard length >= 20, !isPlaceholderBody(j..<(j + length)) else { return }
            record(.slackWebhook)
        }

        // MARK: assignments

        /// `NAME = "value"`, `NAME: value`, `"name": "value"`, `name := "value"`, `:name => "value"`
        /// where NAME says password/secret/token/API key and the value looks random.
        mutating func assignment(at i: Int) {
            let op = b[i]
            var valueStart: Int
            if op == UInt8(ascii: ":") {
                let next = at(i + 1)
                // `::` scopes, `https://` schemes.
                if next == UInt8(ascii: ":") || at(i - 1) == UInt8(ascii: ":") || next == UInt8(ascii: "/") { return }
                valueStart = next == UInt8(ascii: "=") ? i + 2 : i + 1
            } else {
                let previous = at(i - 1), next = at(i + 1)
                // `:=` was handled at the colon; `==`, `!=`, `<=`, `>=`, `===` compare rather than assign.
                if previous == UInt8(ascii: ":") || previous == UInt8(ascii: "=") || previous == UInt8(ascii: "!")
                    || previous == UInt8(ascii: "<") || previous == UInt8(ascii: ">") || next == UInt8(ascii: "=") { return }
                valueStart = next == UInt8(ascii: ">") ? i + 2 : i + 1
            }
            if op == UInt8(ascii: ":"), options.colonNeedsQuotedName, !ByteClass.isQuote(skipBackSpaces(from: i - 1).map(at) ?? 0) { return }
            guard var key = keyRange(endingBefore: i) else { return }
            var category = secretCategory(key)
            // `password: str = "…"`: a type annotation sits between the name and the `=`.
            if category == nil, op == UInt8(ascii: "="), let colon = skipBackSpaces(from: key.lowerBound - 1), at(colon) == UInt8(ascii: ":"),
               let annotated = keyRange(endingBefore: colon) {
                key = annotated
                category = secretCategory(key)
            }
            guard let category, let value = valueRange(from: valueStart) else { return }
            guard looksLikeCredential(value, chosenByPeople: category.kind == .password) else { return }
            if category.aws, value.count == 40, run(from: value.lowerBound, limit: 41, ByteClass.isBase64NoPadding) == 40 {
                record(.awsSecretAccessKey)
            } else {
                record(category.kind)
            }
        }

        func skipBackSpaces(from i: Int) -> Int? {
            var k = i
            while k >= lineStart, b[k] == UInt8(ascii: " ") || b[k] == UInt8(ascii: "\t") { k -= 1 }
            return k >= lineStart ? k : nil
        }

        /// The name left of an operator: skips spaces, a closing quote (JSON keys, escaped `\"` in
        /// notebooks) and a closing `]` (`os.environ["API_KEY"] = …`), then takes name characters.
        func keyRange(endingBefore op: Int) -> Range<Int>? {
            guard var k = skipBackSpaces(from: op - 1) else { return nil }
            if b[k] == UInt8(ascii: "]") { k -= 1 }
            if ByteClass.isQuote(at(k)) {
                k -= 1
                if at(k) == UInt8(ascii: "\\") { k -= 1 }
            }
            let end = k + 1
            // Names are short; a long run is base64 or prose, and bounding it keeps the scan linear.
            while k >= lineStart, end - k <= 64, ByteClass.isNameChar(b[k]) { k -= 1 }
            guard k < lineStart || !ByteClass.isNameChar(b[k]) else { return nil }
            let start = k + 1
            return start < end ? start..<end : nil
        }

        struct Category {
            var kind: SecretKind
            var aws: Bool
        }

        /// Splits the name into words (`_`, `-`, `.`, digits, camelCase) and decides whether it names a
        /// credential. Whole words, so `tokenizer`, `max_tokens` and `passage` are not names of secrets;
        /// a trailing word such as `name`, `id`, `path`, `env` or `url` means the value only refers to one.
        func secretCategory(_ key: Range<Int>) -> Category? {
            guard prefilter(key) else { return nil }
            var found: SecretKind?
            var sawAWS = false, sawSecret = false, sawAccess = false, sawPublic = false
            var previous: Range<Int>?
            var last: Range<Int>?
            // Compares byte ranges with literals: names pass by on every `:` of a JSON file, so no
            // strings are built until a credential word has been seen.
            func word(_ w: Range<Int>) {
                if equals(w, Literal.password) || equals(w, Literal.passwd) || equals(w, Literal.pwd) || equals(w, Literal.passphrase) {
                    found = .password
                } else if equals(w, Literal.secret) {
                    found = .secret
                    sawSecret = true
                } else if equals(w, Literal.token) {
                    found = .token
                } else if equals(w, Literal.apikey) {
                    found = .apiKey
                } else if equals(w, Literal.key), let p = previous {
                    if equals(p, Literal.api) { found = .apiKey }
                    else if equals(p, Literal.access) { found = .accessKey }
                    else if equals(p, Literal.privateWord) { found = .secret }
                } else if equals(w, Literal.publicWord) || equals(w, Literal.publishable) {
                    sawPublic = true
                } else if equals(w, Literal.aws) {
                    sawAWS = true
                } else if equals(w, Literal.access) {
                    sawAccess = true
                }
                previous = w
                last = w
            }
            var start: Int?
            for i in key {
                let c = b[i]
                if ByteClass.isUpper(c) {
                    // fooBar → foo|Bar; APIKey → API|Key.
                    if let s = start, i > s, ByteClass.isLower(b[i - 1]) || (ByteClass.isUpper(b[i - 1]) && i + 1 < key.upperBound && ByteClass.isLower(b[i + 1])) {
                        word(s..<i)
                        start = i
                    } else if start == nil {
                        start = i
                    }
                } else if ByteClass.isLower(c) {
                    if start == nil { start = i }
                } else if let s = start {
                    word(s..<i)
                    start = nil
                }
            }
            if let s = start { word(s..<key.upperBound) }
            // `public_key`, `publicKeyToken`, `publishable_key`: meant to be shared.
            guard let found, let last, !sawPublic else { return nil }
            let lastWord = String(decoding: b[last].map(ByteClass.lower), as: UTF8.self)
            guard !Self.referenceSuffixes.contains(lastWord) else { return nil }
            return Category(kind: found, aws: sawAWS || (sawSecret && sawAccess))
        }

        func equals(_ range: Range<Int>, _ literal: [UInt8]) -> Bool {
            range.count == literal.count && lowerMatches(literal, at: range.lowerBound)
        }

        /// Cheap test before splitting words: does the name contain `pass`, `pwd`, `secret`, `token` or `key` at all?
        func prefilter(_ key: Range<Int>) -> Bool {
            for i in key {
                switch ByteClass.lower(b[i]) {
                case UInt8(ascii: "p"):
                    if lowerMatches(Literal.pass, at: i) || lowerMatches(Literal.pwd, at: i) { return true }
                case UInt8(ascii: "s"):
                    if lowerMatches(Literal.secret, at: i) { return true }
                case UInt8(ascii: "t"):
                    if lowerMatches(Literal.token, at: i) { return true }
                case UInt8(ascii: "k"):
                    if lowerMatches(Literal.key, at: i) { return true }
                default: break
                }
            }
            return false
        }

        func lowerMatches(_ literal: [UInt8], at i: Int) -> Bool {
            guard i + literal.count <= n else { return false }
            for k in 0..<literal.count where ByteClass.lower(b[i + k]) != literal[k] { return false }
            return true
        }

        /// Last words that make a name a reference to a secret rather than the secret itself.
        static let referenceSuffixes: Set<String> = [
            "name", "names", "id", "ids", "type", "types", "kind", "file", "filename", "files", "path", "paths",
            "dir", "directory", "url", "urls", "uri", "endpoint", "host", "length", "len", "size", "count", "num",
            "limit", "max", "min", "prefix", "suffix", "header", "headers", "field", "fields", "env", "var", "variable",
            "ref", "arn", "regex", "pattern", "format", "policy", "version", "expiry", "expires", "expiration", "ttl",
            "timeout", "location", "provider", "manager", "mount", "store", "backend", "label", "description",
            "help", "prompt", "message", "msg", "placeholder", "hint", "example", "mode", "enabled", "required",
            "strategy", "column", "index", "idx", "position", "template", "style", "class", "method", "source",
            "rotation", "scope", "scopes", "user", "username", "login",
        ]

        /// The literal right of an operator: a quoted string on this line (`"…"`, `'…'`, `` `…` ``, with
        /// Python prefixes and JSON-escaped `\"…\"`), or, where `unquotedValues`, a lone bare word ending
        /// the line (`password: s3cr3t`).
        func valueRange(from start: Int) -> Range<Int>? {
            var v = start
            while at(v) == UInt8(ascii: " ") || at(v) == UInt8(ascii: "\t") { v += 1 }
            // r"…", b'…', f"…", u"…" (an f-string with {} is rejected later as a template).
            if ByteClass.isQuote(at(v + 1)), "rbufRBUF".utf8.contains(at(v)) { v += 1 }
            var escaped = false
            if at(v) == UInt8(ascii: "\\"), ByteClass.isQuote(at(v + 1)) {
                escaped = true
                v += 1
            }
            let quote = at(v)
            if ByteClass.isQuote(quote) {
                let contentStart = v + 1
                var j = contentStart
                while j < n, b[j] != UInt8(ascii: "\n"), j - contentStart <= 1024 {
                    if b[j] == UInt8(ascii: "\\") {
                        if escaped, at(j + 1) == quote { return contentStart..<j }
                        j += 2
                        continue
                    }
                    if !escaped, b[j] == quote { return contentStart..<j }
                    j += 1
                }
                return nil
            }
            guard options.unquotedValues, !escaped, v < n else { return nil }
            // YAML anchors/aliases/tags/blocks, `$VAR`, `%VAR%`, `@var` and `{…}`/`[…]` are not literals.
            if "$%&*!@|>{[(<#".utf8.contains(b[v]) { return nil }
            var j = v
            while j < n, j - v <= 1024, !ByteClass.isSpace(b[j]), !"\"'`()[]{}<>,;".utf8.contains(b[j]) { j += 1 }
            let end = j
            guard end > v else { return nil }
            // The bare word must end the statement: only a comment, `,` or `;` may follow.
            while j < n, b[j] == UInt8(ascii: " ") || b[j] == UInt8(ascii: "\t") || b[j] == UInt8(ascii: "\r") { j += 1 }
            guard j >= n || b[j] == UInt8(ascii: "\n") || b[j] == UInt8(ascii: "#") || b[j] == UInt8(ascii: ",") || b[j] == UInt8(ascii: ";") else { return nil }
            return v..<end
        }

        /// Random-looking, not a placeholder, template, pattern or reference. Tokens and keys are
        /// machine-made: at least 16 characters with a digit among them. People choose passwords, so
        /// those need only 8 characters of two kinds.
        func looksLikeCredential(_ value: Range<Int>, chosenByPeople: Bool) -> Bool {
            guard value.count >= (chosenByPeople ? 8 : 16), value.count <= 1024 else { return false }
            var lower = false, upper = false, digit = false, underscore = false
            for i in value {
                let c = b[i]
                if ByteClass.isSpace(c) { return false }  // prose, `Bearer x`, "enter your password"
                if ByteClass.isLower(c) { lower = true }
                else if ByteClass.isUpper(c) { upper = true }
                else if ByteClass.isDigit(c) { digit = true }
                else if c == UInt8(ascii: "_") { underscore = true }
            }
            // One character class is a word, a number or a mask (`********`); credentials mix them.
            guard [lower, upper, digit].filter({ $0 }).count >= 2, digit || chosenByPeople else { return false }
            // ENV_VAR_NAMES name a secret kept elsewhere.
            if upper, underscore, !lower, ByteClass.isUpper(b[value.lowerBound]) { return false }
            let first = b[value.lowerBound], last = b[value.upperBound - 1]
            if first == UInt8(ascii: "$") || first == UInt8(ascii: "%") { return false }
            if first == UInt8(ascii: "<"), last == UInt8(ascii: ">") { return false }
            if containsLowercased(value, Literal.placeholderWords) { return false }
            // Templates and lookups (${VAR}, {{ secrets.X }}, f"{x}", %(name)s, %s), regular
            // expressions (`[-!#$%&'*+.^_`|~0-9a-zA-Z]+`, `(?:…)`), and dotted references without
            // digits (`module.path:Object`, `variableName.constant`).
            var openBrace = false, openBracket = false, dot = false, referenceChars = true
            for i in value {
                let c = b[i]
                if c == UInt8(ascii: "{") { openBrace = true }
                if c == UInt8(ascii: "}"), openBrace { return false }
                if c == UInt8(ascii: "[") { openBracket = true }
                if c == UInt8(ascii: "]"), openBracket { return false }
                if c == UInt8(ascii: "("), at(i + 1) == UInt8(ascii: "?") { return false }
                if c == UInt8(ascii: "%"), at(i + 1) == UInt8(ascii: "(") || at(i + 1) == UInt8(ascii: "s") { return false }
                if c == UInt8(ascii: ".") { dot = true }
                else if !(ByteClass.isLower(c) || ByteClass.isUpper(c) || c == UInt8(ascii: "_") || c == UInt8(ascii: ":")) { referenceChars = false }
            }
            if dot, referenceChars { return false }
            if matches(Literal.http, at: value.lowerBound) || matches(Literal.https, at: value.lowerBound)
                || matches(Literal.dotSlash, at: value.lowerBound) || matches(Literal.dotDotSlash, at: value.lowerBound)
                || matches(Literal.tildeSlash, at: value.lowerBound) { return false }
            return SecretScanner.entropy(b, value) >= options.minEntropy
        }

        func containsLowercased(_ value: Range<Int>, _ words: [[UInt8]]) -> Bool {
            for i in value {
                let c = ByteClass.lower(b[i])
                for word in words where word[0] == c && i + word.count <= value.upperBound && lowerMatches(word, at: i) {
                    return true
                }
            }
            return false
        }
    }
}

extension SecretScanner {
    enum Literal {
        static let pemBegin = Array("-----BEGIN ".utf8)
        static let pemDashes = Array("-----".utf8)
        static let example = Array("EXAMPLE".utf8)
        static let githubPAT = Array("github_pat_".utf8)
        static let glpat = Array("glpat-".utf8)
        static let slackHooks = Array("hooks.slack.com/services/".utf8)
        static let cmlbotColon = Array("cmlbot:".utf8)
        static let allowSecret = Array("allow-secret".utf8)
        static let pass = Array("pass".utf8)
        static let pwd = Array("pwd".utf8)
        static let secret = Array("secret".utf8)
        static let token = Array("token".utf8)
        static let key = Array("key".utf8)
        static let passwd = Array("passwd".utf8)
        static let passphrase = Array("passphrase".utf8)
        static let password = Array("password".utf8)
        static let apikey = Array("apikey".utf8)
        static let api = Array("api".utf8)
        static let access = Array("access".utf8)
        static let privateWord = Array("private".utf8)
        static let aws = Array("aws".utf8)
        static let publicWord = Array("public".utf8)
        static let publishable = Array("publishable".utf8)
        static let http = Array("http://".utf8)
        static let https = Array("https://".utf8)
        static let dotSlash = Array("./".utf8)
        static let dotDotSlash = Array("../".utf8)
        static let tildeSlash = Array("~/".utf8)
        /// Lower-case words that mark a value as an example rather than a credential.
        static let placeholderWords: [[UInt8]] = [
            "changeme", "change_me", "change-me", "changethis", "placeholder", "example", "sample", "dummy",
            "redacted", "your", "xxx", "***", "...", "todo", "fixme", "replace", "insert", "fake", "mock", "test",
            "secret", "password",
        ].map { Array($0.utf8) }
    }
}

extension SecretScanner {
    enum ByteClass {
        @inline(__always) static func lower(_ c: UInt8) -> UInt8 { isUpper(c) ? c | 0x20 : c }
        @inline(__always) static func isLower(_ c: UInt8) -> Bool { c >= 0x61 && c <= 0x7A }
        @inline(__always) static func isUpper(_ c: UInt8) -> Bool { c >= 0x41 && c <= 0x5A }
        @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        @inline(__always) static func isAlnum(_ c: UInt8) -> Bool { isLower(c) || isUpper(c) || isDigit(c) }
        @inline(__always) static func isUpperOrDigit(_ c: UInt8) -> Bool { isUpper(c) || isDigit(c) }
        @inline(__always) static func isWordChar(_ c: UInt8) -> Bool { isAlnum(c) || c == UInt8(ascii: "_") }
        @inline(__always) static func isNameChar(_ c: UInt8) -> Bool {
            isWordChar(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")
        }
        @inline(__always) static func isBase64NoPadding(_ c: UInt8) -> Bool { isAlnum(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: "/") }
        @inline(__always) static func isBase64(_ c: UInt8) -> Bool { isBase64NoPadding(c) || c == UInt8(ascii: "=") }
        @inline(__always) static func isQuote(_ c: UInt8) -> Bool { c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") || c == UInt8(ascii: "`") }
        @inline(__always) static func isSpace(_ c: UInt8) -> Bool {
            c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r")
        }
    }
}

