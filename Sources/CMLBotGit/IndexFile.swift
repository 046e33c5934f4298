import CLibGit2
import CMLBotCore
import Foundation

/// The index (staging area) read straight from its file, as git's own `read_index` does.
///
/// Why not libgit2's `git_index`: on a 50,000-entry index, `git_index_read` allocates every entry and
/// a path hash map (~20 ms), and libgit2 1.5 keeps the cache-tree extension private, so its
/// tree-to-index diff reads every tree of HEAD even when two files changed. Here the entries stay in
/// one byte buffer (`SortedPaths`) and the cache-tree is kept, which lets the staged diff skip every
/// directory whose tree is unchanged (see `StagedDiff`), as `git diff --cached` does.
///
/// Formats 2–4 are read (4 compresses paths against the previous one). An index this reader does
/// not understand (a required extension such as a split or sparse index, a newer version) makes
/// `read` return nil, and callers use libgit2 as before.
struct IndexFile {
    /// Every path with an entry, sorted bytewise, once each (conflicted paths too: see `conflicted`).
    var paths = SortedPaths()
    /// Per path: its mode and object id (stage 0; meaningless for a conflicted path).
    var modes: [UInt32] = []
    var ids: [git_oid] = []
    /// Per path: the entry is only a conflict (stages 1–3, no stage 0).
    var conflicted: [Bool] = []
    /// Per path: `git add -N` (intent to add): listed, but not part of the next commit's tree.
    var intentToAdd: [Bool] = []
    var hasConflicts = false
    /// Valid cache-tree nodes: a directory ("" for the root) and the tree id the index would write
    /// for it. Absent directories were invalidated by a change below them.
    var cacheTree: [String: git_oid] = [:]

    /// The index at `path`; an empty index when the file does not exist (as libgit2 and git treat it).
    static func read(path: String) -> IndexFile? {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return FileManager.default.fileExists(atPath: path) ? nil : IndexFile()
        }
        defer { try? handle.close() }
        // Unreadable (a directory, an I/O error): libgit2 says what is wrong.
        guard let data = try? handle.readToEnd() else { return nil }
        return data.withUnsafeBytes { parse(UnsafeRawBufferPointer($0)) }
    }

    static func parse(_ raw: UnsafeRawBufferPointer) -> IndexFile? {
        let b = raw.bindMemory(to: UInt8.self)
        guard b.count >= 12 + 20 else { return nil }
        func be32(_ at: Int) -> UInt32 {
            UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
        }
        guard b[0] == 0x44, b[1] == 0x49, b[2] == 0x52, b[3] == 0x43 else { return nil }  // "DIRC"
        let version = be32(4)
        guard (2...4).contains(version) else { return nil }
        let count = Int(be32(8))
        let end = b.count - 20  // the trailing checksum (git does not verify it on read either)

        var out = IndexFile()
        out.paths.reserve(paths: count, bytes: count * 32)
        out.modes.reserveCapacity(count)
        out.ids.reserveCapacity(count)
        out.conflicted.reserveCapacity(count)
        out.intentToAdd.reserveCapacity(count)
        var previous: [UInt8] = []  // version 4: the previous entry's path
        var offset = 12
        for _ in 0..<count {
            guard offset + 62 <= end else { return nil }
            let mode = be32(offset + 24)
            var id = git_oid()
            withUnsafeMutableBytes(of: &id.id) { dst in
                dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[(offset + 40)..<(offset + 60)]))
            }
            let flags = UInt16(b[offset + 60]) << 8 | UInt16(b[offset + 61])
            let stage = Int(flags >> 12) & 3
            var pathStart = offset + 62
            var intentToAdd = false
            if flags & 0x4000 != 0 {
                guard version >= 3, pathStart + 2 <= end else { return nil }
                let extended = UInt16(b[pathStart]) << 8 | UInt16(b[pathStart + 1])
                intentToAdd = extended & 0x2000 != 0
                pathStart += 2
            }
            if version == 4 {
                // A varint (git's offset encoding): bytes to drop from the previous path, then the rest.
                var p = pathStart
                guard p < end else { return nil }
                var c = b[p]; p += 1
                var drop = Int(c & 127)
                while c & 128 != 0 {
                    guard p < end, drop < Int.max >> 8 else { return nil }
                    c = b[p]; p += 1
                    drop = ((drop + 1) << 7) | Int(c & 127)
                }
                guard drop <= previous.count, let nul = (p..<end).first(where: { b[$0] == 0 }) else { return nil }
                previous.removeLast(drop)
                previous.append(contentsOf: b[p..<nul])
                offset = nul + 1
                previous.withUnsafeBufferPointer { out.add($0, mode: mode, id: id, stage: stage, intentToAdd: intentToAdd) }
            } else {
                guard let nul = (pathStart..<end).first(where: { b[$0] == 0 }) else { return nil }
                let path = UnsafeBufferPointer(rebasing: b[pathStart..<nul])
                // Entries are padded with 1–8 NULs to a multiple of 8 bytes.
                offset += ((pathStart - offset) + path.count + 8) & ~7
                out.add(path, mode: mode, id: id, stage: stage, intentToAdd: intentToAdd)
            }
        }

        // Extensions: a 4-byte signature and a 4-byte length each, until the checksum.
        while offset + 8 <= end {
            let size = Int(be32(offset + 4))
            let body = offset + 8
            guard body + size <= end else { return nil }
            let signature = (b[offset], b[offset + 1], b[offset + 2], b[offset + 3])
            if signature == (0x54, 0x52, 0x45, 0x45) {  // "TREE"
                guard let tree = parseCacheTree(UnsafeBufferPointer(rebasing: b[body..<(body + size)])) else { return nil }
                out.cacheTree = tree
            } else if !(0x41...0x5A).contains(signature.0) {
                // A lower-case first letter marks an extension a reader must understand ("link": split
                // index, "sdir": sparse index). Let libgit2 decide what to do with it.
                return nil
            }
            offset = body + size
        }
        guard offset == end else { return nil }
        return out
    }

    mutating func add(_ path: UnsafeBufferPointer<UInt8>, mode: UInt32, id: git_oid, stage: Int, intentToAdd: Bool) {
        // Stages of one conflicted path are adjacent (sorted by path, then stage); keep one row per path.
        if stage != 0 || conflicted.last == true, let last = paths.count > 0 ? paths.count - 1 : nil,
           paths.withPath(last, { $0.elementsEqual(path) }) {
            if stage == 0 {
                modes[last] = mode; ids[last] = id; conflicted[last] = false; self.intentToAdd[last] = intentToAdd
            }
            return
        }
        paths.append(path)
        modes.append(mode)
        ids.append(id)
        conflicted.append(stage != 0)
        self.intentToAdd.append(intentToAdd)
        if stage != 0 { hasConflicts = true }
    }

    /// The TREE extension: per directory, pre-order, "name\0<entries> <subtrees>\n" then the tree id
    /// when `entries` is not -1 (invalidated).
    private static func parseCacheTree(_ b: UnsafeBufferPointer<UInt8>) -> [String: git_oid]? {
        var out: [String: git_oid] = [:]
        var p = 0
        func number() -> Int? {
            var negative = false, value = 0, digits = 0
            if p < b.count, b[p] == UInt8(ascii: "-") { negative = true; p += 1 }
            while p < b.count, (0x30...0x39).contains(b[p]) {
                value = value &* 10 &+ Int(b[p] - 0x30); p += 1; digits += 1
                if digits > 18 { return nil }
            }
            return digits == 0 ? nil : (negative ? -value : value)
        }
        func node(prefix: String, depth: Int) -> Bool {
            guard depth < 4096, let nul = (p..<b.count).first(where: { b[$0] == 0 }) else { return false }
            let name = String(decoding: UnsafeBufferPointer(rebasing: b[p..<nul]), as: UTF8.self)
            p = nul + 1
            guard let entries = number(), p < b.count, b[p] == UInt8(ascii: " ") else { return false }
            p += 1
            guard let subtrees = number(), subtrees >= 0, p < b.count, b[p] == UInt8(ascii: "\n") else { return false }
            p += 1
            let path = depth == 0 ? "" : prefix + name
            if entries >= 0 {
                guard p + 20 <= b.count else { return false }
                var id = git_oid()
                withUnsafeMutableBytes(of: &id.id) { $0.copyMemory(from: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: b[p..<(p + 20)]))) }
                out[path] = id
                p += 20
            }
            let childPrefix = path.isEmpty ? "" : path + "/"
            for _ in 0..<subtrees {
                if !node(prefix: childPrefix, depth: depth + 1) { return false }
            }
            return true
        }
        guard b.isEmpty || node(prefix: "", depth: 0) else { return nil }
        return out
    }
}
