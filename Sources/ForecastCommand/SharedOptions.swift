import ArgumentParser
import Foundation
import Forecast

extension MissingValuePolicy: ExpressibleByArgument {}
extension Loss: ExpressibleByArgument {}
extension Scaler.Method: ExpressibleByArgument {}
extension LearningRateSchedule: ExpressibleByArgument {}
extension ModelConfiguration.Strategy: ExpressibleByArgument {}
extension IntervalMethod: ExpressibleByArgument {}
extension IntervalScale: ExpressibleByArgument {}
extension RecurrentCell: ExpressibleByArgument {}

/// `--loss`: a point loss, or `quantile` for a quantile head (with `--levels`).
enum LossChoice: String, ExpressibleByArgument, CaseIterable {
    case mse, mae, huber, quantile
}

/// `--level 80,95`: the prediction intervals to write or score.
struct LevelOptions: ParsableArguments {
    @Option(name: .customLong("level"), help: ArgumentHelp("Prediction intervals at these levels (percent, in (0, 100)), comma-separated; adds lo-<level>,hi-<level> columns.", valueName: "80,95"))
    var levelText: String?

    /// The levels given, nil when none.
    var levels: [Double]? {
        guard let levelText, case .success(let levels) = PredictionInterval.parse(levels: levelText) else { return nil }
        return levels
    }

    func validate() throws {
        guard let levelText else { return }
        switch PredictionInterval.parse(levels: levelText) {
        case .failure(let error): throw ValidationError("--level: \(error)")
        case .success(let levels):
            if let problem = PredictionInterval.problems(levels: levels).first { throw ValidationError("--level: \(problem)") }
        }
    }
}
extension PartSize: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// Which file and columns make the series.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The CSV file (with a header row); - for standard input.", valueName: "file"))
    var data: String

    @Option(help: ArgumentHelp("The column to forecast (default: the only numeric column).", valueName: "column"))
    var target: String?

    @Option(help: ArgumentHelp("The time column (default: detected, a column of dates or integer steps named like ds, date or time).", valueName: "column"))
    var time: String?

    @Option(help: ArgumentHelp("The series id column of a long table of many series (default: a column named unique_id, series_id, series or id; without one the table is one series).", valueName: "column"))
    var id: String?

    @Option(help: ArgumentHelp("Extra numeric columns the model reads over the lookback, comma-separated.", valueName: "a,b"))
    var features: String?

    @Option(help: ArgumentHelp("Numeric columns whose values are known ahead (planned promotions, holidays, weather forecasts), comma-separated: read over the lookback and at every horizon step; predict takes their future values from --future.", valueName: "a,b"))
    var futureFeatures: String?

    @Option(help: ArgumentHelp("Per-series properties, constant within each series, comma-separated: numbers (standardised) or labels (one-hot). Columns of the data, or of --static.", valueName: "c,d"))
    var staticFeatures: String?

    @Option(name: .customLong("static"), help: ArgumentHelp("A CSV of the static features with one row per series id (instead of columns of the data).", valueName: "file"))
    var staticFile: String?

    @Option(help: "Missing values: interpolate, ffill, drop or error.")
    var missing: MissingValuePolicy = .interpolate

    var featureList: [String] { Self.list(features) }
    var futureFeatureList: [String] { Self.list(futureFeatures) }
    var staticFeatureList: [String] { Self.list(staticFeatures) }

    static func list(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Reads the table (one series, or many with an id column), printing warnings (missing values
    /// filled, gaps, the id column detected) to standard error. The features are read as columns
    /// (`features`, default --features then --future-features), the static features as columns
    /// (`staticFeatures`, default --static-features) or from --static.
    func loadPanel(preferredTarget: String? = nil, features: [String]? = nil, staticFeatures: [String]? = nil,
                   preferredID: String? = nil, quiet: Bool = false) throws(DataError) -> Panel {
        let statics = staticFeatures ?? staticFeatureList
        var options = SeriesOptions(target: target, time: time, features: features ?? (featureList + futureFeatureList), missing: missing, id: id)
        options.staticFeatures = staticFile == nil ? statics : []
        options.preferredTarget = preferredTarget
        options.preferredID = preferredID
        var (panel, warnings) = try Forecaster.load(path: data, options: options)
        if let staticFile {
            guard !statics.isEmpty else {
                throw DataError(.usage, file: staticFile, "--static names a table of static features; say which columns with --static-features")
            }
            guard panel.hasIDs else {
                throw DataError(.usage, file: staticFile, "static features describe each series of a panel; \(data) is one series (no id column)")
            }
            panel.statics = try StaticTable.load(path: staticFile, idName: panel.idName, names: statics, ids: panel.ids, describe: panel.describe)
        }
        if !quiet {
            if let idName = panel.idName, self.id == nil {
                printError("note: column '\(idName)' names the series (\(panel.count) of them); --id chooses another")
            }
            for warning in warnings { printError("warning: \(warning)") }
        }
        return panel
    }
}

/// The window, the network and how it is trained.
struct TrainingArguments: ParsableArguments {
    @Option(help: "Time steps each window reads (default: 3 seasons, e.g. 36 for monthly data).")
    var lookback: Int?

    @Option(help: "Time steps forecast at once (default: one season, e.g. 12 for monthly data).")
    var horizon: Int?

    @Option(help: "The recurrent cell: lstm (PyTorch's nn.LSTM) or gru (nn.GRU).")
    var cell: RecurrentCell = .lstm

    @Option(help: ArgumentHelp("Calendar features read at every lookback step (and, by the decoder, at every horizon step), sin/cos encoded: auto (those the data's frequency makes meaningful) or some of hour,dayofweek,dayofmonth,month,weekofyear. Needs dates in the time column.", valueName: "features"))
    var calendar: String?

    @Option(help: "The network: auto (the encoder-decoder when future-known, calendar or static features are given, else the tutorial's), mlp (the encoder-decoder: an MLP reads each horizon step's context with what is known of that step) or none (the tutorial's Linear head on the last hidden state).")
    var decoder: DecoderChoice = .automatic

    @Option(help: "Values per horizon step in the context the encoder hands the decoder.")
    var contextSize: Int = 16

    @Option(help: "Units in the decoder MLP's hidden layer.")
    var decoderHiddenSize: Int = 64

    @Option(help: "Hidden units per LSTM layer.")
    var hiddenSize: Int = 64

    @Option(help: "Stacked LSTM layers.")
    var layers: Int = 2

    @Option(help: "Dropout between LSTM layers, in [0, 1).")
    var dropout: Float = 0

    @Option(help: "The maximum number of epochs (passes over the training windows, or over --windows-per-epoch of them).")
    var epochs: Int = 300

    @Option(help: "The most optimiser steps of the training phase (0: no limit; default: 2000, fewer for a lookback over 168), so that training time is bounded on large data.")
    var maxSteps: Int?

    @Option(help: "The most windows an epoch trains on; data with more is sampled, epoch after epoch.")
    var windowsPerEpoch: Int = 4096

    @Option(help: "Windows per optimiser step.")
    var batchSize: Int = 16

    @Option(help: "Adam's step size.")
    var learningRate: Float = 1e-3

    @Option(help: "Adam's weight decay (L2).")
    var weightDecay: Float = 0

    @Option(help: "The loss: mse, mae or huber; or quantile for a head that outputs the median and the bounds of each of --levels (pinball loss).")
    var loss: LossChoice = .mse

    @Option(help: ArgumentHelp("The levels of a quantile head (--loss quantile), percent, comma-separated.", valueName: "80,95"))
    var levels: String = "80,95"

    @Option(help: "Scaling fitted on the training part: standard, minmax or mase (default: standard for one series, mase for a panel).")
    var scaling: Scaler.Method?

    @Option(help: "Clip the global gradient norm to this value.")
    var clipNorm: Float?

    @Option(help: "Stop after this many epochs without a better validation loss (0: never stop early).")
    var patience: Int = 30

    @Flag(inversion: .prefixedNo, help: "After early stopping, retrain on training + validation windows for the best number of epochs.")
    var refit = true

    @Option(help: "The learning-rate schedule: none, plateau or cosine.")
    var lrSchedule: LearningRateSchedule = .none

    @Option(help: "direct (all horizon steps at once) or recursive (a one-step model fed its own forecasts).")
    var strategy: ModelConfiguration.Strategy = .direct

    @Option(help: ArgumentHelp("Per-window normalisation: season (shift by the level of the last season), last, seasonal_naive (targets from the value one season back), holt_winters (targets from the window's Holt-Winters forecast), revin or global (none); several, comma-separated, train a network with each and keep the one that forecasts the validation windows best. Default: season,holt_winters for one series; for a panel, season or seasonal_naive, whichever anchor is nearer the targets of the training windows.", valueName: "method[,method…]"))
    var normalization: String?

    @Option(help: "The seasonal period (default: from the frequency: 12 monthly, 4 quarterly, 7 daily, 24 hourly, 48 half-hourly, else 1).")
    var season: Int?

    @Option(help: "The seed of every random choice; the same seed repeats a run exactly.")
    var seed: UInt64 = 42

    @Option(help: "The test part held out at the end of each series: a fraction or a number of points (default: 0.2 of one series; one horizon of each series of a panel).")
    var testSize: PartSize?

    @Option(name: .customLong("val-size"), help: "The validation part before the test part: a fraction or a number of points (default: 10% of the windows).")
    var validationSize: PartSize?

    @Option(help: "Prediction intervals: conformal (from the errors of the validation windows, stored in the model; the default), quantile (the quantile head's own; the default with --loss quantile) or none.")
    var intervals: IntervalMethod?

    @Option(help: "The scale conformal errors are measured in: auto (chosen on the validation windows; the default), model (the target's scale) or steps (each step's recent naive error).")
    var intervalScale: IntervalScale = .automatic

    @Flag(inversion: .prefixedNo, help: "Measure the network on the validation windows beside seasonal naive, naive, drift, mean and Holt-Winters (those over the whole history) and forecast with the inverse-error weighted mean of those within twice the best error; on a table of several series each series gets its own (default: on for such a table and for one series, where the network alone is kept when it leads every simple method on the validation windows by more than 2 standard errors; see docs/accuracy.md, \"The network gate\").")
    var fallback: Bool?

    @Option(help: ArgumentHelp("Seasonal naive's share of the fallback's forecast, a hedge against a choice the validation got wrong: for one series whatever the fallback chose, unless the network alone passed the gate; on a table of several series, in each series' combination where its fallback kept seasonal naive. 0 for none (default: 0.4). No effect where there is no fallback (--loss quantile; a table of several series without an id column).", valueName: "share"))
    var seasonalNaiveShare: Double?

    /// The levels of `--levels`, nil when they do not parse.
    var quantileLevels: [Double]? {
        guard case .success(let levels) = PredictionInterval.parse(levels: levels) else { return nil }
        return levels
    }

    func validate() throws {
        if let lookback, lookback <= 0 { throw ValidationError("--lookback must be at least 1 (got \(lookback))") }
        if let calendar, case .failure(let error) = CalendarSelection.parse(calendar) { throw ValidationError("--calendar: \(error)") }
        if let horizon, horizon <= 0 { throw ValidationError("--horizon must be at least 1 (got \(horizon))") }
        if patience < 0 { throw ValidationError("--patience must be 0 or more (got \(patience))") }
        if let season, season <= 0 { throw ValidationError("--season must be at least 1 (got \(season))") }
        if let normalization, NormalizationChoice(normalization) == nil {
            throw ValidationError("--normalization: '\(normalization)' is not one method or several different ones, comma-separated, of "
                                  + WindowNormalization.Method.allCases.map(\.rawValue).joined(separator: ", "))
        }
        if let maxSteps, maxSteps < 0 { throw ValidationError("--max-steps must be 0 or more (got \(maxSteps))") }
        if loss == .quantile {
            switch PredictionInterval.parse(levels: levels) {
            case .failure(let error): throw ValidationError("--levels: \(error)")
            case .success(let parsed):
                if let problem = PredictionInterval.problems(levels: parsed).first { throw ValidationError("--levels: \(problem)") }
            }
        }
        if intervals == .quantile && loss != .quantile {
            throw ValidationError("--intervals quantile needs a quantile head: add --loss quantile --levels 80,95")
        }
        if windowsPerEpoch <= 0 { throw ValidationError("--windows-per-epoch must be at least 1 (got \(windowsPerEpoch))") }
        if contextSize <= 0 { throw ValidationError("--context-size must be at least 1 (got \(contextSize))") }
        if decoderHiddenSize <= 0 { throw ValidationError("--decoder-hidden-size must be at least 1 (got \(decoderHiddenSize))") }
        if let seasonalNaiveShare {
            guard seasonalNaiveShare >= 0 && seasonalNaiveShare < 1 else {
                throw ValidationError("--seasonal-naive-share takes a number from 0 up to (not including) 1 (got \(seasonalNaiveShare))")
            }
            if fallback == false { throw ValidationError("--seasonal-naive-share is a share of the fallback's forecast: leave out --no-fallback") }
        }
    }

    /// The options for `panel`: the library's defaults for its window and test part, then what was
    /// given; `futureFeatures` are the data's known-ahead columns (--future-features).
    func options(for panel: Panel, futureFeatures: [String] = []) -> TrainingOptions {
        var options = Forecaster.defaultOptions(for: panel, lookback: lookback, horizon: horizon, season: season)
        options.cell = cell
        options.futureFeatures = futureFeatures
        options.decoder = decoder
        options.decoderContextSize = contextSize
        options.decoderHiddenSize = decoderHiddenSize
        if let calendar, case .success(let selection) = CalendarSelection.parse(calendar) { options.calendar = selection }
        options.hiddenSize = hiddenSize
        options.layers = layers
        options.dropout = dropout
        options.epochs = epochs
        if let maxSteps { options.maxSteps = maxSteps > 0 ? maxSteps : nil }
        options.windowsPerEpoch = windowsPerEpoch
        options.batchSize = batchSize
        options.learningRate = learningRate
        options.weightDecay = weightDecay
        if loss == .quantile {
            options.quantileLevels = quantileLevels
        } else if let point = Loss(rawValue: loss.rawValue) {
            options.loss = point
        }
        if let scaling { options.scaling = scaling }
        options.clipNorm = clipNorm
        options.patience = patience > 0 ? patience : nil
        options.refit = refit
        options.learningRateSchedule = lrSchedule
        options.strategy = strategy
        if let choice = normalization.flatMap(NormalizationChoice.init) { options.useNormalization(choice) }
        options.seed = seed
        if let testSize { options.testSize = testSize }
        options.validationSize = validationSize
        options.intervals = intervals ?? (loss == .quantile ? .quantile : .conformal)
        options.intervalScale = intervalScale
        if let fallback { options.fallback = fallback }
        if let seasonalNaiveShare {
            options.fallbackSeasonalNaiveShare = seasonalNaiveShare
            options.fallbackSeriesSeasonalNaiveShare = seasonalNaiveShare
        }
        return options
    }
}

extension DecoderChoice: ExpressibleByArgument {}
