import Foundation

/// A GitHub webhook payload as read from `GITHUB_EVENT_PATH`, with typed look-ups that report the
/// dotted field name on failure. Foundation's `JSONSerialization` is enough here: the fields we
/// read are strings, small integers and booleans, so no number fidelity is at stake (the project's
/// own JSON parser lives in CMLBotEvidence, which this module must not depend on).
struct EventPayload {
    let root: [String: Any]
    let path: String
    let event: String

    init(path: String, event: String, readFile: (String) -> Data?) throws {
        self.path = path
        self.event = event
        guard let data = readFile(path) else {
            throw CIContextError.eventFileUnreadable(path: path, event: event)
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            let detail = data.isEmpty ? "the file is empty" : "it does not parse as JSON"
            throw CIContextError.eventNotJSON(path: path, event: event, detail: detail)
        }
        guard let dictionary = object as? [String: Any] else {
            throw CIContextError.eventNotJSON(path: path, event: event, detail: "the top level is not an object")
        }
        root = dictionary
    }

    /// The raw value at a dotted path; `nil` when any step is absent, JSON null, or not an object.
    /// A numeric step indexes an array (`pull_requests.0.number`).
    func value(_ field: String, in object: [String: Any]? = nil) -> Any? {
        var current: Any? = object ?? root
        for step in field.split(separator: ".") {
            if let dictionary = current as? [String: Any] {
                current = dictionary[String(step)]
            } else if let array = current as? [Any], let index = Int(step), array.indices.contains(index) {
                current = array[index]
            } else {
                return nil
            }
            if current is NSNull { return nil }
        }
        return current
    }

    func optionalString(_ field: String, in object: [String: Any]? = nil) -> String? {
        guard let string = value(field, in: object) as? String, !string.isEmpty else { return nil }
        return string
    }

    func optionalInt(_ field: String, in object: [String: Any]? = nil) -> Int? {
        value(field, in: object) as? Int
    }

    func optionalBool(_ field: String, in object: [String: Any]? = nil) -> Bool? {
        value(field, in: object) as? Bool
    }

    func object(_ field: String) -> [String: Any]? {
        value(field) as? [String: Any]
    }

    func requiredString(_ field: String, in object: [String: Any]? = nil, prefix: String = "") throws -> String {
        guard let present = value(field, in: object) else {
            throw fieldError(prefix + field, "is missing")
        }
        guard let string = present as? String, !string.isEmpty else {
            throw fieldError(prefix + field, "is not a non-empty string")
        }
        return string
    }

    func requiredInt(_ field: String, in object: [String: Any]? = nil, prefix: String = "") throws -> Int {
        guard value(field, in: object) != nil else {
            throw fieldError(prefix + field, "is missing")
        }
        guard let number = optionalInt(field, in: object) else {
            throw fieldError(prefix + field, "is not an integer")
        }
        return number
    }

    /// A commit id: 40 hex digits (SHA-1) or 64 (SHA-256 repositories).
    func requiredSHA(_ field: String, in object: [String: Any]? = nil, prefix: String = "") throws -> String {
        let sha = try requiredString(field, in: object, prefix: prefix)
        guard CommitID.isValid(sha) else {
            throw fieldError(prefix + field, "is '\(sha)', not a commit SHA (40 or 64 hex digits)")
        }
        return sha
    }

    func fieldError(_ field: String, _ problem: String) -> CIContextError {
        .eventField(path: path, event: event, field: field, problem: problem)
    }
}

enum CommitID {
    static func isValid(_ value: String) -> Bool {
        (value.utf8.count == 40 || value.utf8.count == 64) && value.utf8.allSatisfy { isHex($0) }
    }

    /// Git's "no commit" id: the `before` of a push that created a branch, GitLab's
    /// `CI_COMMIT_BEFORE_SHA` in most pipelines.
    static func isZero(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.allSatisfy { $0 == UInt8(ascii: "0") }
    }

    private static func isHex(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 97 && byte <= 102) || (byte >= 65 && byte <= 70)
    }
}
