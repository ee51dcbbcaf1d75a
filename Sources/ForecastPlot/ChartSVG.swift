// Drawing a chart as a standalone SVG document: the layout from ChartLayout.swift written out as
// a background, grid, axes, bands, series, markers, legend and title, in that order (later on top).

extension Chart {
    /// The chart as a standalone SVG document (no XML declaration, so it can also be placed
    /// inline in HTML).
    ///
    /// The drawing is `width` × `height` viewBox units and scales to its container (`width="100%"`);
    /// text is 12 units or more. Each series is one `<path>` with a `data-series` attribute holding
    /// its index in ``series``: an `M` command starts it and every point after a gap, an `L`
    /// command draws to each other point, so the path has one command per point shown. A band is
    /// a filled `<path>` with `data-band` holding its series' index.
    public func svg(width: Int = 900, height: Int = 420) -> String {
        ChartSVG(layout: ChartLayout(chart: self, width: Double(width), height: Double(height))).document().string
    }
}

/// Markup for each part of a laid-out chart.
struct ChartSVG {
    let layout: ChartLayout
    var chart: Chart { layout.chart }

    static let gridColor = "#E4E4E4"
    static let axisColor = "#666666"
    static let textColor = "#222222"
    static let mutedTextColor = "#555555"

    func document() -> Markup {
        let size = "0 0 \(coordinate(layout.width)) \(coordinate(layout.height))"
        let attributes = [
            ("xmlns", "http://www.w3.org/2000/svg"), ("viewBox", size), ("width", "100%"),
            ("role", "img"), ("font-family", Typography.fontFamily),
        ]
        let parts: [Markup] = [
            .element("title", text: chart.title),
            .element("rect", [("width", "100%"), ("height", "100%"), ("fill", "#FFFFFF")]),
            grid(), axes(), bands(), series(), markers(), legend(), titles(),
        ]
        return .element("svg", attributes, [.lines(parts)])
    }

    // MARK: grid and axes

    private func grid() -> Markup {
        let horizontal = layout.yTicks.map { tick in
            line(x1: layout.left, y1: layout.yScale(tick.value), x2: layout.right, y2: layout.yScale(tick.value), color: Self.gridColor)
        }
        let vertical = layout.xTicks.map { tick in
            line(x1: layout.xScale(tick.value), y1: layout.top, x2: layout.xScale(tick.value), y2: layout.bottom, color: Self.gridColor)
        }
        return group([("class", "grid"), ("stroke-width", "1")], horizontal + vertical)
    }

    private func axes() -> Markup {
        var parts = [
            line(x1: layout.left, y1: layout.bottom, x2: layout.right, y2: layout.bottom, color: Self.axisColor),
            line(x1: layout.left, y1: layout.top, x2: layout.left, y2: layout.bottom, color: Self.axisColor),
        ]
        parts += layout.yTicks.map(yTickLabel)
        parts += layout.xTicks.flatMap(xTickLabel)
        parts.append(yAxisTitle())
        if case let .steps(label) = chart.xAxis, !label.isEmpty {
            parts.append(text(label, x: (layout.left + layout.right) / 2, y: layout.height - ChartLayout.padding,
                              size: Typography.axisTitle, anchor: "middle"))
        }
        return group([("class", "axes"), ("fill", Self.textColor)], parts)
    }

    private func yTickLabel(_ tick: AxisTick) -> Markup {
        // A third of the font size below the tick centres the digits on it.
        text(tick.label, x: layout.left - 8, y: layout.yScale(tick.value) + Typography.tick / 3, size: Typography.tick, anchor: "end")
    }

    private func xTickLabel(_ tick: AxisTick) -> [Markup] {
        let x = layout.xScale(tick.value)
        var parts = [
            line(x1: x, y1: layout.bottom, x2: x, y2: layout.bottom + 5, color: Self.axisColor),
            centredText(tick.label, x: x, y: layout.bottom + 8 + Typography.tick, size: Typography.tick),
        ]
        if let context = tick.context {
            parts.append(centredText(context, x: x, y: layout.bottom + 10 + 2 * Typography.tick, size: Typography.tick,
                                     color: Self.mutedTextColor))
        }
        return parts
    }

    private func yAxisTitle() -> Markup {
        let x = ChartLayout.padding + Typography.axisTitle - 2, y = (layout.top + layout.bottom) / 2
        return .element("text", [
            ("x", coordinate(x)), ("y", coordinate(y)), ("font-size", coordinate(Typography.axisTitle)),
            ("text-anchor", "middle"), ("transform", "rotate(-90 \(coordinate(x)) \(coordinate(y)))"),
        ], text: chart.yLabel)
    }

    // MARK: data

    /// Each band as a closed outline: along the upper edge, back along the lower, once for each
    /// run of points where both edges can be shown.
    private func bands() -> Markup {
        let paths = chart.series.enumerated().compactMap { index, series -> Markup? in
            guard let band = series.band else { return nil }
            let visible = series.xs.indices.map { layout.yScale.canShow(band.lower[$0]) && layout.yScale.canShow(band.upper[$0]) }
            var commands: [String] = []
            for run in Self.runs(visible) {
                let upper = run.map { point(series.xs[$0], band.upper[$0]) }
                let lower = run.reversed().map { point(series.xs[$0], band.lower[$0]) }
                commands.append("M" + (upper + lower).joined(separator: " L") + " Z")
            }
            return .element("path", [
                ("data-band", "\(index)"), ("d", commands.joined(separator: " ")),
                ("fill", Palette.color(series.color)), ("fill-opacity", "0.2"), ("stroke", "none"),
            ])
        }
        return group([("class", "bands")], paths)
    }

    private func series() -> Markup {
        let drawings = chart.series.enumerated().flatMap { index, series -> [Markup] in
            let runs = Self.runs(zip(series.xs, series.values).map { x, value in x.isFinite && layout.yScale.canShow(value) })
            var attributes = [("data-series", "\(index)"), ("d", pathData(series, runs: runs)), ("fill", "none"),
                              ("stroke", Palette.color(series.color)), ("stroke-linejoin", "round"), ("stroke-linecap", "round")]
            switch series.style {
            case .line: attributes += [("stroke-width", "2")]
            case .dashed: attributes += [("stroke-width", "2"), ("stroke-dasharray", "7 4")]
            case .points: attributes += [("stroke-width", "5")]
            }
            return [Markup.element("path", attributes)] + (series.style == .points ? [] : loneDots(series, runs: runs))
        }
        return group([("class", "series")], drawings)
    }

    /// `M x y` at the start of each run of points shown, `L x y` to every other point, so one
    /// command per point shown. A points series is `M x y h0` at every point: a zero-length
    /// segment, drawn as a dot by the round line cap.
    private func pathData(_ series: ChartSeries, runs: [[Int]]) -> String {
        let point = { (index: Int) in self.point(series.xs[index], series.values[index]) }
        if series.style == .points {
            return runs.joined().map { "M" + point($0) + " h0" }.joined(separator: " ")
        }
        return runs.map { run in
            "M" + point(run[0]) + run.dropFirst().map { " L" + point($0) }.joined()
        }.joined(separator: " ")
    }

    /// A dot at each point of a line shown alone (between gaps), which a line cannot draw.
    private func loneDots(_ series: ChartSeries, runs: [[Int]]) -> [Markup] {
        runs.filter { $0.count == 1 }.map { run in
            .element("circle", [("cx", coordinate(layout.xScale(series.xs[run[0]]))), ("cy", coordinate(layout.yScale(series.values[run[0]]))),
                                ("r", "3"), ("fill", Palette.color(series.color))])
        }
    }

    private func markers() -> Markup {
        let lines = chart.markers.map { marker in
            let x = layout.xScale(marker.x)
            return Markup.element("line", [
                ("x1", coordinate(x)), ("y1", coordinate(layout.top)), ("x2", coordinate(x)), ("y2", coordinate(layout.bottom)),
                ("stroke", Self.mutedTextColor), ("stroke-width", "1.2"), ("stroke-dasharray", "2 3"),
            ])
        }
        let labels = layout.markerLabels.map { label in
            text(label.text, x: label.x, y: label.y, size: Typography.marker, anchor: "middle", color: Self.textColor)
        }
        return group([("class", "markers")], lines + labels)
    }

    // MARK: legend and titles

    private func legend() -> Markup {
        let entries = layout.legend.map { entry -> Markup in
            let colour = Palette.color(entry.color)
            let swatchEnd = entry.x + LegendEntry.swatchWidth
            let swatch: Markup = switch entry.swatch {
            case .band:
                .element("rect", [("x", coordinate(entry.x)), ("y", coordinate(entry.y - 6)), ("width", coordinate(LegendEntry.swatchWidth)),
                                  ("height", "12"), ("fill", colour), ("fill-opacity", "0.2")])
            case .line(.points):
                .element("circle", [("cx", coordinate(entry.x + LegendEntry.swatchWidth / 2)), ("cy", coordinate(entry.y)),
                                    ("r", "3"), ("fill", colour)])
            case let .line(style):
                .element("line", [("x1", coordinate(entry.x)), ("y1", coordinate(entry.y)), ("x2", coordinate(swatchEnd)),
                                  ("y2", coordinate(entry.y)), ("stroke", colour), ("stroke-width", "2.5")]
                         + (style == .dashed ? [("stroke-dasharray", "7 4")] : []))
            }
            let label = text(entry.label, x: swatchEnd + LegendEntry.gap, y: entry.y + Typography.legend / 3,
                             size: Typography.legend, anchor: "start")
            return group([], [swatch, label])
        }
        return group([("class", "legend"), ("fill", Self.textColor)], entries)
    }

    private func titles() -> Markup {
        let available = layout.width - 2 * ChartLayout.padding
        var parts = [Markup.element("text", [
            ("x", coordinate(ChartLayout.padding)), ("y", coordinate(layout.titleY)), ("font-size", coordinate(Typography.title)),
            ("font-weight", "bold"),
        ], text: Self.truncated(chart.title, width: available, size: Typography.title))]
        if let subtitle = chart.subtitle {
            parts.append(text(Self.truncated(subtitle, width: available, size: Typography.subtitle), x: ChartLayout.padding,
                              y: layout.subtitleY, size: Typography.subtitle, anchor: "start", color: Self.mutedTextColor))
        }
        return group([("class", "titles"), ("fill", Self.textColor)], parts)
    }

    /// `text`, cut short with an ellipsis if it would be wider than `width`.
    private static func truncated(_ text: String, width: Double, size: Double) -> String {
        let fitting = Int(width / (size * 0.6))
        return text.count <= fitting ? text : String(text.prefix(max(fitting - 1, 1))) + "…"
    }

    // MARK: primitives

    /// `x y` in viewBox units of a data point.
    private func point(_ x: Double, _ y: Double) -> String {
        coordinate(layout.xScale(x)) + " " + coordinate(layout.yScale(y))
    }

    /// The index runs of consecutive `true` values.
    static func runs(_ flags: [Bool]) -> [[Int]] {
        var runs: [[Int]] = [], current: [Int] = []
        for (index, flag) in flags.enumerated() {
            if flag { current.append(index) } else if !current.isEmpty { runs.append(current); current = [] }
        }
        if !current.isEmpty { runs.append(current) }
        return runs
    }

    private func group(_ attributes: [(String, String)], _ children: [Markup]) -> Markup {
        .element("g", attributes, [.lines(children)])
    }

    private func line(x1: Double, y1: Double, x2: Double, y2: Double, color: String) -> Markup {
        .element("line", [("x1", coordinate(x1)), ("y1", coordinate(y1)), ("x2", coordinate(x2)), ("y2", coordinate(y2)),
                          ("stroke", color)])
    }

    private func text(_ content: String, x: Double, y: Double, size: Double, anchor: String, color: String? = nil) -> Markup {
        var attributes = [("x", coordinate(x)), ("y", coordinate(y)), ("font-size", coordinate(size)), ("text-anchor", anchor)]
        if let color { attributes.append(("fill", color)) }
        return .element("text", attributes, text: content)
    }

    /// Text centred at `x`, moved inward if it would run off the chart's edge.
    private func centredText(_ content: String, x: Double, y: Double, size: Double, color: String? = nil) -> Markup {
        text(content, x: layout.clampedCentre(x, textWidth: Typography.width(content, size: size)), y: y, size: size,
             anchor: "middle", color: color)
    }
}
