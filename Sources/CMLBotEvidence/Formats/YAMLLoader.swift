import CMLBotCore
import CYaml
import Foundation

/// YAML read the way DVC 3 reads it: `ruamel.yaml` `YAML(typ="safe")` (the pure-Python loader, YAML
/// 1.2 core schema). So `1e-4` is a float, `yes`/`on` are strings, `0o17` is 15 and `017` is 17,
/// `1_000` is 1000, `2020-01-01` is a date, duplicate keys and tabs outside quotes are errors.
///
/// libyaml produces the events; composing and typing are ours. Yams' composer is not used because it
/// hashes mapping keys to find duplicates, and a key that is an alias of an alias bomb ("billion
/// laughs") takes exponential time to hash. Here every alias is charged its expanded size, so a bomb
/// fails fast, and later consumers (flattening, `repr`) never see more than `maximumNodes` nodes.
public enum YAMLLoader {
    /// Upper bound on the nodes aliases add when expanded. Nodes written out in the file are not
    /// counted (the file size bounds them); an alias is charged the full size of what it copies.
    public static let maximumNodes = 2_000_000
    /// Deeper documents are rejected; ruamel itself fails (RecursionError) at a few hundred levels.
    public static let maximumDepth = 512

    public static func parse(_ data: Data) throws -> Value {
        guard String(validating: data, as: UTF8.self) != nil else {
            throw FormatError(format: "YAML", reason: "file is not valid UTF-8 text")
        }
        if data.isEmpty { return .null }
        return try data.withUnsafeBytes { raw -> Value in
            guard let start = raw.bindMemory(to: UInt8.self).baseAddress else { return .null }
            // libyaml skips a BOM only when it detects the encoding itself, and then counts it as a
            // column, which misaligns the first line's indentation; drop it here, as ruamel's Reader
            // strips one. libyaml's marks then count characters from after it.
            var bytes = UnsafeBufferPointer(start: start, count: raw.count)
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
                bytes = UnsafeBufferPointer(rebasing: bytes[3...])
            }
            try checkCharacters(bytes)
            guard let base = bytes.baseAddress else { return .null }
            let composer = YAMLComposer()
            try composer.start(input: base, count: bytes.count)
            let value = try composer.composeSingleDocument()
            if bytes.contains(0x09) { try composer.checkTabs(bytes) }
            return value
        }
    }

    /// ruamel's Reader refuses these code points before parsing (`unacceptable character`): C0
    /// controls other than tab/LF/CR, DEL, C1 controls other than NEL, surrogates, U+FFFE/U+FFFF.
    /// Works on the bytes (already known to be valid UTF-8): files can be tens of megabytes.
    static func checkCharacters(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        var line = 1, column = 1
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            var v = UInt32(b)
            var width = 1
            if b >= 0x80 {
                width = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
                v = UInt32(b) & (width == 2 ? 0x1F : width == 3 ? 0x0F : 0x07)
                for k in 1..<width where i + k < bytes.count { v = v << 6 | UInt32(bytes[i + k] & 0x3F) }
            }
            let ok = v == 0x09 || v == 0x0A || v == 0x0D || (0x20...0x7E).contains(v) || v == 0x85
                || (0xA0...0xD7FF).contains(v) || (0xE000...0xFFFD).contains(v) || v >= 0x10000
            if !ok {
                let hex = String(v, radix: 16, uppercase: false)
                let code = String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                throw FormatError(format: "YAML", line: line, column: column,
                                  reason: "unacceptable character #x\(code)" + (v == 0 ? " (a binary file?)" : ""))
            }
            if v == 0x0A { line += 1; column = 1 } else { column += 1 }
            i += width
        }
    }
}

// MARK: - Composer

/// One libyaml parser over one buffer, turned into `Value`s with ruamel's semantics.
private final class YAMLComposer {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let event: UnsafeMutablePointer<yaml_event_t>
    private var anchors: [String: Composed] = [:]
    private var schema = YAMLScalars.Schema.yaml12
    private var budget = YAMLLoader.maximumNodes
    /// Character ranges in which ruamel accepts tabs: quoted and block scalars, flow collections.
    private var tabSafe: [Range<Int>] = []
    /// Character ranges of plain scalars, where a `#` is text, not a comment.
    private var plainSpans: [Range<Int>] = []

    struct Composed {
        var value: Value
        /// Nodes in the value once aliases are expanded.
        var size: Int
        /// Nesting levels below and including this node.
        var height: Int
        var tag: ResolvedTag?
        var mark: Mark
    }

    typealias Mark = YAMLMark

    /// What an untagged or tagged scalar resolved to, for the cases that matter beyond its value.
    enum ResolvedTag { case merge, valueIndicator }

    private var initialized = false

    init() {
        // Heap-allocated: libyaml keeps pointers into its parser struct, which must not move.
        parser = .allocate(capacity: 1)
        event = .allocate(capacity: 1)
    }

    /// `input` must stay valid until composing is done (the caller holds the bytes).
    func start(input: UnsafePointer<UInt8>, count: Int) throws {
        guard yaml_parser_initialize(parser) == 1 else {
            throw FormatError(format: "YAML", reason: "cannot initialise the YAML parser (out of memory)")
        }
        initialized = true
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, input, count)
    }

    deinit {
        if initialized { yaml_parser_delete(parser) }
        parser.deallocate()
        event.deallocate()
    }

    // MARK: Events

    struct Event {
        var type: yaml_event_type_t
        var anchor: String?
        var tag: String?
        var value: String = ""
        var plain = false
        var flow = false
        /// `%YAML 1.1` on a document start.
        var yaml11 = false
        var start: Mark
        var end: Mark
    }

    private func next() throws -> Event {
        guard yaml_parser_parse(parser, event) == 1 else { throw parserError() }
        defer { yaml_event_delete(event) }
        let e = event.pointee
        var out = Event(type: e.type, start: Self.mark(e.start_mark), end: Self.mark(e.end_mark))
        switch e.type {
        case YAML_ALIAS_EVENT:
            out.anchor = Self.string(e.data.alias.anchor)
        case YAML_SCALAR_EVENT:
            let s = e.data.scalar
            out.anchor = Self.string(s.anchor)
            out.tag = Self.string(s.tag)
            out.plain = s.style == YAML_PLAIN_SCALAR_STYLE
            if let p = s.value {
                let bytes = UnsafeBufferPointer(start: p, count: s.length)
                guard let text = String(validating: bytes, as: UTF8.self) else {
                    throw FormatError(format: "YAML", line: out.start.line, column: out.start.column, reason: "scalar is not valid UTF-8")
                }
                out.value = text
            }
        case YAML_DOCUMENT_START_EVENT:
            if let version = e.data.document_start.version_directive {
                out.yaml11 = version.pointee.major == 1 && version.pointee.minor == 1
            }
        case YAML_SEQUENCE_START_EVENT:
            out.anchor = Self.string(e.data.sequence_start.anchor)
            out.tag = Self.string(e.data.sequence_start.tag)
            out.flow = e.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
        case YAML_MAPPING_START_EVENT:
            out.anchor = Self.string(e.data.mapping_start.anchor)
            out.tag = Self.string(e.data.mapping_start.tag)
            out.flow = e.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
        default:
            break
        }
        return out
    }

    private static func string(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let p else { return nil }
        return String(cString: p)
    }

    private static func mark(_ m: yaml_mark_t) -> Mark {
        Mark(index: Int(m.index), line: Int(m.line) + 1, column: Int(m.column) + 1)
    }

    private func parserError() -> FormatError {
        let p = parser.pointee
        let problem = p.problem.map { String(cString: $0) } ?? "syntax error"
        let context = p.context.map { String(cString: $0) }
        let m = p.problem_mark
        let reason = [context, problem].compactMap { $0 }.joined(separator: ": ")
        return FormatError(format: "YAML", line: Int(m.line) + 1, column: Int(m.column) + 1, reason: reason)
    }

    private func error(_ mark: Mark, _ reason: String) -> FormatError {
        FormatError(format: "YAML", line: mark.line, column: mark.column, reason: reason)
    }

    // MARK: Documents

    /// `YAML.load`: one document (an empty stream is None); a second document is an error.
    func composeSingleDocument() throws -> Value {
        var e = try next()
        guard e.type == YAML_STREAM_START_EVENT else { throw error(e.start, "expected the start of a YAML stream") }
        e = try next()
        if e.type == YAML_STREAM_END_EVENT { return .null }
        guard e.type == YAML_DOCUMENT_START_EVENT else { throw error(e.start, "expected a document") }
        // ruamel types a `%YAML 1.1` document by the 1.1 rules (`yes` is true, `017` is octal).
        schema = e.yaml11 ? .yaml11 : .yaml12
        let root = try compose(try next(), depth: 0)
        e = try next()
        guard e.type == YAML_DOCUMENT_END_EVENT else { throw error(e.start, "expected the end of the document") }
        e = try next()
        guard e.type == YAML_STREAM_END_EVENT else {
            throw error(e.start, "expected a single document in the stream, but found another document (DVC reads only single-document files)")
        }
        if let tag = root.tag { throw constructorError(tag, root.mark) }
        return root.value
    }

    private func constructorError(_ tag: ResolvedTag, _ mark: Mark) -> FormatError {
        let name = tag == .merge ? "tag:yaml.org,2002:merge" : "tag:yaml.org,2002:value"
        return error(mark, "could not determine a constructor for the tag '\(name)'")
    }

    private func charge(aliasSize size: Int, height: Int, depth: Int, at mark: Mark) throws {
        budget -= size
        guard budget >= 0 else {
            throw error(mark, "aliases expand to more than \(YAMLLoader.maximumNodes) nodes (an alias bomb?)")
        }
        guard depth + height <= YAMLLoader.maximumDepth else {
            throw error(mark, "nesting deeper than \(YAMLLoader.maximumDepth) levels")
        }
    }

    private func compose(_ e: Event, depth: Int) throws -> Composed {
        switch e.type {
        case YAML_ALIAS_EVENT:
            guard let name = e.anchor, var target = anchors[name] else {
                throw error(e.start, "found undefined alias '\(e.anchor ?? "")'")
            }
            try charge(aliasSize: target.size, height: target.height, depth: depth, at: e.start)
            target.mark = e.start
            return target
        case YAML_SCALAR_EVENT:
            try charge(aliasSize: 0, height: 1, depth: depth, at: e.start)
            if e.plain { plainSpans.append(e.start.index..<e.end.index) } else { tabSafe.append(e.start.index..<e.end.index) }
            let composed = try scalar(e)
            if let anchor = e.anchor { anchors[anchor] = composed }
            return composed
        case YAML_SEQUENCE_START_EVENT:
            try charge(aliasSize: 0, height: 1, depth: depth, at: e.start)
            var items: [Value] = []
            var size = 1, height = 1
            var inner = try next()
            while inner.type != YAML_SEQUENCE_END_EVENT {
                let child = try compose(inner, depth: depth + 1)
                if let tag = child.tag { throw constructorError(tag, child.mark) }
                items.append(child.value)
                size += child.size
                height = max(height, child.height + 1)
                inner = try next()
            }
            if e.flow { tabSafe.append(e.start.index..<inner.end.index) }
            let value = try sequenceValue(items, tag: e.tag, mark: e.start)
            let composed = Composed(value: value, size: size, height: height, mark: e.start)
            if let anchor = e.anchor { anchors[anchor] = composed }
            return composed
        case YAML_MAPPING_START_EVENT:
            try charge(aliasSize: 0, height: 1, depth: depth, at: e.start)
            var pairs: [(key: Composed, value: Composed)] = []
            var size = 1, height = 1
            var inner = try next()
            while inner.type != YAML_MAPPING_END_EVENT {
                let key = try compose(inner, depth: depth + 1)
                let value = try compose(try next(), depth: depth + 1)
                if let tag = value.tag { throw constructorError(tag, value.mark) }
                pairs.append((key, value))
                size += key.size + value.size
                height = max(height, key.height + 1, value.height + 1)
                inner = try next()
            }
            if e.flow { tabSafe.append(e.start.index..<inner.end.index) }
            guard e.tag == nil || e.tag == "!" || e.tag == "tag:yaml.org,2002:map" else {
                throw unsupportedTag(e.tag ?? "", kind: "mapping", mark: e.start)
            }
            let composed = Composed(value: try mappingValue(pairs, mark: e.start), size: size, height: height, mark: e.start)
            if let anchor = e.anchor { anchors[anchor] = composed }
            return composed
        default:
            throw error(e.start, "unexpected YAML event")
        }
    }

    private func unsupportedTag(_ tag: String, kind: String, mark: Mark) -> FormatError {
        switch tag {
        case "tag:yaml.org,2002:set", "tag:yaml.org,2002:pairs", "tag:yaml.org,2002:binary":
            return error(mark, "the tag '\(tag)' is not supported by cmlbot")
        case "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
             "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp":
            return error(mark, "expected a scalar node, but found \(kind)")
        case "tag:yaml.org,2002:map", "tag:yaml.org,2002:omap", "tag:yaml.org,2002:seq":
            return error(mark, "the tag '\(tag)' does not fit a \(kind)")
        default:
            return error(mark, "could not determine a constructor for the tag '\(tag)'")
        }
    }

    // MARK: Collections

    private func sequenceValue(_ items: [Value], tag: String?, mark: Mark) throws -> Value {
        switch tag {
        case nil, "!", "tag:yaml.org,2002:seq":
            return .array(items)
        case "tag:yaml.org,2002:omap":
            // An ordered map written as a list of one-pair mappings; Python builds an ordered dict.
            var object = OrderedObject()
            for item in items {
                guard let pair = item.objectValue, pair.count == 1, let key = pair.keys.first, let value = pair[key] else {
                    throw error(mark, "while constructing an ordered map: expected a mapping of length 1")
                }
                guard object[key] == nil else { throw error(mark, "while constructing an ordered map: duplicate key '\(key)'") }
                object[key] = value
            }
            return .object(object)
        default:
            throw unsupportedTag(tag ?? "", kind: "sequence", mark: mark)
        }
    }

    /// ruamel's `SafeConstructor.construct_mapping`: merge keys (`<<`, at most one per mapping)
    /// bring in a mapping or a list of mappings (earlier ones win), explicit keys override them,
    /// and, only when there is no merge key, a repeated key is an error.
    private func mappingValue(_ pairs: [(key: Composed, value: Composed)], mark: Mark) throws -> Value {
        var merged: [(String, Value)] = []
        var hasMerge = false
        for pair in pairs where pair.key.tag == .merge {
            guard !hasMerge else { throw error(pair.key.mark, "found duplicate merge key \"<<\"") }
            hasMerge = true
            switch pair.value.value {
            case .object(let o):
                merged = o.pairs.map { ($0.key, $0.value) }
            case .array(let list):
                // ruamel reverses the list and lets later entries win, so the first mapping wins.
                for item in list.reversed() {
                    guard let o = item.objectValue else {
                        throw error(pair.key.mark, "while constructing a mapping: expected a mapping for merging, but found \(Self.kind(item))")
                    }
                    merged += o.pairs.map { ($0.key, $0.value) }
                }
            default:
                throw error(pair.key.mark, "while constructing a mapping: expected a mapping or list of mappings for merging, but found \(Self.kind(pair.value.value))")
            }
        }
        var object = OrderedObject()
        for (k, v) in merged { object[k] = v }
        // Duplicate check. String keys (nearly all) use the object itself; other keys compare by
        // Python identity, and their printed form is remembered so that "1" after 1 is not taken
        // for a repeat.
        var otherIdentities = Set<String>()
        var otherTexts = Set<String>()
        for pair in pairs where pair.key.tag != .merge {
            let text: String
            if case .string(let s) = pair.key.value {
                text = s
                if !hasMerge, object[s] != nil, otherTexts.isEmpty || !otherTexts.contains(s) { throw duplicate(s, pair.key.mark) }
            } else {
                let key = try Self.pythonKey(pair.key.value, mark: pair.key.mark, error: error)
                text = key.text
                if !hasMerge, !otherIdentities.insert(key.identity).inserted { throw duplicate(key.text, pair.key.mark) }
                otherTexts.insert(key.text)
            }
            object[text] = pair.value.value
        }
        return .object(object)
    }

    private func duplicate(_ key: String, _ mark: Mark) -> FormatError {
        error(mark, "found duplicate key \"\(key)\" (DVC rejects files with repeated keys)")
    }

    private static func kind(_ value: Value) -> String {
        switch value {
        case .array: return "sequence"
        case .object: return "mapping"
        default: return "scalar"
        }
    }

    /// A mapping key as Python holds it: `identity` follows Python's `==` (so `1`, `1.0` and `true`
    /// collide, `1` and `"1"` do not), `text` is `str(key)`, which is how it reads in a flattened name.
    static func pythonKey(_ value: Value, mark: Mark, error: (Mark, String) -> FormatError) throws -> (identity: String, text: String) {
        switch value {
        case .string(let s): return ("s:" + s, s)
        case .null: return ("none", "None")
        case .bool(let b): return ("n:" + (b ? "1" : "0"), b ? "True" : "False")
        case .int(let i): return ("n:\(i)", String(i))
        case .bigInt(let s): return ("n:" + s, s)
        case .double(let d):
            let text = PythonFormat.repr(d)
            if d.isNaN { return ("n:nan", text) }  // ruamel's NaN is one shared object: two .nan keys collide
            if d.isFinite, d == d.rounded() {
                // An integral float equals the int of the same value: `1e20` collides with `100000000000000000000`.
                return ("n:" + String(format: "%.0f", locale: nil, d == 0 ? 0 : d), text)
            }
            return ("f:" + text, text)
        case .date(let s): return ("d:" + s, s)
        case .array(let items):
            // Python turns a sequence key into a tuple; str() of a tuple is its repr.
            var identities: [String] = []
            var reprs: [String] = []
            for item in items {
                guard item.isScalar else { throw error(mark, "found unhashable key") }
                identities.append(try pythonKey(item, mark: mark, error: error).identity)
                reprs.append(PythonFormat.repr(item))
            }
            let text = "(" + reprs.joined(separator: ", ") + (reprs.count == 1 ? ",)" : ")")
            return ("t(" + identities.joined(separator: "\u{1F}") + ")", text)
        case .object:
            throw error(mark, "while constructing a mapping: found unhashable key")
        }
    }

    // MARK: Scalars

    private func scalar(_ e: Event) throws -> Composed {
        let text = e.value
        let tag = e.tag
        func done(_ value: Value, _ resolved: ResolvedTag? = nil) -> Composed {
            Composed(value: value, size: 1, height: 1, tag: resolved, mark: e.start)
        }
        // ruamel resolves untagged plain scalars, and any scalar with the non-specific tag `!`, by
        // its implicit resolvers; untagged quoted and block scalars are strings.
        if tag == nil && !e.plain { return done(.string(text)) }
        if tag == nil || tag == "!" {
            switch text {
            case "<<": return done(.string(text), .merge)
            case "=": return done(.string(text), .valueIndicator)
            default: return done(try YAMLScalars.resolvePlain(text, schema: schema, mark: e.start, error: error))
            }
        }
        let mark = e.start
        switch tag {
        case "tag:yaml.org,2002:str": return done(.string(text))
        case "tag:yaml.org,2002:null": return done(.null)
        case "tag:yaml.org,2002:merge": return done(.string(text), .merge)
        case "tag:yaml.org,2002:value": return done(.string(text), .valueIndicator)
        case "tag:yaml.org,2002:bool":
            switch text.lowercased() {
            case "yes", "y", "true", "on": return done(.bool(true))
            case "no", "n", "false", "off": return done(.bool(false))
            default: throw error(mark, "cannot construct a bool from '\(text)'")
            }
        case "tag:yaml.org,2002:int":
            guard let value = YAMLScalars.constructInt(text, schema: schema) else { throw error(mark, "invalid literal for int(): '\(text)'") }
            return done(value)
        case "tag:yaml.org,2002:float":
            guard let value = YAMLScalars.constructFloat(text, schema: schema) else { throw error(mark, "could not convert string to float: '\(text)'") }
            return done(.double(value))
        case "tag:yaml.org,2002:timestamp":
            guard let value = try YAMLTimestamp.construct(text, mark: mark, error: error) else {
                throw error(mark, "failed to construct timestamp from \"\(text)\"")
            }
            return done(.date(value))
        default:
            throw unsupportedTag(tag ?? "", kind: "scalar", mark: mark)
        }
    }

    // MARK: Tabs

    /// ruamel (0.18+) accepts a tab only inside quoted or block scalars, flow collections and
    /// comments; anywhere else in block context (indentation, after `key:`, inside a plain scalar,
    /// before a comment) it stops with "found character '\t' that cannot start any token". libyaml
    /// is more lenient, so the spans it reports are used to find such tabs. TSV files fail this way
    /// in DVC, which matters because metrics files of unknown extension are read as YAML.
    func checkTabs(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        let safe = Self.union(tabSafe), plain = Self.union(plainSpans)
        func inside(_ spans: [Range<Int>], _ i: Int) -> Bool {
            var lo = 0, hi = spans.count
            while lo < hi { let mid = (lo + hi) / 2; if spans[mid].lowerBound <= i { lo = mid + 1 } else { hi = mid } }
            return lo > 0 && spans[lo - 1].contains(i)
        }
        // libyaml's mark index counts characters: one per UTF-8 lead byte.
        var index = -1
        var line = 1, column = 0
        var inComment = false
        var previous: UInt8 = 0x0A
        for b in bytes where b & 0xC0 != 0x80 {
            index += 1
            if b == 0x0A {
                inComment = false
                line += 1
                column = 0
                previous = b
                continue
            }
            column += 1
            if !inComment {
                if b == 0x23, previous == 0x20 || previous == 0x09 || previous == 0x0A || previous == 0x0D,
                   !inside(safe, index), !inside(plain, index) {
                    inComment = true
                } else if b == 0x09, !inside(safe, index) {
                    throw FormatError(format: "YAML", line: line, column: column,
                                      reason: "found a tab character where YAML (as DVC reads it) allows only spaces; indent with spaces, or quote the value")
                }
            }
            previous = b
        }
    }

    /// Sorted, disjoint ranges covering the same characters (spans nest: a flow list holds scalars).
    private static func union(_ spans: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for span in spans.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = out.last, span.lowerBound <= last.upperBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, span.upperBound)
            } else {
                out.append(span)
            }
        }
        return out
    }
}

// MARK: - Scalars

/// ruamel's YAML 1.2 implicit resolvers and `SafeConstructor` conversions.
enum YAMLScalars {
    enum Schema { case yaml12, yaml11 }

    /// A plain scalar typed by ruamel's implicit resolvers for the document's YAML version (in
    /// ruamel's order: bool, float, int, null, timestamp), then converted as its constructors do.
    static func resolvePlain(_ text: String, schema: Schema = .yaml12, mark: YAMLMark, error: (YAMLMark, String) -> FormatError) throws -> Value {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if schema == .yaml11 {
            switch text {
            case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON": return .bool(true)
            case "n", "N", "no", "No", "NO", "off", "Off", "OFF": return .bool(false)
            default: break
            }
        }
        guard let first = text.utf8.first, (0x30...0x39).contains(first) || first == 0x2B || first == 0x2D || first == 0x2E else {
            return .string(text)
        }
        switch schema {
        case .yaml12:
            if isFloat(text), let d = fastFloat(text) ?? constructFloat(text) { return .double(d) }
            if isInt(text), let i = fastInt(text) ?? constructInt(text) { return i }
        case .yaml11:
            if isFloat11(text), let d = constructFloat(text, schema: .yaml11) { return .double(d) }
            if isInt11(text), let i = constructInt(text, schema: .yaml11) { return i }
        }
        if isTimestamp(text), let stamp = try YAMLTimestamp.construct(text, mark: mark, error: error) { return .date(stamp) }
        return .string(text)
    }

    /// YAML 1.1 floats: the 1.2 forms except a signed `.5`, plus sexagesimal `1:20.5`.
    static func isFloat11(_ text: String) -> Bool {
        let unsigned = text.hasPrefix("+") || text.hasPrefix("-") ? Substring(text.dropFirst()) : Substring(text)
        if unsigned.hasPrefix("."), unsigned != text[...], ![".inf", ".Inf", ".INF"].contains(unsigned) { return false }
        if isFloat(text) { return true }
        // [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*
        guard let dot = unsigned.firstIndex(of: ".") else { return false }
        return isSexagesimal(unsigned[..<dot]) && unsigned[unsigned.index(after: dot)...].allSatisfy { $0 == "_" || ("0"..."9").contains($0) }
    }

    /// YAML 1.1 ints: `0b…`, `0x…`, octal `0?[0-7_]+`, decimal `0|[1-9][0-9_]*`, sexagesimal `1:20`.
    static func isInt11(_ text: String) -> Bool {
        let s = text.hasPrefix("+") || text.hasPrefix("-") ? Substring(text.dropFirst()) : Substring(text)
        func all(_ body: Substring, _ allowed: (Character) -> Bool) -> Bool { !body.isEmpty && body.allSatisfy { $0 == "_" || allowed($0) } }
        if s.hasPrefix("0b") { return all(s.dropFirst(2)) { $0 == "0" || $0 == "1" } }
        if s.hasPrefix("0x") { return all(s.dropFirst(2)) { $0.isASCII && $0.isHexDigit } }
        if all(s.hasPrefix("0") ? s.dropFirst() : s, { ("0"..."7").contains($0) }) { return true }
        if s == "0" { return true }
        if let first = s.first, ("1"..."9").contains(first), all(s, { ("0"..."9").contains($0) }) { return true }
        if let first = s.first, ("1"..."9").contains(first), s.contains(":") { return isSexagesimal(s) }
        return false
    }

    /// `[0-9][0-9_]*(:[0-5]?[0-9])+`
    private static func isSexagesimal(_ s: Substring) -> Bool {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 2, let head = parts.first, let lead = head.first, ("0"..."9").contains(lead),
              head.allSatisfy({ $0 == "_" || ("0"..."9").contains($0) }) else { return false }
        return parts.dropFirst().allSatisfy { part in
            (1...2).contains(part.count) && part.allSatisfy { ("0"..."9").contains($0) } && (part.count == 1 || ("0"..."5").contains(part.first ?? "9"))
        }
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    /// The common case without allocation: an optional sign and at most 18 decimal digits.
    static func fastInt(_ text: String) -> Value? {
        let utf8 = text.utf8
        guard utf8.count <= 19 else { return nil }
        var digits = 0
        for (i, c) in utf8.enumerated() {
            if isDigit(c) { digits += 1 } else if i > 0 || (c != 0x2B && c != 0x2D) { return nil }
        }
        guard digits > 0, digits <= 18, let value = Int(text) else { return nil }
        return .int(value)
    }

    /// A text `isFloat` accepted, without underscores or a bare leading/trailing point, is a decimal
    /// literal Swift parses exactly as Python's `float()` does (both round correctly).
    static func fastFloat(_ text: String) -> Double? {
        let utf8 = text.utf8
        var previous: UInt8 = 0
        for c in utf8 {
            if c == 0x5F { return nil }
            if c == 0x2E, !isDigit(previous) { return nil }                   // ".5", "-.5", ".inf"
            if previous == 0x2E, !isDigit(c) { return nil }                   // "1.e5"
            previous = c
        }
        if previous == 0x2E { return nil }                                    // "1."
        return Double(text)
    }

    /// `[-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+]?[0-9]+)? | [-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
    /// | [-+]?\.[0-9_]+([eE][-+][0-9]+)? | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)`
    static func isFloat(_ text: String) -> Bool {
        let b = Array(text.utf8)
        var i = 0
        if i < b.count, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
        let afterSign = String(decoding: b[i...], as: UTF8.self)
        if [".inf", ".Inf", ".INF"].contains(afterSign) { return true }
        if [".nan", ".NaN", ".NAN"].contains(text) { return true }
        func run(_ allowUnderscore: Bool) -> Int {
            let start = i
            while i < b.count, isDigit(b[i]) || (allowUnderscore && b[i] == 0x5F) { i += 1 }
            return i - start
        }
        func exponent(signRequired: Bool) -> Bool {
            guard i < b.count, b[i] == 0x65 || b[i] == 0x45 else { return false }
            i += 1
            if i < b.count, b[i] == 0x2B || b[i] == 0x2D { i += 1 } else if signRequired { return false }
            return run(false) > 0
        }
        if i < b.count, b[i] == 0x2E {
            i += 1
            guard run(true) > 0 else { return false }
            if i == b.count { return true }
            return exponent(signRequired: true) && i == b.count
        }
        guard i < b.count, isDigit(b[i]) else { return false }
        _ = run(true)
        if i < b.count, b[i] == 0x2E {
            i += 1
            _ = run(true)
            if i == b.count { return true }
            return exponent(signRequired: false) && i == b.count
        }
        return exponent(signRequired: false) && i == b.count
    }

    /// `[-+]?0b[0-1_]+ | [-+]?0o?[0-7_]+ | [-+]?[0-9_]+ | [-+]?0x[0-9a-fA-F_]+`
    static func isInt(_ text: String) -> Bool {
        var s = Substring(text)
        if let c = s.first, c == "+" || c == "-" { s = s.dropFirst() }
        func all(_ body: Substring, _ allowed: (Character) -> Bool) -> Bool { !body.isEmpty && body.allSatisfy { $0 == "_" || allowed($0) } }
        if s.hasPrefix("0b") { return all(s.dropFirst(2)) { $0 == "0" || $0 == "1" } }
        if s.hasPrefix("0x") { return all(s.dropFirst(2)) { $0.isASCII && $0.isHexDigit } }
        if s.hasPrefix("0o") { return all(s.dropFirst(2)) { ("0"..."7").contains($0) } }
        return all(s) { $0.isASCII && $0.isWholeNumber }
    }

    /// `construct_yaml_int`: underscores dropped, one sign, `0b`/`0x`/`0o` prefixes, else Python's
    /// `int()` in base 10 (which allows leading zeros and surrounding whitespace). Integers beyond
    /// Int64 stay exact as `.bigInt`.
    static func constructInt(_ text: String, schema: Schema = .yaml12) -> Value? {
        var s = Substring(text.filter { $0 != "_" })
        guard let first = s.first else { return nil }
        let negative = first == "-"
        if first == "+" || first == "-" { s = s.dropFirst() }
        var radix = 10
        if s.hasPrefix("0b") { radix = 2; s = s.dropFirst(2) }
        else if s.hasPrefix("0x") { radix = 16; s = s.dropFirst(2) }
        else if s.hasPrefix("0o") { radix = 8; s = s.dropFirst(2) }
        else if schema == .yaml11, s.hasPrefix("0"), s != "0" { radix = 8 }
        else if schema == .yaml11, s.contains(":") {
            // Sexagesimal: 1:20:30 is 1*3600 + 20*60 + 30.
            var total = 0
            for part in s.split(separator: ":", omittingEmptySubsequences: false) {
                guard let digit = Int(part) else { return nil }
                let (scaled, o1) = total.multipliedReportingOverflow(by: 60)
                let (sum, o2) = scaled.addingReportingOverflow(digit)
                guard !o1, !o2 else { return nil }
                total = sum
            }
            return .int(negative ? -total : total)
        }
        else {
            // Python's int() strips whitespace and takes one more sign.
            s = Substring(s.trimmingCharacters(in: .whitespacesAndNewlines))
            if let c = s.first, c == "+" || c == "-" {
                s = s.dropFirst()
                if c == "-" { return constructInt((negative ? "" : "-") + s) }
            }
        }
        guard let digits = BigDecimalDigits.convert(s, radix: radix) else { return nil }
        let signed = (negative && digits != "0" ? "-" : "") + digits
        if let i = Int(signed) { return .int(i) }
        return .bigInt(signed)
    }

    /// `construct_yaml_float`: underscores dropped, lower-cased, one sign, `.inf`/`.nan`, else
    /// Python's `float()` (which also takes `inf`, `infinity`, `nan` and surrounding whitespace).
    static func constructFloat(_ text: String, schema: Schema = .yaml12) -> Double? {
        var s = Substring(text.filter { $0 != "_" }.lowercased())
        guard let first = s.first else { return nil }
        let sign: Double = first == "-" ? -1 : 1
        if first == "+" || first == "-" { s = s.dropFirst() }
        if s == ".inf" { return sign * .infinity }
        if s == ".nan" { return .nan }
        if schema == .yaml11, s.contains(":") {
            // In ruamel's order (least significant first), so the float rounds the same way.
            var total = 0.0, base = 1.0
            for part in s.split(separator: ":", omittingEmptySubsequences: false).reversed() {
                guard let digit = pythonFloat(String(part)) else { return nil }
                total += digit * base
                base *= 60
            }
            return sign * total
        }
        guard let value = pythonFloat(String(s)) else { return nil }
        return sign * value
    }

    /// Python's `float(str)` for ASCII text: decimal literals (`1.`, `.5`, `1e5`), `inf`,
    /// `infinity`, `nan`, optional sign and surrounding whitespace. No hex floats, no underscores.
    static func pythonFloat(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        var body = Substring(t)
        var sign: Double = 1
        if let c = body.first, c == "+" || c == "-" { sign = c == "-" ? -1 : 1; body = body.dropFirst() }
        switch body {
        case "inf", "infinity": return sign * .infinity
        case "nan": return .nan
        default: break
        }
        let b = Array(body.utf8)
        var i = 0, intDigits = 0, fracDigits = 0
        while i < b.count, isDigit(b[i]) { i += 1; intDigits += 1 }
        if i < b.count, b[i] == 0x2E {
            i += 1
            while i < b.count, isDigit(b[i]) { i += 1; fracDigits += 1 }
        }
        guard intDigits + fracDigits > 0 else { return nil }
        if i < b.count, b[i] == 0x65 {
            i += 1
            if i < b.count, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
            let start = i
            while i < b.count, isDigit(b[i]) { i += 1 }
            guard i > start else { return nil }
        }
        guard i == b.count else { return nil }
        // Swift's parser wants digits on both sides of the point; the value is the same.
        var normalized = String(body)
        if intDigits == 0 { normalized = "0" + normalized }
        if let dot = normalized.firstIndex(of: "."), fracDigits == 0 {
            normalized.insert("0", at: normalized.index(after: dot))
        }
        guard let value = Double(normalized) else { return nil }
        return sign * value
    }

    /// ruamel's timestamp resolver (narrower than its constructor): `YYYY-MM-DD` exactly, or a date
    /// with 1–2 digit month/day followed by a time.
    static func isTimestamp(_ text: String) -> Bool {
        guard let parts = YAMLTimestamp.match(text) else { return false }
        if parts.hour == nil { return parts.month.count == 2 && parts.day.count == 2 }
        return true
    }
}

/// A source position: character index from the start (after a BOM), 1-based line and column.
struct YAMLMark {
    var index: Int, line: Int, column: Int
}

/// Arbitrary-size integers from digits in base 2, 8, 10 or 16 to decimal text (Python ints are
/// unbounded; `0x1_0000_0000_0000_0000` must come out exact).
enum BigDecimalDigits {
    static func convert(_ digits: Substring, radix: Int) -> String? {
        guard !digits.isEmpty else { return nil }
        // Little-endian limbs of 10^9.
        var limbs: [UInt64] = [0]
        for c in digits {
            guard let d = c.hexDigitValue, d < radix, c.isASCII else { return nil }
            var carry = UInt64(d)
            for j in limbs.indices {
                let v = limbs[j] * UInt64(radix) + carry
                limbs[j] = v % 1_000_000_000
                carry = v / 1_000_000_000
            }
            while carry > 0 { limbs.append(carry % 1_000_000_000); carry /= 1_000_000_000 }
        }
        var text = String(limbs.last ?? 0)
        for limb in limbs.dropLast().reversed() {
            let part = String(limb)
            text += String(repeating: "0", count: 9 - part.count) + part
        }
        return text
    }
}

// MARK: - Timestamps

/// YAML timestamps as ruamel builds them (`datetime.date` / `datetime.datetime`), kept as the text
/// Python's `str()` prints: `2001-12-14`, `2001-12-14 21:59:43.100000-05:00`. Values Python's
/// datetime refuses (month 13, February 30, an offset of 24 hours) are errors, as they are in DVC.
enum YAMLTimestamp {
    struct Parts {
        var year: Substring, month: Substring, day: Substring
        var hour: Substring?, minute: Substring = "", second: Substring = ""
        var fraction: Substring?
        var tz: Substring?, tzSign: Character?, tzHour: Substring?, tzMinute: Substring?
    }

    /// ruamel's `timestamp_regexp`, by hand.
    static func match(_ text: String) -> Parts? {
        let s = Substring(text)
        var i = s.startIndex
        func digits(_ min: Int, _ max: Int) -> Substring? {
            let start = i
            var n = 0
            while i < s.endIndex, n < max, s[i].isASCII, s[i].isWholeNumber { i = s.index(after: i); n += 1 }
            guard n >= min else { i = start; return nil }
            return s[start..<i]
        }
        func take(_ c: Character) -> Bool {
            guard i < s.endIndex, s[i] == c else { return false }
            i = s.index(after: i)
            return true
        }
        func spaces() -> Int {
            var n = 0
            while i < s.endIndex, s[i] == " " || s[i] == "\t" { i = s.index(after: i); n += 1 }
            return n
        }
        guard let year = digits(4, 4), take("-"), let month = digits(1, 2), take("-"), let day = digits(1, 2) else { return nil }
        var parts = Parts(year: year, month: month, day: day)
        if i == s.endIndex { return parts }
        guard take("T") || take("t") || spaces() > 0 else { return nil }
        guard let hour = digits(1, 2), take(":"), let minute = digits(2, 2), take(":"), let second = digits(2, 2) else { return nil }
        parts.hour = hour
        parts.minute = minute
        parts.second = second
        if take(".") { parts.fraction = digits(0, Int.max) ?? "" }
        _ = spaces()
        if i == s.endIndex { return parts }
        let tzStart = i
        if take("Z") {
            parts.tz = "Z"
        } else if i < s.endIndex, s[i] == "+" || s[i] == "-" {
            parts.tzSign = s[i]
            i = s.index(after: i)
            guard let h = digits(1, 2) else { return nil }
            parts.tzHour = h
            if take(":") {
                guard let m = digits(2, 2) else { return nil }
                parts.tzMinute = m
            }
            parts.tz = s[tzStart..<i]
        } else {
            return nil
        }
        return i == s.endIndex ? parts : nil
    }

    /// Python's `str()` of the constructed value; nil when the text is not a timestamp at all.
    static func construct(_ text: String, mark: YAMLMark, error: (YAMLMark, String) -> FormatError) throws -> String? {
        guard let p = match(text) else { return nil }
        guard let year = Int(p.year), let month = Int(p.month), let day = Int(p.day) else { return nil }
        guard year >= 1 else { throw error(mark, "year \(year) is out of range") }
        guard (1...12).contains(month) else { throw error(mark, "month must be in 1..12") }
        guard (1...daysIn(month, year)).contains(day) else { throw error(mark, "day is out of range for month") }
        let date = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
        guard let hourText = p.hour else { return date }
        guard let hour = Int(hourText), let minute = Int(p.minute), let second = Int(p.second) else { return nil }
        guard hour <= 23 else { throw error(mark, "hour must be in 0..23") }
        guard minute <= 59 else { throw error(mark, "minute must be in 0..59") }
        guard second <= 59 else { throw error(mark, "second must be in 0..59") }
        // Microseconds: six digits, rounded half-up on the seventh; 1_000_000 carries a second.
        var micro = 0
        var carry = false
        if let fraction = p.fraction, !fraction.isEmpty {
            let six = String(fraction.prefix(6)) + String(repeating: "0", count: max(0, 6 - fraction.count))
            micro = Int(six) ?? 0
            if fraction.count > 6, let seventh = fraction.dropFirst(6).first?.wholeNumberValue, seventh > 4 { micro += 1 }
            if micro > 999_999 { micro = 0; carry = true }
        }
        var offsetMinutes: Int?
        if let sign = p.tzSign {
            let total = (Int(p.tzHour ?? "0") ?? 0) * 60 + (Int(p.tzMinute ?? "0") ?? 0)
            guard total < 24 * 60 else {
                throw error(mark, "offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24)")
            }
            offsetMinutes = sign == "-" ? -total : total
        } else if p.tz == "Z" {
            offsetMinutes = 0
        }
        var (y, mo, d, h, mi, se) = (year, month, day, hour, minute, second)
        if carry {
            se += 1
            if se == 60 { se = 0; mi += 1 }
            if mi == 60 { mi = 0; h += 1 }
            if h == 24 { h = 0; d += 1 }
            if d > daysIn(mo, y) { d = 1; mo += 1 }
            if mo == 13 { mo = 1; y += 1 }
            guard y <= 9999 else { throw error(mark, "date value out of range") }
        }
        var out = pad(y, 4) + "-" + pad(mo, 2) + "-" + pad(d, 2) + " " + pad(h, 2) + ":" + pad(mi, 2) + ":" + pad(se, 2)
        if micro != 0 { out += "." + pad(micro, 6) }
        if let offset = offsetMinutes {
            out += (offset < 0 ? "-" : "+") + pad(abs(offset) / 60, 2) + ":" + pad(abs(offset) % 60, 2)
        }
        return out
    }

    static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
}
