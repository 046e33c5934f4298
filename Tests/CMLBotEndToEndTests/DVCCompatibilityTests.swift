import Foundation
import Testing
import TestSupport

// cmlbot `metrics diff` / `params diff` against DVC 3.67.1 on repositories built with DVC itself
// (DVCScenarios.swift). Needs CMLBOT_DVC (scripts/test-tools.sh --env); skipped without it unless
// CMLBOT_REQUIRE_TOOLS=1, which turns a missing DVC into a failure.
//
// How outputs are compared (DVC's file order is random, quirk Q1; cmlbot sorts files by path):
// - `--json`: both parsed (NaN/Infinity allowed), order-insensitive; numbers equal within 1e-12
//   (relative or absolute); ints and floats must match in kind as the raw text shows it (1 vs 1.0).
//   cmlbot's JSON must be a single line.
// - `--md`: header and separator lines exactly, the multiset of row lines exactly, the trailing blank
//   line; rows of one file in DVC's order (sorted by key); cmlbot's files contiguous and sorted.
// - plain: the header line exactly and the multiset of row lines.
// - where DVC's stderr is clean, cmlbot's must have no `warning:`/`error:` line.
// Intended differences (DVC crashes or silently drops) are tested on their own at the end; each also
// pins DVC's own behaviour so a DVC upgrade that changes it shows up here.
// CMLBOT_DVC_RECORD=<dir> writes a Markdown transcript of every DVC run per scenario (docs/dvc-observed.md).

@Suite("DVC compatibility", .enabled(if: DVCTool.shouldRun, "set CMLBOT_DVC (eval \"$(scripts/test-tools.sh --env)\") to compare with DVC"))
struct DVCCompatibilityTests {
    static let pinnedVersion = "3.67.1"

    @Test("the reference DVC is the pinned version")
    func pinnedDVC() throws {
        let dvc = try DVCTool.executable()
        let result = try Shell.run(dvc, ["--version"], environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()])
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == Self.pinnedVersion,
                "CMLBOT_DVC is not DVC \(Self.pinnedVersion); the observed behaviour in docs/dvc-observed.md may not apply")
    }

    // MARK: drop-in scenarios: cmlbot must match DVC

    @Test("basic: params.yaml + train.py → metrics.json; default revisions, HEAD~n, --all")
    func basic() throws {
        let r = try DVCScenarios.basic()
        try Compat.compare(r, [])
        try Compat.compare(r, ["HEAD~1", "HEAD"])
        try Compat.compare(r, ["HEAD~2", "HEAD"])
        try Compat.compare(r, ["HEAD~2"])
        try Compat.compare(r, ["--all"])
        try Compat.compare(r, ["HEAD~2", "HEAD~1", "--all"])
    }

    @Test("JSON, YAML and TOML metrics and params, nested keys, lists in params")
    func formats() throws {
        let r = try DVCScenarios.formats()
        try Compat.compare(r, ["HEAD~1", "HEAD"])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--all"])
        try Compat.compare(r, ["HEAD~1"])
    }

    @Test("added and removed metrics files and keys, params keys")
    func addedRemoved() throws {
        let r = try DVCScenarios.addedRemoved()
        try Compat.compare(r, ["HEAD~1", "HEAD"])
        try Compat.compare(r, ["HEAD", "HEAD~1"])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--all"])
    }

    @Test("bool/string/number changes, type changes, 1 vs 1.0, big ints")
    func valueKinds() throws {
        let r = try DVCScenarios.valueKinds()
        try Compat.compare(r, ["HEAD~1", "HEAD"])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--all"])
        try Compat.compare(r, ["HEAD", "HEAD~1", "--all"])
    }

    @Test("YAML 1.2 scalars (1e-4, yes, 0o17, 1.10, ...)")
    func yaml12() throws {
        let r = try DVCScenarios.yaml12()
        try Compat.compare(r, ["HEAD~1", "HEAD"])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--all"])
    }

    @Test("params.yaml shown whole; other params files only the listed keys")
    func paramsScope() throws {
        let r = try DVCScenarios.paramsScope()
        try Compat.compare(r, ["HEAD~1", "HEAD"], commands: [.params])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--all"], commands: [.params])
        try Compat.compare(r, ["HEAD~1", "HEAD"], commands: [.metrics])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--targets", "config/tune.json"], commands: [.params])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--targets", "sub/params.yaml"], commands: [.params])
        try Compat.compare(r, ["HEAD~1", "HEAD"], in: "sub", commands: [.params])
    }

    @Test("top-level metrics: and params: in dvc.yaml, workspace changes")
    func topLevel() throws {
        let r = try DVCScenarios.topLevel()
        try Compat.compare(r, [])
        try Compat.compare(r, ["HEAD~1", "HEAD"])
        try Compat.compare(r, ["HEAD~1"])
        try Compat.compare(r, ["--all"])
    }

    @Test("a directory under metrics:")
    func metricsDirectory() throws {
        let r = try DVCScenarios.metricsDirectory()
        try Compat.compare(r, ["HEAD~1", "HEAD"], commands: [.metrics])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--all"], commands: [.metrics])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--targets", "eval"], commands: [.metrics])
        // The workspace holds an untracked eval/untracked.json: DVC lists it (it reads the directory).
        try Compat.compare(r, [], commands: [.metrics])
    }

    @Test("dvc.yaml in a subdirectory: paths relative to it")
    func nestedDVCYaml() throws {
        let r = try DVCScenarios.nestedDVCYaml()
        try Compat.compare(r, ["HEAD~1", "HEAD"])
        try Compat.compare(r, ["HEAD~1", "HEAD"], in: "proj")
        try Compat.compare(r, ["HEAD~1", "HEAD"], in: "proj/mdir")
        try Compat.compare(r, ["HEAD~1", "HEAD", "--all"], in: "proj/mdir")
        try Compat.compare(r, ["HEAD~1", "HEAD", "--targets", "mdir"], in: "proj", commands: [.metrics])
    }

    @Test("running from a subdirectory: paths relative to the current directory")
    func subdirectoryRuns() throws {
        let r = try DVCScenarios.subdirectoryRuns()
        try Compat.compare(r, ["HEAD~1", "HEAD"], in: "metrics")
        try Compat.compare(r, ["HEAD~1", "HEAD"], in: "metrics/eval")
        try Compat.compare(r, ["HEAD~1", "HEAD", "--all"], in: "src")
        try Compat.compare(r, ["HEAD~1", "HEAD", "--targets", "../summary.json", "train.json"], in: "metrics", commands: [.metrics])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--no-path"], in: "metrics")
    }

    @Test("explicit revisions: SHA, short SHA, branch, tag, HEAD~n, workspace, defaults; unknown revision")
    func revisions() throws {
        let (r, shas) = try DVCScenarios.revisions()
        try Compat.compare(r, [])
        try Compat.compare(r, ["HEAD"])
        try Compat.compare(r, [shas[0], shas[2]])
        try Compat.compare(r, [shas[0].short7, shas[1].short7])
        try Compat.compare(r, ["v1.0", "main"])
        try Compat.compare(r, ["main", "feature/x"])
        try Compat.compare(r, ["HEAD~2", "HEAD~1"])
        try Compat.compare(r, ["v1.0"])
        try Compat.compare(r, ["v1.0", "workspace"])
        try Compat.compare(r, ["HEAD", "HEAD"])

        // Unknown revision: DVC rc 255; cmlbot says `error:` and exits 2 (its operational-error code).
        for command in DiffCommand.allCases {
            let dvc = try r.dvc([command.rawValue, "diff", "nosuchrev", "--json"])
            #expect(dvc.status == 255)
            #expect(dvc.stderr.contains("ERROR: unknown Git revision 'nosuchrev'"), "DVC stderr: \(dvc.stderr)")
            let cm = try r.cmlbot([command.rawValue, "diff", "nosuchrev", "--json"])
            #expect(cm.status == 2, "cmlbot \(command.rawValue) diff nosuchrev: exit \(cm.status), stderr: \(cm.stderr)")
            #expect(Compat.lines(cm.stderr, startingWith: "error:").contains { $0.contains("nosuchrev") },
                    "cmlbot \(command.rawValue) diff nosuchrev: no `error:` line naming the revision; stderr: \(cm.stderr)")
        }
    }

    @Test("--precision 1/2/3/7 and 0 (ignored, Q3), --no-path; params are never rounded")
    func precision() throws {
        let r = try DVCScenarios.precision()
        // `dvc params diff` has no --precision option (rc 254, "unrecognized arguments").
        for p in ["2", "0", "1", "3", "7"] {
            try Compat.compare(r, ["HEAD~1", "HEAD", "--precision", p], commands: [.metrics], formats: [.md, .plain])
        }
        try Compat.compare(r, ["HEAD~1", "HEAD", "--precision", "2", "--all"], commands: [.metrics], formats: [.md])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--precision", "2"], commands: [.metrics], formats: [.json])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--no-path"])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--no-path", "--all", "--precision", "1"], commands: [.metrics])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--all"], commands: [.params])
    }

    @Test("--targets: files, several files, a directory, an undeclared file, a params file")
    func targets() throws {
        let r = try DVCScenarios.targets()
        try Compat.compare(r, ["HEAD~1", "HEAD"])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--targets", "m/one.json"], commands: [.metrics])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--targets", "m/one.json", "m/two.yaml"], commands: [.metrics])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--targets", "m/dir"], commands: [.metrics])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--targets", "undeclared.json"], commands: [.metrics])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--targets", "hp.json"], commands: [.params])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--targets", "params.yaml", "--all"], commands: [.params])
    }

    @Test("empty diffs: {} in JSON, header only in md, nothing in plain")
    func emptyDiffs() throws {
        let r = try DVCScenarios.empty()
        try Compat.compare(r, [])
        try Compat.compare(r, ["HEAD~1", "HEAD"])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--no-path"])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--all"])

        let dvc = try r.dvc(["metrics", "diff", "HEAD~1", "HEAD", "--json"])
        #expect(dvc.stdout == "{}\n")
        let md = try r.dvc(["metrics", "diff", "HEAD~1", "HEAD", "--md"])
        #expect(md.stdout == "| Path   | Metric   | HEAD~1   | HEAD   | Change   |\n|--------|----------|----------|--------|----------|\n\n")
        let plain = try r.dvc(["params", "diff", "HEAD~1", "HEAD"])
        #expect(plain.stdout == "")
    }

    @Test("NaN and ±Infinity")
    func specialFloats() throws {
        let r = try DVCScenarios.specialFloats()
        try Compat.compare(r, ["HEAD~1", "HEAD"])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--all"])
        // DVC writes bare NaN / Infinity tokens (not strict JSON); cmlbot must write the same tokens.
        let dvc = try r.dvc(["metrics", "diff", "HEAD~1", "HEAD", "--json"])
        #expect(dvc.stdout.contains("\"old\": NaN") && dvc.stdout.contains("Infinity"))
    }

    @Test("unicode and odd metric names and paths")
    func oddNames() throws {
        let r = try DVCScenarios.oddNames()
        try Compat.compare(r, ["HEAD~1", "HEAD"])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--no-path"], commands: [.metrics])
    }

    @Test("the same key in several files stays one row per file")
    func sameKey() throws {
        let r = try DVCScenarios.sameKey()
        try Compat.compare(r, ["HEAD~1", "HEAD"])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--no-path"])
        try Compat.compare(r, ["HEAD~1", "HEAD", "--no-path", "--all"])
    }

    @Test("odd shapes DVC reads: top-level scalar, CSV parsed as a YAML string")
    func oddShapes() throws {
        let r = try DVCScenarios.oddShapes()
        try Compat.compare(r, ["HEAD~1", "HEAD"], commands: [.metrics])
    }

    // MARK: intended differences: DVC crashes, cmlbot reports what it can and warns

    @Test("key both nested and dotted: DVC crashes (rc 255); cmlbot prints the rest and warns")
    func duplicateFlatKey() throws {
        let r = try DVCScenarios.duplicateFlatKey()
        for format in OutputFormat.allCases {
            let dvc = try r.dvc(["metrics", "diff", "HEAD~1", "HEAD"] + format.flags)
            #expect(dvc.status == 255, "DVC \(format): rc \(dvc.status)")
            #expect(dvc.stdout.isEmpty)
            #expect(dvc.stderr.hasPrefix("ERROR: unexpected error - duplicated key 'a.b'\n"), "DVC stderr: \(dvc.stderr)")
        }
        // What DVC prints for the other file, and for the clean key of the faulty one.
        let okOnly = try LenientJSON.parse(r.dvc(["metrics", "diff", "HEAD~1", "HEAD", "--json", "--targets", "ok.json"]).stdout)
        let label = "[duplicate-flat-key] cmlbot metrics diff HEAD~1 HEAD"

        let json = try r.cmlbot(["metrics", "diff", "HEAD~1", "HEAD", "--json"])
        #expect(json.status == 0, "\(label) --json: exit \(json.status), stderr: \(json.stderr)")
        Compat.expectWarning(json.stderr, naming: "dup.json", label + " --json")
        if let parsed = Compat.parseOrRecord(json.stdout, label + " --json") {
            Compat.expectNoDifferences(jsonDifferences(okOnly.member("ok.json"), parsed.member("ok.json"), at: "[\"ok.json\"]"), label + " --json")
            let c = parsed.member("dup.json")?.member("c")
            Compat.expectNoDifferences(jsonDifferences(try LenientJSON.parse(#"{"old": 3, "new": 4, "diff": 1}"#), c, at: "[\"dup.json\"][\"c\"]"), label + " --json")
        }

        let md = try r.cmlbot(["metrics", "diff", "HEAD~1", "HEAD", "--md"])
        #expect(md.status == 0, "\(label) --md: exit \(md.status), stderr: \(md.stderr)")
        Compat.expectWarning(md.stderr, naming: "dup.json", label + " --md")
        let rows = Compat.mdCells(md.stdout)
        #expect(rows.first == ["Path", "Metric", "HEAD~1", "HEAD", "Change"], "\(label) --md header: \(md.stdout)")
        #expect(rows.contains(["ok.json", "x", "1", "2", "1"]), "\(label) --md: no row for ok.json x:\n\(md.stdout)")
        #expect(rows.contains(["dup.json", "c", "3", "4", "1"]), "\(label) --md: no row for dup.json c:\n\(md.stdout)")

        let plain = try r.cmlbot(["metrics", "diff", "HEAD~1", "HEAD"])
        #expect(plain.status == 0, "\(label) (plain): exit \(plain.status), stderr: \(plain.stderr)")
        Compat.expectWarning(plain.stderr, naming: "dup.json", label + " (plain)")

        // params are unaffected.
        try Compat.compare(r, ["HEAD~1", "HEAD"], commands: [.params])
    }

    @Test("TOML date param: DVC params diff --json crashes; cmlbot prints the rest and warns; --md like DVC")
    func tomlDate() throws {
        let r = try DVCScenarios.tomlDate()
        let dvc = try r.dvc(["params", "diff", "HEAD~1", "HEAD", "--json"])
        #expect(dvc.status == 255)
        #expect(dvc.stdout.isEmpty)
        #expect(dvc.stderr.hasPrefix("ERROR: unexpected error - Object of type date is not JSON serializable\n"), "DVC stderr: \(dvc.stderr)")
        let dvcMD = try r.dvc(["params", "diff", "HEAD~1", "HEAD", "--md"])
        #expect(dvcMD.status == 0)
        #expect(Compat.mdCells(dvcMD.stdout).contains(["hp.toml", "when", "1979-05-27", "1979-05-28"]), "DVC md: \(dvcMD.stdout)")

        let label = "[toml-date] cmlbot params diff HEAD~1 HEAD --json"
        let cm = try r.cmlbot(["params", "diff", "HEAD~1", "HEAD", "--json"])
        #expect(cm.status == 0, "\(label): exit \(cm.status), stderr: \(cm.stderr)")
        Compat.expectWarning(cm.stderr, naming: "hp.toml", label)
        if let parsed = Compat.parseOrRecord(cm.stdout, label) {
            let expected = try LenientJSON.parse(#"{"lr": {"old": 0.1, "new": 0.2, "diff": 0.1}, "opt.name": {"old": "adam", "new": "sgd"}}"#)
            var file = parsed.member("hp.toml")
            // Printing the date as its text is fine; so is leaving it out (the warning says why).
            if case .object(var members)? = file {
                if let when = members.first(where: { $0.key == "when" })?.value {
                    Compat.expectNoDifferences(jsonDifferences(try LenientJSON.parse(#"{"old": "1979-05-27", "new": "1979-05-28"}"#), when, at: "[\"hp.toml\"][\"when\"]"), label)
                    members.removeAll { $0.key == "when" }
                    file = .object(members)
                }
            }
            Compat.expectNoDifferences(jsonDifferences(expected, file, at: "[\"hp.toml\"]"), label)
        }
        // md and plain work in DVC: cmlbot must match them (a warning is allowed there).
        try Compat.compare(r, ["HEAD~1", "HEAD"], commands: [.params], formats: [.md, .plain], allowWarnings: true)
        try Compat.compare(r, ["HEAD~1", "HEAD"], commands: [.metrics])
    }

    // MARK: intended differences: DVC drops silently, cmlbot matches the output and warns

    @Test("lists and nulls in metrics, a top-level list: dropped like DVC, with a warning")
    func listsAndNulls() throws {
        let r = try DVCScenarios.listsAndNulls()
        let dvc = try r.dvc(["metrics", "diff", "HEAD~1", "HEAD", "--json", "--all"])
        #expect(dvc.status == 0)
        #expect(dvc.stderr.isEmpty, "DVC stderr: \(dvc.stderr)")
        let expected = try LenientJSON.parse(#"{"lists.json": {"k": {"old": 1, "new": 2, "diff": 1}, "deep.v": {"old": 2, "new": 3, "diff": 1}}, "clean.json": {"acc": {"old": 0.5, "new": 0.6, "diff": 0.09999999999999998}}}"#)
        Compat.expectNoDifferences(jsonDifferences(expected, try? LenientJSON.parse(dvc.stdout), at: ""), "DVC's own output changed: dvc metrics diff HEAD~1 HEAD --json --all")

        for args in [["HEAD~1", "HEAD"], ["HEAD~1", "HEAD", "--all"]] {
            try Compat.compare(r, args, commands: [.metrics], allowWarnings: true)
            for format in OutputFormat.allCases {
                let cm = try r.cmlbot(["metrics", "diff"] + args + format.flags)
                let label = "[lists-and-nulls] cmlbot metrics diff \((args + format.flags).joined(separator: " "))"
                Compat.expectWarning(cm.stderr, naming: "lists.json", label)
                Compat.expectWarning(cm.stderr, naming: "toplist.json", label)
            }
        }
    }

    @Test("corrupt JSON at one revision: dropped like DVC, with a warning")
    func corruptAtOneRevision() throws {
        let r = try DVCScenarios.corruptAtOneRevision()
        let dvc = try r.dvc(["metrics", "diff", "HEAD~1", "HEAD", "--json"])
        #expect(dvc.status == 0)
        #expect(dvc.stderr == "DVC failed to load some metrics for following revisions: 'HEAD'.\n", "DVC stderr: \(dvc.stderr)")
        let expected = try LenientJSON.parse(#"{"bad.json": {"v": {"old": 1, "new": null}, "w": {"old": 0.5, "new": null}}, "good.json": {"acc": {"old": 0.5, "new": 0.6, "diff": 0.09999999999999998}}}"#)
        Compat.expectNoDifferences(jsonDifferences(expected, try? LenientJSON.parse(dvc.stdout), at: ""), "DVC's own output changed: dvc metrics diff HEAD~1 HEAD --json")

        for args in [["HEAD~1", "HEAD"], ["HEAD"], ["HEAD~1", "HEAD", "--all"]] {
            try Compat.compare(r, args, commands: [.metrics], allowWarnings: true)
            for format in OutputFormat.allCases {
                let cm = try r.cmlbot(["metrics", "diff"] + args + format.flags)
                Compat.expectWarning(cm.stderr, naming: "bad.json", "[corrupt-json] cmlbot metrics diff \((args + format.flags).joined(separator: " "))")
            }
        }
        // HEAD~1 vs workspace: both sides parse, nothing to warn about.
        try Compat.compare(r, ["HEAD~1"], commands: [.metrics])
    }

    @Test("files that cannot be parsed (TSV, broken YAML): dropped like DVC, with a warning")
    func unparseable() throws {
        let r = try DVCScenarios.unparseable()
        let dvc = try r.dvc(["metrics", "diff", "HEAD~1", "HEAD", "--json"])
        #expect(dvc.status == 0)
        #expect(dvc.stderr == "DVC failed to load some metrics for following revisions: 'HEAD~1, HEAD'.\n", "DVC stderr: \(dvc.stderr)")
        let expected = try LenientJSON.parse(#"{"fine.json": {"acc": {"old": 0.5, "new": 0.6, "diff": 0.09999999999999998}}}"#)
        Compat.expectNoDifferences(jsonDifferences(expected, try? LenientJSON.parse(dvc.stdout), at: ""), "DVC's own output changed: dvc metrics diff HEAD~1 HEAD --json")

        try Compat.compare(r, ["HEAD~1", "HEAD"], commands: [.metrics], allowWarnings: true)
        for format in OutputFormat.allCases {
            let cm = try r.cmlbot(["metrics", "diff", "HEAD~1", "HEAD"] + format.flags)
            let label = "[unparseable] cmlbot metrics diff HEAD~1 HEAD \(format.flags.joined())"
            Compat.expectWarning(cm.stderr, naming: "table.tsv", label)
            Compat.expectWarning(cm.stderr, naming: "broken.yaml", label)
        }
    }

    @Test("dates in YAML/TOML metrics: dropped like DVC, with a warning")
    func metricDates() throws {
        let r = try DVCScenarios.metricDates()
        let dvc = try r.dvc(["metrics", "diff", "HEAD~1", "HEAD", "--json"])
        #expect(dvc.stderr.isEmpty, "DVC stderr: \(dvc.stderr)")
        let expected = try LenientJSON.parse(#"{"d.yaml": {"acc": {"old": 0.5, "new": 0.6, "diff": 0.09999999999999998}}, "d.toml": {"acc": {"old": 0.5, "new": 0.6, "diff": 0.09999999999999998}}}"#)
        Compat.expectNoDifferences(jsonDifferences(expected, try? LenientJSON.parse(dvc.stdout), at: ""), "DVC's own output changed: dvc metrics diff HEAD~1 HEAD --json")
        try Compat.compare(r, ["HEAD~1", "HEAD"], commands: [.metrics], allowWarnings: true)
        let cm = try r.cmlbot(["metrics", "diff", "HEAD~1", "HEAD", "--json"])
        Compat.expectWarning(cm.stderr, naming: "d.yaml", "[metric-dates] cmlbot metrics diff HEAD~1 HEAD --json")
        Compat.expectWarning(cm.stderr, naming: "d.toml", "[metric-dates] cmlbot metrics diff HEAD~1 HEAD --json")
    }
}

// MARK: - Running both tools and comparing

enum DiffCommand: String, CaseIterable, Sendable {
    case metrics, params
}

enum OutputFormat: String, CaseIterable, Sendable, CustomStringConvertible {
    case json, md, plain
    var flags: [String] {
        switch self {
        case .json: ["--json"]
        case .md: ["--md"]
        case .plain: []
        }
    }
    var description: String { rawValue }
}

enum Compat {
    /// Runs `dvc <command> diff ARGS FORMAT` and `cmlbot <command> diff ARGS FORMAT` in the same
    /// directory for every command and format, and records every difference as a test issue.
    static func compare(_ repo: DVCRepo, _ arguments: [String], in sub: String? = nil,
                        commands: [DiffCommand] = DiffCommand.allCases, formats: [OutputFormat] = OutputFormat.allCases,
                        allowWarnings: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for command in commands {
            for format in formats {
                let args = [command.rawValue, "diff"] + arguments + format.flags
                let label = "[\(repo.scenario)] \(args.joined(separator: " "))" + (sub.map { " (in \($0)/)" } ?? "")
                let dvc = try repo.dvc(args, in: sub)
                let cm = try repo.cmlbot(args, in: sub)
                guard dvc.status == 0 else {
                    Issue.record("\(label): DVC itself failed (rc \(dvc.status)) — scenario bug:\n\(dvc.stderr)", sourceLocation: sourceLocation)
                    continue
                }
                guard cm.status == 0 else {
                    Issue.record("\(label): cmlbot exited \(cm.status) (DVC: 0)\nstderr: \(cm.stderr)", sourceLocation: sourceLocation)
                    continue
                }
                var problems: [String]
                switch format {
                case .json: problems = jsonProblems(dvc: dvc.stdout, cmlbot: cm.stdout)
                case .md: problems = tableProblems(dvc: dvc.stdout, cmlbot: cm.stdout, markdown: true, sub: sub)
                case .plain: problems = tableProblems(dvc: dvc.stdout, cmlbot: cm.stdout, markdown: false, sub: sub)
                }
                if !allowWarnings && dvc.stderr.isEmpty {
                    let noisy = lines(cm.stderr, startingWith: "warning:") + lines(cm.stderr, startingWith: "error:")
                    if !noisy.isEmpty { problems.append("unexpected on stderr (DVC's stderr is empty):\n  " + noisy.joined(separator: "\n  ")) }
                }
                if !problems.isEmpty {
                    Issue.record(Comment(rawValue: "\(label): cmlbot differs from DVC\n- " + problems.joined(separator: "\n- ")
                                 + "\n--- DVC stdout:\n\(dvc.stdout)--- cmlbot stdout:\n\(cm.stdout)"), sourceLocation: sourceLocation)
                }
            }
        }
    }

    static func jsonProblems(dvc: String, cmlbot: String) -> [String] {
        let expected: JValue
        do { expected = try LenientJSON.parse(dvc) } catch { return ["DVC's JSON does not parse (\(error)) — scenario bug"] }
        var problems: [String] = []
        let body = cmlbot.hasSuffix("\n") ? String(cmlbot.dropLast()) : cmlbot
        if !cmlbot.hasSuffix("\n") || body.contains("\n") {
            problems.append("JSON is not a single line ending in a newline, as DVC prints it")
        }
        do {
            let actual = try LenientJSON.parse(cmlbot)
            problems += jsonDifferences(expected, actual, at: "")
        } catch {
            problems.append("cmlbot's JSON does not parse: \(error)")
        }
        return problems
    }

    /// Compares two tables (md or plain) as DVC prints them, ignoring DVC's random file order.
    static func tableProblems(dvc: String, cmlbot: String, markdown: Bool, sub: String?) -> [String] {
        if dvc.isEmpty {
            return cmlbot.isEmpty ? [] : ["DVC prints nothing, cmlbot printed \(cmlbot.debugDescription)"]
        }
        var expected = dvc.components(separatedBy: "\n")
        var actual = cmlbot.components(separatedBy: "\n")
        var problems: [String] = []
        // Trailing structure: md ends "|\n\n" (a blank line after the table), plain ends "\n".
        let trailing = { (lines: [String]) in lines.reversed().prefix { $0.isEmpty }.count }
        let dvcTrailing = trailing(expected), cmTrailing = trailing(actual)
        if dvcTrailing != cmTrailing {
            problems.append("output ends with \(cmTrailing) empty line(s) after splitting on \\n, DVC with \(dvcTrailing) (DVC's ends \(String(dvc.suffix(4)).debugDescription), cmlbot's \(String(cmlbot.suffix(4)).debugDescription))")
        }
        expected.removeLast(dvcTrailing)
        actual.removeLast(cmTrailing)
        let headerCount = markdown ? 2 : 1
        let dvcHeader = Array(expected.prefix(headerCount)), cmHeader = Array(actual.prefix(headerCount))
        if dvcHeader != cmHeader {
            problems.append("header differs:\n    DVC:    \(dvcHeader.map(\.debugDescription).joined(separator: "\n            "))\n    cmlbot: \(cmHeader.map(\.debugDescription).joined(separator: "\n            "))")
        }
        let dvcRows = Array(expected.dropFirst(headerCount)), cmRows = Array(actual.dropFirst(headerCount))
        let (onlyDVC, onlyCm) = multisetDifference(dvcRows, cmRows)
        if !onlyDVC.isEmpty || !onlyCm.isEmpty {
            problems.append("rows differ (as sets):\n    only in DVC:    " + onlyDVC.map(\.debugDescription).joined(separator: "\n                    ")
                            + "\n    only in cmlbot: " + onlyCm.map(\.debugDescription).joined(separator: "\n                    "))
        } else if markdown, dvcHeader.first?.hasPrefix("| Path ") == true {
            problems += orderProblems(dvcRows: dvcRows, cmRows: cmRows, sub: sub)
        }
        return problems
    }

    /// Rows of one file keep DVC's order (sorted by key); cmlbot's files are contiguous and sorted by
    /// path (the path as shown, or as resolved from the repository root).
    static func orderProblems(dvcRows: [String], cmRows: [String], sub: String?) -> [String] {
        func groups(_ rows: [String]) -> [(path: String, rows: [String])] {
            var out: [(path: String, rows: [String])] = []
            for row in rows {
                let path = firstCell(row)
                if let last = out.last, last.path == path { out[out.count - 1].rows.append(row) } else { out.append((path, [row])) }
            }
            return out
        }
        var problems: [String] = []
        let dvcGroups = groups(dvcRows), cmGroups = groups(cmRows)
        let cmPaths = cmGroups.map(\.path)
        if Set(cmPaths).count != cmPaths.count {
            problems.append("cmlbot's rows of one file are not contiguous: file order \(cmPaths)")
        } else {
            let shown = cmPaths.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            let resolved = cmPaths.sorted { Array(repoRelative($0, sub).utf8).lexicographicallyPrecedes(Array(repoRelative($1, sub).utf8)) }
            if cmPaths != shown && cmPaths != resolved {
                problems.append("cmlbot's files are not sorted by path: \(cmPaths)")
            }
        }
        let dvcByPath = Dictionary(dvcGroups.map { ($0.path, $0.rows) }, uniquingKeysWith: +)
        for group in cmGroups where dvcByPath[group.path] != group.rows {
            problems.append("rows of \(group.path) are in a different order:\n    DVC:    \((dvcByPath[group.path] ?? []).joined(separator: "\n            "))\n    cmlbot: \(group.rows.joined(separator: "\n            "))")
        }
        return problems
    }

    static func firstCell(_ row: String) -> String {
        var rest = Substring(row)
        if rest.hasPrefix("| ") { rest = rest.dropFirst(2) }
        if let end = rest.range(of: " |") { rest = rest[..<end.lowerBound] }
        return rest.trimmingCharacters(in: .whitespaces)
    }

    static func repoRelative(_ shown: String, _ sub: String?) -> String {
        var parts = (sub ?? "").split(separator: "/").map(String.init)
        for component in shown.split(separator: "/").map(String.init) {
            if component == ".." { if !parts.isEmpty { parts.removeLast() } } else if component != "." { parts.append(component) }
        }
        return parts.joined(separator: "/")
    }

    static func multisetDifference(_ a: [String], _ b: [String]) -> ([String], [String]) {
        var counts: [String: Int] = [:]
        for x in a { counts[x, default: 0] += 1 }
        for x in b { counts[x, default: 0] -= 1 }
        var onlyA: [String] = [], onlyB: [String] = []
        for x in a where (counts[x] ?? 0) > 0 { onlyA.append(x); counts[x]! -= 1 }
        for x in b where (counts[x] ?? 0) < 0 { onlyB.append(x); counts[x]! += 1 }
        return (onlyA, onlyB)
    }

    /// Cells of each line of a Markdown table (header and rows; the separator line skipped).
    static func mdCells(_ text: String) -> [[String]] {
        text.components(separatedBy: "\n").filter { $0.hasPrefix("|") && !$0.hasPrefix("|--") }.map { line in
            var body = Substring(line).dropFirst()
            if body.hasSuffix("|") { body = body.dropLast() }
            return body.components(separatedBy: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }

    static func lines(_ text: String, startingWith prefix: String) -> [String] {
        text.components(separatedBy: "\n").filter { $0.hasPrefix(prefix) }
    }

    static func expectWarning(_ stderr: String, naming file: String, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let warnings = lines(stderr, startingWith: "warning: ")
        if !warnings.contains(where: { $0.contains(file) }) {
            Issue.record("\(label): no `warning: ` line on stderr naming \(file); stderr was:\n\(stderr)", sourceLocation: sourceLocation)
        }
    }

    static func expectNoDifferences(_ problems: [String], _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        if !problems.isEmpty {
            Issue.record(Comment(rawValue: "\(label):\n- " + problems.joined(separator: "\n- ")), sourceLocation: sourceLocation)
        }
    }

    static func parseOrRecord(_ text: String, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) -> JValue? {
        do { return try LenientJSON.parse(text) } catch {
            Issue.record("\(label): stdout is not JSON (\(error)): \(text.debugDescription)", sourceLocation: sourceLocation)
            return nil
        }
    }
}

// MARK: - JSON as DVC writes it (NaN/Infinity tokens; ints and floats kept apart)

indirect enum JValue: CustomStringConvertible {
    case object([(key: String, value: JValue)])
    case array([JValue])
    case string(String)
    /// An integer as written (no `.`, `e`): sign and digits, normalised ("-0" → "0", no "+").
    case int(String)
    /// A number written with `.` or an exponent, or NaN/Infinity.
    case float(Double, raw: String)
    case bool(Bool)
    case null

    func member(_ key: String) -> JValue? {
        if case .object(let members) = self { return members.first { $0.key == key }?.value }
        return nil
    }

    var description: String {
        switch self {
        case .object(let m): "{" + m.map { "\($0.key.debugDescription): \($0.value)" }.joined(separator: ", ") + "}"
        case .array(let a): "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .string(let s): s.debugDescription
        case .int(let s): s
        case .float(_, let raw): raw
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        }
    }
}

struct LenientJSONError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

struct LenientJSON {
    private let bytes: [UInt8]
    private var i = 0

    static func parse(_ text: String) throws -> JValue {
        var parser = LenientJSON(bytes: Array(text.utf8))
        parser.skipSpace()
        let value = try parser.value()
        parser.skipSpace()
        guard parser.i == parser.bytes.count else { throw parser.error("trailing characters") }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func error(_ what: String) -> LenientJSONError {
        LenientJSONError(message: "\(what) at byte \(i)")
    }

    private mutating func skipSpace() {
        while i < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[i]) { i += 1 }
    }

    private mutating func literal(_ word: String) -> Bool {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else { return false }
        i += w.count
        return true
    }

    private mutating func value() throws -> JValue {
        guard i < bytes.count else { throw error("unexpected end") }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var members: [(key: String, value: JValue)] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw error("expected a key") }
                let key = try string()
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw error("expected :") }
                i += 1
                skipSpace()
                members.append((key, try value()))
                skipSpace()
                guard i < bytes.count else { throw error("unexpected end in object") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                throw error("expected , or }")
            }
        case UInt8(ascii: "["):
            i += 1
            var items: [JValue] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value())
                skipSpace()
                guard i < bytes.count else { throw error("unexpected end in array") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                throw error("expected , or ]")
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        default:
            if literal("true") { return .bool(true) }
            if literal("false") { return .bool(false) }
            if literal("null") { return .null }
            if literal("NaN") { return .float(.nan, raw: "NaN") }
            if literal("Infinity") { return .float(.infinity, raw: "Infinity") }
            if literal("-Infinity") { return .float(-.infinity, raw: "-Infinity") }
            return try number()
        }
    }

    private mutating func number() throws -> JValue {
        let start = i
        while i < bytes.count, "+-0123456789.eE".utf8.contains(bytes[i]) { i += 1 }
        let raw = String(decoding: bytes[start..<i], as: UTF8.self)
        guard !raw.isEmpty else { throw error("unexpected character \(UnicodeScalar(bytes[start]))") }
        if raw.contains(where: { ".eE".contains($0) }) {
            guard let d = Double(raw) else { throw error("bad number \(raw)") }
            return .float(d, raw: raw)
        }
        var digits = Substring(raw)
        var negative = false
        if digits.hasPrefix("-") { negative = true; digits = digits.dropFirst() } else if digits.hasPrefix("+") { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { throw error("bad number \(raw)") }
        let trimmed = digits.drop { $0 == "0" }
        let magnitude = trimmed.isEmpty ? "0" : String(trimmed)
        return .int(negative && magnitude != "0" ? "-" + magnitude : magnitude)
    }

    private mutating func hex4() throws -> UInt32 {
        guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16) else { throw error("bad \\u escape") }
        i += 4
        return v
    }

    private mutating func string() throws -> String {
        i += 1  // opening quote
        var out: [UInt8] = []
        while true {
            guard i < bytes.count else { throw error("unterminated string") }
            let b = bytes[i]
            i += 1
            if b == UInt8(ascii: "\"") { break }
            if b != UInt8(ascii: "\\") { out.append(b); continue }
            guard i < bytes.count else { throw error("unterminated escape") }
            let e = bytes[i]
            i += 1
            var scalar: UInt32
            switch e {
            case UInt8(ascii: "\""): scalar = 0x22
            case UInt8(ascii: "\\"): scalar = 0x5C
            case UInt8(ascii: "/"): scalar = 0x2F
            case UInt8(ascii: "b"): scalar = 0x08
            case UInt8(ascii: "f"): scalar = 0x0C
            case UInt8(ascii: "n"): scalar = 0x0A
            case UInt8(ascii: "r"): scalar = 0x0D
            case UInt8(ascii: "t"): scalar = 0x09
            case UInt8(ascii: "u"):
                scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar), literal("\\u") {
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("bad surrogate pair") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
            default: throw error("bad escape \\\(UnicodeScalar(e))")
            }
            guard let u = Unicode.Scalar(scalar) else { throw error("lone surrogate") }
            out.append(contentsOf: Array(String(Character(u)).utf8))
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Differences between DVC's JSON (expected) and cmlbot's (actual): keys in any order, numbers
/// within 1e-12 (relative or absolute), ints and floats kept apart, NaN equal to NaN.
func jsonDifferences(_ expected: JValue?, _ actual: JValue?, at path: String) -> [String] {
    let here = path.isEmpty ? "top level" : path
    switch (expected, actual) {
    case (nil, nil): return []
    case (nil, let a?): return ["\(here): DVC has nothing, cmlbot has \(a)"]
    case (let e?, nil): return ["\(here): missing in cmlbot (DVC: \(e))"]
    case (.object(let e)?, .object(let a)?):
        var out: [String] = []
        let aKeys = a.map(\.key)
        if Set(aKeys).count != aKeys.count { out.append("\(here): cmlbot repeats a key: \(aKeys)") }
        let aByKey = Dictionary(a.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        let eKeys = Set(e.map(\.key))
        for (key, value) in e {
            let sub = path + "[\(key.debugDescription)]"
            if let other = aByKey[key] { out += jsonDifferences(value, other, at: sub) } else { out.append("\(sub): missing in cmlbot (DVC: \(value))") }
        }
        for (key, value) in a where !eKeys.contains(key) {
            out.append(path + "[\(key.debugDescription)]: only in cmlbot (\(value))")
        }
        return out
    case (.array(let e)?, .array(let a)?):
        guard e.count == a.count else { return ["\(here): DVC \(JValue.array(e)), cmlbot \(JValue.array(a))"] }
        return zip(e, a).enumerated().flatMap { jsonDifferences($0.element.0, $0.element.1, at: path + "[\($0.offset)]") }
    case (.int(let e)?, .int(let a)?):
        return e == a ? [] : ["\(here): DVC \(e), cmlbot \(a)"]
    case (.float(let e, let er)?, .float(let a, let ar)?):
        if e.isNaN && a.isNaN { return [] }
        if e == a { return [] }
        if e.isFinite && a.isFinite && abs(e - a) <= 1e-12 * max(1, abs(e), abs(a)) { return [] }
        return ["\(here): DVC \(er), cmlbot \(ar)"]
    case (.int(let e)?, .float(_, let ar)?):
        return ["\(here): DVC writes an int (\(e)), cmlbot a float (\(ar))"]
    case (.float(_, let er)?, .int(let a)?):
        return ["\(here): DVC writes a float (\(er)), cmlbot an int (\(a))"]
    case (.string(let e)?, .string(let a)?):
        return e == a ? [] : ["\(here): DVC \(e.debugDescription), cmlbot \(a.debugDescription)"]
    case (.bool(let e)?, .bool(let a)?):
        return e == a ? [] : ["\(here): DVC \(e), cmlbot \(a)"]
    case (.null?, .null?):
        return []
    case (let e?, let a?):
        return ["\(here): DVC \(e), cmlbot \(a)"]
    }
}
