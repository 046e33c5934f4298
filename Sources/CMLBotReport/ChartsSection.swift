import CMLBotCompare
import CMLBotCore
import CMLBotEvidence
import Foundation

/// How charts appear in the Markdown report.
public struct ChartOptions: Equatable, Sendable {
    /// Points per Mermaid line: Mermaid draws every value, and the comment must stay small.
    public var mermaidPoints = 100
    /// Rows of the table fallback beside each Mermaid block.
    public var fallbackRows = 20
    /// Mermaid blocks in the Markdown; further curves are in report.html and charts/.
    public var maximumMermaidBlocks = 12
    public var sparklineWidth = 16
    /// Chart file name (`charts/<name>`) → URL of that image hosted on the forge (`--upload-charts`,
    /// `--assets-branch`). When set, the comment shows the images in place of the Mermaid blocks,
    /// each curve keeping its data table; empty: inline Mermaid charts.
    public var imageURLs: [String: String] = [:]

    public init() {}
}

/// A plot id with its data at base and at head (either may be absent).
public struct PlotPair: Sendable {
    public var id: String
    public var base: PlotData?
    public var head: PlotData?

    public var template: PlotTemplate { head?.template ?? base?.template ?? .linear }
    public var title: String { head?.title ?? base?.title ?? id }

    /// Series paired by name, in head's order then base-only ones.
    public var series: [(name: String, base: PlotSeries?, head: PlotSeries?)] {
        var names: [String] = []
        for s in (head?.series ?? []) + (base?.series ?? []) where !names.contains(s.name) { names.append(s.name) }
        return names.map { name in (name, base?.series.first { $0.name == name }, head?.series.first { $0.name == name }) }
    }

    /// Plots of both revisions, paired by id: head's order, then plots only base has.
    public static func pair(base: [PlotData], head: [PlotData]) -> [PlotPair] {
        var out = head.map { h in PlotPair(id: h.id, base: base.first { $0.id == h.id }, head: h) }
        for b in base where !head.contains(where: { $0.id == b.id }) { out.append(PlotPair(id: b.id, base: b, head: nil)) }
        return out
    }
}

/// One SVG chart of the report, written to `charts/<fileName>` and inlined in report.html.
public struct RenderedChart: Sendable {
    public var fileName: String
    public var title: String
    /// "line", "scatter", "confusion" or "metric-deltas".
    public var kind: String
    public var plotID: String?
    public var svg: String
}

/// Training curves and other plots: a summary table with sparklines, a Mermaid chart per curve
/// (renders on GitHub and GitLab without image hosting) with a table fallback, and SVG files.
public struct ChartsSection: ReportSection {
    public static let id = "charts"
    public static let title = "Charts"

    public let pairs: [PlotPair]
    /// Every SVG chart, in report order; the metric-delta bar chart comes last.
    public let charts: [RenderedChart]
    let options: ChartOptions

    public init(_ input: ReportInput) {
        options = input.charts
        pairs = PlotPair.pair(base: input.baseSnapshot.plots, head: input.headSnapshot.plots)
        charts = ChartBuilder.charts(pairs: pairs, comparison: input.comparison)
    }

    public func summaryClause() -> String? { nil }

    public func markdown() -> String { markdown(includeMermaid: true) }

    /// The Markdown body; the HTML preview leaves Mermaid out (it shows the SVGs instead).
    public func markdown(includeMermaid: Bool) -> String {
        if pairs.isEmpty {
            return "No plots found at base or head (declare them under `plots:` in dvc.yaml).\n"
        }
        var out = "| Plot | Series | Base | Head | Change | Min (base → head) | Max (base → head) | Trend (base / head) |\n"
        out += "|---|---|---:|---:|---:|---:|---:|---|\n"
        for pair in pairs {
            let plot = MarkdownEscaping.code(pair.id)
            if pair.template == .confusion {
                let accuracy = { (c: ConfusionCounts?) -> Double? in c.flatMap(ChartBuilder.accuracy) }
                let b = accuracy(pair.base?.confusion), h = accuracy(pair.head?.confusion)
                out += "| \(plot) | accuracy (diagonal share) | \(Self.number(b)) | \(Self.number(h)) | \(Self.change(b, h)) | | | |\n"
                continue
            }
            for s in pair.series {
                let b = s.base?.y.last, h = s.head?.y.last
                let minText = "\(Self.number(s.base?.y.min())) → \(Self.number(s.head?.y.min()))"
                let maxText = "\(Self.number(s.base?.y.max())) → \(Self.number(s.head?.y.max()))"
                let trend = "\(Sparkline.render(s.base?.y ?? [], width: options.sparklineWidth)) / \(Sparkline.render(s.head?.y ?? [], width: options.sparklineWidth))"
                out += "| \(plot) | \(MarkdownEscaping.code(s.name)) | \(Self.number(b)) | \(Self.number(h)) | \(Self.change(b, h)) | \(minText) | \(maxText) | \(trend) |\n"
            }
        }
        if includeMermaid && !options.imageURLs.isEmpty {
            out += hostedImages()
        } else if includeMermaid {
            var blocks = 0, skipped = 0
            out += perPlot { pair, s in
                guard blocks < options.maximumMermaidBlocks else { skipped += 1; return "" }
                blocks += 1
                return "\n" + MermaidChart.block(plot: pair, seriesName: s.name, base: s.base, head: s.head, options: options)
            }
            if skipped > 0 {
                out += "\n\(skipped) more curve\(skipped == 1 ? "" : "s") in report.html and charts/.\n"
            }
        }
        return out
    }

    /// The hosted SVGs, one per plot plus the metric-delta bars, each curve's data table kept for
    /// readers (and screen readers) that do not load images.
    func hostedImages() -> String {
        var out = perPlot(opening: { pair in
            guard let chart = charts.first(where: { $0.plotID == pair.id }), let url = options.imageURLs[chart.fileName] else { return "" }
            return "\n**\(MarkdownEscaping.code(pair.id))**\n\n" + Self.image(alt: pair.title, url: url) + "\n"
        }) { pair, s in
            "\n" + MermaidChart.dataTable(plot: pair, seriesName: s.name, base: s.base, head: s.head, options: options)
        }
        for chart in charts where chart.plotID == nil {
            if let url = options.imageURLs[chart.fileName] { out += "\n" + Self.image(alt: chart.title, url: url) + "\n" }
        }
        return out
    }

    /// Each plot in order, `opening` first: a confusion matrix as a table, nothing more for a
    /// scatter plot (its SVG carries it), `curve` for each series of a line plot.
    func perPlot(opening: (PlotPair) -> String = { _ in "" }, curve: (PlotPair, (name: String, base: PlotSeries?, head: PlotSeries?)) -> String) -> String {
        var out = ""
        for pair in pairs {
            out += opening(pair)
            switch pair.template {
            case .confusion: out += "\n" + confusionTable(pair)
            case .scatter: continue
            case .linear: for s in pair.series { out += curve(pair, s) }
            }
        }
        return out
    }

    /// `![alt](url)`: alt text escaped, and the characters that would end a Markdown link
    /// destination percent-encoded (the URLs come from the forge).
    static func image(alt: String, url: String) -> String {
        var safe = ""
        for scalar in url.unicodeScalars {
            switch scalar {
            case " ": safe += "%20"
            case "(": safe += "%28"
            case ")": safe += "%29"
            case "<": safe += "%3C"
            case ">": safe += "%3E"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F { continue }
                safe.unicodeScalars.append(scalar)
            }
        }
        return "![\(MarkdownEscaping.inline(alt))](\(safe))"
    }

    func confusionTable(_ pair: PlotPair) -> String {
        let labels = PlotLabelOrder.union(pair.base?.confusion?.labels ?? [], pair.head?.confusion?.labels ?? [])
        let shown = Array(labels.prefix(12))
        var out = "**\(MarkdownEscaping.code(pair.id))**: head counts (change vs base); rows actual, columns predicted\n\n"
        out += "| actual \\\\ predicted | " + shown.map { MarkdownEscaping.code($0) }.joined(separator: " | ") + " |\n"
        out += "|---|" + String(repeating: "---:|", count: shown.count) + "\n"
        for actual in shown {
            var cells: [String] = []
            for predicted in shown {
                let h = pair.head?.confusion?.count(actual: actual, predicted: predicted) ?? 0
                let b = pair.base?.confusion?.count(actual: actual, predicted: predicted) ?? 0
                cells.append(h == b ? String(h) : "\(h) (\(h - b > 0 ? "+" : "")\(h - b))")
            }
            out += "| \(MarkdownEscaping.code(actual)) | " + cells.joined(separator: " | ") + " |\n"
        }
        if labels.count > shown.count { out += "\n\(labels.count - shown.count) more classes in report.html.\n" }
        return out
    }

    static func number(_ x: Double?) -> String {
        guard let x else { return "—" }
        return ChartNumber.compact(x, significant: 5)
    }

    static func change(_ b: Double?, _ h: Double?) -> String {
        guard let b, let h else { return "" }
        let d = h - b
        if d == 0 { return "0" }
        return (d > 0 ? "+" : "") + ChartNumber.compact(d, significant: 4)
    }

    public func json() -> Value {
        var plots: [Value] = []
        for pair in pairs {
            var o = OrderedObject()
            o["id"] = .string(pair.id)
            o["template"] = .string(pair.template.rawValue)
            o["title"] = (pair.head?.title ?? pair.base?.title).map(Value.string) ?? .null
            o["chart"] = charts.first { $0.plotID == pair.id }.map { .string("charts/" + $0.fileName) } ?? .null
            if pair.template == .confusion {
                func side(_ c: ConfusionCounts?) -> Value {
                    guard let c else { return .null }
                    return .object(OrderedObject([
                        ("labels", .array(c.labels.map(Value.string))),
                        ("total", .int(c.counts.joined().reduce(0, +))),
                        ("accuracy", ChartBuilder.accuracy(c).map(Value.double) ?? .null),
                    ]))
                }
                o["base"] = side(pair.base?.confusion)
                o["head"] = side(pair.head?.confusion)
            } else {
                o["series"] = .array(pair.series.map { s in
                    .object(OrderedObject([("name", .string(s.name)), ("base", Self.summary(s.base)), ("head", Self.summary(s.head))]))
                })
            }
            plots.append(.object(o))
        }
        var section = OrderedObject()
        section["plots"] = .array(plots)
        section["files"] = .array(charts.map { .string("charts/" + $0.fileName) })
        return .object(section)
    }

    /// Points summary, not the series: report.json stays small whatever the data size.
    static func summary(_ s: PlotSeries?) -> Value {
        guard let s, let last = s.y.last else { return .null }
        return .object(OrderedObject([
            ("file", .string(s.file)),
            ("x", s.xField.map(Value.string) ?? .string("step")),
            ("points", .int(s.y.count)),
            ("first", .double(s.y[0])),
            ("last", .double(last)),
            ("min", .double(s.y.min() ?? last)),
            ("max", .double(s.y.max() ?? last)),
        ]))
    }
}

/// Draws the section's SVGs: one per plot, plus a bar chart of relative metric changes.
public enum ChartBuilder {
    public static func charts(pairs: [PlotPair], comparison: EvidenceComparison) -> [RenderedChart] {
        var used = Set<String>()
        var out: [RenderedChart] = []
        for pair in pairs {
            let name = ChartFileName.unique(pair.id, used: &used)
            let title = pair.title
            switch pair.template {
            case .confusion:
                out.append(RenderedChart(fileName: name, title: title, kind: "confusion", plotID: pair.id,
                                         svg: ConfusionHeatMapRenderer.render(title: title, base: pair.base?.confusion, head: pair.head?.confusion)))
            case .linear, .scatter:
                let series = pair.series
                var lines: [ChartLine] = []
                for (i, s) in series.enumerated() {
                    // One series: the fixed base/head colours; several: one colour per series, base dashed.
                    let single = series.count == 1
                    let color = ChartPalette.okabeIto[i % ChartPalette.okabeIto.count]
                    let prefix = single ? "" : s.name + " "
                    if let b = s.base { lines.append(ChartLine(label: prefix + "base", x: b.x, y: b.y, color: single ? ChartPalette.base : color, dashed: true)) }
                    if let h = s.head { lines.append(ChartLine(label: prefix + "head", x: h.x, y: h.y, color: single ? ChartPalette.head : color, dashed: false)) }
                }
                let xLabel = pair.head?.xLabel ?? pair.base?.xLabel ?? "step"
                let yLabel = pair.head?.yLabel ?? pair.base?.yLabel ?? ""
                out.append(RenderedChart(fileName: name, title: title, kind: pair.template == .scatter ? "scatter" : "line", plotID: pair.id,
                                         svg: LineChartRenderer.render(title: title, xLabel: xLabel, yLabel: yLabel, lines: lines, scatter: pair.template == .scatter)))
            }
        }
        let bars = comparison.metrics.compactMap { m -> DeltaBarChartRenderer.Bar? in
            guard m.verdict != .unchanged, let r = m.change.relativeChange, r.isFinite else { return nil }
            return DeltaBarChartRenderer.Bar(label: m.change.key, percent: r * 100, verdict: m.verdict)
        }
        if !bars.isEmpty {
            let name = ChartFileName.unique("metric-deltas", used: &used)
            out.append(RenderedChart(fileName: name, title: "Metric changes vs base", kind: "metric-deltas", plotID: nil,
                                     svg: DeltaBarChartRenderer.render(title: "Metric changes vs base", bars: bars)))
        }
        return out
    }

    static func accuracy(_ c: ConfusionCounts) -> Double? {
        let total = c.counts.joined().reduce(0, +)
        guard total > 0 else { return nil }
        let diagonal = c.counts.indices.reduce(0) { $0 + c.counts[$1][$1] }
        return Double(diagonal) / Double(total)
    }
}

/// `charts/` file names from plot ids: lowercase ASCII letters, digits, `.`, `_` and `-` only, so
/// a hostile id cannot climb directories or collide by case; clashes get `-2`, `-3`, ….
public enum ChartFileName {
    public static func sanitized(_ id: String) -> String {
        var out = ""
        var lastDash = true
        for scalar in id.lowercased().unicodeScalars {
            if (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9") || scalar == "_" {
                out.unicodeScalars.append(scalar)
                lastDash = false
            } else if !lastDash {
                out += "-"
                lastDash = true
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        if out.count > 80 { out = String(out.prefix(80)) }
        return out.isEmpty ? "plot" : out
    }

    public static func unique(_ id: String, used: inout Set<String>) -> String {
        let stem = sanitized(id)
        var name = stem + ".svg"
        var n = 2
        while used.contains(name) {
            name = "\(stem)-\(n).svg"
            n += 1
        }
        used.insert(name)
        return name
    }
}

/// Unicode block sparklines (`▁▂▃▅▇`), downsampled with LTTB so peaks stay visible.
public enum Sparkline {
    static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    public static func render(_ values: [Double], width: Int) -> String {
        let finite = values.filter(\.isFinite)
        guard !finite.isEmpty else { return "—" }
        let xs = (0..<finite.count).map(Double.init)
        let kept = LTTB.downsample(x: xs, y: finite, threshold: max(2, width)).y
        let lo = kept.min() ?? 0, hi = kept.max() ?? 0
        return String(kept.map { v in
            hi > lo ? blocks[min(7, Int(((v - lo) / (hi - lo) * 7).rounded()))] : blocks[3]
        })
    }
}

/// A Mermaid `xychart-beta` per curve, base and head resampled onto one x grid (Mermaid spreads
/// each line's values evenly over the axis, so both lines need the same x positions).
public enum MermaidChart {
    public static func block(plot: PlotPair, seriesName: String, base: PlotSeries?, head: PlotSeries?, options: ChartOptions) -> String {
        let sides = [base, head].compactMap { $0 }
        let xs: [Double] = sides.flatMap { s -> [Double] in [s.x.min() ?? 0, s.x.max() ?? 0] }
        let lo = xs.min() ?? 0, hi = xs.max() ?? 0
        let count = max(2, min(options.mermaidPoints, sides.map(\.y.count).max() ?? 2))
        let grid = (0..<count).map { lo + (hi - lo) * Double($0) / Double(count - 1) }
        let baseValues = base.map { resample($0, at: grid) }
        let headValues = head.map { resample($0, at: grid) }
        let allY = (baseValues ?? []) + (headValues ?? [])
        let yScale = NiceScale(min: allY.min() ?? 0, max: allY.max() ?? 1)
        let decimals = valueDecimals(allY)
        let xLabel = plot.head?.xLabel ?? plot.base?.xLabel ?? "step"
        let yLabel = seriesName
        let title = plot.id == seriesName ? plot.title : "\(plot.title) · \(seriesName)"

        var palette: [String] = []
        if base != nil { palette.append(ChartPalette.base) }
        if head != nil { palette.append(ChartPalette.head) }
        var out = "**\(MarkdownEscaping.code(plot.id))** · \(MarkdownEscaping.code(seriesName))"
        out += sides.count == 2 ? " (orange: base, blue: head)" : (base == nil ? " (head only)" : " (base only)")
        // Mermaid cannot leave gaps: a line that ends early is held flat, and the reader is told.
        for (name, side) in [("base", base), ("head", head)] {
            guard sides.count == 2, let side, let end = side.x.max(), end < hi else { continue }
            out += "; \(name) ends at \(MarkdownEscaping.inline(xLabel)) \(ChartNumber.compact(end, significant: 6)), held flat after"
        }
        out += "\n\n"
        out += "```mermaid\n"
        out += "%%{init: {\"themeVariables\": {\"xyChart\": {\"plotColorPalette\": \"\(palette.joined(separator: ", "))\"}}}}%%\n"
        out += "xychart-beta\n"
        out += "    title \"\(label(title))\"\n"
        out += "    x-axis \"\(label(xLabel))\" \(ChartNumber.fixed(lo, 6)) --> \(ChartNumber.fixed(hi == lo ? lo + 1 : hi, 6))\n"
        out += "    y-axis \"\(label(yLabel))\" \(ChartNumber.fixed(yScale.lower, 10)) --> \(ChartNumber.fixed(yScale.upper, 10))\n"
        for values in [baseValues, headValues].compactMap({ $0 }) {
            out += "    line [" + values.map { ChartNumber.fixed($0, decimals) }.joined(separator: ", ") + "]\n"
        }
        out += "```\n\n"
        out += dataTable(plot: plot, seriesName: seriesName, base: base, head: head, options: options)
        return out
    }

    /// The fallback beside each chart: a short table for renderers without Mermaid or images (and
    /// for screen readers), on the same x range as the chart.
    public static func dataTable(plot: PlotPair, seriesName: String, base: PlotSeries?, head: PlotSeries?, options: ChartOptions) -> String {
        let sides = [base, head].compactMap { $0 }
        let xs: [Double] = sides.flatMap { s -> [Double] in [s.x.min() ?? 0, s.x.max() ?? 0] }
        let lo = xs.min() ?? 0, hi = xs.max() ?? 0
        let count = max(2, min(options.mermaidPoints, sides.map(\.y.count).max() ?? 2))
        let xLabel = plot.head?.xLabel ?? plot.base?.xLabel ?? "step"
        var out = ""
        let rows = max(2, min(options.fallbackRows, count))
        var tableGrid = (0..<rows).map { lo + (hi - lo) * Double($0) / Double(rows - 1) }
        // Integer steps stay integers in the table (step 16, not 15.7368).
        if sides.allSatisfy({ $0.x.allSatisfy { $0 == $0.rounded() } }) {
            var seen = Set<Double>()
            tableGrid = tableGrid.map { $0.rounded() }.filter { seen.insert($0).inserted }
        }
        // The table says "—" past a series' last x instead of showing the held value Mermaid needs.
        func inRange(_ s: PlotSeries?, _ values: [Double]?) -> [String]? {
            guard let s, let values, let lo = s.x.min(), let hi = s.x.max() else { return nil }
            return zip(tableGrid, values).map { x, v in x < lo || x > hi ? "—" : ChartNumber.compact(v, significant: 6) }
        }
        let tb = inRange(base, base.map { resample($0, at: tableGrid) }), th = inRange(head, head.map { resample($0, at: tableGrid) })
        out += "<details><summary>Data table: \(MarkdownEscaping.inline(seriesName))</summary>\n\n"
        out += "| \(MarkdownEscaping.inline(xLabel)) | base | head |\n|---:|---:|---:|\n"
        for (i, x) in tableGrid.enumerated() {
            out += "| \(ChartNumber.compact(x, significant: 6)) | \(tb?[i] ?? "—") | \(th?[i] ?? "—") |\n"
        }
        out += "\n</details>\n"
        return out
    }

    /// Linear interpolation on `grid`; outside the series' x range its end value is held.
    static func resample(_ s: PlotSeries, at grid: [Double]) -> [Double] {
        // LTTB first so a million points cost one pass, then sort by x for interpolation.
        let (dx, dy) = LTTB.downsample(x: s.x, y: s.y, threshold: 2_000)
        let points = zip(dx, dy).sorted { $0.0 < $1.0 }
        guard let first = points.first, let last = points.last else { return grid.map { _ in 0 } }
        var j = 0
        return grid.map { x in
            if x <= first.0 { return first.1 }
            if x >= last.0 { return last.1 }
            while j + 1 < points.count && points[j + 1].0 < x { j += 1 }
            let a = points[j], b = points[min(j + 1, points.count - 1)]
            guard b.0 > a.0 else { return a.1 }
            return a.1 + (b.1 - a.1) * (x - a.0) / (b.0 - a.0)
        }
    }

    static func valueDecimals(_ values: [Double]) -> Int {
        let lo = values.min() ?? 0, hi = values.max() ?? 0
        let span = max(hi - lo, max(abs(lo), abs(hi)) * 1e-3, 1e-12)
        return max(0, min(10, 3 - Int(floor(log10(span)))))
    }

    /// Text inside a Mermaid double-quoted label: no quotes, no markup, no entity or comment syntax.
    public static func label(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"", "`": out += "'"
            case "<": out += "‹"
            case ">": out += "›"
            case "&": out += "＆"
            case "#": out += "＃"
            case "%": out += "％"
            case ";": out += "；"
            case "{": out += "("
            case "}": out += ")"
            case "\\": out += "∖"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value) {
                    out += " "
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out.count > 60 ? String(out.prefix(59)) + "…" : out
    }
}
