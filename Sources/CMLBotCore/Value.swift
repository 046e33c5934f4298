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
        case .bigInt(let digits): return .big(digits)
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

/// An int or a float, with Python's arithmetic: int - int stays an exact int (of any size, as
/// Python's ints are), anything with a float is a float.
public enum Numeric: Equatable, Sendable {
    case int(Int)
    case double(Double)
    /// An integer beyond Int64, as decimal digits with an optional leading `-`.
    case big(String)

    public var doubleValue: Double {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .big(let digits): return Double(digits) ?? .nan
        }
    }

    /// The exact decimal digits of an integer value, nil for floats.
    var integerDigits: String? {
        switch self {
        case .int(let i): return String(i)
        case .big(let digits): return digits
        case .double: return nil
        }
    }

    /// `new - old` as Python computes it: exact for integers of any size.
    public static func - (new: Numeric, old: Numeric) -> Numeric {
        if case .int(let a) = new, case .int(let b) = old {
            let (result, overflow) = a.subtractingReportingOverflow(b)
            if !overflow { return .int(result) }
        }
        if let a = new.integerDigits, let b = old.integerDigits {
            let digits = DecimalInteger.subtract(a, b)
            return Int(digits).map(Numeric.int) ?? .big(digits)
        }
        return .double(new.doubleValue - old.doubleValue)
    }

    /// Numeric equality as Python's `==`: `1 == 1.0`, `0.0 == -0.0`, `nan != nan`, big ints exact.
    public func numericallyEquals(_ other: Numeric) -> Bool {
        switch (self, other) {
        case (.int(let a), .int(let b)): return a == b
        default:
            if let a = integerDigits, let b = other.integerDigits { return DecimalInteger.subtract(a, b) == "0" }
            return doubleValue == other.doubleValue
        }
    }
}

/// Exact subtraction of integers written in decimal, for values beyond Int64.
enum DecimalInteger {
    static func subtract(_ a: String, _ b: String) -> String {
        let (na, da) = split(a), (nb, db) = split(b)
        // a - b = a + (-b)
        return add(negative: na, da, negative: !nb, db)
    }

    private static func split(_ s: String) -> (Bool, [UInt8]) {
        var digits = Array(s.utf8)
        var negative = false
        if digits.first == UInt8(ascii: "-") { negative = true; digits.removeFirst() }
        else if digits.first == UInt8(ascii: "+") { digits.removeFirst() }
        let values = digits.map { $0 &- 48 }.drop { $0 == 0 }
        return (negative && !values.isEmpty, Array(values))
    }

    private static func add(negative na: Bool, _ a: [UInt8], negative nb: Bool, _ b: [UInt8]) -> String {
        if na == nb { return render(negative: na, addMagnitudes(a, b)) }
        // Different signs: subtract the smaller magnitude from the larger.
        if compare(a, b) >= 0 { return render(negative: na, subtractMagnitudes(a, b)) }
        return render(negative: nb, subtractMagnitudes(b, a))
    }

    private static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
        return 0
    }

    private static func addMagnitudes(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        var carry: UInt8 = 0
        var i = a.count - 1, j = b.count - 1
        while i >= 0 || j >= 0 || carry > 0 {
            let sum = (i >= 0 ? a[i] : 0) + (j >= 0 ? b[j] : 0) + carry
            result.append(sum % 10)
            carry = sum / 10
            i -= 1; j -= 1
        }
        return result.reversed()
    }

    /// `a - b` for `a >= b`.
    private static func subtractMagnitudes(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        var borrow: Int = 0
        var i = a.count - 1, j = b.count - 1
        while i >= 0 {
            var d = Int(a[i]) - borrow - (j >= 0 ? Int(b[j]) : 0)
            borrow = d < 0 ? 1 : 0
            if d < 0 { d += 10 }
            result.append(UInt8(d))
            i -= 1; j -= 1
        }
        return Array(result.reversed().drop { $0 == 0 })
    }

    private static func render(negative: Bool, _ digits: [UInt8]) -> String {
        if digits.isEmpty { return "0" }
        return (negative ? "-" : "") + String(decoding: digits.map { $0 + 48 }, as: UTF8.self)
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
