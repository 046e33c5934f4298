import FlyingFox
import ForgeFakes
import Foundation
import Testing
import TestSupport

/// The snippets users copy: action.yml, ci-templates/github/*.yml and the GitLab template, checked
/// with the validators GitHub and GitLab users have (actionlint, SchemaStore schemas through
/// check-jsonschema), and the action's shell glue run for real against the fake GitHub server.
@Suite(.serialized) struct CITemplateTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var githubTemplates: [String] {
        let dir = root.appendingPathComponent("ci-templates/github")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".yml") }.sorted().map { dir.appendingPathComponent($0).path }
    }

    @Test func templatesExist() {
        #expect(Self.githubTemplates.map { URL(fileURLWithPath: $0).lastPathComponent } == [
            "cmlbot-fork-publish.yml", "cmlbot-fork-report.yml", "cmlbot-hygiene.yml", "cmlbot-promote.yml", "cmlbot-report.yml",
        ])
        #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent("action.yml").path))
        #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent("ci-templates/gitlab/cmlbot.gitlab-ci.yml").path))
    }

    @Test func schemasAcceptActionWorkflowsAndGitLabTemplate() throws {
        guard let checker = try ReferenceTools.fromEnvironment("CMLBOT_CHECK_JSONSCHEMA") else { return }
        let runs: [(String, [String])] = [
            ("vendor.github-actions", [Self.root.appendingPathComponent("action.yml").path]),
            ("vendor.github-workflows", Self.githubTemplates),
            ("vendor.gitlab-ci", [Self.root.appendingPathComponent("ci-templates/gitlab/cmlbot.gitlab-ci.yml").path]),
        ]
        for (schema, files) in runs {
            let r = try Shell.run(checker, ["--builtin-schema", schema] + files)
            #expect(r.status == 0, "\(schema): \(r.stdout)\(r.stderr)")
        }
    }

    /// actionlint checks expressions, permissions, action versions and (with shellcheck on PATH)
    /// every `run:` script. Pointing `uses:` at a local copy of action.yml makes it also check each
    /// `with:` against the action's declared inputs.
    @Test func actionlintAcceptsWorkflowsAgainstOurAction() throws {
        guard let actionlint = try ReferenceTools.fromEnvironment("CMLBOT_ACTIONLINT") else { return }
        let repo = try TemporaryDirectory("actionlint")
        let workflows = repo.file(".github/workflows")
        try FileManager.default.createDirectory(atPath: workflows, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.root.appendingPathComponent("action.yml").path, toPath: repo.file("action.yml"))
        var uses = 0
        for template in Self.githubTemplates {
            let text = try String(contentsOfFile: template, encoding: .utf8)
            uses += text.components(separatedBy: "uses: cmlbot/cmlbot@v1").count - 1
            try text.replacingOccurrences(of: "uses: cmlbot/cmlbot@v1", with: "uses: ./")
                .write(toFile: workflows + "/" + URL(fileURLWithPath: template).lastPathComponent, atomically: true, encoding: .utf8)
        }
        #expect(uses >= 6, "the templates use the action")
        _ = try Shell.run("git", ["init", "-q"], in: repo.path)
        let bin = URL(fileURLWithPath: actionlint).deletingLastPathComponent().path
        #expect(FileManager.default.isExecutableFile(atPath: bin + "/shellcheck"), "shellcheck comes with the actionlint pin")
        let env = ["PATH": bin + ":/usr/bin:/bin", "HOME": repo.path]
        let r = try Shell.run(actionlint, ["-color=false"], in: repo.path, environment: env)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")

        // The check can fail: an input the action does not declare is reported.
        let hygiene = workflows + "/cmlbot-hygiene.yml"
        try (try String(contentsOfFile: hygiene, encoding: .utf8)).replacingOccurrences(of: "fail-on: never", with: "fail_on: never")
            .write(toFile: hygiene, atomically: true, encoding: .utf8)
        let bad = try Shell.run(actionlint, ["-color=false"], in: repo.path, environment: env)
        #expect(bad.status == 1)
        #expect(bad.stdout.contains(#"input "fail_on" is not defined in action"#), "\(bad.stdout)")
    }

    @Test func actionScriptsPassShellcheck() throws {
        guard let actionlint = try ReferenceTools.fromEnvironment("CMLBOT_ACTIONLINT") else { return }
        let shellcheck = URL(fileURLWithPath: actionlint).deletingLastPathComponent().appendingPathComponent("shellcheck").path
        let scripts = ["scripts/action/install.sh", "scripts/action/run.sh"].map { Self.root.appendingPathComponent($0).path }
        let r = try Shell.run(shellcheck, scripts)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    }

    // MARK: - The action's glue, run for real

    static func runAction(_ inputs: [String: String], repo: GitRepoBuilder, server: FakeForgeServer, base: String, head: String) async throws -> (result: ProcessResult, outputs: String) {
        var env = try PublishEndToEndTests.githubEnvironment(server, repo: repo, base: base, head: head)
        env["GITHUB_TOKEN"] = nil
        env["CMLBOT_BIN"] = CMLBotBinary.path
        env["RUNNER_TEMP"] = PublishEndToEndTests.runner(repo)
        env["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        env["HOME"] = repo.path
        env["NO_COLOR"] = "1"
        for (k, v) in inputs { env[k] = v }
        let result = try await AsyncShell.run(Self.root.appendingPathComponent("scripts/action/run.sh").path, [], in: repo.path, environment: env)
        let outputs = (try? String(contentsOfFile: env["GITHUB_OUTPUT"]!, encoding: .utf8)) ?? ""
        return (result, outputs)
    }

    @Test func actionReportPostsTheStickyCommentWithTheTokenInput() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try PublishEndToEndTests.project()
        for _ in 0..<2 {
            let (r, outputs) = try await Self.runAction(["INPUT_COMMAND": "report", "INPUT_TOKEN": PublishEndToEndTests.canary], repo: repo, server: server, base: base, head: head)
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
            #expect(outputs.contains("verdict=pass"))
            #expect(outputs.contains("report-dir="))
            #expect(!(r.stdout + r.stderr + outputs).contains(PublishEndToEndTests.canary))
        }
        #expect(await server.state.thread("pr/7").count == 1)
        #expect(FileManager.default.fileExists(atPath: PublishEndToEndTests.runner(repo) + "/cmlbot-report/report.html"))
        await server.stop()
    }

    @Test func actionCheckUsesThePullRequestRangeAndAnnotates() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, _) = try PublishEndToEndTests.project()
        let head = try repo.commit("add a big file", files: ["data/big.bin": String(repeating: "x", count: 600 * 1024)])
        let (r, _) = try await Self.runAction(["INPUT_COMMAND": "check"], repo: repo, server: server, base: base, head: head)
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("::error file=data/big.bin"), "\(r.stdout)")

        // SARIF into a file, never failing: the code-scanning step of cmlbot-hygiene.yml.
        let sarif = PublishEndToEndTests.runner(repo) + "/cmlbot.sarif"
        let (s, _) = try await Self.runAction(["INPUT_COMMAND": "check", "INPUT_FORMAT": "sarif", "INPUT_FAIL_ON": "never", "INPUT_OUTPUT": sarif],
                                              repo: repo, server: server, base: base, head: head)
        #expect(s.status == 0, "\(s.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: sarif))) as? [String: Any]
        #expect(json?["version"] as? String == "2.1.0")
        await server.stop()
    }

    @Test func actionRejectsAnUnknownCommandAndAMissingFile() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try PublishEndToEndTests.project()
        let (unknown, _) = try await Self.runAction(["INPUT_COMMAND": "publish"], repo: repo, server: server, base: base, head: head)
        #expect(unknown.status == 2)
        #expect(unknown.stdout.contains("::error::cmlbot: unknown command 'publish'"))
        let (comment, _) = try await Self.runAction(["INPUT_COMMAND": "comment"], repo: repo, server: server, base: base, head: head)
        #expect(comment.status == 2)
        #expect(comment.stdout.contains("needs the 'file' input"))
        await server.stop()
    }

    @Test func actionArgsAreSplitLikeAShellButNeverEvaluated() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try PublishEndToEndTests.project()
        let marker = PublishEndToEndTests.runner(repo) + "/evaluated"
        let (r, _) = try await Self.runAction([
            "INPUT_COMMAND": "status", "INPUT_TOKEN": PublishEndToEndTests.canary,
            "INPUT_ARGS": "--state pending --description 'training and $(touch \(marker)) evaluating'",
        ], repo: repo, server: server, base: base, head: head)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let statuses = await server.state.statuses
        #expect(statuses.map(\.state) == ["pending"])
        #expect(statuses.first?.description == "training and $(touch \(marker)) evaluating")
        #expect(statuses.first?.sha == head)
        #expect(!FileManager.default.fileExists(atPath: marker))

        let (unbalanced, _) = try await Self.runAction(["INPUT_COMMAND": "status", "INPUT_ARGS": "--description 'open"], repo: repo, server: server, base: base, head: head)
        #expect(unbalanced.status == 2)
        #expect(unbalanced.stdout.contains("cannot split the args input"))
        await server.stop()
    }

    // MARK: - install.sh: the release download

    /// A release server on 127.0.0.1 serving a binary and its checksum file.
    static func releaseServer(binary: Data, checksum: String) async throws -> (HTTPServer, Task<Void, Error>, String) {
        let server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: 0), timeout: 10, handler: ClosureHTTPHandler { request in
            if request.path.hasSuffix("/cmlbot-linux-x86_64") { return HTTPResponse(statusCode: .ok, body: binary) }
            if request.path.hasSuffix("/cmlbot-linux-x86_64.sha256") { return HTTPResponse(statusCode: .ok, body: Data((checksum + "  cmlbot-linux-x86_64\n").utf8)) }
            return HTTPResponse(statusCode: .notFound)
        })
        let task = Task { try await server.run() }
        try await server.waitUntilListening(timeout: 60)
        guard case .ip4(_, let port)? = await server.listeningAddress else { throw FakeForgeError.noPort }
        return (server, task, "http://127.0.0.1:\(port)")
    }

    @Test func installDownloadsAReleaseAndChecksItsChecksum() async throws {
        #if arch(x86_64)
        let binary = try Data(contentsOf: URL(fileURLWithPath: CMLBotBinary.path))
        let sha = try Shell.run("sha256sum", [CMLBotBinary.path]).stdout.split(separator: " ").first.map(String.init) ?? ""
        let (server, task, url) = try await Self.releaseServer(binary: binary, checksum: sha)
        defer { task.cancel() }
        let dir = try TemporaryDirectory("install")
        let script = Self.root.appendingPathComponent("scripts/action/install.sh").path
        let env = ["PATH": "/usr/bin:/bin", "CMLBOT_INSTALL_DIR": dir.path, "GITHUB_SERVER_URL": url, "ACTION_REPOSITORY": "acme/cmlbot", "ACTION_REF": "v9.9.9"]
        let r = try await AsyncShell.run(script, [], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "path=\(dir.path)/cmlbot\nmode=download\n")
        #expect(r.stderr.contains("/acme/cmlbot/releases/download/v9.9.9/cmlbot-linux-x86_64"))
        let version = try Shell.run(dir.path + "/cmlbot", ["--version"])
        #expect(version.status == 0 && !version.stdout.isEmpty, "\(version.stderr)")

        // A binary that does not match its checksum is never installed.
        try FileManager.default.removeItem(atPath: dir.path + "/cmlbot")
        let (bad, badTask, badURL) = try await Self.releaseServer(binary: Data("not cmlbot".utf8), checksum: sha)
        defer { badTask.cancel() }
        let mismatch = try await AsyncShell.run(script, [], environment: env.merging(["CMLBOT_DOWNLOAD_URL": badURL + "/x/cmlbot-linux-x86_64"]) { $1 })
        #expect(mismatch.status == 2)
        #expect(mismatch.stderr.contains("checksum mismatch"))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/cmlbot"))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/cmlbot.part"))
        await server.stop(timeout: 1)
        await bad.stop(timeout: 1)
        #endif
    }
}
