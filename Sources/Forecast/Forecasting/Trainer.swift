import Foundation
import ForecastData

/// Where training is, reported to a progress callback after every batch.
public struct TrainingProgress: Sendable {
    /// The current epoch, from 1.
    public var epoch: Int
    /// The maximum number of epochs.
    public var epochs: Int
    /// The batch just finished, from 1.
    public var batch: Int
    /// Batches per epoch.
    public var batches: Int
    /// The mean training loss of the epoch so far (scaled units).
    public var trainingLoss: Double
    /// The validation loss of the last finished epoch, if there is a validation part.
    public var validationLoss: Double?
    /// Training windows processed per second since training began.
    public var windowsPerSecond: Double
    /// Seconds since training began.
    public var elapsed: Double
    /// Estimated seconds to the last epoch.
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
}

/// A trained model and how training went.
public struct TrainingResult {
    /// The model, with the best weights (lowest validation loss) when there was a validation part.
    public var model: ForecastModel
    /// One record per epoch run.
    public var history: [EpochRecord]
    /// The epoch whose weights the model holds.
    public var bestEpoch: Int
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
    /// batches of training windows with Adam, keeps the weights of the epoch with the lowest
    /// validation loss, and returns the model.
    ///
    /// - Parameter progress: called after every batch.
    /// - Throws: ``DataError`` (usage) when the options do not fit the series.
    public static func fit(_ series: TimeSeries, options: TrainingOptions,
                           progress: (TrainingProgress) -> Void = { _ in }) throws(DataError) -> TrainingResult {
        if let problem = options.problems.first { throw DataError(.usage, file: series.source, problem) }
        let start = Date()
        let split = try Split(count: series.count, testSize: options.testSize, validationSize: options.validationSize,
                              lookback: options.lookback, horizon: options.horizon, file: series.source)
        let (scaler, constant) = Scaler.fit(options.scaling, columns: series.columns, count: split.trainEnd)
        let names = [series.targetName] + series.featureNames
        let warnings = constant.map { "\(series.source): column '\(names[$0])' is constant over the training part; it is shifted but not scaled" }
        let scaled = series.columns.indices.map { scaler.transform(series.columns[$0], column: $0) }
        let training = WindowSet(columns: scaled, lookback: options.lookback, horizon: options.horizon, targetRange: split.training)
        let validation = WindowSet(columns: scaled, lookback: options.lookback, horizon: options.horizon, targetRange: split.validation)

        let network = LSTMModel(inputSize: series.columns.count, hiddenSize: options.hiddenSize, numLayers: options.layers,
                                outputSize: options.horizon, dropout: options.dropout, seed: options.seed)
        let optimizer = Adam(parameters: network.parameters, learningRate: options.learningRate, weightDecay: options.weightDecay)
        var schedule = BatchSchedule(seed: options.seed &+ 0x5EED)
        var history: [EpochRecord] = []
        var best: (epoch: Int, loss: Double, weights: [(name: String, tensor: Tensor)])?
        var stoppedEarly = false
        let batchesPerEpoch = (training.count + options.batchSize - 1) / options.batchSize
        var windowsSeen = 0

        for epoch in 1...options.epochs {
            network.isTraining = true
            var lossSum = 0.0
            let batches = schedule.epoch(count: training.count, batchSize: options.batchSize)
            for (number, indices) in batches.enumerated() {
                let (input, target) = training.batch(indices)
                let loss = network.trainStep(input: input, target: target, loss: options.loss, optimizer: optimizer,
                                             clipNorm: options.clipNorm)
                lossSum += Double(loss) * Double(indices.count)
                windowsSeen += indices.count
                let elapsed = Date().timeIntervalSince(start)
                let done = Double(epoch - 1) + Double(number + 1) / Double(batches.count)
                progress(TrainingProgress(
                    epoch: epoch, epochs: options.epochs, batch: number + 1, batches: batchesPerEpoch,
                    trainingLoss: lossSum / Double(batches[...number].reduce(0) { $0 + $1.count }),
                    validationLoss: history.last?.validationLoss,
                    windowsPerSecond: Double(windowsSeen) / max(elapsed, 1e-9), elapsed: elapsed,
                    remaining: elapsed / done * (Double(options.epochs) - done), isEndOfEpoch: false))
            }
            let validationLoss = validation.count > 0 ? Self.loss(of: network, on: validation, loss: options.loss) : nil
            let record = EpochRecord(epoch: epoch, trainingLoss: lossSum / Double(training.count), validationLoss: validationLoss)
            history.append(record)
            let elapsed = Date().timeIntervalSince(start)
            progress(TrainingProgress(
                epoch: epoch, epochs: options.epochs, batch: batches.count, batches: batchesPerEpoch,
                trainingLoss: record.trainingLoss, validationLoss: validationLoss,
                windowsPerSecond: Double(windowsSeen) / max(elapsed, 1e-9), elapsed: elapsed,
                remaining: elapsed / Double(epoch) * Double(options.epochs - epoch), isEndOfEpoch: true))
            if let validationLoss {
                if best == nil || validationLoss < best!.loss {
                    best = (epoch, validationLoss, network.stateDict())
                } else if let patience = options.patience, epoch - best!.epoch >= patience {
                    stoppedEarly = epoch < options.epochs
                    break
                }
            }
        }
        if let best { try! network.loadStateDict(best.weights) }  // the same model's own tensors: cannot mismatch
        network.isTraining = false

        let configuration = ModelConfiguration(
            model: .init(inputSize: series.columns.count, hiddenSize: options.hiddenSize, numLayers: options.layers,
                         outputSize: options.horizon, dropout: options.dropout),
            lookback: options.lookback, horizon: options.horizon, target: series.targetName, features: series.featureNames,
            scaling: scaler, frequency: series.time?.frequency,
            training: .init(epochs: options.epochs, batchSize: options.batchSize, learningRate: options.learningRate,
                            loss: options.loss.rawValue, optimizer: "adam", seed: options.seed))
        let model: ForecastModel
        do {
            model = try ForecastModel(configuration: configuration, network: network)
        } catch {
            preconditionFailure("the trainer built an inconsistent model: \(error)")
        }
        return TrainingResult(model: model, history: history, bestEpoch: best?.epoch ?? history.count, split: split,
                              seconds: Date().timeIntervalSince(start), stoppedEarly: stoppedEarly, warnings: warnings)
    }

    /// The mean loss over every window, in inference mode, batched to bound memory.
    static func loss(of network: LSTMModel, on windows: WindowSet, loss: Loss) -> Double {
        let wasTraining = network.isTraining
        network.isTraining = false
        defer { network.isTraining = wasTraining }
        var sum = 0.0
        for start in stride(from: 0, to: windows.count, by: 256) {
            let indices = start..<min(start + 256, windows.count)
            let (input, target) = windows.batch(indices)
            sum += Double(loss.evaluate(prediction: network.forward(input), target: target).value) * Double(indices.count)
        }
        return sum / Double(windows.count)
    }
}
