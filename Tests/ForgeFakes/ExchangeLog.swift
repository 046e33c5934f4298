import Foundation
import TestSupport

/// The fake's request log as JSON Lines, one exchange per line, for Tests/Tools/validate_openapi.py:
/// `method`, `target` (path with query, percent-encoding as sent), `content_type`, `body` (base64),
/// `status`, `response_content_type`, `response_body` (base64). Bodies go as base64 because
/// uploads are binary multipart.
extension FakeForgeState {
    public func exchangeLog() -> Data {
        var out = Data()
        for r in log {
            let object: [String: Any] = [
                "method": r.method, "target": r.target, "content_type": r.headers["content-type"] ?? NSNull(),
                "body": r.body.base64EncodedString(), "status": r.status,
                "response_content_type": r.responseHeaders["content-type"] ?? NSNull(),
                "response_body": r.responseBody.base64EncodedString(),
            ]
            out.append((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
            out.append(0x0A)
        }
        return out
    }
}

/// Runs Tests/Tools/validate_openapi.py on a fake's exchanges against the forge's OpenAPI
/// description in `../shared/api-specs` (next to the package root, as in CI).
public enum OpenAPIValidation {
    public struct Result: Sendable {
        public var passed: Bool
        /// The script's report: one line per exchange checked, then the operations the spec lacks.
        public var report: String
    }

    /// The folder holding github.json and gitlab.json: `CMLBOT_API_SPECS`, else
    /// `<package root>/../shared/api-specs` (the maintained copy), else the copy in Tests/APISpecs
    /// (so a clone anywhere validates too); nil when none is there.
    public static func specsDirectory() -> String? {
        let env = ProcessInfo.processInfo.environment
        let candidates = [env["CMLBOT_API_SPECS"], packageRoot() + "/../shared/api-specs", packageRoot() + "/Tests/APISpecs"].compactMap { $0 }
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/github.json") }
            .map { URL(fileURLWithPath: $0).standardizedFileURL.path }
    }

    public static func packageRoot(file: String = #filePath) -> String {
        // Tests/ForgeFakes/ExchangeLog.swift → the package root.
        URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// Why validation cannot run here (for a visible skip), nil when it can. Throws when
    /// CMLBOT_REQUIRE_TOOLS=1 and something is missing.
    public static func unavailableReason() throws -> String? {
        let python = try ReferenceTools.fromEnvironment("CMLBOT_OPENAPI_PYTHON")
        if python == nil { return "openapi-core is not installed (eval \"$(scripts/test-tools.sh --env)\")" }
        if specsDirectory() == nil {
            if ReferenceTools.required { throw ReferenceTools.Missing(tool: "the OpenAPI descriptions (../shared/api-specs or CMLBOT_API_SPECS)") }
            return "no OpenAPI descriptions at \(packageRoot())/../shared/api-specs (set CMLBOT_API_SPECS)"
        }
        return nil
    }

    public static func validate(_ server: FakeForgeServer) async throws -> Result {
        try await validate(exchanges: await server.state.exchangeLog(), kind: server.kind)
    }

    /// Validates an exchange log (JSON Lines as `exchangeLog()` writes it).
    public static func validate(exchanges: Data, kind: FakeForgeServer.Kind) async throws -> Result {
        guard let python = try ReferenceTools.fromEnvironment("CMLBOT_OPENAPI_PYTHON"), let specs = specsDirectory() else {
            return Result(passed: false, report: try unavailableReason() ?? "unavailable")
        }
        let dir = try TemporaryDirectory()
        let logPath = dir.path + "/exchanges.jsonl"
        try exchanges.write(to: URL(fileURLWithPath: logPath))
        let spec = specs + "/" + (kind == .github ? "github.json" : "gitlab.json")
        let result = try await AsyncShell.run(python, [packageRoot() + "/Tests/Tools/validate_openapi.py", "--spec", spec,
                                                       "--server", kind == .github ? "https://api.github.com" : "https://gitlab.com",
                                                       logPath])
        return Result(passed: result.status == 0, report: result.stdout + result.stderr)
    }
}
