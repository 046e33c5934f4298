import COpenSSL
import Foundation

/// MD5 (DVC's data hashes) and SHA-256 (evidence records, fingerprints) through OpenSSL's EVP API,
/// streamed in 64 KiB chunks so large files never sit in memory whole.
public struct Digest {
    public enum Algorithm: Sendable { case md5, sha256 }

    private let context: OpaquePointer

    public init(_ algorithm: Algorithm) {
        // EVP_MD_CTX_new only fails on allocation failure, where nothing else would work either.
        context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, algorithm == .md5 ? EVP_md5() : EVP_sha256(), nil)
    }

    public mutating func update(_ data: Data) {
        data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            EVP_DigestUpdate(context, base, raw.count)
        }
    }

    /// The lower-case hex digest. The digest cannot be updated afterwards.
    public func finalize() -> String {
        var buffer = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &buffer, &length)
        EVP_MD_CTX_free(context)
        return buffer.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
    }

    public static func hex(_ algorithm: Algorithm, _ data: Data) -> String {
        var d = Digest(algorithm)
        d.update(data)
        return d.finalize()
    }

    /// Hashes a file by streaming it; throws when it cannot be opened or read.
    public static func hexOfFile(_ algorithm: Algorithm, atPath path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? handle.close() }
        var d = Digest(algorithm)
        while let chunk = try handle.read(upToCount: 64 * 1024), !chunk.isEmpty { d.update(chunk) }
        return d.finalize()
    }
}
