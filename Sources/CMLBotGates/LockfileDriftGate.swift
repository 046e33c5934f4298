import CMLBotCore
import CMLBotEvidence
import Foundation

/// Dependency manifests whose lockfile is missing or out of date, per directory (monorepos have
/// several), for these pairs:
///
/// | manifest | lockfile(s) | looked up in | content check |
/// |---|---|---|---|
/// | `package.json` | `npm-shrinkwrap.json`, `package-lock.json`, `yarn.lock`, `pnpm-lock.yaml`, `bun.lock(b)` | its directory, else the nearest ancestor whose workspaces include it (`workspaces` in package.json, `packages` in pnpm-workspace.yaml) | `npm ci`'s verdict for npm lockfiles v2/v3 |
/// | `pyproject.toml` | `poetry.lock`, `uv.lock`, `pdm.lock` | its directory; `uv.lock` also in an ancestor whose `[tool.uv.workspace] members` include it | Poetry's `content-hash` (`poetry check --lock`) |
/// | `Pipfile` | `Pipfile.lock` | its directory | — |
/// | `requirements*.in`, `requirements/*.in` | the same name with `.txt` (pip-tools) | its directory | — |
/// | `environment.yml`/`.yaml` | `conda-lock.yml` | its directory | — |
/// | `Package.swift` | `Package.resolved` | its directory | — |
/// | `Cargo.toml` | `Cargo.lock` | its directory, else the nearest ancestor whose `[workspace] members` include it | — |
/// | `go.mod` | `go.sum` | its directory | — |
///
/// A pair is looked at when its manifest or its lockfile is among the files in scope. Then:
/// 1. **Content** (error), where the lockfile records what it was made from, in every scope:
///    - `poetry.lock`: its `metadata.content-hash` must equal the SHA-256 Poetry 2.5 computes from
///      pyproject.toml (`[project]` requires-python/dependencies/optional-dependencies,
///      `[dependency-groups]`, `[tool.poetry]` dependencies/source/extras/dev-dependencies/group,
///      as sorted JSON). A lock written by Poetry < 2.3 may also match the older hash without
///      `[dependency-groups]`, as Poetry accepts it.
///    - `package-lock.json`/`npm-shrinkwrap.json` (lockfileVersion ≥ 2): every dependency that
///      package.json declares (dependencies, devDependencies, optionalDependencies, and
///      non-optional peerDependencies) must resolve, from the manifest's location, to a locked
///      package that satisfies its spec as npm's arborist judges it: semver ranges (node-semver,
///      loose), `file:` directories (a link to that folder) and tarballs, `npm:` aliases, tags,
///      URLs. That is when `npm ci` accepts the lockfile; it does not fail on packages the
///      manifest no longer declares, nor on a changed spec the locked version still satisfies,
///      and neither does this gate. A git dependency counts as satisfied only when its spec is
///      exactly the one the lockfile recorded. Overrides and transitive packages are not checked.
///    When the content check applies, it decides; a manifest edit that leaves the dependencies
///    alone (scripts, tool settings) needs no new lockfile.
/// 2. **Co-change** (warning), for the other lockfiles, only in `--staged` and `--base/--head`
///    scopes: the manifest was added, modified or renamed and its lockfile was not. The lockfile
///    must be in scope too, so a pre-commit hook for this gate should pass lockfiles as well.
/// 3. **Missing lockfile** (error, `require_lockfile`), only when the project evidently needs one:
///    a `Pipfile` (pipenv always locks); a pip-tools `.in` file (it exists to be compiled); a
///    `go.mod` with `require` directives (Go refuses to build without go.sum entries); an
///    application `pyproject.toml` (`[tool.poetry] package-mode = false`, `[tool.uv] package = false`
///    or `[tool.pdm] distribution = false`); a `"private": true` package.json that declares
///    dependencies and is not a workspace member; a Cargo package with `src/main.rs` or a `[[bin]]`
///    when no Cargo.lock exists in its directory or above. Libraries (a plain pyproject.toml,
///    package.json, Package.swift, Cargo.toml), environment.yml without conda-lock: no finding.
///
/// Files that cannot be parsed (a lockfile or manifest the content check needs) are reported as
/// warnings: the tools fail on them as well. Manifests inside `node_modules/` are installed
/// packages, not the project's, and are skipped.
public struct LockfileDriftGate: HygieneGate {
    public static let id = "lockfile_drift"
    public static let summary = "dependency manifests changed without their lockfile, stale lockfiles (poetry check --lock, npm ci), missing lockfiles"
    public static let defaultSeverity = Severity.error
    public static let options = [
        GateOption("ignore", "manifest path globs whose lockfile is not checked, e.g. examples/*/package.json"),
        GateOption("require_lockfile", "report applications without a lockfile (default true; see the rules in docs)"),
    ]

    /// Manifests and lockfiles are read whole; real ones are far smaller, hostile ones are skipped.
    static let maximumBytes: Int64 = 32 * 1024 * 1024

    var ignore: [String]
    var requireLockfile: Bool
    var severity: Severity
    /// Co-change heuristics and unreadable files only warn, unless the severity is configured.
    var heuristicSeverity: Severity
    var exclude: [String]

    public init(settings: GateSettings) throws {
        try settings.validate(known: Self.options)
        ignore = try settings.strings("ignore") ?? []
        requireLockfile = try settings.bool("require_lockfile") ?? true
        severity = try settings.severity(default: Self.defaultSeverity)
        heuristicSeverity = try settings.severity(default: .warning)
        exclude = try settings.exclude
    }

    // MARK: Pairs

    enum Ecosystem: String, CaseIterable {
        case npm, python, pipenv, pipTools, conda, swiftPM, cargo, go
    }

    static func ecosystem(ofManifest path: String) -> Ecosystem? {
        switch RepoPath.fileName(path) {
        case "package.json": return .npm
        case "pyproject.toml": return .python
        case "Pipfile": return .pipenv
        case "environment.yml", "environment.yaml": return .conda
        case "Package.swift": return .swiftPM
        case "Cargo.toml": return .cargo
        case "go.mod": return .go
        case let name where name.hasSuffix(".in") && (name.hasPrefix("requirements") || RepoPath.fileName(RepoPath.parent(path)) == "requirements"):
            return .pipTools
        default: return nil
        }
    }

    /// Lockfile names for a manifest, in the order its tool prefers them.
    static func lockfileNames(_ ecosystem: Ecosystem, manifestName: String) -> [String] {
        switch ecosystem {
        case .npm: return ["npm-shrinkwrap.json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock", "bun.lockb"]
        case .python: return ["poetry.lock", "uv.lock", "pdm.lock"]
        case .pipenv: return ["Pipfile.lock"]
        case .pipTools: return [String(manifestName.dropLast(".in".count)) + ".txt"]
        case .conda: return ["conda-lock.yml"]
        case .swiftPM: return ["Package.resolved"]
        case .cargo: return ["Cargo.lock"]
        case .go: return ["go.sum"]
        }
    }

    /// Manifests in the same directory that a lockfile at `path` belongs to.
    static func manifests(forLockfile path: String, allPaths: PathSet) -> [String] {
        let dir = RepoPath.parent(path), name = RepoPath.fileName(path)
        var out: [String] = []
        for (manifest, ecosystem) in [("package.json", Ecosystem.npm), ("pyproject.toml", .python), ("Pipfile", .pipenv),
                                      ("environment.yml", .conda), ("environment.yaml", .conda), ("Package.swift", .swiftPM),
                                      ("Cargo.toml", .cargo), ("go.mod", .go)]
        where lockfileNames(ecosystem, manifestName: manifest).contains(name) {
            let candidate = join(dir, manifest)
            if allPaths.contains(candidate) { out.append(candidate) }
        }
        if name.hasSuffix(".txt") {
            let candidate = join(dir, String(name.dropLast(".txt".count)) + ".in")
            if allPaths.contains(candidate), ecosystem(ofManifest: candidate) == .pipTools { out.append(candidate) }
        }
        return out
    }

    static func join(_ dir: String, _ name: String) -> String { dir.isEmpty ? name : dir + "/" + name }

    static func fixCommand(lockfile: String, manifest: String) -> String {
        let dir = RepoPath.parent(manifest)
        let inDir = dir.isEmpty ? "" : " (in \(dir))"
        switch RepoPath.fileName(lockfile) {
        case "package-lock.json", "npm-shrinkwrap.json": return "`npm install`" + inDir
        case "yarn.lock": return "`yarn install`" + inDir
        case "pnpm-lock.yaml": return "`pnpm install`" + inDir
        case "bun.lock", "bun.lockb": return "`bun install`" + inDir
        case "poetry.lock": return "`poetry lock`" + inDir
        case "uv.lock": return "`uv lock`" + inDir
        case "pdm.lock": return "`pdm lock`" + inDir
        case "Pipfile.lock": return "`pipenv lock`" + inDir
        case "conda-lock.yml": return "`conda-lock -f \(RepoPath.fileName(manifest))`" + inDir
        case "Package.resolved": return "`swift package resolve`" + inDir
        case "Cargo.lock": return "`cargo generate-lockfile`" + inDir
        case "go.sum": return "`go mod tidy`" + inDir
        default: return "`pip-compile \(manifest)`"
        }
    }

    // MARK: Check

    public func check(_ input: CheckInput) -> [Finding] {
        let scoped = input.files.filter { !PathGlob.matchesAny(exclude, $0.path) }
        let changed = Set(scoped.filter { $0.change != .unchanged }.map(\.path))
        var manifests = Set<String>()
        for file in scoped {
            if Self.ecosystem(ofManifest: file.path) != nil { manifests.insert(file.path) }
            for manifest in Self.manifests(forLockfile: file.path, allPaths: input.allPaths) { manifests.insert(manifest) }
        }
        var findings: [Finding] = []
        // One reader for the whole check: a broken file shared by several pairs is reported once.
        var reader = FileReader(input: input)
        for manifest in manifests.sorted(by: RepoPath.precedes) where !PathGlob.matchesAny(ignore, manifest) {
            // Installed packages (a committed node_modules) carry manifests that are not the project's.
            if manifest.split(separator: "/").dropLast().contains("node_modules") { continue }
            guard let ecosystem = Self.ecosystem(ofManifest: manifest) else { continue }
            findings += check(manifest: manifest, ecosystem: ecosystem, input: input, changed: changed, reader: &reader)
        }
        return findings + reader.problems(gate: Self.id, severity: heuristicSeverity)
    }

    func check(manifest: String, ecosystem: Ecosystem, input: CheckInput, changed: Set<String>, reader: inout FileReader) -> [Finding] {
        var lockfiles = lockfiles(for: manifest, ecosystem: ecosystem, reader: &reader)
        var findings: [Finding] = []
        guard !lockfiles.isEmpty else {
            if requireLockfile, let (reason, lockfile) = missingLockfileReason(manifest, ecosystem: ecosystem, reader: &reader) {
                let expected = Self.lockfileNames(ecosystem, manifestName: RepoPath.fileName(manifest))
                findings.append(Finding(gate: Self.id, severity: severity, path: manifest,
                                        message: "\(manifest) has no lockfile (\(expected.joined(separator: ", "))): \(reason)",
                                        hint: "run \(Self.fixCommand(lockfile: lockfile, manifest: manifest)) and commit \(lockfile), or set gates.\(Self.id).require_lockfile: false"))
            }
            return findings
        }
        // npm reads npm-shrinkwrap.json instead of package-lock.json when both exist.
        if lockfiles.contains(where: { RepoPath.fileName($0) == "npm-shrinkwrap.json" }) {
            lockfiles.removeAll { RepoPath.fileName($0) == "package-lock.json" }
        }
        for lockfile in lockfiles {
            let content: ContentVerdict
            switch RepoPath.fileName(lockfile) {
            case "poetry.lock": content = poetryVerdict(manifest: manifest, lockfile: lockfile, reader: &reader)
            case "package-lock.json", "npm-shrinkwrap.json": content = npmVerdict(manifest: manifest, lockfile: lockfile, reader: &reader)
            default: content = .notApplicable
            }
            switch content {
            case .drift(let message):
                findings.append(Finding(gate: Self.id, severity: severity, path: lockfile, message: message,
                                        hint: "run \(Self.fixCommand(lockfile: lockfile, manifest: manifest)) and commit \(RepoPath.fileName(lockfile))"))
            case .inSync, .unreadable:
                break
            case .notApplicable:
                if case .all = input.scope { continue }
                if changed.contains(manifest), !changed.contains(lockfile) {
                    findings.append(Finding(gate: Self.id, severity: heuristicSeverity, path: manifest,
                                            message: "\(manifest) changed but \(lockfile) did not",
                                            hint: "if its dependencies changed, run \(Self.fixCommand(lockfile: lockfile, manifest: manifest)) and commit \(RepoPath.fileName(lockfile)); otherwise ignore this warning"))
                }
            }
        }
        return findings
    }

    enum ContentVerdict: Equatable {
        case inSync
        case drift(String)
        /// A file could not be parsed; the reader records the problem.
        case unreadable
        /// This lockfile records nothing to compare; fall back to co-change.
        case notApplicable
    }

    /// Lockfiles of a manifest: in its directory, else in a workspace root above it.
    func lockfiles(for manifest: String, ecosystem: Ecosystem, reader: inout FileReader) -> [String] {
        let dir = RepoPath.parent(manifest)
        let names = Self.lockfileNames(ecosystem, manifestName: RepoPath.fileName(manifest))
        let here = names.map { Self.join(dir, $0) }.filter { reader.allPaths.contains($0) }
        if !here.isEmpty { return here }
        guard [.npm, .python, .cargo].contains(ecosystem) else { return [] }
        var ancestor = dir
        while !ancestor.isEmpty {
            ancestor = RepoPath.parent(ancestor)
            let found = names.map { Self.join(ancestor, $0) }.filter { reader.allPaths.contains($0) }
                .filter { ecosystem != .python || RepoPath.fileName($0) == "uv.lock" }
            if !found.isEmpty, workspace(at: ancestor, covers: dir, ecosystem: ecosystem, reader: &reader) { return found }
        }
        return []
    }

    /// Whether the project at `root` declares a workspace whose member globs match `member` (a
    /// directory below it): `workspaces` in package.json or `packages` in pnpm-workspace.yaml,
    /// `[tool.uv.workspace] members`, Cargo's `[workspace] members` (without members, Cargo's
    /// path-dependency members are taken on trust).
    func workspace(at root: String, covers member: String, ecosystem: Ecosystem, reader: inout FileReader) -> Bool {
        let patterns: [Value]
        switch ecosystem {
        case .npm:
            let pnpm = Self.join(root, "pnpm-workspace.yaml")
            if reader.allPaths.contains(pnpm) {
                patterns = reader.yaml(pnpm, quiet: true)?["packages"]?.arrayValue ?? []
            } else {
                let declared = reader.json(Self.join(root, "package.json"), quiet: true)?["workspaces"]
                patterns = declared?.arrayValue ?? declared?["packages"]?.arrayValue ?? []
            }
        case .python:
            guard let uv = reader.toml(Self.join(root, "pyproject.toml"), quiet: true)?["tool"]?["uv"]?["workspace"] else { return false }
            patterns = uv["members"]?.arrayValue ?? []
        case .cargo:
            guard let cargo = reader.toml(Self.join(root, "Cargo.toml"), quiet: true)?["workspace"] else { return false }
            guard let members = cargo["members"]?.arrayValue else { return true }
            patterns = members
        default:
            return false
        }
        let relative = RepoPath.relative(member, from: root)
        return patterns.compactMap(\.stringValue).contains { pattern in
            var p = pattern
            // Negated globs (pnpm's "!**/test/**") exclude; the rest include.
            guard !p.hasPrefix("!") else { return false }
            while p.hasPrefix("./") { p.removeFirst(2) }
            while p.hasSuffix("/") { p.removeLast() }
            return PathGlob.matches(p, relative)
        }
    }

    /// Why this manifest needs a lockfile and which one its tool writes, or nil when it may go
    /// without one.
    func missingLockfileReason(_ manifest: String, ecosystem: Ecosystem, reader: inout FileReader) -> (String, String)? {
        let dir = RepoPath.parent(manifest)
        let lockfile = Self.lockfileNames(ecosystem, manifestName: RepoPath.fileName(manifest)).first ?? "the lockfile"
        switch ecosystem {
        case .pipenv:
            return ("pipenv resolves it into Pipfile.lock, which `pipenv install --deploy` and `pipenv sync` install from", lockfile)
        case .pipTools:
            return ("a pip-tools input is compiled into its .txt, which is what gets installed", lockfile)
        case .go:
            guard let data = reader.read(manifest), GoMod.hasRequirements(data) else { return nil }
            return ("it requires modules, and Go refuses to build without their go.sum entries", lockfile)
        case .python:
            guard let pyproject = reader.toml(manifest, quiet: false) else { return nil }
            let tool = pyproject["tool"]
            if tool?["poetry"]?["package-mode"] == .bool(false) { return ("it is a Poetry application (package-mode = false)", "poetry.lock") }
            if tool?["uv"]?["package"] == .bool(false) { return ("it is a uv application (package = false)", "uv.lock") }
            if tool?["pdm"]?["distribution"] == .bool(false) { return ("it is a PDM application (distribution = false)", "pdm.lock") }
            return nil
        case .npm:
            guard let package = reader.json(manifest, quiet: false), package["private"] == .bool(true) else { return nil }
            let declares = ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"]
                .contains { !(package[$0]?.objectValue?.isEmpty ?? true) }
            guard declares else { return nil }
            // A workspace member's lockfile is its workspace root's; the root gets the finding.
            var ancestor = dir
            while !ancestor.isEmpty {
                ancestor = RepoPath.parent(ancestor)
                if workspace(at: ancestor, covers: dir, ecosystem: .npm, reader: &reader) { return nil }
            }
            return ("it is a private package (an application) with dependencies", "package-lock.json")
        case .cargo:
            var ancestor = dir
            while !ancestor.isEmpty {
                ancestor = RepoPath.parent(ancestor)
                if reader.allPaths.contains(Self.join(ancestor, "Cargo.lock")) { return nil }
            }
            let hasBinary = reader.allPaths.contains(Self.join(dir, "src/main.rs")) || reader.toml(manifest, quiet: false)?["bin"] != nil
            return hasBinary ? ("it builds a binary, whose dependency versions belong in Cargo.lock", lockfile) : nil
        case .conda, .swiftPM:
            return nil
        }
    }

    // MARK: Poetry

    func poetryVerdict(manifest: String, lockfile: String, reader: inout FileReader) -> ContentVerdict {
        guard let pyproject = reader.toml(manifest, quiet: false), let lock = reader.toml(lockfile, quiet: false) else { return .unreadable }
        guard let recorded = lock["metadata"]?["content-hash"] else {
            return .drift("\(lockfile) has no metadata.content-hash, so Poetry treats it as out of date (poetry check --lock fails)")
        }
        let current = PoetryContentHash.hash(pyproject, withDependencyGroups: true)
        if recorded == .string(current) { return .inSync }
        // Poetry before 2.3 hashed without [dependency-groups]; Poetry still accepts its locks.
        if let data = reader.read(lockfile), let version = PoetryContentHash.generatorVersion(data),
           PoetryContentHash.isBefore2_3(version),
           recorded == .string(PoetryContentHash.hash(pyproject, withDependencyGroups: false)) {
            return .inSync
        }
        return .drift("\(lockfile) is out of date: \(manifest) changed its dependencies since the lock was made (content-hash mismatch; poetry check --lock fails)")
    }

    // MARK: npm

    func npmVerdict(manifest: String, lockfile: String, reader: inout FileReader) -> ContentVerdict {
        guard let package = reader.json(manifest, quiet: false)?.objectValue, let lock = reader.json(lockfile, quiet: false) else { return .unreadable }
        guard case .int(let version)? = lock["lockfileVersion"], version >= 2, let packages = lock["packages"]?.objectValue else {
            return .notApplicable  // lockfileVersion 1 has no packages[""]: judge by co-change
        }
        let lockDir = RepoPath.parent(lockfile)
        let location = RepoPath.relative(RepoPath.parent(manifest), from: lockDir)
        let check = NPMLockCheck(packages: packages, location: location == "." ? "" : location)
        let problems = check.problems(package: package, isWorkspaceRoot: location == "." && package["workspaces"] != nil)
        guard !problems.isEmpty else { return .inSync }
        let shown = problems.prefix(10).joined(separator: "; ") + (problems.count > 10 ? "; and \(problems.count - 10) more" : "")
        return .drift("\(lockfile) does not match \(manifest) (npm ci fails): \(shown)")
    }
}

/// Reads manifests and lockfiles from the checked tree once each, remembering parse problems to
/// report as findings.
struct FileReader {
    let input: CheckInput
    var allPaths: PathSet { input.allPaths }
    /// Parsed files, or why they do not parse.
    private var cache: [String: Result<Value, ParseFailure>] = [:]
    private var reported: [(path: String, message: String)] = []
    private var reportedPaths = Set<String>()

    struct ParseFailure: Error { var message: String }

    init(input: CheckInput) { self.input = input }

    func read(_ path: String) -> Data? {
        guard let entry = try? input.tree.entry(at: path), entry.kind == .file, entry.size <= LockfileDriftGate.maximumBytes else { return nil }
        return try? input.tree.readFile(path)
    }

    /// `quiet`: a file only consulted in passing (a workspace root) is not reported when broken;
    /// it is when a later pair needs it.
    mutating func json(_ path: String, quiet: Bool) -> Value? {
        parsed(path, format: "JSON", quiet: quiet) { try JSONParser.parse($0) }
    }

    mutating func toml(_ path: String, quiet: Bool) -> Value? {
        parsed(path, format: "TOML", quiet: quiet) { try TOMLParser.parse($0) }
    }

    mutating func yaml(_ path: String, quiet: Bool) -> Value? {
        parsed(path, format: "YAML", quiet: quiet) { try YAMLLoader.parse($0) }
    }

    private mutating func parsed(_ path: String, format: String, quiet: Bool, _ parse: (Data) throws -> Value) -> Value? {
        guard allPaths.contains(path) else { return nil }
        if cache[path] == nil {
            guard let data = read(path) else { return nil }
            do {
                cache[path] = .success(try parse(data))
            } catch {
                cache[path] = .failure(ParseFailure(message: "\(path) is not valid \(format) (\(error)); the package manager fails on it too"))
            }
        }
        switch cache[path] {
        case .success(let value)?:
            return value
        case .failure(let failure)?:
            if !quiet, !reportedPaths.contains(path) {
                reportedPaths.insert(path)
                reported.append((path, failure.message))
            }
            return nil
        case nil:
            return nil
        }
    }

    func problems(gate: String, severity: Severity) -> [Finding] {
        reported.map { Finding(gate: gate, severity: severity, path: $0.path, message: $0.message, hint: "fix the file, then regenerate the lockfile") }
    }
}

// MARK: - go.mod

enum GoMod {
    /// Whether go.mod has at least one `require` entry (`require x v1` or a non-empty block).
    static func hasRequirements(_ data: Data) -> Bool {
        var inBlock = false
        for rawLine in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
            var line = Substring(rawLine)
            if let comment = line.range(of: "//") { line = line[..<comment.lowerBound] }
            let text = line.trimmingCharacters(in: .whitespaces)
            if inBlock {
                if text == ")" { inBlock = false } else if !text.isEmpty { return true }
                continue
            }
            guard text.hasPrefix("require") else { continue }
            let rest = text.dropFirst("require".count).trimmingCharacters(in: .whitespaces)
            if rest == "(" { inBlock = true } else if !rest.isEmpty, rest != "()" { return true }
        }
        return false
    }
}

// MARK: - Poetry's content-hash

/// `Locker._get_content_hash` of Poetry 2.5.1 (poetry/packages/locker.py), byte for byte: the
/// relevant parts of pyproject.toml as `json.dumps(..., sort_keys=True)`, SHA-256 in hex.
enum PoetryContentHash {
    static let legacyKeys = ["dependencies", "source", "extras", "dev-dependencies"]
    static let relevantKeys = legacyKeys + ["group"]
    static let relevantProjectKeys = ["requires-python", "dependencies", "optional-dependencies"]

    static func hash(_ pyproject: Value, withDependencyGroups: Bool) -> String {
        let project = pyproject["project"]?.objectValue ?? OrderedObject()
        let groups: Value = withDependencyGroups ? (pyproject["dependency-groups"] ?? .object(OrderedObject())) : .object(OrderedObject())
        let hasGroups = NotebookOutputsGate.isTruthy(groups)
        let poetry = pyproject["tool"]?["poetry"]?.objectValue ?? OrderedObject()

        var relevantProject = OrderedObject()
        for key in relevantProjectKeys { if let data = project[key] { relevantProject[key] = data } }

        var relevantPoetry = OrderedObject()
        for key in relevantKeys {
            let data = poetry[key]
            // Absent legacy keys are hashed as null, for compatibility, unless [project] or
            // [dependency-groups] has relevant content.
            if data == nil && (!legacyKeys.contains(key) || !relevantProject.isEmpty || hasGroups) { continue }
            relevantPoetry[key] = data ?? .null
        }

        var relevant = OrderedObject()
        if !relevantProject.isEmpty { relevant["project"] = .object(relevantProject) }
        if hasGroups { relevant["dependency-groups"] = groups }
        if relevant.isEmpty {
            relevant = relevantPoetry
        } else {
            relevant["tool"] = .object(OrderedObject([("poetry", .object(relevantPoetry))]))
        }
        let json = JSONWriter.python.string(sortedKeys(.object(relevant)))
        return Digest.hex(.sha256, Data(json.utf8))
    }

    /// `sort_keys=True`: keys in code point order, at every level.
    static func sortedKeys(_ value: Value) -> Value {
        switch value {
        case .object(let object):
            let pairs = object.pairs.sorted { RepoPath.precedes($0.key, $1.key) }.map { ($0.key, sortedKeys($0.value)) }
            return .object(OrderedObject(pairs))
        case .array(let items):
            return .array(items.map(sortedKeys))
        default:
            return value
        }
    }

    /// The Poetry version in the lockfile's first line ("… @generated by Poetry 2.1.3 and …").
    static func generatorVersion(_ data: Data) -> String? {
        let firstLine = String(decoding: data.prefix { $0 != 0x0A }, as: UTF8.self)
        guard let range = firstLine.range(of: "Poetry ") else { return nil }
        let version = firstLine[range.upperBound...].prefix { $0 != " " }
        return version.isEmpty ? nil : String(version)
    }

    /// PEP 440 `version < 2.3.0` for the versions Poetry writes (release numbers, optionally a
    /// pre-, post- or dev-release); false when it cannot be read, as Poetry then skips the retry.
    static func isBefore2_3(_ text: String) -> Bool {
        var rest = Substring(text.lowercased())
        if rest.hasPrefix("v") { rest = rest.dropFirst() }
        var release: [Int] = []
        while let digits = Optional(rest.prefix { $0.isASCII && $0.isNumber }), !digits.isEmpty, let n = Int(digits) {
            release.append(n)
            rest = rest.dropFirst(digits.count)
            guard rest.first == ".", rest.dropFirst().first?.isNumber == true else { break }
            rest = rest.dropFirst()
        }
        guard !release.isEmpty else { return false }
        let target = [2, 3, 0]
        for i in 0..<max(release.count, target.count) {
            let a = i < release.count ? release[i] : 0, b = i < target.count ? target[i] : 0
            if a != b { return a < b }
        }
        // Same release: only a pre- or dev-release sorts before it.
        let suffix = rest.drop { $0 == "." || $0 == "-" || $0 == "_" }
        return ["a", "b", "c", "rc", "alpha", "beta", "pre", "preview", "dev"].contains { suffix.hasPrefix($0) }
    }
}

// MARK: - npm ci's lockfile check

/// Whether the packages a package-lock.json (v2/v3) records satisfy a package.json's
/// dependencies, as @npmcli/arborist's `dep-valid.js` (npm 10) decides before `npm ci` installs.
struct NPMLockCheck {
    /// The lockfile's `packages`, keyed by location relative to the lockfile's directory.
    let packages: OrderedObject
    /// The manifest's location: "" for the root, `packages/app` for a workspace member.
    let location: String

    func problems(package: OrderedObject, isWorkspaceRoot: Bool) -> [String] {
        var problems: [String] = []
        if !location.isEmpty, packages[location] == nil {
            problems.append("\(location) is not in the lockfile (a new workspace?)")
        }
        let workspaceGlobs = isWorkspaceRoot ? Self.workspacePatterns(package["workspaces"]) : []
        for edge in Self.edges(package) {
            guard case .string(let spec) = edge.spec else {
                problems.append("\(edge.name) has a spec that is not a string")
                continue
            }
            guard let (key, node) = resolve(edge.name) else {
                if edge.type != "peerOptional" { problems.append("\(edge.name)@\(spec) is not in the lockfile") }
                continue
            }
            // A root dependency on one of its own workspaces is a workspace edge: any link to it will do.
            if !workspaceGlobs.isEmpty, node["link"] == .bool(true), let target = node["resolved"]?.stringValue,
               PathGlob.matchesAny(workspaceGlobs, target) { continue }
            if !satisfies(node: node, spec: spec, name: edge.name) {
                let locked = version(of: node).map { "\(edge.name)@\($0)" } ?? (node["resolved"]?.stringValue ?? key)
                problems.append("\(edge.name)@\(spec) is not satisfied by the locked \(locked)")
            }
        }
        return problems
    }

    struct Edge { var name: String; var spec: Value; var type: String }

    /// arborist's `Node[_loadDeps]`: peer (optional ones per peerDependenciesMeta), prod, optional,
    /// dev; a later type replaces an earlier one for the same name.
    static func edges(_ package: OrderedObject) -> [Edge] {
        var order: [String] = []
        var byName: [String: Edge] = [:]
        func add(_ deps: Value?, _ type: (String) -> String) {
            guard let deps = deps?.objectValue else { return }
            for (name, spec) in deps.pairs {
                if byName[name] == nil { order.append(name) }
                byName[name] = Edge(name: name, spec: spec, type: type(name))
            }
        }
        let meta = package["peerDependenciesMeta"]?.objectValue ?? OrderedObject()
        add(package["peerDependencies"]) { meta[$0]?["optional"].map(Self.jsTruthy) == true ? "peerOptional" : "peer" }
        add(package["dependencies"]) { _ in "prod" }
        add(package["optionalDependencies"]) { _ in "optional" }
        add(package["devDependencies"]) { _ in "dev" }
        return order.compactMap { byName[$0] }
    }

    static func jsTruthy(_ value: Value) -> Bool {
        switch value {
        case .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0 && !d.isNaN
        case .string(let s), .date(let s): return !s.isEmpty
        case .bigInt, .array, .object: return true
        }
    }

    static func workspacePatterns(_ value: Value?) -> [String] {
        let list = value?.arrayValue ?? value?["packages"]?.arrayValue ?? []
        return list.compactMap(\.stringValue).map { pattern in
            var p = pattern
            while p.hasPrefix("./") { p.removeFirst(2) }
            while p.hasSuffix("/") { p.removeLast() }
            return p
        }
    }

    /// Node's module resolution through the lockfile: `<location>/node_modules/<name>`, then the
    /// same in each directory above, up to the root.
    func resolve(_ name: String) -> (String, OrderedObject)? {
        var dir = location
        while true {
            let key = (dir.isEmpty ? "" : dir + "/") + "node_modules/" + name
            if let node = packages[key]?.objectValue { return (key, node) }
            if dir.isEmpty { return nil }
            dir = RepoPath.parent(dir)
        }
    }

    /// A link's version is its target's.
    func version(of node: OrderedObject) -> String? {
        if node["link"] == .bool(true), let target = node["resolved"]?.stringValue {
            return packages[target]?["version"]?.stringValue
        }
        return node["version"]?.stringValue
    }

    /// `dep-valid.js` for the spec kinds npm-package-arg distinguishes.
    func satisfies(node: OrderedObject, spec rawSpec: String, name: String) -> Bool {
        let spec = rawSpec.trimmingCharacters(in: .whitespaces)
        switch NPMSpec.classify(spec) {
        case .directory(let path):
            return node["link"] == .bool(true) && node["resolved"]?.stringValue.map { Self.samePath($0, path, base: location) } == true
        case .tarball(let path):
            guard node["link"] != .bool(true), let resolved = node["resolved"]?.stringValue, resolved.hasPrefix("file:") else { return false }
            return Self.samePath(String(resolved.dropFirst("file:".count)), path, base: location)
        case .alias(let range):
            return registrySatisfies(node: node, spec: range)
        case .git:
            // The repository and commit a git spec resolves to cannot be judged offline; a spec the
            // lockfile recorded for this manifest is taken as what the lockfile resolved.
            return recordedSpecs(name).contains(rawSpec)
        case .remote(let url):
            return node["resolved"]?.stringValue == url
        case .registry:
            return registrySatisfies(node: node, spec: spec)
        }
    }

    func registrySatisfies(node: OrderedObject, spec: String) -> Bool {
        let fetchSpec = spec.isEmpty ? "*" : spec
        if NodeSemver.Range(fetchSpec) != nil {
            if fetchSpec == "*" { return true }
            guard let version = version(of: node) else { return false }
            return NodeSemver.satisfies(version, fetchSpec)
        }
        // A dist-tag ("latest"): any package that came from a registry tarball. Tags must be
        // URI-safe, or npm-package-arg rejects the spec.
        let uriSafe = fetchSpec.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.!~*'()".contains($0)) }
        guard uriSafe, let resolved = node["resolved"]?.stringValue else { return false }
        return resolved.hasPrefix("http://") || resolved.hasPrefix("https://")
    }

    /// Specs the lockfile's entry for this manifest recorded for `name`.
    func recordedSpecs(_ name: String) -> [String] {
        guard let entry = packages[location]?.objectValue else { return [] }
        return ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"].compactMap { entry[$0]?[name]?.stringValue }
    }

    /// Whether a lockfile path (relative to the lockfile's directory) and a spec path (relative to
    /// the manifest at `base`) name the same folder or file.
    static func samePath(_ lockPath: String, _ specPath: String, base: String) -> Bool {
        if specPath.hasPrefix("/") { return normalize(lockPath) == normalize(specPath) }
        return normalize(lockPath) == normalize(base.isEmpty ? specPath : base + "/" + specPath)
    }

    /// Collapses `.` and `..` (keeping leading `..`), backslashes as slashes.
    static func normalize(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var out: [Substring] = []
        for part in path.replacingOccurrences(of: "\\", with: "/").split(separator: "/") where part != "." {
            if part == "..", let last = out.last, last != ".." { out.removeLast() } else { out.append(part) }
        }
        let joined = out.joined(separator: "/")
        return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }
}

/// npm-package-arg's classification of a dependency spec, as far as `dep-valid.js` cares.
enum NPMSpec: Equatable {
    case directory(String)
    case tarball(String)
    case alias(range: String)
    case git
    case remote(String)
    case registry

    static func classify(_ spec: String) -> NPMSpec {
        let lower = spec.lowercased()
        for prefix in ["file:", "link:"] where lower.hasPrefix(prefix) {
            return path(String(spec.dropFirst(prefix.count)))
        }
        if isFileSpec(spec) { return path(spec) }
        if lower.hasPrefix("npm:") {
            // npm:name@range, name possibly scoped (@scope/name@range).
            let target = spec.dropFirst(4)
            let searchFrom = target.hasPrefix("@") ? target.index(after: target.startIndex) : target.startIndex
            if let at = target[searchFrom...].firstIndex(of: "@") { return .alias(range: String(target[target.index(after: at)...])) }
            return .alias(range: "")
        }
        if isGit(spec) { return .git }
        if let colon = spec.firstIndex(of: ":"), spec[..<colon].allSatisfy({ $0.isASCII && $0.isLetter || $0 == "+" }), !spec[..<colon].isEmpty {
            return lower.hasPrefix("http:") || lower.hasPrefix("https:") ? .remote(spec) : .git
        }
        let lowerSpec = spec.lowercased()
        if spec.contains("/") || [".tgz", ".tar.gz", ".tar"].contains(where: { lowerSpec.hasSuffix($0) }) { return path(spec) }
        return .registry
    }

    /// npm-package-arg's `isFileSpec` on POSIX: `.`, `~/`, `/`, or a drive letter.
    static func isFileSpec(_ spec: String) -> Bool {
        if spec.hasPrefix(".") || spec.hasPrefix("~/") || spec.hasPrefix("/") { return true }
        let chars = Array(spec.prefix(2))
        return chars.count == 2 && chars[0].isASCII && chars[0].isLetter && chars[1] == ":"
    }

    static func path(_ raw: String) -> NPMSpec {
        var p = raw
        // file://host/path and file:///path name absolute paths.
        if p.hasPrefix("//") { p = String(p.drop { $0 == "/" }); p = "/" + (p.split(separator: "/", maxSplits: 1).dropFirst().first.map(String.init) ?? "") }
        let lower = p.lowercased()
        return lower.hasSuffix(".tgz") || lower.hasSuffix(".tar.gz") || lower.hasSuffix(".tar") ? .tarball(p) : .directory(p)
    }

    /// Hosted-git shortcuts and git URLs (hosted-git-info / npm-package-arg).
    static func isGit(_ spec: String) -> Bool {
        let lower = spec.lowercased()
        if ["github:", "gitlab:", "bitbucket:", "gist:", "git+", "git:", "git@"].contains(where: { lower.hasPrefix($0) }) { return true }
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            let hosts = ["github.com/", "gitlab.com/", "bitbucket.org/", "gist.github.com/"]
            let isArchive = [".tgz", ".tar.gz", ".tar"].contains { lower.hasSuffix($0) }
            return !isArchive && (hosts.contains { lower.contains("//" + $0) || lower.contains("@" + $0) } || lower.hasSuffix(".git"))
        }
        // user/repo shorthand (GitHub), optionally #committish.
        let body = spec.split(separator: "#", maxSplits: 1).first.map(String.init) ?? spec
        let parts = body.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty && !body.contains(":") && !body.hasPrefix("@")
            && parts.allSatisfy { $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) } }
    }
}

// MARK: - node-semver

/// node-semver 7.6 `satisfies(version, range, loose = true)`, the check arborist applies to
/// registry dependencies. Ported from classes/range.js, comparator.js and semver.js with the
/// same regular expressions (ASCII `[0-9]` for JavaScript's `\d`), after the same whitespace
/// normalisation, so odd inputs ("1.2", ">= 1 < 2", "~1", "1.2.3 - 2", "latest") behave alike.
enum NodeSemver {
    static let maxLength = 256
    static let maxSafeInteger = 9_007_199_254_740_991

    // re.js, loose variants where Range uses them.
    static let numericLoose = "[0-9]+"
    static let nonNumeric = "[0-9]*[a-zA-Z-][a-zA-Z0-9-]*"
    static let numeric = "0|[1-9][0-9]*"
    static let prereleaseIdentifier = "(?:\(numeric)|\(nonNumeric))"
    static let prereleaseIdentifierLoose = "(?:\(numericLoose)|\(nonNumeric))"
    static let prerelease = "(?:-(\(prereleaseIdentifier)(?:\\.\(prereleaseIdentifier))*))"
    static let prereleaseLoose = "(?:-?(\(prereleaseIdentifierLoose)(?:\\.\(prereleaseIdentifierLoose))*))"
    static let build = "(?:\\+([a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)*))"
    static let loosePlain = "[v=\\s]*(\(numericLoose))\\.(\(numericLoose))\\.(\(numericLoose))\(prereleaseLoose)?\(build)?"
    static let gtlt = "((?:<|>)?=?)"
    static let xrangeIdentifierLoose = "\(numericLoose)|x|X|\\*"
    static let xrangeIdentifier = "\(numeric)|x|X|\\*"
    static let xrangePlain = "[v=\\s]*(\(xrangeIdentifier))(?:\\.(\(xrangeIdentifier))(?:\\.(\(xrangeIdentifier))(?:\(prerelease))?\(build)?)?)?"
    static let xrangePlainLoose = "[v=\\s]*(\(xrangeIdentifierLoose))(?:\\.(\(xrangeIdentifierLoose))(?:\\.(\(xrangeIdentifierLoose))(?:\(prereleaseLoose))?\(build)?)?)?"

    static let looseVersion = regex("^\(loosePlain)$")
    static let xrangeLoose = regex("^\(gtlt)\\s*\(xrangePlainLoose)$")
    static let tildeTrim = regex("(\\s*)(?:~>?)\\s+")
    static let tildeLoose = regex("^(?:~>?)\(xrangePlainLoose)$")
    static let caretTrim = regex("(\\s*)(?:\\^)\\s+")
    static let caretLoose = regex("^(?:\\^)\(xrangePlainLoose)$")
    static let comparatorLoose = regex("^\(gtlt)\\s*(\(loosePlain))$|^$")
    static let comparatorTrim = regex("(\\s*)\(gtlt)\\s*(\(loosePlain)|\(xrangePlain))")
    static let hyphenRangeLoose = regex("^\\s*(\(xrangePlainLoose))\\s+-\\s+(\(xrangePlainLoose))\\s*$")
    static let star = regex("(<|>)?=?\\s*\\*")
    static let gte0 = regex("^\\s*>=\\s*0\\.0\\.0\\s*$")

    static func regex(_ pattern: String) -> NSRegularExpression? {
        // The patterns are constants above; a failure would be a bug caught by the tests, and
        // then every range is treated as invalid rather than trapping.
        try? NSRegularExpression(pattern: pattern)
    }

    // MARK: Versions

    struct Version {
        enum Identifier: Equatable { case number(Int), text(String) }
        var major: Int, minor: Int, patch: Int
        var prerelease: [Identifier]

        init?(_ raw: String) {
            guard raw.count <= NodeSemver.maxLength else { return nil }
            let text = NodeSemver.jsTrim(raw)
            guard let groups = NodeSemver.match(NodeSemver.looseVersion, text),
                  let major = NodeSemver.safeInt(groups[1]), let minor = NodeSemver.safeInt(groups[2]), let patch = NodeSemver.safeInt(groups[3])
            else { return nil }
            self.major = major; self.minor = minor; self.patch = patch
            prerelease = (groups[4] ?? "").isEmpty ? [] : (groups[4] ?? "").split(separator: ".", omittingEmptySubsequences: false).map { id in
                if id.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(id), n < NodeSemver.maxSafeInteger { return .number(n) }
                return .text(String(id))
            }
        }

        static func compare(_ a: Version, _ b: Version) -> Int {
            for (x, y) in [(a.major, b.major), (a.minor, b.minor), (a.patch, b.patch)] where x != y { return x < y ? -1 : 1 }
            if !a.prerelease.isEmpty && b.prerelease.isEmpty { return -1 }
            if a.prerelease.isEmpty && !b.prerelease.isEmpty { return 1 }
            var i = 0
            while true {
                let x = i < a.prerelease.count ? a.prerelease[i] : nil, y = i < b.prerelease.count ? b.prerelease[i] : nil
                switch (x, y) {
                case (nil, nil): return 0
                case (_, nil): return 1
                case (nil, _): return -1
                case let (x?, y?) where x == y: i += 1; continue
                case (.number(let m)?, .number(let n)?): return m < n ? -1 : 1
                case (.number?, .text?): return -1
                case (.text?, .number?): return 1
                case (.text(let s)?, .text(let t)?): return s.utf16.lexicographicallyPrecedes(t.utf16) ? -1 : 1
                }
            }
        }
    }

    /// `+text` for the version numbers the regexes captured, rejecting what SemVer rejects.
    static func safeInt(_ text: String?) -> Int? {
        guard let text, let n = Int(text), n <= maxSafeInteger else { return nil }
        return n
    }

    // MARK: Ranges

    struct Comparator {
        var op: String
        /// nil: ANY (matches everything).
        var version: Version?
        var value: String

        init?(_ raw: String) {
            let text = NodeSemver.jsSplitWhitespace(NodeSemver.jsTrim(raw)).joined(separator: " ")
            guard let groups = NodeSemver.match(NodeSemver.comparatorLoose, text) else { return nil }
            var op = groups[1] ?? ""
            if op == "=" { op = "" }
            self.op = op
            if let plain = groups[2], !plain.isEmpty {
                guard let version = Version(plain) else { return nil }
                self.version = version
                value = op + NodeSemver.format(version)
            } else {
                version = nil
                value = ""
            }
        }

        func test(_ v: Version) -> Bool {
            guard let version else { return true }
            let c = Version.compare(v, version)
            switch op {
            case ">": return c > 0
            case ">=": return c >= 0
            case "<": return c < 0
            case "<=": return c <= 0
            default: return c == 0
            }
        }
    }

    static func format(_ v: Version) -> String {
        var s = "\(v.major).\(v.minor).\(v.patch)"
        if !v.prerelease.isEmpty {
            s += "-" + v.prerelease.map { id -> String in
                switch id { case .number(let n): return String(n); case .text(let t): return t }
            }.joined(separator: ".")
        }
        return s
    }

    struct Range {
        var set: [[Comparator]]

        init?(_ raw: String) {
            let normalized = NodeSemver.jsSplitWhitespace(NodeSemver.jsTrim(raw)).joined(separator: " ")
            var set: [[Comparator]] = []
            for part in normalized.components(separatedBy: "||") {
                guard let comparators = NodeSemver.parseRange(NodeSemver.jsTrim(part)) else { return nil }
                if !comparators.isEmpty { set.append(comparators) }
            }
            guard let first = set.first else { return nil }
            if set.count > 1 {
                set = set.filter { $0[0].value != "<0.0.0-0" }
                if set.isEmpty {
                    set = [first]
                } else if set.count > 1, let any = set.first(where: { $0.count == 1 && $0[0].value.isEmpty }) {
                    set = [any]
                }
            }
            self.set = set
        }

        func test(_ raw: String) -> Bool {
            guard !raw.isEmpty, let version = Version(raw) else { return false }
            return set.contains { NodeSemver.testSet($0, version) }
        }
    }

    static func satisfies(_ version: String, _ range: String) -> Bool {
        Range(range)?.test(version) ?? false
    }

    static func testSet(_ set: [Comparator], _ version: Version) -> Bool {
        guard set.allSatisfy({ $0.test(version) }) else { return false }
        guard !version.prerelease.isEmpty else { return true }
        // A prerelease only matches a range that names a prerelease of the same major.minor.patch.
        return set.contains { c in
            guard let allowed = c.version, !allowed.prerelease.isEmpty else { return false }
            return allowed.major == version.major && allowed.minor == version.minor && allowed.patch == version.patch
        }
    }

    /// `Range.parseRange` in loose mode; nil where a Comparator would throw.
    static func parseRange(_ input: String) -> [Comparator]? {
        var range = replaceFirst(hyphenRangeLoose, in: input) { g in hyphenReplace(g) }
        range = replaceAll(comparatorTrim, in: range) { g in (g[1] ?? "") + (g[2] ?? "") + (g[3] ?? "") }
        range = replaceAll(tildeTrim, in: range) { g in (g[1] ?? "") + "~" }
        range = replaceAll(caretTrim, in: range) { g in (g[1] ?? "") + "^" }
        let list = range.components(separatedBy: " ").map(parseComparator).joined(separator: " ")
        let comps = jsSplitWhitespace(list)
            .map { replaceFirst(gte0, in: jsTrim($0)) { _ in "" } }
            .filter { match(comparatorLoose, $0) != nil }
        var values: [String] = []
        var byValue: [String: Comparator] = [:]
        for text in comps {
            guard let comparator = Comparator(text) else { return nil }
            if comparator.value == "<0.0.0-0" { return [comparator] }
            if byValue[comparator.value] == nil { values.append(comparator.value) }
            byValue[comparator.value] = comparator
        }
        if values.count > 1, byValue[""] != nil { values.removeAll { $0.isEmpty } }
        return values.compactMap { byValue[$0] }
    }

    static func parseComparator(_ comp: String) -> String {
        var c = jsSplitWhitespace(jsTrim(comp)).map(replaceCaret).joined(separator: " ")
        c = jsSplitWhitespace(jsTrim(c)).map(replaceTilde).joined(separator: " ")
        c = jsSplitWhitespace(c).map(replaceXRange).joined(separator: " ")
        return replaceFirst(star, in: jsTrim(c)) { _ in "" }
    }

    static func isX(_ id: String?) -> Bool {
        guard let id, !id.isEmpty else { return true }
        return id.lowercased() == "x" || id == "*"
    }

    /// JavaScript's `+text + 1` on a captured number, as text.
    static func plusOne(_ text: String?) -> String {
        guard let text, let n = Int(text), n < Int.max else { return "NaN" }
        return String(n + 1)
    }

    static func replaceTilde(_ comp: String) -> String {
        replaceFirst(tildeLoose, in: comp) { g in
            let (M, m, p, pr) = (g[1], g[2], g[3], g[4])
            if isX(M) { return "" }
            let major = M ?? ""
            if isX(m) { return ">=\(major).0.0 <\(plusOne(M)).0.0-0" }
            let minor = m ?? ""
            if isX(p) { return ">=\(major).\(minor).0 <\(major).\(plusOne(m)).0-0" }
            let patch = p ?? ""
            if let pr, !pr.isEmpty { return ">=\(major).\(minor).\(patch)-\(pr) <\(major).\(plusOne(m)).0-0" }
            return ">=\(major).\(minor).\(patch) <\(major).\(plusOne(m)).0-0"
        }
    }

    static func replaceCaret(_ comp: String) -> String {
        replaceFirst(caretLoose, in: comp) { g in
            let (M, m, p, pr) = (g[1], g[2], g[3], g[4])
            if isX(M) { return "" }
            let major = M ?? ""
            if isX(m) { return ">=\(major).0.0 <\(plusOne(M)).0.0-0" }
            let minor = m ?? ""
            if isX(p) {
                return major == "0" ? ">=\(major).\(minor).0 <\(major).\(plusOne(m)).0-0" : ">=\(major).\(minor).0 <\(plusOne(M)).0.0-0"
            }
            let patch = p ?? ""
            let low = ">=\(major).\(minor).\(patch)" + ((pr?.isEmpty ?? true) ? "" : "-\(pr ?? "")")
            if major == "0" {
                return minor == "0" ? "\(low) <\(major).\(minor).\(plusOne(p))-0" : "\(low) <\(major).\(plusOne(m)).0-0"
            }
            return "\(low) <\(plusOne(M)).0.0-0"
        }
    }

    static func replaceXRange(_ raw: String) -> String {
        let comp = jsTrim(raw)
        return replaceFirst(xrangeLoose, in: comp) { g in
            var gtlt = g[1] ?? ""
            let M = g[2], xM = isX(M)
            let xm = xM || isX(g[3])
            let xp = xm || isX(g[4])
            if gtlt == "=" && xp { gtlt = "" }
            var pr = ""
            if xM { return gtlt == ">" || gtlt == "<" ? "<0.0.0-0" : "*" }
            if !gtlt.isEmpty && xp {
                var major = M ?? "", minor = xm ? "0" : (g[3] ?? "")
                var patch = "0"
                if gtlt == ">" {
                    gtlt = ">="
                    if xm { major = plusOne(M); minor = "0"; patch = "0" } else { minor = plusOne(g[3]); patch = "0" }
                } else if gtlt == "<=" {
                    gtlt = "<"
                    if xm { major = plusOne(M) } else { minor = plusOne(g[3]) }
                }
                if gtlt == "<" { pr = "-0" }
                return "\(gtlt)\(major).\(minor).\(patch)\(pr)"
            }
            if xm { return ">=\(M ?? "").0.0 <\(plusOne(M)).0.0-0" }
            if xp { return ">=\(M ?? "").\(g[3] ?? "").0 <\(M ?? "").\(plusOne(g[3])).0-0" }
            return g[0] ?? comp
        }
    }

    static func hyphenReplace(_ g: [String?]) -> String {
        let (from, fM, fm, fp, fpr) = (g[1] ?? "", g[2], g[3], g[4], g[5])
        let (to, tM, tm, tp, tpr) = (g[7] ?? "", g[8], g[9], g[10], g[11])
        let low: String
        if isX(fM) { low = "" }
        else if isX(fm) { low = ">=\(fM ?? "").0.0" }
        else if isX(fp) { low = ">=\(fM ?? "").\(fm ?? "").0" }
        else if let fpr, !fpr.isEmpty { low = ">=\(from)" }
        else { low = ">=\(from)" }
        let high: String
        if isX(tM) { high = "" }
        else if isX(tm) { high = "<\(plusOne(tM)).0.0-0" }
        else if isX(tp) { high = "<\(tM ?? "").\(plusOne(tm)).0-0" }
        else if let tpr, !tpr.isEmpty { high = "<=\(tM ?? "").\(tm ?? "").\(tp ?? "")-\(tpr)" }
        else { high = "<=\(to)" }
        return jsTrim("\(low) \(high)")
    }

    // MARK: JavaScript string behaviour

    static func jsTrim(_ s: String) -> String {
        s.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `s.split(/\s+/)`: empty strings at the ends when `s` starts or ends with whitespace.
    static func jsSplitWhitespace(_ s: String) -> [String] {
        var parts: [String] = [], current = "", inSpace = false
        for ch in s {
            if ch.isWhitespace {
                if !inSpace { parts.append(current); current = ""; inSpace = true }
            } else {
                inSpace = false
                current.append(ch)
            }
        }
        parts.append(current)
        return parts
    }

    /// Capture groups of a whole-string (anchored) or first match; index 0 is the match.
    static func match(_ regex: NSRegularExpression?, _ s: String) -> [String?]? {
        guard let regex else { return nil }
        let ns = s as NSString
        guard let m = regex.firstMatch(in: s, range: NSRange(location: 0, length: ns.length)) else { return nil }
        return (0..<m.numberOfRanges).map { i in
            let r = m.range(at: i)
            return r.location == NSNotFound ? nil : ns.substring(with: r)
        }
    }

    /// `s.replace(regex, fn)` for a non-global regex: the first match only.
    static func replaceFirst(_ regex: NSRegularExpression?, in s: String, _ replacement: ([String?]) -> String) -> String {
        guard let regex else { return s }
        let ns = s as NSString
        guard let m = regex.firstMatch(in: s, range: NSRange(location: 0, length: ns.length)) else { return s }
        let groups = (0..<m.numberOfRanges).map { i -> String? in
            let r = m.range(at: i)
            return r.location == NSNotFound ? nil : ns.substring(with: r)
        }
        return ns.replacingCharacters(in: m.range, with: replacement(groups))
    }

    /// `s.replace(regex, fn)` for a global regex.
    static func replaceAll(_ regex: NSRegularExpression?, in s: String, _ replacement: ([String?]) -> String) -> String {
        guard let regex else { return s }
        let ns = s as NSString
        var out = "", last = 0
        for m in regex.matches(in: s, range: NSRange(location: 0, length: ns.length)) {
            out += ns.substring(with: NSRange(location: last, length: m.range.location - last))
            out += replacement((0..<m.numberOfRanges).map { i in
                let r = m.range(at: i)
                return r.location == NSNotFound ? nil : ns.substring(with: r)
            })
            last = m.range.location + m.range.length
        }
        return out + ns.substring(from: last)
    }
}
