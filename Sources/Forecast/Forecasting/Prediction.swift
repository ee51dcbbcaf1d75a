import ForecastData

/// A forecast of the points after the end of a series.
public struct Forecast: Sendable {
    /// The forecast values, in the data's units, one per future point.
    public var values: [Double]
    /// The time of each forecast point, when the series has a regular time axis.
    public var timestamps: [Timestamp]?
    /// How many extra runs of the model on its own forecasts were needed to reach beyond the
    /// model's horizon (0 when the forecast is within it).
    public var recursiveBlocks: Int
}

extension ForecastModel {
    /// Forecasts the `horizon` points after the end of `series` from its last `lookback` points.
    ///
    /// When `horizon` exceeds the model's, the forecast continues recursively in blocks of the
    /// model's horizon, each reading the forecasts before it (only for models without features,
    /// whose future values are unknown).
    /// - Throws: ``DataError`` (usage) when the series is shorter than the lookback, its columns
    ///   are not the model's, or a recursive forecast would need future feature values.
    public func forecast(_ series: TimeSeries, horizon: Int? = nil) throws(DataError) -> Forecast {
        let configuration = configuration
        let steps = horizon ?? configuration.horizon
        guard steps > 0 else { throw DataError(.usage, file: series.source, "the horizon must be at least 1 (got \(steps))") }
        guard series.featureNames == configuration.features else {
            throw DataError(.usage, file: series.source, "the model reads the features \(configuration.features), the data gives \(series.featureNames)")
        }
        guard series.count >= configuration.lookback else {
            throw DataError(.usage, file: series.source, "the model reads the last \(configuration.lookback) points; the series has \(series.count)")
        }
        if steps > configuration.model.outputSize && !configuration.features.isEmpty {
            throw DataError(.usage, file: series.source, "the model forecasts \(configuration.model.outputSize) steps; beyond that it would need future values of its features \(configuration.features)")
        }
        let rows = (series.count - configuration.lookback..<series.count).map { t in series.columns.map { Float($0[t]) } }
        let (forecast, blocks) = self.forecast(window: rows, steps: steps)
        let values = forecast.map(Double.init)
        let beyondHorizon = configuration.strategy == .direct ? blocks - 1 : (steps > configuration.horizon ? blocks - configuration.horizon : 0)
        let timestamps = series.time?.future(steps)
        return Forecast(values: values, timestamps: timestamps, recursiveBlocks: beyondHorizon)
    }
}
