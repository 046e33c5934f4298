import Foundation

/// Numbers in SVG and chart labels, formatted by our own code so bytes never depend on locale or
/// on platform `printf` differences.
public enum ChartNumber {
    /// `x` rounded half away from zero to `decimals` places, trailing zeros dropped, never `-0`.
    public static func fixed(_ x: Double, _ decimals: Int) -> String {
        guard x.isFinite else { return "0" }
        let places = max(0, min(decimals, 12))
        var scale: Int64 = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = (x * Double(scale)).rounded(.toNearestOrAwayFromZero)
        // Past 2^53 the integer path loses meaning; such values only appear in labels, where the
        // shortest round-trip form is exact enough.
        guard abs(scaled) < 9.0e15 else { return shortest(x) }
        let n = Int64(scaled)
        if n == 0 { return "0" }
        let magnitude = n.magnitude
        let whole = magnitude / UInt64(scale), fraction = magnitude % UInt64(scale)
        var text = (n < 0 ? "-" : "") + String(whole)
        if places > 0 && fraction > 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: places - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text
    }

    /// A coordinate: one decimal is a tenth of a pixel, finer than any screen shows.
    public static func coordinate(_ x: Double) -> String { fixed(x, 1) }

    /// Shortest round-trip text without exponent surprises for ordinary magnitudes.
    static func shortest(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x < 0 ? "-inf" : "inf") }
        let m = x.magnitude
        if m != 0 && (m >= 1e9 || m < 1e-4) { return scientific(x, significant: 4) }
        return fixed(x, 6)
    }

    /// `1.25e6` style: `significant` digits at most, trailing zeros dropped.
    static func scientific(_ x: Double, significant: Int) -> String {
        guard x.isFinite, x != 0 else { return fixed(x, 0) }
        var exponent = Int(floor(log10(x.magnitude)))
        var mantissa = x / pow(10, Double(exponent))
        // Rounding can carry the mantissa to 10 (9.9999 → 10.0).
        if abs((mantissa * pow(10, Double(significant - 1))).rounded()) >= pow(10, Double(significant)) {
            exponent += 1
            mantissa = x / pow(10, Double(exponent))
        }
        return fixed(mantissa, significant - 1) + "e" + String(exponent)
    }

    /// A label for a value with a summary-table precision of about `significant` digits.
    public static func compact(_ x: Double, significant: Int = 4) -> String {
        guard x.isFinite else { return shortest(x) }
        let m = x.magnitude
        if m == 0 { return "0" }
        if m >= 1e9 || m < 1e-4 { return scientific(x, significant: significant) }
        let magnitudeDigits = Int(floor(log10(m))) + 1
        return fixed(x, max(0, significant - magnitudeDigits))
    }
}

/// Okabe–Ito: eight colours that stay distinguishable under the common colour-vision deficiencies.
public enum ChartPalette {
    public static let okabeIto = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
    public static let base = "#E69F00"
    public static let head = "#0072B2"
    public static let better = "#009E73"
    public static let worse = "#D55E00"
    public static let neutral = "#56B4E9"
    public static let axis = "#444444"
    public static let grid = "#E3E3E3"
    public static let text = "#222222"
    public static let font = "DejaVu Sans, Verdana, Arial, sans-serif"

    /// White → Okabe–Ito blue, for heat-map cells; `t` in 0...1.
    public static func sequential(_ t: Double) -> String {
        let clamped = t.isFinite ? min(1, max(0, t)) : 0
        let from = (255.0, 255.0, 255.0), to = (0.0, 114.0, 178.0)
        func channel(_ a: Double, _ b: Double) -> String {
            let v = Int((a + (b - a) * clamped).rounded())
            let hex = String(v, radix: 16, uppercase: true)
            return hex.count == 1 ? "0" + hex : hex
        }
        return "#" + channel(from.0, to.0) + channel(from.1, to.1) + channel(from.2, to.2)
    }
}

/// Axis ticks at "nice" steps (1, 2 or 5 × 10^k) covering the data, as a reader would draw them.
public struct NiceScale: Equatable, Sendable {
    public var lower: Double
    public var upper: Double
    public var step: Double
    public var ticks: [Double]

    public init(min lo: Double, max hi: Double, targetTicks: Int = 6) {
        var lo = lo.isFinite ? lo : 0, hi = hi.isFinite ? hi : 1
        if lo > hi { swap(&lo, &hi) }
        if lo == hi {
            // A flat series still needs a visible axis around its value.
            let pad = lo == 0 ? 1 : lo.magnitude * 0.1
            lo -= pad
            hi += pad
        }
        let target = Swift.max(2, Swift.min(targetTicks, 12))
        let span = NiceScale.nice(hi - lo, round: false)
        var step = NiceScale.nice(span / Double(target - 1), round: true)
        if !(step > 0) || !step.isFinite { step = 1 }
        var first = (lo / step).rounded(.down), last = (hi / step).rounded(.up)
        // Very wide or degenerate ranges must not produce thousands of ticks.
        while last - first > 12 {
            step *= 2
            first = (lo / step).rounded(.down)
            last = (hi / step).rounded(.up)
        }
        lower = first * step
        upper = last * step
        self.step = step
        let count = Swift.max(1, Int(last - first))
        ticks = (0...count).map { i in
            let v = (first + Double(i)) * step
            // Multiples of a non-representable step come out as 0.30000000000000004; snap them.
            return abs(v) < step * 1e-9 ? 0 : (v / step).rounded() * step
        }
    }

    static func nice(_ x: Double, round: Bool) -> Double {
        guard x > 0, x.isFinite else { return 1 }
        let exponent = floor(log10(x))
        let fraction = x / pow(10, exponent)
        let niceFraction: Double
        if round {
            niceFraction = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        } else {
            niceFraction = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        }
        return niceFraction * pow(10, exponent)
    }

    /// Tick label text: as many decimals as the step needs, no more.
    public func label(_ value: Double) -> String {
        let biggest = Swift.max(lower.magnitude, upper.magnitude)
        if biggest >= 1e9 || step < 1e-6 {
            return ChartNumber.scientific(value, significant: Swift.max(1, Int(floor(log10(Swift.max(biggest, step)))) - Int(floor(log10(step))) + 1))
        }
        let decimals = Swift.max(0, -Int(floor(log10(step) + 1e-9)))
        return ChartNumber.fixed(value, decimals)
    }

    /// Maps `value` from this scale onto `range` (pixels).
    public func map(_ value: Double, to range: (Double, Double)) -> Double {
        let span = upper - lower
        guard span > 0 else { return range.0 }
        return range.0 + (value - lower) / span * (range.1 - range.0)
    }
}

/// Largest-Triangle-Three-Buckets (Steinarsson 2013): keeps the first and last points and, per
/// bucket, the point forming the largest triangle with its neighbours, so peaks and dips survive.
public enum LTTB {
    /// Indices of the kept points, ascending; all indices when `threshold` ≥ count.
    public static func indices(x: [Double], y: [Double], threshold: Int) -> [Int] {
        let n = Swift.min(x.count, y.count)
        if threshold >= n || n <= 2 { return Array(0..<n) }
        if threshold < 3 { return threshold <= 1 ? [0] : [0, n - 1] }
        var out: [Int] = []
        out.reserveCapacity(threshold)
        out.append(0)
        x.withUnsafeBufferPointer { xs in
            y.withUnsafeBufferPointer { ys in
                let every = Double(n - 2) / Double(threshold - 2)
                var a = 0
                for i in 0..<(threshold - 2) {
                    let avgStart = Int(Double(i + 1) * every) + 1
                    let avgEnd = Swift.min(Int(Double(i + 2) * every) + 1, n)
                    var avgX = 0.0, avgY = 0.0
                    for j in avgStart..<Swift.max(avgStart + 1, avgEnd) where j < n {
                        avgX += xs[j]
                        avgY += ys[j]
                    }
                    let avgCount = Double(Swift.max(1, Swift.min(avgEnd, n) - avgStart))
                    avgX /= avgCount
                    avgY /= avgCount
                    let rangeStart = Int(Double(i) * every) + 1
                    let rangeEnd = Swift.min(Int(Double(i + 1) * every) + 1, n - 1)
                    let ax = xs[a], ay = ys[a]
                    var best = rangeStart, bestArea = -1.0
                    var j = rangeStart
                    while j < rangeEnd {
                        let area = abs((ax - avgX) * (ys[j] - ay) - (ax - xs[j]) * (avgY - ay))
                        if area > bestArea { bestArea = area; best = j }
                        j += 1
                    }
                    out.append(best)
                    a = best
                }
            }
        }
        out.append(n - 1)
        return out
    }

    /// The kept points themselves.
    public static func downsample(x: [Double], y: [Double], threshold: Int) -> (x: [Double], y: [Double]) {
        let kept = indices(x: x, y: y, threshold: threshold)
        return (kept.map { x[$0] }, kept.map { y[$0] })
    }

    /// For unordered points (scatter plots), where triangles mean nothing: an even stride.
    public static func stride(count: Int, threshold: Int) -> [Int] {
        guard count > threshold, threshold > 0 else { return Array(0..<count) }
        return (0..<threshold).map { Int(Double($0) * Double(count - 1) / Double(Swift.max(1, threshold - 1))) }
    }
}
