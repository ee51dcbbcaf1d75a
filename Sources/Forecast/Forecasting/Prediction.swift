import ForecastData

/// A forecast of the points after the end of a series.
public struct PointForecast: Sendable {
    /// The forecast values, in the data's units, one per future point.
    public var values: [Double]
    /// The time of each forecast point, when the series has a regular time axis.
    public var timestamps: [Timestamp]?
    /// How many extra runs of the model on its own forecasts were needed to reach beyond the
    /// model's horizon (0 when the forecast is within it).
    public var recursiveBlocks: Int
    /// The prediction intervals around ``values``, one per level asked for, in that order (empty
    /// when none were asked for).
    public var intervals: [PredictionInterval]

    /// Creates a forecast.
    public init(values: [Double], timestamps: [Timestamp]?, recursiveBlocks: Int, intervals: [PredictionInterval] = []) {
        self.values = values
        self.timestamps = timestamps
        self.recursiveBlocks = recursiveBlocks
        self.intervals = intervals
    }
}

/// The forecasts of every series of a panel, in the panel's order.
public struct PanelForecast: Sendable {
    /// The id of each series.
    public var ids: [String]
    /// The forecast of each series.
    public var forecasts: [PointForecast]
    /// How many extra runs of the model on its own forecasts were needed (the same for every series).
    public var recursiveBlocks: Int { forecasts.first?.recursiveBlocks ?? 0 }
}

/// One forecast to make: from the end of the first `end` points of series `series`.
public struct ForecastRequest: Sendable, Equatable {
    /// The index of the series.
    public var series: Int
    /// The number of points of history (the forecast starts at this index).
    public var end: Int

    /// Creates a request.
    public init(series: Int, end: Int) {
        self.series = series
        self.end = end
    }
}

extension ForecastModel {
    /// How many windows go through the network at once when forecasting many.
    public static let forecastBatchSize = 4096

    /// Forecasts the `horizon` points after the end of `series` from its last `lookback` points.
    ///
    /// When `horizon` exceeds the model's, the forecast continues recursively in blocks of the
    /// model's horizon, each reading the forecasts before it (only for models without features,
    /// whose future values are unknown).
    /// - Throws: ``DataError`` (usage) when the series is shorter than the lookback, its columns
    ///   are not the model's, or a recursive forecast would need future feature values.
    public func forecast(_ series: TimeSeries, horizon: Int? = nil, levels: [Double] = []) throws(DataError) -> PointForecast {
        try forecast(Panel(series), horizon: horizon, levels: levels).forecasts[0]
    }

    /// Forecasts the `horizon` points after the end of every series of `panel`, in one batched pass
    /// through the network (blocks of ``forecastBatchSize`` windows). A series shorter than the
    /// lookback is read from a window padded with its first value.
    ///
    /// With `levels` (percentages, e.g. `[80, 95]`) each forecast carries its prediction interval
    /// at each level (``ConformalCalibration``), in the series' own scale.
    ///
    /// A model that reads future-known features takes their values over the forecast's steps from
    /// `future` (`--future FILE`); one that reads static features takes them from the panel
    /// (``Panel/statics``).
    ///
    /// - Throws: ``DataError`` (usage) when the columns are not the model's, or a recursive
    ///   forecast would need future feature values; when a level is outside (0, 100) or repeated,
    ///   the model has no intervals, or intervals are asked beyond the model's horizon; (bad data)
    ///   when a series lacks a future value or a static feature, or has a category the model has
    ///   not seen.
    public func forecast(_ panel: Panel, horizon: Int? = nil, levels: [Double] = [], future: KnownFuture? = nil) throws(DataError) -> PanelForecast {
        let steps = try checkedSteps(horizon, panel: panel)
        try checkLevels(levels, steps: steps, source: panel.source)
        let requests = panel.series.indices.map { ForecastRequest(series: $0, end: panel.series[$0].count) }
        let inputs = try preparedPanel(panel, future: future, steps: steps).series
        let (values, blocks) = forecast(inputs, requests: requests, steps: steps, ids: panel.hasIDs ? panel.ids : nil)
        let intervals = self.intervals(inputs, requests: requests, forecasts: values, levels: levels)
        let beyondHorizon = configuration.strategy == .direct ? blocks - 1 : (steps > configuration.horizon ? blocks - configuration.horizon : 0)
        let forecasts = panel.series.indices.map { s in
            PointForecast(values: values[s], timestamps: panel.series[s].time?.future(steps), recursiveBlocks: beyondHorizon,
                          intervals: intervals[s])
        }
        return PanelForecast(ids: panel.ids, forecasts: forecasts)
    }

    /// The number of steps to forecast, checked against the model and the data.
    func checkedSteps(_ horizon: Int?, panel: Panel) throws(DataError) -> Int {
        let steps = horizon ?? configuration.horizon
        guard steps > 0 else { throw DataError(.usage, file: panel.source, "the horizon must be at least 1 (got \(steps))") }
        guard panel.featureNames == configuration.tableFeatures else {
            throw DataError(.usage, file: panel.source, "the model reads the features \(configuration.tableFeatures), the data gives \(panel.featureNames)")
        }
        if !configuration.scalesPerSeries, let short = panel.series.firstIndex(where: { $0.count < configuration.lookback }) {
            throw DataError(.usage, file: panel.source, "the model reads the last \(configuration.lookback) points; \(panel.hasIDs ? panel.describe(short) + " has" : "the series has") \(panel.series[short].count)")
        }
        if steps > configuration.pointOutputSize && !configuration.features.isEmpty {
            throw DataError(.usage, file: panel.source, "the model forecasts \(configuration.pointOutputSize) steps; beyond that it would need future values of its features \(configuration.features)")
        }
        if !configuration.calendar.isEmpty {
            if steps > configuration.pointOutputSize {
                throw DataError(.usage, file: panel.source, "the model forecasts \(configuration.pointOutputSize) steps and reads calendar features; it does not continue beyond them")
            }
            for series in panel.series { try CalendarSelection.checkDates(series.time, source: panel.source) }
        }
        if configuration.decoder != nil && !configuration.calendar.isEmpty,
           let irregular = panel.series.indices.first(where: { futureTimestamps(of: panel.series[$0], count: 1) == nil }) {
            throw DataError(.usage, file: panel.source, "\(panel.hasIDs ? panel.describe(irregular) : "the series") has no regular time step, so the calendar of its forecast steps is unknown")
        }
        if configuration.decoder != nil && steps > configuration.pointOutputSize {
            throw DataError(.usage, file: panel.source, "the model forecasts \(configuration.pointOutputSize) steps from what is known of them; it does not continue beyond them")
        }

        return steps
    }

    /// The series as the network reads them: with the model's calendar columns added after the
    /// other columns (``TimeSeries/addingCalendar(_:)``) to a series that has the target, the
    /// features and the static columns only; a series that has them already, or a model without
    /// calendar features, as it is.
    ///
    /// - Precondition: a series that needs the calendar has dates (``checkedSteps(_:panel:)`` checks it).
    func inputSeries(_ series: [TimeSeries]) -> [TimeSeries] {
        guard !configuration.calendar.isEmpty else { return series }
        let withoutCalendar = 1 + configuration.tableFeatures.count + configuration.staticColumns.count
        return series.map { one in
            guard one.columns.count == withoutCalendar else { return one }
            do {
                return try one.addingCalendar(configuration.calendar)
            } catch {
                preconditionFailure("a series without dates reached a calendar model past checkedSteps: \(error)")
            }
        }
    }

    /// The panel with the model's static columns (``Panel/addingStatics(_:)``), as the network
    /// reads them; as it is for a model without static features.
    ///
    /// - Throws: ``DataError`` when the panel lacks the statics or a value cannot be encoded.
    public func addingStatics(_ panel: Panel) throws(DataError) -> Panel {
        guard let encoding = configuration.staticFeatures else { return panel }
        return try panel.addingStatics(encoding)
    }

    /// The panel as the network reads it when forecasting `steps` points after the end of every
    /// series: with the static and calendar columns, and, for an encoder–decoder, what is known of
    /// the next horizon (``TimeSeries/ahead``): the future-known features from `future`, the
    /// static columns, the calendar of the future timestamps. The decoder reads a full horizon of
    /// rows; beyond the steps asked for (whose outputs are dropped) the last row is repeated.
    ///
    /// - Throws: ``DataError`` when a model with future-known features is given no `future`, or
    ///   `future` lacks a value a series needs; as ``addingStatics(_:)``.
    func preparedPanel(_ panel: Panel, future: KnownFuture?, steps: Int) throws(DataError) -> Panel {
        var panel = try addingStatics(panel)
        panel.series = inputSeries(panel.series)
        guard configuration.decoder != nil else { return panel }
        let names = configuration.futureFeatures, list = names.map { "'\($0)'" }.joined(separator: ", ")
        for s in panel.series.indices {
            let one = panel.series[s]
            var values: [[Double]]?
            if !names.isEmpty {
                guard let future else {
                    throw DataError(.usage, file: panel.source, "the model reads the future-known features \(list); give their values over the forecast's \(steps) steps with --future FILE")
                }
                guard let axis = one.time, let timestamps = futureTimestamps(of: one, count: steps) else {
                    throw DataError(.usage, file: panel.source, "\(panel.describe(s)) has no regular time axis, so the times of its future values are unknown")
                }
                values = try future.values(of: panel.ids[s], at: timestamps, describe: panel.describe(s), format: axis.format)
            }
            panel.series[s].ahead = knownAhead(of: one, futureValues: values, steps: steps)
        }
        return panel
    }

    /// What is known of the input columns of `series` (as the network reads it) over the next
    /// horizon (``TimeSeries/ahead``): the future-known features' `futureValues` (`[feature][step]`,
    /// none when nil), the static columns (constant), the calendar of the future timestamps; a
    /// full horizon of rows, the last repeated beyond `steps`.
    func knownAhead(of series: TimeSeries, futureValues: [[Double]]?, steps: Int) -> [[Double]] {
        var ahead = [[Double]](repeating: [], count: series.featureNames.count)
        if let futureValues {
            for (offset, column) in futureValues.enumerated() { ahead[configuration.features.count + offset] = column }
        }
        for c in configuration.staticColumns { ahead[c - 1] = [Double](repeating: series.columns[c][series.count - 1], count: steps) }
        if !configuration.calendar.isEmpty, let timestamps = futureTimestamps(of: series, count: steps) {
            let start = configuration.tableFeatures.count + configuration.staticColumns.count
            let columns = configuration.calendar.flatMap { $0.columns(for: timestamps) }
            for (offset, column) in columns.enumerated() { ahead[start + offset] = column }
        }
        return ahead.map { column in
            guard let last = column.last else { return column }
            return column + [Double](repeating: last, count: max(0, configuration.horizon - column.count))
        }
    }

    /// The `count` times after the end of `series`: its own frequency continued, else (a series too
    /// short to show one) the model's; nil without a time axis or a known step.
    func futureTimestamps(of series: TimeSeries, count: Int) -> [Timestamp]? {
        guard var axis = series.time else { return nil }
        if axis.frequency == nil { axis.frequency = configuration.frequency }
        return axis.future(count)
    }

    /// The series as ``inputSeries(_:)`` gives them, and for an encoder–decoder each with what is
    /// known ahead of it when nothing is yet (the static and calendar columns; future-known
    /// features must come with the series, as ``preparedPanel(_:future:steps:)`` gives them).
    func decoderSeries(_ series: [TimeSeries]) -> [TimeSeries] {
        let series = inputSeries(series)
        guard configuration.decoder != nil else { return series }
        return series.map { one in
            guard one.ahead.isEmpty, one.count > 0 else { return one }
            var copy = one
            copy.ahead = knownAhead(of: one, futureValues: nil, steps: configuration.horizon)
            return copy
        }
    }

    /// The scaler of a window of `series` ending at `end`: the model's, or, for a model of many
    /// series, the statistics of the series' own history before `end`.
    func scaler(for series: TimeSeries, end: Int) -> Scaler {
        guard configuration.scalesPerSeries else { return configuration.scaling }
        return Scaler.fit(configuration.scaling.method, columns: series.columns, count: max(end, 1),
                          season: configuration.windowNormalization.period).scaler.leavingUnscaled(configuration.staticColumns)
    }

    /// The `steps` points after each request's history, in the data's units, with the number of
    /// blocks the network was run for: the network's forecast (``networkForecast(_:requests:steps:)``),
    /// combined with the simple forecasters as the model's ``ModelConfiguration/combination`` says
    /// when it has one; with `ids` (each series' id), as the series' own combination says when the
    /// model has one for it (``ModelConfiguration/combination(forSeries:)``).
    ///
    /// - Precondition: `steps` is within the output, or the model reads no features; every request
    ///   has at least one point of history; `ids`, when given, has one id per series.
    public func forecast(_ series: [TimeSeries], requests: [ForecastRequest], steps: Int,
                         ids: [String]? = nil) -> (values: [[Double]], blocks: Int) {
        let (network, blocks) = networkForecast(series, requests: requests, steps: steps)
        guard configuration.combination != nil || configuration.seriesCombinations != nil else { return (network, blocks) }
        precondition(ids.map { $0.count == series.count } ?? true, "one id per series")
        let values = zip(requests, network).map { request, forecast in
            guard let combination = configuration.combination(forSeries: ids?[request.series]), !combination.isNetworkAlone else { return forecast }
            return combination.combine(network: forecast, history: Array(series[request.series].target[..<request.end]))
        }
        return (values, blocks)
    }

    /// The network's own forecast of the `steps` points after each request's history, in the
    /// data's units, with the number of blocks it was run for: every request's window goes through
    /// the network in batches, and beyond the model's output the forecasts continue recursively,
    /// all requests together.
    ///
    /// - Precondition: `steps` is within the output, or the model reads no features; every request
    ///   has at least one point of history.
    public func networkForecast(_ series: [TimeSeries], requests: [ForecastRequest], steps: Int) -> (values: [[Double]], blocks: Int) {
        precondition(steps <= configuration.pointOutputSize || configuration.inputFeatureNames.isEmpty,
                     "a model with features cannot forecast beyond its output")
        let series = decoderSeries(series)
        for request in requests {
            precondition(request.end >= 1 && request.end <= series[request.series].count, "a forecast needs history")
        }
        let scalers = requests.map { scaler(for: series[$0.series], end: $0.end) }
        let width = configuration.model.outputSize
        var values = [[Float]](repeating: [], count: requests.count)
        var blocks = 0
        while values.first.map({ $0.count < steps }) ?? false {
            for start in stride(from: 0, to: requests.count, by: Self.forecastBatchSize) {
                let chunk = start..<min(start + Self.forecastBatchSize, requests.count)
                // Each request's last `lookback` points: its history, then what was forecast so far.
                var batch = makeBatch(count: chunk.count)
                for (position, r) in chunk.enumerated() {
                    batch.fill(position, from: series[requests[r].series].columns, end: requests[r].end, continuedBy: values[r])
                    batch.fillFuture(position, from: series[requests[r].series], end: requests[r].end)
                }
                let outputs = predict(batch, scalers: scalers[chunk])
                for (position, r) in chunk.enumerated() {
                    let window = outputs[(position * width)..<((position + 1) * width)]
                    let point = configuration.quantileLevels == nil ? Array(window) : pointOutputs(Array(window))
                    values[r] += point.prefix(steps - values[r].count)
                }
            }
            blocks += 1
        }
        return (values.map { $0.map(Double.init) }, blocks)
    }

    /// An empty batch of `count` windows of the model's shape (with the decoder's rows for an
    /// encoder–decoder).
    func makeBatch(count: Int) -> WindowBatch {
        WindowBatch(count: count, lookback: configuration.lookback, columns: configuration.model.inputSize,
                    horizon: configuration.pointOutputSize, futureColumns: configuration.decoderColumns)
    }

    /// The point forecast among a window's outputs: all of them, or a quantile head's median (the
    /// middle of each step's quantiles once sorted, as ``quantileForecasts(_:requests:)`` sorts them).
    func pointOutputs(_ outputs: [Float]) -> [Float] {
        guard configuration.quantileLevels != nil else { return outputs }
        let width = configuration.pointOutputSize, count = configuration.outputQuantiles.count
        let median = configuration.outputQuantiles.firstIndex(of: 0.5) ?? count / 2
        return (0..<width).map { h in (0..<count).map { outputs[$0 * width + h] }.sorted()[median] }
    }

    /// The network's outputs for windows of raw values, in the data's units: `outputSize` values
    /// each. A window of fewer than `lookback` rows is padded at the front with its first row.
    ///
    /// - Parameter windows: for each window, its rows (oldest first), each the target then the
    ///   features in the order of ``ModelConfiguration/features``.
    /// - Parameter scalers: the scaler of each window (``scaler(for:end:)``).
    /// - Precondition: the model reads nothing about the future (no ``ModelConfiguration/decoder``).
    public func predict(windows: [[[Float]]], scalers: [Scaler]) -> [[Float]] {
        let lookback = configuration.lookback, columns = configuration.model.inputSize
        precondition(configuration.decoder == nil, "an encoder–decoder reads the future too: forecast(_:requests:steps:)")
        precondition(windows.count == scalers.count, "one scaler per window")
        guard !windows.isEmpty else { return [] }
        var batch = WindowBatch(count: windows.count, lookback: lookback, columns: columns)
        for (position, window) in windows.enumerated() {
            precondition(!window.isEmpty && window.count <= lookback && window.allSatisfy { $0.count == columns },
                         "a window needs 1 to \(lookback) rows of \(columns) values")
            batch.fill(position, rows: window)
        }
        let outputs = predict(batch, scalers: scalers[...]), width = configuration.model.outputSize
        return windows.indices.map { Array(outputs[($0 * width)..<(($0 + 1) * width)]) }
    }

    /// The network's outputs for a batch of windows, in the data's units: [B, outputSize], flat.
    ///
    /// Each window's target is scaled by its scaler, normalised by the window's statistics (over
    /// the padded window), and mapped back from the network's output by the same two steps; the
    /// features are scaled only.
    func predict(_ batch: WindowBatch, scalers: ArraySlice<Scaler>) -> [Float] {
        let lookback = batch.lookback, columns = batch.columns, normalization = configuration.windowNormalization
        precondition(batch.present.count == scalers.count && columns == configuration.model.inputSize && lookback == configuration.lookback,
                     "one scaler per window, of the model's shape")
        // scaled: [B, T] the target in the scaler's units; input: [B, T, C] what the network reads.
        var scaled = [Float](repeating: 0, count: batch.count * lookback)
        var input = [Float](repeating: 0, count: batch.count * lookback * columns)
        var statistics: [(center: Float, scale: Float)] = []
        statistics.reserveCapacity(batch.count)
        for (w, scaling) in zip(0..<batch.count, scalers) {
            let rows = (w * lookback)..<((w + 1) * lookback)
            for t in rows { scaled[t] = (batch.values[t * columns] - scaling.center[0]) / scaling.scale[0] }
            let (center, scale) = normalization.statistics(of: scaled[rows])
            statistics.append((center, scale))
            for t in rows {
                input[t * columns] = (scaled[t] - center) / scale
                for c in 1..<max(columns, 1) {
                    input[t * columns + c] = (batch.values[t * columns + c] - scaling.center[c]) / scaling.scale[c]
                }
            }
        }
        // future: [B, horizon, F] the decoder's known-ahead rows, scaled as the inputs.
        var future: Tensor?
        if !batch.futureColumns.isEmpty {
            let width = batch.futureColumns.count
            var rows = [Float](repeating: 0, count: batch.count * batch.horizon * width)
            for (w, scaling) in zip(0..<batch.count, scalers) {
                for h in 0..<batch.horizon {
                    for (offset, c) in batch.futureColumns.enumerated() {
                        let index = (w * batch.horizon + h) * width + offset
                        rows[index] = (batch.future[index] - scaling.center[c]) / scaling.scale[c]
                    }
                }
            }
            future = Tensor(shape: [batch.count, batch.horizon, width], scalars: rows)
        }
        let output = network.forward(Tensor(shape: [batch.count, lookback, columns], scalars: input), future: future)
        let width = configuration.model.outputSize
        var result = [Float](repeating: 0, count: batch.count * width)
        for (w, scaling) in zip(0..<batch.count, scalers) {
            let (center, scale) = statistics[w]
            // The anchor reads the window's real rows, not its padding.
            let history = scaled[((w + 1) * lookback - batch.present[w])..<((w + 1) * lookback)]
            let anchors = normalization.anchors(of: history, steps: configuration.pointOutputSize, center: center)
            for step in 0..<width {
                let value = output.scalars[w * width + step]
                // A quantile head's outputs are quantile-major: output i is step i mod the point outputs.
                let anchor = anchors[step % configuration.pointOutputSize]
                result[w * width + step] = (value * scale + anchor) * scaling.scale[0] + scaling.center[0]
            }
        }
        return result
    }
}

/// Windows of raw values as the network reads them: [B, T, C] (window, row, column) in one flat
/// array, each window padded at the front with its first row when it has fewer than T rows.
struct WindowBatch {
    let count: Int
    let lookback: Int
    let columns: Int
    /// [B, T, C]: the target then the features of each row, in the data's units.
    var values: [Float]
    /// How many rows of each window are real (1 … T); the rest, before them, repeat the first.
    var present: [Int]
    /// The steps an encoder–decoder's decoder reads, and the input columns it reads at each.
    let horizon: Int
    let futureColumns: Range<Int>
    /// [B, horizon, F]: the known-ahead columns at each step after each window, in the data's units.
    var future: [Float]

    init(count: Int, lookback: Int, columns: Int, horizon: Int = 0, futureColumns: Range<Int> = 0..<0) {
        self.count = count
        self.lookback = lookback
        self.columns = columns
        self.horizon = horizon
        self.futureColumns = futureColumns
        values = [Float](repeating: 0, count: count * lookback * columns)
        present = [Int](repeating: lookback, count: count)
        future = [Float](repeating: 0, count: futureColumns.isEmpty ? 0 : count * horizon * futureColumns.count)
    }

    /// The decoder's rows of window `w`, the points `end ..< end + horizon` of `series`: its own
    /// values where it has them, then what is known ahead of it (``TimeSeries/ahead``).
    ///
    /// - Precondition: the series or what is known ahead of it covers the horizon.
    mutating func fillFuture(_ w: Int, from series: TimeSeries, end: Int) {
        guard !futureColumns.isEmpty else { return }
        let width = futureColumns.count
        for h in 0..<horizon {
            let t = end + h
            for (offset, c) in futureColumns.enumerated() {
                let value: Double
                if t < series.count {
                    value = series.columns[c][t]
                } else {
                    let known = series.ahead.indices.contains(c - 1) ? series.ahead[c - 1] : []
                    precondition(t - series.count < known.count, "the decoder's rows reach past what is known ahead of the series")
                    value = known[t - series.count]
                }
                future[(w * horizon + h) * width + offset] = Float(value)
            }
        }
    }

    /// Window `w` from explicit rows (oldest first, 1 … T of them).
    mutating func fill(_ w: Int, rows: [[Float]]) {
        present[w] = rows.count
        let padding = lookback - rows.count
        for t in 0..<lookback {
            let row = rows[max(0, t - padding)]
            for c in 0..<columns { values[(w * lookback + t) * columns + c] = row[c] }
        }
    }

    /// Window `w` as the last T points of `columns[·][0 ..< end]` followed by `forecasts` (the
    /// target's values beyond `end`; a model that continues recursively reads no features).
    mutating func fill(_ w: Int, from source: [[Double]], end: Int, continuedBy forecasts: [Float]) {
        let total = end + forecasts.count, real = min(lookback, total), padding = lookback - real
        present[w] = real
        for t in 0..<lookback {
            let point = total - real + max(0, t - padding)
            let offset = (w * lookback + t) * columns
            if point < end {
                for c in 0..<columns { values[offset + c] = Float(source[c][point]) }
            } else {
                values[offset] = forecasts[point - end]
            }
        }
    }
}
