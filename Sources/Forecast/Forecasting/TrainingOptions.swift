import Foundation
import ForecastData

/// A learning-rate schedule over the epochs.
public enum LearningRateSchedule: String, Codable, CaseIterable, Sendable {
    /// The same rate throughout.
    case none
    /// Halve the rate when the validation loss has not improved for 10 epochs (down to 1/1000 of it).
    case plateau
    /// Cosine annealing from the rate to 0 over `epochs`.
    case cosine
}

/// Everything that decides how a forecaster is trained.
///
/// The defaults are the tutorial's model (2 LSTM layers of 64, Adam 1e-3, MSE) trained the way
/// docs/accuracy.md found to beat the baselines: sliding windows normalised by the level of their
/// last season, direct multi-step output, up to 300 epochs with early stopping (patience 30) on
/// the validation part, batches of 16, then a refit on training + validation data for the best
/// number of epochs with the weights of its last quarter averaged.
public struct TrainingOptions: Sendable {
    /// Time steps each window reads.
    public var lookback: Int
    /// Time steps forecast at once.
    public var horizon: Int
    /// The recurrent cell: the tutorial's LSTM, or a GRU.
    public var cell: RecurrentCell = .lstm
    /// The calendar features the network reads at every lookback step, as extra input columns
    /// after the features (``CalendarFeature``); none by default.
    public var calendar: CalendarSelection = .none
    /// The features whose values are known ahead (planned promotions, holidays, weather
    /// forecasts): the last feature columns of the data, read by the decoder at every horizon step
    /// and by the encoder over the lookback. Their future values are needed to predict.
    public var futureFeatures: [String] = []
    /// Which network reads the data (``DecoderChoice``): by default the encoder–decoder when
    /// anything is known ahead (future-known, calendar or static features), else the tutorial's.
    public var decoder: DecoderChoice = .automatic
    /// Values per horizon step in the context the encoder hands the decoder.
    public var decoderContextSize = 16
    /// Units in the decoder MLP's hidden layer.
    public var decoderHiddenSize = 64
    /// Hidden units per LSTM layer.
    public var hiddenSize = 64
    /// Stacked LSTM layers.
    public var layers = 2
    /// Dropout between LSTM layers.
    public var dropout: Float = 0
    /// The maximum number of epochs: passes over the training windows, or over
    /// ``windowsPerEpoch`` of them when there are more.
    public var epochs = 300
    /// The most optimiser steps of the training phase (the refit takes as many epochs as the best
    /// epoch, so at most as many steps again); nil for no limit. With ``windowsPerEpoch`` it bounds
    /// the time training takes whatever the size of the data, as NeuralForecast's `max_steps` does.
    public var maxSteps: Int? = 2000

    /// The step limit the defaults give a lookback: 2,000 steps up to a lookback of 168, fewer
    /// beyond, so that the work (steps × lookback) stays within 2,000 × 168 window time steps, and
    /// never fewer than 250. A half-hourly series read a week at a time (lookback 336) gets 1,000.
    public static func defaultMaxSteps(lookback: Int) -> Int {
        min(2000, max(250, 2000 * 168 / max(lookback, 1)))
    }
    /// The most windows one epoch trains on: data with more windows than this is sampled, each
    /// epoch taking the next windows of a running random order.
    public var windowsPerEpoch = 4096
    /// The most validation windows the loss is computed on after each epoch: more are sampled
    /// once, with the seed, so the check costs the same every epoch.
    public var validationWindows = 2048
    /// Windows per optimiser step.
    public var batchSize = 16
    /// Adam's step size.
    public var learningRate: Float = 1e-3
    /// Adam's L2 weight decay.
    public var weightDecay: Float = 0
    /// The loss minimised.
    public var loss: Loss = .mse
    /// Clip the global gradient norm to this, when set.
    public var clipNorm: Float?
    /// Stop when the validation loss has not improved for this many epochs (needs a validation part).
    public var patience: Int? = 30
    /// After early stopping, train a new network from the same seed on training + validation
    /// windows for the best number of epochs, so that the most recent data is learnt too.
    public var refit = true
    /// The fraction of the refit's last epochs whose weights are averaged into the final model
    /// (stochastic weight averaging; 0 for none).
    public var weightAveraging = 0.25
    /// The learning-rate schedule.
    public var learningRateSchedule: LearningRateSchedule = .none
    /// How the model reaches the horizon.
    public var strategy: ModelConfiguration.Strategy = .direct
    /// How each window is normalised after the global scaling; ``validatedNormalizations``, when
    /// not empty, decides instead (``useNormalization(_:)`` sets either).
    public var normalization: WindowNormalization.Method = .season
    /// Whether ``normalization`` is chosen on the training windows instead (the default for a
    /// panel, see ``Forecaster/defaultOptions(for:lookback:horizon:season:)``): of ``normalizationCandidates``,
    /// the one whose anchor (the level of the last season, or the value one season back) is nearest
    /// the windows' targets, in mean absolute error of scaled units: the network then learns on top
    /// of the seasonal pattern only where repeating it beats repeating the level.
    public var choosesNormalization = false
    /// The normalisations ``choosesNormalization`` chooses among.
    public static let normalizationCandidates: [WindowNormalization.Method] = [.season, .seasonalNaive]
    /// The normalisations chosen among by validation (the default for one series, see
    /// ``Forecaster/defaultOptions(for:lookback:horizon:season:)``): with two or more, a network
    /// trains with each, and the one whose network of the best epoch forecasts the validation
    /// windows with the lowest mean absolute scaled error is kept (and refit);
    /// ``TrainingResult/normalizationErrors`` holds each one's error. When not empty it overrides
    /// ``normalization`` and ``choosesNormalization`` (one method: that method), and it costs one
    /// training phase (up to ``maxSteps`` steps) per method. Without a validation part the first
    /// is used, with a warning.
    public var validatedNormalizations: [WindowNormalization.Method] = []
    /// The normalisations the defaults validate for one series: the level of the last season, and
    /// the window's Holt–Winters forecast (docs/accuracy.md, "Holt–Winters or season, by validation").
    public static let defaultValidatedNormalizations: [WindowNormalization.Method] = [.season, .holtWinters]

    /// Uses `choice`: its one method for every window, or several chosen among by validation
    /// (``validatedNormalizations``).
    public mutating func useNormalization(_ choice: NormalizationChoice) {
        choosesNormalization = false
        if choice.methods.count > 1 {
            validatedNormalizations = choice.methods
        } else {
            validatedNormalizations = []
            normalization = choice.methods[0]
        }
    }
    /// The seasonal period (window normalisation by season); nil for the one the frequency implies.
    public var season: Int?
    /// How the columns are scaled.
    public var scaling: Scaler.Method = .standard
    /// The seed of every random choice (initialisation, dropout, window order).
    public var seed: UInt64 = 42
    /// The test part, held out from training and scaling.
    public var testSize: PartSize = .fraction(0.2)
    /// The validation part, from the end of what precedes the test part; nil for 10% of the
    /// windows before the test part.
    public var validationSize: PartSize?
    /// How the model makes prediction intervals: conformal (the errors of the validation windows,
    /// stored in the model; ``ConformalCalibration``) or none.
    public var intervals: IntervalMethod = .conformal
    /// The levels of a quantile head (percent, e.g. `[80, 95]`): with them the direct network
    /// outputs, per horizon step, the median (the point forecast) and the two bounds of each level
    /// (``PredictionInterval/quantiles(levels:)``), trained with the pinball loss instead of `loss`.
    /// Nil for a point head.
    public var quantileLevels: [Double]?
    /// The scale conformal errors are measured in: chosen on the validation windows by default
    /// (``IntervalScale``).
    public var intervalScale: IntervalScale = .automatic
    /// A one-scale alternative for comparisons (``ConformalCalibration/scaleLag``, overriding
    /// ``intervalScale``): nil for
    /// the target's scale in the model, k for each series' mean |y_t − y_(t−k)| before the origin.
    public var intervalScaleLag: Int?
    /// The window of that scale (``ConformalCalibration/scaleWindow``): nil for the whole history.
    public var intervalScaleWindow: Int?
    /// Whether the final forecast protects the user from a network that does worse than simple
    /// methods: the network of the best epoch forecasts the validation windows, the simple
    /// forecasters (``CombinationMember``) those and the rolling origins of the history before them
    /// (``ValidationForecasts/StatisticalHistory``), and the model forecasts with the inverse-error
    /// weighted mean of those within ``fallbackTolerance`` of the best (``ForecastCombination``).
    /// Needs a validation part; a quantile head is never combined.
    ///
    /// `nil` (the default) turns it on for a table of several series with ids, where each series
    /// gets its own combination (``fallbackSeriesPrior``): on both M4 panels that beat the network
    /// alone on every seed, and with seasonal naive's share per series (``fallbackSeriesSeasonalNaiveShare``)
    /// on the mean of three seeds (docs/accuracy.md, "Per series: the fallback of a panel" and "Many series"); and for one
    /// series, with the network gate (``fallbackNetworkGate``) and seasonal naive's share where the
    /// gate does not pass (``fallbackSeasonalNaiveShare``): on the 64 series of the development pool
    /// at the default budget it takes the series ahead of seasonal naive from 43 to 51 and those
    /// more than 10% behind from 19 to 9 (geometric-mean MASE 0.505 against the network's 0.531),
    /// and keeps the network alone on airpassengers and sunspots (docs/accuracy.md, "The network
    /// gate", "The whole pool at the full budget"). Off for several series without ids.
    /// `true` or `false` (`--fallback`, `--no-fallback`) decide for every input.
    public var fallback: Bool?
    /// Whether the fallback runs for `panel` (``fallback``, or its default for that panel: on for
    /// one series and where it chooses each series' combination).
    public func usesFallback(for panel: Panel) -> Bool {
        fallback ?? (panel.count == 1 || fallbackChoosesPerSeries(for: panel))
    }
    /// Whether the fallback chooses each series' own combination for `panel`: several series with
    /// ids, and a finite ``fallbackSeriesPrior``.
    public func fallbackChoosesPerSeries(for panel: Panel) -> Bool {
        panel.hasIDs && panel.count > 1 && fallbackSeriesPrior.isFinite
    }
    /// The ratio to the best validation error within which a member joins the combination
    /// (``ForecastCombination/tolerance``).
    public var fallbackTolerance = ForecastCombination.defaultTolerance
    /// For one series, the fallback keeps the network alone when it leads every simple forecaster
    /// on the validation windows by more than this many standard errors
    /// (``ValidationForecasts/networkLead(over:)``): evidence the tolerance's comparison with the
    /// simple forecasters' history errors cannot outweigh. Nil: no gate.
    public var fallbackNetworkGate: Double? = ForecastCombination.defaultNetworkGate
    /// For one series, the share of the forecast the fallback gives to seasonal naive whatever the
    /// tolerance chose, unless the network gate kept the network alone
    /// (``ForecastCombination/seasonalNaiveShare``): a hedge against a choice the validation got
    /// wrong. Nil or 0: none. A panel's series use ``fallbackSeriesSeasonalNaiveShare``.
    public var fallbackSeasonalNaiveShare: Double? = ForecastCombination.defaultSeasonalNaiveShare
    /// For a panel whose fallback chooses each series' combination, the share each series'
    /// combination gives to seasonal naive where the tolerance kept seasonal naive
    /// (``ForecastCombination/choosePerSeries(on:tolerance:prior:season:seasonalNaiveShare:)``);
    /// the pooled combination has none. Nil or 0: none. By default 0.4, as for one series: on the
    /// M4 panels it nearly halved the hourly series more than 10% behind seasonal naive, on both
    /// halves of the series (docs/accuracy.md, "Seasonal naive's share on panels").
    public var fallbackSeriesSeasonalNaiveShare: Double? = ForecastCombination.defaultSeasonalNaiveShare
    /// For a panel of several series, how many horizons of evidence the pooled choice counts as
    /// beside each series' own when the fallback chooses each series' combination
    /// (``ForecastCombination/choosePerSeries(on:tolerance:prior:season:seasonalNaiveShare:)``); infinity keeps the one
    /// pooled combination for every series.
    public var fallbackSeriesPrior = ForecastCombination.defaultSeriesPrior

    /// Creates options with the defaults for everything but the window.
    public init(lookback: Int, horizon: Int) {
        self.lookback = lookback
        self.horizon = horizon
    }

    /// The options that train a model like the one `configuration` describes: its window, network,
    /// normalisation, season, scaling, features, intervals (and their scale), combination and the
    /// training settings the model records (epochs, batch size, learning rate, loss, seed, the step
    /// and window limits where they bounded the training, the test and validation sizes as counts).
    /// The normalisation it chose by validation is kept as the one to use. What a model does not
    /// record keeps its default: patience, refit, weight averaging, weight decay, clipping, the
    /// learning-rate schedule, the number of validation windows, and the prior of a panel's
    /// per-series combinations; and a step limit above the default that did not bound the training
    /// (the model records the limit only where it did). On the same data, a model trained with those
    /// defaults is trained again bit for bit.
    public init(retraining configuration: ModelConfiguration) {
        self.init(lookback: configuration.lookback, horizon: configuration.horizon)
        let architecture = configuration.model
        cell = architecture.cell ?? .lstm
        hiddenSize = architecture.hiddenSize
        layers = architecture.numLayers
        dropout = architecture.dropout
        calendar = .features(configuration.calendar)
        futureFeatures = configuration.futureFeatures
        if let settings = configuration.decoder {
            decoder = .mlp
            decoderContextSize = settings.contextSize
            decoderHiddenSize = settings.hiddenSize
        } else {
            decoder = .none
        }
        strategy = configuration.strategy
        normalization = configuration.windowNormalization.method
        let combination = configuration.combination  // (a panel's per-series combinations come with a pooled one)
        // The season the model was trained with: the combination's, else the normalisation's where it has one.
        season = combination?.season ?? (normalization == .global ? nil : configuration.windowNormalization.period)
        scaling = configuration.scaling.method
        quantileLevels = configuration.quantileLevels
        if let calibration = configuration.conformalIntervals {
            intervals = .conformal
            if calibration.scaleComparison != nil {
                intervalScale = .automatic
            } else if calibration.stepLags {
                intervalScale = .steps
            } else if calibration.scaleLag != nil || calibration.scaleWindow != nil {
                intervalScaleLag = calibration.scaleLag
                intervalScaleWindow = calibration.scaleWindow
            } else {
                intervalScale = .model
            }
        } else {
            intervals = configuration.quantileLevels != nil ? .quantile : .none
        }
        fallback = combination != nil
        if let combination {
            fallbackTolerance = combination.tolerance
            fallbackNetworkGate = combination.networkGate
            fallbackSeasonalNaiveShare = combination.seasonalNaiveShare
            fallbackSeriesSeasonalNaiveShare = configuration.seriesSeasonalNaiveShare
        }
        if let training = configuration.training {
            epochs = training.epochs ?? epochs
            batchSize = training.batchSize ?? batchSize
            learningRate = training.learningRate ?? learningRate
            loss = training.loss.flatMap(Loss.init(rawValue:)) ?? loss
            seed = training.seed ?? seed
            // Recorded only where they bounded the training; absent, the training ran within the defaults.
            maxSteps = training.maxSteps ?? maxSteps
            windowsPerEpoch = training.windowsPerEpoch ?? windowsPerEpoch
            testSize = training.testSize.map(PartSize.count) ?? testSize
            validationSize = training.validationSize.map(PartSize.count)
        }
    }

    /// Problems a user must fix before training, each a sentence; empty when the options are usable.
    public var problems: [String] {
        var problems: [String] = []
        if lookback <= 0 { problems.append("the lookback must be at least 1 (got \(lookback))") }
        if horizon <= 0 { problems.append("the horizon must be at least 1 (got \(horizon))") }
        if hiddenSize <= 0 { problems.append("the hidden size must be at least 1 (got \(hiddenSize))") }
        if layers <= 0 { problems.append("the number of layers must be at least 1 (got \(layers))") }
        if !(dropout >= 0 && dropout < 1) { problems.append("the dropout must be in [0, 1) (got \(dropout))") }
        if epochs <= 0 { problems.append("the number of epochs must be at least 1 (got \(epochs))") }
        if let maxSteps, maxSteps <= 0 { problems.append("the maximum number of steps must be at least 1 (got \(maxSteps))") }
        if windowsPerEpoch <= 0 { problems.append("the windows per epoch must be at least 1 (got \(windowsPerEpoch))") }
        if validationWindows <= 0 { problems.append("the validation windows must be at least 1 (got \(validationWindows))") }
        if batchSize <= 0 { problems.append("the batch size must be at least 1 (got \(batchSize))") }
        if !(learningRate > 0 && learningRate.isFinite) { problems.append("the learning rate must be positive (got \(learningRate))") }
        if !(weightDecay >= 0) { problems.append("the weight decay must not be negative (got \(weightDecay))") }
        if let clipNorm, !(clipNorm > 0) { problems.append("the clipping norm must be positive (got \(clipNorm))") }
        if let patience, patience <= 0 { problems.append("the patience must be at least 1 epoch (got \(patience))") }
        if !(weightAveraging >= 0 && weightAveraging <= 1) { problems.append("the weight-averaging fraction must be in [0, 1] (got \(weightAveraging))") }
        if !(fallbackSeriesPrior >= 0) { problems.append("the fallback's per-series prior must be 0 or more (got \(fallbackSeriesPrior))") }
        if !(fallbackTolerance >= 1 && fallbackTolerance.isFinite) { problems.append("the fallback tolerance must be at least 1 (got \(fallbackTolerance))") }
        if let gate = fallbackNetworkGate, !(gate >= 0 && gate.isFinite) { problems.append("the fallback's network gate must be 0 or more (got \(gate))") }
        if let share = fallbackSeasonalNaiveShare, !(share >= 0 && share < 1) {
            problems.append("the fallback's seasonal naive share must be at least 0 and below 1 (got \(share))")
        }
        if let share = fallbackSeriesSeasonalNaiveShare, !(share >= 0 && share < 1) {
            problems.append("the fallback's seasonal naive share per series must be at least 0 and below 1 (got \(share))")
        }
        if decoderContextSize <= 0 { problems.append("the decoder's context size must be at least 1 (got \(decoderContextSize))") }
        if decoderHiddenSize <= 0 { problems.append("the decoder's hidden size must be at least 1 (got \(decoderHiddenSize))") }
        if decoder == .mlp && strategy != .direct { problems.append("the encoder–decoder network needs the direct strategy") }
        if decoder == .none && !futureFeatures.isEmpty {
            problems.append("future-known features need the encoder–decoder network (--decoder mlp or auto)")
        }
        if let season, season <= 0 { problems.append("the season must be at least 1 (got \(season))") }
        if quantileLevels != nil && validatedNormalizations.count > 1 && validatedNormalizations.contains(.revin) {
            problems.append("a quantile head compares normalisations by its validation loss, which revin measures in other units; validate revin alone or with a point loss")
        }
        if Set(validatedNormalizations).count < validatedNormalizations.count {
            problems.append("each normalisation to validate must be named once (got \(validatedNormalizations.map(\.rawValue).joined(separator: ",")))")
        }
        if let quantileLevels {
            if quantileLevels.isEmpty { problems.append("a quantile head needs at least one level, e.g. --levels 80,95") }
            problems += PredictionInterval.problems(levels: quantileLevels)
            if strategy != .direct { problems.append("a quantile head needs the direct strategy") }
        }
        if intervals == .quantile && quantileLevels == nil {
            problems.append("--intervals quantile needs a quantile head: train with --loss quantile --levels 80,95")
        }
        return problems
    }
}

/// Which network a model uses.
public enum DecoderChoice: String, CaseIterable, Sendable {
    /// The encoder–decoder when future-known, calendar or static features are given, else the tutorial's network.
    case automatic = "auto"
    /// The encoder–decoder (NeuralForecast's LSTM shape): an MLP reads each horizon step's
    /// context with that step's known-ahead values.
    case mlp
    /// The tutorial's network (a Linear head on the last hidden state), which reads calendar and
    /// static columns over the lookback only.
    case none
}

/// A window normalisation as a user names it: one method (`season`), or several to choose among by
/// validation (`season,holt_winters`; ``TrainingOptions/validatedNormalizations``).
public struct NormalizationChoice: Sendable, Equatable, LosslessStringConvertible {
    /// The methods, at least one, each once.
    public let methods: [WindowNormalization.Method]

    /// One method, or several to validate; nil when `methods` is empty or names one twice.
    public init?(_ methods: [WindowNormalization.Method]) {
        guard !methods.isEmpty, Set(methods).count == methods.count else { return nil }
        self.methods = methods
    }

    /// Parses methods separated by commas (`season,holt_winters`); nil for an unknown or repeated one.
    public init?(_ description: String) {
        var methods: [WindowNormalization.Method] = []
        for name in description.split(separator: ",", omittingEmptySubsequences: false) {
            guard let method = WindowNormalization.Method(rawValue: name.trimmingCharacters(in: .whitespaces)) else { return nil }
            methods.append(method)
        }
        self.init(methods)
    }

    public var description: String { methods.map(\.rawValue).joined(separator: ",") }
}
