import Foundation
import Testing
import ForecastData
@testable import ForecastPlot

/// The SVG a chart writes: well-formed, one path per series with one command per point, nice
/// ticks over the data, date labels, escaped text, sizes that stay readable.
@Suite struct ChartSVGTests {
    private func steps(_ count: Int, from start: Int = 0) -> [Double] { (start..<(start + count)).map(Double.init) }

    private func sampleChart(title: String = "Sample: forecast by LSTM") -> Chart {
        let history = (0..<40).map { 100 + 30 * sin(Double($0) / 3) }
        var withGap = (0..<12).map { 110 + Double($0) }
        withGap[5] = .nan
        return Chart(title: title, subtitle: "horizon 12", xAxis: .steps(label: "step"), yLabel: "value", series: [
            ChartSeries(name: "history", xs: steps(40), values: history, color: 0),
            ChartSeries(name: "forecast", xs: steps(12, from: 40), values: withGap, color: 1,
                        band: .init(label: "80% interval", lower: withGap.map { $0 - 10 }, upper: withGap.map { $0 + 10 })),
            ChartSeries(name: "seasonal naive", xs: steps(12, from: 40), values: Array(history[28...]), style: .dashed, color: 6),
            ChartSeries(name: "actual", xs: steps(3, from: 40), values: [95, 99, 101], style: .points, color: 6),
        ], markers: [Chart.Marker(x: 39.5, label: "training ends")])
    }

    /// (M commands, L commands) of a path's data.
    private func moveAndLineCounts(_ path: ParsedXML.Element) -> (moves: Int, lines: Int) {
        let commands = pathCommands(path.attributes["d"] ?? "")
        return (commands.count { $0.command == "M" }, commands.count { $0.command == "L" })
    }

    @Test func theSVGIsWellFormedStandaloneAndScales() throws {
        let svg = sampleChart().svg()
        let document = try #require(ParsedXML(svg))
        let root = try #require(document.elements.first)
        #expect(root.name == "svg")
        #expect(root.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(root.attributes["viewBox"] == "0 0 900 420")
        #expect(root.attributes["width"] == "100%")
        #expect(!svg.hasPrefix("<?xml"))
    }

    @Test func eachSeriesIsOnePathWithOneCommandPerPointShown() throws {
        let chart = sampleChart()
        let document = try #require(ParsedXML(chart.svg()))
        for (index, series) in chart.series.enumerated() {
            let paths = document.seriesPaths(index)
            try #require(paths.count == 1, "series \(index) has \(paths.count) paths")
            let (moves, lines) = moveAndLineCounts(paths[0])
            let shown = series.values.count(where: \.isFinite)
            #expect(moves + lines == shown, "series \(index): \(moves) M + \(lines) L for \(shown) points")
        }
        // The gap in the forecast starts a second subpath; every point of a points series is its own.
        #expect(moveAndLineCounts(document.seriesPaths(1)[0]).moves == 2)
        #expect(moveAndLineCounts(document.seriesPaths(3)[0]) == (3, 0))
        #expect(document.seriesPaths(2)[0].attributes["stroke-dasharray"] != nil)
    }

    @Test func pointsAreDrawnLeftToRightAndHigherValuesHigherUp() throws {
        let chart = Chart(title: "t", xAxis: .steps(label: "step"), yLabel: "y", series: [
            ChartSeries(name: "s", xs: [0, 1, 2, 3], values: [1, 5, 2, 9], color: 0),
        ])
        let document = try #require(ParsedXML(chart.svg()))
        let points = pathCommands(document.seriesPaths(0)[0].attributes["d"]!).map { ($0.numbers[0], $0.numbers[1]) }
        #expect(zip(points, points.dropFirst()).allSatisfy { $0.0 < $1.0 })
        let ys = points.map(\.1)
        // Larger values have smaller viewBox y: the order of the ys is the reverse of the values'.
        #expect(ys[3] < ys[1] && ys[1] < ys[2] && ys[2] < ys[0])
    }

    @Test func yTicksAreNiceNumbersCoveringTheData() throws {
        let chart = Chart(title: "t", xAxis: .steps(label: "step"), yLabel: "y", series: [
            ChartSeries(name: "s", xs: [0, 1, 2], values: [183, 417, 622], color: 0),
        ])
        let layout = ChartLayout(chart: chart, width: 900, height: 420)
        let values = layout.yTicks.map(\.value)
        #expect(values.first! <= 183 && values.last! >= 622)
        #expect(values == [100, 200, 300, 400, 500, 600, 700])
        // The labels written are the tick values.
        let texts = try #require(ParsedXML(chart.svg())).texts
        #expect(["100", "200", "300", "400", "500", "600", "700"].allSatisfy(texts.contains))
    }

    @Test func aTimeAxisIsLabelledWithDates() throws {
        let start = Timestamp(year: 1958, month: 1, day: 1)!
        let months = (0..<36).map { Frequency.monthly.advance(start, by: $0) }
        let chart = Chart(title: "t", xAxis: .time(utcOffsetSeconds: 0), yLabel: "passengers", series: [
            ChartSeries(name: "history", xs: months.map { Double($0.seconds) }, values: (0..<36).map { 300 + Double($0) }, color: 0),
        ])
        let texts = try #require(ParsedXML(chart.svg())).texts
        #expect(texts.contains("Jan 1959") || texts.contains("1959"), "\(texts)")
        #expect(!texts.contains { $0.contains(":") }, "no times of day on monthly data: \(texts)")
    }

    @Test func dayAndTimeLabelsShowTheirContextWhereItChanges() throws {
        let start = Timestamp(year: 2021, month: 12, day: 10, utcOffsetSeconds: 3600)!
        let halfHours = (0..<96).map { Timestamp(seconds: start.seconds + Int64($0) * 1800, utcOffsetSeconds: 3600) }
        let chart = Chart(title: "t", xAxis: .time(utcOffsetSeconds: 3600), yLabel: "MW", series: [
            ChartSeries(name: "load", xs: halfHours.map { Double($0.seconds) }, values: (0..<96).map { Double($0 % 48) }, color: 0),
        ])
        let texts = try #require(ParsedXML(chart.svg())).texts
        #expect(texts.contains("12:00"), "\(texts)")
        #expect(texts.count { $0 == "Dec 11 2021" } == 1, "\(texts)")
    }

    @Test func aLogarithmicScaleSkipsValuesItCannotShow() throws {
        let chart = Chart(title: "t", xAxis: .steps(label: "epoch"), yLabel: "loss", series: [
            ChartSeries(name: "loss", xs: [1, 2, 3, 4], values: [1.5, 0, 0.02, 0.004], color: 0),
        ], logY: true)
        let document = try #require(ParsedXML(chart.svg()))
        let commands = pathCommands(document.seriesPaths(0)[0].attributes["d"]!)
        // 0 is skipped, leaving 1.5 alone (drawn as a dot); 0.02 and 0.004 are joined.
        #expect(commands.map(\.command) == ["M", "M", "L"])
        #expect(document.all("circle").count == 1)
        #expect(document.texts.contains("0.001") && document.texts.contains("10"), "\(document.texts)")
    }

    @Test func textIsEscaped() throws {
        let title = "Sales <&> \"Q1\" 'A' — café"
        let svg = sampleChart(title: title).svg()
        #expect(svg.contains("Sales &lt;&amp;&gt; &quot;Q1&quot; &#39;A&#39;"))
        let document = try #require(ParsedXML(svg))
        #expect(document.all("title").first?.text == title)
        #expect(document.texts.contains(title))
    }

    @Test func textIsAtLeastTwelveUnitsHigh() throws {
        let document = try #require(ParsedXML(sampleChart().svg()))
        let sizes = document.all("text").compactMap { $0.attributes["font-size"].flatMap(Double.init) }
        #expect(sizes.count == document.all("text").count)
        #expect(sizes.allSatisfy { $0 >= 12 })
    }

    @Test func theLegendNamesEachSeriesAndBandOnce() throws {
        var chart = sampleChart()
        // A second forecast path (another origin) adds no legend entry.
        chart.series.append(ChartSeries(name: "forecast", xs: [60, 61], values: [100, 101], color: 1))
        let texts = try #require(ParsedXML(chart.svg())).texts
        for name in ["history", "forecast", "80% interval", "seasonal naive", "actual"] {
            #expect(texts.count { $0 == name } == 1, "\(name) in \(texts)")
        }
    }

    @Test func bandsAndMarkersAreDrawn() throws {
        let document = try #require(ParsedXML(sampleChart().svg()))
        let band = try #require(document.all("path").first { $0.attributes["data-band"] == "1" })
        // Two runs either side of the gap, each closed.
        #expect(pathCommands(band.attributes["d"]!).count { $0.command == "Z" } == 2)
        #expect(document.texts.contains("training ends"))
        #expect(document.all("line").contains { $0.attributes["stroke-dasharray"] == "2 3" })
    }

    @Test func aChartWithoutDataStillDraws() throws {
        let empty = Chart(title: "nothing", xAxis: .steps(label: "step"), yLabel: "y", series: [])
        #expect(ParsedXML(empty.svg()) != nil)
        let single = Chart(title: "one", xAxis: .time(utcOffsetSeconds: 0), yLabel: "y", series: [
            ChartSeries(name: "s", xs: [0], values: [3], color: 0),
        ])
        let document = try #require(ParsedXML(single.svg()))
        #expect(moveAndLineCounts(document.seriesPaths(0)[0]) == (1, 0))
    }
}
