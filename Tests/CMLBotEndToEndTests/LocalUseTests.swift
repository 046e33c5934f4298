import Foundation
import Testing
import TestSupport

/// `cmlbot report` on a developer's machine: the default base, the HTML preview and `--open`,
/// colour on terminals only, shell completions.
@Suite struct LocalUseTests {
    /// main: acc 1 → (branch) feature: acc 2 → main moves on: acc 5. The workspace of feature has acc 3.
    static func branchedProject(branch: String = "main") throws -> (repo: GitRepoBuilder, forkPoint: String) {
        let repo = try GitRepoBuilder()
        try repo.git("checkout", "-q", "-B", branch)
        let forkPoint = try repo.commit("base", files: ["dvc.yaml": "metrics: [m.json]\n", "m.json": #"{"acc": 1}"#])
        try repo.git("checkout", "-q", "-b", "feature")
        try repo.commit("train", files: ["m.json": #"{"acc": 2}"#])
        try repo.git("checkout", "-q", branch)
        try repo.commit("main moves on", files: ["m.json": #"{"acc": 5}"#])
        try repo.git("checkout", "-q", "feature")
        try repo.write("m.json", #"{"acc": 3}"#)
        return (repo, forkPoint)
    }

    @Test func reportComparesWithWhereTheBranchLeftMain() throws {
        let (repo, forkPoint) = try Self.branchedProject()
        let r = try CMLBotBinary.run(["report", "--format", "json"], in: repo.path)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let base = json?["base"] as? [String: Any]
        #expect(base?["revision"] as? String == "main...HEAD")
        #expect(base?["commit"] as? String == forkPoint, "the merge-base, not main's tip")
        let md = try CMLBotBinary.run(["report"], in: repo.path)
        #expect(md.stdout.contains("| `acc` | 1 | 3 | +2 |"), "\(md.stdout)")

        // `gate` shares the default.
        try repo.write(".cmlbot.yml", "version: 1\npromote:\n  metrics:\n    - {metric: acc, max_increase: 1}\n")
        let gate = try CMLBotBinary.run(["gate"], in: repo.path)
        #expect(gate.status == 1, "acc rose by 2 from the fork point (by -2 from main's tip): \(gate.stdout)")
    }

    @Test func onTheDefaultBranchTheBaseIsHead() throws {
        let (repo, _) = try Self.branchedProject()
        try repo.git("checkout", "-q", "-f", "main")
        try repo.write("m.json", #"{"acc": 6}"#)
        let r = try CMLBotBinary.run(["report", "--format", "json"], in: repo.path)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect((json?["base"] as? [String: Any])?["revision"] as? String == "HEAD")
    }

    @Test func aCloneUsesOriginHead() throws {
        let (upstream, forkPoint) = try Self.branchedProject(branch: "trunk")
        // A clone's origin/HEAD follows the upstream's HEAD: the default branch checked out there.
        try upstream.git("checkout", "-q", "-f", "trunk")
        let dir = try TemporaryDirectory("clone")
        try Shell.run("git", ["clone", "-q", "--branch", "feature", upstream.path, dir.file("c")])
        let r = try CMLBotBinary.run(["report", "--format", "json"], in: dir.file("c"))
        #expect(r.status == 0, "\(r.stderr)")
        let base = (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["base"] as? [String: Any]
        #expect(base?["revision"] as? String == "origin/trunk...HEAD")
        #expect(base?["commit"] as? String == forkPoint)
    }

    @Test func initDefaultBranchIsHonouredAndNoDefaultMeansHead() throws {
        let (repo, forkPoint) = try Self.branchedProject(branch: "trunk")
        let plain = try CMLBotBinary.run(["report", "--format", "json"], in: repo.path)
        #expect(((try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as? [String: Any])?["base"] as? [String: Any])?["revision"] as? String == "HEAD")
        try repo.git("config", "init.defaultBranch", "trunk")
        let configured = try CMLBotBinary.run(["report", "--format", "json"], in: repo.path)
        let base = (try JSONSerialization.jsonObject(with: Data(configured.stdout.utf8)) as? [String: Any])?["base"] as? [String: Any]
        #expect(base?["revision"] as? String == "trunk...HEAD")
        #expect(base?["commit"] as? String == forkPoint)
    }

    @Test func previewPathIsPrintedAndOpenUsesTheBrowser() throws {
        let (repo, _) = try Self.branchedProject()
        let r = try CMLBotBinary.run(["report"], in: repo.path)
        let preview = repo.path + "/.git/cmlbot/report/report.html"
        #expect(r.stderr == "note: HTML preview: \(preview)\n")
        let html = try String(contentsOfFile: preview, encoding: .utf8)
        #expect(html.contains("<html") && html.contains("acc"))
        let status = try repo.git("status", "--porcelain")
        #expect(status.split(separator: "\n").map(String.init) == ["M m.json"] || status.split(separator: "\n").map(String.init) == [" M m.json"], "the working tree is untouched: \(status)")

        let out = try TemporaryDirectory("out")
        let withOut = try CMLBotBinary.run(["report", "--out", out.path], in: repo.path)
        #expect(withOut.stderr == "note: HTML preview: \(out.path)/report.html\n")

        // --open hands the path to $BROWSER.
        let browser = out.file("fake-browser")
        try "#!/bin/sh\nprintf '%s' \"$1\" > \"\(out.file("opened"))\"\n".write(toFile: browser, atomically: true, encoding: .utf8)
        try Shell.run("chmod", ["+x", browser])
        let opened = try CMLBotBinary.run(["report", "--open"], in: repo.path, environment: ["BROWSER": browser])
        #expect(opened.status == 0, "\(opened.stderr)")
        #expect(try String(contentsOfFile: out.file("opened"), encoding: .utf8) == preview)

        let none = try CMLBotBinary.run(["report", "--open"], in: repo.path, environment: ["BROWSER": "", "PATH": "/nonexistent"])
        #expect(none.status == 0)
        #expect(none.stderr.contains("warning: cannot open \(preview): no browser found (set BROWSER, or install xdg-utils)"))
    }

    /// Runs cmlbot on a pseudo-terminal (util-linux `script`), where colour is allowed.
    static func onTerminal(_ arguments: [String], in directory: String, environment: [String: String]) throws -> String {
        let command = ([CMLBotBinary.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": directory, "TERM": "xterm"]
        for (k, v) in environment { env[k] = v }
        return try Shell.run("script", ["-qec", command, "/dev/null"], in: directory, environment: env).stdout
    }

    @Test func colourOnlyOnATerminalAndNeverWithNoColor() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else {
            if ReferenceTools.required { throw ReferenceTools.Missing(tool: "script (util-linux)") }
            return
        }
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["README.md": "x\n"])
        try repo.write("big.bin", String(repeating: "x", count: 600 * 1024))
        try repo.git("add", "big.bin")
        let coloured = try Self.onTerminal(["check"], in: repo.path, environment: [:])
        #expect(coloured.contains("big.bin: \u{1B}[1;31merror\u{1B}[0m: [large_files]"), "\(coloured.debugDescription)")
        #expect(coloured.contains("\u{1B}[32mfix\u{1B}[0m:"))
        let plain = try Self.onTerminal(["check"], in: repo.path, environment: ["NO_COLOR": "1"])
        #expect(plain.contains("big.bin: error: [large_files]"))
        #expect(!plain.contains("\u{1B}["))
        let dumb = try Self.onTerminal(["check"], in: repo.path, environment: ["TERM": "dumb"])
        #expect(!dumb.contains("\u{1B}["))
        // Diagnostics on stderr: the label coloured on a terminal.
        let error = try Self.onTerminal(["metrics", "diff", "nosuchrev"], in: repo.path, environment: [:])
        #expect(error.contains("\u{1B}[1;31merror\u{1B}[0m: unknown git revision 'nosuchrev'"), "\(error.debugDescription)")
        // Piped output (every other test) never has escapes, NO_COLOR or not.
        let piped = try Shell.run(CMLBotBinary.path, ["check"], in: repo.path, environment: ["PATH": "/usr/bin:/bin", "HOME": repo.path, "TERM": "xterm"])
        #expect(!(piped.stdout + piped.stderr).contains("\u{1B}["))
    }

    @Test func shellCompletionScripts() throws {
        let dir = try TemporaryDirectory("completion")
        for shell in ["bash", "zsh", "fish"] {
            let r = try CMLBotBinary.run(["--generate-completion-script", shell], in: dir.path)
            #expect(r.status == 0, "\(shell): \(r.stderr)")
            for word in ["report", "check", "gate", "comment", "metrics", "params"] {
                #expect(r.stdout.contains(word), "\(shell) completion names \(word)")
            }
            let file = dir.file("cmlbot.\(shell)")
            try r.stdout.write(toFile: file, atomically: true, encoding: .utf8)
            // The script parses in its shell (bash is always here; zsh and fish when installed).
            if let interpreter = ReferenceTools.which(shell) {
                let check = try Shell.run(interpreter, shell == "fish" ? ["--no-execute", file] : ["-n", file])
                #expect(check.status == 0, "\(shell): \(check.stderr)")
            } else {
                #expect(shell != "bash", "bash is required to check the bash completion")
            }
        }
    }
}
