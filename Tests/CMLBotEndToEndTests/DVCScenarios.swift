import Foundation
import TestSupport

// Repositories built with DVC itself (git init, dvc init, dvc stage add, dvc repro, commit), one
// builder per scenario of the DVC compatibility tests. Every builder leaves the repository in the
// state the test compares: a few commits, sometimes uncommitted workspace changes.
//
// The "training" command of most stages is `python3 gen.py`: it writes each metrics file from
// gen.json (path → exact text), so a scenario controls the raw text byte for byte (1 vs 1.0, NaN,
// 9007199254740993) while DVC still sees a real stage with params, deps, metrics and a dvc.lock.
// The basic scenario runs a real train.py that computes its metrics from params.yaml.

/// The pinned DVC from scripts/test-tools.sh, found through `CMLBOT_DVC`.
enum DVCTool {
    static var path: String? {
        guard let value = ProcessInfo.processInfo.environment["CMLBOT_DVC"], !value.isEmpty else { return nil }
        return value
    }

    /// `make test` sets CMLBOT_REQUIRE_TOOLS=1: then a missing DVC fails the tests instead of skipping them.
    static var required: Bool { ProcessInfo.processInfo.environment["CMLBOT_REQUIRE_TOOLS"] == "1" }

    /// Whether the compatibility tests run at all (`.enabled(if:)`).
    static var shouldRun: Bool { path != nil || required }

    static func executable() throws -> String {
        guard let path else {
            throw DVCToolError(message: "CMLBOT_REQUIRE_TOOLS=1 but CMLBOT_DVC is not set; run `eval \"$(scripts/test-tools.sh --env)\"` first")
        }
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw DVCToolError(message: "CMLBOT_DVC=\(path) is not an executable file; run scripts/test-tools.sh")
        }
        return path
    }

    /// Where `CMLBOT_DVC_RECORD` asks the tests to write a Markdown transcript of every DVC run.
    static var recordDirectory: String? {
        guard let value = ProcessInfo.processInfo.environment["CMLBOT_DVC_RECORD"], !value.isEmpty else { return nil }
        return value
    }
}

struct DVCToolError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A git repository initialised with `dvc init`, driven through the real dvc executable.
final class DVCRepo: @unchecked Sendable {
    let scenario: String
    let git: GitRepoBuilder
    let dvcPath: String
    var path: String { git.path }
    private var transcript: [String] = []
    private var recordedRuns: Set<String> = []

    /// Writes metrics files exactly as given in gen.json, as a training run would.
    static let genScript = """
    import json, os
    # Writes each metrics file listed in gen.json (path -> exact text), as a training run would.
    with open("gen.json", encoding="utf-8") as f:
        files = json.load(f)
    for path, text in files.items():
        if os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as out:
            out.write(text)

    """

    init(_ scenario: String) throws {
        self.scenario = scenario
        dvcPath = try DVCTool.executable()
        git = try GitRepoBuilder()
        note("Scenario `\(scenario)`")
        try dvcOK(["init", "-q"])
        try dvcOK(["config", "core.analytics", "false"])
        try write("gen.py", Self.genScript, record: false)
    }

    deinit { flushTranscript() }

    /// Git's fixed identity plus: the venv's bin first on PATH (so `python3` in stage commands is the
    /// venv's interpreter, which has ruamel.yaml), and a fixed hash seed (DVC's file order, Q1).
    var environment: [String: String] {
        var env = GitRepoBuilder.environment
        let bin = URL(fileURLWithPath: dvcPath).deletingLastPathComponent().path
        env["PATH"] = bin + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        env["PYTHONHASHSEED"] = "0"
        env["DVC_NO_ANALYTICS"] = "1"
        env.removeValue(forKey: "VIRTUAL_ENV")
        return env
    }

    func directory(_ sub: String?) -> String {
        guard let sub, !sub.isEmpty else { return path }
        return path + "/" + sub
    }

    /// Runs dvc; records the exact outputs in the transcript. With `CMLBOT_DVC_CACHE=<dir>` a
    /// recorded (comparison) run is answered from that cache when the same DVC already ran with the
    /// same arguments on a byte-identical repository (the builders are deterministic: fixed commit
    /// identity and dates), which spares the second `make test` pass (release binary) most DVC runs.
    @discardableResult
    func dvc(_ arguments: [String], in sub: String? = nil, record: Bool = true) throws -> ProcessResult {
        let cacheFile = record ? DVCOutputCache.file(dvc: dvcPath, arguments: arguments, sub: sub, repository: path) : nil
        if let cacheFile, let cached = DVCOutputCache.load(cacheFile) {
            recordRun("dvc", arguments, sub: sub, result: cached)
            return cached
        }
        let result = try Shell.run(dvcPath, arguments, in: directory(sub), environment: environment)
        if let cacheFile { DVCOutputCache.store(result, at: cacheFile) }
        if record { recordRun("dvc", arguments, sub: sub, result: result) }
        return result
    }

    /// Runs dvc for setup and throws when it fails.
    @discardableResult
    func dvcOK(_ arguments: [String], in sub: String? = nil) throws -> ProcessResult {
        let result = try dvc(arguments, in: sub, record: false)
        guard result.status == 0 else {
            throw DVCToolError(message: "[\(scenario)] dvc \(arguments.joined(separator: " ")) failed (\(result.status)):\n\(result.stdout)\(result.stderr)")
        }
        return result
    }

    /// Runs the built cmlbot binary in the repository (or a subdirectory).
    func cmlbot(_ arguments: [String], in sub: String? = nil) throws -> ProcessResult {
        try CMLBotBinary.run(arguments, in: directory(sub))
    }

    func write(_ relative: String, _ contents: String, record: Bool = true) throws {
        try git.write(relative, contents)
        if record { note("write `\(relative)`:\n```\n\(contents)\(contents.hasSuffix("\n") ? "" : "\n")```") }
    }

    func remove(_ relative: String) throws {
        try git.remove(relative)
        note("remove `\(relative)`")
    }

    func read(_ relative: String) throws -> String {
        try String(contentsOfFile: path + "/" + relative, encoding: .utf8)
    }

    func append(_ relative: String, _ text: String) throws {
        try write(relative, ((try? read(relative)) ?? "") + text)
    }

    /// Writes gen.json (in `dir`): the metrics files `python3 gen.py` will write.
    func generate(_ files: [String: String], in dir: String = "") throws {
        let data = try JSONSerialization.data(withJSONObject: files, options: [.sortedKeys])
        let prefix = dir.isEmpty ? "" : dir + "/"
        try git.write(prefix + "gen.json", data)
        let listing = files.sorted { $0.key < $1.key }.map { file in
            let body = file.value.hasSuffix("\n") ? String(file.value.dropLast()) : file.value
            return "- `\(prefix)\(file.key)`:\n  ```\n" + body.split(separator: "\n", omittingEmptySubsequences: false)
                .map { "  " + $0 }.joined(separator: "\n") + "\n  ```"
        }.joined(separator: "\n")
        note("the stage command will write (via `\(prefix)gen.json`):\n\n\(listing)")
    }

    /// `dvc stage add -f -n NAME -p ... -d gen.json -d gen.py -M ... -O ... python3 gen.py`
    func stage(_ name: String = "train", params: [String] = [], deps: [String] = ["gen.json", "gen.py"],
               metrics: [String] = [], outsNoCache: [String] = [], command: String = "python3 gen.py",
               in dir: String? = nil) throws {
        var args = ["stage", "add", "-q", "-f", "-n", name]
        for p in params { args += ["-p", p] }
        for d in deps { args += ["-d", d] }
        for m in metrics { args += ["-M", m] }
        for o in outsNoCache { args += ["-O", o] }
        args.append(command)
        try dvcOK(args, in: dir)
        note("`dvc \(args.dropFirst(0).joined(separator: " "))`" + (dir.map { " (in `\($0)`)" } ?? ""))
    }

    func repro(in dir: String? = nil) throws {
        try dvcOK(["repro", "-q"], in: dir)
    }

    @discardableResult
    func commit(_ message: String) throws -> String {
        let sha = try git.commit(message)
        let dvcYaml = (try? read("dvc.yaml")).map { "\ndvc.yaml:\n```yaml\n\($0)```" } ?? ""
        note("commit \(sha) \"\(message)\"\(dvcYaml)")
        return sha
    }

    func tag(_ name: String) throws { try git.git("tag", name); note("tag \(name)") }
    func branch(_ name: String) throws { try git.git("checkout", "-q", "-b", name); note("checkout -b \(name)") }
    func checkout(_ name: String) throws { try git.git("checkout", "-q", name); note("checkout \(name)") }

    // MARK: transcript (CMLBOT_DVC_RECORD)

    func note(_ text: String) {
        guard DVCTool.recordDirectory != nil else { return }
        transcript.append(text)
    }

    func recordRun(_ tool: String, _ arguments: [String], sub: String?, result: ProcessResult) {
        guard DVCTool.recordDirectory != nil else { return }
        var text = "```console\n$ \(tool) \(arguments.map(Self.shellQuote).joined(separator: " "))"
        if let sub { text += "    # in \(sub)/" }
        text += "\n"
        text += result.stdout
        if !result.stderr.isEmpty { text += "[stderr]\n" + result.stderr + (result.stderr.hasSuffix("\n") ? "" : "\n") }
        text += "[rc=\(result.status)]\n```"
        // Intended-difference tests run some commands twice; the transcript keeps one copy.
        guard !recordedRuns.contains(text) else { return }
        recordedRuns.insert(text)
        transcript.append(text)
    }

    static func shellQuote(_ s: String) -> String {
        if !s.isEmpty, s.allSatisfy({ $0.isLetter || $0.isNumber || "-_./~=:,@".contains($0) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private func flushTranscript() {
        guard let dir = DVCTool.recordDirectory, !transcript.isEmpty else { return }
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let text = "## \(scenario)\n\n" + transcript.joined(separator: "\n\n") + "\n"
        try? text.write(toFile: dir + "/" + scenario + ".md", atomically: true, encoding: .utf8)
    }
}

/// Opt-in cache of DVC's outputs (`CMLBOT_DVC_CACHE=<dir>`), keyed by the DVC executable, the
/// arguments, the directory and a digest of the whole repository (work tree, refs, HEAD).
enum DVCOutputCache {
    static var directory: String? {
        guard let value = ProcessInfo.processInfo.environment["CMLBOT_DVC_CACHE"], !value.isEmpty else { return nil }
        return value
    }

    static func file(dvc: String, arguments: [String], sub: String?, repository: String) -> String? {
        guard let directory else { return nil }
        var hasher = Digest128()
        hasher.add("v1\0\(dvc)\0\(sub ?? "")\0" + arguments.joined(separator: "\0"))
        guard addTree(repository, relative: "", into: &hasher) else { return nil }
        return directory + "/" + hasher.hex + ".json"
    }

    /// Every file of the repository except DVC's and git's scratch areas; git objects are implied by
    /// the refs (content-addressed), and the index only carries stat data DVC never reads.
    private static func addTree(_ root: String, relative: String, into hasher: inout Digest128) -> Bool {
        let skip: Set<String> = [".git/objects", ".git/logs", ".git/index", ".dvc/tmp", ".dvc/cache"]
        let absolute = relative.isEmpty ? root : root + "/" + relative
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: absolute) else { return false }
        for name in names.sorted() {
            let rel = relative.isEmpty ? name : relative + "/" + name
            if skip.contains(rel) { continue }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root + "/" + rel, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                hasher.add("d\0" + rel + "\0")
                guard addTree(root, relative: rel, into: &hasher) else { return false }
            } else {
                guard let data = FileManager.default.contents(atPath: root + "/" + rel) else { return false }
                hasher.add("f\0" + rel + "\0\(data.count)\0")
                hasher.add(data)
            }
        }
        return true
    }

    static func load(_ file: String) -> ProcessResult? {
        guard let data = FileManager.default.contents(atPath: file),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let status = object["status"] as? Int, let stdout = object["stdout"] as? String,
              let stderr = object["stderr"] as? String else { return nil }
        return ProcessResult(status: Int32(status), stdout: stdout, stderr: stderr, stdoutData: Data(stdout.utf8))
    }

    static func store(_ result: ProcessResult, at file: String) {
        guard let directory else { return }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let object: [String: Any] = ["status": Int(result.status), "stdout": result.stdout, "stderr": result.stderr]
        guard let data = try? JSONSerialization.data(withJSONObject: object) else { return }
        try? data.write(to: URL(fileURLWithPath: file), options: .atomic)
    }
}

/// Two independent FNV-1a 64-bit hashes: plenty for a test cache key, no crypto dependency.
struct Digest128 {
    private var a: UInt64 = 0xcbf2_9ce4_8422_2325
    private var b: UInt64 = 0x6c62_272e_07bb_0142

    mutating func add(_ text: String) { add(Data(text.utf8)) }

    mutating func add(_ data: Data) {
        for byte in data {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = (b ^ UInt64(byte ^ 0x5a)) &* 0x0000_0100_0000_01b3
        }
    }

    var hex: String { String(format: "%016llx%016llx", a, b) }
}

extension String {
    /// Commit SHA shortened like `git rev-parse --short=7`.
    var short7: String { String(prefix(7)) }
}

// MARK: - Scenario builders

enum DVCScenarios {
    /// params.yaml + a real train.py computing metrics.json from it; three commits; uncommitted
    /// param and metric changes in the workspace.
    static func basic() throws -> DVCRepo {
        let r = try DVCRepo("basic")
        try r.write("params.yaml", """
        train:
          lr: 0.01
          epochs: 10
        model:
          depth: 3
          name: small
        seed: 1

        """)
        try r.write("train.py", """
        import json
        from ruamel.yaml import YAML
        p = YAML(typ="safe").load(open("params.yaml"))
        t, m = p["train"], p["model"]
        metrics = {
            "acc": round(0.5 + t["lr"] * 10 + m["depth"] / 100, 6),
            "loss": 1.0 / t["epochs"],
            "epochs": t["epochs"],
            "model": {"depth": m["depth"], "name": m["name"]},
        }
        with open("metrics.json", "w") as f:
            json.dump(metrics, f)

        """)
        try r.stage(params: ["train", "model.depth", "model.name"], deps: ["train.py"], metrics: ["metrics.json"], command: "python3 train.py")
        try r.repro()
        try r.commit("baseline")
        try r.write("params.yaml", """
        train:
          lr: 0.02
          epochs: 10
        model:
          depth: 4
          name: small
        seed: 1

        """)
        try r.repro()
        try r.commit("deeper model")
        try r.write("params.yaml", """
        train:
          lr: 0.02
          epochs: 20
        model:
          depth: 4
          name: large
        seed: 2

        """)
        try r.repro()
        try r.commit("longer training")
        // Uncommitted: one more epoch change, reproduced but not committed.
        try r.write("params.yaml", """
        train:
          lr: 0.03
          epochs: 20
        model:
          depth: 4
          name: large
        seed: 2

        """)
        try r.repro()
        return r
    }

    /// Metrics in JSON, YAML and TOML, params in YAML (default), JSON, TOML and a non-default YAML
    /// file, all with nested keys; lists and nested dicts inside lists in params.
    static func formats() throws -> DVCRepo {
        let r = try DVCRepo("formats")
        try r.write("params.yaml", "train:\n  optimizer:\n    name: adam\n    lr: 0.001\n  layers: [64, 32]\n  blocks: [{units: 64}, {units: 32}]\nseed: 7\n")
        try r.write("config/hp.json", #"{"model": {"depth": 3, "heads": {"n": 4, "dim": 64}}, "features": ["f1", "f2"], "unused": 1}"# + "\n")
        try r.write("config/hp.toml", "[data]\nsplit = 0.8\nshuffle = true\n[data.aug]\nflip = \"h\"\nscales = [1, 2]\n[other]\nx = 1\n")
        try r.write("config/extra.yaml", "dropout: 0.1\nschedule:\n  kind: cosine\n  warmup: 100\nignored: 5\n")
        try r.generate([
            "metrics/train.json": #"{"acc": 0.81, "loss": {"train": 0.52, "val": 0.61}, "steps": 1000}"#,
            "metrics/eval.yaml": "acc: 0.79\nper_class:\n  cat: 0.8\n  dog: 0.77\nlatency:\n  p50_ms: 12\n  p99_ms: 40.5\n",
            "metrics/eval.toml": "auc = 0.91\n[confusion]\ntp = 90\nfp = 10\n[confusion.rates]\ntpr = 0.9\n",
        ])
        try r.stage(params: ["train", "seed", "config/hp.json:model,features", "config/hp.toml:data",
                             "config/extra.yaml:dropout,schedule.kind"],
                    metrics: ["metrics/train.json", "metrics/eval.yaml", "metrics/eval.toml"])
        try r.repro()
        try r.commit("v1")
        try r.write("params.yaml", "train:\n  optimizer:\n    name: adamw\n    lr: 0.0005\n  layers: [64, 32, 16]\n  blocks: [{units: 64}, {units: 16}]\nseed: 7\n")
        try r.write("config/hp.json", #"{"model": {"depth": 4, "heads": {"n": 8, "dim": 64}}, "features": ["f1"], "unused": 2}"# + "\n")
        try r.write("config/hp.toml", "[data]\nsplit = 0.9\nshuffle = false\n[data.aug]\nflip = \"v\"\nscales = [1, 2, 4]\n[other]\nx = 2\n")
        try r.write("config/extra.yaml", "dropout: 0.2\nschedule:\n  kind: linear\n  warmup: 200\nignored: 6\n")
        try r.generate([
            "metrics/train.json": #"{"acc": 0.84, "loss": {"train": 0.47, "val": 0.58}, "steps": 2000}"#,
            "metrics/eval.yaml": "acc: 0.82\nper_class:\n  cat: 0.85\n  dog: 0.79\nlatency:\n  p50_ms: 11\n  p99_ms: 38.25\n",
            "metrics/eval.toml": "auc = 0.93\n[confusion]\ntp = 93\nfp = 7\n[confusion.rates]\ntpr = 0.93\n",
        ])
        try r.repro()
        try r.commit("v2")
        return r
    }

    /// A metrics file that only the new revision declares, one that only the old one declares, keys
    /// added and removed inside a file present at both; params keys added and removed.
    static func addedRemoved() throws -> DVCRepo {
        let r = try DVCRepo("added-removed")
        try r.write("params.yaml", "keep: 1\nold_only: 2\nnested:\n  a: 1\n  gone: x\n")
        try r.generate([
            "stay.json": #"{"acc": 0.5, "old_key": 1, "sub": {"a": 1, "b": 2}}"#,
            "gone.json": #"{"g": 1, "h": {"i": "text"}}"#,
        ])
        try r.stage(params: ["keep", "nested"], metrics: ["stay.json", "gone.json"])
        try r.repro()
        try r.commit("with gone.json")
        try r.remove("gone.json")
        try r.write("params.yaml", "keep: 1\nnew_only: 3\nnested:\n  a: 1\n  fresh: true\n")
        try r.generate([
            "stay.json": #"{"acc": 0.5, "new_key": 2, "sub": {"a": 1, "c": 3}}"#,
            "fresh.yaml": "f: 1.5\nflag: false\n",
        ])
        try r.stage(params: ["keep", "nested"], metrics: ["stay.json", "fresh.yaml"])
        try r.repro()
        try r.commit("gone.json replaced by fresh.yaml")
        return r
    }

    /// Bool, string and number changes, type changes, ints vs floats (1 vs 1.0), big ints.
    static func valueKinds() throws -> DVCRepo {
        let r = try DVCRepo("value-kinds")
        try r.write("params.yaml", "lr: 1\nratio: 1.0\nbig: 9007199254740993\nflag: true\nname: a\nmixed: 5\nsame_int_float: 2\nzero: 0.0\n")
        try r.write("hp.json", #"{"n": 1, "f": 1.0, "big": 9007199254740993, "s": "x", "b": false}"# + "\n")
        try r.generate([
            "m.json": #"{"i": 1, "f": 1.0, "big": 9007199254740993, "bigger": 12345678901234567890, "b": true, "s": "x", "t": 5, "neg": 0.0, "flt": 0.1, "same": 3, "same_f": 2.5, "int_to_float": 2, "float_to_int": 3.0, "tf": true}"#,
            "m.yaml": "i: 1\nf: 1.0\nbig: 9007199254740993\nb: false\ns: hello\n",
        ])
        try r.stage(params: ["lr", "ratio", "big", "flag", "name", "mixed", "same_int_float", "zero", "hp.json:n,f,big,s,b"], metrics: ["m.json", "m.yaml"])
        try r.repro()
        try r.commit("one")
        try r.write("params.yaml", "lr: 1.0\nratio: 1\nbig: 9007199254740995\nflag: false\nname: 1\nmixed: five\nsame_int_float: 2.0\nzero: -0.0\n")
        try r.write("hp.json", #"{"n": 1.0, "f": 2, "big": 9007199254740994, "s": 3, "b": true}"# + "\n")
        try r.generate([
            "m.json": #"{"i": 1.0, "f": 1, "big": 9007199254740995, "bigger": 12345678901234567891, "b": false, "s": 3, "t": "five", "neg": -0.0, "flt": 0.30000000000000004, "same": 3, "same_f": 2.5, "int_to_float": 2.5, "float_to_int": 4, "tf": 1}"#,
            "m.yaml": "i: 2\nf: 1.5\nbig: 9007199254740992\nb: true\ns: world\n",
        ])
        try r.repro()
        try r.commit("two")
        return r
    }

    /// YAML 1.2 scalars as ruamel (DVC) reads them, in params.yaml and in a YAML metrics file.
    static func yaml12() throws -> DVCRepo {
        let r = try DVCRepo("yaml12-scalars")
        try r.write("params.yaml", """
        sci: 1e-4
        sci_upper: 1E3
        sci_dot: 1.0e+3
        yes_word: yes
        no_word: no
        on_word: on
        cap_yes: Yes
        octal: 0o17
        leading_zero: 010
        hex: 0x1F
        version: 1.10
        dot_five: .5
        plus: +1
        tilde: ~
        null_word: null
        inf: .inf
        neg_inf: -.inf
        true_upper: TRUE
        sexagesimal: 1:20
        quoted_num: '12'

        """)
        try r.generate([
            "m.yaml": "sci: 1e-4\nyes_word: yes\noctal: 0o17\nversion: 1.10\nhex: 0x1F\ninf: .inf\nplus: +1\nleading_zero: 010\nbool: True\n",
        ])
        try r.stage(params: ["sci", "yes_word"], metrics: ["m.yaml"])
        try r.repro()
        try r.commit("one")
        try r.write("params.yaml", """
        sci: 2e-4
        sci_upper: 2E3
        sci_dot: 2.0e+3
        yes_word: no
        no_word: yes
        on_word: off
        cap_yes: No
        octal: 0o20
        leading_zero: 011
        hex: 0x20
        version: 1.1
        dot_five: .25
        plus: +2
        tilde: 3
        null_word: x
        inf: -.inf
        neg_inf: .inf
        true_upper: FALSE
        sexagesimal: 1:30
        quoted_num: '13'

        """)
        try r.generate([
            "m.yaml": "sci: 2e-4\nyes_word: no\noctal: 0o20\nversion: 1.1\nhex: 0x20\ninf: -.inf\nplus: +2\nleading_zero: 011\nbool: False\n",
        ])
        try r.repro()
        try r.commit("two")
        return r
    }

    /// params.yaml at the root is shown whole; other params files (including a params.yaml next to a
    /// dvc.yaml in a subdirectory) show only the keys the stages list.
    static func paramsScope() throws -> DVCRepo {
        let r = try DVCRepo("params-scope")
        try r.write("params.yaml", "seed: 1\nmodel:\n  depth: 3\n  width: 8\nunused:\n  x: 1\n  y: [1, 2]\n")
        try r.write("config/tune.json", #"{"lr": 0.1, "opt": {"name": "adam", "beta": 0.9}, "other": 5}"# + "\n")
        try r.write("sub/params.yaml", "lr: 0.5\nbatch: 32\n")
        try r.write("sub/gen.py", DVCRepo.genScript)
        try r.generate(["summary.json": #"{"acc": 0.5}"#])
        try r.generate(["out.json": #"{"acc": 0.1}"#], in: "sub")
        try r.stage(params: ["model.depth", "config/tune.json:lr,opt.name"], metrics: ["summary.json"])
        try r.stage("subtrain", params: ["lr"], metrics: ["out.json"], in: "sub")
        try r.repro()
        try r.repro(in: "sub")
        try r.commit("one")
        try r.write("params.yaml", "seed: 2\nmodel:\n  depth: 4\n  width: 9\nunused:\n  x: 2\n  y: [1, 2, 3]\n")
        try r.write("config/tune.json", #"{"lr": 0.2, "opt": {"name": "sgd", "beta": 0.95}, "other": 6}"# + "\n")
        try r.write("sub/params.yaml", "lr: 0.25\nbatch: 64\n")
        try r.repro()
        try r.repro(in: "sub")
        try r.commit("two")
        return r
    }

    /// dvc.yaml with top-level `metrics:` and `params:` only (no stages), the files committed by hand.
    static func topLevel() throws -> DVCRepo {
        let r = try DVCRepo("top-level")
        try r.write("dvc.yaml", "metrics:\n- results/summary.json\n- results/extra.yaml\nparams:\n- hp.yaml\n- hp.toml\n")
        try r.write("params.yaml", "seed: 1\n")
        try r.write("hp.yaml", "lr: 0.1\nopt:\n  name: adam\n")
        try r.write("hp.toml", "epochs = 10\n[sched]\nkind = \"step\"\n")
        try r.write("results/summary.json", #"{"acc": 0.7, "f1": {"macro": 0.6}}"#)
        try r.write("results/extra.yaml", "auc: 0.8\n")
        try r.commit("one")
        try r.write("params.yaml", "seed: 2\n")
        try r.write("hp.yaml", "lr: 0.05\nopt:\n  name: sgd\n  momentum: 0.9\n")
        try r.write("hp.toml", "epochs = 12\n[sched]\nkind = \"cosine\"\n")
        try r.write("results/summary.json", #"{"acc": 0.75, "f1": {"macro": 0.65}}"#)
        try r.write("results/extra.yaml", "auc: 0.85\n")
        try r.commit("two")
        // Workspace: more changes, not committed.
        try r.write("results/summary.json", #"{"acc": 0.76, "f1": {"macro": 0.65, "micro": 0.7}}"#)
        try r.write("hp.yaml", "lr: 0.04\nopt:\n  name: sgd\n  momentum: 0.9\n")
        return r
    }

    /// A directory under top-level `metrics:` (committed, not cached), with a nested subdirectory;
    /// a file added to it in the second commit and an untracked one in the workspace.
    static func metricsDirectory() throws -> DVCRepo {
        let r = try DVCRepo("metrics-directory")
        try r.write("params.yaml", "seed: 1\n")
        try r.generate([
            "eval/one.json": #"{"v": 1, "w": 0.5}"#,
            "eval/deep/two.yaml": "v: 2\n",
        ])
        try r.stage(params: ["seed"], outsNoCache: ["eval"])
        try r.append("dvc.yaml", "metrics:\n- eval\n")
        try r.repro()
        try r.commit("one")
        try r.write("params.yaml", "seed: 2\n")
        try r.generate([
            "eval/one.json": #"{"v": 3, "w": 0.25}"#,
            "eval/deep/two.yaml": "v: 4\n",
            "eval/three.json": #"{"z": 1}"#,
        ])
        try r.repro()
        try r.commit("two")
        try r.write("eval/untracked.json", #"{"u": 9}"#)
        try r.write("eval/one.json", #"{"v": 5, "w": 0.25}"#)
        return r
    }

    /// dvc.yaml in a subdirectory: paths in it are relative to it.
    static func nestedDVCYaml() throws -> DVCRepo {
        let r = try DVCRepo("nested-dvc-yaml")
        try r.write("params.yaml", "seed: 1\n")
        try r.write("proj/params.yaml", "lr: 0.1\nbatch: 32\n")
        try r.write("proj/gen.py", DVCRepo.genScript)
        try r.generate(["out/m.json": #"{"acc": 0.123456789, "n": 1}"#, "mdir/a.json": #"{"x": 1.23456789}"#, "mdir/sub/b.yaml": "y: 2\n"], in: "proj")
        try r.stage(params: ["lr"], metrics: ["out/m.json"], outsNoCache: ["mdir"], in: "proj")
        try r.append("proj/dvc.yaml", "metrics:\n- mdir\n")
        try r.repro(in: "proj")
        try r.commit("one")
        try r.write("proj/params.yaml", "lr: 0.2\nbatch: 64\n")
        try r.generate(["out/m.json": #"{"acc": 0.987654321, "n": 2}"#, "mdir/a.json": #"{"x": 2.3456789}"#, "mdir/sub/b.yaml": "y: 3\n", "mdir/c.json": #"{"z": 1}"#], in: "proj")
        try r.repro(in: "proj")
        try r.commit("two")
        return r
    }

    /// Root dvc.yaml with metrics in several folders; commands are run from subdirectories.
    static func subdirectoryRuns() throws -> DVCRepo {
        let r = try DVCRepo("subdirectory-runs")
        try r.write("params.yaml", "seed: 1\ntrain:\n  lr: 0.1\n")
        try r.write("config/tune.json", #"{"lr": 0.1, "wd": 0.01}"# + "\n")
        try r.write("src/notes.txt", "nothing here\n")
        try r.generate([
            "summary.json": #"{"acc": 0.5, "loss": 0.3}"#,
            "metrics/train.json": #"{"acc": 0.6}"#,
            "metrics/eval/test.yaml": "acc: 0.4\n",
        ])
        try r.stage(params: ["seed", "train.lr", "config/tune.json:lr"], metrics: ["summary.json", "metrics/train.json", "metrics/eval/test.yaml"])
        try r.repro()
        try r.commit("one")
        try r.write("params.yaml", "seed: 2\ntrain:\n  lr: 0.2\n")
        try r.write("config/tune.json", #"{"lr": 0.2, "wd": 0.01}"# + "\n")
        try r.generate([
            "summary.json": #"{"acc": 0.55, "loss": 0.25}"#,
            "metrics/train.json": #"{"acc": 0.65}"#,
            "metrics/eval/test.yaml": "acc: 0.45\n",
        ])
        try r.repro()
        try r.commit("two")
        return r
    }

    /// Four commits on main and a branch, a tag; revisions given every way DVC accepts.
    static func revisions() throws -> (repo: DVCRepo, shas: [String]) {
        let r = try DVCRepo("revisions")
        var shas: [String] = []
        try r.write("params.yaml", "lr: 0.1\nepochs: 1\n")
        try r.generate(["m.json": #"{"acc": 0.1, "step": 1}"#])
        try r.stage(params: ["lr", "epochs"], metrics: ["m.json"])
        for i in 1...3 {
            try r.write("params.yaml", "lr: 0.\(i)\nepochs: \(i)\n")
            try r.generate(["m.json": #"{"acc": 0.\#(i)5, "step": \#(i)}"#])
            try r.repro()
            shas.append(try r.commit("c\(i)"))
            if i == 1 { try r.tag("v1.0") }
        }
        try r.branch("feature/x")
        try r.write("params.yaml", "lr: 0.9\nepochs: 9\n")
        try r.generate(["m.json": #"{"acc": 0.99, "step": 9}"#])
        try r.repro()
        shas.append(try r.commit("feature"))
        try r.checkout("main")
        // Workspace: uncommitted change on main.
        try r.write("params.yaml", "lr: 0.35\nepochs: 3\n")
        try r.generate(["m.json": #"{"acc": 0.375, "step": 3}"#])
        try r.repro()
        return (r, shas)
    }

    /// Values that exercise DVC's `round(x, precision)` + `str()` rendering.
    static func precision() throws -> DVCRepo {
        let r = try DVCRepo("precision")
        try r.write("params.yaml", "lr: 0.123456789\nwd: 2.675\ntiny: 1e-7\nhuge: 1.0e+16\n")
        try r.generate([
            "m.json": #"{"a": 2.675, "b": 0.125, "c": -0.05, "d": 1e-7, "e": 0.85030, "f": 123456.789, "g": 1e-05, "h": 1.2345678901234567e+19, "i": 0.0001, "j": 0.25, "k": 0.75, "l": 11689506, "m": 1e16, "n": 100.0, "o": 0.123456789, "p": 9007199254740993, "q": -1.5, "r": 0.5}"#,
            "other.json": #"{"a": 0.333333333, "x": 1}"#,
        ])
        try r.stage(params: ["lr", "wd", "tiny", "huge"], metrics: ["m.json", "other.json"])
        try r.repro()
        try r.commit("one")
        try r.write("params.yaml", "lr: 0.987654321\nwd: 3.675\ntiny: 2e-7\nhuge: 2.0e+16\n")
        try r.generate([
            "m.json": #"{"a": 3.675, "b": 0.375, "c": -0.15, "d": 2e-7, "e": 0.95030, "f": 223456.789, "g": 2e-05, "h": 2.2345678901234567e+19, "i": 0.0002, "j": 0.35, "k": 0.85, "l": 21689506, "m": 2e16, "n": 200.0, "o": 0.987654321, "p": 9007199254740995, "q": -2.5, "r": 1.5}"#,
            "other.json": #"{"a": 0.666666667, "x": 1}"#,
        ])
        try r.repro()
        try r.commit("two")
        return r
    }

    /// `--targets`: a declared file, several files, a directory, an undeclared file, a params file.
    static func targets() throws -> DVCRepo {
        let r = try DVCRepo("targets")
        try r.write("params.yaml", "seed: 1\nlr: 0.1\n")
        try r.write("hp.json", #"{"a": 1, "b": 2, "c": {"d": 3}}"# + "\n")
        try r.generate([
            "m/one.json": #"{"acc": 0.5}"#,
            "m/two.yaml": "acc: 0.4\nloss: 1.5\n",
            "m/dir/x.json": #"{"x": 1}"#,
            "undeclared.json": #"{"u": 1}"#,
        ])
        try r.stage(params: ["seed", "hp.json:a"], metrics: ["m/one.json", "m/two.yaml"], outsNoCache: ["m/dir", "undeclared.json"])
        try r.append("dvc.yaml", "metrics:\n- m/dir\n")
        try r.repro()
        try r.commit("one")
        try r.write("params.yaml", "seed: 2\nlr: 0.2\n")
        try r.write("hp.json", #"{"a": 10, "b": 20, "c": {"d": 30}}"# + "\n")
        try r.generate([
            "m/one.json": #"{"acc": 0.6}"#,
            "m/two.yaml": "acc: 0.45\nloss: 1.25\n",
            "m/dir/x.json": #"{"x": 2}"#,
            "undeclared.json": #"{"u": 2}"#,
        ])
        try r.repro()
        try r.commit("two")
        return r
    }

    /// Nothing changed between the revisions compared.
    static func empty() throws -> DVCRepo {
        let r = try DVCRepo("empty-diffs")
        try r.write("params.yaml", "lr: 0.1\n")
        try r.generate(["m.json": #"{"acc": 0.5, "name": "x", "n": 1}"#])
        try r.stage(params: ["lr"], metrics: ["m.json"])
        try r.repro()
        try r.commit("one")
        try r.write("README.md", "docs only\n")
        try r.commit("docs only")
        return r
    }

    /// NaN and ±Infinity in JSON metrics (bare tokens, as Python's json writes them) and YAML.
    static func specialFloats() throws -> DVCRepo {
        let r = try DVCRepo("special-floats")
        try r.write("params.yaml", "nan: .nan\ninf: .inf\nok: 1.0\n")
        try r.generate([
            "m.json": #"{"nan_to_num": NaN, "num_to_nan": 0.5, "nan_both": NaN, "inf": Infinity, "ninf": -Infinity, "inf_same": Infinity, "plain": 1.5}"#,
            "m.yaml": "y_nan: .nan\ny_inf: .inf\ny_ninf: -.inf\n",
        ])
        try r.stage(params: ["nan", "inf", "ok"], metrics: ["m.json", "m.yaml"])
        try r.repro()
        try r.commit("one")
        try r.write("params.yaml", "nan: .nan\ninf: -.inf\nok: .nan\n")
        try r.generate([
            "m.json": #"{"nan_to_num": 0.25, "num_to_nan": NaN, "nan_both": NaN, "inf": -Infinity, "ninf": 3, "inf_same": Infinity, "plain": Infinity}"#,
            "m.yaml": "y_nan: 1\ny_inf: .inf\ny_ninf: .nan\n",
        ])
        try r.repro()
        try r.commit("two")
        return r
    }

    /// Metric names and paths with spaces, `|`, emoji, CJK, combining marks, quotes, backticks, dots,
    /// an empty key; a path with a space and non-ASCII letters.
    static func oddNames() throws -> DVCRepo {
        let r = try DVCRepo("odd-names")
        try r.write("params.yaml", "\"lr rate\": 0.1\n\"p|q\": 1\nübung:\n  größe: 3\n\"😀\": 1\n")
        func names(_ base: Int) -> String {
            let fields: [(String, Int)] = [("a b", 1), ("p|q", 2), ("pipe | spaced", 3), ("😀", 4), ("精度", 5),
                                           ("cafe\u{301}", 6), ("ünï", 7), ("quo\\\"te", 8), ("back`tick", 9),
                                           ("star*", 10), ("x.y", 11), ("", 12), ("<b>html</b>", 13)]
            let body = fields.map { "\"\($0.0)\": \($0.1 + base)" }.joined(separator: ", ")
            return "{" + body + #", "nested": {"ü b": \#(base)}}"#
        }
        try r.generate([
            "summary.json": names(0),
            "eval dir/ü.json": #"{"k": 1}"#,
            "eval dir/quote's.yaml": "'with: colon': 1\n",
        ])
        try r.stage(params: ["lr rate", "p|q", "übung", "😀"], metrics: ["summary.json", "eval dir/ü.json", "eval dir/quote's.yaml"])
        try r.repro()
        try r.commit("one")
        try r.write("params.yaml", "\"lr rate\": 0.2\n\"p|q\": 2\nübung:\n  größe: 4\n\"😀\": 2\n")
        try r.generate([
            "summary.json": names(100),
            "eval dir/ü.json": #"{"k": 2}"#,
            "eval dir/quote's.yaml": "'with: colon': 2\n",
        ])
        try r.repro()
        try r.commit("two")
        return r
    }

    /// The same key (`acc`) in several files stays one row per file.
    static func sameKey() throws -> DVCRepo {
        let r = try DVCRepo("same-key")
        try r.write("params.yaml", "lr: 0.1\n")
        try r.write("hp.json", #"{"lr": 0.1}"# + "\n")
        try r.generate([
            "summary.json": #"{"acc": 0.5, "loss": 1}"#,
            "metrics/eval.yaml": "acc: 0.4\nloss: 2\n",
            "metrics/test.toml": "acc = 0.3\n",
        ])
        try r.stage(params: ["lr", "hp.json:lr"], metrics: ["summary.json", "metrics/eval.yaml", "metrics/test.toml"])
        try r.repro()
        try r.commit("one")
        try r.write("params.yaml", "lr: 0.2\n")
        try r.write("hp.json", #"{"lr": 0.3}"# + "\n")
        try r.generate([
            "summary.json": #"{"acc": 0.6, "loss": 1}"#,
            "metrics/eval.yaml": "acc: 0.45\nloss: 2\n",
            "metrics/test.toml": "acc = 0.35\n",
        ])
        try r.repro()
        try r.commit("two")
        return r
    }

    // MARK: intended differences

    /// `{"a": {"b": 1}, "a.b": 2}`: DVC fails the whole command (rc 255).
    static func duplicateFlatKey() throws -> DVCRepo {
        let r = try DVCRepo("duplicate-flat-key")
        try r.write("params.yaml", "seed: 1\n")
        try r.generate(["dup.json": #"{"a": {"b": 1}, "a.b": 2, "c": 3}"#, "ok.json": #"{"x": 1}"#])
        try r.stage(params: ["seed"], metrics: ["dup.json", "ok.json"])
        try r.repro()
        try r.commit("one")
        try r.write("params.yaml", "seed: 2\n")
        try r.generate(["dup.json": #"{"a": {"b": 1}, "a.b": 5, "c": 4}"#, "ok.json": #"{"x": 2}"#])
        try r.repro()
        try r.commit("two")
        return r
    }

    /// A TOML date param: `dvc params diff --json` crashes (rc 255), `--md` prints it. (`dvc repro`
    /// cannot lock a date either, so the file is a top-level `params:` entry.)
    static func tomlDate() throws -> DVCRepo {
        let r = try DVCRepo("toml-date")
        try r.write("dvc.yaml", "params:\n- hp.toml\n")
        try r.write("hp.toml", "lr = 0.1\nwhen = 1979-05-27\n[opt]\nname = \"adam\"\n")
        try r.commit("one")
        try r.write("hp.toml", "lr = 0.2\nwhen = 1979-05-28\n[opt]\nname = \"sgd\"\n")
        try r.commit("two")
        return r
    }

    /// Lists and nulls inside metrics, and a metrics file whose top level is a list: DVC drops them
    /// without a word.
    static func listsAndNulls() throws -> DVCRepo {
        let r = try DVCRepo("lists-and-nulls")
        try r.write("params.yaml", "seed: 1\n")
        try r.generate([
            "lists.json": #"{"k": 1, "per_class": [0.1, 0.2], "notes": null, "deep": {"arr": [1], "v": 2}}"#,
            "toplist.json": "[1, 2]",
            "clean.json": #"{"acc": 0.5}"#,
        ])
        try r.stage(params: ["seed"], metrics: ["lists.json", "toplist.json", "clean.json"])
        try r.repro()
        try r.commit("one")
        try r.write("params.yaml", "seed: 2\n")
        try r.generate([
            "lists.json": #"{"k": 2, "per_class": [0.3, 0.4], "notes": null, "deep": {"arr": [2], "v": 3}}"#,
            "toplist.json": "[1, 2, 3]",
            "clean.json": #"{"acc": 0.6}"#,
        ])
        try r.repro()
        try r.commit("two")
        return r
    }

    /// A metrics file with invalid JSON at one revision only (HEAD), valid in HEAD~1 and the workspace.
    static func corruptAtOneRevision() throws -> DVCRepo {
        let r = try DVCRepo("corrupt-json")
        try r.write("params.yaml", "seed: 1\n")
        try r.generate(["bad.json": #"{"v": 1, "w": 0.5}"#, "good.json": #"{"acc": 0.5}"#])
        try r.stage(params: ["seed"], metrics: ["bad.json", "good.json"])
        try r.repro()
        try r.commit("one")
        try r.write("params.yaml", "seed: 2\n")
        try r.generate(["bad.json": #"{"v": 2, "w": 0.5"#, "good.json": #"{"acc": 0.6}"#])
        try r.repro()
        try r.commit("two (bad.json truncated)")
        try r.write("bad.json", #"{"v": 3, "w": 0.75}"#)
        return r
    }

    /// Files DVC cannot parse at any revision: a TSV metric (YAML with tabs) and a corrupt YAML file.
    static func unparseable() throws -> DVCRepo {
        let r = try DVCRepo("unparseable")
        try r.write("params.yaml", "seed: 1\n")
        try r.generate(["table.tsv": "acc\tloss\n0.9\t0.1\n", "broken.yaml": "a: [1, 2\nb: {\n", "fine.json": #"{"acc": 0.5}"#])
        try r.stage(params: ["seed"], metrics: ["table.tsv", "broken.yaml", "fine.json"])
        try r.repro()
        try r.commit("one")
        try r.write("params.yaml", "seed: 2\n")
        try r.generate(["table.tsv": "acc\tloss\n0.8\t0.2\n", "broken.yaml": "a: [1, 3\nb: {\n", "fine.json": #"{"acc": 0.6}"#])
        try r.repro()
        try r.commit("two")
        return r
    }

    /// Dates in YAML and TOML metrics: DVC drops them silently (beyond the brief's list).
    static func metricDates() throws -> DVCRepo {
        let r = try DVCRepo("metric-dates")
        try r.write("params.yaml", "seed: 1\n")
        try r.generate(["d.yaml": "acc: 0.5\nwhen: 2024-01-01\n", "d.toml": "acc = 0.5\nwhen = 1979-05-27\n"])
        try r.stage(params: ["seed"], metrics: ["d.yaml", "d.toml"])
        try r.repro()
        try r.commit("one")
        try r.write("params.yaml", "seed: 2\n")
        try r.generate(["d.yaml": "acc: 0.6\nwhen: 2024-01-02\n", "d.toml": "acc = 0.6\nwhen = 1979-05-28\n"])
        try r.repro()
        try r.commit("two")
        return r
    }

    /// Odd but valid shapes DVC still reads: a top-level scalar (one row with an empty name) and a
    /// CSV file parsed as a YAML string.
    static func oddShapes() throws -> DVCRepo {
        let r = try DVCRepo("odd-shapes")
        try r.write("params.yaml", "seed: 1\n")
        try r.generate(["scalar.json": "5", "m.csv": "acc,loss\n0.9,0.1\n", "word.yaml": "hello\n"])
        try r.stage(params: ["seed"], metrics: ["scalar.json", "m.csv", "word.yaml"])
        try r.repro()
        try r.commit("one")
        try r.write("params.yaml", "seed: 2\n")
        try r.generate(["scalar.json": "6", "m.csv": "acc,loss\n0.8,0.1\n", "word.yaml": "world\n"])
        try r.repro()
        try r.commit("two")
        return r
    }
}
