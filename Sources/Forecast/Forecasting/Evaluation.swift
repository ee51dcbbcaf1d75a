import ForecastData

/// How a model and the baselines did on the held-out part of a series.
public struct HoldoutEvaluation: Sendable {
    /// One forecast origin: the model and each baseline forecast `horizon` points from the history before it.
    public struct Origin: Sendable {
        /// The index of the first forecast point.
        public var index: Int
        /// The observed values at the forecast points.
        public var actual: [Double]
        /// The model's forecast.
        public var model: [Double]
        /// Each baseline's forecast.
        public var baselines: [Baseline: [Double]]
        /// The model's prediction intervals, one per level scored (empty when none).
        public var intervals: [PredictionInterval]

        /// Creates an origin from forecasts made elsewhere.
        public init(index: Int, actual: [Double], model: [Double], baselines: [Baseline: [Double]], intervals: [PredictionInterval] = []) {
            self.index = index
            self.actual = actual
            self.model = model
            self.baselines = baselines
            self.intervals = intervals
        }
    }

    /// The origins, in time order; together their forecasts cover the test part in blocks of the horizon.
    public var origins: [Origin]
    /// The seasonal period used by seasonal naive and MASE.
    public var season: Int
    /// The model's accuracy over all origins.
    public var model: Accuracy
    /// Each baseline's accuracy over the same points.
    public var baselines: [Baseline: Accuracy]
    /// How the model's prediction intervals did over all origins; nil when the origins have none.
    public var intervals: IntervalAccuracy?

    /// Evaluates `model` on `series[testRange]`: origins every `horizon` points from the start of the
    /// test part, each forecast from the real history before it; MASE scaled on `series[..<trainEnd]`.
    public init(model: ForecastModel, series: TimeSeries, testRange: Range<Int>, trainEnd: Int, season: Int) {
        let horizon = model.configuration.horizon, lookback = model.configuration.lookback
        let starts = Array(stride(from: max(testRange.lowerBound, lookback), through: testRange.upperBound - horizon, by: horizon))
        precondition(!starts.isEmpty, "the test part holds no full horizon")
        let requests = starts.map { ForecastRequest(series: 0, end: $0) }
        let origins = Self.forecasts(model: model, series: [series], requests: requests, season: season)
        self.init(origins: origins, season: season, training: Array(series.target[..<trainEnd]))
    }

    /// Scores forecasts already made; MASE is scaled on `training`.
    public init(origins: [Origin], season: Int, training: [Double]) {
        self.origins = origins
        self.season = season
        let actual = origins.flatMap(\.actual)
        self.model = Accuracy(actual: actual, forecast: origins.flatMap(\.model), training: training, season: season)
        var accuracies: [Baseline: Accuracy] = [:]
        for baseline in Baseline.allCases {
            accuracies[baseline] = Accuracy(actual: actual, forecast: origins.flatMap { $0.baselines[baseline]! },
                                            training: training, season: season)
        }
        self.baselines = accuracies
        if let levels = origins.first?.intervals.map(\.level), !levels.isEmpty {
            let intervals = levels.indices.map { l in
                PredictionInterval(level: levels[l], lower: origins.flatMap { $0.intervals[l].lower }, upper: origins.flatMap { $0.intervals[l].upper })
            }
            self.intervals = IntervalAccuracy(actual: actual, point: origins.flatMap(\.model), intervals: intervals, training: training, season: season)
        }
    }

    /// The model's and every baseline's forecast of the `horizon` points from each request's end,
    /// each from the history before it; the model's in one batched pass, with its intervals at
    /// `levels`; with `ids` (each series' id) the model's per-series combinations apply
    /// (``ModelConfiguration/combination(forSeries:)``).
    ///
    /// - Precondition: every request leaves a full horizon of actual values after it; with
    ///   levels, the model has intervals (``ForecastModel/checkLevels(_:steps:source:)``).
    public static func forecasts(model: ForecastModel, series: [TimeSeries], requests: [ForecastRequest], season: Int,
                                 levels: [Double] = [], ids: [String]? = nil) -> [Origin] {
        let horizon = model.configuration.horizon
        let series = model.inputSeries(series)
        let (forecasts, _) = model.forecast(series, requests: requests, steps: horizon, ids: ids)
        let intervals = model.intervals(series, requests: requests, forecasts: forecasts, levels: levels)
        return zip(zip(requests, forecasts), intervals).map { pair, intervals in
            let (request, forecast) = pair
            let target = series[request.series].target, origin = request.end
            precondition(origin + horizon <= target.count, "origin \(origin) leaves no full horizon")
            var baselines: [Baseline: [Double]] = [:]
            let history = Array(target[..<origin])
            for baseline in Baseline.allCases {
                baselines[baseline] = baseline.forecast(history: history, horizon: horizon, season: season)
            }
            return Origin(index: origin, actual: Array(target[origin..<(origin + horizon)]), model: forecast, baselines: baselines,
                          intervals: intervals)
        }
    }
}

/// How a model and the baselines did on the held-out parts of every series of a panel: each series
/// scored on its own (MASE with its own in-sample seasonal scale), then the mean over series.
public struct PanelEvaluation: Sendable {
    /// The id of each series.
    public var ids: [String]
    /// Each series' evaluation, in the panel's order.
    public var series: [HoldoutEvaluation]
    /// The seasonal period used by seasonal naive and MASE.
    public var season: Int
    /// The model's mean accuracy over series.
    public var model: Accuracy
    /// Each baseline's mean accuracy over series.
    public var baselines: [Baseline: Accuracy]
    /// How the model's prediction intervals did (``IntervalAccuracy/mean(_:)`` over series); nil
    /// when none were scored.
    public var intervals: IntervalAccuracy?

    /// Collects per-series evaluations and averages them.
    public init(ids: [String], series: [HoldoutEvaluation], season: Int) {
        precondition(ids.count == series.count && !series.isEmpty, "one evaluation per id")
        self.ids = ids
        self.series = series
        self.season = season
        model = Accuracy.mean(series.map(\.model))
        var baselines: [Baseline: Accuracy] = [:]
        for baseline in Baseline.allCases { baselines[baseline] = Accuracy.mean(series.map { $0.baselines[baseline]! }) }
        self.baselines = baselines
        let scored = series.compactMap(\.intervals)
        intervals = scored.count == series.count ? IntervalAccuracy.mean(scored) : nil
    }

    /// Evaluates `model` on the last `testSize` points of every series of `panel`: origins every
    /// horizon from the start of each test part, each forecast from the real history before it, all
    /// in one batched pass; MASE scaled on each series' points before its test part.
    ///
    /// With `levels` the model's prediction intervals are scored as well.
    ///
    /// - Throws: ``DataError`` (usage) naming a series whose test part holds no full horizon after
    ///   a lookback (for a model of one series) or has no history before it; levels the model
    ///   cannot give (``ForecastModel/forecast(_:horizon:levels:)-(Panel,_,_)``).
    public init(model: ForecastModel, panel: Panel, testSize: PartSize, season: Int, levels: [Double] = []) throws(DataError) {
        let configuration = model.configuration, horizon = configuration.horizon
        let minimumHistory = configuration.scalesPerSeries ? 1 : configuration.lookback
        var requests: [ForecastRequest] = [], trainEnds: [Int] = []
        for (index, series) in panel.series.enumerated() {
            let n = series.count, test = testSize.points(of: n), start = n - test
            guard start >= minimumHistory, test >= horizon else {
                throw DataError(.usage, file: panel.source, "a test part of \(test) points of \(panel.hasIDs ? panel.describe(index) + "'s" : "the") \(n) leaves no forecast of \(horizon) points after \(minimumHistory == 1 ? "at least one point" : "a lookback of \(minimumHistory)")")
            }
            trainEnds.append(start)
            for origin in stride(from: start, through: n - horizon, by: horizon) {
                requests.append(ForecastRequest(series: index, end: origin))
            }
        }
        _ = try model.checkedSteps(horizon, panel: panel)
        try model.checkLevels(levels, steps: horizon, source: panel.source)
        let origins = HoldoutEvaluation.forecasts(model: model, series: try model.addingStatics(panel).series, requests: requests,
                                                  season: season, levels: levels, ids: panel.hasIDs ? panel.ids : nil)
        self.init(ids: panel.ids, panel: panel, requests: requests, origins: origins, trainEnds: trainEnds, season: season)
    }

    /// Groups origins made for `requests` by series and scores each series on MASE scaled by its
    /// points before `trainEnds`.
    init(ids: [String], panel: Panel, requests: [ForecastRequest], origins: [HoldoutEvaluation.Origin], trainEnds: [Int], season: Int) {
        var grouped = [[HoldoutEvaluation.Origin]](repeating: [], count: panel.count)
        for (request, origin) in zip(requests, origins) { grouped[request.series].append(origin) }
        let series = panel.series.indices.map { s in
            HoldoutEvaluation(origins: grouped[s], season: season, training: Array(panel.series[s].target[..<trainEnds[s]]))
        }
        self.init(ids: ids, series: series, season: season)
    }

    /// The number of forecast origins over all series.
    public var originCount: Int { series.reduce(0) { $0 + $1.origins.count } }
}
