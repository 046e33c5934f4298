import ForgeFakes
import Foundation
import Testing
import TestSupport

/// `report --publish --assets-branch` (GitHub) and `--upload-charts` (GitLab) against the fake
/// forges: images hosted on the forge and linked from the comment, reruns that write nothing,
/// failures that fall back to the inline charts with a warning.
@Suite(.serialized) struct ChartUploadEndToEndTests {
    static let canary = PublishEndToEndTests.canary

    /// A PR branch with a changed metric and a training curve: two charts (the curve, the metric bars).
    static func project() throws -> (repo: GitRepoBuilder, base: String, head: String) {
        let repo = try GitRepoBuilder()
        func csv(_ values: [Double]) -> String {
            "step,loss\n" + values.enumerated().map { "\($0.offset),\($0.element)" }.joined(separator: "\n") + "\n"
        }
        let base = try repo.commit("base", files: [
            "dvc.yaml": "metrics: [metrics.json]\nplots:\n  - logs/train.csv:\n      x: step\n      y: loss\n",
            "metrics.json": #"{"acc": 0.90, "loss": 0.30}"#,
            "logs/train.csv": csv([1.0, 0.7, 0.5, 0.45]),
            ".cmlbot.yml": "version: 1\nmetrics:\n  directions: {acc: higher, loss: lower}\n",
        ])
        try repo.git("checkout", "-q", "-b", "feature")
        let head = try repo.commit("train", files: [
            "metrics.json": #"{"acc": 0.93, "loss": 0.27}"#,
            "logs/train.csv": csv([0.9, 0.6, 0.4, 0.33, 0.3]),
        ])
        return (repo, base, head)
    }

    /// The `### Charts` section of a comment body.
    static func chartsSection(_ body: String) -> String {
        guard let start = body.range(of: "### Charts\n") else { return "" }
        let rest = body[start.lowerBound...]
        let end = rest.dropFirst(4).range(of: "\n### ")?.lowerBound ?? rest.endIndex
        return String(rest[..<end])
    }

    static func svgFiles(_ dir: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir + "/charts") {
            out[name] = FileManager.default.contents(atPath: dir + "/charts/" + name)
        }
        return out
    }

    // MARK: GitHub

    @Test func githubAssetsBranchIsCreatedChartsAreCommittedAndARerunWritesNothing() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try Self.project()
        let env = try PublishEndToEndTests.githubEnvironment(server, repo: repo, base: base, head: head)
        let args = ["report", "--publish", "--assets-branch", "cmlbot-assets", "--out", "out"]
        let first = try await CMLBotBinary.runAsync(args, in: repo.path, environment: env)
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(first.stderr.contains("created branch cmlbot-assets from main"), "\(first.stderr)")
        #expect(first.stderr.contains("charts: 2 uploaded, 0 already in place"), "\(first.stderr)")

        // The branch starts at the default branch's head; each chart is one content-addressed file
        // holding exactly the SVG that --out wrote.
        let log = await server.state.log
        let createRef = log.first { $0.method == "POST" && $0.target.hasSuffix("/git/refs") }
        let refBody = createRef.flatMap { try? JSONSerialization.jsonObject(with: $0.body) as? [String: String] }
        #expect(refBody == ["ref": "refs/heads/cmlbot-assets", "sha": String(repeating: "a", count: 40)])
        let files = await server.state.assetFiles(branch: "cmlbot-assets")
        let svgs = try Self.svgFiles(repo.path + "/out")
        #expect(files.count == 2)
        #expect(Set(files.values.map(\.content)) == Set(svgs.values))
        for path in files.keys { #expect(path.range(of: #"^cmlbot-charts/[0-9a-f]{20}\.svg$"#, options: .regularExpression) != nil, "\(path)") }

        // The comment links every file on the web host, and shows no Mermaid block.
        let body = await server.state.thread("pr/7").first?.body ?? ""
        for path in files.keys {
            #expect(body.contains("](https://github.example/acme/models/blob/cmlbot-assets/\(path)?raw=true)"), "\(path) not linked")
        }
        #expect(!body.contains("```mermaid"))
        #expect(body.contains("<details><summary>Data table: loss</summary>"))
        if let failure = Golden.check(Self.chartsSection(body), named: "comment-charts-uploaded.md") { Issue.record(Comment(rawValue: failure)) }

        // Same charts again: nothing written, the comment unchanged.
        let writes = await server.state.assets.writes
        let second = try await CMLBotBinary.runAsync(args, in: repo.path, environment: env)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("charts: 0 uploaded, 2 already in place"), "\(second.stderr)")
        #expect(second.stderr.contains("comment unchanged on pr/7"))
        #expect(await server.state.assets.writes == writes)
        let secondWrites = await server.state.log.dropFirst(log.count).filter { $0.method == "PUT" || ($0.method == "POST" && $0.target.contains("/git/")) }
        #expect(secondWrites.isEmpty)
        for r in [first, second] { #expect(!(r.stdout + r.stderr).contains(Self.canary)) }
        #expect(!body.contains(Self.canary))
        await server.stop()
    }

    @Test func githubLostContentsAnswerIsNotWrittenTwice() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try Self.project()
        let env = try PublishEndToEndTests.githubEnvironment(server, repo: repo, base: base, head: head)
        // The first PUT lands but its answer is lost (502). The transport re-sends the PUT
        // (idempotent); the second finds the file: no error, no second commit.
        await server.state.inject(Fault(method: "PUT", pathContains: "/contents/", effect: .applyThenFail))
        let r = try await CMLBotBinary.runAsync(["report", "--publish", "--assets-branch", "team/charts"], in: repo.path, environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("charts: 2 uploaded"), "\(r.stderr)")
        #expect(await server.state.assets.writes.count == 2)
        // A branch with a slash keeps it in the link.
        let body = await server.state.thread("pr/7").first?.body ?? ""
        #expect(body.contains("/blob/team/charts/cmlbot-charts/"))
        await server.stop()
    }

    @Test func githubWriteRefusedFallsBackToInlineChartsWithAWarning() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try Self.project()
        let env = try PublishEndToEndTests.githubEnvironment(server, repo: repo, base: base, head: head)
        await server.state.inject(.status(403, method: "PUT", path: "/contents/", body: #"{"message":"Resource not accessible by integration"}"#))
        let r = try await CMLBotBinary.runAsync(["report", "--publish", "--assets-branch", "cmlbot-assets"], in: repo.path, environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("warning: chart upload failed"), "\(r.stderr)")
        #expect(r.stderr.contains("Resource not accessible by integration"))
        #expect(r.stdout.contains("::warning title=cmlbot::chart upload failed"))
        let body = await server.state.thread("pr/7").first?.body ?? ""
        #expect(body.contains("```mermaid"))
        #expect(!body.contains("cmlbot-charts/"))
        #expect(await server.state.statuses.count == 1)
        #expect(!(r.stdout + r.stderr).contains(Self.canary))
        await server.stop()
    }

    @Test func githubUploadChartsWithoutAssetsBranchSaysWhatItNeeds() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try Self.project()
        let env = try PublishEndToEndTests.githubEnvironment(server, repo: repo, base: base, head: head)
        let r = try await CMLBotBinary.runAsync(["report", "--publish", "--upload-charts"], in: repo.path, environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("--upload-charts needs --assets-branch NAME on GitHub"), "\(r.stderr)")
        #expect(r.stdout.contains("::warning title=cmlbot::--upload-charts needs --assets-branch"))
        #expect(await server.state.thread("pr/7").first?.body.contains("```mermaid") == true)
        #expect(await server.state.log.allSatisfy { $0.method != "PUT" && !$0.target.contains("/git/") })
        await server.stop()
    }

    @Test func badAssetsBranchNameIsAUsageError() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try Self.project()
        let env = try PublishEndToEndTests.githubEnvironment(server, repo: repo, base: base, head: head)
        for bad in ["two..dots", "has space", "-leading", "refs/heads/x", "x.lock"] {
            let r = try await CMLBotBinary.runAsync(["report", "--publish", "--assets-branch=\(bad)"], in: repo.path, environment: env)
            #expect(r.status == 64, "\(bad): \(r.stderr)")
            #expect(r.stderr.contains("--assets-branch '\(bad)' is not a usable branch name"), "\(r.stderr)")
        }
        #expect(await server.state.log.isEmpty)
        await server.stop()
    }

    @Test func dryRunNamesTheUploadsAndSendsNothing() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try Self.project()
        let env = try PublishEndToEndTests.githubEnvironment(server, repo: repo, base: base, head: head)
        let r = try await CMLBotBinary.runAsync(["report", "--publish", "--dry-run", "--assets-branch", "cmlbot-assets"], in: repo.path, environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("--dry-run: the 2 charts would be uploaded"), "\(r.stderr)")
        #expect(r.stdout.contains("--dry-run: these requests would be sent"))
        #expect(!r.stdout.contains("/contents/"))
        #expect(await server.state.log.isEmpty)
        await server.stop()
    }

    // MARK: GitLab

    @Test func gitlabUploadsEachChartAndEmbedsTheReturnedURL() async throws {
        let server = try await FakeForgeServer.start(.gitlab)
        let (repo, base, head) = try Self.project()
        let env = PublishEndToEndTests.gitlabEnvironment(server, base: base, head: head, mr: 3)
        let r = try await CMLBotBinary.runAsync(["report", "--publish", "--upload-charts", "--out", "out"], in: repo.path, environment: env)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("charts: 2 uploaded"), "\(r.stderr)")
        let uploads = await server.state.assets.uploads
        let svgs = try Self.svgFiles(repo.path + "/out")
        // Uploaded under their content address, each holding exactly the SVG that --out wrote.
        #expect(try uploads.map(\.fileName).sorted() == svgs.values.map(Self.uploadName).sorted())
        #expect(Set(uploads.map(\.data)) == Set(svgs.values))
        for upload in uploads { #expect(upload.contentType == "image/svg+xml") }
        let note = await server.state.thread("mr/3").first?.body ?? ""
        for upload in uploads { #expect(note.contains("](\(upload.url))"), "\(upload.url) not in the note") }
        #expect(!note.contains("```mermaid"))
        let posts = await server.state.log.filter { $0.target.hasSuffix("/uploads") }
        #expect(posts.allSatisfy { $0.headers["content-type"]?.hasPrefix("multipart/form-data; boundary=") == true })
        #expect(!(r.stdout + r.stderr).contains(Self.canary))
        await server.stop()
    }

    /// `<first 20 hex of sha256>.svg`, computed outside cmlbot.
    static func uploadName(_ data: Data) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cmlbot-svg-\(UUID().uuidString)")
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let out = try Shell.run("sha256sum", [file.path]).stdout
        return String(out.prefix(20)) + ".svg"
    }

    static func uploadPosts(_ server: FakeForgeServer) async -> Int {
        await server.state.log.filter { $0.method == "POST" && $0.target.hasSuffix("/uploads") }.count
    }

    /// The PR branch gets a longer training curve: the curve chart changes, the metric bars do not.
    static func changeCurve(_ repo: GitRepoBuilder) throws -> String {
        try repo.commit("train more", files: ["logs/train.csv": "step,loss\n0,0.9\n1,0.6\n2,0.4\n3,0.33\n4,0.3\n5,0.28\n"])
    }

    @Test func gitlabRerunLinksTheSameUploadsAndAChangedChartUploadsOnlyItself() async throws {
        let server = try await FakeForgeServer.start(.gitlab)
        let (repo, base, head) = try Self.project()
        let env = PublishEndToEndTests.gitlabEnvironment(server, base: base, head: head, mr: 3)
        let args = ["report", "--publish", "--upload-charts"]
        let first = try await CMLBotBinary.runAsync(args, in: repo.path, environment: env)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("charts: 2 uploaded, 0 already in place"), "\(first.stderr)")
        let note = await server.state.thread("mr/3").first?.body ?? ""

        // Same charts: no upload, no write to the note.
        let before = await server.state.log.count
        let second = try await CMLBotBinary.runAsync(args, in: repo.path, environment: env)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("charts: 0 uploaded, 2 already in place"), "\(second.stderr)")
        #expect(second.stderr.contains("comment unchanged on pr/3"), "\(second.stderr)")
        let rerun = await server.state.log.dropFirst(before)
        #expect(!rerun.contains { $0.target.hasSuffix("/uploads") })
        #expect(!rerun.contains { $0.method == "PUT" && $0.target.contains("/notes/") })
        // The thread is listed once, shared by the chart host and the sticky note.
        #expect(rerun.filter { $0.method == "GET" && $0.target.contains("/notes") }.count == 1)
        #expect(await server.state.thread("mr/3").map(\.body) == [note])

        // One chart changed: exactly one upload; the other chart keeps its link.
        let changed = try Self.changeCurve(repo)
        let third = try await CMLBotBinary.runAsync(args + ["--out", "out"], in: repo.path,
                                                    environment: PublishEndToEndTests.gitlabEnvironment(server, base: base, head: changed, mr: 3))
        #expect(third.status == 0, "\(third.stderr)")
        #expect(third.stderr.contains("charts: 1 uploaded, 1 already in place"), "\(third.stderr)")
        #expect(third.stderr.contains("comment updated on pr/3"), "\(third.stderr)")
        let uploads = await server.state.assets.uploads
        #expect(uploads.count == 3)
        let updated = await server.state.thread("mr/3").first?.body ?? ""
        let linked = uploads.filter { updated.contains("](\($0.url))") }
        #expect(linked.count == 2)
        #expect(linked.contains(uploads[2]))
        #expect(Set(linked.map(\.data)) == Set(try Self.svgFiles(repo.path + "/out").values))
        #expect(!(first.stderr + second.stderr + third.stderr).contains(Self.canary))
        await server.stop()
    }

    /// Someone else's notes linking the new chart's content address under their own upload — one
    /// with cmlbot's marker typed as its first line, one a plain reply — are never linked.
    @Test func gitlabDoesNotReuseLinksFromSomeoneElsesNote() async throws {
        let server = try await FakeForgeServer.start(.gitlab)
        let (repo, base, head) = try Self.project()
        let args = ["report", "--publish", "--upload-charts"]
        let first = try await CMLBotBinary.runAsync(args, in: repo.path, environment: PublishEndToEndTests.gitlabEnvironment(server, base: base, head: head, mr: 3))
        #expect(first.status == 0, "\(first.stderr)")

        let changed = try Self.changeCurve(repo)
        let env = PublishEndToEndTests.gitlabEnvironment(server, base: base, head: changed, mr: 3)
        let local = try await CMLBotBinary.runAsync(["report", "--out", "pre"], in: repo.path, environment: env)
        #expect(local.status == 0, "\(local.stderr)")
        let evil = "/uploads/" + String(repeating: "e", count: 32) + "/"
        let links = try Self.svgFiles(repo.path + "/pre").values.map { "![loss](\(evil)\(try Self.uploadName($0)))" }.joined(separator: "\n")
        await server.state.seed(thread: "mr/3", bodies: ["<!-- cmlbot:report v1 key=report -->\n### Charts\n" + links,
                                                         "Looks like this:\n" + links], author: "mallory")
        let before = await Self.uploadPosts(server)
        let r = try await CMLBotBinary.runAsync(args, in: repo.path, environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("charts: 1 uploaded, 1 already in place"), "\(r.stderr)")
        #expect(await Self.uploadPosts(server) == before + 1)
        let ours = await server.state.thread("mr/3").filter { $0.author != "mallory" }
        #expect(ours.count == 1)
        let body = ours.first?.body ?? ""
        #expect(body.contains("](/uploads/"))
        #expect(!body.contains(evil))
        await server.stop()
    }

    @Test func gitlabUploadFailureIsNotResentAndKeepsTheInlineCharts() async throws {
        let server = try await FakeForgeServer.start(.gitlab)
        let (repo, base, head) = try Self.project()
        let env = PublishEndToEndTests.gitlabEnvironment(server, base: base, head: head, mr: 3)
        await server.state.inject(.status(500, method: "POST", path: "/uploads"))
        let r = try await CMLBotBinary.runAsync(["report", "--publish", "--upload-charts", "--assets-branch", "x"], in: repo.path, environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("warning: --assets-branch is for GitHub"), "\(r.stderr)")
        #expect(r.stderr.contains("warning: chart upload failed"), "\(r.stderr)")
        // A POST that may have landed is never re-sent blindly.
        #expect(await server.state.log.filter { $0.target.hasSuffix("/uploads") }.count == 1)
        let note = await server.state.thread("mr/3").first?.body ?? ""
        #expect(note.contains("```mermaid"))
        #expect(await server.state.statuses.count == 1)
        #expect(!(r.stdout + r.stderr).contains(Self.canary))
        await server.stop()
    }
}
