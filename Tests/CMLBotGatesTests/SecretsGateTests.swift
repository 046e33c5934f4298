import CMLBotCore
import CMLBotEvidence
import Foundation
import Testing
import TestSupport
@testable import CMLBotGates

/// Deterministic random-looking strings, so no real-looking credential is written into this file
/// (a scanner run over this repository, or a forge's push protection, would rightly reject it).
enum FakeSecret {
    static let base62 = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    static let upperDigits = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    static let base64 = base62 + ["+", "/"]

    static func chars(_ count: Int, seed: UInt64, from alphabet: [Character] = base62) -> String {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        var out = ""
        for _ in 0..<count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            out.append(alphabet[Int((state >> 33) % UInt64(alphabet.count))])
        }
        return out
    }

    /// A PEM block with a plausible base64 body.
    static func pem(_ label: String, seed: UInt64, headers: String = "") -> String {
        let body = (0..<4).map { chars(64, seed: seed &+ UInt64($0), from: base64) }.joined(separator: "\n")
        return "-----BEGIN \(label)-----\n\(headers)MIIE\(body)\n-----END \(label)-----\n"
    }

    /// Every window of `length` characters of `secret`: none may appear in user-visible output.
    static func fragments(of secret: String, length: Int = 8) -> [String] {
        let chars = Array(secret)
        guard chars.count >= length else { return [secret] }
        return (0...(chars.count - length)).map { String(chars[$0..<($0 + length)]) }
    }
}

/// One file holding one secret on line 2, and what the gate must call it.
struct SecretCase: Sendable, CustomTestStringConvertible {
    var path: String
    var text: String
    var secret: String
    var kind: SecretKind
    var testDescription: String { "\(kind.rawValue) in \(path)" }

    init(_ path: String, _ kind: SecretKind, secret: String, line2: String? = nil, rest: String = "") {
        self.path = path
        self.kind = kind
        self.secret = secret
        self.text = "# settings\n" + (line2 ?? secret) + "\n" + rest
    }
}

@Suite struct SecretsGateTests {
    static func input(_ files: [String: String], changes: [String: CandidateFile.Change] = [:], scope: CheckInput.Scope = .staged) -> CheckInput {
        input(data: files.mapValues { Data($0.utf8) }, changes: changes, scope: scope)
    }

    static func input(data: [String: Data], changes: [String: CandidateFile.Change] = [:], scope: CheckInput.Scope = .staged) -> CheckInput {
        let candidates = data.keys.sorted(by: RepoPath.precedes).map {
            CandidateFile(path: $0, size: Int64(data[$0]?.count ?? 0), change: changes[$0] ?? .added)
        }
        return CheckInput(scope: scope, files: candidates, tree: InMemoryFileTree(data: data), allPaths: Set(data.keys))
    }

    static func gate(_ values: [(String, Value)] = []) throws -> SecretsGate {
        try SecretsGate(settings: GateSettings(gate: "secrets", values: OrderedObject(values)))
    }

    static func findings(_ path: String, _ text: String, _ values: [(String, Value)] = []) throws -> [Finding] {
        try gate(values).check(input([path: text]))
    }

    /// (line, kind description) pairs, the shape most assertions need.
    static func hits(_ path: String, _ text: String, _ values: [(String, Value)] = []) throws -> [String] {
        try findings(path, text, values).map { "\($0.line.map(String.init) ?? "-"): \($0.message)" }
    }

    // MARK: what is detected

    static let aws40 = FakeSecret.chars(40, seed: 7, from: FakeSecret.base64)
    static let cases: [SecretCase] = {
        let f = FakeSecret.self
        var cases: [SecretCase] = [
            SecretCase("keys/id_rsa", .rsaPrivateKey, secret: f.pem("RSA PRIVATE KEY", seed: 1)),
            SecretCase("keys/ec.pem", .ecPrivateKey, secret: f.pem("EC PRIVATE KEY", seed: 2)),
            SecretCase("keys/dsa.pem", .dsaPrivateKey, secret: f.pem("DSA PRIVATE KEY", seed: 3)),
            SecretCase("keys/id_ed25519", .openSSHPrivateKey, secret: f.pem("OPENSSH PRIVATE KEY", seed: 4)),
            SecretCase("keys/pkcs8.key", .privateKey, secret: f.pem("PRIVATE KEY", seed: 5)),
            SecretCase("keys/enc.key", .encryptedPrivateKey, secret: f.pem("ENCRYPTED PRIVATE KEY", seed: 6)),
            SecretCase("keys/legacy.pem", .rsaPrivateKey, secret: f.pem("RSA PRIVATE KEY", seed: 8, headers: "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0123\n\n")),
            SecretCase("keys/signing.asc", .pgpPrivateKey, secret: f.pem("PGP PRIVATE KEY BLOCK", seed: 9, headers: "Version: GnuPG v2\n\n")),
        ]
        // A service-account JSON: the key is one JSON string with escaped newlines.
        let jsonKey = "-----BEGIN PRIVATE KEY-----\\nMIIE" + f.chars(120, seed: 10, from: f.base64) + "\\n-----END PRIVATE KEY-----\\n"
        cases.append(SecretCase("gcp/service-account.json", .privateKey, secret: jsonKey, line2: "  \"private_key\": \"\(jsonKey)\","))
        // A key in a Python string built by concatenation.
        let concatenated = "\"MIIE" + f.chars(60, seed: 11, from: f.base64) + "\\n\""
        cases.append(SecretCase("deploy.py", .rsaPrivateKey, secret: concatenated, line2: "KEY = (\"-----BEGIN RSA PRIVATE KEY-----\\n\"", rest: "       \(concatenated))\n"))

        let akia = "AK" + "IA" + f.chars(16, seed: 12, from: f.upperDigits)
        let asia = "AS" + "IA" + f.chars(16, seed: 13, from: f.upperDigits)
        cases += [
            SecretCase("deploy/aws.py", .awsAccessKeyID, secret: akia, line2: "aws_access_key_id = \"\(akia)\""),
            SecretCase("deploy/aws.ini", .awsAccessKeyID, secret: asia, line2: "aws_access_key_id=\(asia)"),
            SecretCase("deploy/credentials", .awsSecretAccessKey, secret: aws40, line2: "aws_secret_access_key = \(aws40)"),
            SecretCase("deploy/boto.py", .awsSecretAccessKey, secret: aws40, line2: "AWS_SECRET_ACCESS_KEY = '\(aws40)'"),
        ]
        for (index, (letter, kind)) in [("p", SecretKind.githubPersonalAccessToken), ("o", .githubOAuthToken), ("u", .githubUserToken),
                                        ("s", .githubInstallationToken), ("r", .githubRefreshToken)].enumerated() {
            let token = "gh" + letter + "_" + f.chars(36, seed: 100 + UInt64(index))
            cases.append(SecretCase("ci/github-\(index).sh", kind, secret: token, line2: "curl -H \"Authorization: token \(token)\" https://api.github.com"))
        }
        let pat = "github" + "_pat_" + f.chars(22, seed: 14) + "_" + f.chars(59, seed: 15)
        cases.append(SecretCase("scripts/release.yml", .githubFineGrainedToken, secret: pat, line2: "    GH_AUTH: \(pat)"))
        let glpat = "gl" + "pat-" + f.chars(20, seed: 16)
        cases.append(SecretCase(".gitlab/ci.env.sh", .gitlabToken, secret: glpat, line2: "export GITLAB_API=\(glpat)"))
        for (letter, kind) in [("b", SecretKind.slackBotToken), ("p", .slackUserToken), ("a", .slackWorkspaceToken), ("r", .slackRefreshToken)] {
            let token = "xo" + "x\(letter)-" + "1234567890" + "-" + "2345678901234" + "-" + f.chars(24, seed: 17 &+ UInt64(letter.utf8.first ?? 0))
            cases.append(SecretCase("notify_\(letter).py", kind, secret: token, line2: "client = WebClient(\(letter == "b" ? "" : "t=")\"\(token)\")"))
        }
        let hook = "https://hooks.slack" + ".com/services/T" + f.chars(8, seed: 18, from: f.upperDigits) + "/B" + f.chars(10, seed: 19, from: f.upperDigits) + "/" + f.chars(24, seed: 20)
        cases.append(SecretCase("alerts.yaml", .slackWebhook, secret: hook, line2: "webhook: \(hook)"))

        // The name/entropy heuristic, across the spellings of an assignment.
        let v = { (seed: UInt64) in f.chars(24, seed: seed) }
        cases += [
            SecretCase("app/db.py", .password, secret: v(21), line2: "DB_PASSWORD = \"\(v(21))\""),
            SecretCase("app/db.py", .password, secret: v(22), line2: "conn = connect(host=h, password='\(v(22))')"),
            SecretCase("app/oauth.py", .token, secret: v(38), line2: "    return {\"access_token\": \"\(v(38))\", \"expires_in\": 3600}"),
            SecretCase("app/types.py", .secret, secret: v(23), line2: "    client_secret: str = \"\(v(23))\""),
            SecretCase("app/env.py", .apiKey, secret: v(24), line2: "os.environ[\"OPENAI_API_KEY\"] = \"\(v(24))\""),
            SecretCase("web/config.ts", .apiKey, secret: v(25), line2: "const apiKey = `\(v(25))`;"),
            SecretCase("web/app.json", .apiKey, secret: v(26), line2: "  \"apiKey\": \"\(v(26))\","),
            SecretCase("svc/main.go", .token, secret: v(27), line2: "\tauthToken := \"\(v(27))\""),
            SecretCase("lib/client.rb", .password, secret: v(28), line2: "  :password => \"\(v(28))\","),
            SecretCase("conf/app.yml", .apiKey, secret: v(29), line2: "wandb_api_key: \(v(29))  # from the team account"),
            SecretCase("conf/app.yml", .token, secret: v(30), line2: "hf_token: \"\(v(30))\""),
            SecretCase("conf/application.properties", .password, secret: v(31), line2: "spring.datasource.password=\(v(31))"),
            SecretCase("conf/settings.toml", .accessKey, secret: v(32), line2: "access_key = \"\(v(32))\""),
            SecretCase("django/settings.py", .secret, secret: v(33), line2: "SECRET_KEY = r'\(v(33))'"),
            SecretCase("run.sh", .token, secret: v(34), line2: "export AUTH_TOKEN=\(v(34))"),
            SecretCase("Dockerfile", .apiKey, secret: v(35), line2: "ENV API_KEY=\(v(35))"),
            SecretCase("settings.cfg", .password, secret: v(36), line2: "passwd: \(v(36))\r"),
        ]
        // A notebook: source lines are JSON strings, so the quotes around the value are escaped.
        cases.append(SecretCase("notebooks/explore.ipynb", .token, secret: v(37), line2: "    \"hf_token = \\\"\(v(37))\\\"\\n\","))
        return cases
    }()

    @Test(arguments: cases) func detectsTheKindAndLineAndNeverTheValue(_ c: SecretCase) throws {
        let findings = try Self.findings(c.path, c.text)
        #expect(findings.count == 1, "\(findings.map(\.message))")
        guard let finding = findings.first else { return }
        #expect(finding.gate == "secrets")
        #expect(finding.severity == .error)
        #expect(finding.path == c.path)
        #expect(finding.line == 2)
        #expect(finding.message.contains(c.kind.rawValue), "\(finding.message)")
        for fragment in FakeSecret.fragments(of: c.secret) where !fragment.contains("-----") && !fragment.contains("\\n") {
            #expect(!finding.message.contains(fragment) && !finding.hint.contains(fragment), "leaks \(fragment)")
        }
    }

    @Test func everyKindAppearsInTheCases() {
        let covered = Set(Self.cases.map(\.kind))
        #expect(Set(SecretKind.allCases).subtracting(covered).isEmpty, "\(Set(SecretKind.allCases).subtracting(covered))")
    }

    @Test func messagesNameTheKindAndLocationOnly() throws {
        let token = "gh" + "p_" + FakeSecret.chars(36, seed: 40)
        let findings = try Self.findings("src/a.py", "x = 1\n\ntoken = \"\(token)\"  # the bot\n")
        #expect(findings.map(\.message) == ["GitHub personal access token in src/a.py at line 3 (value not shown)"])
        #expect(findings.first?.hint.hasPrefix("remove it before committing") == true)
        #expect(findings.first?.hint.contains("cmlbot: allow-secret") == true)
        let password = FakeSecret.chars(20, seed: 41)
        let heuristic = try Self.findings("src/b.py", "password = \"\(password)\"\n")
        #expect(heuristic.map(\.message) == ["possible hard-coded password in src/b.py at line 1: a high-entropy string assigned to a password name (value not shown)"])
    }

    @Test func severalSecretsInOneFileEachWithItsLine() throws {
        let f = FakeSecret.self
        let text = """
        # deploy
        AWS_ACCESS_KEY_ID=\("AK" + "IA" + f.chars(16, seed: 50, from: f.upperDigits))
        AWS_SECRET_ACCESS_KEY=\(f.chars(40, seed: 51, from: f.base64))
        GITHUB_TOKEN=\("gh" + "s_" + f.chars(36, seed: 52))

        \(f.pem("OPENSSH PRIVATE KEY", seed: 53))
        """
        #expect(try Self.findings("deploy/ci.sh", text).map { "\($0.line ?? 0) \($0.message.components(separatedBy: " in ")[0])" } == [
            "2 AWS access key ID", "3 AWS secret access key", "4 GitHub App installation token", "6 OpenSSH private key",
        ])
    }

    @Test func aTokenOfKnownShapeInANamedAssignmentIsOneFinding() throws {
        let token = "gh" + "p_" + FakeSecret.chars(36, seed: 60)
        let findings = try Self.findings("a.py", "GITHUB_TOKEN = \"\(token)\"\n")
        #expect(findings.count == 1)
        #expect(findings.first?.message.hasPrefix("GitHub personal access token") == true)
    }

    @Test func lineNumbersCountLFAndCRLFLines() throws {
        let token = "gl" + "pat-" + FakeSecret.chars(20, seed: 61)
        #expect(try Self.findings("a.yml", "a: 1\r\nb: 2\r\n\r\nc: \(token)\r\n").map(\.line) == [4])
        #expect(try Self.findings("a.yml", "\(token)").map(\.line) == [1])
    }

    // MARK: false positives

    static let harmless: [(String, String)] = {
        let f = FakeSecret.self
        let uuid = "3f2b8c1e-9d4a-4e7b-8a6f-1c2d3e4f5a6b"
        let sha = "9fceb02d0ae598e95dc970b74767f19372d61af8"
        let image = f.chars(3000, seed: 70, from: f.base64) + "xAKIA" + f.chars(16, seed: 71, from: f.upperDigits) + "b"
            + f.chars(500, seed: 72, from: f.base64) + "=="
        return [
            ("ids.py", "run_id = \"\(uuid)\"\nexperiment = '\(uuid)'\n\(uuid)\n"),
            ("nb.ipynb", "{\"cells\": [{\"id\": \"\(uuid)\", \"cell_type\": \"code\", \"metadata\": {}}]}\n"),
            (".pre-commit-config.yaml", "repos:\n- repo: https://github.com/pre-commit/pre-commit-hooks\n  rev: \(sha)\n"),
            ("dvc.lock", "schema: '2.0'\nstages:\n  train:\n    outs:\n    - path: model.pt\n      md5: 3863d0e317dee0a55c4e59d2ec0eef33\n"),
            ("release.py", "commit = \"\(sha)\"\nparent_sha: str = \"\(sha)\"\n"),
            ("plot.ipynb", "{\"outputs\": [{\"data\": {\"image/png\": \"\(image)\",\n \"text/plain\": [\"<Figure size 640x480>\"]}}]}\n"),
            ("db.py", "password = os.environ[\"DB_PASSWORD\"]\npassword = os.getenv(\"DB_PASSWORD\", None)\ntoken = get_token()\napi_key = settings.API_KEY\n"),
            ("db.js", "const password = process.env.DB_PASSWORD;\nconst token = await vault.read('kv/token');\n"),
            ("ci.yml", "env:\n  API_KEY: ${{ secrets.API_KEY }}\n  TOKEN: ${TOKEN}\n  PASSWORD: $DB_PASSWORD\n  token: \"{{ vault_token }}\"\n  password: !vault |\n"),
            ("placeholders.py", "password = \"<your-password>\"\napi_key = \"changeme\"\ntoken = 'xxxxxxxxxxxxxxxxxxxx'\nSECRET_KEY = \"your-secret-key-here\"\npassword = \"********\"\napi_key = 'YOUR_API_KEY_HERE'\npassword = f\"{user}-{suffix}\"\ntoken = \"%(token)s\"\n"),
            ("env_names.py", "password = \"DB_PASSWORD\"\npassword_env = \"PROD_DB_PASSWORD_V2\"\nsecret_name = \"prod/db-credentials-v2\"\ntoken_url = \"https://auth.example.org/oauth2/v1/token\"\n"),
            ("nlp.py", "tokenizer = \"bert-base-uncased\"\npad_token = \"[PAD]\"\neos_token = \"</s>\"\nbos_token = '<|begin_of_text|>'\nmax_tokens = 4096\ntoken_ids = \"0,101,2023,2003\"\nmodel_name = \"meta-llama/Llama-2-7b-hf\"\n"),
            ("prompts.py", "password_prompt = \"Enter your password: \"\nmessage = \"token: expired\"\nhelp = \"Set password=... in the config\"\n"),
            ("compare.py", "if password == \"Kx9mQ2vLp8Rt5Wz3\":\n    pass\nassert token != \"Yh7Nb3Vc5Xz1Lk9J\"\n"),
            ("docs.md", "Documented examples: AKIAIOSFODNN7EXAMPLE, wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY,\n`\("gh" + "p_" + String(repeating: "x", count: 36))`, `\("xo" + "xb-your-token")`, https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX\n"),
            ("pem.py", "if text.startswith(\"-----BEGIN RSA PRIVATE KEY-----\"):\n    return parse(text)\nMARKER = '-----BEGIN OPENSSH PRIVATE KEY-----'\n"),
            ("README.md", "Put your key in `key.pem`:\n\n```\n-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n```\n"),
            ("public.pem", "-----BEGIN PUBLIC KEY-----\nMIIB\(f.chars(64, seed: 73, from: f.base64))\n-----END PUBLIC KEY-----\n-----BEGIN CERTIFICATE-----\nMIIC\(f.chars(64, seed: 74, from: f.base64))\n-----END CERTIFICATE-----\n"),
            ("words.yml", "password: correcthorsebatterystaple\ntoken: abc\nsecret: DB_PASSWORD\n"),
            ("crypto.py", "def sign(\n    backend: \"Backend\", private_key: \"_EllipticCurvePrivateKey\", data: bytes\n) -> None:\n    access_token: \"OAuthAccessTokenV2\"\n"),
            ("oauth_doc.py", "    >>> client.prepare(oauth_token=\"ad180jjd733klru\", refresh_token='askfjh234as9sd8')\n"),
            ("refs.py", "TOKEN_RE = r\"[-!#$%&'*+.^_`|~0-9a-zA-Z]+\"\nsecret_pattern = '(?:sk|pk)_(?:live|test)_[0-9a-zA-Z]{24}'\nhandlers = {\"pwd\": \"IPython.core.magics.osm:OSMagics\"}\n"),
            ("theme.js", "const s={regex:/\\d+/,token:\"variableName.function.standard\"};\n"),
            ("manifest.xml", "<assemblyIdentity name=\"Microsoft.VC90.CRT\" publicKeyToken=\"1fc8b3b9a1e18e3b\"/>\nstripe_publishable_key: pk_live_4eC39HqLyjWDarjtT1zdp7dc\n"),
            ("tests/test_login.py", "login(user, password=\"Password123\")\nclient_secret = \"mysecret2024\"\npassword = \"test1234abcd\"\n"),
            ("embedded.py", "x = \"a" + "gh" + "p_" + f.chars(36, seed: 75) + "\"  # glued to a word: not a token\n"),
        ]
    }()

    @Test func commonNonSecretsPass() throws {
        for (path, text) in Self.harmless {
            let findings = try Self.findings(path, text)
            #expect(findings.isEmpty, "\(path): \(findings.map { "\($0.line ?? 0): \($0.message)" })")
        }
    }

    @Test func unquotedRightHandSidesCountOnlyOutsideProgramSource() throws {
        let value = FakeSecret.chars(24, seed: 80)
        #expect(try Self.findings("app.py", "password = \(value)\n").isEmpty)  // an expression in Python
        #expect(try Self.findings("app.yaml", "password: \(value)\n").count == 1)
        #expect(try Self.findings("app.yaml", "password: \(value) trailing words\n").isEmpty)  // prose, not a value
    }

    @Test func entropyThresholdIsConfigurable() throws {
        let value = FakeSecret.chars(24, seed: 81)
        #expect(try Self.findings("a.py", "token = \"\(value)\"\n").count == 1)
        #expect(try Self.findings("a.py", "token = \"\(value)\"\n", [("min_entropy", .double(4.9))]).isEmpty)
        // Tokens of known shape do not depend on it.
        let shaped = "gh" + "o_" + FakeSecret.chars(36, seed: 82)
        #expect(try Self.findings("a.py", "token = \"\(shaped)\"\n", [("min_entropy", .int(8))]).count == 1)
        // A weak but mixed password is still a hard-coded password at the default threshold.
        #expect(try Self.findings("a.py", "password = \"hunter42x\"\n").count == 1)
    }

    // MARK: .env files

    @Test func committedDotEnvFilesAreFindingsButTemplatesAreNot() throws {
        let files = [".env", ".env.local", "svc/.env.production", ".env.example", ".env.sample", ".env.template",
                     ".env.local.example", "docs/.env.dist", ".envrc", "env.py", ".environment"]
        let input = Self.input(Dictionary(uniqueKeysWithValues: files.map { ($0, "DEBUG=1\n") }))
        let findings = try Self.gate().check(input)
        #expect(findings.map(\.path) == [".env", ".env.local", "svc/.env.production"])
        #expect(findings.allSatisfy { $0.line == nil && $0.severity == .error })
        #expect(findings.first?.hint.hasPrefix("git rm --cached .env, add it to .gitignore") == true)
    }

    @Test func dotEnvContentsAreScannedToo() throws {
        let value = FakeSecret.chars(30, seed: 90)
        let findings = try Self.findings(".env", "# local\nDATABASE_PASSWORD=\(value)\n")
        #expect(findings.map(\.line) == [nil, 2])
    }

    @Test func hintsQuotePathsForTheShell() throws {
        let findings = try Self.gate().check(Self.input(["my dir/.env": "A=1\n", "it's/.env": "A=1\n"]))
        #expect(findings.map { String($0.hint.split(separator: ",")[0]) } == ["git rm --cached 'it'\\''s/.env'", "git rm --cached 'my dir/.env'"])
    }

    // MARK: suppression and options

    @Test func inlineAllowCommentSuppressesThatLineOnly() throws {
        let a = "gh" + "p_" + FakeSecret.chars(36, seed: 100), b = "gh" + "p_" + FakeSecret.chars(36, seed: 101)
        let text = """
        fixture = "\(a)"  # cmlbot: allow-secret
        other = "\(b)"
        spaced = "\(a)"  // cmlbot:allow-secret (a revoked token kept for the parser test)
        """
        #expect(try Self.findings("t.py", text).map(\.line) == [2])
    }

    @Test func allowAndExcludeGlobsSkipFiles() throws {
        let token = "gh" + "p_" + FakeSecret.chars(36, seed: 102)
        let input = Self.input(["tests/fixtures/creds.txt": token, "vendor/x/.env": "", "src/app.py": "t = '\(token)'"])
        let allowed = try Self.gate([("allow", .array([.string("tests/fixtures/*")])), ("exclude", .array([.string("vendor/*")]))]).check(input)
        #expect(allowed.map(\.path) == ["src/app.py"])
    }

    @Test func binaryFilesBinaryExtensionsAndFilesOverTheCapAreNotScanned() throws {
        let token = Data(("gh" + "p_" + FakeSecret.chars(36, seed: 103)).utf8)
        var binary = Data([0x89, 0x50, 0x00, 0x47])
        binary.append(token)
        var late = Data(repeating: 0x61, count: 9000)
        late.append(0)  // a NUL after the first 8 KiB: still text, as git decides
        late.append(token)
        var big = Data(repeating: 0x0A, count: 20_480)
        big.append(token)
        let input = Self.input(data: ["blob.dat": binary, "late.txt": late, "big.txt": big, "image.png": token, "ok.txt": token])
        #expect(try Self.gate().check(input).map(\.path) == ["big.txt", "late.txt", "ok.txt"])
        #expect(try Self.gate([("max_file_kb", .int(10))]).check(input).map(\.path) == ["late.txt", "ok.txt"])
    }

    @Test func scopeCoversChangedFilesOrEverythingWithAll() throws {
        let token = "gh" + "p_" + FakeSecret.chars(36, seed: 104)
        let files = ["added.py": token, "modified.py": token, "renamed.py": token, "unchanged.py": token]
        let changes: [String: CandidateFile.Change] = ["added.py": .added, "modified.py": .modified, "renamed.py": .renamed, "unchanged.py": .unchanged]
        #expect(try Self.gate().check(Self.input(files, changes: changes)).map(\.path) == ["added.py", "modified.py", "renamed.py"])
        let all = try Self.gate().check(Self.input(files, changes: changes, scope: .all(revision: "HEAD")))
        #expect(all.count == 4)
        #expect(all.first?.hint.hasPrefix("treat it as leaked: revoke and rotate it") == true)
    }

    @Test func severityAndSettingsAreValidated() throws {
        let token = "gh" + "p_" + FakeSecret.chars(36, seed: 105)
        #expect(try Self.findings("a.py", token, [("severity", .string("warning"))]).first?.severity == .warning)
        #expect(throws: ConfigError(path: ".cmlbot.yml", detail: "gates.secrets: unknown key 'allowed'; did you mean 'allow'?")) { try Self.gate([("allowed", .array([]))]) }
        #expect(throws: ConfigError(path: ".cmlbot.yml", detail: "gates.secrets: max_file_kb must be positive")) { try Self.gate([("max_file_kb", .int(0))]) }
        #expect(throws: ConfigError(path: ".cmlbot.yml", detail: "gates.secrets: min_entropy must be between 0 and 8")) { try Self.gate([("min_entropy", .int(9))]) }
        #expect(throws: ConfigError(path: ".cmlbot.yml", detail: "gates.secrets: allow must be a list of strings")) { try Self.gate([("allow", .string("tests/*"))]) }
    }

    @Test func isRegistered() {
        #expect(GateRegistry.hygieneGate(id: "secrets") == SecretsGate.self)
        #expect(SecretsGate.defaultSeverity == .error)
    }

    /// Malformed and adversarial input: truncated anchors at the end of the file, long runs of
    /// operators and dashes, huge names. Nothing may crash and every line must exist.
    @Test func adversarialInputIsSafe() throws {
        let pieces = ["-----BEGIN ", "-----", "AKIA", "ghp_", "github_pat_", "glpat-", "xoxb-1", "hooks.slack.com/services/T",
                      "=", ":", "==", "\\\"", "\"", "'", "password", "Token", "\n", "\r\n", " ", "aB3", "\\n", "PRIVATE KEY-----"]
        var state: UInt64 = 42
        for round in 0..<300 {
            var text = ""
            for _ in 0..<(round % 60) {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                text += pieces[Int((state >> 33) % UInt64(pieces.count))]
            }
            let lines = text.utf8.filter { $0 == 0x0A }.count + 1
            for hit in try Self.findings("fuzz.yaml", text) {
                #expect((1...lines).contains(hit.line ?? 0), "\(text.debugDescription)")
            }
        }
        let long = String(repeating: "=", count: 100_000) + String(repeating: "a", count: 100_000) + "=" + String(repeating: "-", count: 50_000)
        #expect(try Self.findings("long.txt", long).isEmpty)
        #expect(try Self.findings("empty.txt", "").isEmpty)
    }

    // MARK: end to end

    static func json(_ output: String) throws -> [[String: Any]] {
        let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        return object?["findings"] as? [[String: Any]] ?? []
    }

    @Test func stagedCheckOnARealRepositoryFailsWithoutPrintingTheSecret() throws {
        let canary = "gh" + "p_" + "CanaryZ9" + FakeSecret.chars(28, seed: 110)
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["README.md": "hello\n"])
        try repo.write("app/settings.py", "import os\n\nGITHUB_TOKEN = \"\(canary)\"\nDEBUG = True\n")
        try repo.git("add", "app/settings.py")

        let result = try CMLBotBinary.run(["check", "--staged", "--format", "json"], in: repo.path)
        #expect(result.status == 1, "\(result.stderr)")
        let secrets = try Self.json(result.stdout).filter { $0["gate"] as? String == "secrets" }
        #expect(secrets.count == 1)
        #expect(secrets.first?["path"] as? String == "app/settings.py")
        #expect(secrets.first?["line"] as? Int == 3)
        #expect(secrets.first?["severity"] as? String == "error")
        #expect((secrets.first?["message"] as? String)?.hasPrefix("GitHub personal access token") == true)

        for format in ["text", "json", "junit", "codequality", "sarif", "github"] {
            let output = try CMLBotBinary.run(["check", "--staged", "--format", format], in: repo.path)
            #expect(output.status == 1, "\(format): \(output.stderr)")
            for fragment in FakeSecret.fragments(of: canary) {
                #expect(!output.stdout.contains(fragment) && !output.stderr.contains(fragment), "\(format) leaks \(fragment)")
            }
        }
        let text = try CMLBotBinary.run(["check", "--staged", "--format", "text"], in: repo.path)
        #expect(text.stdout.contains("app/settings.py:3: error: [secrets] GitHub personal access token in app/settings.py at line 3 (value not shown)\n"))
        #expect(!text.stdout.contains("Canary"))
    }

    @Test func suppressionsAndRangeScopeOnARealRepository() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["README.md": "hello\n"])
        let token = "gl" + "pat-" + FakeSecret.chars(20, seed: 111)
        try repo.commit("add", files: [
            "deploy.sh": "export GITLAB_TOKEN=\(token)\n",
            "tests/fixtures/token.txt": "\(token)\n",
            "tests/parser_test.py": "SAMPLE = \"\(token)\"  # cmlbot: allow-secret\n",
            ".env": "A=1\n",
            ".env.example": "GITLAB_TOKEN=\n",
            ".cmlbot.yml": "version: 1\ngates:\n  secrets:\n    allow: [\"tests/fixtures/*\"]\n",
        ])
        let range = try CMLBotBinary.run(["check", "--base", "HEAD~1", "--head", "HEAD", "--format", "json", "--gate", "secrets"], in: repo.path)
        #expect(range.status == 1, "\(range.stderr)")
        let findings = try Self.json(range.stdout)
        #expect(findings.map { "\($0["path"] as? String ?? "")@\($0["line"] as? Int ?? 0)" } == [".env@0", "deploy.sh@1"])
        #expect((findings.last?["hint"] as? String)?.hasPrefix("treat it as leaked") == true)
        #expect(!range.stdout.contains(String(token.dropFirst(6).prefix(8))))
        let clean = try CMLBotBinary.run(["check", "--base", "HEAD", "--head", "HEAD", "--gate", "secrets"], in: repo.path)
        #expect(clean.status == 0)
    }
}
