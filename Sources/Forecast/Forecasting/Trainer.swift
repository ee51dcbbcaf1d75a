import Foundation
import ForecastData

/// Where training is, reported to a progress callback after every batch.
public struct TrainingProgress: Sendable {
    /// Which pass over the data this is.
    public enum Phase: Sendable {
        /// Training with validation (and early stopping).
        case training
        /// Training a new network on training + validation windows for the best number of epochs.
        case refitting
    }
    /// Which pass this is.
    public var phase: Phase
    /// The current epoch, from 1.
    public var epoch: Int
    /// The epochs of this phase (the maximum when early stopping is on).
    public var epochs: Int
    /// The batch just finished, from 1.
    public var batch: Int
    /// Batches per epoch.
    public var batches: Int
    /// The mean training loss of the epoch so far (normalised units).
    public var trainingLoss: Double
    /// The validation loss of the last finished epoch, if there is a validation part.
    public var validationLoss: Double?
    /// Training windows processed per second since training began.
    public var windowsPerSecond: Double
    /// Seconds since training began.
    public var elapsed: Double
    /// Estimated seconds to the end of this phase at most.
    public var remaining: Double
    /// Whether this report closes an epoch (and `validationLoss` is that epoch's).
    public var isEndOfEpoch: Bool
    /// When several normalisations are validated, the one this network trains with; nil otherwise.
    public var candidate: Candidate?

    /// One of the networks trained to choose the normalisation by validation.
    public struct Candidate: Sendable, Equatable {
        /// The normalisation this network trains with.
        public var normalization: WindowNormalization.Method
        /// Its place among the candidates, from 1.
        public var number: Int
        /// The number of candidates.
        public var count: Int

        /// Creates the description of candidate `number` of `count`.
        public init(normalization: WindowNormalization.Method, number: Int, count: Int) {
            self.normalization = normalization
            self.number = number
            self.count = count
        }
    }
}

/// The losses of one epoch.
public struct EpochRecord: Sendable, Codable, Equatable {
    /// The epoch, from 1.
    public var epoch: Int
    /// The mean training loss over the epoch's windows.
    public var trainingLoss: Double
    /// The loss on the validation windows after the epoch, if there are any.
    public var validationLoss: Double?
    /// The learning rate used during the epoch.
    public var learningRate: Float
}

/// A trained model and how training went.
public struct TrainingResult {
    /// The model: the refit network, or the weights of the best epoch.
    public var model: ForecastModel
    /// One record per epoch of the training phase.
    public var history: [EpochRecord]
    /// The epoch with the lowest validation loss, averaged over it and the 4 epochs before it (the
    /// last epoch without validation).
    public var bestEpoch: Int
    /// Whether the model was refit on training + validation windows for `bestEpoch` epochs.
    public var refitted: Bool
    /// The split of each series, in the panel's order.
    public var splits: [Split]
    /// Wall-clock seconds.
    public var seconds: Double
    /// Whether early stopping ended training before the last epoch.
    public var stoppedEarly: Bool
    /// Whether the training phase ended because it reached `maxSteps` optimiser steps.
    public var reachedStepLimit: Bool
    /// Optimiser steps taken in the training phase (of the kept network, when the normalisation
    /// was chosen by validation).
    public var steps: Int
    /// When the normalisation was chosen on the training windows (``TrainingOptions/choosesNormalization``):
    /// each candidate's mean absolute normalised target on them (the lowest was chosen); empty
    /// otherwise, and when ``TrainingOptions/validatedNormalizations`` decides instead.
    public var anchorErrors: [(method: WindowNormalization.Method, error: Double)]
    /// When the normalisation was chosen by validation (``TrainingOptions/validatedNormalizations``):
    /// each candidate's network's error on the validation windows, mean absolute error divided by
    /// the series' mean seasonal difference (a MASE; a quantile head's validation loss instead),
    /// in the order trained; the lowest was kept. Empty otherwise.
    public var normalizationErrors: [(method: WindowNormalization.Method, error: Double)]
    /// Things the user should know (constant columns, short series…).
    public var warnings: [String]
    /// The forecasts of the validation windows by the network of the best epoch and by every
    /// simple forecaster, on which the model's ``ModelConfiguration/combination`` was chosen; nil
    /// without a fallback (``TrainingOptions/fallback``).
    public var validation: ValidationForecasts?

    /// The split of the first (for a table of one series, the only) series.
    public var split: Split { splits[0] }
    /// The best validation loss, if there was a validation part.
    public var bestValidationLoss: Double? { history.first { $0.epoch == bestEpoch }?.validationLoss }
}

/// Trains the tutorial's LSTM on one series or many (one global network), on sliding windows,
/// without letting the test part reach the scaler or the optimiser.
public enum Trainer {
    /// Trains on one series: ``fit(_:options:progress:)-(Panel,_,_)`` on a panel of one.
    public static func fit(_ series: TimeSeries, options: TrainingOptions,
                           progress: (TrainingProgress) -> Void = { _ in }) throws(DataError) -> TrainingResult {
        try fit(Panel(series), options: options, progress: progress)
    }

    /// Splits every series chronologically, scales it, trains one network on shuffled batches of
    /// normalised training windows drawn from all series with Adam, stops early on the validation
    /// loss, and (with `refit`) trains a new network from the same seed on training + validation
    /// windows for the best number of epochs.
    ///
    /// A table of one series (no id column) is split as ``Split`` says, and scaled by its training
    /// part's statistics, which the model stores. In a panel each series has its own test part
    /// (`testSize`) and validation part (`validationSize`, default one horizon) and is scaled by its
    /// own training part's statistics; a series too short for a full window trains and forecasts
    /// on windows padded with its first value.
    ///
    /// - Parameter progress: called after every batch.
    /// - Throws: ``DataError`` (usage) when the options do not fit the data.
    public static func fit(_ panel: Panel, options: TrainingOptions,
                           progress: (TrainingProgress) -> Void = { _ in }) throws(DataError) -> TrainingResult {
        if let problem = options.problems.first { throw DataError(.usage, file: panel.source, problem) }
        if options.strategy == .recursive && !panel.featureNames.isEmpty {
            throw DataError(.usage, file: panel.source, "the recursive strategy cannot use features (their future values are unknown); use --strategy direct")
        }
        // The columns as the network reads them: the target, the past features, the future-known
        // features (the table's last feature columns), the static columns, the calendar columns.
        let futureCount = options.futureFeatures.count
        guard Array(panel.featureNames.suffix(futureCount)) == options.futureFeatures, panel.featureNames.count >= futureCount else {
            throw DataError(.usage, file: panel.source, "the future-known features \(options.futureFeatures) must be the data's last feature columns (it has \(panel.featureNames))")
        }
        if futureCount > 0 && panel.time?.frequency == nil {
            throw DataError(.usage, file: panel.source, "future-known features need a regular time column: their future values are matched by time")
        }
        if panel.statics != nil && !panel.hasIDs {
            throw DataError(.usage, file: panel.source, "static features describe each series of a panel; this data is one series (no id column)")
        }
        let calendar = try options.calendar.resolved(for: panel.time, source: panel.source)
        if options.strategy == .recursive && !calendar.isEmpty {
            throw DataError(.usage, file: panel.source, "the recursive strategy cannot use calendar features; use --strategy direct")
        }
        if options.strategy == .recursive && panel.statics != nil {
            throw DataError(.usage, file: panel.source, "the recursive strategy cannot use static features; use --strategy direct")
        }
        let features = Array(panel.featureNames.dropLast(futureCount))
        let staticEncoding = panel.statics.map(StaticEncoding.fit)
        let staticColumns = (1 + panel.featureNames.count)..<(1 + panel.featureNames.count + (staticEncoding?.inputNames.count ?? 0))
        let panel = try panel.addingStatics(staticEncoding ?? StaticEncoding(columns: [])).addingCalendar(calendar)
        // Columns made by the library, not read from the data: a constant one there is no news
        // (a weekday column has no seasonal change at period 7, a static none at all).
        let madeColumns = staticColumns.lowerBound..<(1 + panel.featureNames.count)
        let usesDecoder = switch options.decoder {
        case .mlp: true
        case .none: false
        case .automatic: options.strategy == .direct && (futureCount > 0 || !calendar.isEmpty || staticEncoding != nil)
        }
        let decoder = usesDecoder ? ModelConfiguration.DecoderSettings(contextSize: options.decoderContextSize, hiddenSize: options.decoderHiddenSize) : nil
        let decoderColumns = usesDecoder ? (1 + features.count)..<(1 + panel.featureNames.count) : 0..<0
        let start = Date()
        let names = [panel.targetName] + panel.featureNames
        let outputs = options.strategy == .direct ? options.horizon : 1
        // A quantile head outputs each quantile of every step (quantile-major); targets stay `outputs` wide.
        let quantiles = options.quantileLevels.map(PredictionInterval.quantiles(levels:))
        let objective = quantiles.map { Objective.pinball(PinballLoss(quantiles: $0.map(Float.init))) } ?? .point(options.loss)
        var warnings: [String] = []
        let period = options.season ?? panel.time?.frequency?.seasonalPeriod ?? 1

        // Splits and scaling: nothing at or after a series' training end reaches its statistics.
        var splits: [Split] = [], scaled: [[[Float]]] = [], modelScaler: Scaler
        if panel.hasIDs {
            for (index, series) in panel.series.enumerated() {
                splits.append(try Split(panelSeriesOf: series.count, testSize: options.testSize, validationSize: options.validationSize,
                                        horizon: options.horizon, file: panel.source, series: panel.describe(index)))
            }
            var constantSeries = 0
            for (series, split) in zip(panel.series, splits) {
                var (scaler, constant) = Scaler.fit(options.scaling, columns: series.columns, count: max(split.trainEnd, 1), season: period)
                scaler = scaler.leavingUnscaled(staticColumns)
                if constant.contains(where: { !madeColumns.contains($0) }) { constantSeries += 1 }
                scaled.append(series.columns.indices.map { scaler.transform(series.columns[$0], column: $0) })
            }
            modelScaler = Scaler(method: options.scaling, center: names.map { _ in 0 }, scale: names.map { _ in 1 })
            if constantSeries > 0 {
                warnings.append("\(panel.source): \(constantSeries) series have a column that is constant over their training part; it is shifted but not scaled")
            }
            let padded = splits.count { $0.trainEnd < options.lookback + outputs }
            let untrained = splits.count { $0.trainEnd < outputs + 1 }
            if padded > 0 {
                warnings.append("\(panel.source): \(padded) of \(panel.count) series have fewer than lookback \(options.lookback) + \(outputs) training points; their windows are padded with their first value"
                                + (untrained > 0 ? " (\(untrained) too short to train on at all: they are forecast from a padded window)" : ""))
            }
        } else {
            let series = panel.series[0]
            let split = try Split(count: series.count, testSize: options.testSize, validationSize: options.validationSize,
                                  lookback: options.lookback, horizon: options.horizon, file: series.source)
            splits = [split]
            var (scaler, constant) = Scaler.fit(options.scaling, columns: series.columns, count: split.trainEnd, season: period)
            scaler = scaler.leavingUnscaled(staticColumns)
            warnings += constant.filter { !madeColumns.contains($0) }.map { "\(series.source): column '\(names[$0])' is constant over the training part; it is shifted but not scaled" }
            scaled = [series.columns.indices.map { scaler.transform(series.columns[$0], column: $0) }]
            modelScaler = scaler
        }

        var normalization = WindowNormalization(method: options.normalization, period: period)
        var anchorErrors: [(method: WindowNormalization.Method, error: Double)] = []
        if options.choosesNormalization && options.validatedNormalizations.isEmpty {
            let generator = SeededGenerator(seed: options.seed &+ 0xA4C408)
            anchorErrors = TrainingOptions.normalizationCandidates.map { method in
                let candidate = WindowSet(series: scaled, lookback: options.lookback, horizon: options.horizon,
                                          targetRanges: splits.map(\.training), normalization: WindowNormalization(method: method, period: period),
                                          padsShortSeries: panel.hasIDs)
                var sampler = generator
                return (method, meanAbsoluteTarget(of: candidate, sample: sample(candidate.count, atMost: 8192, using: &sampler)))
            }
            if let best = anchorErrors.min(by: { $0.error < $1.error }) { normalization = WindowNormalization(method: best.method, period: period) }
        }
        // With several normalisations to validate, each trains its own network; the one whose
        // network forecasts the validation windows best is kept (below, once the model can be built).
        let candidates = options.validatedNormalizations.isEmpty
            ? [normalization] : options.validatedNormalizations.map { WindowNormalization(method: $0, period: period) }
        normalization = candidates[0]
        func windows(_ ranges: [Range<Int>]) -> WindowSet {
            WindowSet(series: scaled, lookback: options.lookback, horizon: outputs, targetRanges: ranges,
                      normalization: normalization, padsShortSeries: panel.hasIDs, futureColumns: decoderColumns)
        }
        var training = windows(splits.map(\.training)), validation = windows(splits.map(\.validation))
        guard training.count > 0 else {
            throw DataError(.usage, file: panel.source, "no series has the \(outputs + 1) training points one window of horizon \(options.horizon) needs after its test and validation parts")
        }
        var sampler = SeededGenerator(seed: options.seed &+ 0x7A11D)
        let validationSample = sample(validation.count, atMost: options.validationWindows, using: &sampler)
        var clock = Clock(start: start)
        let choosesByValidation = candidates.count > 1 && validation.count > 0
        if candidates.count > 1 && validation.count == 0 {
            warnings.append("\(panel.source): no validation part to choose the normalisation on; \(normalization.method.rawValue) is used")
        }

        func makeNetwork() -> any ForecastNetwork {
            Self.makeNetwork(inputSize: names.count, futureSize: decoderColumns.count, options, decoder: decoder,
                             outputs: outputs, outputsPerStep: quantiles?.count ?? 1)
        }
        func trainingPhase(_ network: any ForecastNetwork, candidate number: Int = 0) -> Run {
            let candidate = choosesByValidation
                ? TrainingProgress.Candidate(normalization: normalization.method, number: number + 1, count: candidates.count) : nil
            return train(network, on: training, validation: validation.count > 0 ? (validation, validationSample) : nil, options: options,
                         objective: objective, phase: .training, epochs: options.epochs, maxSteps: options.maxSteps,
                         candidate: candidate, clock: &clock, progress: progress)
        }
        var network = makeNetwork()
        var run = trainingPhase(network)
        if !choosesByValidation, let divergence = run.divergence { throw divergence.error(file: panel.source, options: options) }
        func configuration(_ intervals: ConformalCalibration?, _ combination: ForecastCombination?,
                           _ seriesCombinations: [String: ForecastCombination]?) -> ModelConfiguration {
            ModelConfiguration(
                model: .init(inputSize: names.count, hiddenSize: options.hiddenSize, numLayers: options.layers,
                             outputSize: outputs * (quantiles?.count ?? 1), dropout: options.dropout, cell: options.cell),
                lookback: options.lookback, horizon: options.horizon, target: panel.targetName, features: features,
                scaling: modelScaler, windowNormalization: normalization, strategy: options.strategy,
                frequency: panel.time?.frequency,
                training: .init(epochs: options.epochs, batchSize: options.batchSize, learningRate: options.learningRate,
                                loss: quantiles == nil ? options.loss.rawValue : "pinball", optimizer: "adam", seed: options.seed,
                                testSize: panel.hasIDs ? options.testSize.count : splits[0].test.count,
                                validationSize: panel.hasIDs ? nil : splits[0].validation.count, bestEpoch: run.bestEpoch,
                                maxSteps: training.count > options.windowsPerEpoch || run.reachedStepLimit ? options.maxSteps : nil,
                                windowsPerEpoch: training.count > options.windowsPerEpoch ? options.windowsPerEpoch : nil),
                panel: panel.idName.map { .init(idColumn: $0, seriesCount: panel.count) }, conformalIntervals: intervals,
                quantileLevels: options.quantileLevels, combination: combination, calendar: calendar,
                futureFeatures: options.futureFeatures, staticFeatures: staticEncoding, decoder: decoder,
                seriesCombinations: seriesCombinations)
        }
        func model(_ network: any ForecastNetwork, intervals: ConformalCalibration?, combination: ForecastCombination? = nil,
                   seriesCombinations: [String: ForecastCombination]? = nil) -> ForecastModel {
            do {
                return try ForecastModel(configuration: configuration(intervals, combination, seriesCombinations), network: network)
            } catch {
                preconditionFailure("the trainer built an inconsistent model: \(error)")
            }
        }
        // The normalisation chosen by validation: each candidate's network of the best epoch
        // forecasts the validation windows (the same windows, in the data's units, whatever the
        // normalisation), and the lowest mean absolute scaled error keeps its network.
        var normalizationErrors: [(method: WindowNormalization.Method, error: Double)] = []
        if choosesByValidation {
            // A network that diverged, or forecasts a non-finite value, never wins.
            func validationError() -> Double {
                guard run.divergence == nil else { return .infinity }
                if let weights = run.bestWeights { try! network.loadStateDict(weights) }  // the same network's own tensors
                network.isTraining = false
                guard quantiles == nil else {
                    // A quantile head: its validation loss, in the same scaled units for every
                    // candidate that only shifts its windows (`problems` refuses `revin` among them).
                    return run.history.first { $0.epoch == run.bestEpoch }?.validationLoss ?? .infinity
                }
                let measured = model(network, intervals: nil).validationForecasts(
                    panel.series, validation: splits.map(\.validation), trainEnds: splits.map(\.trainEnd), season: period)
                return measured?.table.memberErrors.first { $0.member == .network }?.error ?? .infinity
            }
            var best = (normalization: normalization, training: training, validation: validation, network: network, run: run,
                        error: validationError())
            normalizationErrors.append((normalization.method, best.error))
            for (number, candidate) in candidates.enumerated().dropFirst() {
                normalization = candidate
                training = windows(splits.map(\.training))
                validation = windows(splits.map(\.validation))
                network = makeNetwork()
                run = trainingPhase(network, candidate: number)
                let error = validationError()
                normalizationErrors.append((candidate.method, error))
                if error < best.error { best = (normalization, training, validation, network, run, error) }
            }
            (normalization, training, validation, network, run) = (best.normalization, best.training, best.validation, best.network, best.run)
            // Every candidate diverged: the kept (first) one's divergence is the error.
            if let divergence = run.divergence { throw divergence.error(file: panel.source, options: options) }
        }
        let bestEpoch = run.bestEpoch
        // The fallback: the network of the best epoch, trained without the validation windows,
        // and the simple forecasters forecast them; the combination is chosen on their errors.
        // For a panel each series also gets its own, its evidence shrunk towards the pooled one.
        var combination: ForecastCombination?, validationForecasts: ValidationForecasts?
        var seriesCombinations: [String: ForecastCombination]?
        let perSeries = options.fallbackChoosesPerSeries(for: panel)
        if options.usesFallback(for: panel) && quantiles == nil && validation.count > 0 {
            if let weights = run.bestWeights { try! network.loadStateDict(weights) }  // the same network's own tensors
            network.isTraining = false
            if let measured = model(network, intervals: nil).validationForecasts(
                panel.series, validation: splits.map(\.validation), trainEnds: splits.map(\.trainEnd), season: period, perSeries: perSeries) {
                validationForecasts = measured.table
                combination = ForecastCombination.choose(on: measured.table, tolerance: options.fallbackTolerance, season: period,
                                                         holtWinters: measured.holtWinters,
                                                         networkGate: panel.count == 1 ? options.fallbackNetworkGate : nil,
                                                         seasonalNaiveShare: panel.count == 1 ? options.fallbackSeasonalNaiveShare : nil)
                if perSeries && combination != nil {
                    let chosen = ForecastCombination.choosePerSeries(on: measured.table, tolerance: options.fallbackTolerance,
                                                                     prior: options.fallbackSeriesPrior, season: period,
                                                                     seasonalNaiveShare: options.fallbackSeriesSeasonalNaiveShare)
                    seriesCombinations = Dictionary(uniqueKeysWithValues: chosen.map { (panel.ids[$0.key], $0.value) })
                }
            }
        }
        let ids = panel.hasIDs ? panel.ids : nil
        // Conformal intervals: the same windows' errors of the final (combined) forecast, per
        // step, make the intervals of the final model.
        var calibration: ConformalCalibration?
        if options.intervals == .conformal && validation.count > 0 {
            if let weights = run.bestWeights { try! network.loadStateDict(weights) }  // the same network's own tensors
            network.isTraining = false
            calibration = model(network, intervals: nil, combination: combination, seriesCombinations: seriesCombinations)
                .conformalCalibration(panel.series, validation: splits.map(\.validation), scale: options.intervalScale,
                                      scaleLag: options.intervalScaleLag, scaleWindow: options.intervalScaleWindow, ids: ids)
        }
        var refitted = false
        if options.refit && validation.count > 0 {
            // A new network from the same seed, on every window before the test part, for as many
            // epochs as validation chose, with the same learning rates.
            network = makeNetwork()
            let all = windows(splits.map { 0..<$0.validationEnd })
            var refitOptions = options
            refitOptions.patience = nil
            let averaged = options.weightAveraging > 0 ? max(1, Int(Double(bestEpoch) * options.weightAveraging)) : 0
            let refit = train(network, on: all, validation: nil, options: refitOptions, objective: objective, phase: .refitting, epochs: bestEpoch, maxSteps: nil,
                              learningRates: run.history.map(\.learningRate), averageLast: averaged, clock: &clock, progress: progress)
            if let divergence = refit.divergence { throw divergence.error(file: panel.source, options: options) }
            refitted = true
        } else if let weights = run.bestWeights {
            try! network.loadStateDict(weights)  // the same network's own tensors: cannot mismatch
        }
        network.isTraining = false
        if !Divergence.isFinite(network) {
            throw Divergence(phase: refitted ? .refitting : .training).error(file: panel.source, options: options)
        }

        let model = model(network, intervals: calibration, combination: combination, seriesCombinations: seriesCombinations)
        return TrainingResult(model: model, history: run.history, bestEpoch: bestEpoch, refitted: refitted, splits: splits,
                              seconds: Date().timeIntervalSince(start), stoppedEarly: run.stoppedEarly,
                              reachedStepLimit: run.reachedStepLimit, steps: run.steps, anchorErrors: anchorErrors,
                              normalizationErrors: normalizationErrors, warnings: warnings,
                              validation: validationForecasts)
    }

    /// The mean absolute normalised target of the windows at `sample`: how far each window's
    /// anchor is from what follows it, in the window's scaled units.
    static func meanAbsoluteTarget(of windows: WindowSet, sample: [Int]) -> Double {
        guard !sample.isEmpty else { return .infinity }
        var sum = 0.0, count = 0
        for start in stride(from: 0, to: sample.count, by: 512) {
            let (_, target, _) = windows.batch(sample[start..<min(start + 512, sample.count)])
            for value in target.scalars { sum += Double(abs(value)) }
            count += target.scalars.count
        }
        return sum / Double(count)
    }

    /// `0 ..< count` when it holds at most `limit` indices, else `limit` of them drawn at random, in order.
    static func sample(_ count: Int, atMost limit: Int, using generator: inout SeededGenerator) -> [Int] {
        guard count > limit else { return Array(0..<count) }
        var indices = Array(0..<count)
        for i in 0..<limit {
            let j = i + Int(generator.next() % UInt64(count - i))
            indices.swapAt(i, j)
        }
        return indices[..<limit].sorted()
    }

    /// The tutorial's network, or with `decoder` the encoder–decoder whose decoder reads
    /// `futureSize` known-ahead columns at each of the `outputs` steps.
    private static func makeNetwork(inputSize: Int, futureSize: Int, _ options: TrainingOptions, decoder: ModelConfiguration.DecoderSettings?,
                                    outputs: Int, outputsPerStep: Int) -> any ForecastNetwork {
        guard let decoder else {
            return makeForecastNetwork(cell: options.cell, inputSize: inputSize, hiddenSize: options.hiddenSize, numLayers: options.layers,
                                       outputSize: outputs * outputsPerStep, dropout: options.dropout, seed: options.seed)
        }
        return EncoderDecoderModel(cell: options.cell, inputSize: inputSize, futureSize: futureSize, hiddenSize: options.hiddenSize,
                                   numLayers: options.layers, horizon: outputs, outputsPerStep: outputsPerStep,
                                   contextSize: decoder.contextSize, decoderHiddenSize: decoder.hiddenSize,
                                   dropout: options.dropout, seed: options.seed)
    }

    /// Counts windows and time across both phases, for the progress reports.
    private struct Clock {
        let start: Date
        var windows = 0
        var elapsed: Double { Date().timeIntervalSince(start) }
        var rate: Double { Double(windows) / max(elapsed, 1e-9) }
    }

    private struct Run {
        var history: [EpochRecord] = []
        var bestEpoch = 0
        var bestWeights: [(name: String, tensor: Tensor)]?
        var stoppedEarly = false
        var reachedStepLimit = false
        var steps = 0
        /// Set when a batch's loss was NaN or infinite; training stopped there.
        var divergence: Divergence?
    }

    /// Up to `epochs` epochs of shuffled batches; with validation, tracks the best epoch and stops
    /// after `patience` epochs without improvement. `learningRates` replays a schedule recorded
    /// earlier. With `averageLast` > 0 the network ends with the mean of its weights after each of
    /// the last `averageLast` epochs (stochastic weight averaging; Izmailov et al., 2018).
    private static func train(_ network: any ForecastNetwork, on windows: WindowSet, validation: (windows: WindowSet, sample: [Int])?,
                              options: TrainingOptions, objective: Objective, phase: TrainingProgress.Phase, epochs: Int, maxSteps: Int?,
                              learningRates: [Float]? = nil, averageLast: Int = 0, candidate: TrainingProgress.Candidate? = nil,
                              clock: inout Clock, progress: (TrainingProgress) -> Void) -> Run {
        var average: [(name: String, tensor: Tensor)] = [], averaged = 0
        defer {
            if averaged > 0 { try! network.loadStateDict(average) }  // the same network's own tensors: cannot mismatch
        }
        let optimizer = Adam(parameters: network.parameters, learningRate: options.learningRate, weightDecay: options.weightDecay)
        var schedule = BatchSchedule(seed: options.seed &+ 0x5EED)
        var run = Run()
        var bestLoss = Double.infinity, lastImprovement = 0, learningRate = options.learningRate
        let perEpoch = min(windows.count, options.windowsPerEpoch)
        let batchesPerEpoch = (perEpoch + options.batchSize - 1) / options.batchSize
        guard epochs > 0 else { return run }
        for epoch in 1...epochs {
            switch (learningRates, options.learningRateSchedule) {
            case (let rates?, _): learningRate = rates[min(epoch - 1, rates.count - 1)]
            case (nil, .cosine): learningRate = options.learningRate * Float(0.5 * (1 + cos(Double.pi * Double(epoch - 1) / Double(epochs))))
            case (nil, .plateau):
                if epoch - lastImprovement > 10 && learningRate > options.learningRate * 1e-3 {
                    learningRate *= 0.5
                    lastImprovement = epoch - 1
                }
            case (nil, .none): break
            }
            optimizer.learningRate = learningRate
            network.isTraining = true
            var lossSum = 0.0, seen = 0
            let batches = schedule.epoch(count: windows.count, batchSize: options.batchSize, limit: options.windowsPerEpoch)
            for (number, indices) in batches.enumerated() {
                let (input, target, _) = windows.batch(indices)
                let loss = network.trainStep(input: Tensor(input), future: windows.futureColumns.isEmpty ? nil : Tensor(windows.future(indices)),
                                             target: Tensor(target), optimizer: optimizer,
                                             clipNorm: options.clipNorm, loss: objective.evaluate)
                guard loss.isFinite else {
                    run.divergence = Divergence(phase: phase, epoch: epoch, batch: number + 1)
                    return run
                }
                run.steps += 1
                lossSum += Double(loss) * Double(indices.count)
                seen += indices.count
                clock.windows += indices.count
                let done = Double(epoch - 1) + Double(number + 1) / Double(batches.count)
                progress(TrainingProgress(
                    phase: phase, epoch: epoch, epochs: epochs, batch: number + 1, batches: batchesPerEpoch,
                    trainingLoss: lossSum / Double(seen), validationLoss: run.history.last?.validationLoss,
                    windowsPerSecond: clock.rate, elapsed: clock.elapsed,
                    remaining: Double(perEpoch) * (Double(epochs) - done) / max(clock.rate, 1e-9), isEndOfEpoch: false,
                    candidate: candidate))
            }
            let validationLoss = validation.map { loss(of: network, on: $0.windows, indices: $0.sample, loss: objective) }
            run.history.append(EpochRecord(epoch: epoch, trainingLoss: lossSum / Double(max(seen, 1)),
                                           validationLoss: validationLoss, learningRate: learningRate))
            progress(TrainingProgress(
                phase: phase, epoch: epoch, epochs: epochs, batch: batches.count, batches: batchesPerEpoch,
                trainingLoss: lossSum / Double(max(seen, 1)), validationLoss: validationLoss,
                windowsPerSecond: clock.rate, elapsed: clock.elapsed,
                remaining: Double(perEpoch) * Double(epochs - epoch) / max(clock.rate, 1e-9), isEndOfEpoch: true,
                candidate: candidate))
            if epoch > epochs - averageLast {
                averaged += 1
                let weights = network.stateDict()
                average = averaged == 1 ? weights : zip(average, weights).map { mean, current in
                    (mean.name, Tensor(shape: mean.tensor.shape, scalars: zip(mean.tensor.scalars, current.tensor.scalars).map {
                        $0 + ($1 - $0) / Float(averaged)
                    }))
                }
            }
            let outOfSteps = maxSteps.map { run.steps >= $0 } ?? false
            guard validationLoss != nil else {
                run.bestEpoch = epoch
                if outOfSteps { run.reachedStepLimit = epoch < epochs; break }
                continue
            }
            // The epoch is chosen on the mean of the last few validation losses: with few validation
            // windows a single epoch's loss is noisy, and a lucky minimum picks a poor epoch count.
            let recent = run.history.suffix(validationSmoothing).compactMap(\.validationLoss)
            let smoothed = recent.reduce(0, +) / Double(recent.count)
            if smoothed < bestLoss {
                bestLoss = smoothed
                lastImprovement = epoch
                run.bestEpoch = epoch
                run.bestWeights = network.stateDict()
            } else if let patience = options.patience, epoch - run.bestEpoch >= patience {
                run.stoppedEarly = epoch < epochs
                break
            }
            if outOfSteps {
                run.reachedStepLimit = epoch < epochs
                break
            }
        }
        return run
    }

    /// What training minimises: a point loss, or the pinball loss of a quantile head.
    enum Objective {
        case point(Loss)
        case pinball(PinballLoss)

        func evaluate(prediction: Tensor, target: Tensor) -> (value: Float, gradient: Tensor) {
            switch self {
            case .point(let loss): loss.evaluate(prediction: prediction, target: target)
            case .pinball(let loss): loss.evaluate(prediction: prediction, target: target)
            }
        }
    }

    /// How many epochs' validation losses are averaged to choose the best epoch.
    static let validationSmoothing = 5

    /// The mean loss over the windows at `indices` (every window when nil), in inference mode,
    /// batched to bound memory.
    static func loss(of network: any ForecastNetwork, on windows: WindowSet, indices: [Int]? = nil, loss: Objective) -> Double {
        let wasTraining = network.isTraining
        network.isTraining = false
        defer { network.isTraining = wasTraining }
        let chosen = indices ?? Array(0..<windows.count)
        var sum = 0.0
        for start in stride(from: 0, to: chosen.count, by: 256) {
            let batch = chosen[start..<min(start + 256, chosen.count)]
            let (input, target, _) = windows.batch(batch)
            let future = windows.futureColumns.isEmpty ? nil : Tensor(windows.future(batch))
            sum += Double(loss.evaluate(prediction: network.forward(Tensor(input), future: future), target: Tensor(target)).value) * Double(batch.count)
        }
        return sum / Double(chosen.count)
    }
}

extension Tensor {
    /// The tensor of a data-layer array (the same shape and values).
    public init(_ array: ShapedArray) {
        self.init(shape: array.shape, scalars: array.scalars)
    }
}
