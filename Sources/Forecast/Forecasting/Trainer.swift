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
    /// The split of the series used.
    public var split: Split
    /// Wall-clock seconds.
    public var seconds: Double
    /// Whether early stopping ended training before the last epoch.
    public var stoppedEarly: Bool
    /// Things the user should know (constant columns…).
    public var warnings: [String]

    /// The best validation loss, if there was a validation part.
    public var bestValidationLoss: Double? { history.first { $0.epoch == bestEpoch }?.validationLoss }
}

/// Trains the tutorial's LSTM on a series, on sliding windows, without letting the test part reach
/// the scaler or the optimiser.
public enum Trainer {
    /// Splits the series chronologically, fits the scaler on the training part, trains on shuffled
    /// batches of normalised training windows with Adam, stops early on the validation loss, and
    /// (with `refit`) trains a new network from the same seed on training + validation windows for
    /// the best number of epochs.
    ///
    /// - Parameter progress: called after every batch.
    /// - Throws: ``DataError`` (usage) when the options do not fit the series.
    public static func fit(_ series: TimeSeries, options: TrainingOptions,
                           progress: (TrainingProgress) -> Void = { _ in }) throws(DataError) -> TrainingResult {
        if let problem = options.problems.first { throw DataError(.usage, file: series.source, problem) }
        if options.strategy == .recursive && !series.featureNames.isEmpty {
            throw DataError(.usage, file: series.source, "the recursive strategy cannot use features (their future values are unknown); use --strategy direct")
        }
        let start = Date()
        let split = try Split(count: series.count, testSize: options.testSize, validationSize: options.validationSize,
                              lookback: options.lookback, horizon: options.horizon, file: series.source)
        let (scaler, constant) = Scaler.fit(options.scaling, columns: series.columns, count: split.trainEnd)
        let names = [series.targetName] + series.featureNames
        let warnings = constant.map { "\(series.source): column '\(names[$0])' is constant over the training part; it is shifted but not scaled" }
        let scaled = series.columns.indices.map { scaler.transform(series.columns[$0], column: $0) }
        let period = options.season ?? series.time?.frequency?.seasonalPeriod ?? 1
        let normalization = WindowNormalization(method: options.normalization, period: period)
        let outputs = options.strategy == .direct ? options.horizon : 1
        func windows(_ range: Range<Int>) -> WindowSet {
            WindowSet(columns: scaled, lookback: options.lookback, horizon: outputs, targetRange: range, normalization: normalization)
        }
        let training = windows(split.training), validation = windows(split.validation)
        var clock = Clock(start: start)

        var network = makeNetwork(series, options, outputs: outputs)
        let run = train(network, on: training, validation: validation.count > 0 ? validation : nil, options: options,
                        phase: .training, epochs: options.epochs, clock: &clock, progress: progress)
        if let divergence = run.divergence { throw divergence.error(file: series.source, options: options) }
        let bestEpoch = run.bestEpoch
        var refitted = false
        if options.refit && validation.count > 0 {
            // A new network from the same seed, on every window before the test part, for as many
            // epochs as validation chose, with the same learning rates.
            network = makeNetwork(series, options, outputs: outputs)
            let all = windows(0..<split.validationEnd)
            var refitOptions = options
            refitOptions.patience = nil
            let averaged = options.weightAveraging > 0 ? max(1, Int(Double(bestEpoch) * options.weightAveraging)) : 0
            let refit = train(network, on: all, validation: nil, options: refitOptions, phase: .refitting, epochs: bestEpoch,
                              learningRates: run.history.map(\.learningRate), averageLast: averaged, clock: &clock, progress: progress)
            if let divergence = refit.divergence { throw divergence.error(file: series.source, options: options) }
            refitted = true
        } else if let weights = run.bestWeights {
            try! network.loadStateDict(weights)  // the same network's own tensors: cannot mismatch
        }
        network.isTraining = false
        if !Divergence.isFinite(network) {
            throw Divergence(phase: refitted ? .refitting : .training).error(file: series.source, options: options)
        }

        let configuration = ModelConfiguration(
            model: .init(inputSize: series.columns.count, hiddenSize: options.hiddenSize, numLayers: options.layers,
                         outputSize: outputs, dropout: options.dropout),
            lookback: options.lookback, horizon: options.horizon, target: series.targetName, features: series.featureNames,
            scaling: scaler, windowNormalization: normalization, strategy: options.strategy,
            frequency: series.time?.frequency,
            training: .init(epochs: options.epochs, batchSize: options.batchSize, learningRate: options.learningRate,
                            loss: options.loss.rawValue, optimizer: "adam", seed: options.seed,
                            testSize: split.test.count, validationSize: split.validation.count, bestEpoch: bestEpoch))
        let model: ForecastModel
        do {
            model = try ForecastModel(configuration: configuration, network: network)
        } catch {
            preconditionFailure("the trainer built an inconsistent model: \(error)")
        }
        return TrainingResult(model: model, history: run.history, bestEpoch: bestEpoch, refitted: refitted, split: split,
                              seconds: Date().timeIntervalSince(start), stoppedEarly: run.stoppedEarly, warnings: warnings)
    }

    private static func makeNetwork(_ series: TimeSeries, _ options: TrainingOptions, outputs: Int) -> LSTMModel {
        LSTMModel(inputSize: series.columns.count, hiddenSize: options.hiddenSize, numLayers: options.layers,
                  outputSize: outputs, dropout: options.dropout, seed: options.seed)
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
        /// Set when a batch's loss was NaN or infinite; training stopped there.
        var divergence: Divergence?
    }

    /// Up to `epochs` epochs of shuffled batches; with validation, tracks the best epoch and stops
    /// after `patience` epochs without improvement. `learningRates` replays a schedule recorded
    /// earlier. With `averageLast` > 0 the network ends with the mean of its weights after each of
    /// the last `averageLast` epochs (stochastic weight averaging; Izmailov et al., 2018).
    private static func train(_ network: LSTMModel, on windows: WindowSet, validation: WindowSet?, options: TrainingOptions,
                              phase: TrainingProgress.Phase, epochs: Int, learningRates: [Float]? = nil, averageLast: Int = 0,
                              clock: inout Clock, progress: (TrainingProgress) -> Void) -> Run {
        var average: [(name: String, tensor: Tensor)] = [], averaged = 0
        defer {
            if averaged > 0 { try! network.loadStateDict(average) }  // the same network's own tensors: cannot mismatch
        }
        let optimizer = Adam(parameters: network.parameters, learningRate: options.learningRate, weightDecay: options.weightDecay)
        var schedule = BatchSchedule(seed: options.seed &+ 0x5EED)
        var run = Run()
        var bestLoss = Double.infinity, lastImprovement = 0, learningRate = options.learningRate
        let batchesPerEpoch = (windows.count + options.batchSize - 1) / options.batchSize
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
            let batches = schedule.epoch(count: windows.count, batchSize: options.batchSize)
            for (number, indices) in batches.enumerated() {
                let (input, target, _) = windows.batch(indices)
                let loss = network.trainStep(input: input, target: target, loss: options.loss, optimizer: optimizer,
                                             clipNorm: options.clipNorm)
                guard loss.isFinite else {
                    run.divergence = Divergence(phase: phase, epoch: epoch, batch: number + 1)
                    return run
                }
                lossSum += Double(loss) * Double(indices.count)
                seen += indices.count
                clock.windows += indices.count
                let done = Double(epoch - 1) + Double(number + 1) / Double(batches.count)
                progress(TrainingProgress(
                    phase: phase, epoch: epoch, epochs: epochs, batch: number + 1, batches: batchesPerEpoch,
                    trainingLoss: lossSum / Double(seen), validationLoss: run.history.last?.validationLoss,
                    windowsPerSecond: clock.rate, elapsed: clock.elapsed,
                    remaining: Double(windows.count) * (Double(epochs) - done) / max(clock.rate, 1e-9), isEndOfEpoch: false))
            }
            let validationLoss = validation.map { loss(of: network, on: $0, loss: options.loss) }
            run.history.append(EpochRecord(epoch: epoch, trainingLoss: lossSum / Double(max(seen, 1)),
                                           validationLoss: validationLoss, learningRate: learningRate))
            progress(TrainingProgress(
                phase: phase, epoch: epoch, epochs: epochs, batch: batches.count, batches: batchesPerEpoch,
                trainingLoss: lossSum / Double(max(seen, 1)), validationLoss: validationLoss,
                windowsPerSecond: clock.rate, elapsed: clock.elapsed,
                remaining: Double(windows.count) * Double(epochs - epoch) / max(clock.rate, 1e-9), isEndOfEpoch: true))
            if epoch > epochs - averageLast {
                averaged += 1
                let weights = network.stateDict()
                average = averaged == 1 ? weights : zip(average, weights).map { mean, current in
                    (mean.name, Tensor(shape: mean.tensor.shape, scalars: zip(mean.tensor.scalars, current.tensor.scalars).map {
                        $0 + ($1 - $0) / Float(averaged)
                    }))
                }
            }
            guard validationLoss != nil else {
                run.bestEpoch = epoch
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
        }
        return run
    }

    /// How many epochs' validation losses are averaged to choose the best epoch.
    static let validationSmoothing = 5

    /// The mean loss over every window, in inference mode, batched to bound memory.
    static func loss(of network: LSTMModel, on windows: WindowSet, loss: Loss) -> Double {
        let wasTraining = network.isTraining
        network.isTraining = false
        defer { network.isTraining = wasTraining }
        var sum = 0.0
        for start in stride(from: 0, to: windows.count, by: 256) {
            let indices = start..<min(start + 256, windows.count)
            let (input, target, _) = windows.batch(indices)
            sum += Double(loss.evaluate(prediction: network.forward(input), target: target).value) * Double(indices.count)
        }
        return sum / Double(windows.count)
    }
}
