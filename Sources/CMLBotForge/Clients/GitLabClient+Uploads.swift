import Foundation

/// A file uploaded to a GitLab project (`POST /projects/:id/uploads`).
public struct ForgeUpload: Equatable, Sendable {
    /// As GitLab returns it: project-relative (`/uploads/<secret>/<file>`), expanded by GitLab when
    /// used in Markdown in that project.
    public var url: String
    /// GitLab's ready-made `![file](url)`.
    public var markdown: String?
}

extension GitLabClient {
    /// Uploads one file as the `file` field of a multipart form. A POST: when the answer is lost,
    /// the transport does not re-send it (a second upload would only leave an orphan file, but the
    /// rule is the same for every POST) and the caller falls back to inline charts.
    public func uploadFile(fileName: String, contentType: String, data: Data) async throws -> ForgeUpload {
        var form = try MultipartFormData()
        form.addFile(name: "file", fileName: fileName, contentType: contentType, data: data)
        let body = try form.encoded()
        let operation = "uploading \(fileName)"
        let response = try await http.send("POST", "\(projectURL)/uploads", body: body, contentType: form.contentType, operation: operation)
        guard let object = try ForgeHTTP.decode(response, operation: operation) as? [String: Any],
              let url = object["url"] as? String, !url.isEmpty else {
            throw ForgeError.badResponse(operation: operation, detail: "no url in the answer")
        }
        return ForgeUpload(url: url, markdown: object["markdown"] as? String)
    }
}
