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
    /// - Throws: ``DataError`` (usage) when the columns are not the model's, or a recursive
    ///   forecast would need future feature values; when a level is outside (0, 100) or repeated,
    ///   the model has no intervals, or intervals are asked beyond the model's horizon.
    public func forecast(_ panel: Panel, horizon: Int? = nil, levels: [Double] = []) throws(DataError) -> PanelForecast {
        let steps = try checkedSteps(horizon, panel: panel)
        try checkLevels(levels, steps: steps, source: panel.source)
        let requests = panel.series.indices.map { ForecastRequest(series: $0, end: panel.series[$0].count) }
        let (values, blocks) = forecast(panel.series, requests: requests, steps: steps)
        let intervals = self.intervals(panel.series, requests: requests, forecasts: values, levels: levels)
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
        guard panel.featureNames == configuration.features else {
            throw DataError(.usage, file: panel.source, "the model reads the features \(configuration.features), the data gives \(panel.featureNames)")
        }
        if !configuration.scalesPerSeries, let short = panel.series.firstIndex(where: { $0.count < configuration.lookback }) {
            throw DataError(.usage, file: panel.source, "the model reads the last \(configuration.lookback) points; \(panel.hasIDs ? panel.describe(short) + " has" : "the series has") \(panel.series[short].count)")
        }
        if steps > configuration.pointOutputSize && !configuration.features.isEmpty {
            throw DataError(.usage, file: panel.source, "the model forecasts \(configuration.pointOutputSize) steps; beyond that it would need future values of its features \(configuration.features)")
        }
        return steps
    }

    /// The scaler of a window of `series` ending at `end`: the model's, or, for a model of many
    /// series, the statistics of the series' own history before `end`.
    func scaler(for series: TimeSeries, end: Int) -> Scaler {
        guard configuration.scalesPerSeries else { return configuration.scaling }
        return Scaler.fit(configuration.scaling.method, columns: series.columns, count: max(end, 1),
                          season: configuration.windowNormalization.period).scaler
    }

    /// The `steps` points after each request's history, in the data's units, with the number of
    /// blocks the network was run for: every request's window goes through the network in batches,
    /// and beyond the model's output the forecasts continue recursively, all requests together.
    ///
    /// - Precondition: `steps` is within the output, or the model reads no features; every request
    ///   has at least one point of history.
    public func forecast(_ series: [TimeSeries], requests: [ForecastRequest], steps: Int) -> (values: [[Double]], blocks: Int) {
        let lookback = configuration.lookback
        precondition(steps <= configuration.pointOutputSize || configuration.features.isEmpty,
                     "a model with features cannot forecast beyond its output")
        let scalers = requests.map { scaler(for: series[$0.series], end: $0.end) }
        // Each request's last `lookback` rows of raw values (fewer when the history is shorter).
        var windows: [[[Float]]] = requests.map { request in
            precondition(request.end >= 1 && request.end <= series[request.series].count, "a forecast needs history")
            let columns = series[request.series].columns
            return (max(0, request.end - lookback)..<request.end).map { t in columns.map { Float($0[t]) } }
        }
        var values = [[Float]](repeating: [], count: requests.count)
        var blocks = 0
        while values.first.map({ $0.count < steps }) ?? false {
            for start in stride(from: 0, to: requests.count, by: Self.forecastBatchSize) {
                let chunk = start..<min(start + Self.forecastBatchSize, requests.count)
                let outputs = predict(windows: chunk.map { windows[$0] }, scalers: chunk.map { scalers[$0] }).map(pointOutputs)
                for (r, block) in zip(chunk, outputs) {
                    values[r] += block.prefix(steps - values[r].count)
                    if values[r].count < steps {
                        windows[r] = Array((windows[r] + block.map { [$0] }).suffix(lookback))
                    }
                }
            }
            blocks += 1
        }
        return (values.map { $0.map(Double.init) }, blocks)
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
    public func predict(windows: [[[Float]]], scalers: [Scaler]) -> [[Float]] {
        let lookback = configuration.lookback, columns = configuration.model.inputSize
        precondition(windows.count == scalers.count, "one scaler per window")
        guard !windows.isEmpty else { return [] }
        var input: [Float] = []
        input.reserveCapacity(windows.count * lookback * columns)
        var statistics: [(center: Float, scale: Float)] = [], histories: [ArraySlice<Float>] = []
        statistics.reserveCapacity(windows.count)
        for (window, scaling) in zip(windows, scalers) {
            precondition(!window.isEmpty && window.count <= lookback && window.allSatisfy { $0.count == columns },
                         "a window needs 1 to \(lookback) rows of \(columns) values")
            let rows = window.count < lookback ? Array(repeating: window[0], count: lookback - window.count) + window : window
            let scaledTarget = rows.map { ($0[0] - scaling.center[0]) / scaling.scale[0] }
            let (center, scale) = configuration.windowNormalization.statistics(of: scaledTarget[...])
            statistics.append((center, scale))
            histories.append(scaledTarget.suffix(window.count))
            for (t, row) in rows.enumerated() {
                input.append((scaledTarget[t] - center) / scale)
                for c in 1..<columns { input.append((row[c] - scaling.center[c]) / scaling.scale[c]) }
            }
        }
        let output = network.forward(Tensor(shape: [windows.count, lookback, columns], scalars: input))
        let width = configuration.model.outputSize
        return windows.indices.map { w in
            let (center, scale) = statistics[w], scaling = scalers[w]
            let normalization = configuration.windowNormalization
            return output.scalars[(w * width)..<((w + 1) * width)].enumerated().map { step, value in
                // A quantile head's outputs are quantile-major: output i is step i mod the point outputs.
                (value * scale + normalization.anchor(of: histories[w], step: step % configuration.pointOutputSize, center: center)) * scaling.scale[0] + scaling.center[0]
            }
        }
    }
}
