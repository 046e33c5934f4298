@testable import CMLBotForge
import ForgeFakes
import Foundation
import Testing

/// The multipart/form-data encoder behind GitLab uploads: exact bytes, quoting, boundary rules, and
/// a round trip through the fake forge's independent parser.
@Suite struct MultipartFormDataTests {
    @Test func encodesOneFileExactly() throws {
        var form = try MultipartFormData(boundary: "XyZ")
        form.addFile(name: "file", fileName: "loss.svg", contentType: "image/svg+xml", data: Data("<svg/>".utf8))
        let expected = "--XyZ\r\n"
            + "Content-Disposition: form-data; name=\"file\"; filename=\"loss.svg\"\r\n"
            + "Content-Type: image/svg+xml\r\n"
            + "\r\n"
            + "<svg/>\r\n"
            + "--XyZ--\r\n"
        #expect(String(decoding: try form.encoded(), as: UTF8.self) == expected)
        #expect(form.contentType == "multipart/form-data; boundary=XyZ")
    }

    @Test func fieldsAndFilesKeepTheirOrderAndBinaryBytes() throws {
        var form = try MultipartFormData(boundary: "b")
        form.addField(name: "note", value: "héllo")
        let binary = Data([0x00, 0xFF, 0x0D, 0x0A, 0x2D, 0x2D, 0x61])
        form.addFile(name: "file", fileName: "x.bin", contentType: "application/octet-stream", data: binary)
        let parts = FakeMultipart.parse(try form.encoded(), boundary: "b")
        #expect(parts.count == 2)
        #expect(parts[0].name == "note" && parts[0].fileName == nil && parts[0].data == Data("héllo".utf8))
        #expect(parts[1].name == "file" && parts[1].fileName == "x.bin" && parts[1].data == binary)
        #expect(parts[1].contentType == "application/octet-stream")
    }

    @Test func quotesAndLineBreaksInNamesCannotInjectHeaders() throws {
        var form = try MultipartFormData(boundary: "b")
        form.addFile(name: "file", fileName: "a\"b\r\nX-Evil: 1.svg", contentType: "image/svg+xml\r\nX-Evil: 2", data: Data("1".utf8))
        let text = String(decoding: try form.encoded(), as: UTF8.self)
        #expect(text.contains("filename=\"a%22b%0D%0AX-Evil: 1.svg\""))
        #expect(!text.contains("\r\nX-Evil"))
        #expect(FakeMultipart.parse(try form.encoded(), boundary: "b").first?.fileName == "a\"b%0D%0AX-Evil: 1.svg")
    }

    @Test func contentHoldingTheDelimiterIsRefused() throws {
        var form = try MultipartFormData(boundary: "fixed")
        form.addFile(name: "file", fileName: "x.svg", contentType: "image/svg+xml", data: Data("a\r\n--fixed\r\nb".utf8))
        #expect(throws: MultipartError.boundaryInContent(part: "file")) { try form.encoded() }
    }

    @Test func boundariesFollowRFC2046() throws {
        for bad in ["", String(repeating: "a", count: 71), "semi;colon", "trailing ", "quote\"", "new\nline"] {
            #expect(throws: MultipartError.badBoundary(bad)) { try MultipartFormData(boundary: bad) }
        }
        let random = try MultipartFormData()
        #expect(random.boundary.count <= 70 && random.boundary.hasPrefix("cmlbot-"))
        #expect(try MultipartFormData().boundary != random.boundary)
    }

    @Test func emptyFormIsJustTheCloseDelimiter() throws {
        #expect(String(decoding: try MultipartFormData(boundary: "b").encoded(), as: UTF8.self) == "--b--\r\n")
    }
}
