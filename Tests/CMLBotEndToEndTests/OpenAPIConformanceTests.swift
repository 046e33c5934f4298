import ForgeFakes
import Foundation
import Testing
import TestSupport

/// The publish scenarios (comment create/update/delete, statuses, check runs, chart uploads,
/// contents and refs) run against the fakes, then every request cmlbot sent and every answer the
/// fake gave is checked against the official OpenAPI description (Tests/Tools/validate_openapi.py,
/// openapi-core). Proves both sides speak the documented shapes; not how the services behave.
@Suite(.serialized) struct OpenAPIConformanceTests {
    static func validateOrSkip(_ server: FakeForgeServer) async throws {
        if let reason = try OpenAPIValidation.unavailableReason() {
            // Visible in the test output; a failure instead under CMLBOT_REQUIRE_TOOLS=1.
            print("OpenAPI validation skipped: \(reason)")
            return
        }
        let result = try await OpenAPIValidation.validate(server)
        print(result.report)
        #expect(result.passed, Comment(rawValue: result.report))
        #expect(result.report.contains("exchange(s) checked"))
    }

    @Test func githubScenariosConformToTheOpenAPIDescription() async throws {
        let server = try await FakeForgeServer.start(.github)
        let (repo, base, head) = try ChartUploadEndToEndTests.project()
        let env = try PublishEndToEndTests.githubEnvironment(server, repo: repo, base: base, head: head)
        // Two marked comments left by a race: the newer is deleted, the older updated.
        await server.state.seed(thread: "pr/7", bodies: ["<!-- cmlbot:report v1 key=report -->\nold", "<!-- cmlbot:report v1 key=report -->\nnewer"])
        let r = try await CMLBotBinary.runAsync(["report", "--publish", "--assets-branch", "cmlbot-assets"], in: repo.path, environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        // A rerun reads the existing branch and files; a second key creates a comment.
        let again = try await CMLBotBinary.runAsync(["report", "--publish", "--assets-branch", "cmlbot-assets"], in: repo.path, environment: env)
        #expect(again.status == 0, "\(again.stderr)")
        try "notes\n".write(toFile: repo.path + "/n.md", atomically: true, encoding: .utf8)
        let created = try await CMLBotBinary.runAsync(["comment", "n.md", "--key", "notes"], in: repo.path, environment: env)
        #expect(created.status == 0, "\(created.stderr)")
        let methods = Set(await server.state.log.map { "\($0.method) \($0.status)" })
        #expect(methods.isSuperset(of: ["DELETE 204", "PATCH 200", "POST 201", "PUT 201", "GET 200", "GET 404"]), "\(methods)")
        try await Self.validateOrSkip(server)
        await server.stop()
    }

    @Test func gitlabScenariosConformToTheOpenAPIDescription() async throws {
        let server = try await FakeForgeServer.start(.gitlab)
        let (repo, base, head) = try ChartUploadEndToEndTests.project()
        await server.state.seed(thread: "mr/3", bodies: ["<!-- cmlbot:report v1 key=report -->\nold", "<!-- cmlbot:report v1 key=report -->\nnewer"])
        let env = PublishEndToEndTests.gitlabEnvironment(server, base: base, head: head, mr: 3)
        let r = try await CMLBotBinary.runAsync(["report", "--publish", "--upload-charts"], in: repo.path, environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        // A rerun links the uploads again: it asks who the token is (GET /user) and uploads nothing.
        let rerun = try await CMLBotBinary.runAsync(["report", "--publish", "--upload-charts"], in: repo.path, environment: env)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(await server.state.log.contains { $0.method == "GET" && $0.target == "/api/v4/user" })
        // A branch pipeline: the merge request is found through the commit.
        await server.state.setPullRequests([3], forCommit: head)
        let branch = try await CMLBotBinary.runAsync(["report", "--publish", "--base", "main"], in: repo.path,
                                                     environment: PublishEndToEndTests.gitlabEnvironment(server, base: base, head: head, mr: nil))
        #expect(branch.status == 0, "\(branch.stderr)")
        let methods = Set(await server.state.log.map { "\($0.method) \($0.status)" })
        #expect(methods.isSuperset(of: ["DELETE 204", "PUT 200", "POST 201", "GET 200"]), "\(methods)")
        try await Self.validateOrSkip(server)
        await server.stop()
    }

    /// The validator can fail: requests and answers that break the description are reported.
    @Test func nonConformingExchangesAreReported() async throws {
        if let reason = try OpenAPIValidation.unavailableReason() {
            print("OpenAPI validation skipped: \(reason)")
            return
        }
        func line(_ method: String, _ target: String, body: String, status: Int, response: String) throws -> String {
            let object: [String: Any] = ["method": method, "target": target, "content_type": "application/json",
                                         "body": Data(body.utf8).base64EncodedString(), "status": status,
                                         "response_content_type": "application/json", "response_body": Data(response.utf8).base64EncodedString()]
            return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }
        let exchanges = [
            // No `message` (required by PUT contents).
            try line("PUT", "/repos/o/r/contents/cmlbot-charts/a.svg", body: #"{"content":"PHN2Zy8+"}"#, status: 201, response: "{}"),
            // A state GitHub does not know.
            try line("POST", "/repos/o/r/statuses/abc", body: #"{"state":"passed"}"#, status: 201, response: "{}"),
            // An answer without the fields git-ref requires.
            try line("GET", "/repos/o/r/git/ref/heads/team/x", body: "", status: 200, response: #"{"ref":"refs/heads/team/x"}"#),
            try line("GET", "/repos/o/r/not/a/route", body: "", status: 200, response: "{}"),
        ].joined(separator: "\n") + "\n"
        let result = try await OpenAPIValidation.validate(exchanges: Data(exchanges.utf8), kind: .github)
        #expect(!result.passed)
        #expect(result.report.contains("FAIL PUT /repos/{owner}/{repo}/contents/{path}"), Comment(rawValue: result.report))
        #expect(result.report.contains("FAIL POST /repos/{owner}/{repo}/statuses/{sha}"))
        #expect(result.report.contains("FAIL GET /repos/{owner}/{repo}/git/ref/{ref}"))
        #expect(result.report.contains("3 exchange(s) checked against github.json, 3 not conforming"))
        #expect(result.report.contains("not in the spec (not validated):\n  GET /repos/o/r/not/a/route (1x)"))
    }
}
