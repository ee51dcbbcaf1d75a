import Foundation
import ForecastData

/// The one entry point for forecasting one series or many: configure, then fit, predict,
/// evaluate, backtest, save and load, as Darts' and NeuralForecast's forecasters are shaped.
///
/// The command line and a server call this; they parse, call and print. A table of one series is
/// a panel of one and gives exactly the single-series results.
///
/// ```swift
/// let (panel, warnings) = try Forecaster.load(path: "sales.csv", options: SeriesOptions(target: "sales"))
/// let forecaster = Forecaster(options: Forecaster.defaultOptions(for: panel, horizon: 12))
/// try forecaster.fit(panel)
/// let forecasts = try forecaster.predict(panel)          // one forecast per series
/// try forecaster.save(to: URL(fileURLWithPath: "sales-model"))
/// ```
public final class Forecaster {
    /// How the next ``fit(_:progress:)`` trains.
    public var options: TrainingOptions
    /// The trained or loaded model; nil before ``fit(_:progress:)``.
    public private(set) var model: ForecastModel?
    /// How the last ``fit(_:progress:)`` went.
    public private(set) var training: TrainingResult?

    /// A forecaster that will train with `options`.
    public init(options: TrainingOptions) {
        self.options = options
    }

    /// A forecaster around a trained model; its options train a model like it again
    /// (``TrainingOptions/init(retraining:)``), so that ``fit(_:progress:)`` and
    /// ``backtest(_:origins:season:retrain:levels:progress:)`` use the model's own settings.
    public init(model: ForecastModel) {
        self.model = model
        self.options = TrainingOptions(retraining: model.configuration)
    }

    /// Loads the model directory at `directory`.
    ///
    /// - Throws: ``ModelFileError`` naming the file and what is wrong.
    public convenience init(contentsOf directory: URL) throws(ModelFileError) {
        self.init(model: try ForecastModel(contentsOf: directory))
    }

    // MARK: Data and defaults

    /// Reads a CSV table of one series, or of many in long format (with an id column).
    public static func load(path: String, options: SeriesOptions) throws(DataError) -> (panel: Panel, warnings: [String]) {
        try PanelLoader.load(path: path, options: options)
    }

    /// The seasonal period of `panel`: `season` when given, else the one its frequency implies, else 1.
    public static func season(of panel: Panel, given season: Int? = nil) -> Int {
        season ?? panel.time?.frequency?.seasonalPeriod ?? 1
    }

    /// The seasonal period to score `model` on `panel` with: `season` when given, else the one the
    /// data's frequency implies, else the one the model was trained with.
    public static func season(of panel: Panel, model: ForecastModel, given season: Int? = nil) -> Int {
        let implied = self.season(of: panel, given: season)
        return season == nil && implied == 1 ? model.configuration.windowNormalization.period : implied
    }

    /// The default options for `panel`: horizon one season (or `horizon`), lookback three seasons and
    /// at least two horizons (or `lookback`), at most ``TrainingOptions/defaultMaxSteps(lookback:)``
    /// optimiser steps per network (so that training time is bounded whatever the data's size; one series trains two, below). A panel's test part is one horizon per series, its
    /// series are scaled by their seasonal differences (``Scaler/Method/mase``) and its window
    /// normalisation is chosen on the training windows (``TrainingOptions/choosesNormalization``);
    /// one series' is chosen by validation (``TrainingOptions/validatedNormalizations``).
    public static func defaultOptions(for panel: Panel, lookback: Int? = nil, horizon: Int? = nil, season: Int? = nil) -> TrainingOptions {
        let period = self.season(of: panel, given: season)
        let horizon = horizon ?? max(period, 1)
        var options = TrainingOptions(lookback: lookback ?? max(3 * period, 2 * horizon, 12), horizon: horizon)
        options.season = season
        options.maxSteps = TrainingOptions.defaultMaxSteps(lookback: options.lookback)
        if panel.hasIDs {
            // Many series: each holds out one horizon; each is scaled by its own seasonal
            // differences, so a squared error weighs as MASE weighs it; the anchor is chosen on the
            // training windows (docs/accuracy.md, "Many series").
            options.testSize = .count(horizon)
            options.scaling = .mase
            options.choosesNormalization = true
        } else {
            // One series: a network with each of `season` and `holt_winters`, the one that
            // forecasts the validation windows better kept (docs/accuracy.md, "Holt–Winters or
            // season, by validation").
            options.validatedNormalizations = TrainingOptions.defaultValidatedNormalizations
        }
        return options
    }

    // MARK: Fit, predict, evaluate, backtest

    /// Trains a model on `panel` with ``options``.
    ///
    /// - Throws: ``DataError`` (usage) when the options do not fit the data.
    @discardableResult
    public func fit(_ panel: Panel, progress: (TrainingProgress) -> Void = { _ in }) throws(DataError) -> TrainingResult {
        let result = try Trainer.fit(panel, options: options, progress: progress)
        model = result.model
        training = result
        return result
    }

    /// Forecasts the `horizon` points (default: the model's) after every series of `panel`, in one
    /// batched pass through the network, with prediction intervals at `levels` (percentages, e.g.
    /// `[80, 95]`; none by default) when the model holds them (``ForecastModel/hasIntervals``).
    ///
    /// A model that reads future-known features takes their values from `future` (`--future FILE`).
    ///
    /// - Throws: ``DataError`` (usage) when the data does not fit the model, a level is outside
    ///   (0, 100) or repeated, or levels are asked of a model without intervals; (bad data) when
    ///   `future` lacks a value a series needs.
    public func predict(_ panel: Panel, horizon: Int? = nil, levels: [Double] = [], future: KnownFuture? = nil) throws(DataError) -> PanelForecast {
        try trained().forecast(panel, horizon: horizon, levels: levels, future: future)
    }

    /// The levels evaluate and backtest score when none are given: 80 and 95 when the model has
    /// intervals, else none.
    public static func defaultLevels(for model: ForecastModel) -> [Double] {
        model.hasIntervals ? [80, 95] : []
    }

    /// Scores the model on the last `testSize` points of every series (default: the test part it
    /// was trained without), beside the baselines, with seasonal period `season` (default: the
    /// frequency's, else the one the model was trained with).
    /// With `levels` (default: ``defaultLevels(for:)``) the intervals are scored too
    /// (``PanelEvaluation/intervals``).
    public func evaluate(_ panel: Panel, testSize: PartSize? = nil, season: Int? = nil, levels: [Double]? = nil) throws(DataError) -> PanelEvaluation {
        let model = trained()
        guard let test = testSize ?? model.configuration.training?.testSize.map(PartSize.count), test != .count(0) else {
            throw DataError(.usage, file: panel.source, "the model has no test part on record; give one with --test-size")
        }
        return try PanelEvaluation(model: model, panel: panel, testSize: test, season: Self.season(of: panel, model: model, given: season),
                                   levels: levels ?? Self.defaultLevels(for: model))
    }

    /// Rolling-origin evaluation with ``options``: K origins of one horizon at the end of every
    /// series, the model trained on what comes before (again before each origin with `retrain`).
    /// With `levels` (default: 80 and 95 when the options make intervals) the intervals are scored too.
    public func backtest(_ panel: Panel, origins: Int, season: Int? = nil, retrain: Bool = false, levels: [Double]? = nil,
                         progress: (_ origin: Int, TrainingProgress) -> Void = { _, _ in }) throws(DataError) -> Backtest {
        try Backtest(panel: panel, options: options, origins: origins, season: season, retrain: retrain, levels: levels, progress: progress)
    }

    // MARK: Files

    /// Writes the model directory (config.json, model.safetensors), atomically.
    public func save(to directory: URL) throws(ModelFileError) {
        try trained().save(to: directory)
    }

    private func trained() -> ForecastModel {
        guard let model else { preconditionFailure("fit(_:) or a model comes before using the forecaster") }
        return model
    }
}
