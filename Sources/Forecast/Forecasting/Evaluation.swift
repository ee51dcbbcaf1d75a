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
    }

    /// The origins, in time order; together their forecasts cover the test part in blocks of the horizon.
    public var origins: [Origin]
    /// The seasonal period used by seasonal naive and MASE.
    public var season: Int
    /// The model's accuracy over all origins.
    public var model: Accuracy
    /// Each baseline's accuracy over the same points.
    public var baselines: [Baseline: Accuracy]

    /// Evaluates `model` on `series[testRange]`: origins every `horizon` points from the start of the
    /// test part, each forecast from the real history before it; MASE scaled on `series[..<trainEnd]`.
    public init(model: ForecastModel, series: TimeSeries, testRange: Range<Int>, trainEnd: Int, season: Int) {
        let horizon = model.configuration.horizon, lookback = model.configuration.lookback
        var origins: [Origin] = []
        var index = max(testRange.lowerBound, lookback)
        while index + horizon <= testRange.upperBound {
            origins.append(Self.forecast(model: model, series: series, origin: index, season: season))
            index += horizon
        }
        precondition(!origins.isEmpty, "the test part holds no full horizon")
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
    }

    /// The model's and every baseline's forecast of the `horizon` points from `origin`, each from
    /// the history before it.
    public static func forecast(model: ForecastModel, series: TimeSeries, origin: Int, season: Int) -> Origin {
        let horizon = model.configuration.horizon, lookback = model.configuration.lookback
        precondition(origin >= lookback && origin + horizon <= series.count, "origin \(origin) leaves no full window")
        let target = series.target
        let rows = ((origin - lookback)..<origin).map { t in series.columns.map { Float($0[t]) } }
        let forecast = model.forecast(window: rows, steps: horizon).values.map(Double.init)
        var baselines: [Baseline: [Double]] = [:]
        for baseline in Baseline.allCases {
            baselines[baseline] = baseline.forecast(history: Array(target[..<origin]), horizon: horizon, season: season)
        }
        return Origin(index: origin, actual: Array(target[origin..<(origin + horizon)]), model: forecast, baselines: baselines)
    }
}
