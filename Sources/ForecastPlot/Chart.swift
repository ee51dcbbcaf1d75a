// What a chart shows, as plain values: series of (x, y) points, optional bands, vertical markers,
// and how the axes read. ``Charts`` builds the forecast, training and backtest charts from these;
// `Chart.svg(width:height:)` draws any of them.

/// One line (or row of points) on a chart, with an optional shaded band around it.
public struct ChartSeries: Sendable, Hashable {
    /// How the series is drawn.
    public enum Style: Sendable, Hashable {
        /// A solid line.
        case line
        /// A dashed line, for baselines.
        case dashed
        /// A dot at each point, unconnected.
        case points
    }

    /// A shaded band, such as a prediction interval: one `lower` and one `upper` value per point.
    public struct Band: Sendable, Hashable {
        /// The legend entry for the band, e.g. "80% interval".
        public var label: String
        /// The lower edge, one value per point of the series (NaN leaves a gap).
        public var lower: [Double]
        /// The upper edge, one value per point of the series (NaN leaves a gap).
        public var upper: [Double]

        /// Creates a band; `lower` and `upper` must have one value per point of the series it shades.
        public init(label: String, lower: [Double], upper: [Double]) {
            self.label = label
            self.lower = lower
            self.upper = upper
        }
    }

    /// The legend entry. Series that share a name and colour share one entry, so a forecast
    /// drawn as one path per origin appears once; an empty name has none.
    public var name: String
    /// The x of each point: seconds since 1970-01-01T00:00:00Z on a ``Chart/XAxis/time(utcOffsetSeconds:)``
    /// axis, else a step or epoch number.
    public var xs: [Double]
    /// The y of each point; NaN (or any non-finite value, or a value ≤ 0 on a log scale) leaves a gap.
    public var values: [Double]
    /// How the series is drawn.
    public var style: Style
    /// An index into ``Palette/okabeIto`` (taken modulo its count).
    public var color: Int
    /// A band shaded behind the series in its colour, if any.
    public var band: Band?

    /// Creates a series; `xs` and `values` (and the band's arrays) must have the same length.
    public init(name: String, xs: [Double], values: [Double], style: Style = .line, color: Int, band: Band? = nil) {
        precondition(xs.count == values.count, "a series needs one x per value: \(xs.count) xs, \(values.count) values")
        precondition(band == nil || (band!.lower.count == values.count && band!.upper.count == values.count),
                     "a band needs one lower and one upper value per point")
        self.name = name
        self.xs = xs
        self.values = values
        self.style = style
        self.color = color
        self.band = band
    }
}

/// A chart: a title, an x axis of dates or steps, a y axis (linear or logarithmic), series and markers.
///
/// A chart is data only; ``svg(width:height:)`` draws it.
public struct Chart: Sendable, Hashable {
    /// What the x values are and how the x axis is labelled.
    public enum XAxis: Sendable, Hashable {
        /// Step numbers (or epochs), labelled with nice numbers and the given axis title.
        case steps(label: String)
        /// Instants in seconds since 1970-01-01T00:00:00Z, labelled with calendar dates on the
        /// local wall clock `utcOffsetSeconds` east of UTC (the data's own offset).
        case time(utcOffsetSeconds: Int)
    }

    /// A vertical line across the plot at `x`, with a label at its top (none when empty).
    public struct Marker: Sendable, Hashable {
        /// Where the line is, in the units of the x axis.
        public var x: Double
        /// The label, e.g. "training ends"; empty for none.
        public var label: String

        /// Creates a marker.
        public init(x: Double, label: String) {
            self.x = x
            self.label = label
        }
    }

    /// The title: the data set and the model.
    public var title: String
    /// A smaller line under the title, if any.
    public var subtitle: String?
    /// What the x values are.
    public var xAxis: XAxis
    /// The y axis title, e.g. the name of the target column.
    public var yLabel: String
    /// The series, drawn in order (later ones on top).
    public var series: [ChartSeries]
    /// Vertical markers.
    public var markers: [Marker]
    /// Whether the y axis is logarithmic (base 10).
    public var logY: Bool

    /// Creates a chart.
    public init(title: String, subtitle: String? = nil, xAxis: XAxis, yLabel: String, series: [ChartSeries],
                markers: [Marker] = [], logY: Bool = false) {
        self.title = title
        self.subtitle = subtitle
        self.xAxis = xAxis
        self.yLabel = yLabel
        self.series = series
        self.markers = markers
        self.logY = logY
    }
}

/// Colours that stay distinct for readers with any common colour-vision deficiency.
public enum Palette {
    /// The Okabe–Ito palette (Okabe & Ito, "Color Universal Design", 2002), ordered for use on a
    /// white background: blue, vermillion, bluish green, reddish purple, orange, sky blue, black;
    /// yellow, hard to see on white, comes last.
    public static let okabeIto = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

    /// The colour for a ``ChartSeries/color`` index.
    public static func color(_ index: Int) -> String {
        okabeIto[((index % okabeIto.count) + okabeIto.count) % okabeIto.count]
    }
}
