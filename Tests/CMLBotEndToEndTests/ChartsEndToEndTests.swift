import Foundation
import Testing
import TestSupport

/// `cmlbot report --out DIR` on a repository with plots in every format: SVG files that parse and
/// render, a self-contained HTML page that a browser draws, and escaping of hostile names.
@Suite struct ChartsEndToEndTests {
    static let hostileField = "<script>alert(1)</script>&\"q\""

    static func project() throws -> (GitRepoBuilder, String) {
        let repo = try GitRepoBuilder()
        func csv(_ values: [Double]) -> String {
            "step,loss\n" + values.enumerated().map { "\($0.offset),\($0.element)" }.joined(separator: "\n") + "\n"
        }
        let dvcYAML = """
        stages:
          train:
            cmd: python train.py
            metrics:
              - metrics.json:
                  cache: false
            plots:
              - logs/train.csv:
                  x: step
                  y: loss
                  cache: false
              - eval/classes.csv:
                  template: confusion
                  x: actual
                  y: predicted
        plots:
          - logs/acc.tsv
          - Accuracy:
              x: epoch
              y:
                logs/a.json: acc
                logs/b.yaml: acc
          - evil/hostile.csv:
              y: "\(hostileField.replacingOccurrences(of: "\"", with: "\\\""))"
        """
        try repo.commit("base", files: [
            "dvc.yaml": dvcYAML,
            "metrics.json": #"{"acc": 0.8, "loss": 0.4}"#,
            "logs/train.csv": csv([1.0, 0.7, 0.5, 0.45, 0.42]),
            "logs/acc.tsv": "acc\n0.5\n0.6\n",
            "logs/a.json": #"[{"epoch": 1, "acc": 0.5}, {"epoch": 2, "acc": 0.6}]"#,
            "logs/b.yaml": "rows:\n  - {epoch: 1, acc: 0.4}\n  - {epoch: 2, acc: 0.55}\n",
            "eval/classes.csv": "actual,predicted\ncat,cat\ncat,dog\ndog,dog\nbird,cat\n",
            "evil/hostile.csv": "step,\"\(hostileField.replacingOccurrences(of: "\"", with: "\"\""))\"\n0,1\n1,2\n",
        ])
        let base = try repo.git("rev-parse", "HEAD")
        try repo.commit("head", files: [
            "metrics.json": #"{"acc": 0.85, "loss": 0.35}"#,
            "logs/train.csv": csv([0.9, 0.6, 0.4, 0.33, 0.3, 0.28, 0.27]),
            "logs/acc.tsv": "acc\n0.55\n0.7\n0.75\n",
            "logs/a.json": #"[{"epoch": 1, "acc": 0.55}, {"epoch": 2, "acc": 0.7}]"#,
            "eval/classes.csv": "actual,predicted\ncat,cat\ncat,cat\ndog,dog\nbird,bird\n",
            "evil/hostile.csv": "step,\"\(hostileField.replacingOccurrences(of: "\"", with: "\"\""))\"\n0,1\n1,3\n2,4\n",
        ])
        return (repo, base)
    }

    @Test func reportWritesChartsAndASelfContainedHTMLPage() throws {
        let (repo, base) = try Self.project()
        let out = try TemporaryDirectory("cmlbot-charts-out")
        let result = try CMLBotBinary.run(["report", "--base", base, "--head", "HEAD", "--out", out.path], in: repo.path)
        #expect(result.status == 0, "\(result.stderr)")
        let md = result.stdout
        #expect(md.contains("### Charts"))
        #expect(md.contains("```mermaid\n"))
        #expect(md.count <= 65_000)

        let charts = try FileManager.default.contentsOfDirectory(atPath: out.file("charts")).sorted()
        #expect(charts == ["accuracy.svg", "eval-classes-csv.svg", "evil-hostile-csv.svg", "logs-acc-tsv.svg", "logs-train-csv.svg", "metric-deltas.svg"])
        for name in charts {
            let path = out.file("charts/" + name)
            let svg = try String(contentsOfFile: path, encoding: .utf8)
            #expect(!svg.contains("<script"), "\(name)")
            if let xmllint = try ReferenceTools.locate("xmllint") {
                let r = try Shell.run(xmllint, ["--noout", path])
                #expect(r.status == 0, "\(name): \(r.stderr)")
            }
            if let rsvg = try ReferenceTools.locate("rsvg-convert") {
                let png = out.file(name + ".png")
                let r = try Shell.run(rsvg, ["-o", png, path])
                #expect(r.status == 0, "\(name): \(r.stderr)")
                #expect(try Data(contentsOf: URL(fileURLWithPath: png)).count > 1_000, "\(name)")
            }
        }

        let html = try String(contentsOfFile: out.file("report.html"), encoding: .utf8)
        #expect(!html.contains("<script"))
        #expect(!html.contains("src=\"http"))
        #expect(!html.contains("href=\"http"))
        #expect(html.contains("&lt;script&gt;"))
        #expect(html.components(separatedBy: "<svg ").count - 1 == charts.count)

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out.file("report.json")))) as? [String: Any]
        let section = (json?["sections"] as? [String: Any])?["charts"] as? [String: Any]
        let plots = section?["plots"] as? [[String: Any]] ?? []
        #expect(plots.count == 5)
        let train = plots.first { $0["id"] as? String == "logs/train.csv" }
        let series = (train?["series"] as? [[String: Any]])?.first
        #expect((series?["head"] as? [String: Any])?["points"] as? Int == 7)
        #expect((series?["base"] as? [String: Any])?["last"] as? Double == 0.42)

        // Same inputs, same bytes.
        let again = try TemporaryDirectory("cmlbot-charts-again")
        _ = try CMLBotBinary.run(["report", "--base", base, "--head", "HEAD", "--out", again.path], in: repo.path)
        for name in charts + ["../report.html", "../report.md", "../report.json"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: out.file("charts/" + name))) == Data(contentsOf: URL(fileURLWithPath: again.file("charts/" + name))), "\(name)")
        }

        if let rendered = try MarkdownRendering.html(md) {
            #expect(!rendered.contains("<script"))
            #expect(!rendered.contains("<img"))
        }
    }

    @Test func htmlPreviewOpensInHeadlessChromium() throws {
        guard let chromium = try ReferenceTools.locate("chromium") else { return }
        let (repo, base) = try Self.project()
        let out = try TemporaryDirectory("cmlbot-charts-chromium")
        let result = try CMLBotBinary.run(["report", "--base", base, "--head", "HEAD", "--out", out.path], in: repo.path)
        #expect(result.status == 0, "\(result.stderr)")
        try Data("<!DOCTYPE html><html><body></body></html>".utf8).write(to: URL(fileURLWithPath: out.file("blank.html")))
        func screenshot(_ page: String) throws -> Int {
            let png = out.file(page + ".png")
            let profile = out.file("profile-" + page)
            let r = try Shell.run(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                                             "--user-data-dir=" + profile, "--window-size=1200,1600", "--screenshot=" + png,
                                             "file://" + out.file(page)])
            #expect(r.status == 0, "chromium: \(r.stderr)")
            return (try? Data(contentsOf: URL(fileURLWithPath: png)).count) ?? 0
        }
        let blank = try screenshot("blank.html")
        let report = try screenshot("report.html")
        #expect(blank > 0)
        // A white page compresses to almost nothing; tables, text and charts do not.
        #expect(report > blank * 5, "report \(report) bytes vs blank \(blank)")
    }

    @Test func noPlotsSaysSoAndWritesNoCharts() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["metrics.json": #"{"acc": 1}"#, "dvc.yaml": "metrics: [metrics.json]\n"])
        let out = try TemporaryDirectory("cmlbot-charts-none")
        let result = try CMLBotBinary.run(["report", "--base", "HEAD", "--head", "HEAD", "--out", out.path], in: repo.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("No plots found at base or head (declare them under `plots:` in dvc.yaml).\n"))
        #expect(FileManager.default.fileExists(atPath: out.file("report.html")))
    }
}
