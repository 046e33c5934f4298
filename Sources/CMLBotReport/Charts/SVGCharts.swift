import CMLBotCompare
import CMLBotEvidence
import Foundation

/// A small SVG writer: elements appended in order, every text and attribute value escaped, every
/// number through `ChartNumber`. No ids, so many charts can sit inline in one HTML page.
struct SVGCanvas {
    let width: Double
    let height: Double
    private(set) var body = ""

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    static func n(_ x: Double) -> String { ChartNumber.coordinate(x) }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil) {
        body += "<rect x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" width=\"\(Self.n(max(0, width)))\" height=\"\(Self.n(max(0, height)))\" fill=\"\(fill)\""
        if let stroke { body += " stroke=\"\(stroke)\" stroke-width=\"1\"" }
        body += "/>\n"
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1, dash: String? = nil) {
        body += "<line x1=\"\(Self.n(x1))\" y1=\"\(Self.n(y1))\" x2=\"\(Self.n(x2))\" y2=\"\(Self.n(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(Self.n(width))\""
        if let dash { body += " stroke-dasharray=\"\(dash)\"" }
        body += "/>\n"
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 1.8, dash: String? = nil) {
        guard !points.isEmpty else { return }
        var text = ""
        text.reserveCapacity(points.count * 12)
        for (i, p) in points.enumerated() {
            if i > 0 { text += " " }
            text += Self.n(p.0) + "," + Self.n(p.1)
        }
        body += "<polyline fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(Self.n(width))\" stroke-linejoin=\"round\""
        if let dash { body += " stroke-dasharray=\"\(dash)\"" }
        body += " points=\"\(text)\"/>\n"
    }

    mutating func circles(_ points: [(Double, Double)], fill: String, radius: Double = 2.2, hollow: Bool = false) {
        guard !points.isEmpty else { return }
        // One path of tiny arcs is far smaller than thousands of <circle> elements.
        var d = ""
        for p in points {
            d += "M\(Self.n(p.0 - radius)),\(Self.n(p.1))a\(Self.n(radius)),\(Self.n(radius)) 0 1,0 \(Self.n(radius * 2)),0a\(Self.n(radius)),\(Self.n(radius)) 0 1,0 \(Self.n(-radius * 2)),0"
        }
        if hollow {
            body += "<path fill=\"none\" stroke=\"\(fill)\" stroke-width=\"1.2\" d=\"\(d)\"/>\n"
        } else {
            body += "<path fill=\"\(fill)\" fill-opacity=\"0.75\" d=\"\(d)\"/>\n"
        }
    }

    enum Anchor: String { case start, middle, end }

    mutating func text(_ x: Double, _ y: Double, _ content: String, size: Double = 11, anchor: Anchor = .start, weight: String? = nil, fill: String = ChartPalette.text, rotate: Bool = false) {
        body += "<text x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" font-size=\"\(Self.n(size))\" text-anchor=\"\(anchor.rawValue)\" fill=\"\(fill)\""
        if let weight { body += " font-weight=\"\(weight)\"" }
        if rotate { body += " transform=\"rotate(-90 \(Self.n(x)) \(Self.n(y)))\"" }
        // `content` is already escaped by the caller through XMLText (labels are also shortened there).
        body += ">\(content)</text>\n"
    }

    func document(title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.n(width))\" height=\"\(Self.n(height))\" viewBox=\"0 0 \(Self.n(width)) \(Self.n(height))\" font-family=\"\(ChartPalette.font)\" role=\"img\">\n"
            + "<title>\(XMLText.escape(title))</title>\n"
            + "<rect x=\"0\" y=\"0\" width=\"\(Self.n(width))\" height=\"\(Self.n(height))\" fill=\"#FFFFFF\"/>\n"
            + body + "</svg>\n"
    }
}

/// One series of a line chart as drawn: base or head of one plot field.
public struct ChartLine: Sendable {
    public var label: String
    public var x: [Double]
    public var y: [Double]
    public var color: String
    public var dashed: Bool

    public init(label: String, x: [Double], y: [Double], color: String, dashed: Bool) {
        self.label = label
        self.x = x
        self.y = y
        self.color = color
        self.dashed = dashed
    }
}

/// Line (and scatter) charts overlaying base and head series.
public enum LineChartRenderer {
    /// Points per series drawn in the SVG: enough for a smooth curve at this width, small enough
    /// that a million-point series stays a few tens of kilobytes.
    public static let maximumPointsPerSeries = 1_200
    public static let width = 720.0
    public static let height = 400.0

    public static func render(title: String, xLabel: String, yLabel: String, lines: [ChartLine], scatter: Bool = false) -> String {
        // Downsample first: scales and drawing only ever see the kept points (LTTB keeps extremes).
        let drawn: [ChartLine] = lines.map { line in
            var l = line
            if scatter {
                let kept = LTTB.stride(count: min(line.x.count, line.y.count), threshold: maximumPointsPerSeries)
                l.x = kept.map { line.x[$0] }
                l.y = kept.map { line.y[$0] }
            } else {
                (l.x, l.y) = LTTB.downsample(x: line.x, y: line.y, threshold: maximumPointsPerSeries)
            }
            return l
        }
        let allX = drawn.flatMap(\.x), allY = drawn.flatMap(\.y)
        let xScale = NiceScale(min: allX.min() ?? 0, max: allX.max() ?? 1, targetTicks: 7)
        let yScale = NiceScale(min: allY.min() ?? 0, max: allY.max() ?? 1, targetTicks: 6)

        // Legend rows above the plot area, three entries a row.
        let perRow = 3
        let legendRows = (drawn.count + perRow - 1) / perRow
        let left = 72.0, right = 24.0, top = 40.0 + Double(legendRows) * 18, bottom = 52.0
        var canvas = SVGCanvas(width: width, height: height)
        let plotX = (left, width - right), plotY = (height - bottom, top)
        canvas.text(width / 2, 22, XMLText.label(title, limit: 90), size: 14, anchor: .middle, weight: "bold")
        for (i, line) in drawn.enumerated() {
            let lx = left + Double(i % perRow) * ((width - left - right) / Double(perRow)), ly = 40.0 + Double(i / perRow) * 18
            canvas.line(lx, ly - 4, lx + 22, ly - 4, stroke: line.color, width: 2.5, dash: line.dashed ? "6 4" : nil)
            canvas.text(lx + 28, ly, XMLText.label(line.label, limit: 30), size: 11)
        }
        // Grid and ticks.
        for tick in yScale.ticks {
            let y = yScale.map(tick, to: plotY)
            canvas.line(left, y, width - right, y, stroke: ChartPalette.grid)
            canvas.text(left - 6, y + 4, XMLText.escape(yScale.label(tick)), size: 11, anchor: .end)
        }
        for tick in xScale.ticks {
            let x = xScale.map(tick, to: plotX)
            canvas.line(x, height - bottom, x, height - bottom + 5, stroke: ChartPalette.axis)
            canvas.text(x, height - bottom + 18, XMLText.escape(xScale.label(tick)), size: 11, anchor: .middle)
        }
        canvas.line(left, height - bottom, width - right, height - bottom, stroke: ChartPalette.axis)
        canvas.line(left, top, left, height - bottom, stroke: ChartPalette.axis)
        canvas.text((left + width - right) / 2, height - 12, XMLText.label(xLabel, limit: 80), size: 12, anchor: .middle)
        canvas.text(16, (top + height - bottom) / 2, XMLText.label(yLabel, limit: 50), size: 12, anchor: .middle, rotate: true)
        for line in drawn {
            let points = zip(line.x, line.y).map { (xScale.map($0.0, to: plotX), yScale.map($0.1, to: plotY)) }
            if scatter {
                canvas.circles(points, fill: line.color, hollow: line.dashed)
            } else if points.count == 1 {
                canvas.circles(points, fill: line.color, radius: 3)
            } else {
                canvas.polyline(points, stroke: line.color, dash: line.dashed ? "6 4" : nil)
            }
        }
        return canvas.document(title: title)
    }
}

/// Horizontal bars of relative metric changes (head vs base), coloured by verdict.
public enum DeltaBarChartRenderer {
    public struct Bar: Sendable {
        public var label: String
        /// Relative change in percent.
        public var percent: Double
        public var verdict: ChangeVerdict

        public init(label: String, percent: Double, verdict: ChangeVerdict) {
            self.label = label
            self.percent = percent
            self.verdict = verdict
        }
    }

    public static let maximumBars = 30

    public static func render(title: String, bars allBars: [Bar]) -> String {
        let bars = Array(allBars.prefix(maximumBars))
        let width = 720.0, rowHeight = 22.0, left = 220.0, right = 70.0, top = 40.0, bottom = 44.0
        let height = top + bottom + rowHeight * Double(max(1, bars.count))
        let values = bars.map(\.percent) + [0]
        let scale = NiceScale(min: values.min() ?? 0, max: values.max() ?? 0, targetTicks: 6)
        let plotX = (left, width - right)
        var canvas = SVGCanvas(width: width, height: height)
        canvas.text(width / 2, 22, XMLText.label(title, limit: 90), size: 14, anchor: .middle, weight: "bold")
        for tick in scale.ticks {
            let x = scale.map(tick, to: plotX)
            canvas.line(x, top, x, height - bottom, stroke: ChartPalette.grid)
            canvas.text(x, height - bottom + 16, XMLText.escape(scale.label(tick) + "%"), size: 11, anchor: .middle)
        }
        let zero = scale.map(0, to: plotX)
        for (i, bar) in bars.enumerated() {
            let y = top + Double(i) * rowHeight
            let x = scale.map(bar.percent, to: plotX)
            let color = bar.verdict == .improved ? ChartPalette.better : bar.verdict == .worsened ? ChartPalette.worse : ChartPalette.neutral
            canvas.rect(x: min(x, zero), y: y + 4, width: abs(x - zero), height: rowHeight - 8, fill: color)
            canvas.text(left - 8, y + rowHeight / 2 + 4, XMLText.label(bar.label, limit: 34), size: 11, anchor: .end)
            let valueText = (bar.percent > 0 ? "+" : "") + ChartNumber.compact(bar.percent, significant: 3) + "%"
            // Values sit on the far side of the zero line from their bar, so a long negative bar
            // never runs its value into the metric name.
            canvas.text(bar.percent >= 0 ? max(x, zero) + 4 : zero + 4, y + rowHeight / 2 + 4, XMLText.escape(valueText), size: 10, anchor: .start)
        }
        canvas.line(zero, top, zero, height - bottom, stroke: ChartPalette.axis)
        let legend = Set(bars.map(\.verdict)).isSubset(of: [.improved, .worsened])
            ? "change vs base (%) · green better, vermillion worse"
            : "change vs base (%) · green better, vermillion worse, blue: no direction in .cmlbot.yml"
        canvas.text((left + width - right) / 2, height - 8, legend, size: 11, anchor: .middle)
        return canvas.document(title: title)
    }
}

/// Confusion matrices as heat maps: base and head side by side on one colour scale.
public enum ConfusionHeatMapRenderer {
    public static func render(title: String, base: ConfusionCounts?, head: ConfusionCounts?) -> String {
        let labels = PlotLabelOrder.union(base?.labels ?? [], head?.labels ?? [])
        let panels: [(String, ConfusionCounts?)] = [("base", base), ("head", head)]
        let n = max(1, labels.count)
        let cell = max(8, min(44, 300 / Double(n)))
        let labelSpace = 90.0, top = 64.0, gap = 60.0
        let panelWidth = labelSpace + cell * Double(n)
        let width = max(420, 20 + panelWidth * 2 + gap), height = top + cell * Double(n) + 64
        let maxCount = Double(max(1, panels.flatMap { p in labels.flatMap { r in labels.map { c in p.1?.count(actual: r, predicted: c) ?? 0 } } }.max() ?? 1))
        var canvas = SVGCanvas(width: width, height: height)
        canvas.text(width / 2, 22, XMLText.label(title, limit: 90), size: 14, anchor: .middle, weight: "bold")
        for (p, (name, counts)) in panels.enumerated() {
            let originX = 20 + Double(p) * (panelWidth + gap) + labelSpace
            canvas.text(originX + cell * Double(n) / 2, 44, XMLText.escape(name) + (counts == nil ? " (absent)" : ""), size: 12, anchor: .middle, weight: "bold")
            for (r, actual) in labels.enumerated() {
                let y = top + Double(r) * cell
                canvas.text(originX - 6, y + cell / 2 + 4, XMLText.label(actual, limit: 12), size: 10, anchor: .end)
                for (c, predicted) in labels.enumerated() {
                    let value = counts?.count(actual: actual, predicted: predicted) ?? 0
                    let t = Double(value) / maxCount
                    canvas.rect(x: originX + Double(c) * cell, y: y, width: cell, height: cell, fill: counts == nil ? "#F4F4F4" : ChartPalette.sequential(t), stroke: "#FFFFFF")
                    if cell >= 20, counts != nil {
                        canvas.text(originX + (Double(c) + 0.5) * cell, y + cell / 2 + 4, String(value), size: 10, anchor: .middle, fill: t > 0.55 ? "#FFFFFF" : ChartPalette.text)
                    }
                }
            }
            if cell >= 14 {
                for (c, predicted) in labels.enumerated() {
                    canvas.text(originX + (Double(c) + 0.5) * cell, top + cell * Double(n) + 14, XMLText.label(predicted, limit: 8), size: 10, anchor: .middle)
                }
            }
            let xl = counts?.predictedField ?? base?.predictedField ?? head?.predictedField ?? "predicted"
            let yl = counts?.actualField ?? base?.actualField ?? head?.actualField ?? "actual"
            canvas.text(originX + cell * Double(n) / 2, top + cell * Double(n) + 34, XMLText.label(xl == "predicted" ? xl : "predicted: " + xl, limit: 40), size: 11, anchor: .middle)
            canvas.text(originX - labelSpace + 30, top + cell * Double(n) / 2, XMLText.label(yl == "actual" ? yl : "actual: " + yl, limit: 30), size: 11, anchor: .middle, rotate: true)
        }
        return canvas.document(title: title)
    }
}

enum PlotLabelOrder {
    /// Labels of both sides: base order first, then head's new ones, numeric-aware sorted.
    static func union(_ a: [String], _ b: [String]) -> [String] {
        let all = Array(Set(a + b))
        if all.allSatisfy({ Double($0) != nil }) { return all.sorted { (Double($0) ?? 0, $0) < (Double($1) ?? 0, $1) } }
        return all.sorted()
    }
}
