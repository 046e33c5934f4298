import Foundation

/// A `multipart/form-data` body (RFC 7578), built as bytes so uploads go through the same
/// `HTTPTransport` seam as every other request — retries, write spacing, `--dry-run` and the
/// token masking included. (libcurl's own mime API would send the file from inside the transport,
/// out of their reach.)
///
/// Field names and file names are quoted as browsers do (WHATWG "multipart/form-data encoding
/// algorithm"): `"` becomes `%22`, CR `%0D`, LF `%0A`; other bytes, UTF-8 included, go as they are.
public struct MultipartFormData: Sendable, Equatable {
    public struct Part: Sendable, Equatable {
        public var name: String
        public var fileName: String?
        public var contentType: String?
        public var data: Data
    }

    public let boundary: String
    public private(set) var parts: [Part] = []

    /// `boundary`: 1–70 characters from RFC 2046's `bchars` (no trailing space). The default is
    /// random, so file content cannot be crafted to contain it.
    public init(boundary: String = MultipartFormData.randomBoundary()) throws {
        guard Self.isValidBoundary(boundary) else { throw MultipartError.badBoundary(boundary) }
        self.boundary = boundary
    }

    public static func randomBoundary() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return "cmlbot-" + String((0..<32).map { _ in digits[Int(generator.next() % 16)] })
    }

    static func isValidBoundary(_ b: String) -> Bool {
        let allowed = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ")
        return (1...70).contains(b.count) && b.allSatisfy(allowed.contains) && !b.hasSuffix(" ")
    }

    public mutating func addField(name: String, value: String) {
        parts.append(Part(name: name, fileName: nil, contentType: nil, data: Data(value.utf8)))
    }

    public mutating func addFile(name: String, fileName: String, contentType: String, data: Data) {
        parts.append(Part(name: name, fileName: fileName, contentType: contentType, data: data))
    }

    /// The request's `Content-Type` header value.
    public var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    /// The body. Throws when a part's bytes contain the delimiter line (a random boundary makes that
    /// practically impossible; a fixed one in tests could hit it), since the server would cut the
    /// part there.
    public func encoded() throws -> Data {
        let delimiter = Data("--\(boundary)".utf8)
        var out = Data()
        for part in parts {
            if part.data.range(of: delimiter) != nil { throw MultipartError.boundaryInContent(part: part.name) }
            out.append(delimiter)
            out.append(Data("\r\n".utf8))
            var disposition = "Content-Disposition: form-data; name=\"\(Self.quoted(part.name))\""
            if let fileName = part.fileName { disposition += "; filename=\"\(Self.quoted(fileName))\"" }
            out.append(Data((disposition + "\r\n").utf8))
            if let type = part.contentType {
                // By scalars: "\r\n" is one Character, which a Character filter would let through.
                var clean = String.UnicodeScalarView()
                clean.append(contentsOf: type.unicodeScalars.filter { $0 != "\r" && $0 != "\n" })
                out.append(Data("Content-Type: \(String(clean))\r\n".utf8))
            }
            out.append(Data("\r\n".utf8))
            out.append(part.data)
            out.append(Data("\r\n".utf8))
        }
        out.append(delimiter)
        out.append(Data("--\r\n".utf8))
        return out
    }

    static func quoted(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "%22"
            case "\r": out += "%0D"
            case "\n": out += "%0A"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

public enum MultipartError: Error, Equatable, Sendable, CustomStringConvertible {
    case badBoundary(String)
    case boundaryInContent(part: String)

    public var description: String {
        switch self {
        case .badBoundary(let b): return "'\(b)' is not a valid multipart boundary (1-70 characters of RFC 2046's set)"
        case .boundaryInContent(let part): return "the content of part '\(part)' contains the multipart boundary"
        }
    }
}
