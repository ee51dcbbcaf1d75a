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
        let target = series.target
        var origins: [Origin] = []
        var index = max(testRange.lowerBound, lookback)
        while index + horizon <= testRange.upperBound {
            let rows = ((index - lookback)..<index).map { t in series.columns.map { Float($0[t]) } }
            let forecast = model.predict(window: rows).map(Double.init)
            var baselines: [Baseline: [Double]] = [:]
            for baseline in Baseline.allCases {
                baselines[baseline] = baseline.forecast(history: Array(target[..<index]), horizon: horizon, season: season)
            }
            origins.append(Origin(index: index, actual: Array(target[index..<(index + horizon)]), model: forecast, baselines: baselines))
            index += horizon
        }
        precondition(!origins.isEmpty, "the test part holds no full horizon")
        self.origins = origins
        self.season = season
        let actual = origins.flatMap(\.actual), training = Array(target[..<trainEnd])
        self.model = Accuracy(actual: actual, forecast: origins.flatMap(\.model), training: training, season: season)
        var accuracies: [Baseline: Accuracy] = [:]
        for baseline in Baseline.allCases {
            accuracies[baseline] = Accuracy(actual: actual, forecast: origins.flatMap { $0.baselines[baseline]! },
                                            training: training, season: season)
        }
        self.baselines = accuracies
    }
}
