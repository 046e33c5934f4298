import Foundation

/// One chart image to put where the comment can link it.
public struct ChartFile: Equatable, Sendable {
    /// The report's name for it (`charts/<fileName>`).
    public var fileName: String
    public var contentType: String
    public var data: Data
    /// Lower-case hex SHA-256 of `data`: the content address on an assets branch.
    public var sha256: String

    public init(fileName: String, contentType: String = "image/svg+xml", data: Data, sha256: String) {
        self.fileName = fileName
        self.contentType = contentType
        self.data = data
        self.sha256 = sha256
    }
}

/// What hosting did: an image URL per chart file name, and how many writes it took.
public struct HostedCharts: Equatable, Sendable {
    /// `fileName` → URL to put in the comment's Markdown.
    public var urls: [String: String] = [:]
    /// Files written (uploads, commits) and files already in place.
    public var written = 0
    public var reused = 0
    /// Progress for the log (`created branch cmlbot-assets from main`).
    public var notes: [String] = []

    public init() {}
}

/// Puts chart images on the forge itself — never a third-party host. One implementation per forge
/// (GitLab project uploads, a GitHub assets branch); `ChartHosts.make` picks it.
public protocol ChartHost: Sendable {
    /// Hosts every chart or throws: a comment with some images and some Mermaid blocks would be
    /// harder to read than either, so the caller falls back to inline charts for all.
    func host(_ charts: [ChartFile]) async throws -> HostedCharts
}

/// GitLab: `POST /projects/:id/uploads` per chart, under a content-addressed name
/// (`<sha256 prefix>.svg`); the returned project-relative URL is expanded by GitLab inside the
/// project's notes (private projects: visible to members only).
///
/// GitLab puts every upload under a new random secret, so an upload cannot be looked up by its
/// name. Instead a chart already linked from cmlbot's previous note for this (target, key) is
/// linked again: a rerun with the same charts uploads nothing and leaves the note byte-identical,
/// and a changed chart uploads only itself. Links are taken only from a marked note the token's own
/// user wrote (anyone can type the marker), and only in the exact form an upload returns.
public struct GitLabUploadHost: ChartHost {
    public let client: GitLabClient
    /// The marked notes of this (target, key), oldest first, as `StickyComment.marked()` listed them.
    public let previous: [ForgeComment]
    /// The token's user, shared with the sticky note so it is asked once per run.
    public let identity: OwnIdentity

    public init(client: GitLabClient, previous: [ForgeComment] = [], identity: OwnIdentity? = nil) {
        self.client = client
        self.previous = previous
        self.identity = identity ?? OwnIdentity(client: client)
    }

    /// The upload's file name: the content address, with the chart's extension.
    public static func fileName(for chart: ChartFile) -> String {
        let ext = chart.fileName.split(separator: ".").last.map { "." + $0.lowercased() } ?? ""
        return "\(chart.sha256.prefix(GitHubBranchHost.digestPrefix))\(ext)"
    }

    public func host(_ charts: [ChartFile]) async throws -> HostedCharts {
        var out = HostedCharts()
        var known = await reusableUploads(for: Set(charts.map(Self.fileName)), notes: &out.notes)
        for chart in charts {
            let name = Self.fileName(for: chart)
            if let url = known[name] {
                out.urls[chart.fileName] = url
                out.reused += 1
                continue
            }
            let upload = try await client.uploadFile(fileName: name, contentType: chart.contentType, data: chart.data)
            // Only a project-relative path, or a URL on the forge itself, goes into the comment.
            guard (upload.url.hasPrefix("/") && !upload.url.hasPrefix("//")) || upload.url.hasPrefix(client.apiURL.serverPrefix) else {
                throw ForgeError.badResponse(operation: "uploading \(chart.fileName)", detail: "the upload URL '\(upload.url.prefix(100))' is not on this GitLab")
            }
            out.urls[chart.fileName] = upload.url
            // Two charts with the same bytes share one upload.
            known[name] = upload.url
            out.written += 1
        }
        return out
    }

    /// Upload file name → URL, from the oldest marked note the token's user wrote, for the names
    /// wanted. The user is asked (`GET /user`) only when some marked note links a wanted name, so
    /// a first run costs no request; when it cannot be asked, nothing is reused (upload afresh).
    func reusableUploads(for wanted: Set<String>, notes: inout [String]) async -> [String: String] {
        let server = client.apiURL.serverPrefix
        guard previous.contains(where: { !Self.linkedUploads(in: $0.body, serverPrefix: server).keys.filter(wanted.contains).isEmpty }) else { return [:] }
        let me: ForgeIdentity
        switch await identity.resolve() {
        case .success(let identity): me = identity
        case .failure(let error):
            notes.append("charts not reused from the previous note: \(error.message)")
            return [:]
        }
        guard let own = previous.first(where: me.wrote) else { return [:] }
        return Self.linkedUploads(in: own.body, serverPrefix: server).filter { wanted.contains($0.key) }
    }

    /// Upload file name → URL for every Markdown link target `](URL)` in `body` that has exactly
    /// the shape of a content-addressed upload: `/uploads/<32 hex secret>/<20 hex>.<ext>`, or the
    /// same path under `serverPrefix` (this GitLab). Anything else (other hosts, queries, fragments,
    /// other names) is ignored.
    public static func linkedUploads(in body: String, serverPrefix: String) -> [String: String] {
        var out: [String: String] = [:]
        for piece in body.components(separatedBy: "](").dropFirst() {
            guard let close = piece.firstIndex(of: ")") else { continue }
            let url = String(piece[..<close])
            let path: Substring
            if url.hasPrefix("/uploads/") {
                path = Substring(url)
            } else if url.hasPrefix(serverPrefix), let range = url.range(of: "/uploads/", options: .backwards) {
                path = url[range.lowerBound...]
            } else {
                continue
            }
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 4, parts[0].isEmpty, parts[1] == "uploads",
                  parts[2].count == 32, parts[2].allSatisfy(isLowerHex),
                  isUploadName(parts[3]) else { continue }
            if out[String(parts[3])] == nil { out[String(parts[3])] = url }
        }
        return out
    }

    static func isLowerHex(_ c: Character) -> Bool { ("0"..."9").contains(c) || ("a"..."f").contains(c) }

    /// `<20 hex>.<lower-case alphanumeric ext>`, as `fileName(for:)` makes it.
    static func isUploadName(_ name: Substring) -> Bool {
        let pieces = name.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count == 2, pieces[0].count == GitHubBranchHost.digestPrefix, pieces[0].allSatisfy(isLowerHex),
              !pieces[1].isEmpty, pieces[1].count <= 8 else { return false }
        return pieces[1].allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) }
    }
}

/// GitHub: commits each chart to `branch` through the contents API, under a content-addressed path
/// (`cmlbot-charts/<sha256 prefix>.svg`), so a rerun with the same charts writes nothing. The
/// branch is created from the default branch's head when missing.
///
/// Link form: `https://HOST/OWNER/REPO/blob/BRANCH/PATH?raw=true` on the web host (GITHUB_SERVER_URL).
/// It answers with a redirect to a short-lived raw URL for viewers who can see the repository, so a
/// private repository's images render for its members; `raw.githubusercontent.com` links would
/// need a token for private repositories. Camo, GitHub's image proxy, fetches it on GitHub's side.
public struct GitHubBranchHost: ChartHost {
    public static let directory = "cmlbot-charts"
    /// 80 bits of the SHA-256: no accidental collision among a repository's charts.
    public static let digestPrefix = 20

    public let client: GitHubClient
    public let branch: String
    /// Web base, `https://github.com` or `https://HOST` for Enterprise.
    public let serverURL: String

    public init(client: GitHubClient, branch: String, serverURL: String) {
        self.client = client
        self.branch = branch
        self.serverURL = serverURL.hasSuffix("/") ? String(serverURL.dropLast()) : serverURL
    }

    public static func path(for chart: ChartFile) -> String {
        let ext = chart.fileName.split(separator: ".").last.map { "." + $0.lowercased() } ?? ""
        return "\(directory)/\(chart.sha256.prefix(digestPrefix))\(ext)"
    }

    public func url(for path: String) -> String {
        "\(serverURL)/\(URLPath.segment(client.repositoryOwner))/\(URLPath.segment(client.repositoryName))/blob/\(URLPath.segments(branch))/\(URLPath.segments(path))?raw=true"
    }

    public func host(_ charts: [ChartFile]) async throws -> HostedCharts {
        var out = HostedCharts()
        try await ensureBranch(&out)
        var done = Set<String>()
        for chart in charts {
            let path = Self.path(for: chart)
            out.urls[chart.fileName] = url(for: path)
            // Two charts with the same bytes share one file.
            guard done.insert(path).inserted else { continue }
            if try await client.fileSHA(path: path, branch: branch) != nil {
                out.reused += 1
                continue
            }
            do {
                try await client.putFile(path: path, branch: branch, message: "cmlbot: chart \(chart.fileName)",
                                         content: chart.data, sha: nil)
            } catch let error as ForgeError {
                // A PUT whose answer was lost is re-sent by the transport; the second one then finds
                // the file it created (409/422). The path is content-addressed: present means written.
                guard Self.mayHaveLanded(error), try await client.fileSHA(path: path, branch: branch) != nil else { throw error }
            }
            out.written += 1
        }
        return out
    }

    func ensureBranch(_ out: inout HostedCharts) async throws {
        if try await client.branchHead(branch) != nil { return }
        let base = try await client.defaultBranch()
        guard let sha = try await client.branchHead(base) else {
            throw ForgeError.badResponse(operation: "creating branch \(branch)", detail: "the default branch \(base) has no commit")
        }
        do {
            try await client.createBranch(branch, at: sha)
        } catch let error as ForgeError {
            // Lost answer, or a parallel job created it first ("Reference already exists"): look.
            guard Self.mayHaveLanded(error), try await client.branchHead(branch) != nil else { throw error }
        }
        out.notes.append("created branch \(branch) from \(base)")
    }

    static func mayHaveLanded(_ error: ForgeError) -> Bool {
        switch error {
        case .server, .transport: return true
        case .rejected(_, let status, _): return status == 409 || status == 422
        default: return false
        }
    }
}

extension String {
    /// `https://host[:port]` of an API URL, for "is this URL on the same forge".
    var serverPrefix: String {
        guard let c = URLComponents(string: self), let scheme = c.scheme, let host = c.host else { return "\u{0}" }
        return "\(scheme)://\(host)" + (c.port.map { ":\($0)" } ?? "") + "/"
    }
}
