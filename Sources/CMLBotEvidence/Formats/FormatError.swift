import CMLBotCore
/// A metrics, params or config file that could not be parsed: says which format, where, and what.
public struct FormatError: Error, Equatable, Sendable, CustomStringConvertible {
    public var format: String      // "JSON", "YAML", "TOML"
    public var line: Int?          // 1-based
    public var column: Int?        // 1-based
    public var reason: String
    public init(format: String, line: Int? = nil, column: Int? = nil, reason: String) { self.format = format; self.line = line; self.column = column; self.reason = reason }
    public var description: String { "invalid \(format)" + (line.map { " at line \($0)" + (column.map { ", column \($0)" } ?? "") } ?? "") + ": \(reason)" }
}
