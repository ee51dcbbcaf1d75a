import ForecastData

/// Rolling-origin evaluation, as in docs/accuracy.md, on one series or on every series of a panel:
/// the last K·h points of each series are its test region; origin k (k = 0 … K−1) is
/// o_k = n − (K−k)·h and its forecast covers `[o_k, o_k + h)` from the history before o_k. The model
/// is trained once on every series' points before its o_0 (its validation part taken from the end
/// of that), or again before every origin with `retrain`.
public struct Backtest: Sendable {
    /// The forecasts of every series and origin, the model's beside each baseline's.
    public var evaluation: PanelEvaluation
    /// How each training went (one entry, or one per origin with `retrain`); `normalizationErrors` as
    /// ``TrainingResult/normalizationErrors``.
    public var trainings: [(epochs: Int, bestEpoch: Int, seconds: Double,
                            normalizationErrors: [(method: WindowNormalization.Method, error: Double)])]
    /// The combination each trained model forecasts with (nil: the network alone), one per training.
    public var combinations: [ForecastCombination?]
    /// The configuration of each trained model, one per training: where its per-series
    /// combinations (``ModelConfiguration/seriesCombinations``) are.
    public var configurations: [ModelConfiguration]

    /// Runs the backtest on one series.
    public init(series: TimeSeries, options: TrainingOptions, origins: Int, season: Int? = nil, retrain: Bool = false, levels: [Double]? = nil,
                progress: (_ origin: Int, TrainingProgress) -> Void = { _, _ in }) throws(DataError) {
        try self.init(panel: Panel(series), options: options, origins: origins, season: season, retrain: retrain, levels: levels, progress: progress)
    }

    /// Runs the backtest.
    ///
    /// - Parameters:
    ///   - panel: the whole data, one series or many.
    ///   - options: how to train (its `testSize` is ignored: the test region is K·h points).
    ///   - origins: K, the number of forecast origins.
    ///   - season: the seasonal period of seasonal naive and MASE (nil: from the frequency, else 1).
    ///   - retrain: train again on the history before every origin.
    ///   - levels: the prediction intervals to score (nil: 80 and 95 when the model has intervals).
    ///   - progress: training progress, with the origin being trained for.
    /// - Throws: ``DataError`` when a series is too short or the options do not fit the data.
    public init(panel: Panel, options: TrainingOptions, origins: Int, season: Int? = nil, retrain: Bool = false, levels: [Double]? = nil,
                progress: (_ origin: Int, TrainingProgress) -> Void = { _, _ in }) throws(DataError) {
        if let levels, let problem = PredictionInterval.problems(levels: levels).first { throw DataError(.usage, file: panel.source, problem) }
        guard origins > 0 else { throw DataError(.usage, file: panel.source, "the number of origins must be at least 1 (got \(origins))") }
        let h = options.horizon
        var firsts: [Int] = []
        for (index, series) in panel.series.enumerated() {
            let first = series.count - origins * h
            guard first > 0 else {
                throw DataError(.usage, file: panel.source, "\(origins) origins of horizon \(h) need more than \(origins * h) points; \(panel.hasIDs ? panel.describe(index) + " has" : "the series has") \(series.count)")
            }
            firsts.append(first)
        }
        var trainOptions = options
        trainOptions.testSize = .count(0)
        let m = season ?? panel.time?.frequency?.seasonalPeriod ?? 1
        var trainings: [(Int, Int, Double, [(method: WindowNormalization.Method, error: Double)])] = [], combinations: [ForecastCombination?] = [], configurations: [ModelConfiguration] = []
        var requests: [ForecastRequest] = [], results: [HoldoutEvaluation.Origin] = []
        var model: ForecastModel?
        for k in 0..<origins where model == nil || retrain {
            let result = try Trainer.fit(panel.prefixes(firsts.map { $0 + k * h }), options: trainOptions) { progress(k, $0) }
            trainings.append((result.history.count, result.bestEpoch, result.seconds, result.normalizationErrors))
            combinations.append(result.model.configuration.combination)
            configurations.append(result.model.configuration)
            model = result.model
            // This model forecasts origin k (with retrain), or every origin (without).
            let ks = retrain ? k..<(k + 1) : 0..<origins
            let chosen = panel.series.indices.flatMap { s in ks.map { ForecastRequest(series: s, end: firsts[s] + $0 * h) } }
            requests += chosen
            let scored = levels ?? Forecaster.defaultLevels(for: result.model)
            try result.model.checkLevels(scored, steps: h, source: panel.source)
            results += HoldoutEvaluation.forecasts(model: result.model, series: try result.model.addingStatics(panel).series, requests: chosen,
                                                   season: m, levels: scored, ids: panel.hasIDs ? panel.ids : nil)
        }
        // Origins in time order within each series.
        let order = requests.indices.sorted { (requests[$0].series, requests[$0].end) < (requests[$1].series, requests[$1].end) }
        evaluation = PanelEvaluation(ids: panel.ids, panel: panel, requests: order.map { requests[$0] }, origins: order.map { results[$0] },
                                     trainEnds: firsts, season: m)
        self.trainings = trainings
        self.combinations = combinations
        self.configurations = configurations
    }
}
