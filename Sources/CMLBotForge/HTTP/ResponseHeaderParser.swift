import Foundation

/// Collects response headers from libcurl's header callback, one raw line per call.
///
/// libcurl reports the headers of every response block it reads — a `100 Continue`, a proxy's
/// answer to `CONNECT`, each redirect hop — through the same callback. Only the final block
/// describes the response we return, so a status line (`HTTP/1.1 200 OK`, `HTTP/2 200`) starts over.
struct ResponseHeaderParser {
    /// Lower-cased names; the last value wins when a header repeats (the `ForgeResponse` contract).
    private(set) var headers: [String: String] = [:]
    private(set) var statusLine: String?
    private var lastName: String?

    mutating func consume(_ bytes: UnsafeRawBufferPointer) {
        consume(line: String(decoding: bytes, as: UTF8.self))
    }

    mutating func consume(line raw: String) {
        if raw.hasPrefix("HTTP/") {
            headers = [:]
            lastName = nil
            statusLine = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            return
        }
        let line = raw.trimmingCharacters(in: CharacterSet(charactersIn: "\r\n"))
        if line.trimmingCharacters(in: .whitespaces).isEmpty {
            // The blank line that ends a block; a following block begins with its own status line.
            return
        }
        if let first = line.unicodeScalars.first, first == " " || first == "\t" {
            // Obsolete line folding (RFC 9112 §5.2): the line continues the previous header's value.
            if let name = lastName, let previous = headers[name] {
                headers[name] = previous + " " + line.trimmingCharacters(in: .whitespaces)
            }
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        guard !name.isEmpty else { return }
        headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        lastName = name
    }
}
