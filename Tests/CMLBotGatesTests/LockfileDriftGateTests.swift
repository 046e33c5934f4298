import CMLBotCore
import CMLBotEvidence
import Foundation
import Testing
import TestSupport
@testable import CMLBotGates

@Suite struct LockfileDriftGateTests {
    /// Files of the checked state; `changed` are in scope as modified (or `added`), `unchanged`
    /// in scope as unchanged (pre-commit passing them, or `--all`); the rest only exist.
    static func input(_ files: [String: String], changed: [String] = [], added: [String] = [], unchanged: [String] = [],
                      scope: CheckInput.Scope = .staged) -> CheckInput {
        var candidates: [CandidateFile] = []
        for path in changed { candidates.append(CandidateFile(path: path, size: Int64(files[path]?.utf8.count ?? 0), change: .modified)) }
        for path in added { candidates.append(CandidateFile(path: path, size: Int64(files[path]?.utf8.count ?? 0), change: .added)) }
        for path in unchanged { candidates.append(CandidateFile(path: path, size: Int64(files[path]?.utf8.count ?? 0), change: .unchanged)) }
        candidates.sort { RepoPath.precedes($0.path, $1.path) }
        return CheckInput(scope: scope, files: candidates, tree: InMemoryFileTree(files), allPaths: Set(files.keys))
    }

    /// Every file in scope, unchanged, as `cmlbot check --all` builds it.
    static func all(_ files: [String: String]) -> CheckInput {
        input(files, unchanged: Array(files.keys), scope: .all(revision: "HEAD"))
    }

    func gate(_ values: [(String, Value)] = []) throws -> LockfileDriftGate {
        try LockfileDriftGate(settings: GateSettings(gate: "lockfile_drift", values: OrderedObject(values)))
    }

    // MARK: Co-change

    @Test func manifestChangedWithoutItsLockfileWarns() throws {
        let files = ["package.json": #"{"dependencies": {"a": "^1"}}"#, "yarn.lock": "# yarn\n",
                     "go.mod": "module x\n", "go.sum": "", "Cargo.toml": "[package]\nname = \"x\"\n", "Cargo.lock": ""]
        let found = try gate().check(Self.input(files, changed: ["package.json", "go.mod", "Cargo.toml", "Cargo.lock"]))
        #expect(found.map(\.message) == ["go.mod changed but go.sum did not", "package.json changed but yarn.lock did not"])
        #expect(found.map(\.severity) == [.warning, .warning])
        #expect(found.last?.hint == "if its dependencies changed, run `yarn install` and commit yarn.lock; otherwise ignore this warning")
        // Both changed, or --all (no notion of change): nothing to say.
        #expect(try gate().check(Self.input(files, changed: ["package.json", "yarn.lock"])).isEmpty)
        #expect(try gate().check(Self.all(files)).isEmpty)
        // An explicit severity applies to every finding of the gate.
        #expect(try gate([("severity", .string("error"))]).check(Self.input(files, changed: ["go.mod"])).map(\.severity) == [.error])
    }

    @Test func pairsArePerDirectory() throws {
        let files = ["services/a/Pipfile": "[packages]\n", "services/a/Pipfile.lock": "{}",
                     "services/b/Pipfile": "[packages]\n", "Pipfile.lock": "{}",
                     "requirements/dev.in": "pytest\n", "requirements/dev.txt": "pytest==8\n",
                     "requirements-docs.in": "sphinx\n", "requirements-docs.txt": "sphinx==7\n",
                     "environment.yml": "name: x\n", "conda-lock.yml": "version: 1\n",
                     "ios/Package.swift": "// swift-tools-version:5.9\n", "ios/Package.resolved": "{}"]
        let found = try gate().check(Self.input(files, changed: ["services/a/Pipfile", "services/b/Pipfile", "requirements/dev.in",
                                                                 "requirements-docs.in", "environment.yml", "ios/Package.swift"]))
        #expect(found.map(\.path) == ["environment.yml", "ios/Package.swift", "requirements-docs.in", "requirements/dev.in", "services/a/Pipfile", "services/b/Pipfile"])
        #expect(found.first { $0.path == "services/b/Pipfile" }?.severity == .error)
        #expect(found.first { $0.path == "services/b/Pipfile" }?.message.hasPrefix("services/b/Pipfile has no lockfile (Pipfile.lock): pipenv resolves it") == true)
        #expect(found.first { $0.path == "services/a/Pipfile" }?.message == "services/a/Pipfile changed but services/a/Pipfile.lock did not")
        #expect(found.first { $0.path == "requirements/dev.in" }?.hint.contains("`pip-compile requirements/dev.in`") == true)
    }

    @Test func aLockfileInScopeBringsItsManifest() throws {
        let files = ["pyproject.toml": "[project]\nname = \"x\"\nversion = \"1\"\n", "poetry.lock": "[metadata]\ncontent-hash = \"nope\"\n"]
        let found = try gate().check(Self.input(files, changed: ["poetry.lock"]))
        #expect(found.map(\.path) == ["poetry.lock"])
        #expect(try gate().check(Self.input(files, changed: ["README.md"])).isEmpty)
    }

    // MARK: Missing lockfiles

    @Test func missingLockfilesOnlyWhereTheProjectNeedsOne() throws {
        let files: [String: String] = [
            "Pipfile": "[packages]\nrequests = \"*\"\n",
            "requirements.in": "requests\n",
            "tools/go.mod": "module example.com/tools\n\ngo 1.22\n\nrequire (\n\tgolang.org/x/tools v0.20.0 // indirect\n)\n",
            "nodeps/go.mod": "module example.com/nodeps\n\ngo 1.22\n// require x v1\n",
            "lib/pyproject.toml": "[project]\nname = \"lib\"\nversion = \"1\"\ndependencies = [\"numpy\"]\n",
            "app/pyproject.toml": "[project]\nname = \"app\"\nversion = \"1\"\n[tool.poetry]\npackage-mode = false\n",
            "uvapp/pyproject.toml": "[project]\nname = \"uvapp\"\nversion = \"1\"\n[tool.uv]\npackage = false\n",
            "web/package.json": #"{"private": true, "dependencies": {"react": "^18"}}"#,
            "pkg/package.json": #"{"name": "pkg", "dependencies": {"left-pad": "^1"}}"#,
            "empty/package.json": #"{"private": true}"#,
            "cli/Cargo.toml": "[package]\nname = \"cli\"\n", "cli/src/main.rs": "fn main() {}\n",
            "crate/Cargo.toml": "[package]\nname = \"crate\"\n", "crate/src/lib.rs": "",
            "environment.yml": "name: x\n", "Package.swift": "// swift-tools-version:5.9\n",
        ]
        let found = try gate().check(Self.input(files, added: Array(files.keys)))
        #expect(found.map(\.path) == ["Pipfile", "app/pyproject.toml", "cli/Cargo.toml", "requirements.in", "tools/go.mod", "uvapp/pyproject.toml", "web/package.json"])
        #expect(found.allSatisfy { $0.severity == .error })
        #expect(found.first { $0.path == "uvapp/pyproject.toml" }?.hint.hasPrefix("run `uv lock` (in uvapp) and commit uv.lock") == true)
        #expect(found.first { $0.path == "tools/go.mod" }?.message == "tools/go.mod has no lockfile (go.sum): it requires modules, and Go refuses to build without their go.sum entries")
        #expect(try gate([("require_lockfile", .bool(false))]).check(Self.input(files, added: Array(files.keys))).isEmpty)
        #expect(GoMod.hasRequirements(Data("require example.com/x v1.0.0\n".utf8)))
        #expect(!GoMod.hasRequirements(Data("require ()\n".utf8)))
    }

    @Test func workspaceMembersUseTheRootLockfile() throws {
        let lock = #"{"lockfileVersion": 3, "packages": {"": {"workspaces": ["packages/*"]}, "packages/app": {"name": "app", "dependencies": {"left-pad": "^1.0.0"}}, "node_modules/app": {"resolved": "packages/app", "link": true}, "node_modules/left-pad": {"version": "1.3.0", "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz"}}}"#
        var files = ["package.json": #"{"private": true, "workspaces": ["packages/*"]}"#, "package-lock.json": lock,
                     "packages/app/package.json": #"{"name": "app", "private": true, "dependencies": {"left-pad": "^1.0.0"}}"#]
        #expect(try gate().check(Self.input(files, changed: ["packages/app/package.json"])).isEmpty)
        files["packages/app/package.json"] = #"{"name": "app", "private": true, "dependencies": {"left-pad": "^2.0.0"}}"#
        let found = try gate().check(Self.input(files, changed: ["packages/app/package.json"]))
        #expect(found.map(\.message) == ["package-lock.json does not match packages/app/package.json (npm ci fails): left-pad@^2.0.0 is not satisfied by the locked left-pad@1.3.0"])
        files["packages/new/package.json"] = #"{"name": "new", "private": true}"#
        #expect(try gate().check(Self.input(files, added: ["packages/new/package.json"])).map(\.message)
            == ["package-lock.json does not match packages/new/package.json (npm ci fails): packages/new is not in the lockfile (a new workspace?)"])
        // Without a workspace declaration the root lockfile is not this package's.
        let loose = ["package-lock.json": lock, "examples/demo/package.json": #"{"private": true, "dependencies": {"x": "1"}}"#]
        #expect(try gate().check(Self.input(loose, added: ["examples/demo/package.json"])).map(\.path) == ["examples/demo/package.json"])
    }

    // MARK: Poetry

    /// pyproject.toml and the content-hash Poetry 2.5.1 wrote for it (`poetry lock`, recorded once).
    static let poetryProject = """
    [project]
    name = "demo"
    version = "0.1.0"
    requires-python = ">=3.9"
    dependencies = []

    [tool.poetry]
    package-mode = false

    """
    static let poetryHash = "ff9c4d90a413e5b513f92a443c2607225973bebea8f831996abbafecd3ad8446"

    static func poetryLock(_ hash: String, generator: String = "2.5.1") -> String {
        "# This file is automatically @generated by Poetry \(generator) and should not be changed by hand.\npackage = []\n\n[metadata]\nlock-version = \"2.1\"\npython-versions = \">=3.9\"\ncontent-hash = \"\(hash)\"\n"
    }

    @Test func poetryContentHashMatchesPoetry() throws {
        let pyproject = try TOMLParserBridge.parse(Self.poetryProject)
        #expect(PoetryContentHash.hash(pyproject, withDependencyGroups: true) == Self.poetryHash)
        let files = ["pyproject.toml": Self.poetryProject + "\n[tool.ruff]\nline-length = 100\n", "poetry.lock": Self.poetryLock(Self.poetryHash)]
        // A pyproject edit outside the dependencies needs no new lock, even without co-change.
        #expect(try gate().check(Self.input(files, changed: ["pyproject.toml"])).isEmpty)
        var stale = files
        stale["pyproject.toml"] = Self.poetryProject.replacingOccurrences(of: "dependencies = []", with: "dependencies = [\"requests>=2\"]")
        let found = try gate().check(Self.all(stale))
        #expect(found.map(\.message) == ["poetry.lock is out of date: pyproject.toml changed its dependencies since the lock was made (content-hash mismatch; poetry check --lock fails)"])
        #expect(found.first?.hint == "run `poetry lock` and commit poetry.lock")
        #expect(found.first?.severity == .error)
        let noHash = ["pyproject.toml": Self.poetryProject, "poetry.lock": "[metadata]\nlock-version = \"2.1\"\n"]
        #expect(try gate().check(Self.all(noHash)).first?.message.contains("has no metadata.content-hash") == true)
    }

    @Test func poetryLegacyLayoutAndOldLocks() throws {
        // Without [project] content the legacy [tool.poetry] keys are hashed at the top level, absent ones as null.
        let legacy = try TOMLParserBridge.parse("[tool.poetry]\nname = \"x\"\n[tool.poetry.dependencies]\npython = \"^3.9\"\n")
        let expected = Digest.hex(.sha256, Data(#"{"dependencies": {"python": "^3.9"}, "dev-dependencies": null, "extras": null, "source": null}"#.utf8))
        #expect(PoetryContentHash.hash(legacy, withDependencyGroups: true) == expected)
        // Locks written before Poetry 2.3 may carry the hash without [dependency-groups].
        let grouped = Self.poetryProject + "\n[dependency-groups]\ndev = [\"pytest\"]\n"
        let old = PoetryContentHash.hash(try TOMLParserBridge.parse(grouped), withDependencyGroups: false)
        #expect(old == Self.poetryHash)
        #expect(try gate().check(Self.all(["pyproject.toml": grouped, "poetry.lock": Self.poetryLock(old, generator: "2.2.1")])).isEmpty)
        #expect(try gate().check(Self.all(["pyproject.toml": grouped, "poetry.lock": Self.poetryLock(old)])).count == 1)
        #expect(PoetryContentHash.isBefore2_3("2.2.1") && PoetryContentHash.isBefore2_3("1.8.5") && PoetryContentHash.isBefore2_3("2.3.0b1"))
        #expect(!PoetryContentHash.isBefore2_3("2.3.0") && !PoetryContentHash.isBefore2_3("2.3.0.post1") && !PoetryContentHash.isBefore2_3("nonsense"))
    }

    @Test func unparseableFilesWarn() throws {
        let found = try gate().check(Self.all(["pyproject.toml": "[project\n", "poetry.lock": Self.poetryLock("x"),
                                              "package.json": "{", "package-lock.json": "{}"]))
        #expect(found.map(\.path) == ["package.json", "pyproject.toml"])
        #expect(found.allSatisfy { $0.severity == .warning && $0.message.contains("is not valid") })
    }

    // MARK: npm

    static func npmLock(root: String, nodes: String = "") -> String {
        #"{"name": "app", "lockfileVersion": 3, "requires": true, "packages": {"": \#(root)\#(nodes.isEmpty ? "" : ", " + nodes)}}"#
    }

    static let leftPad = #""node_modules/left-pad": {"version": "1.3.0", "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz", "integrity": "sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQEAJBHmVjHgKR9u3nnDD7kz6+qpq8cXJvsbmxvY5DnoHKA=="}"#

    @Test func npmLockfilesAreJudgedAsNpmCiJudgesThem() throws {
        let lock = Self.npmLock(root: #"{"name": "app", "dependencies": {"left-pad": "^1.3.0"}}"#, nodes: Self.leftPad)
        func verdict(_ manifest: String) throws -> [String] {
            try gate().check(Self.input(["package.json": manifest, "package-lock.json": lock], changed: ["package.json"])).map(\.message)
        }
        #expect(try verdict(#"{"name": "app", "dependencies": {"left-pad": "^1.3.0"}}"#).isEmpty)
        // npm ci accepts a changed spec the locked version still satisfies, and a dropped dependency.
        #expect(try verdict(#"{"name": "app", "devDependencies": {"left-pad": "~1.3"}}"#).isEmpty)
        #expect(try verdict(#"{"name": "app", "scripts": {"test": "x"}}"#).isEmpty)
        #expect(try verdict(#"{"dependencies": {"left-pad": "latest"}}"#).isEmpty)
        #expect(try verdict(#"{"dependencies": {"left-pad": "npm:left-pad@^1"}}"#).isEmpty)
        #expect(try verdict(#"{"peerDependencies": {"right-pad": "1"}, "peerDependenciesMeta": {"right-pad": {"optional": true}}}"#).isEmpty)
        #expect(try verdict(#"{"dependencies": {"left-pad": "^2.0.0"}}"#)
            == ["package-lock.json does not match package.json (npm ci fails): left-pad@^2.0.0 is not satisfied by the locked left-pad@1.3.0"])
        #expect(try verdict(#"{"dependencies": {"left-pad": "^1.3.0", "right-pad": "^1"}, "peerDependencies": {"up-pad": "1"}}"#)
            == ["package-lock.json does not match package.json (npm ci fails): up-pad@1 is not in the lockfile; right-pad@^1 is not in the lockfile"])
        #expect(try verdict(#"{"dependencies": {"left-pad": "file:../left-pad"}}"#).count == 1)
        #expect(try verdict(#"{"dependencies": {"left-pad": 1}}"#).first?.hasSuffix("left-pad has a spec that is not a string") == true)
        // A lockfileVersion 1 file records no packages[""]: co-change decides.
        let v1 = ["package.json": #"{"dependencies": {"a": "1"}}"#, "package-lock.json": #"{"lockfileVersion": 1, "dependencies": {}}"#]
        #expect(try gate().check(Self.input(v1, changed: ["package.json"])).map(\.severity) == [.warning])
        #expect(try gate().check(Self.all(v1)).isEmpty)
    }

    @Test func npmFileDependencies() throws {
        let lock = Self.npmLock(root: #"{"dependencies": {"lib": "file:lib"}}"#,
                                nodes: #""lib": {"version": "1.2.0"}, "node_modules/lib": {"resolved": "lib", "link": true}, "node_modules/tar": {"version": "1.0.0", "resolved": "file:vendor/tar-1.0.0.tgz"}"#)
        func verdict(_ deps: String) throws -> Bool {
            try gate().check(Self.all(["package.json": #"{"dependencies": \#(deps)}"#, "package-lock.json": lock])).isEmpty
        }
        #expect(try verdict(#"{"lib": "file:lib"}"#))
        #expect(try verdict(#"{"lib": "file:./lib/"}"#))
        #expect(try verdict(#"{"lib": "./lib"}"#))
        #expect(try verdict(#"{"lib": "^1.0.0"}"#))
        #expect(try !verdict(#"{"lib": "file:other"}"#))
        #expect(try !verdict(#"{"lib": "^2.0.0"}"#))
        #expect(try verdict(#"{"tar": "file:vendor/tar-1.0.0.tgz"}"#))
        #expect(try !verdict(#"{"tar": "file:vendor/tar-2.0.0.tgz"}"#))
        #expect(NPMSpec.classify("github:u/r") == .git && NPMSpec.classify("u/r#v1") == .git && NPMSpec.classify("git+https://x/y.git") == .git)
        #expect(NPMSpec.classify("https://example.com/x.tgz") == .remote("https://example.com/x.tgz"))
        #expect(NPMSpec.classify("x.tgz") == .tarball("x.tgz") && NPMSpec.classify("a/b/c") == .directory("a/b/c"))
        #expect(NPMSpec.classify("npm:@scope/x@^2") == .alias(range: "^2") && NPMSpec.classify(">= 1 < 2") == .registry)
    }

    /// node-semver `satisfies(version, range, true)` answers, checked against node-semver 7.6.2 (npm 10.8.2).
    static let semverCases: [(String, String, Bool)] = [
        ("1.2.3", "^1.2.3", true), ("1.3.0", "^1.2.3", true), ("2.0.0", "^1.2.3", false), ("1.2.2", "^1.2.3", false),
        ("0.2.5", "^0.2.3", true), ("0.3.0", "^0.2.3", false), ("0.0.3", "^0.0.3", true), ("0.0.4", "^0.0.3", false),
        ("1.2.9", "~1.2.3", true), ("1.3.0", "~1.2.3", false), ("1.9.0", "~1", true), ("2.0.0", "~1", false),
        ("1.2.3", "1.2.3", true), ("1.2.4", "1.2.3", false), ("1.2.3", "=1.2.3", true), ("1.2.3", "v1.2.3", true),
        ("1.5.0", "1.x", true), ("2.0.0", "1.x", false), ("1.2.7", "1.2", true), ("1.3.0", "1.2", false),
        ("3.0.0", "*", true), ("3.0.0", "", true), ("0.0.1", "x", true),
        ("1.5.0", ">=1.2.3 <2", true), ("2.0.0", ">=1.2.3 <2", false), ("1.5.0", ">= 1.2.3 < 2", true),
        ("1.5.0", "1.2.3 - 2.3.4", true), ("2.3.4", "1.2.3 - 2.3.4", true), ("2.3.5", "1.2.3 - 2.3.4", false),
        ("2.9.9", "1.2 - 2", true), ("3.0.0", "1.2 - 2", false), ("1.1.9", "1.2 - 2", false),
        ("1.0.0", "^1 || ^3", true), ("2.0.0", "^1 || ^3", false), ("3.1.0", "^1 || ^3", true),
        ("1.3.0-beta.1", "^1.2.3", false), ("1.2.4-beta.1", "^1.2.4-alpha", true), ("1.2.4-alpha.10", "^1.2.4-alpha.9", true),
        ("1.2.4-alpha.10", ">1.2.4-alpha.9a", false), ("1.2.3-rc.1", "1.2.3-rc.1", true), ("1.2.3", "<1.2.3", false),
        ("1.1.9", "<1.2", true), ("1.2.2", "<1.2", false), ("1.2.0", "<=1.2", true), ("1.3.0", "<=1.2", false), ("1.3.0", ">1.2", true), ("1.2.9", ">1.2", false),
        ("2.0.0", ">1", true), ("1.9.9", ">1", false), ("0.0.0", "<0", false), ("1.0.0", "~> 1.0", true), ("1.0.0", "^ 1.0", true),
        ("1.2.3", "latest", false), ("1.2.3", "1.2.3 foo", true), ("01.2.3", "1.2.3", true), ("1.2.3", ">=01.2.3", true),
        ("1.2.3+build", "1.2.3", true), ("1.2.3", ">=1.2.3+build", true), ("not-a-version", "*", false), ("1.2", "1.2", false),
        ("1.2.3", "1.2.3 || invalid", true), ("2.0.0", ">=1.0.0 <1.0.0 || 2", true), ("1.2.3", "<0.0.0-0", false),
    ]

    @Test func nodeSemverRanges() {
        for (version, range, expected) in Self.semverCases {
            #expect(NodeSemver.satisfies(version, range) == expected, "\(version) in \(range)")
        }
        #expect(NodeSemver.Range("latest") == nil && NodeSemver.Range("^1.2") != nil && NodeSemver.Range("") != nil)
    }

    @Test func settingsAndRegistry() throws {
        #expect(throws: ConfigError(path: ".cmlbot.yml", detail: "gates.lockfile_drift: unknown key 'ignores'; did you mean 'ignore'?")) { try gate([("ignores", .array([]))]) }
        #expect(throws: ConfigError(path: ".cmlbot.yml", detail: "gates.lockfile_drift: require_lockfile must be true or false")) { try gate([("require_lockfile", .string("yes"))]) }
        let files = ["examples/a/Pipfile": "", "Pipfile": ""]
        #expect(try gate([("ignore", .array([.string("examples/*")]))]).check(Self.input(files, added: Array(files.keys))).map(\.path) == ["Pipfile"])
        #expect(try gate([("exclude", .array([.string("*Pipfile")]))]).check(Self.input(files, added: Array(files.keys))).isEmpty)
        #expect(GateRegistry.hygieneGate(id: "lockfile_drift") != nil)
    }

    // MARK: Parity with node-semver, npm ci and poetry check --lock

    static func tool(_ variable: String, _ name: String) throws -> String? {
        if let path = ProcessInfo.processInfo.environment[variable], !path.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: path) else { throw ReferenceTools.Missing(tool: "\(name) (\(variable)=\(path) is not executable)") }
            return path
        }
        if ReferenceTools.required { throw ReferenceTools.Missing(tool: "\(name) (\(variable); eval \"$(scripts/test-tools.sh --env)\")") }
        return nil
    }

    /// npm is not on PyPI, so it is not a pinned tool: `CMLBOT_NPM`, else npm on PATH; skipped without.
    static func npm() -> String? {
        if let path = ProcessInfo.processInfo.environment["CMLBOT_NPM"], !path.isEmpty { return path }
        return ReferenceTools.which("npm")
    }

    @Test func semverAnswersMatchNodeSemver() throws {
        guard let npm = Self.npm(), let node = ReferenceTools.which("node") else { return }
        let root = try Shell.run(npm, ["root", "-g"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let module = root + "/npm/node_modules/semver"
        guard FileManager.default.fileExists(atPath: module) else { return }
        let pairs = Self.semverCases.map { [$0.0, $0.1] }
        let script = "const s = require(process.argv[1]); const cases = JSON.parse(require('fs').readFileSync(0, 'utf8')); console.log(JSON.stringify(cases.map(([v, r]) => s.satisfies(v, r, true))))"
        let result = try Shell.run(node, ["-e", script, module], stdin: try JSONSerialization.data(withJSONObject: pairs))
        let answers = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [Bool], "\(result.stderr)")
        for (i, (version, range, _)) in Self.semverCases.enumerated() {
            #expect(NodeSemver.satisfies(version, range) == answers[i], "\(version) in \(range): node-semver says \(answers[i])")
        }
    }

    /// package.json variants against one lockfile, judged by `npm ci --offline --dry-run`: with
    /// --dry-run npm validates the lockfile without fetching tarballs, and --offline makes every
    /// resolution it would need fail, so its exit status is the lockfile verdict.
    @Test func verdictsMatchNpmCi() throws {
        guard let npm = Self.npm() else { return }
        let registryLock = Self.npmLock(root: #"{"name": "app", "version": "1.0.0", "dependencies": {"left-pad": "^1.3.0"}}"#, nodes: Self.leftPad)
        let registryCases: [(String, String)] = [
            ("in-sync", #"{"dependencies": {"left-pad": "^1.3.0"}}"#),
            ("still-satisfied", #"{"dependencies": {"left-pad": ">=1.0.0 <2"}}"#),
            ("moved-to-dev", #"{"devDependencies": {"left-pad": "1.3.x"}}"#),
            ("removed", #"{}"#),
            ("tag", #"{"dependencies": {"left-pad": "latest"}}"#),
            ("alias", #"{"dependencies": {"left-pad": "npm:left-pad@^1.0.0"}}"#),
            ("hyphen", #"{"dependencies": {"left-pad": "1.0.0 - 1.3.0"}}"#),
            ("not-satisfied", #"{"dependencies": {"left-pad": "^2.0.0"}}"#),
            ("exact-other", #"{"dependencies": {"left-pad": "1.2.0"}}"#),
            ("added", #"{"dependencies": {"left-pad": "^1.3.0", "right-pad": "^1.0.0"}}"#),
            ("peer-missing", #"{"peerDependencies": {"right-pad": "^1.0.0"}}"#),
            ("peer-optional-missing", #"{"peerDependencies": {"right-pad": "^1.0.0"}, "peerDependenciesMeta": {"right-pad": {"optional": true}}}"#),
            ("peer-satisfied", #"{"peerDependencies": {"left-pad": "1"}}"#),
            ("file-instead", #"{"dependencies": {"left-pad": "file:left-pad"}}"#),
            // Not here: a missing optionalDependency. Offline npm skips it when its fetch fails;
            // online npm ci finds it missing from the lock and fails, as this gate does.
        ]
        let linkLock = Self.npmLock(root: #"{"name": "app", "version": "1.0.0", "dependencies": {"lib": "file:lib"}}"#,
                                    nodes: #""lib": {"version": "1.2.0"}, "node_modules/lib": {"resolved": "lib", "link": true}"#)
        let linkCases: [(String, String)] = [
            ("link-in-sync", #"{"dependencies": {"lib": "file:lib"}}"#),
            ("link-spelled-differently", #"{"dependencies": {"lib": "file:./lib/"}}"#),
            ("link-range", #"{"dependencies": {"lib": "^1.0.0"}}"#),
            ("link-range-unsatisfied", #"{"dependencies": {"lib": "^2.0.0"}}"#),
            ("link-other-folder", #"{"dependencies": {"lib": "file:other"}}"#),
            ("link-added", #"{"dependencies": {"lib": "file:lib", "other": "file:other"}}"#),
        ]
        let dir = try TemporaryDirectory("cmlbot-npm")
        let env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": dir.path,
                   "npm_config_cache": dir.file("cache"), "npm_config_update_notifier": "false"]
        var mismatches: [String] = []
        for (lock, cases) in [(registryLock, registryCases), (linkLock, linkCases)] {
            for (name, dependencies) in cases {
                let project = dir.file(name)
                try FileManager.default.createDirectory(atPath: project + "/lib", withIntermediateDirectories: true)
                try FileManager.default.createDirectory(atPath: project + "/other", withIntermediateDirectories: true)
                try Data(#"{"name": "lib", "version": "1.2.0"}"#.utf8).write(to: URL(fileURLWithPath: project + "/lib/package.json"))
                try Data(#"{"name": "other", "version": "2.0.0"}"#.utf8).write(to: URL(fileURLWithPath: project + "/other/package.json"))
                var manifest = dependencies
                manifest.removeFirst()
                manifest = #"{"name": "app", "version": "1.0.0""# + (manifest == "}" ? "}" : ", " + manifest)
                try Data(manifest.utf8).write(to: URL(fileURLWithPath: project + "/package.json"))
                try Data(lock.utf8).write(to: URL(fileURLWithPath: project + "/package-lock.json"))
                let theirs = try Shell.run(npm, ["ci", "--offline", "--dry-run", "--ignore-scripts", "--no-audit", "--no-fund"], in: project, environment: env)
                let ours = try gate().check(Self.all(["package.json": manifest, "package-lock.json": lock]))
                if (theirs.status != 0) != !ours.isEmpty {
                    mismatches.append("\(name): npm ci exit \(theirs.status) \(theirs.stderr.split(separator: "\n").prefix(2).joined(separator: " ")), cmlbot \(ours.map(\.message))")
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
    }

    /// A workspace monorepo whose lockfile the real `npm install --package-lock-only --offline`
    /// writes (workspace links and a `file:` dependency need no registry), then edited.
    @Test func workspaceVerdictsMatchNpmCi() throws {
        guard let npm = Self.npm() else { return }
        let dir = try TemporaryDirectory("cmlbot-npm-ws")
        let env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": dir.path,
                   "npm_config_cache": dir.file("cache"), "npm_config_update_notifier": "false"]
        let base: [String: String] = [
            "package.json": #"{"name": "root", "private": true, "workspaces": ["packages/*"]}"#,
            "lib/package.json": #"{"name": "lib", "version": "1.2.0"}"#,
            "other/package.json": #"{"name": "other", "version": "2.0.0"}"#,
            "packages/util/package.json": #"{"name": "util", "version": "0.3.0"}"#,
            "packages/app/package.json": #"{"name": "app", "version": "1.0.0", "dependencies": {"util": "^0.3.0", "lib": "file:../../lib"}}"#,
        ]
        func write(_ files: [String: String], to root: String) throws {
            for (path, text) in files {
                let url = URL(fileURLWithPath: root + "/" + path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(text.utf8).write(to: url)
            }
        }
        try write(base, to: dir.file("base"))
        let locked = try Shell.run(npm, ["install", "--package-lock-only", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], in: dir.file("base"), environment: env)
        try #require(locked.status == 0, "\(locked.stderr)")
        let lock = try String(contentsOfFile: dir.file("base/package-lock.json"), encoding: .utf8)
        let app = "packages/app/package.json"
        let variants: [(String, [String: String])] = [
            ("in-sync", [:]),
            ("sibling-range-unsatisfied", [app: #"{"name": "app", "dependencies": {"util": "^0.4.0", "lib": "file:../../lib"}}"#]),
            ("sibling-star", [app: #"{"name": "app", "dependencies": {"util": "*", "lib": "file:../../lib"}}"#]),
            ("file-dependency-moved", [app: #"{"name": "app", "dependencies": {"util": "^0.3.0", "lib": "file:../../other"}}"#]),
            ("new-workspace", ["packages/new/package.json": #"{"name": "new", "version": "1.0.0"}"#]),
            ("root-scripts", ["package.json": #"{"name": "root", "private": true, "workspaces": ["packages/*"], "scripts": {"t": "x"}}"#]),
        ]
        var mismatches: [String] = []
        for (name, edits) in variants {
            var files = base.merging(edits) { $1 }
            files["package-lock.json"] = lock
            try write(files, to: dir.file(name))
            let theirs = try Shell.run(npm, ["ci", "--offline", "--dry-run", "--ignore-scripts", "--no-audit", "--no-fund"], in: dir.file(name), environment: env)
            let ours = try gate().check(Self.all(files))
            if (theirs.status != 0) != !ours.isEmpty {
                mismatches.append("\(name): npm ci exit \(theirs.status) \(theirs.stderr.split(separator: "\n").prefix(2).joined(separator: " ")), cmlbot \(ours.map(\.message))")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
    }

    /// Projects locked by the real `poetry lock` (offline: no dependencies, or a path dependency),
    /// then edited, judged by `poetry check --lock`.
    @Test func verdictsMatchPoetryCheckLock() throws {
        guard let poetry = try Self.tool("CMLBOT_POETRY", "poetry") else { return }
        let dir = try TemporaryDirectory("cmlbot-poetry")
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": dir.path,
                   "POETRY_CACHE_DIR": dir.file("cache"), "POETRY_CONFIG_DIR": dir.file("config"),
                   "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring", "NO_COLOR": "1"]
        env["POETRY_VIRTUALENVS_CREATE"] = "false"
        let lib = """
        [project]
        name = "lib"
        version = "0.2.0"
        requires-python = ">=3.9"

        [build-system]
        requires = ["poetry-core>=2.0"]
        build-backend = "poetry.core.masonry.api"

        """
        let bases: [(String, String)] = [
            ("pep621", Self.poetryProject),
            ("legacy", "[tool.poetry]\nname = \"legacy\"\nversion = \"0.1.0\"\ndescription = \"\"\nauthors = [\"A <a@example.com>\"]\npackage-mode = false\n\n[tool.poetry.dependencies]\npython = \"^3.9\"\n"),
            ("path-dep", "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.9\"\ndependencies = [\"lib\"]\n\n[tool.poetry]\npackage-mode = false\n\n[tool.poetry.dependencies]\nlib = {path = \"lib\", develop = true}\n\n[dependency-groups]\ndev = []\n"),
            ("groups", Self.poetryProject + "\n[dependency-groups]\ntest = [\"lib\"]\n\n[tool.poetry.dependencies]\nlib = {path = \"lib\"}\n"),
        ]
        // (base, variant, edit of pyproject.toml, edit of poetry.lock)
        typealias Edit = (String) -> String
        let same: Edit = { $0 }
        let variants: [(String, String, Edit, Edit)] = [
            ("pep621", "unchanged", same, same),
            ("pep621", "tool-settings", { $0 + "\n[tool.ruff]\nline-length = 100\n" }, same),
            ("pep621", "version-bump", { $0.replacingOccurrences(of: "version = \"0.1.0\"", with: "version = \"0.2.0\"") }, same),
            ("pep621", "requires-python", { $0.replacingOccurrences(of: ">=3.9", with: ">=3.10") }, same),
            ("pep621", "dependency-added", { $0.replacingOccurrences(of: "dependencies = []", with: "dependencies = [\"requests>=2\"]") }, same),
            ("pep621", "optional-dependencies", { $0.replacingOccurrences(of: "[tool.poetry]", with: "[project.optional-dependencies]\nfast = [\"orjson\"]\n\n[tool.poetry]") }, same),
            ("pep621", "dependency-group-added", { $0 + "\n[dependency-groups]\ndev = [\"pytest\"]\n" }, same),
            ("pep621", "empty-dependency-group", { $0 + "\n[dependency-groups]\ndev = []\n" }, same),
            ("pep621", "poetry-group", { $0 + "\n[tool.poetry.group.dev.dependencies]\npytest = \"^8\"\n" }, same),
            ("pep621", "no-content-hash", same, { $0.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("content-hash") }.joined(separator: "\n") }),
            ("pep621", "wrong-content-hash", same, { $0.replacingOccurrences(of: "content-hash = \"", with: "content-hash = \"0") }),
            ("legacy", "unchanged", same, same),
            ("legacy", "description", { $0.replacingOccurrences(of: "description = \"\"", with: "description = \"demo\"") }, same),
            ("legacy", "python-changed", { $0.replacingOccurrences(of: "^3.9", with: "^3.10") }, same),
            ("legacy", "dependency-added", { $0 + "requests = \"^2\"\n" }, same),
            ("legacy", "extras", { $0 + "\n[tool.poetry.extras]\nfast = []\n" }, same),
            ("path-dep", "unchanged", same, same),
            ("path-dep", "develop-flag", { $0.replacingOccurrences(of: ", develop = true", with: "") }, same),
            ("path-dep", "group-gets-a-dependency", { $0.replacingOccurrences(of: "dev = []", with: "dev = [\"lib\"]") }, same),
            ("groups", "unchanged", same, same),
            ("groups", "old-poetry-old-hash", same, { lock in Self.oldPoetryLock(lock, pyproject: bases[3].1) }),
            ("groups", "new-poetry-old-hash", same, { lock in Self.oldPoetryLock(lock, pyproject: bases[3].1).replacingOccurrences(of: "Poetry 2.2.1", with: "Poetry 2.5.1") }),
        ]
        var mismatches: [String] = []
        var locks: [String: String] = [:]
        for (name, pyproject) in bases {
            let project = dir.file("base-" + name)
            try FileManager.default.createDirectory(atPath: project + "/lib/lib", withIntermediateDirectories: true)
            try Data(lib.utf8).write(to: URL(fileURLWithPath: project + "/lib/pyproject.toml"))
            try Data().write(to: URL(fileURLWithPath: project + "/lib/lib/__init__.py"))
            try Data(pyproject.utf8).write(to: URL(fileURLWithPath: project + "/pyproject.toml"))
            let locked = try Shell.run(poetry, ["lock", "--no-interaction"], in: project, environment: env)
            try #require(locked.status == 0, "poetry lock (\(name)) failed: \(locked.stdout)\(locked.stderr)")
            locks[name] = try String(contentsOfFile: project + "/poetry.lock", encoding: .utf8)
        }
        for (base, variant, editProject, editLock) in variants {
            let pyproject = editProject(bases.first { $0.0 == base }?.1 ?? "")
            let lock = editLock(locks[base] ?? "")
            let project = dir.file("\(base)-\(variant)")
            try FileManager.default.createDirectory(atPath: project + "/lib/lib", withIntermediateDirectories: true)
            try Data(lib.utf8).write(to: URL(fileURLWithPath: project + "/lib/pyproject.toml"))
            try Data().write(to: URL(fileURLWithPath: project + "/lib/lib/__init__.py"))
            try Data(pyproject.utf8).write(to: URL(fileURLWithPath: project + "/pyproject.toml"))
            try Data(lock.utf8).write(to: URL(fileURLWithPath: project + "/poetry.lock"))
            let theirs = try Shell.run(poetry, ["check", "--lock", "--no-interaction"], in: project, environment: env)
            let ours = try gate().check(Self.all(["pyproject.toml": pyproject, "poetry.lock": lock, "lib/pyproject.toml": lib]))
            if (theirs.status != 0) != !ours.isEmpty {
                mismatches.append("\(base)/\(variant): poetry check exit \(theirs.status) \(theirs.stdout)\(theirs.stderr), cmlbot \(ours.map(\.message))")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
    }

    /// A lock as Poetry 2.2 would have written it: its header, and the hash without [dependency-groups].
    static func oldPoetryLock(_ lock: String, pyproject: String) -> String {
        guard let value = try? TOMLParserBridge.parse(pyproject) else { return lock }
        let old = PoetryContentHash.hash(value, withDependencyGroups: false)
        return lock.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if line.hasPrefix("# This file is automatically") { return line.replacingOccurrences(of: "Poetry 2.5.1", with: "Poetry 2.2.1") }
            if line.hasPrefix("content-hash") { return "content-hash = \"\(old)\"" }
            return String(line)
        }.joined(separator: "\n")
    }

    // MARK: End to end

    @Test func stagedCheckOnARealRepository() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["README.md": "hi\n", "pyproject.toml": Self.poetryProject, "poetry.lock": Self.poetryLock(Self.poetryHash),
                                        "web/package.json": #"{"private": true, "dependencies": {"a": "1"}}"#, "web/yarn.lock": "# yarn\n"])
        // A dependency added to pyproject.toml without `poetry lock`, a manifest edit without its
        // yarn.lock, and a new Pipfile without Pipfile.lock.
        try repo.write("pyproject.toml", Self.poetryProject.replacingOccurrences(of: "dependencies = []", with: "dependencies = [\"requests\"]"))
        try repo.write("web/package.json", #"{"private": true, "dependencies": {"a": "2"}}"#)
        try repo.write("tools/Pipfile", "[packages]\nrequests = \"*\"\n")
        try repo.git("add", "-A")
        let result = try CMLBotBinary.run(["check", "--staged", "--format", "json"], in: repo.path)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stderr)")
        let findings = (object["findings"] as? [[String: Any]] ?? []).filter { $0["gate"] as? String == "lockfile_drift" }
        #expect(findings.compactMap { $0["path"] as? String } == ["poetry.lock", "tools/Pipfile", "web/package.json"])
        #expect(findings.compactMap { $0["severity"] as? String } == ["error", "error", "warning"])
        #expect(result.status == 1)

        // Fix the lock and the Pipfile; the yarn warning alone does not fail the default --fail-on error.
        try repo.write("pyproject.toml", Self.poetryProject)
        try repo.write("tools/Pipfile.lock", "{}")
        try repo.git("add", "-A")
        let warned = try CMLBotBinary.run(["check", "--staged", "--gate", "lockfile_drift"], in: repo.path)
        #expect(warned.status == 0, "\(warned.stdout)\(warned.stderr)")
        #expect(warned.stdout.contains("web/package.json: warning: [lockfile_drift] web/package.json changed but web/yarn.lock did not"))
        let strict = try CMLBotBinary.run(["check", "--staged", "--gate", "lockfile_drift", "--fail-on", "warning"], in: repo.path)
        #expect(strict.status == 1)
    }
}

/// TOML text → Value through the project's parser, for building pyproject fixtures.
enum TOMLParserBridge {
    static func parse(_ text: String) throws -> Value { try TOMLParser.parse(Data(text.utf8)) }
}
