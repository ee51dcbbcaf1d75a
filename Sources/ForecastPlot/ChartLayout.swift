// Where everything on a chart goes, in viewBox units: the margins around the plot, the scales
// from data to viewBox, the ticks and their labels, the legend rows and the marker labels.
// ChartSVG.swift turns a layout into markup.
import Foundation
import ForecastData

/// Font sizes and text widths, in viewBox units. Every size is at least 12, readable when the
/// default 900-unit-wide chart is shown 900 pixels wide.
enum Typography {
    static let title = 18.0
    static let subtitle = 13.0
    static let tick = 13.0
    static let axisTitle = 13.0
    static let legend = 13.0
    static let marker = 12.0
    static let fontFamily = "Helvetica, Arial, 'DejaVu Sans', sans-serif"

    /// An estimate of the width of `text`: 0.6 em a character, a little over the average of
    /// digits and lower-case letters in the usual sans-serif fonts.
    static func width(_ text: String, size: Double) -> Double {
        Double(text.count) * size * 0.6
    }
}

/// A map from data values to viewBox coordinates along one axis, linear or base-10 logarithmic.
struct Scale {
    var domain: ClosedRange<Double>
    var range: ClosedRange<Double>
    var isLogarithmic = false
    /// Whether the range runs the other way (the y axis grows upward, the viewBox downward).
    var isFlipped = false

    func callAsFunction(_ value: Double) -> Double {
        let transform: (Double) -> Double = { isLogarithmic ? log10($0) : $0 }
        let low = transform(domain.lowerBound), high = transform(domain.upperBound)
        let fraction = high == low ? 0.5 : (transform(value) - low) / (high - low)
        let position = isFlipped ? 1 - fraction : fraction
        return range.lowerBound + position * (range.upperBound - range.lowerBound)
    }

    /// Whether `value` can be drawn: finite, and positive on a logarithmic scale.
    func canShow(_ value: Double) -> Bool {
        value.isFinite && (!isLogarithmic || value > 0)
    }
}

/// A tick on an axis: where it is in the data's units, and what is written under or beside it.
struct AxisTick {
    var value: Double
    var label: String
    /// A second line (the year under days), written only where it changes; nil for none.
    var context: String?
}

/// One entry of the legend, placed.
struct LegendEntry {
    enum Swatch { case line(ChartSeries.Style), band }
    var label: String
    var color: Int
    var swatch: Swatch
    var x: Double
    var y: Double

    static let swatchWidth = 26.0
    static let gap = 6.0
    static let spacing = 20.0
    static let rowHeight = 20.0

    var width: Double { Self.swatchWidth + Self.gap + Typography.width(label, size: Typography.legend) }
}

/// A marker's label, placed in one of the rows above the plot.
struct MarkerLabel {
    var text: String
    var x: Double
    var y: Double
}

struct ChartLayout {
    static let padding = 14.0
    static let markerRowHeight = 17.0

    let chart: Chart
    let width: Double
    let height: Double
    /// The plot area.
    var left = 0.0, top = 0.0, right = 0.0, bottom = 0.0
    var titleY = 0.0, subtitleY = 0.0
    var legend: [LegendEntry] = []
    var markerLabels: [MarkerLabel] = []
    var xScale = Scale(domain: 0...1, range: 0...1)
    var yScale = Scale(domain: 0...1, range: 0...1)
    var xTicks: [AxisTick] = []
    var yTicks: [AxisTick] = []

    /// Lays `chart` out in a `width` × `height` viewBox, with marker labels in one row above the
    /// plot, or two when neighbouring labels would overlap in one.
    init(chart: Chart, width: Double, height: Double) {
        self.init(chart: chart, width: width, height: height, markerRows: chart.markers.contains { !$0.label.isEmpty } ? 1 : 0)
        if markerLabels.count < chart.markers.count(where: { !$0.label.isEmpty }) {
            self.init(chart: chart, width: width, height: height, markerRows: 2)
        }
    }

    private init(chart: Chart, width: Double, height: Double, markerRows: Int) {
        self.chart = chart
        self.width = width
        self.height = height
        var cursor = Self.padding
        titleY = cursor + Typography.title
        cursor = titleY
        if chart.subtitle != nil {
            subtitleY = cursor + 6 + Typography.subtitle
            cursor = subtitleY
        }
        cursor = placeLegend(below: cursor + 10)
        top = cursor + 10 + Double(markerRows) * Self.markerRowHeight
        bottom = height - Self.padding - bottomLabelsHeight()
        right = width - Self.padding - 10
        placeYAxis()
        left = Self.padding + Typography.axisTitle + 10 + (yTicks.map { Typography.width($0.label, size: Typography.tick) }.max() ?? 0) + 8
        placeXAxis()
        placeMarkerLabels(rows: markerRows)
    }

    // MARK: legend

    /// One entry per distinct (name, colour) of the series and of their bands, in order,
    /// wrapped into rows across the width; returns the y below the last row.
    private mutating func placeLegend(below y: Double) -> Double {
        var entries: [LegendEntry] = []
        func add(_ label: String, _ color: Int, _ swatch: LegendEntry.Swatch) {
            guard !label.isEmpty, !entries.contains(where: { $0.label == label && $0.color == color }) else { return }
            entries.append(LegendEntry(label: label, color: color, swatch: swatch, x: 0, y: 0))
        }
        for series in chart.series {
            add(series.name, series.color, .line(series.style))
            if let band = series.band { add(band.label, series.color, .band) }
        }
        guard !entries.isEmpty else { return y }
        var x = Self.padding, rowTop = y
        for index in entries.indices {
            if x > Self.padding && x + entries[index].width > width - Self.padding {
                x = Self.padding
                rowTop += LegendEntry.rowHeight
            }
            entries[index].x = x
            entries[index].y = rowTop + LegendEntry.rowHeight / 2
            x += entries[index].width + LegendEntry.spacing
        }
        legend = entries
        return rowTop + LegendEntry.rowHeight
    }

    // MARK: y axis

    private mutating func placeYAxis() {
        var values: [Double] = []
        for series in chart.series {
            values += series.values
            if let band = series.band { values += band.lower + band.upper }
        }
        values = values.filter { $0.isFinite && (!chart.logY || $0 > 0) }
        let low = values.min() ?? 0, high = values.max() ?? 1
        // A tick every 36 units or more: about 7 on the default chart.
        let count = max(4, Int((bottom - top) / 36))
        let ticks = chart.logY ? Ticks.logarithmic(min: low, max: high, count: count) : Ticks.nice(min: low, max: high, count: count)
        let labels = chart.logY ? ticks.map(Ticks.label) : Ticks.labels(ticks)
        yTicks = zip(ticks, labels).map { AxisTick(value: $0, label: $1) }
        yScale = Scale(domain: ticks.first!...ticks.last!, range: top...bottom, isLogarithmic: chart.logY, isFlipped: true)
    }

    // MARK: x axis

    /// The space under the plot: tick labels, the context line of a date axis, the axis title
    /// of a step axis.
    private func bottomLabelsHeight() -> Double {
        switch chart.xAxis {
        case .time: return 8 + Typography.tick * 2 + 8
        case .steps: return 8 + Typography.tick + 10 + Typography.axisTitle
        }
    }

    private var xExtent: ClosedRange<Double> {
        let xs = chart.series.flatMap { $0.xs } + chart.markers.map(\.x)
        let finite = xs.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else { return 0...1 }
        if low < high { return low...high }
        // A single point sits in the middle of a day, or of one step.
        var pad = 0.5
        if case .time = chart.xAxis { pad = 43_200 }
        return (low - pad)...(high + pad)
    }

    private mutating func placeXAxis() {
        xScale = Scale(domain: xExtent, range: left...right)
        switch chart.xAxis {
        case .steps: xTicks = stepTicks()
        case let .time(offset): xTicks = dateTicks(utcOffsetSeconds: offset)
        }
    }

    /// Nice whole numbers inside the data's range, as many as fit side by side.
    private func stepTicks() -> [AxisTick] {
        let domain = xScale.domain
        var count = max(2, Int((right - left) / 70))
        while count >= 2 {
            let ticks = Ticks.nice(min: domain.lowerBound, max: domain.upperBound, count: count)
                .filter { domain.contains($0) && $0 == $0.rounded() }
            let axisTicks = zip(ticks, Ticks.labels(ticks)).map { AxisTick(value: $0, label: $1) }
            if fits(axisTicks) { return axisTicks }
            count -= 1
        }
        return []
    }

    /// Calendar ticks inside the data's range, as many as fit side by side, contexts included.
    private func dateTicks(utcOffsetSeconds: Int) -> [AxisTick] {
        let start = Self.timestamp(xScale.domain.lowerBound, utcOffsetSeconds: utcOffsetSeconds, roundingUp: true)
        let end = Self.timestamp(xScale.domain.upperBound, utcOffsetSeconds: utcOffsetSeconds, roundingUp: false)
        var maxTicks = max(2, Int((right - left) / 50))
        while maxTicks >= 1 {
            let ticks = Ticks.dates(from: start, to: end, maxTicks: maxTicks).map { tick in
                AxisTick(value: Double(tick.time.seconds) + Double(tick.time.nanoseconds) / 1e9,
                         label: tick.label, context: tick.context)
            }
            if fits(ticks) { return withChangedContexts(ticks) }
            maxTicks -= 1
        }
        return []
    }

    /// A timestamp at `x` seconds, rounded to a whole second inward.
    private static func timestamp(_ x: Double, utcOffsetSeconds: Int, roundingUp: Bool) -> Timestamp {
        Timestamp(seconds: Int64(roundingUp ? x.rounded(.up) : x.rounded(.down)), utcOffsetSeconds: utcOffsetSeconds)
    }

    /// The ticks with each context kept only where it differs from the one before, except that
    /// the first tick's context is dropped when it would crowd the next one shown (which names
    /// where the larger unit changes, and so says more).
    private func withChangedContexts(_ ticks: [AxisTick]) -> [AxisTick] {
        var previous: String?
        var shown = ticks.map { tick in
            var tick = tick
            if tick.context == previous { tick.context = nil } else { previous = tick.context }
            return tick
        }
        if let first = shown.first?.context, let next = shown.dropFirst().first(where: { $0.context != nil }),
           !isGapWide(between: (xScale(shown[0].value), first), and: (xScale(next.value), next.context!)) {
            shown[0].context = nil
        }
        return shown
    }

    /// Whether neighbouring labels, and neighbouring contexts shown, leave room between them.
    private func fits(_ ticks: [AxisTick]) -> Bool {
        let labels = ticks.map { (xScale($0.value), $0.label) }
        let contexts = withChangedContexts(ticks).compactMap { tick in tick.context.map { (xScale(tick.value), $0) } }
        return [labels, contexts].allSatisfy { row in
            zip(row, row.dropFirst()).allSatisfy { isGapWide(between: $0, and: $1) }
        }
    }

    /// Whether tick labels centred at `a.x` and `b.x` leave at least 14 units between them.
    private func isGapWide(between a: (x: Double, text: String), and b: (x: Double, text: String)) -> Bool {
        let halfWidths = (Typography.width(a.text, size: Typography.tick) + Typography.width(b.text, size: Typography.tick)) / 2
        return b.x - a.x >= halfWidths + 14
    }

    /// Where to write a label of `textWidth` centred at `x` so that it stays inside the chart.
    func clampedCentre(_ x: Double, textWidth: Double) -> Double {
        min(max(x, Self.padding + textWidth / 2), width - Self.padding / 2 - textWidth / 2)
    }

    // MARK: marker labels

    private mutating func placeMarkerLabels(rows: Int) {
        guard rows > 0 else { return }
        var rowEnds = Array(repeating: -Double.infinity, count: rows)
        let labelled = chart.markers.filter { !$0.label.isEmpty }.sorted { $0.x < $1.x }
        for marker in labelled {
            let textWidth = Typography.width(marker.label, size: Typography.marker)
            let x = clampedCentre(xScale(marker.x), textWidth: textWidth)
            // The row nearest the plot with room; a label that fits in no row is left out.
            guard let row = rowEnds.firstIndex(where: { $0 + 10 <= x - textWidth / 2 }) else { continue }
            rowEnds[row] = x + textWidth / 2
            let y = top - 6 - Double(row) * Self.markerRowHeight
            markerLabels.append(MarkerLabel(text: marker.label, x: x, y: y))
        }
    }
}
