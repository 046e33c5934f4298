import Foundation

/// A sorted list of repository paths kept as one byte buffer (UTF-8 as stored by git) with their
/// end offsets. A 50,000-file tree or index is listed without creating 50,000 `String`s, hashing
/// them into a `Set`, or sorting them: lookups are binary searches over the bytes, and a `String`
/// is made only for the paths a caller asks for.
public struct SortedPaths: Sendable, Equatable {
    /// All paths back to back.
    public private(set) var bytes: [UInt8] = []
    /// `ends[i]` is where path `i` ends in `bytes` (it starts where path `i - 1` ends).
    public private(set) var ends: [Int] = []

    public init() {}

    /// From any paths (sorted here, duplicates dropped).
    public init<S: Sequence>(_ paths: S) where S.Element == String {
        let sorted = Set(paths).sorted(by: RepoPath.precedes)
        for path in sorted { append(path.utf8) }
    }

    public var count: Int { ends.count }
    public var isEmpty: Bool { ends.isEmpty }

    public func start(_ i: Int) -> Int { i == 0 ? 0 : ends[i - 1] }

    // Appending: concrete byte buffers, not generic collections, because an unspecialised generic
    // append across modules copies byte by byte (it showed up at 12% of a 50k-file walk).

    /// Appends a path that sorts after every path already here (the caller walks in git order).
    public mutating func append(_ path: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: path)
        ends.append(bytes.count)
    }

    public mutating func append(_ path: String.UTF8View) {
        bytes.append(contentsOf: path)
        ends.append(bytes.count)
    }

    public mutating func append(_ path: [UInt8]) {
        bytes.append(contentsOf: path)
        ends.append(bytes.count)
    }

    /// Appends the path `directory` + `name` (the directory with its trailing "/").
    public mutating func append(_ directory: [UInt8], _ name: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: directory)
        bytes.append(contentsOf: name)
        ends.append(bytes.count)
    }

    public mutating func reserve(paths: Int, bytes count: Int) {
        ends.reserveCapacity(paths)
        bytes.reserveCapacity(count)
    }

    public subscript(i: Int) -> String {
        bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start(i)..<ends[i]]), as: UTF8.self) }
    }

    /// Runs `body` with the bytes of path `i`.
    public func withPath<T>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[start(i)..<ends[i]])) }
    }

    /// Every path as a `String`, in order.
    public var strings: [String] { (0..<count).map { self[$0] } }

    /// The index of the first path not ordered before `key` (bytewise).
    public func lowerBound(_ key: [UInt8]) -> Int {
        key.withUnsafeBufferPointer { lowerBound($0, in: 0..<count) }
    }

    /// The index of the first path in `range` not ordered before `key`.
    public func lowerBound(_ key: UnsafeBufferPointer<UInt8>, in range: Range<Int>) -> Int {
        bytes.withUnsafeBufferPointer { all in
            var lo = range.lowerBound, hi = range.upperBound
            while lo < hi {
                let mid = (lo + hi) / 2
                if Self.compare(UnsafeBufferPointer(rebasing: all[start(mid)..<ends[mid]]), key) < 0 { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
    }

    /// The index of `path`, nil when it is not listed.
    public func index(of path: String) -> Int? {
        let i = lowerBound(Array(path.utf8))
        guard i < count else { return nil }
        return withPath(i) { $0.elementsEqual(path.utf8) } ? i : nil
    }

    public func contains(_ path: String) -> Bool { index(of: path) != nil }

    /// The paths below `directory` ("" for all) as an index range: they are contiguous in byte order.
    public func range(under directory: String) -> Range<Int> {
        if directory.isEmpty { return 0..<count }
        let prefix = Array(directory.utf8) + [UInt8(ascii: "/")]
        let lo = lowerBound(prefix)
        // "dir0" sorts after every "dir/…" path: "0" is the byte after "/".
        var upper = prefix
        upper[upper.count - 1] = UInt8(ascii: "/") + 1
        return lo..<lowerBound(upper)
    }

    /// Whether any path satisfies `predicate`, given its bytes (no `String` is made).
    public func contains(where predicate: (UnsafeBufferPointer<UInt8>) throws -> Bool) rethrows -> Bool {
        try bytes.withUnsafeBufferPointer { all in
            var begin = 0
            for end in ends {
                if try predicate(UnsafeBufferPointer(rebasing: all[begin..<end])) { return true }
                begin = end
            }
            return false
        }
    }

    /// The paths satisfying `predicate` on their bytes, as `String`s.
    public func filter(_ predicate: (UnsafeBufferPointer<UInt8>) throws -> Bool) rethrows -> [String] {
        var out: [String] = []
        try bytes.withUnsafeBufferPointer { all in
            var begin = 0
            for end in ends {
                let path = UnsafeBufferPointer(rebasing: all[begin..<end])
                if try predicate(path) { out.append(String(decoding: path, as: UTF8.self)) }
                begin = end
            }
        }
        return out
    }

    public static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let n = min(a.count, b.count)
        if n > 0, let pa = a.baseAddress, let pb = b.baseAddress {
            let c = memcmp(pa, pb, n)
            if c != 0 { return Int(c) }
        }
        return a.count - b.count
    }

    /// Whether `bytes` ends with `suffix`.
    public static func hasSuffix(_ bytes: UnsafeBufferPointer<UInt8>, _ suffix: StaticString) -> Bool {
        let n = suffix.utf8CodeUnitCount
        guard bytes.count >= n, let base = bytes.baseAddress else { return n == 0 }
        return memcmp(base + (bytes.count - n), suffix.utf8Start, n) == 0
    }

    /// Whether the last component of `bytes` is exactly `name`.
    public static func hasFileName(_ bytes: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
        let n = name.utf8CodeUnitCount
        guard hasSuffix(bytes, name) else { return false }
        return bytes.count == n || bytes[bytes.count - n - 1] == UInt8(ascii: "/")
    }
}

/// Every path of the state under check, for "does this file exist" questions. Backed by a
/// `SortedPaths` (no per-path `String`), with small overlays so tests can add and remove paths.
public struct PathSet: Sendable {
    public private(set) var sorted: SortedPaths
    private var added: Set<String> = []
    private var removed: Set<String> = []

    public init(_ sorted: SortedPaths) { self.sorted = sorted }
    public init<S: Sequence>(_ paths: S) where S.Element == String { sorted = SortedPaths(paths) }

    public func contains(_ path: String) -> Bool {
        if added.contains(path) { return true }
        if removed.contains(path) { return false }
        return sorted.contains(path)
    }

    /// Whether any path satisfies `predicate`, given its bytes.
    public func contains(where predicate: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        if added.contains(where: { path in var p = path; return p.withUTF8 { predicate($0) } }) { return true }
        if removed.isEmpty { return sorted.contains(where: predicate) }
        return sorted.filter(predicate).contains { !removed.contains($0) }
    }

    @discardableResult
    public mutating func insert(_ path: String) -> Bool {
        if contains(path) { return false }
        removed.remove(path)
        if !sorted.contains(path) { added.insert(path) }
        return true
    }

    @discardableResult
    public mutating func remove(_ path: String) -> String? {
        guard contains(path) else { return nil }
        added.remove(path)
        if sorted.contains(path) { removed.insert(path) }
        return path
    }
}

/// A `SortedPaths` shared by reference, so many values can point into one listing.
public final class SharedPaths: Sendable {
    public let paths: SortedPaths
    public init(_ paths: SortedPaths) { self.paths = paths }
}
