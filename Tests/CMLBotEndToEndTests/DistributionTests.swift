import Foundation
import Testing
import TestSupport

/// The binary `make dist` ships (`CMLBOT_DIST_BIN`, set by `make test` for its second pass): what it
/// loads at run time must exist on stock Ubuntu 22.04/24.04 and Debian 12, and it must run there.
/// Without `CMLBOT_DIST_BIN` these tests have nothing to look at and pass vacuously; the
/// `--version` format and the evidence record's commit are checked on any binary.
@Suite struct DistributionTests {
    /// The shipped binary; nil when this run is not testing one.
    static func distBinary() throws -> String? {
        guard let path = ProcessInfo.processInfo.environment["CMLBOT_DIST_BIN"], !path.isEmpty else { return nil }
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw DistError(message: "CMLBOT_DIST_BIN=\(path) is not an executable; run `make dist`")
        }
        return path
    }

    /// Shared libraries a stock runner has. Anything else (libgit2, whose SONAME differs per
    /// distribution; the Swift runtime, absent without a toolchain) must be linked in statically.
    static let allowedLibraries: [String] = [
        #"libcurl\.so\.4"#, #"libssl\.so\.3"#, #"libcrypto\.so\.3"#, #"libgssapi_krb5\.so\.2"#, #"libz\.so\.1"#,
        #"libstdc\+\+\.so\.6"#, #"libgcc_s\.so\.1"#, #"libm\.so\.6"#, #"libc\.so\.6"#,
        #"ld-linux-x86-64\.so\.2"#, #"ld-linux-aarch64\.so\.1"#,
        // glibc < 2.34 split these out of libc; a build on such a system may still name them.
        #"libpthread\.so\.0"#, #"libdl\.so\.2"#, #"librt\.so\.1"#, #"libutil\.so\.1"#,
    ]

    static func neededLibraries(_ binary: String) throws -> [String] {
        let elf = try Shell.run("readelf", ["-d", binary])
        guard elf.status == 0 else { throw DistError(message: "readelf -d failed: \(elf.stderr)") }
        return elf.stdout.split(separator: "\n").compactMap { line in
            guard line.contains("(NEEDED)"), let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]") else { return nil }
            return String(line[line.index(after: open)..<close])
        }
    }

    /// The highest `PREFIX_a.b.c` version among the binary's undefined dynamic symbols.
    static func highestVersion(_ prefix: String, in binary: String) throws -> [Int]? {
        let dump = try Shell.run("objdump", ["-T", binary])
        guard dump.status == 0 else { throw DistError(message: "objdump -T failed: \(dump.stderr)") }
        let pattern = try Regex("\\(\(prefix)_([0-9.]+)\\)")
        var highest: [Int]?
        for match in dump.stdout.matches(of: pattern) {
            guard let text = match.output[1].substring else { continue }
            let version = text.split(separator: ".").compactMap { Int($0) }
            if highest.map({ version.lexicographicallyPrecedes($0) || version == $0 }) != true { highest = version }
        }
        return highest
    }

    @Test func loadsOnlyLibrariesEveryRunnerHas() throws {
        guard let binary = try Self.distBinary() else { return }
        let needed = try Self.neededLibraries(binary)
        #expect(needed.contains("libc.so.6") && needed.contains("libcurl.so.4"), "\(needed)")
        let allowed = try Self.allowedLibraries.map { try Regex("^(\($0))$") }
        let unexpected = needed.filter { name in !allowed.contains { name.wholeMatch(of: $0) != nil } }
        #expect(unexpected.isEmpty, "the shipped binary loads \(unexpected); link them statically (scripts/dist.sh) or extend the allowed list if every runner has them")
        #expect(!needed.contains { $0.hasPrefix("libgit2") || $0.hasPrefix("libswift") || $0.hasPrefix("libFoundation") }, "\(needed)")
        // Every one of them resolves here without the toolchain's library folders.
        let ldd = try Shell.run("ldd", [binary], environment: ["PATH": "/usr/bin:/bin"])
        #expect(ldd.status == 0 && !ldd.stdout.contains("not found"), "\(ldd.stdout)\(ldd.stderr)")
    }

    @Test func needsNoNewerGlibcThanUbuntu2204() throws {
        guard let binary = try Self.distBinary() else { return }
        let glibc = try #require(try Self.highestVersion("GLIBC", in: binary))
        #expect(glibc.lexicographicallyPrecedes([2, 36]), "needs GLIBC_\(glibc.map(String.init).joined(separator: ".")); Ubuntu 22.04 has 2.35")
        // Ubuntu 22.04's libstdc++ (GCC 12) provides up to GLIBCXX_3.4.30.
        if let cxx = try Self.highestVersion("GLIBCXX", in: binary) {
            #expect(cxx.lexicographicallyPrecedes([3, 4, 31]), "needs GLIBCXX_\(cxx.map(String.init).joined(separator: "."))")
        }
    }

    @Test func isStrippedAndMatchesItsChecksum() throws {
        guard let binary = try Self.distBinary() else { return }
        let symbols = try Shell.run("readelf", ["-S", binary])
        #expect(!symbols.stdout.contains(".symtab") && !symbols.stdout.contains(".debug_info"), "not stripped")
        let url = URL(fileURLWithPath: binary)
        let name = url.lastPathComponent
        #expect(name.wholeMatch(of: #/cmlbot-[0-9]+\.[0-9]+\.[0-9]+-linux-(x86_64|aarch64)/#) != nil, "\(name)")
        let recorded = try String(contentsOfFile: binary + ".sha256", encoding: .utf8)
        let check = try Shell.run("sha256sum", ["-c", name + ".sha256"], in: url.deletingLastPathComponent().path)
        #expect(check.status == 0 && check.stdout == "\(name): OK\n", "\(recorded) \(check.stdout)\(check.stderr)")
        // The version-free release asset the Action and the GitLab template download.
        let arch = name.hasSuffix("aarch64") ? "aarch64" : "x86_64"
        let stable = url.deletingLastPathComponent().appendingPathComponent("cmlbot-linux-\(arch)").path
        #expect(FileManager.default.contentsEqual(atPath: stable, andPath: binary))
        let stableCheck = try Shell.run("sha256sum", ["-c", "cmlbot-linux-\(arch).sha256"], in: url.deletingLastPathComponent().path)
        #expect(stableCheck.status == 0 && stableCheck.stdout == "cmlbot-linux-\(arch): OK\n", "\(stableCheck.stdout)\(stableCheck.stderr)")
        let install = try String(contentsOfFile: PackageRoot.path + "/scripts/action/install.sh", encoding: .utf8)
        #expect(install.contains("cmlbot-linux-$arch"))
        let gitlab = try String(contentsOfFile: PackageRoot.path + "/ci-templates/gitlab/cmlbot.gitlab-ci.yml", encoding: .utf8)
        #expect(gitlab.contains("/cmlbot-linux-x86_64"))
    }

    /// Runs with nothing but /usr/bin:/bin: no LD_LIBRARY_PATH, no toolchain on PATH.
    @Test func runsAMetricsDiffWithoutTheToolchain() throws {
        guard let binary = try Self.distBinary() else { return }
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["dvc.yaml": "metrics: [metrics.json]\n", "metrics.json": #"{"acc": 0.5, "loss": 0.5}"#])
        try repo.commit("head", files: ["metrics.json": #"{"acc": 0.75, "loss": 0.25}"#])
        let env = ["PATH": "/usr/bin:/bin", "HOME": repo.path]
        let json = try Shell.run(binary, ["metrics", "diff", "HEAD~1", "HEAD", "--json"], in: repo.path, environment: env)
        #expect(json.status == 0, "\(json.stderr)")
        #expect(json.stdout == #"{"metrics.json": {"acc": {"old": 0.5, "new": 0.75, "diff": 0.25}, "loss": {"old": 0.5, "new": 0.25, "diff": -0.25}}}"# + "\n")
        let missing = try Shell.run(binary, ["metrics", "diff", "nope", "HEAD"], in: repo.path, environment: env)
        #expect(missing.status == 2 && missing.stderr.hasPrefix("error: "), "\(missing.stderr)")
    }

    /// `cmlbot --version`: `cmlbot 0.1.0 (abc1234)`; the shipped binary names the commit of this checkout.
    @Test func versionNamesTheCommit() throws {
        let result = try CMLBotBinary.run(["--version"], in: NSTemporaryDirectory())
        #expect(result.status == 0)
        let match = try #require(result.stdout.wholeMatch(of: #/cmlbot ([0-9]+\.[0-9]+\.[0-9]+) \((unknown|[0-9a-f]{7,}(\+dirty)?)\)\n/#),
                                 "\(result.stdout)")
        guard let binary = try Self.distBinary() else { return }
        let dist = try Shell.run(binary, ["--version"], environment: ["PATH": "/usr/bin:/bin"])
        let root = PackageRoot.path
        guard FileManager.default.fileExists(atPath: root + "/.git") else {
            #expect(dist.stdout.contains("(unknown)"), "built outside a git checkout: \(dist.stdout)")
            return
        }
        let head = try Shell.run("git", ["rev-parse", "--short=7", "HEAD"], in: root).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // Only the commit: whether the tree was dirty at build time, an edit made while the suite
        // runs would change (buildCommitScript covers +dirty).
        #expect(dist.stdout.hasPrefix("cmlbot \(match.output.1) (\(head)"), "\(dist.stdout) vs HEAD \(head)")
    }

    /// scripts/build-commit.sh, which stamps `make dist` builds: the short SHA, +dirty for any
    /// change git would commit or could add, `unknown` without a commit of this very checkout.
    @Test func buildCommitScript() throws {
        let script = PackageRoot.path + "/scripts/build-commit.sh"
        func stamp(_ dir: String) throws -> String {
            try Shell.run(script, [dir], environment: GitRepoBuilder.environment).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let outside = try TemporaryDirectory("cmlbot-not-a-repo")
        #expect(try stamp(outside.path) == "unknown")
        let repo = try GitRepoBuilder()
        #expect(try stamp(repo.path) == "unknown")  // no commit yet
        try repo.commit("one", files: ["a.txt": "a\n", "src/b.txt": "b\n"])
        let sha = try repo.git("rev-parse", "--short=7", "HEAD")
        #expect(try stamp(repo.path) == sha)
        // A folder inside a repository is not that repository's checkout (a vendored copy).
        #expect(try stamp(repo.path + "/src") == "unknown")
        try repo.write("a.txt", "changed\n")
        #expect(try stamp(repo.path) == sha + "+dirty")
        try repo.git("checkout", "-q", "--", "a.txt")
        try repo.write("new.swift", "// new\n")
        #expect(try stamp(repo.path) == sha + "+dirty")
        try repo.write(".gitignore", "new.swift\n.gitignore\n")
        #expect(try stamp(repo.path) == sha)  // ignored files (build output) do not count
    }

    /// The evidence record names the build that made the decision, as `--version` does.
    @Test func evidenceRecordCarriesTheBuild() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["dvc.yaml": "metrics: [m.json]\n", "m.json": #"{"acc": 0.9}"#,
                                        ".cmlbot.yml": "version: 1\nbase: main\npromote:\n  metrics:\n    - {metric: acc, min: 0.5}\n"])
        try repo.commit("head", files: ["m.json": #"{"acc": 0.91}"#])
        let gate = try CMLBotBinary.run(["gate", "--base", "HEAD~1", "--head", "HEAD", "--evidence", "ev.json"], in: repo.path)
        #expect(gate.status == 0, "\(gate.stdout)\(gate.stderr)")
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: repo.path + "/ev.json"))) as? [String: Any]
        let tool = try #require(record?["tool"] as? [String: String])
        let version = try CMLBotBinary.run(["--version"], in: repo.path).stdout
        #expect("cmlbot \(tool["version"] ?? "?") (\(tool["commit"] ?? "?"))\n" == version)
    }
}

/// The checkout these tests were compiled from (the package root).
enum PackageRoot {
    static var path: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }
}

struct DistError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
