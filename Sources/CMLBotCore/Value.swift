/// A parsed data value as metrics, params and config files hold it.
///
/// Kept richer than Foundation's JSON types on purpose: DVC's output depends on whether a number was
/// written as an int or a float (`1` vs `1.0`), on key order, and on integers beyond 2^53, so the
/// parsers keep all of that and the renderers decide how to print it.
public enum Value: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    /// An integer outside Int64, kept as its decimal digits (optional leading `-`).
    case bigInt(String)
    case double(Double)
    case string(String)
    /// A TOML or YAML date, time or date-time, as Python's `str()` prints the value DVC gets
    /// (`1979-05-27 07:32:00+00:00`), so tables match DVC's.
    case date(String)
    case array([Value])
    case object(OrderedObject)

    /// The value as a number when it is one. Bools count as 0/1, as in Python, where `True - False == 1`.
    public var numeric: Numeric? {
        switch self {
        case .bool(let b): return .int(b ? 1 : 0)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        default: return nil
        }
    }

    public var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }

    public var objectValue: OrderedObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var arrayValue: [Value]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public subscript(key: String) -> Value? {
        objectValue?[key]
    }
}

/// An int or a float, with Python's arithmetic: int - int stays an exact int, anything with a float is a float.
public enum Numeric: Equatable, Sendable {
    case int(Int)
    case double(Double)

    public var doubleValue: Double {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        }
    }

    /// `new - old` as Python computes it. An int overflow falls back to floating point, which is
    /// what a reader would expect of numbers that large anyway.
    public static func - (new: Numeric, old: Numeric) -> Numeric {
        switch (new, old) {
        case (.int(let a), .int(let b)):
            let (result, overflow) = a.subtractingReportingOverflow(b)
            return overflow ? .double(Double(a) - Double(b)) : .int(result)
        default:
            return .double(new.doubleValue - old.doubleValue)
        }
    }

    /// Numeric equality as Python's `==`: `1 == 1.0`, `0.0 == -0.0`, `nan != nan`.
    public func numericallyEquals(_ other: Numeric) -> Bool {
        switch (self, other) {
        case (.int(let a), .int(let b)): return a == b
        default: return doubleValue == other.doubleValue
        }
    }
}

/// A JSON/YAML/TOML mapping that remembers the order its keys were written in.
public struct OrderedObject: Equatable, Sendable {
    public private(set) var keys: [String] = []
    private var storage: [String: Value] = [:]

    public init() {}

    public init(_ pairs: [(String, Value)]) {
        for (k, v) in pairs { self[k] = v }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    public subscript(key: String) -> Value? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public var pairs: [(key: String, value: Value)] {
        keys.map { ($0, storage[$0]!) }
    }

    public static func == (lhs: OrderedObject, rhs: OrderedObject) -> Bool {
        lhs.keys == rhs.keys && lhs.storage == rhs.storage
    }
}
