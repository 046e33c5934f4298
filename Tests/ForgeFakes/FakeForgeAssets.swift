import Foundation

// Chart hosting routes of the fake forges, kept apart from FakeForge.swift so parallel work on the
// comment/status routes rebases cleanly:
//   GitHub: GET /repos/{o}/{r}/git/ref/heads/{branch}, POST /repos/{o}/{r}/git/refs,
//           GET/PUT /repos/{o}/{r}/contents/{path}
//   GitLab: POST /api/v4/projects/:id/uploads (multipart/form-data, field `file`)
// (`GET /repos/{o}/{r}`, which reports the default branch, is FakeForge+Access.swift's.) Answers
// carry every field the OpenAPI descriptions mark required (Tests/Tools/validate_openapi.py checks them).

/// Branches, committed files and uploads the fake holds.
public struct FakeAssetStore: Sendable {
    public struct File: Sendable, Equatable {
        public var content: Data
        /// git's blob id of the content, as GitHub reports it.
        public var sha: String
    }

    public struct Upload: Sendable, Equatable {
        public var fileName: String
        public var contentType: String?
        public var data: Data
        public var url: String
    }

    /// As the repository route (FakeForge+Access.swift) reports it.
    public var defaultBranch = "main"
    /// Branch → head commit.
    public var branches: [String: String] = ["main": String(repeating: "a", count: 40)]
    /// Branch → path → file.
    public var files: [String: [String: File]] = [:]
    /// Every contents write, as `branch:path` (a rerun that writes nothing leaves this unchanged).
    public var writes: [String] = []
    public var uploads: [Upload] = []
    var commitCounter = 0

    mutating func newCommit() -> String {
        commitCounter += 1
        return String(format: "%040x", commitCounter)
    }
}

extension FakeForgeState {
    public func assetFiles(branch: String) -> [String: FakeAssetStore.File] { assets.files[branch] ?? [:] }

    static let timestamp = "2026-11-27T10:00:00Z"

    // MARK: GitHub

    func githubAssets(method: String, owner: String, repo: String, rest: [String], query: [String: String],
                      headers: [String: String], json: [String: Any]?) -> Reply? {
        let base = "http://\(headers["host"] ?? "127.0.0.1")/repos/\(owner)/\(repo)"
        let decoded = rest.map { $0.removingPercentEncoding ?? $0 }
        switch (method, decoded.first) {
        case ("GET", "git") where decoded.count >= 4 && decoded[1] == "ref" && decoded[2] == "heads":
            let branch = decoded[3...].joined(separator: "/")
            guard let sha = assets.branches[branch] else { return Self.error(404, "Not Found") }
            return Reply(status: 200, json: gitRef("refs/heads/\(branch)", sha: sha, base: base))
        case ("POST", "git") where decoded == ["git", "refs"]:
            guard let ref = json?["ref"] as? String, let sha = json?["sha"] as? String else { return Self.error(422, "Invalid request.") }
            guard ref.hasPrefix("refs/"), ref.filter({ $0 == "/" }).count >= 2 else { return Self.error(422, "Reference name is not a valid reference") }
            guard ref.hasPrefix("refs/heads/") else { return Self.error(422, "Only branches are supported here") }
            let branch = String(ref.dropFirst("refs/heads/".count))
            if assets.branches[branch] != nil { return Self.error(422, "Reference already exists") }
            guard assets.branches.values.contains(sha) else { return Self.error(422, "Object does not exist") }
            assets.branches[branch] = sha
            assets.files[branch] = assets.files[assets.branches.first { $0.value == sha && $0.key != branch }?.key ?? ""] ?? [:]
            return Reply(status: 201, headers: ["location": "\(base)/git/\(ref)"], json: gitRef(ref, sha: sha, base: base))
        case ("GET", "contents") where decoded.count >= 2:
            let path = decoded.dropFirst().joined(separator: "/")
            let branch = query["ref"] ?? assets.defaultBranch
            guard assets.branches[branch] != nil else { return Self.error(404, "No commit found for the ref \(branch)") }
            guard let file = assets.files[branch]?[path] else { return Self.error(404, "Not Found") }
            return Reply(status: 200, json: contentFile(path: path, file: file, branch: branch, base: base, withContent: true))
        case ("PUT", "contents") where decoded.count >= 2:
            let path = decoded.dropFirst().joined(separator: "/")
            guard let message = json?["message"] as? String, !message.isEmpty else { return Self.error(422, "Invalid request.\n\n\"message\" wasn't supplied.") }
            guard let encoded = json?["content"] as? String, let content = Data(base64Encoded: encoded) else {
                return Self.error(422, "Invalid request.\n\ncontent is not valid Base64")
            }
            let branch = json?["branch"] as? String ?? assets.defaultBranch
            guard assets.branches[branch] != nil else { return Self.error(404, "Branch \(branch) not found") }
            let existing = assets.files[branch]?[path]
            let given = json?["sha"] as? String
            if let existing {
                guard let given else { return Self.error(422, "Invalid request.\n\n\"sha\" wasn't supplied.") }
                if given != existing.sha { return Self.error(409, "\(path) does not match \(given)") }
            } else if given != nil {
                return Self.error(409, "\(path) does not match \(given ?? "")")
            }
            let file = FakeAssetStore.File(content: content, sha: Self.gitBlobID(content))
            assets.files[branch, default: [:]][path] = file
            assets.writes.append("\(branch):\(path)")
            let commit = assets.newCommit()
            assets.branches[branch] = commit
            return Reply(status: existing == nil ? 201 : 200, json: [
                "content": contentFile(path: path, file: file, branch: branch, base: base, withContent: false),
                "commit": [
                    "sha": commit, "node_id": "C_\(commit.prefix(8))", "url": "\(base)/git/commits/\(commit)",
                    "html_url": "https://github.example/\(owner)/\(repo)/commit/\(commit)",
                    "author": ["date": Self.timestamp, "name": "cmlbot", "email": "cmlbot@example.invalid"],
                    "committer": ["date": Self.timestamp, "name": "cmlbot", "email": "cmlbot@example.invalid"],
                    "message": message, "tree": ["url": "\(base)/git/trees/\(commit)", "sha": commit], "parents": [] as [Any],
                    "verification": ["verified": false, "reason": "unsigned", "signature": NSNull(), "payload": NSNull()],
                ] as [String: Any],
            ])
        default:
            return nil
        }
    }

    func gitRef(_ ref: String, sha: String, base: String) -> [String: Any] {
        ["ref": ref, "node_id": "REF_\(sha.prefix(8))", "url": "\(base)/git/\(ref)",
         "object": ["type": "commit", "sha": sha, "url": "\(base)/git/commits/\(sha)"]]
    }

    func contentFile(path: String, file: FakeAssetStore.File, branch: String, base: String, withContent: Bool) -> [String: Any] {
        let html = "https://github.example/\(base.split(separator: "/").suffix(2).joined(separator: "/"))/blob/\(branch)/\(path)"
        var object: [String: Any] = [
            "type": "file", "size": file.content.count, "name": String(path.split(separator: "/").last ?? ""), "path": path,
            "sha": file.sha, "url": "\(base)/contents/\(path)?ref=\(branch)", "git_url": "\(base)/git/blobs/\(file.sha)",
            "html_url": html, "download_url": "https://raw.github.example/\(branch)/\(path)",
            "_links": ["self": "\(base)/contents/\(path)?ref=\(branch)", "git": "\(base)/git/blobs/\(file.sha)", "html": html],
        ]
        if withContent {
            object["content"] = file.content.base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
            object["encoding"] = "base64"
        }
        return object
    }

    /// git's object id of a blob: SHA-1 of `blob <size>\0<content>` (what the contents API reports).
    static func gitBlobID(_ content: Data) -> String {
        var data = Data("blob \(content.count)\u{0}".utf8)
        data.append(content)
        return SHA1.hex(data)
    }

    // MARK: GitLab

    func gitlabUploads(method: String, project: String, rest: [String], headers: [String: String], body: Data) -> Reply? {
        guard method == "POST", rest == ["uploads"] else { return nil }
        let type = headers["content-type"] ?? ""
        guard type.lowercased().hasPrefix("multipart/form-data"),
              let boundary = type.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) })
                .first(where: { $0.lowercased().hasPrefix("boundary=") })
                .map({ String($0.dropFirst("boundary=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }) else {
            return Self.error(400, "400 Bad request - file is missing")
        }
        guard let part = FakeMultipart.parse(body, boundary: boundary).first(where: { $0.name == "file" }), let fileName = part.fileName, !fileName.isEmpty else {
            return Self.error(400, "400 Bad request - file is missing")
        }
        let secret = String(format: "%032x", assets.uploads.count + 1)
        let url = "/uploads/\(secret)/\(fileName)"
        assets.uploads.append(FakeAssetStore.Upload(fileName: fileName, contentType: part.contentType, data: part.data, url: url))
        let alt = fileName.split(separator: ".").dropLast().joined(separator: ".")
        return Reply(status: 201, json: [
            "id": "\(assets.uploads.count)", "alt": alt, "url": url,
            "full_path": "/-/project/\(project)/uploads/\(secret)/\(fileName)", "markdown": "![\(alt)](\(url))",
        ])
    }
}

/// A multipart/form-data reader written independently of the client's encoder, so each checks
/// the other.
public enum FakeMultipart {
    public struct Part: Sendable, Equatable {
        public var name: String?
        public var fileName: String?
        public var contentType: String?
        public var data: Data
    }

    public static func parse(_ body: Data, boundary: String) -> [Part] {
        let delimiter = Data("\r\n--\(boundary)".utf8)
        // The first delimiter has no CRLF before it: pretend it does.
        var data = Data("\r\n".utf8)
        data.append(body)
        var parts: [Part] = []
        var cursor = data.startIndex
        guard let first = data.range(of: delimiter, in: cursor..<data.endIndex) else { return [] }
        cursor = first.upperBound
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if data[cursor...].starts(with: Data("--".utf8)) { break }
            guard data[cursor...].starts(with: Data("\r\n".utf8)) else { break }
            let start = cursor + 2
            guard let next = data.range(of: delimiter, in: start..<data.endIndex),
                  let headEnd = data.range(of: Data("\r\n\r\n".utf8), in: start..<next.lowerBound) else { break }
            let head = String(decoding: data[start..<headEnd.lowerBound], as: UTF8.self)
            var part = Part(name: nil, fileName: nil, contentType: nil, data: Data(data[headEnd.upperBound..<next.lowerBound]))
            for line in head.components(separatedBy: "\r\n") {
                let lower = line.lowercased()
                if lower.hasPrefix("content-disposition:") {
                    part.name = parameter("name", in: line)
                    part.fileName = parameter("filename", in: line)
                } else if lower.hasPrefix("content-type:") {
                    part.contentType = line.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces)
                }
            }
            parts.append(part)
            cursor = next.upperBound
        }
        return parts
    }

    static func parameter(_ key: String, in line: String) -> String? {
        for piece in line.split(separator: ";").dropFirst() {
            let kv = piece.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard kv.count == 2, kv[0].lowercased() == key else { continue }
            var value = String(kv[1])
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value.replacingOccurrences(of: "%22", with: "\"")
        }
        return nil
    }
}

/// SHA-1 for git blob ids in the fake (the test targets have no crypto library).
enum SHA1 {
    static func hex(_ data: Data) -> String {
        var h: [UInt32] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0]
        var message = [UInt8](data)
        let bitLength = UInt64(message.count) * 8
        message.append(0x80)
        while message.count % 64 != 56 { message.append(0) }
        for i in (0..<8).reversed() { message.append(UInt8((bitLength >> (UInt64(i) * 8)) & 0xFF)) }
        for chunk in stride(from: 0, to: message.count, by: 64) {
            var w = [UInt32](repeating: 0, count: 80)
            for i in 0..<16 {
                w[i] = message[chunk + 4 * i..<chunk + 4 * i + 4].reduce(0) { $0 << 8 | UInt32($1) }
            }
            for i in 16..<80 {
                let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
                w[i] = x << 1 | x >> 31
            }
            var (a, b, c, d, e) = (h[0], h[1], h[2], h[3], h[4])
            for i in 0..<80 {
                let (f, k): (UInt32, UInt32)
                switch i {
                case 0..<20: (f, k) = ((b & c) | (~b & d), 0x5A827999)
                case 20..<40: (f, k) = (b ^ c ^ d, 0x6ED9EBA1)
                case 40..<60: (f, k) = ((b & c) | (b & d) | (c & d), 0x8F1BBCDC)
                default: (f, k) = (b ^ c ^ d, 0xCA62C1D6)
                }
                let t = (a << 5 | a >> 27) &+ f &+ e &+ k &+ w[i]
                (e, d, c, b, a) = (d, c, b << 30 | b >> 2, a, t)
            }
            h[0] = h[0] &+ a; h[1] = h[1] &+ b; h[2] = h[2] &+ c; h[3] = h[3] &+ d; h[4] = h[4] &+ e
        }
        return h.map { String(format: "%08x", $0) }.joined()
    }
}
