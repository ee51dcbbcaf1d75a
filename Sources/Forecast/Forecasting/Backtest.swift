import ForecastData

/// Rolling-origin evaluation, as in docs/accuracy.md: the last K·h points are the test region;
/// origin k (k = 0 … K−1) is o_k = n − (K−k)·h and its forecast covers `[o_k, o_k + h)` from the
/// history before o_k. The model is trained once on `[0, o_0)` (its validation part taken from
/// the end of that), or again before every origin with `retrain`.
public struct Backtest: Sendable {
    /// The forecasts of every origin, the model's beside each baseline's.
    public var evaluation: HoldoutEvaluation
    /// How each training went (one entry, or one per origin with `retrain`).
    public var trainings: [(epochs: Int, bestEpoch: Int, seconds: Double)]

    /// Runs the backtest.
    ///
    /// - Parameters:
    ///   - series: the whole series.
    ///   - options: how to train (its `testSize` is ignored: the test region is K·h points).
    ///   - origins: K, the number of forecast origins.
    ///   - season: the seasonal period of seasonal naive and MASE (nil: from the frequency, else 1).
    ///   - retrain: train again on the history before every origin.
    ///   - progress: training progress, with the origin being trained for.
    /// - Throws: ``DataError`` when the series is too short or the options do not fit it.
    public init(series: TimeSeries, options: TrainingOptions, origins: Int, season: Int? = nil, retrain: Bool = false,
                progress: (_ origin: Int, TrainingProgress) -> Void = { _, _ in }) throws(DataError) {
        guard origins > 0 else { throw DataError(.usage, file: series.source, "the number of origins must be at least 1 (got \(origins))") }
        let h = options.horizon, n = series.count
        let first = n - origins * h
        guard first > 0 else {
            throw DataError(.usage, file: series.source, "\(origins) origins of horizon \(h) need more than \(origins * h) points; the series has \(n)")
        }
        var trainOptions = options
        trainOptions.testSize = .count(0)
        let m = season ?? series.time?.frequency?.seasonalPeriod ?? 1
        var model: ForecastModel?
        var trainings: [(Int, Int, Double)] = []
        var results: [HoldoutEvaluation.Origin] = []
        for k in 0..<origins {
            let origin = first + k * h
            if model == nil || retrain {
                let result = try Trainer.fit(series.prefix(origin), options: trainOptions) { progress(k, $0) }
                model = result.model
                trainings.append((result.history.count, result.bestEpoch, result.seconds))
            }
            results.append(HoldoutEvaluation.forecast(model: model!, series: series, origin: origin, season: m))
        }
        evaluation = HoldoutEvaluation(origins: results, season: m, training: Array(series.target[..<first]))
        self.trainings = trainings
    }
}
