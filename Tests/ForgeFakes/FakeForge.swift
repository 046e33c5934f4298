import FlyingFox
import Foundation

/// In-process fake GitHub and GitLab REST servers on 127.0.0.1 for contract tests: real HTTP, kept
/// state, the services' pagination, limits and auth rules (from shared/reference/forge-api.md and
/// the OpenAPI subsets), scripted faults, and a log of every request.
public final class FakeForgeServer: Sendable {
    public enum Kind: String, Sendable { case github, gitlab }

    public let kind: Kind
    public let state: FakeForgeState
    /// API base to hand to cmlbot: `http://127.0.0.1:PORT` (GitHub) or `…/api/v4` (GitLab).
    public let apiURL: String
    let server: HTTPServer
    let task: Task<Void, Error>

    public static func start(_ kind: Kind) async throws -> FakeForgeServer {
        let state = FakeForgeState(kind: kind)
        let server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: 0), timeout: 30, handler: FakeForgeHandler(state: state))
        let task = Task { try await server.run() }
        // Generous: with pre-commit building cmlbot on both cores, a listener has taken over 5 s
        // (FlyingFox's default) to come up.
        try await server.waitUntilListening(timeout: 60)
        guard case .ip4(_, let port)? = await server.listeningAddress else { throw FakeForgeError.noPort }
        let base = "http://127.0.0.1:\(port)"
        return FakeForgeServer(kind: kind, state: state, apiURL: kind == .github ? base : base + "/api/v4", server: server, task: task)
    }

    init(kind: Kind, state: FakeForgeState, apiURL: String, server: HTTPServer, task: Task<Void, Error>) {
        self.kind = kind
        self.state = state
        self.apiURL = apiURL
        self.server = server
        self.task = task
    }

    public func stop() async {
        await server.stop(timeout: 1)
        task.cancel()
    }
}

public enum FakeForgeError: Error { case noPort }

/// One request as the fake saw it.
public struct LoggedRequest: Sendable {
    public var method: String
    /// Raw request target, percent-encoding intact (`/api/v4/projects/g%2Fp/...`).
    public var target: String
    public var headers: [String: String]
    public var body: Data
    public var status: Int
    /// What the fake answered (for the OpenAPI response checks), content type lower-cased.
    public var responseHeaders: [String: String] = [:]
    public var responseBody = Data()
}

/// A scripted fault, applied to the next request whose method and path match.
public struct Fault: Sendable {
    public enum Effect: Sendable {
        /// Answer with this status/headers/body instead of handling the request.
        case respond(status: Int, headers: [String: String], body: String)
        /// Handle the request (state changes), then answer 502 as if the response was lost.
        case applyThenFail
        /// Wait before answering (for client timeouts).
        case delay(seconds: Double)
    }
    public var method: String?
    public var pathContains: String?
    public var effect: Effect
    public var times: Int

    public init(method: String? = nil, pathContains: String? = nil, effect: Effect, times: Int = 1) {
        self.method = method
        self.pathContains = pathContains
        self.effect = effect
        self.times = times
    }

    public static func status(_ code: Int, method: String? = nil, path: String? = nil, headers: [String: String] = [:], body: String = #"{"message":"Server Error"}"#, times: Int = 1) -> Fault {
        Fault(method: method, pathContains: path, effect: .respond(status: code, headers: headers, body: body), times: times)
    }
}

public struct FakeComment: Sendable, Equatable {
    public var id: Int
    public var body: String
    public var system: Bool
    /// GitLab `author.username` / GitHub `user.login`: whoever wrote it (for comments cmlbot
    /// posts, the token's own identity). A login ending in `[bot]` is a GitHub `Bot` account.
    public var author = FakeForgeState.gitlabTokenUser
}

public struct FakeStatus: Sendable, Equatable {
    public var sha: String
    public var state: String
    public var context: String
    public var description: String
    public var targetURL: String?
}

public actor FakeForgeState {
    public let kind: FakeForgeServer.Kind
    /// Tokens that may write; `readOnlyTokens` may only read (a fork PR's GITHUB_TOKEN, a CI_JOB_TOKEN).
    public var writeTokens: Set<String> = ["test-token"]
    public var readOnlyTokens: Set<String> = ["read-only-token"]
    /// Tokens that are GitHub App/Actions installation tokens (may create check runs).
    public var appTokens: Set<String> = ["test-token"]
    public private(set) var comments: [String: [FakeComment]] = [:]
    public private(set) var statuses: [FakeStatus] = []
    /// Check runs as the JSON bodies that created them.
    public private(set) var checkRuns: [Data] = []
    public private(set) var log: [LoggedRequest] = []
    public var pullRequestsForCommit: [String: [Int]] = [:]
    /// Token facts for the read-only routes `doctor` calls (FakeForge+Access.swift).
    public internal(set) var access = FakeAccessConfig()
    /// Branches, files and uploads for chart hosting (routes in FakeForgeAssets.swift).
    public internal(set) var assets = FakeAssetStore()
    var faults: [Fault] = []
    var nextID = 1000

    init(kind: FakeForgeServer.Kind) { self.kind = kind }

    public func inject(_ fault: Fault) { faults.append(fault) }
    public func setTokens(write: Set<String>, readOnly: Set<String>, app: Set<String>) {
        writeTokens = write
        readOnlyTokens = readOnly
        appTokens = app
    }
    public func setPullRequests(_ numbers: [Int], forCommit sha: String) { pullRequestsForCommit[sha] = numbers }

    /// Seeds comments on a thread key such as `pr/7` (GitHub issue/PR 7) or `mr/7` (GitLab MR 7).
    /// `author`: who wrote them; by default the default token's identity (GitLab
    /// `project_55_bot`, GitHub `github-actions[bot]`, as `test-token` is an app token).
    public func seed(thread: String, bodies: [String], system: Bool = false, author: String? = nil) {
        let author = author ?? (kind == .gitlab ? Self.gitlabTokenUser : Self.githubActionsBot)
        for body in bodies {
            nextID += 1
            comments[thread, default: []].append(FakeComment(id: nextID, body: body, system: system, author: author))
        }
    }

    public func thread(_ key: String) -> [FakeComment] { comments[key] ?? [] }
    public var checkRunCount: Int { checkRuns.count }
    public func checkRunSummaries() -> [String] {
        checkRuns.compactMap { ((try? JSONSerialization.jsonObject(with: $0)) as? [String: Any])?["output"] as? [String: Any] }.compactMap { $0["summary"] as? String }
    }

    func takeFault(method: String, path: String) -> Fault.Effect? {
        guard let i = faults.firstIndex(where: { ($0.method == nil || $0.method == method) && ($0.pathContains.map { path.contains($0) } ?? true) }) else { return nil }
        let effect = faults[i].effect
        faults[i].times -= 1
        if faults[i].times <= 0 { faults.remove(at: i) }
        return effect
    }

    func record(_ r: LoggedRequest) { log.append(r) }

    // MARK: handling

    struct Reply {
        var status: Int
        var headers: [String: String] = [:]
        var json: Any?
        var raw: String?
    }

    /// What goes back on the wire: Sendable, serialised inside the actor.
    struct WireReply: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data
        var isHTML: Bool
    }

    static func wire(_ reply: Reply) -> WireReply {
        var data = Data()
        if let raw = reply.raw { data = Data(raw.utf8) }
        else if let json = reply.json { data = (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])) ?? Data() }
        return WireReply(status: reply.status, headers: reply.headers, body: data, isHTML: reply.raw?.hasPrefix("<") == true)
    }

    func respond(method: String, target: String, headers: [String: String], body: Data) -> WireReply {
        Self.wire(handle(method: method, target: target, headers: headers, body: body))
    }

    func handle(method: String, target: String, headers: [String: String], body: Data) -> Reply {
        let (path, query) = Self.split(target)
        if let reply = accessRoute(method: method, path: path, headers: headers) { return reply }
        switch kind {
        case .github: return github(method: method, path: path, query: query, headers: headers, body: body)
        case .gitlab: return gitlab(method: method, path: path, query: query, headers: headers, body: body)
        }
    }

    static func split(_ target: String) -> (String, [String: String]) {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var query: [String: String] = [:]
        if parts.count > 1 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                query[String(kv[0])] = kv.count > 1 ? (String(kv[1]).removingPercentEncoding ?? String(kv[1])) : ""
            }
        }
        return (String(parts[0]), query)
    }

    static func error(_ status: Int, _ message: String) -> Reply { Reply(status: status, json: ["message": message]) }

    func page<T>(_ items: [T], query: [String: String], defaultPerPage: Int) -> (slice: [T], page: Int, perPage: Int, last: Int) {
        // Both services cap per_page at 100.
        let perPage = min(100, max(1, Int(query["per_page"] ?? "") ?? defaultPerPage))
        let page = max(1, Int(query["page"] ?? "") ?? 1)
        let last = max(1, (items.count + perPage - 1) / perPage)
        let start = min(items.count, (page - 1) * perPage)
        return (Array(items[start..<min(items.count, start + perPage)]), page, perPage, last)
    }

    // MARK: GitHub

    func github(method: String, path: String, query: [String: String], headers: [String: String], body: Data) -> Reply {
        guard let agent = headers["user-agent"], !agent.isEmpty else {
            return Self.error(403, "Request forbidden by administrative rules. Please make sure your request has a User-Agent header")
        }
        guard let auth = headers["authorization"], auth.hasPrefix("Bearer ") || auth.hasPrefix("token ") else {
            return Self.error(401, "Requires authentication")
        }
        let token = String(auth.split(separator: " ", maxSplits: 1).last ?? "")
        guard writeTokens.contains(token) || readOnlyTokens.contains(token) else { return Self.error(401, "Bad credentials") }
        let canWrite = writeTokens.contains(token)
        let parts = path.split(separator: "/").map(String.init)
        guard parts.count >= 3, parts[0] == "repos" else { return Self.error(404, "Not Found") }
        let rest = Array(parts.dropFirst(3))
        let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        if method != "GET" && !canWrite { return Self.error(403, "Resource not accessible by integration") }

        switch (method, rest.count) {
        case ("GET", 3) where rest[0] == "issues" && rest[2] == "comments":
            let key = "pr/\(rest[1])"
            let p = page(thread(key), query: query, defaultPerPage: 30)
            var h: [String: String] = [:]
            if p.page < p.last {
                let base = "http://\(headers["host"] ?? "127.0.0.1")\(path)?per_page=\(p.perPage)"
                h["link"] = "<\(base)&page=\(p.page + 1)>; rel=\"next\", <\(base)&page=\(p.last)>; rel=\"last\""
            }
            return Reply(status: 200, headers: h, json: p.slice.map { githubComment($0, thread: key) })
        case ("POST", 3) where rest[0] == "issues" && rest[2] == "comments":
            guard let text = json?["body"] as? String else { return Self.error(422, "Validation Failed") }
            if text.count > 65_536 {
                return Reply(status: 422, json: ["message": "Validation Failed", "errors": [["resource": "IssueComment", "code": "custom", "field": "body", "message": "body is too long (maximum is 65536 characters)"]]])
            }
            nextID += 1
            let c = FakeComment(id: nextID, body: text, system: false, author: githubLogin(token: token))
            comments["pr/\(rest[1])", default: []].append(c)
            return Reply(status: 201, json: githubComment(c, thread: "pr/\(rest[1])"))
        case ("PATCH", 3) where rest[0] == "issues" && rest[1] == "comments", ("DELETE", 3) where rest[0] == "issues" && rest[1] == "comments":
            guard let id = Int(rest[2]), let (thread, i) = locate(id) else { return Self.error(404, "Not Found") }
            if method == "DELETE" {
                comments[thread]?.remove(at: i)
                return Reply(status: 204)
            }
            // Only a comment's author may edit it (what the brief of this fake assumes of GitHub).
            if comments[thread]?[i].author != githubLogin(token: token) { return Self.error(403, "Resource not accessible by integration") }
            guard let text = json?["body"] as? String else { return Self.error(422, "Validation Failed") }
            if text.count > 65_536 { return Self.error(422, "body is too long (maximum is 65536 characters)") }
            comments[thread]?[i].body = text
            return Reply(status: 200, json: githubComment(comments[thread]![i], thread: thread))
        case ("POST", 2) where rest[0] == "statuses":
            guard let state = json?["state"] as? String, ["error", "failure", "pending", "success"].contains(state) else {
                return Self.error(422, "Validation Failed: state is not included in the list")
            }
            let description = json?["description"] as? String ?? ""
            if description.count > 140 { return Self.error(422, "Validation Failed: description is too long (maximum is 140 characters)") }
            statuses.append(FakeStatus(sha: rest[1], state: state, context: json?["context"] as? String ?? "default", description: description, targetURL: json?["target_url"] as? String))
            return Reply(status: 201, json: githubStatus(statuses[statuses.count - 1], id: statuses.count))
        case ("POST", 1) where rest[0] == "check-runs":
            guard appTokens.contains(token) else { return Self.error(403, "You must authenticate via a GitHub App.") }
            guard json?["name"] is String, json?["head_sha"] is String else { return Self.error(422, "Validation Failed") }
            if let summary = (json?["output"] as? [String: Any])?["summary"] as? String, summary.count > 65_535 {
                return Self.error(422, "Validation Failed: output.summary is too long")
            }
            checkRuns.append(body)
            return Reply(status: 201, json: githubCheckRun(id: checkRuns.count, request: json))
        case ("GET", 3) where rest[0] == "commits" && rest[2] == "pulls":
            return Reply(status: 200, json: (pullRequestsForCommit[rest[1]] ?? []).map { ["number": $0, "state": "open"] })
        default:
            return githubAssets(method: method, owner: parts[1], repo: parts[2], rest: rest, query: query, headers: headers, json: json) ?? Self.error(404, "Not Found")
        }
    }

    func githubComment(_ c: FakeComment, thread: String) -> [String: Any] {
        githubIssueComment(c, thread: thread)
    }

    func locate(_ id: Int) -> (String, Int)? {
        for (thread, list) in comments { if let i = list.firstIndex(where: { $0.id == id }) { return (thread, i) } }
        return nil
    }

    // MARK: GitLab

    func gitlab(method: String, path: String, query: [String: String], headers: [String: String], body: Data) -> Reply {
        let token = headers["private-token"] ?? headers["authorization"].map { String($0.dropFirst("Bearer ".count)) }
        if headers["job-token"] != nil, token == nil {
            return method == "GET" ? Self.error(404, "404 Not found") : Self.error(403, "403 Forbidden")
        }
        guard let token, writeTokens.contains(token) || readOnlyTokens.contains(token) else { return Self.error(401, "401 Unauthorized") }
        if method != "GET" && !writeTokens.contains(token) { return Self.error(403, "403 Forbidden") }
        let parts = path.split(separator: "/").map(String.init)
        // /api/v4/projects/:id/...
        guard parts.count >= 4, parts[0] == "api", parts[1] == "v4", parts[2] == "projects" else { return Self.error(404, "404 Not found") }
        // A project path must arrive encoded: `group%2Fproject` is one segment.
        let rest = Array(parts.dropFirst(4))
        let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        switch (method, rest.count) {
        case ("GET", 3) where rest[0] == "merge_requests" && rest[2] == "notes":
            let p = page(thread("mr/\(rest[1])"), query: query, defaultPerPage: 20)
            let h = ["x-page": "\(p.page)", "x-per-page": "\(p.perPage)", "x-next-page": p.page < p.last ? "\(p.page + 1)" : "", "x-total": "\(thread("mr/\(rest[1])").count)"]
            return Reply(status: 200, headers: h, json: p.slice.map { gitlabNote($0) })
        case ("POST", 3) where rest[0] == "merge_requests" && rest[2] == "notes":
            guard let text = json?["body"] as? String, !text.isEmpty else { return Self.error(400, "400 Bad request - body is missing") }
            if text.count > 1_000_000 { return Self.error(400, "Note is too long (maximum is 1000000 characters)") }
            nextID += 1
            let c = FakeComment(id: nextID, body: text, system: false)
            comments["mr/\(rest[1])", default: []].append(c)
            return Reply(status: 201, json: gitlabNote(c))
        case ("PUT", 4) where rest[0] == "merge_requests" && rest[2] == "notes", ("DELETE", 4) where rest[0] == "merge_requests" && rest[2] == "notes":
            let thread = "mr/\(rest[1])"
            guard let id = Int(rest[3]), let i = comments[thread]?.firstIndex(where: { $0.id == id }) else { return Self.error(404, "404 Not found") }
            if method == "DELETE" { comments[thread]?.remove(at: i); return Reply(status: 204) }
            // GitLab lets only a note's author edit it.
            if comments[thread]?[i].author != Self.gitlabTokenUser { return Self.error(403, "403 Forbidden") }
            guard let text = json?["body"] as? String else { return Self.error(400, "400 Bad request") }
            comments[thread]?[i].body = text
            return Reply(status: 200, json: gitlabNote(comments[thread]?[i] ?? FakeComment(id: id, body: text, system: false)))
        case ("POST", 2) where rest[0] == "statuses":
            guard let state = json?["state"] as? String, ["pending", "running", "success", "failed", "canceled", "skipped"].contains(state) else {
                return Self.error(400, "400 Bad request - state does not have a valid value")
            }
            statuses.append(FakeStatus(sha: rest[1], state: state, context: json?["name"] as? String ?? "default", description: json?["description"] as? String ?? "", targetURL: json?["target_url"] as? String))
            return Reply(status: 201, json: ["id": statuses.count, "status": state])
        case ("GET", 4) where rest[0] == "repository" && rest[1] == "commits" && rest[3] == "merge_requests":
            return Reply(status: 200, json: (pullRequestsForCommit[rest[2]] ?? []).map { ["iid": $0, "state": "opened"] })
        default:
            return gitlabUploads(method: method, project: parts[3], rest: rest, headers: headers, body: body) ?? Self.error(404, "404 Not found")
        }
    }
}

struct FakeForgeHandler: HTTPHandler {
    let state: FakeForgeState

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        let body = try await request.bodyData
        var headers: [String: String] = [:]
        for (name, value) in request.headers { headers[name.rawValue.lowercased()] = value }
        let method = request.method.rawValue
        let target = request.target.rawValue
        var reply: FakeForgeState.WireReply
        switch await state.takeFault(method: method, path: target) {
        case .respond(let status, let h, let b)?:
            reply = FakeForgeState.wire(FakeForgeState.Reply(status: status, headers: h, raw: b))
        case .delay(let seconds)?:
            try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
            reply = await state.respond(method: method, target: target, headers: headers, body: body)
        case .applyThenFail?:
            // The change happens; the client only sees a gateway error (a lost response).
            _ = await state.respond(method: method, target: target, headers: headers, body: body)
            reply = FakeForgeState.wire(FakeForgeState.Reply(status: 502, raw: "<html><body><h1>502 Bad Gateway</h1></body></html>"))
        case nil:
            reply = await state.respond(method: method, target: target, headers: headers, body: body)
        }
        var responseHeaders = HTTPHeaders()
        for (k, v) in reply.headers { responseHeaders[HTTPHeader(k)] = v }
        let data = reply.body
        var contentType: String?
        if reply.isHTML { contentType = "text/html" }
        else if !data.isEmpty { contentType = "application/json; charset=utf-8" }
        if let contentType { responseHeaders[HTTPHeader("Content-Type")] = contentType }
        var logged = LoggedRequest(method: method, target: target, headers: headers, body: body, status: reply.status)
        logged.responseHeaders = reply.headers.reduce(into: [:]) { $0[$1.key.lowercased()] = $1.value }
        logged.responseHeaders["content-type"] = contentType
        logged.responseBody = data
        await state.record(logged)
        return HTTPResponse(statusCode: HTTPStatusCode(reply.status, phrase: "Fake"), headers: responseHeaders, body: data)
    }
}
