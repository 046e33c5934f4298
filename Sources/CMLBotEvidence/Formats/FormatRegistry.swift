import CMLBotCore
import Foundation

/// A structured-data file format that metrics and params can be written in.
public protocol DataFormat: Sendable {
    /// Human name used in messages: "JSON", "YAML", "TOML".
    var name: String { get }
    /// Lower-case extensions (no dot) this format claims.
    var extensions: [String] { get }
    func parse(_ data: Data) throws -> Value
}

public struct JSONFormat: DataFormat {
    public let name = "JSON"
    public let extensions = ["json"]
    public func parse(_ data: Data) throws -> Value { try JSONParser.parse(data) }
}

public struct YAMLFormat: DataFormat {
    public let name = "YAML"
    public let extensions = ["yaml", "yml"]
    public func parse(_ data: Data) throws -> Value { try YAMLLoader.parse(data) }
}

public struct TOMLFormat: DataFormat {
    public let name = "TOML"
    public let extensions = ["toml"]
    public func parse(_ data: Data) throws -> Value { try TOMLParser.parse(data) }
}

/// DVC reads `.py` params files with Python's AST; cmlbot does not run or parse Python, and says so
/// rather than failing with a confusing YAML error.
public struct PythonParamsFormat: DataFormat {
    public let name = "Python"
    public let extensions = ["py"]
    public func parse(_ data: Data) throws -> Value {
        throw FormatError(format: "Python", reason: "Python params files are not supported; move the values to params.yaml (or JSON/TOML)")
    }
}

/// Picks a loader by file extension, as DVC does: `.json` and `.toml` by name, and everything else
/// (including `.csv` or no extension) through YAML, which is why a CSV "metric" becomes one string.
public enum FormatRegistry {
    public static let all: [any DataFormat] = [JSONFormat(), YAMLFormat(), TOMLFormat(), PythonParamsFormat()]
    public static let fallback: any DataFormat = YAMLFormat()

    public static func format(forPath path: String) -> any DataFormat {
        let ext = RepoPath.fileExtension(path)
        return all.first { $0.extensions.contains(ext) } ?? fallback
    }

    /// Files above this size are not parsed: a "metrics" file of hundreds of megabytes is a data file
    /// declared by mistake, and parsing it would stall the review for nothing.
    public static let maximumFileSize = 64 * 1024 * 1024
}
