@testable import CMLBotForge
import ForgeFakes
import Foundation
import Testing

/// Which links in a previous note `GitLabUploadHost` may link again: only the exact shape of a
/// content-addressed upload, and only from a marked note the token's own user wrote.
struct GitLabUploadReuseTests {
    static let secret = "0123456789abcdef0123456789abcdef"
    static let name = "a1b2c3d4e5f60718293a.svg"
    static let server = "https://gitlab.example/"

    @Test func acceptsProjectRelativeAndSameServerUploadLinks() {
        let body = """
        ![loss](/uploads/\(Self.secret)/\(Self.name))
        ![acc](https://gitlab.example/ml/models/uploads/\(Self.secret)/ffffffffffffffffffff.svg)
        """
        #expect(GitLabUploadHost.linkedUploads(in: body, serverPrefix: Self.server) == [
            Self.name: "/uploads/\(Self.secret)/\(Self.name)",
            "ffffffffffffffffffff.svg": "https://gitlab.example/ml/models/uploads/\(Self.secret)/ffffffffffffffffffff.svg",
        ])
    }

    @Test(arguments: [
        "https://evil.example/uploads/\(secret)/\(name)",            // another host
        "//evil.example/uploads/\(secret)/\(name)",                  // scheme-relative: another host
        "/uploads/\(secret.dropLast())/\(name)",                     // secret too short
        "/uploads/\(secret.uppercased())/\(name)",                   // not GitLab's lower-case hex
        "/uploads/\(secret)/\(name)?v=1",                            // query
        "/uploads/\(secret)/\(name)#x",                              // fragment
        "/uploads/\(secret)/../\(name)",                             // extra segment
        "/uploads/\(secret)/loss.svg",                               // not a content address
        "/uploads/\(secret)/\(name) \"title\"",                      // title (not what cmlbot writes)
        "/evil/uploads/\(secret)/\(name)",                           // relative path elsewhere
    ])
    func rejectsAnythingElse(_ url: String) {
        #expect(GitLabUploadHost.linkedUploads(in: "![x](\(url))", serverPrefix: Self.server).isEmpty, "\(url)")
    }

    /// A marked note by someone else linking the chart's name is not trusted; the token's own
    /// note is, and only its links are used.
    @Test func onlyTheTokenUsersOwnNoteIsTrusted() async throws {
        let fake = try await FakeForgeServer.start(.gitlab)
        await fake.state.setTokens(write: ["t"], readOnly: [], app: [])
        let client = GitLabClient(apiURL: fake.apiURL, projectID: "55", token: "t",
                                  transport: CurlTransport(environment: [:], connectTimeout: .seconds(5), totalTimeout: .seconds(20)),
                                  userAgent: "cmlbot-tests")
        let data = Data("<svg/>".utf8)
        let chart = ChartFile(fileName: "loss.svg", data: data, sha256: "a1b2c3d4e5f60718293a" + String(repeating: "0", count: 44))
        let marker = "<!-- cmlbot:report v1 key=report -->\n"
        let hostile = ForgeComment(id: 1, body: marker + "![loss](/uploads/\(Self.secret)/\(Self.name))", url: nil, author: "mallory")

        let first = try await GitLabUploadHost(client: client, previous: [hostile]).host([chart])
        #expect(first.written == 1 && first.reused == 0)
        #expect(first.urls["loss.svg"] != "/uploads/\(Self.secret)/\(Self.name)")
        #expect(await fake.state.assets.uploads.map(\.fileName) == [Self.name])

        // The fake's token user is project_55_bot: its note is linked again, without an upload.
        let own = ForgeComment(id: 2, body: marker + "![loss](\(first.urls["loss.svg"] ?? ""))", url: nil, author: "project_55_bot")
        let again = try await GitLabUploadHost(client: client, previous: [hostile, own]).host([chart])
        #expect(again.written == 0 && again.reused == 1)
        #expect(again.urls == first.urls)
        #expect(await fake.state.assets.uploads.count == 1)

        // A token that may not read its user: nothing is trusted, the chart is uploaded, the log says why.
        await fake.state.configureAccess { $0.gitlabNoUserScope = ["t"] }
        let unsure = try await GitLabUploadHost(client: client, previous: [own]).host([chart])
        #expect(unsure.written == 1 && unsure.reused == 0)
        #expect(unsure.notes.contains { $0.hasPrefix("charts not reused from the previous note: ") && $0.contains("insufficient_scope") }, "\(unsure.notes)")
        await fake.stop()
    }
}
