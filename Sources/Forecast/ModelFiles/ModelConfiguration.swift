import ForecastData

/// Everything about a trained model except its weights: the contents of `config.json`.
///
/// See docs/model-format.md for the file format. Keys are snake_case in the file.
public struct ModelConfiguration: Codable, Equatable, Sendable {
    /// The version of the model format this configuration writes. Version 1 files (no strategy,
    /// no window normalisation: a direct model on globally scaled values) are read as well.
    public static let currentFormatVersion = 5
    /// The version written for a model of one series (no ``panel``): unchanged since version 2,
    /// so such a model reads with earlier versions of the library too, unless what it added later
    /// raises it (a blend of the fallback, step-scaled intervals, covariates known ahead).
    public static let singleSeriesFormatVersion = 2
    /// The version written for a model of many series (with ``panel``), which version 2 readers
    /// must refuse: they would scale every series by the stored statistics.
    public static let panelFormatVersion = 3
    /// The version written for a model that earlier readers would misuse, so must refuse: one
    /// whose conformal intervals scale each horizon step on its own
    /// (``ConformalCalibration/stepLags``: they would put the bands at the wrong width), or that
    /// combines the network with simple forecasters (``combination``: they would forecast with
    /// the network alone).
    public static let stepScaledIntervalsFormatVersion = 4
    /// The version written for a model that reads what is known about the future: future-known or
    /// static features, or the encoder–decoder network (``decoder``). Earlier readers would
    /// build the wrong network or read the wrong columns, so must refuse it.
    public static let knownFutureFormatVersion = 5

    /// The decoder of an encoder–decoder network (NeuralForecast's LSTM shape): a Linear layer
    /// maps the encoder's last hidden state to one context vector per horizon step, and an MLP
    /// reads each step's context with that step's known-future columns.
    public struct DecoderSettings: Codable, Equatable, Sendable {
        /// Values per horizon step in the context the encoder hands the decoder.
        public var contextSize: Int
        /// Units in the decoder MLP's hidden layer.
        public var hiddenSize: Int

        /// Creates decoder settings.
        public init(contextSize: Int, hiddenSize: Int) {
            self.contextSize = contextSize
            self.hiddenSize = hiddenSize
        }

        enum CodingKeys: String, CodingKey {
            case contextSize = "context_size", hiddenSize = "hidden_size"
        }
    }

    /// How a model trained on many series (a long table with an id column) reads them.
    public struct PanelSettings: Codable, Equatable, Sendable {
        /// The id column of the table the model was trained on (what `predict` writes first).
        public var idColumn: String
        /// How many series the model was trained on (informational).
        public var seriesCount: Int

        /// Creates panel settings.
        public init(idColumn: String, seriesCount: Int) {
            self.idColumn = idColumn
            self.seriesCount = seriesCount
        }

        enum CodingKeys: String, CodingKey {
            case idColumn = "id_column", seriesCount = "series_count"
        }
    }

    /// How a model reaches its horizon.
    public enum Strategy: String, Codable, CaseIterable, Sendable {
        /// The head outputs all `horizon` steps at once (`output_size` = horizon).
        case direct
        /// A one-step model (`output_size` = 1) fed its own forecasts `horizon` times.
        case recursive
    }

    /// The network's shape.
    public struct Architecture: Codable, Equatable, Sendable {
        /// The kind of network: `"lstm"` (the tutorial's LSTM + Linear head) or `"gru"` (the same
        /// with a GRU, ``GRUModel``).
        public var type: String = "lstm"
        /// Features per time step: 1 (the target) + the number of extra features.
        public var inputSize: Int
        /// Hidden units per LSTM layer.
        public var hiddenSize: Int
        /// Stacked LSTM layers.
        public var numLayers: Int
        /// Values the head produces per window.
        public var outputSize: Int
        /// Dropout between LSTM layers in training.
        public var dropout: Float = 0

        /// The recurrent cell ``type`` names, nil for a type this version does not know.
        public var cell: RecurrentCell? { RecurrentCell(rawValue: type) }

        /// Creates an architecture description.
        public init(inputSize: Int, hiddenSize: Int, numLayers: Int, outputSize: Int, dropout: Float = 0, cell: RecurrentCell = .lstm) {
            self.type = cell.rawValue
            self.inputSize = inputSize
            self.hiddenSize = hiddenSize
            self.numLayers = numLayers
            self.outputSize = outputSize
            self.dropout = dropout
        }

        enum CodingKeys: String, CodingKey {
            case type, dropout
            case inputSize = "input_size", hiddenSize = "hidden_size", numLayers = "num_layers", outputSize = "output_size"
        }
    }

    /// How the model was trained (informational; not needed to use the model).
    public struct Training: Codable, Equatable, Sendable {
        /// The maximum number of epochs.
        public var epochs: Int?
        /// Windows per optimiser step.
        public var batchSize: Int?
        /// The optimiser's step size.
        public var learningRate: Float?
        /// The loss minimised (`mse`, `mae`, `huber`).
        public var loss: String?
        /// The optimiser (`adam`).
        public var optimizer: String?
        /// The seed of every random choice.
        public var seed: UInt64?
        /// Points held out at the end of the training data for testing (what `forecast evaluate` scores).
        public var testSize: Int?
        /// Points before the test part used for validation.
        public var validationSize: Int?
        /// The epoch whose weights were kept (or the number of epochs of the final refit).
        public var bestEpoch: Int?
        /// The most optimiser steps of the training phase (nil: no limit).
        public var maxSteps: Int?
        /// The most windows an epoch trains on (nil: every window).
        public var windowsPerEpoch: Int?

        /// Creates a description of training settings.
        public init(epochs: Int? = nil, batchSize: Int? = nil, learningRate: Float? = nil, loss: String? = nil,
                    optimizer: String? = nil, seed: UInt64? = nil, testSize: Int? = nil, validationSize: Int? = nil,
                    bestEpoch: Int? = nil, maxSteps: Int? = nil, windowsPerEpoch: Int? = nil) {
            self.maxSteps = maxSteps
            self.windowsPerEpoch = windowsPerEpoch
            self.testSize = testSize
            self.validationSize = validationSize
            self.bestEpoch = bestEpoch
            self.epochs = epochs
            self.batchSize = batchSize
            self.learningRate = learningRate
            self.loss = loss
            self.optimizer = optimizer
            self.seed = seed
        }

        enum CodingKeys: String, CodingKey {
            case epochs, loss, optimizer, seed
            case batchSize = "batch_size", learningRate = "learning_rate", testSize = "test_size"
            case validationSize = "validation_size", bestEpoch = "best_epoch"
            case maxSteps = "max_steps", windowsPerEpoch = "windows_per_epoch"
        }
    }

    /// The format version of the file (``currentFormatVersion`` when written by this library).
    public var formatVersion: Int
    /// The network's shape.
    public var model: Architecture
    /// Time steps the model reads.
    public var lookback: Int
    /// Time steps the model forecasts.
    public var horizon: Int
    /// The name of the forecast column.
    public var target: String
    /// The names of extra input columns, read over the lookback window (past covariates).
    public var features: [String]
    /// The calendar features computed from each lookback step's timestamp, two input columns each
    /// (sin, cos) after the features; empty for none (the key is then left out of the file).
    public var calendar: [CalendarFeature] = []
    /// How the data was scaled, x′ = (x − center) / scale per input column, with the training part's statistics.
    public var scaling: Scaler
    /// How each window's target column is normalised after scaling.
    public var windowNormalization: WindowNormalization
    /// How the model reaches its horizon.
    public var strategy: Strategy
    /// The data's time step, when known.
    public var frequency: Frequency?
    /// The training settings, when known.
    public var training: Training?
    /// For a model of many series: the id column; each series is then scaled by its own
    /// statistics (``Scaler/Method`` of ``scaling``, fitted on the series' history before the forecast
    /// origin) before ``scaling``, which is the identity. Nil for a model of one series.
    public var panel: PanelSettings?
    /// The errors prediction intervals are made from (``ConformalCalibration``); nil for a model
    /// without intervals (trained with `--intervals none`, without a validation part, or before
    /// intervals existed). Older readers ignore the key.
    public var conformalIntervals: ConformalCalibration?
    /// For a quantile head: the levels whose bounds it outputs beside the median
    /// (``PredictionInterval/quantiles(levels:)``); the head has `horizon` × that many outputs,
    /// quantile-major. Nil for a point head.
    public var quantileLevels: [Double]?
    /// How the final forecast combines the network with the simple forecasters, chosen on the
    /// validation windows (``ForecastCombination``); nil for the network alone (trained without
    /// the fallback, or a model from before the combination existed). Written as format version 4.
    public var combination: ForecastCombination?
    /// For a panel trained with the fallback: each series' own combination, keyed by its id, chosen
    /// on its own validation windows and history shrunk towards the pooled evidence
    /// (``ForecastCombination/choosePerSeries(on:tolerance:prior:season:seasonalNaiveShare:)``); a series not listed
    /// (unseen at training time, or without a validation window) forecasts with ``combination``.
    /// Nil for a model of one series, without the fallback, or from before this was added (every
    /// series then uses ``combination``). Older readers ignore the key.
    public var seriesCombinations: [String: ForecastCombination]?

    /// The seasonal naive share the series of ``seriesCombinations`` hold (every one the same, as
    /// the model check requires; read in id order); nil when they hold none.
    public var seriesSeasonalNaiveShare: Double? {
        seriesCombinations?.sorted { $0.key < $1.key }.lazy.compactMap(\.value.seasonalNaiveShare).first
    }
    /// The columns whose values are known ahead (planned promotions, holidays, weather forecasts),
    /// input columns after ``features``; `predict` takes their future values from `--future FILE`.
    public var futureFeatures: [String] = []
    /// How each series' static features became input columns (``StaticEncoding``); nil for none.
    public var staticFeatures: StaticEncoding?
    /// The decoder of an encoder–decoder network; nil for the tutorial's network (a Linear head on
    /// the last hidden state).
    public var decoder: DecoderSettings?

    /// The combination series `id` forecasts with: its own (``seriesCombinations``) when the model
    /// has one for it, else the pooled ``combination``.
    public func combination(forSeries id: String?) -> ForecastCombination? {
        id.flatMap { seriesCombinations?[$0] } ?? combination
    }

    /// The number of outputs per quantile (`horizon` for the direct strategy, 1 for the recursive one).
    public var pointOutputSize: Int { strategy == .direct ? horizon : 1 }

    /// The quantiles of the head's outputs, ascending (`[0.5]`… for a point head: one).
    public var outputQuantiles: [Double] { quantileLevels.map(PredictionInterval.quantiles(levels:)) ?? [0.5] }

    /// Creates a configuration.
    public init(model: Architecture, lookback: Int, horizon: Int, target: String, features: [String] = [],
                scaling: Scaler, windowNormalization: WindowNormalization = .global, strategy: Strategy = .direct,
                frequency: Frequency? = nil, training: Training? = nil, panel: PanelSettings? = nil,
                conformalIntervals: ConformalCalibration? = nil, quantileLevels: [Double]? = nil,
                combination: ForecastCombination? = nil, calendar: [CalendarFeature] = [],
                futureFeatures: [String] = [], staticFeatures: StaticEncoding? = nil, decoder: DecoderSettings? = nil,
                seriesCombinations: [String: ForecastCombination]? = nil) {
        self.combination = combination
        self.seriesCombinations = seriesCombinations
        self.calendar = calendar
        self.futureFeatures = futureFeatures
        self.staticFeatures = staticFeatures
        self.decoder = decoder
        self.conformalIntervals = conformalIntervals
        self.quantileLevels = quantileLevels
        self.formatVersion = !futureFeatures.isEmpty || staticFeatures != nil || decoder != nil ? Self.knownFutureFormatVersion
            : conformalIntervals?.stepLags == true || combination.map({ !$0.isNetworkAlone }) == true || seriesCombinations != nil
                ? Self.stepScaledIntervalsFormatVersion
            : panel == nil ? Self.singleSeriesFormatVersion : Self.panelFormatVersion
        self.panel = panel
        self.windowNormalization = windowNormalization
        self.strategy = strategy
        self.model = model
        self.lookback = lookback
        self.horizon = horizon
        self.target = target
        self.features = features
        self.scaling = scaling
        self.frequency = frequency
        self.training = training
    }

    enum CodingKeys: String, CodingKey {
        case model, lookback, horizon, target, features, scaling, frequency, training, strategy, panel
        case formatVersion = "format_version", windowNormalization = "window_normalization"
        case conformalIntervals = "conformal_intervals", quantileLevels = "quantile_levels"
        case combination, seriesCombinations = "series_combinations"
        case calendar
        case futureFeatures = "future_features", staticFeatures = "static_features", decoder
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try container.decode(Int.self, forKey: .formatVersion)
        model = try container.decode(Architecture.self, forKey: .model)
        lookback = try container.decode(Int.self, forKey: .lookback)
        horizon = try container.decode(Int.self, forKey: .horizon)
        target = try container.decode(String.self, forKey: .target)
        features = try container.decodeIfPresent([String].self, forKey: .features) ?? []
        scaling = try container.decode(Scaler.self, forKey: .scaling)
        windowNormalization = try container.decodeIfPresent(WindowNormalization.self, forKey: .windowNormalization) ?? .global
        strategy = try container.decodeIfPresent(Strategy.self, forKey: .strategy) ?? .direct
        frequency = try container.decodeIfPresent(Frequency.self, forKey: .frequency)
        training = try container.decodeIfPresent(Training.self, forKey: .training)
        panel = try container.decodeIfPresent(PanelSettings.self, forKey: .panel)
        conformalIntervals = try container.decodeIfPresent(ConformalCalibration.self, forKey: .conformalIntervals)
        quantileLevels = try container.decodeIfPresent([Double].self, forKey: .quantileLevels)
        combination = try container.decodeIfPresent(ForecastCombination.self, forKey: .combination)
        seriesCombinations = try container.decodeIfPresent([String: ForecastCombination].self, forKey: .seriesCombinations)
        calendar = try container.decodeIfPresent([CalendarFeature].self, forKey: .calendar) ?? []
        futureFeatures = try container.decodeIfPresent([String].self, forKey: .futureFeatures) ?? []
        staticFeatures = try container.decodeIfPresent(StaticEncoding.self, forKey: .staticFeatures)
        self.decoder = try container.decodeIfPresent(DecoderSettings.self, forKey: .decoder)
    }

    // Written by hand so that absent optional values appear as `null`, as the format documents.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(formatVersion, forKey: .formatVersion)
        try container.encode(model, forKey: .model)
        try container.encode(lookback, forKey: .lookback)
        try container.encode(horizon, forKey: .horizon)
        try container.encode(target, forKey: .target)
        try container.encode(features, forKey: .features)
        try container.encode(scaling, forKey: .scaling)
        try container.encode(windowNormalization, forKey: .windowNormalization)
        try container.encode(strategy, forKey: .strategy)
        try container.encode(frequency, forKey: .frequency)
        try container.encode(training, forKey: .training)
        try container.encodeIfPresent(panel, forKey: .panel)
        try container.encodeIfPresent(conformalIntervals, forKey: .conformalIntervals)
        try container.encodeIfPresent(quantileLevels, forKey: .quantileLevels)
        try container.encodeIfPresent(combination, forKey: .combination)
        try container.encodeIfPresent(seriesCombinations, forKey: .seriesCombinations)
        if !calendar.isEmpty { try container.encode(calendar, forKey: .calendar) }
        if !futureFeatures.isEmpty { try container.encode(futureFeatures, forKey: .futureFeatures) }
        try container.encodeIfPresent(staticFeatures, forKey: .staticFeatures)
        try container.encodeIfPresent(decoder, forKey: .decoder)
    }

    /// The names of the input columns after the target: the features, the future-known features,
    /// two per calendar feature, then the static features' encoded columns.
    public var inputFeatureNames: [String] { features + knownAheadNames }

    /// The input columns known ahead of time, the last of ``inputFeatureNames``: the future-known
    /// features, the static columns, then the calendar columns. An encoder–decoder network reads
    /// them at every horizon step too.
    public var knownAheadNames: [String] {
        futureFeatures + (staticFeatures?.inputNames ?? []) + calendar.flatMap(\.columnNames)
    }

    /// The data columns a table must hold after the target: the features and the future-known features.
    public var tableFeatures: [String] { features + futureFeatures }

    /// The input columns an encoder–decoder's decoder reads at each horizon step (after the
    /// target and the past features); empty for the tutorial's network.
    public var decoderColumns: Range<Int> {
        decoder == nil ? 0..<0 : (1 + features.count)..<model.inputSize
    }

    /// The input columns of the static features, which ``scaling`` leaves as they are (they are
    /// encoded across series, ``StaticEncoding``).
    public var staticColumns: Range<Int> {
        let start = 1 + tableFeatures.count
        return start..<(start + (staticFeatures?.inputNames.count ?? 0))
    }

    /// Whether each series is scaled by its own statistics (a model of many series).
    public var scalesPerSeries: Bool { panel != nil }

    /// The reasons this configuration cannot describe a usable model, empty when it can.
    public var problems: [String] {
        var problems: [String] = []
        if !(1...Self.currentFormatVersion).contains(formatVersion) {
            problems.append("format_version \(formatVersion) is not supported (this version reads 1 to \(Self.currentFormatVersion))")
        }
        if model.cell == nil { problems.append("model.type '\(model.type)' is not supported (only 'lstm' and 'gru')") }
        for (name, value) in [("model.input_size", model.inputSize), ("model.hidden_size", model.hiddenSize),
                              ("model.num_layers", model.numLayers), ("model.output_size", model.outputSize),
                              ("lookback", lookback), ("horizon", horizon)] where value <= 0 {
            problems.append("\(name) is \(value); it must be positive")
        }
        if !(model.dropout >= 0 && model.dropout < 1) { problems.append("model.dropout \(model.dropout) is not in [0, 1)") }
        if model.inputSize != 1 + inputFeatureNames.count {
            problems.append("model.input_size \(model.inputSize) does not match 1 target + \(features.count) features"
                            + (futureFeatures.isEmpty ? "" : " + \(futureFeatures.count) future-known features")
                            + (calendar.isEmpty ? "" : " + \(2 * calendar.count) calendar columns")
                            + (staticFeatures.map { " + \($0.inputNames.count) static columns" } ?? ""))
        }
        if let decoder {
            if decoder.contextSize <= 0 || decoder.hiddenSize <= 0 { problems.append("decoder.context_size and decoder.hidden_size must be positive") }
            if strategy != .direct { problems.append("an encoder–decoder network (decoder) needs the direct strategy") }
        } else if !futureFeatures.isEmpty {
            problems.append("future_features need the encoder–decoder network (decoder)")
        }
        if let staticFeatures { problems += staticFeatures.problems }
        if Set(features + futureFeatures).count != features.count + futureFeatures.count {
            problems.append("features and future_features name a column twice")
        }
        if let quantileLevels {
            if quantileLevels.isEmpty || !PredictionInterval.problems(levels: quantileLevels).isEmpty {
                problems.append("quantile_levels must hold distinct levels in (0, 100)")
            } else if strategy != .direct {
                problems.append("a quantile head (quantile_levels) needs the direct strategy")
            }
        }
        let outputs = pointOutputSize * outputQuantiles.count
        if model.outputSize != outputs {
            problems.append("model.output_size \(model.outputSize) does not match the \(strategy.rawValue) strategy's \(outputs) (horizon \(horizon)"
                            + (quantileLevels == nil ? ")" : " × \(outputQuantiles.count) quantiles)"))
        }
        if strategy == .recursive && !features.isEmpty {
            problems.append("a recursive model cannot read features (their future values are unknown)")
        }
        if strategy == .recursive && !calendar.isEmpty {
            problems.append("a recursive model cannot read calendar features")
        }
        if Set(calendar).count != calendar.count { problems.append("calendar names a feature twice") }
        if scaling.center.count != model.inputSize || scaling.scale.count != model.inputSize {
            problems.append("scaling has \(scaling.center.count) centers and \(scaling.scale.count) scales for \(model.inputSize) input columns")
        }
        if scaling.center.contains(where: { !$0.isFinite }) { problems.append("scaling.center holds a non-finite value") }
        if scaling.scale.contains(where: { !($0.isFinite && $0 > 0) }) { problems.append("scaling.scale must be positive and finite") }
        if let frequency, frequency.step <= 0 { problems.append("frequency.step must be positive") }
        if let intervals = conformalIntervals {
            if intervals.scores.count != horizon {
                problems.append("conformal_intervals.scores has \(intervals.scores.count) steps for horizon \(horizon)")
            } else if intervals.windows <= 0 || intervals.scores.contains(where: { $0.isEmpty || $0.contains { !($0.isFinite && $0 >= 0) } || zip($0, $0.dropFirst()).contains { $0 > $1 } }) {
                problems.append("conformal_intervals needs at least one calibration window and, per step, finite non-negative scores in ascending order")
            } else if let lag = intervals.scaleLag, lag <= 0 {
                problems.append("conformal_intervals.scale_lag is \(lag); it must be positive")
            } else if let window = intervals.scaleWindow, window <= 1 {
                problems.append("conformal_intervals.scale_window is \(window); it must be at least 2")
            }
        }
        // Where a combination sits decides how seasonal naive's share may appear in it.
        enum Role { case oneSeries, pooledOfPanel, seriesOfPanel }
        func check(_ combination: ForecastCombination, key: String, role: Role) {
            let weights = combination.entries.map(\.weight)
            if combination.entries.isEmpty || weights.contains(where: { !($0.isFinite && $0 >= 0) }) || abs(weights.reduce(0, +) - 1) > 1e-6 {
                problems.append("\(key).members needs finite non-negative weights that sum to 1")
            } else if combination.season <= 0 {
                problems.append("\(key).season is \(combination.season); it must be positive")
            } else if let smoothing = combination.holtWinters, !((0...1).contains(smoothing.alpha) && (0...1).contains(smoothing.gamma)) {
                problems.append("\(key).holt_winters needs alpha and gamma in [0, 1]")
            } else if !(combination.tolerance >= 1 && combination.tolerance.isFinite) {
                problems.append("\(key).tolerance is \(combination.tolerance); it must be a finite number of at least 1")
            } else if [combination.networkGate, combination.networkLead].contains(where: { $0.map { !$0.isFinite } == true }) {
                problems.append("\(key).network_gate and network_lead must be finite numbers")
            } else if let gate = combination.networkGate, gate < 0 {
                problems.append("\(key).network_gate is \(gate); it must be 0 or more")
            } else if role == .pooledOfPanel && combination.seasonalNaiveShare != nil {
                problems.append("\(key).seasonal_naive_share: a panel's pooled combination has none (its series' combinations hold it)")
            } else if let share = combination.seasonalNaiveShare, !(share > 0 && share < 1) {
                problems.append("\(key).seasonal_naive_share is \(share); it must be above 0 and below 1")
            } else if combination.networkPassesGate && !combination.isNetworkAlone {
                problems.append("\(key).network_lead passes network_gate, so the network must be the only member with a weight")
            } else if let share = combination.seasonalNaiveShare, role == .oneSeries, !combination.networkPassesGate,
                      !(combination.entries.first { $0.member == .seasonalNaive }.map { $0.weight >= share - 1e-6 } ?? false) {
                problems.append("\(key).seasonal_naive_share is \(share), so seasonal_naive needs a weight of at least that")
            } else if let share = combination.seasonalNaiveShare, role == .seriesOfPanel,
                      !(combination.entries.first { $0.member == .seasonalNaive }.map { $0.weight == 0 || $0.weight >= share - 1e-6 } ?? false) {
                problems.append("\(key).seasonal_naive_share is \(share), so seasonal_naive needs a weight of 0 (not kept) or at least that")
            }
        }
        if let combination {
            check(combination, key: "combination", role: seriesCombinations == nil && (panel?.seriesCount ?? 1) <= 1 ? .oneSeries : .pooledOfPanel)
        }
        if let seriesCombinations {
            if combination == nil { problems.append("series_combinations needs a combination for the series it does not list") }
            // The first problem in id order, so that the message does not depend on the dictionary's order.
            let before = problems.count
            for id in seriesCombinations.keys.sorted() where problems.count == before {
                check(seriesCombinations[id]!, key: "series_combinations[\"\(id)\"]", role: .seriesOfPanel)
            }
            if problems.count == before, Set(seriesCombinations.values.map { $0.seasonalNaiveShare }).count > 1 {
                problems.append("series_combinations: every series must hold the same seasonal_naive_share, or none")
            }
        }
        return problems
    }
}
