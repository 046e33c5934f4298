import CMLBotCompare
import CMLBotCore
import CMLBotEvidence
import Foundation
import Testing
import TestSupport
@testable import CMLBotReport

/// Charts: plot data parsing, LTTB, ticks, SVG/Mermaid/HTML escaping, determinism and size bounds,
/// and that real renderers (xmllint, rsvg-convert, cmark-gfm) accept what we write.
@Suite struct ChartTests {
    static let hostile = "<script>alert(\"x\")</script> & 'q' <img src=x onerror=alert(1)>"

    // MARK: - Plot data

    @Test func dvcYamlPlotFormsAreDeclared() throws {
        let tree = InMemoryFileTree([
            "dvc.yaml": """
            stages:
              train:
                cmd: python train.py
                plots:
                  - logs/train.csv:
                      x: step
                      y: loss
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
                    logs/b.yaml: [acc, val_acc]
                  title: Accuracy
                  x_label: Epoch
            """,
        ])
        var diagnostics: [Diagnostic] = []
        let declared = try DVCProjectReader.read(tree, diagnostics: &diagnostics).plots
        #expect(diagnostics.isEmpty)
        #expect(declared.map(\.id) == ["logs/acc.tsv", "Accuracy", "logs/train.csv", "eval/classes.csv"])
        #expect(declared[1].sources == [PlotSource(path: "logs/a.json", x: "epoch", y: ["acc"]), PlotSource(path: "logs/b.yaml", x: "epoch", y: ["acc", "val_acc"])])
        #expect(declared[1].xLabel == "Epoch")
        #expect(declared[3].template == "confusion")
    }

    @Test func everyDataFormatReads() {
        let tree = InMemoryFileTree([
            "a.csv": "step,loss,acc\n0,1.0,0.5\n1,0.5,0.7\n2,\"0.25\",0.9\n",
            "b.tsv": "loss\n3\n2\n1\n",
            "c.json": #"[{"epoch": 1, "acc": 0.1}, {"epoch": 2, "acc": 0.2}]"#,
            "d.json": #"{"train": [{"epoch": 1, "acc": 0.3}, {"epoch": 2, "acc": 0.4}]}"#,
            "e.yaml": "- {epoch: 1, acc: 0.5}\n- {epoch: 2, acc: 0.6}\n",
            "cm.csv": "actual,predicted\ncat,cat\ncat,dog\ndog,dog\ndog,dog\n",
        ])
        var diagnostics: [Diagnostic] = []
        let plots = PlotCollector.collect(tree, declarations: [
            PlotDeclaration(id: "a.csv", sources: [PlotSource(path: "a.csv", x: "step", y: ["loss", "acc"])]),
            PlotDeclaration(id: "b.tsv", sources: [PlotSource(path: "b.tsv")]),
            PlotDeclaration(id: "acc", sources: [PlotSource(path: "c.json", x: "epoch", y: ["acc"]), PlotSource(path: "d.json", x: "epoch", y: ["acc"]), PlotSource(path: "e.yaml", x: "epoch", y: ["acc"])]),
            PlotDeclaration(id: "cm.csv", sources: [PlotSource(path: "cm.csv")], template: "confusion"),
        ], diagnostics: &diagnostics)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(plots.count == 4)
        #expect(plots[0].series.map(\.field) == ["loss", "acc"])
        #expect(plots[0].series[0].y == [1.0, 0.5, 0.25])
        // DVC's defaults: y is the last field, x the row index.
        #expect(plots[1].series[0].x == [0, 1, 2])
        #expect(plots[1].series[0].y == [3, 2, 1])
        #expect(plots[2].series.map(\.name) == ["c.json: acc", "d.json: acc", "e.yaml: acc"])
        #expect(plots[2].series[1].y == [0.3, 0.4])
        #expect(plots[3].confusion?.labels == ["cat", "dog"])
        #expect(plots[3].confusion?.counts == [[1, 1], [0, 2]])
    }

    @Test func csvQuotingCRLFAndBlankLinesReadAsPythonsCSVModule() throws {
        let tree = InMemoryFileTree(["q.csv": "\u{FEFF}name,\"y\"\r\n\"a,\"\"b\"\"\",1\r\n\r\nc, 2 \r\n"])
        var diagnostics: [Diagnostic] = []
        let plots = PlotCollector.collect(tree, declarations: [PlotDeclaration(id: "q.csv", sources: [PlotSource(path: "q.csv", y: ["y"])])], diagnostics: &diagnostics)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let series = try #require(plots.first?.series.first)
        #expect(series.y == [1, 2])
        #expect(series.x == [0, 1])
    }

    @Test func corruptAndHostileDataWarnsWithoutCrashing() {
        let tree = InMemoryFileTree(data: [
            "bad.json": Data("{\"a\": [1, 2".utf8),
            "scalar.json": Data("3".utf8),
            "binary.csv": Data([0xFF, 0x00, 0x2C, 0x0A, 0x31, 0x2C, 0x32, 0x0A]),
            "text.csv": Data("x,y\n1,abc\n2,nan\n3,4\n".utf8),
            "empty.csv": Data(),
            "quote.csv": Data("y\n\"unterminated\n".utf8),
        ])
        var diagnostics: [Diagnostic] = []
        let ids = ["bad.json", "scalar.json", "binary.csv", "text.csv", "empty.csv", "quote.csv", "missing.csv"]
        let plots = PlotCollector.collect(tree, declarations: ids.map { PlotDeclaration(id: $0, sources: [PlotSource(path: $0)]) }, diagnostics: &diagnostics)
        // Undecodable bytes become U+FFFD, not a crash; the non-numeric and NaN rows are dropped.
        #expect(plots.map(\.id) == ["binary.csv", "text.csv"])
        #expect(plots[1].series[0].y == [4])
        #expect(diagnostics.count >= 6)
    }

    // MARK: - LTTB and ticks

    @Test func lttbKeepsEndsCountOrderAndSpikes() {
        let n = 10_000
        let xs = (0..<n).map(Double.init)
        var ys = xs.map { sin($0 / 300) }
        ys[4321] = 50
        ys[7777] = -40
        let kept = LTTB.indices(x: xs, y: ys, threshold: 200)
        #expect(kept.count == 200)
        #expect(kept.first == 0 && kept.last == n - 1)
        #expect(zip(kept, kept.dropFirst()).allSatisfy { $0 < $1 })
        #expect(kept.contains(4321) && kept.contains(7777))
        #expect(LTTB.indices(x: [1, 2, 3], y: [1, 2, 3], threshold: 10) == [0, 1, 2])
        #expect(LTTB.indices(x: [], y: [], threshold: 10) == [])
    }

    @Test func niceTicksCoverTheDataAtReadableSteps() {
        let s = NiceScale(min: 0.013, max: 0.93)
        #expect(s.lower <= 0.013 && s.upper >= 0.93)
        #expect(s.ticks.map(s.label) == ["0", "0.2", "0.4", "0.6", "0.8", "1"])
        let big = NiceScale(min: 0, max: 999_983)
        #expect(big.ticks.map(big.label) == ["0", "200000", "400000", "600000", "800000", "1000000"])
        let flat = NiceScale(min: 5, max: 5)
        #expect(flat.lower < 5 && flat.upper > 5)
        let negative = NiceScale(min: -3.2, max: 1.1)
        #expect(negative.ticks.contains(0))
        #expect(negative.ticks.map(negative.label) == ["-4", "-3", "-2", "-1", "0", "1", "2"])
        for (lo, hi) in [(0.0, 1e-9), (-1e300, 1e300), (1, 1.0000001), (.nan, .infinity)] {
            let scale = NiceScale(min: lo, max: hi)
            #expect(scale.ticks.count >= 2 && scale.ticks.count <= 13)
            #expect(scale.ticks.allSatisfy { $0.isFinite })
        }
        #expect(ChartNumber.fixed(-0.0001, 2) == "0")
        #expect(ChartNumber.fixed(2.675, 2) == "2.68")
        #expect(ChartNumber.fixed(-12.5, 0) == "-13")
    }

    // MARK: - SVG

    static func smallLineChart(title: String = "Training loss") -> String {
        LineChartRenderer.render(title: title, xLabel: "step", yLabel: "loss", lines: [
            ChartLine(label: "base", x: [0, 1, 2, 3, 4], y: [1.0, 0.62, 0.45, 0.38, 0.35], color: ChartPalette.base, dashed: true),
            ChartLine(label: "head", x: [0, 1, 2, 3, 4, 5], y: [0.95, 0.55, 0.36, 0.3, 0.27, 0.26], color: ChartPalette.head, dashed: false),
        ])
    }

    @Test func smallLineChartMatchesGolden() {
        if let failure = Golden.check(Self.smallLineChart(), named: "chart-line-small.svg") { Issue.record(Comment(rawValue: failure)) }
    }

    @Test func hostileLabelsAreEscapedEverywhere() throws {
        let svgs = [
            LineChartRenderer.render(title: Self.hostile, xLabel: Self.hostile, yLabel: Self.hostile, lines: [
                ChartLine(label: Self.hostile, x: [0, 1], y: [1, 2], color: ChartPalette.head, dashed: false),
            ]),
            DeltaBarChartRenderer.render(title: Self.hostile, bars: [DeltaBarChartRenderer.Bar(label: Self.hostile, percent: -3, verdict: .worsened)]),
            ConfusionHeatMapRenderer.render(title: Self.hostile, base: nil, head: ConfusionCounts(file: Self.hostile, actualField: Self.hostile, predictedField: "p\u{0}\u{202E}", labels: [Self.hostile, "b"], counts: [[1, 2], [3, 4]])),
        ]
        for svg in svgs {
            #expect(!svg.contains("<script"))
            #expect(!svg.contains("<img"))
            #expect(svg.contains("&lt;script&gt;"))
            #expect(!svg.contains("\u{0}") && !svg.contains("\u{202E}"))
            try Self.checkSVG(svg)
        }
        #expect(MermaidChart.label(Self.hostile + "\n%%{init}%% #quot;").allSatisfy { !"\"<>&#%\n{}".contains($0) })
    }

    @Test func renderingIsDeterministic() {
        let input = Self.input(baseName: "loss", headName: "loss")
        let a = Report(input, toolVersion: "t"), b = Report(input, toolVersion: "t")
        #expect(MarkdownReportRenderer.render(a) == MarkdownReportRenderer.render(b))
        #expect(HTMLReportRenderer.render(a) == HTMLReportRenderer.render(b))
        #expect(JSONReportRenderer.render(a) == JSONReportRenderer.render(b))
        #expect(Self.smallLineChart() == Self.smallLineChart())
    }

    @Test func millionPointSeriesStaysSmall() throws {
        let n = 1_000_000
        let xs = (0..<n).map(Double.init)
        let ys = xs.map { 1 / (1 + $0 / 10_000) + 0.01 * sin($0) }
        let svg = LineChartRenderer.render(title: "1M", xLabel: "step", yLabel: "loss", lines: [
            ChartLine(label: "base", x: xs, y: ys.map { $0 * 1.1 }, color: ChartPalette.base, dashed: true),
            ChartLine(label: "head", x: xs, y: ys, color: ChartPalette.head, dashed: false),
        ])
        #expect(svg.utf8.count < 200_000, "\(svg.utf8.count) bytes")
        try Self.checkSVG(svg)
    }

    @Test func svgsParseAndRender() throws {
        let report = Report(Self.input(baseName: "loss", headName: "loss"), toolVersion: "t")
        let charts = try #require(report.sections.compactMap { $0 as? ChartsSection }.first).charts
        #expect(Set(charts.map(\.kind)) == ["line", "confusion", "metric-deltas"])
        for chart in charts { try Self.checkSVG(chart.svg, png: true) }
    }

    // MARK: - Markdown and HTML

    @Test func mermaidBlockMatchesGolden() throws {
        let section = ChartsSection(Self.input(baseName: "loss", headName: "loss"))
        let md = section.markdown()
        let start = try #require(md.range(of: "**`train.csv`**"))
        let end = try #require(md.range(of: "</details>\n", range: start.upperBound..<md.endIndex))
        if let failure = Golden.check(String(md[start.lowerBound..<end.upperBound]), named: "chart-mermaid.md") { Issue.record(Comment(rawValue: failure)) }
        #expect(md.contains("```mermaid\n"))
        #expect(md.contains("xychart-beta"))
    }

    @Test func emptySectionSaysSoInOneLine() {
        var input = Self.input(baseName: "loss", headName: "loss")
        input.baseSnapshot.plots = []
        input.headSnapshot.plots = []
        #expect(ChartsSection(input).markdown() == "No plots found at base or head (declare them under `plots:` in dvc.yaml).\n")
    }

    @Test func hostileNamesDoNotLeakRawHTML() throws {
        let input = Self.input(baseName: Self.hostile, headName: Self.hostile, plotID: "evil/" + Self.hostile + ".csv")
        let report = Report(input, toolVersion: "t")
        let markdown = MarkdownReportRenderer.render(report)
        let html = HTMLReportRenderer.render(report)
        for text in [html] {
            #expect(!text.contains("<script"))
            #expect(!text.contains("<img"))
        }
        #expect(html.contains("&lt;script&gt;"))
        if let rendered = try MarkdownRendering.html(markdown) {
            #expect(!rendered.contains("<script"))
            #expect(!rendered.contains("<img"))
            #expect(rendered.contains("xychart-beta"))
        }
        #expect(!ChartFileName.sanitized("../../" + Self.hostile).contains("/"))
        #expect(ChartFileName.sanitized("../../etc/passwd") == "etc-passwd")
    }

    @Test func longMarkdownIsCutBetweenRowsWithAPointerToJSON() {
        var md = "## r\n\n### Big\n\n| a | b |\n|---|---|\n"
        for i in 0..<5_000 { md += "| row \(i) | \(String(repeating: "x", count: 20)) |\n" }
        md += "\n### After\n\ntext\n"
        let fitted = MarkdownBudget.fit(md)
        #expect(fitted.count <= MarkdownBudget.limit)
        #expect(fitted.contains("<details><summary>Table: "))
        #expect(fitted.range(of: #"\d+ more rows in report\.json\."#, options: .regularExpression) != nil)
        #expect(fitted.contains("### After"))
        // Every table line is whole: it starts and ends with a pipe.
        for line in fitted.split(separator: "\n") where line.hasPrefix("|") { #expect(line.hasSuffix("|")) }
        #expect(MarkdownBudget.fit("short\n") == "short\n")
    }

    // MARK: - Helpers

    static func series(_ name: String, _ ys: [Double], file: String = "train.csv") -> PlotSeries {
        PlotSeries(name: name, file: file, field: name, xField: nil, x: ys.indices.map(Double.init), y: ys)
    }

    static func input(baseName: String, headName: String, plotID: String = "train.csv") -> ReportInput {
        var base = EvidenceSnapshot(revision: "main"), head = EvidenceSnapshot(revision: "HEAD")
        var linePlotBase = PlotData(id: plotID, template: .linear, xLabel: "step", yLabel: baseName)
        linePlotBase.series = [series(baseName, [1.0, 0.7, 0.5, 0.42, 0.4])]
        var linePlotHead = PlotData(id: plotID, template: .linear, xLabel: "step", yLabel: headName)
        linePlotHead.series = [series(headName, [0.9, 0.6, 0.41, 0.33, 0.3, 0.29])]
        var cmBase = PlotData(id: "classes.csv", template: .confusion)
        cmBase.confusion = ConfusionCounts(file: "classes.csv", actualField: "actual", predictedField: "predicted", labels: ["cat", "dog"], counts: [[8, 2], [3, 7]])
        var cmHead = cmBase
        cmHead.confusion?.counts = [[9, 1], [2, 8]]
        base.plots = [linePlotBase, cmBase]
        head.plots = [linePlotHead, cmHead]
        base.metrics = [EvidenceFile(path: "metrics.json", values: FlatValues(OrderedObject([("acc", .double(0.8)), (Self.hostile, .double(1))])))]
        head.metrics = [EvidenceFile(path: "metrics.json", values: FlatValues(OrderedObject([("acc", .double(0.85)), (Self.hostile, .double(0.5))])))]
        let config = (try? ConfigLoader.parse(.object(OrderedObject([("version", .int(1)), ("metrics", .object(OrderedObject([("directions", .object(OrderedObject([("acc", .string("higher"))])))])))])), path: ".cmlbot.yml")) ?? CMLBotConfig()
        let comparison = Comparator.compare(base: base, head: head, config: config)
        return ReportInput(base: RevisionInfo(label: "main", commit: nil), head: RevisionInfo(label: "HEAD", commit: nil),
                           baseSnapshot: base, headSnapshot: head, comparison: comparison, config: config)
    }

    /// xmllint must parse it; rsvg-convert must draw it into a non-empty PNG.
    static func checkSVG(_ svg: String, png: Bool = false) throws {
        let dir = try TemporaryDirectory("cmlbot-svg")
        let path = dir.file("chart.svg")
        try Data(svg.utf8).write(to: URL(fileURLWithPath: path))
        if let xmllint = try ReferenceTools.locate("xmllint") {
            let r = try Shell.run(xmllint, ["--noout", path])
            #expect(r.status == 0, "xmllint: \(r.stderr)")
        }
        if png, let rsvg = try ReferenceTools.locate("rsvg-convert") {
            let out = dir.file("chart.png")
            let r = try Shell.run(rsvg, ["-o", out, path])
            #expect(r.status == 0, "rsvg-convert: \(r.stderr)")
            let size = try Data(contentsOf: URL(fileURLWithPath: out)).count
            #expect(size > 1_000)
        }
    }
}
