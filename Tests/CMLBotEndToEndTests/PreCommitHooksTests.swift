import Foundation
#if canImport(Glibc)
import Glibc
#endif
import ForgeFakes
import Testing
import TestSupport

/// This repository's `.pre-commit-hooks.yaml`, run by the pinned pre-commit as a user's config would
/// run it: validated, the `-system` variant through `pre-commit try-repo`, and the `language: swift`
/// hooks built by pre-commit itself and run as the git hook of real commits.
@Suite struct PreCommitHooksTests {
    static func preCommit() throws -> String? { try ReferenceTools.fromEnvironment("CMLBOT_PRECOMMIT") }

    static let gateHooks = ["cmlbot-large-files", "cmlbot-notebooks", "cmlbot-lockfiles", "cmlbot-secrets", "cmlbot-check"]

    // MARK: Helpers

    /// This package's sources as a one-commit repository at `directory`, for pre-commit to clone
    /// as a hook repository (so the hooks tested are the working tree's, committed or not). The
    /// commit depends only on the content (fixed author, date and message): an unchanged tree gets
    /// the same rev, and a persistent PRE_COMMIT_HOME reuses pre-commit's build of it.
    static func snapshotHookRepository(at directory: String) throws -> String {
        let fm = FileManager.default
        try? fm.removeItem(atPath: directory)
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // What `swift build` needs, and the manifest. Test targets are not built but must exist: a
        // stub each, so editing a test does not change the rev (and cost a rebuild of the hooks).
        for item in ["Package.swift", ".pre-commit-hooks.yaml", "Sources"] {
            try fm.copyItem(atPath: PackageRoot.path + "/" + item, toPath: directory + "/" + item)
        }
        try fm.createDirectory(atPath: directory + "/Tests", withIntermediateDirectories: true)
        for item in try fm.contentsOfDirectory(atPath: PackageRoot.path + "/Tests").sorted() {
            if item.hasSuffix("Tests") {
                try fm.createDirectory(atPath: directory + "/Tests/" + item, withIntermediateDirectories: true)
                try "// not built by `swift build`\n".write(toFile: directory + "/Tests/\(item)/Stub.swift", atomically: true, encoding: .utf8)
            } else {
                try fm.copyItem(atPath: PackageRoot.path + "/Tests/" + item, toPath: directory + "/Tests/" + item)
            }
        }
        func git(_ arguments: String...) throws -> String {
            let result = try Shell.run("git", arguments, in: directory, environment: GitRepoBuilder.environment)
            guard result.status == 0 else { throw DistError(message: "git \(arguments.joined(separator: " ")): \(result.stderr)") }
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        _ = try git("init", "-q", "-b", "main")
        _ = try git("add", "-A")
        _ = try git("commit", "-q", "-m", "cmlbot hooks under test")
        return try git("rev-parse", "HEAD")
    }

    /// Each hook's verdict by its name, from pre-commit's `name.....Passed` lines.
    static func verdicts(_ output: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let match = line.wholeMatch(of: #/(.+?)\.{3,}(?:\([^)]*\))?(Passed|Failed|Skipped)/#) else { continue }
            out[String(match.output.1)] = String(match.output.2)
        }
        return out
    }

    /// pre-commit's environment: the caller's (HOME stays: SwiftPM's cache and git's settings for
    /// fetching dependencies live there), a fixed committer, no inherited git state.
    static func environment(preCommitHome: String, path extraPath: String? = nil) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        for key in ["GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE", "SKIP", "PRE_COMMIT_ALLOW_NO_CONFIG"] { env[key] = nil }
        for key in ["GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"] {
            env[key] = GitRepoBuilder.environment[key]
        }
        env["PRE_COMMIT_HOME"] = preCommitHome
        if let extraPath { env["PATH"] = extraPath + ":" + (env["PATH"] ?? "/usr/bin:/bin") }
        return env
    }

    static let cleanNotebook = """
    {
     "cells": [
      {
       "cell_type": "code",
       "execution_count": null,
       "id": "0",
       "metadata": {},
       "outputs": [],
       "source": ["print(1)"]
      }
     ],
     "metadata": {"language_info": {"name": "python"}},
     "nbformat": 4,
     "nbformat_minor": 5
    }

    """

    static var notebookWithOutputs: String {
        cleanNotebook
            .replacingOccurrences(of: #""execution_count": null"#, with: #""execution_count": 1"#)
            .replacingOccurrences(of: #""outputs": []"#, with: #""outputs": [{"name": "stdout", "output_type": "stream", "text": ["1\n"]}]"#)
    }

    /// A GitHub token shape made at run time, so this file holds none.
    static let token: String = {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var state: UInt64 = 0x5EED
        var body = ""
        for _ in 0..<36 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            body.append(alphabet[Int((state >> 33) % UInt64(alphabet.count))])
        }
        return "gh" + "p_" + body
    }()

    // MARK: Tests

    @Test func manifestIsValidAndEachGateHasASystemTwin() throws {
        guard let preCommit = try Self.preCommit() else { return }
        let manifest = PackageRoot.path + "/.pre-commit-hooks.yaml"
        let valid = try Shell.run(preCommit, ["validate-manifest", manifest])
        #expect(valid.status == 0, "\(valid.stdout)\(valid.stderr)")
        // The validator does reject a broken manifest, so the pass above means something.
        let broken = try TemporaryDirectory("cmlbot-manifest")
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        try text.replacingOccurrences(of: "language: unsupported", with: "language: sytem")
            .write(toFile: broken.file("hooks.yaml"), atomically: true, encoding: .utf8)
        let rejected = try Shell.run(preCommit, ["validate-manifest", broken.file("hooks.yaml")])
        #expect(rejected.status == 1 && rejected.stdout.contains("sytem"), "\(rejected.stdout)")

        // Hooks as id → their settings (top-level keys only; the manifest is written flat).
        var hooks: [String: [String: String]] = [:]
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("- id: ") { current = String(line.dropFirst(6)); hooks[current!] = [:]; continue }
            guard let id = current, line.hasPrefix("  "), !line.hasPrefix("   "), let colon = line.firstIndex(of: ":") else { continue }
            let key = line[line.index(line.startIndex, offsetBy: 2)..<colon]
            hooks[id]?[String(key)] = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        }
        #expect(Set(hooks.keys) == Set(Self.gateHooks + Self.gateHooks.map { $0 + "-system" }))
        for id in Self.gateHooks {
            let swift = try #require(hooks[id]), system = try #require(hooks[id + "-system"])
            #expect(swift["language"] == "swift" && system["language"] == "unsupported")
            #expect(swift["entry"]?.hasPrefix("cmlbot check") == true)
            for key in ["entry", "files", "types", "pass_filenames", "require_serial", "stages", "name"] {
                #expect(swift[key] == system[key], "\(id) and its -system twin differ in \(key)")
            }
        }
    }

    /// `pre-commit try-repo` with a `-system` hook: pre-commit clones the hook repository and runs
    /// the `cmlbot` on PATH (the binary under test) on the staged files.
    @Test func tryRepoRunsTheSystemHookWithTheBinaryOnPath() throws {
        guard let preCommit = try Self.preCommit() else { return }
        let hookRepo = try TemporaryDirectory("cmlbot-hook-repo")
        let rev = try Self.snapshotHookRepository(at: hookRepo.path)
        let bin = try TemporaryDirectory("cmlbot-bin")
        try FileManager.default.createSymbolicLink(atPath: bin.file("cmlbot"), withDestinationPath: CMLBotBinary.path)
        let home = try TemporaryDirectory("cmlbot-precommit-home")
        let env = Self.environment(preCommitHome: home.path, path: bin.path)

        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["README.md": "hi\n"])
        try repo.write("weights.bin", Data(count: 800_000))
        try repo.write("notes.txt", "small\n")
        try repo.git("add", "-A")
        let args = ["try-repo", hookRepo.path, "cmlbot-large-files-system", "--ref", rev, "--color", "never"]
        let blocked = try Shell.run(preCommit, args, in: repo.path, environment: env)
        #expect(blocked.status == 1, "\(blocked.stdout)\(blocked.stderr)")
        #expect(Self.verdicts(blocked.stdout)["cmlbot large files"] == "Failed", "\(blocked.stdout)")
        #expect(blocked.stdout.contains("weights.bin (782 KB) exceeds 500 KB"), "\(blocked.stdout)")
        #expect(!blocked.stdout.contains("notes.txt"))

        try repo.git("rm", "-q", "--cached", "weights.bin")
        let passed = try Shell.run(preCommit, args, in: repo.path, environment: env)
        #expect(passed.status == 0, "\(passed.stdout)\(passed.stderr)")
        #expect(Self.verdicts(passed.stdout)["cmlbot large files"] == "Passed", "\(passed.stdout)")
    }

    /// The `language: swift` hooks as a user gets them: pre-commit clones this repository at a rev,
    /// builds it with `swift build -c release` (minutes on two cores, so only in the run that tests
    /// the shipped binary, `CMLBOT_DIST_BIN`, and cached across runs by rev in the test-tools
    /// cache), and runs them as the git pre-commit hook of real commits.
    @Test func swiftHooksGateRealCommits() async throws {
        guard let preCommit = try Self.preCommit(), try DistributionTests.distBinary() != nil else { return }
        let scratch = try TemporaryDirectory("cmlbot-hook-builds")
        let base: String
        if let tools = ProcessInfo.processInfo.environment["CMLBOT_TEST_TOOLS"], !tools.isEmpty {
            base = tools + "/cmlbot-hook-builds"
        } else {
            base = scratch.path
        }
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        // One test run at a time owns the shared snapshot and config.
        let lock = open(base + "/.lock", O_CREAT | O_RDWR, 0o644)
        #expect(lock >= 0)
        defer { close(lock) }
        _ = flock(lock, LOCK_EX)

        let rev = try Self.snapshotHookRepository(at: base + "/src")
        // A config at a fixed path: `pre-commit gc` keeps this rev's build and drops older ones.
        let config = base + "/config.yaml"
        try """
        repos:
          - repo: \(base)/src
            rev: \(rev)
            hooks:
        \(Self.gateHooks.map { "      - id: \($0)" }.joined(separator: "\n"))

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let env = Self.environment(preCommitHome: base + "/store")

        let repo = try GitRepoBuilder()
        // The first install builds cmlbot (minutes): off the concurrency pool, which the loopback
        // servers of other suites need.
        let install = try await AsyncShell.run(preCommit, ["install", "-c", config, "--install-hooks", "--color", "never"], in: repo.path, environment: env)
        try #require(install.status == 0, "pre-commit could not build the swift hooks: \(install.stdout)\(install.stderr)")

        func commit(_ message: String) throws -> (status: Int32, output: String, verdicts: [String: String]) {
            let result = try Shell.run("git", ["-c", "commit.gpgsign=false", "commit", "-q", "-m", message], in: repo.path, environment: env)
            let output = result.stdout + result.stderr
            return (result.status, output, Self.verdicts(output))
        }
        func head() throws -> String { try repo.git("rev-parse", "HEAD") }

        // A clean commit passes every hook.
        try repo.write("README.md", "# sample\n")
        try repo.write("train.py", "print('train')\n")
        try repo.write("notes.ipynb", Self.cleanNotebook)
        try repo.git("add", "-A")
        let clean = try commit("clean")
        #expect(clean.status == 0, "\(clean.output)")
        #expect(clean.verdicts == ["cmlbot large files": "Passed", "cmlbot notebook outputs": "Passed", "cmlbot lockfile drift": "Skipped",
                                   "cmlbot secrets": "Passed", "cmlbot check (all gates)": "Passed"], "\(clean.output)")
        var last = try head()

        // A large file being added is blocked, and says which and why.
        try repo.write("weights.bin", Data(count: 800_000))
        try repo.git("add", "weights.bin")
        let large = try commit("large")
        #expect(large.status == 1, "\(large.output)")
        #expect(large.verdicts["cmlbot large files"] == "Failed" && large.verdicts["cmlbot check (all gates)"] == "Failed", "\(large.output)")
        #expect(large.verdicts["cmlbot secrets"] == "Passed" && large.verdicts["cmlbot notebook outputs"] == "Skipped")
        #expect(large.output.contains("weights.bin (782 KB) exceeds 500 KB"), "\(large.output)")
        #expect(try head() == last)

        // Staged-aware: the same file left unstaged in the working tree does not block a commit.
        try repo.git("rm", "-q", "--cached", "weights.bin")
        try repo.write("train.py", "print('train more')\n")
        try repo.git("add", "train.py")
        let unstaged = try commit("unstaged large file")
        #expect(unstaged.status == 0 && unstaged.verdicts["cmlbot large files"] == "Passed", "\(unstaged.output)")
        #expect(try head() != last)
        last = try head()
        try repo.remove("weights.bin")

        // A notebook with outputs.
        try repo.write("notes.ipynb", Self.notebookWithOutputs)
        try repo.git("add", "notes.ipynb")
        let notebook = try commit("outputs")
        #expect(notebook.status == 1, "\(notebook.output)")
        #expect(notebook.verdicts["cmlbot notebook outputs"] == "Failed" && notebook.verdicts["cmlbot large files"] == "Passed", "\(notebook.output)")
        #expect(notebook.output.contains("notes.ipynb") && notebook.output.contains("nbstripout"), "\(notebook.output)")
        #expect(try head() == last)
        try repo.git("checkout", "-q", "HEAD", "--", "notes.ipynb")

        // A secret is blocked and named by kind and place, never by value.
        try repo.write("deploy.py", "token = \"\(Self.token)\"\n")
        try repo.git("add", "deploy.py")
        let secret = try commit("secret")
        #expect(secret.status == 1, "\(secret.output)")
        #expect(secret.verdicts["cmlbot secrets"] == "Failed" && secret.verdicts["cmlbot check (all gates)"] == "Failed", "\(secret.output)")
        #expect(secret.output.contains("GitHub personal access token in deploy.py at line 1 (value not shown)"), "\(secret.output)")
        let tail = String(Self.token.suffix(12))
        #expect(!secret.output.contains(tail), "the secret leaked into the hook output")
        #expect(try head() == last)
        try repo.git("rm", "-q", "--cached", "deploy.py")
        try repo.remove("deploy.py")

        // A Pipfile without its lock.
        try repo.write("Pipfile", "[packages]\nrequests = \"*\"\n")
        try repo.git("add", "Pipfile")
        let lockfile = try commit("pipfile")
        #expect(lockfile.status == 1, "\(lockfile.output)")
        #expect(lockfile.verdicts["cmlbot lockfile drift"] == "Failed", "\(lockfile.output)")
        #expect(lockfile.output.contains("Pipfile has no lockfile"), "\(lockfile.output)")
        #expect(try head() == last)

        // Builds of earlier revs (an older checkout's hooks) are deleted; this one stays.
        let gc = try Shell.run(preCommit, ["gc"], in: repo.path, environment: env)
        #expect(gc.status == 0, "\(gc.stdout)\(gc.stderr)")
    }
}
