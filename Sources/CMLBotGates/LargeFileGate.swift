import CMLBotCore

/// Blobs above a size limit, as pre-commit-hooks' `check-added-large-files` judges them: size in
/// KB rounded up (`ceil(bytes / 1024)`), a finding only when strictly above `max_kb` (default 500),
/// only files being added unless `enforce_all`. LFS pointers and DVC-tracked paths are fine.
public struct LargeFileGate: HygieneGate {
    public static let id = "large_files"
    public static let summary = "files over max_kb added to git (use DVC or Git LFS for data and models)"
    public static let defaultSeverity = Severity.error
    public static let options = [
        GateOption("max_kb", "size limit in KB (1 KB = 1024 bytes, rounded up); default 500, as check-added-large-files"),
        GateOption("enforce_all", "check every file in scope, not only added ones (check-added-large-files --enforce-all)"),
    ]

    public var maxKB: Int
    public var enforceAll: Bool
    var severity: Severity
    var exclude: [String]

    public init(settings: GateSettings) throws {
        try settings.validate(known: Self.options)
        maxKB = try settings.int("max_kb") ?? 500
        guard maxKB > 0 else { throw settings.error("max_kb must be positive") }
        enforceAll = try settings.bool("enforce_all") ?? false
        severity = try settings.severity(default: Self.defaultSeverity)
        exclude = try settings.exclude
    }

    public func check(_ input: CheckInput) -> [Finding] {
        var findings: [Finding] = []
        for file in input.files {
            // `--all` means every file, as --enforce-all does; otherwise only what is being added.
            let inScope: Bool
            switch input.scope {
            case .all: inScope = true
            default: inScope = enforceAll || file.change == .added  // as `git diff --staged --diff-filter=A`: a rename is not an addition
            }
            // Size first: on `--all` most files are small, and their paths are then never made.
            let kb = (file.size + 1023) / 1024
            guard inScope, kb > maxKB, !PathGlob.matchesAny(exclude, file.path) else { continue }
            if input.isTrackedByDVC(file.path) { continue }
            if file.size <= LFSPointer.maximumSize, let data = input.contents(of: file, limit: LFSPointer.maximumSize), LFSPointer.isPointer(data) { continue }
            let hint = input.usesDVC
                ? "track it with DVC instead (dvc add \(file.path)), or raise gates.large_files.max_kb"
                : "track it with Git LFS (git lfs track \"\(file.path)\") or DVC (dvc add), or raise gates.large_files.max_kb"
            findings.append(Finding(gate: Self.id, severity: severity, path: file.path,
                                    message: "\(file.path) (\(kb) KB) exceeds \(maxKB) KB", hint: hint))
        }
        return findings
    }
}

/// `*` matches any run of characters including `/`; `?` one character; the rest is literal.
public enum PathGlob {
    public static func matches(_ pattern: String, _ path: String) -> Bool {
        let p = Array(pattern.unicodeScalars), t = Array(path.unicodeScalars)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] != "*", p[pi] == "?" || p[pi] == t[ti] { pi += 1; ti += 1 }
            else if pi < p.count, p[pi] == "*" { star = pi; mark = ti; pi += 1 }
            else if star >= 0 { pi = star + 1; mark += 1; ti = mark }
            else { return false }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    public static func matchesAny(_ patterns: [String], _ path: String) -> Bool {
        patterns.contains { matches($0, path) }
    }
}
