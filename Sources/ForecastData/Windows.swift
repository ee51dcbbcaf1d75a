/// Float32 values with a shape, row-major: what a batch of windows hands to the network layer
/// (which wraps it in its own tensor type; the data layer needs no network code).
public struct ShapedArray: Equatable, Sendable {
    /// The size of each dimension.
    public var shape: [Int]
    /// The values, the last dimension varying fastest.
    public var scalars: [Float]

    /// Creates an array; `scalars.count` must be the product of `shape`.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.reduce(1, *) == scalars.count, "\(scalars.count) values do not fill the shape \(shape)")
        self.shape = shape
        self.scalars = scalars
    }
}

/// Sliding lookback → horizon windows over the scaled columns of one series or of many.
///
/// A window is named by its series s and its origin t: its input is points `[t − lookback, t)` of
/// every column of series s (the target first, then the features), its target is the target
/// column's points `[t, t + horizon)`. A window whose lookback reaches before the series' first
/// point (only when the series is too short for a full one, and only if asked for) repeats the first
/// point there: edge padding, so short series train and forecast with the same network.
public struct WindowSet: Sendable {
    /// The number of time steps each window reads.
    public let lookback: Int
    /// The number of target points each window predicts.
    public let horizon: Int
    /// The number of columns per time step.
    public let columnCount: Int
    /// For each run of windows (one per series that has any), its series, its first origin and
    /// the index of its first window: windows are counted, not listed, so a panel of millions of
    /// windows costs three numbers per series.
    private let runSeries: [Int32], runFirstOrigin: [Int], runStart: [Int]
    /// The number of windows.
    public let count: Int
    /// `columns[s][c][t]`: series s, column c (0 the target), point t.
    private let columns: [[[Float]]]

    /// How each window's target column is normalised (inputs and targets alike).
    public let normalization: WindowNormalization
    /// The columns known ahead (future-known features, calendar, statics), which ``future(_:)``
    /// reads at each horizon step; empty for a network that reads the lookback only.
    public let futureColumns: Range<Int>

    /// The windows of one series whose targets lie inside `targetRange` of `columns` (column-major:
    /// `columns[c][t]`, column 0 the target).
    public init(columns: [[Float]], lookback: Int, horizon: Int, targetRange: Range<Int>,
                normalization: WindowNormalization = .global) {
        self.init(series: [columns], lookback: lookback, horizon: horizon, targetRanges: [targetRange],
                  normalization: normalization)
    }

    /// The windows of many series: for series s, those whose targets lie inside `targetRanges[s]`.
    ///
    /// - Parameter padsShortSeries: a series with no full window in its range gets the windows
    ///   whose lookback reaches before its first point (at least one point of history), padded.
    public init(series: [[[Float]]], lookback: Int, horizon: Int, targetRanges: [Range<Int>],
                normalization: WindowNormalization = .global, padsShortSeries: Bool = false, futureColumns: Range<Int> = 0..<0) {
        precondition(!series.isEmpty && !series[0].isEmpty && lookback > 0 && horizon > 0, "windows need columns, a lookback and a horizon")
        precondition(series.count == targetRanges.count, "one target range per series")
        self.columns = series
        self.lookback = lookback
        self.horizon = horizon
        self.columnCount = series[0].count
        self.normalization = normalization
        precondition(futureColumns.isEmpty || (futureColumns.lowerBound >= 1 && futureColumns.upperBound <= columnCount),
                     "future columns are feature columns")
        self.futureColumns = futureColumns
        var runSeries: [Int32] = [], runFirstOrigin: [Int] = [], runStart: [Int] = [], count = 0
        for (s, range) in targetRanges.enumerated() {
            let last = range.upperBound - horizon
            var first = max(range.lowerBound, lookback)
            if padsShortSeries && first > last { first = max(range.lowerBound, 1) }
            guard first <= last else { continue }
            runSeries.append(Int32(s))
            runFirstOrigin.append(first)
            runStart.append(count)
            count += last - first + 1
        }
        self.runSeries = runSeries
        self.runFirstOrigin = runFirstOrigin
        self.runStart = runStart
        self.count = count
    }

    /// The series and origin of window `index`.
    public func window(_ index: Int) -> (series: Int, origin: Int) {
        precondition(index >= 0 && index < count, "window \(index) of \(count)")
        // The last run starting at or before `index`.
        var low = 0, high = runStart.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if runStart[middle] <= index { low = middle } else { high = middle - 1 }
        }
        return (Int(runSeries[low]), runFirstOrigin[low] + index - runStart[low])
    }

    /// The origin of each window, in order.
    public var origins: [Int] { (0..<count).map { window($0).origin } }
    /// The series of each window, in order.
    public var seriesIndices: [Int] { (0..<count).map { window($0).series } }

    /// The inputs `[B, lookback, columns]` and targets `[B, horizon]` of the windows at `indices`,
    /// the target column normalised per window; `statistics` holds each window's (center, scale).
    public func batch(_ indices: some Collection<Int>) -> (input: ShapedArray, target: ShapedArray, statistics: [(center: Float, scale: Float)]) {
        var input: [Float] = [], target: [Float] = [], statistics: [(center: Float, scale: Float)] = []
        input.reserveCapacity(indices.count * lookback * columnCount)
        target.reserveCapacity(indices.count * horizon)
        statistics.reserveCapacity(indices.count)
        for index in indices {
            let (seriesIndex, origin) = window(index)
            let series = columns[seriesIndex]
            let statistic = Self.appendInput(of: series, before: origin, lookback: lookback, normalization: normalization, to: &input)
            statistics.append(statistic)
            let (center, scale) = statistic
            let history = series[0][max(origin - lookback, 0)..<origin]
            let anchors = normalization.anchors(of: history, steps: horizon, center: center)
            for (step, t) in (origin..<(origin + horizon)).enumerated() {
                target.append((series[0][t] - anchors[step]) / scale)
            }
        }
        return (ShapedArray(shape: [indices.count, lookback, columnCount], scalars: input),
                ShapedArray(shape: [indices.count, horizon], scalars: target), statistics)
    }

    /// The known-ahead values `[B, horizon, futureColumns.count]` of the windows at `indices`: for
    /// each horizon step t of a window, the ``futureColumns`` at point t (scaled, as the inputs).
    public func future(_ indices: some Collection<Int>) -> ShapedArray {
        var values: [Float] = []
        values.reserveCapacity(indices.count * horizon * futureColumns.count)
        for index in indices {
            let (seriesIndex, origin) = window(index)
            let series = columns[seriesIndex]
            for t in origin..<(origin + horizon) {
                for c in futureColumns { values.append(series[c][t]) }
            }
        }
        return ShapedArray(shape: [indices.count, horizon, futureColumns.count], scalars: values)
    }

    /// Appends the `lookback` rows before `origin` of `columns` (`columns[c][t]`, scaled) to `input`,
    /// each row the normalised target then the features, padding before the first point with it;
    /// returns the window's (center, scale).
    public static func appendInput(of columns: [[Float]], before origin: Int, lookback: Int, normalization: WindowNormalization,
                                   to input: inout [Float]) -> (center: Float, scale: Float) {
        let target = columns[0]
        let start = origin - lookback
        let (center, scale): (Float, Float)
        if start >= 0 {
            (center, scale) = normalization.statistics(of: target[start..<origin])
        } else {
            let padded = [Float](repeating: target[0], count: -start) + target[0..<origin]
            (center, scale) = normalization.statistics(of: padded[...])
        }
        for t in start..<origin {
            let point = max(t, 0)
            input.append((target[point] - center) / scale)
            for column in columns.dropFirst() { input.append(column[point]) }
        }
        return (center, scale)
    }
}
