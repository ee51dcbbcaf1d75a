import Foundation
import Testing
import Forecast

// MARK: - Helpers

/// 60 points of a noisy-looking wave with a trend, and a temperature feature.
///
/// With ``tinyOptions(epochs:)`` the split is training [0, 42), validation [42, 50), test [50, 60).
private func wave(count: Int = 60) -> TimeSeries {
    let sales = (0..<count).map { (t: Int) -> Double in
        let x = Double(t)
        let wave = 3 * sin(x * 0.5), trend = 0.05 * x, wobble = 0.4 * cos(x * x * 0.7)
        return 10 + wave + trend + wobble
    }
    let temperature = (0..<count).map { (t: Int) -> Double in 20 + 2 * cos(Double(t) * 0.3) }
    return TimeSeries(source: "wave.csv", targetName: "sales", featureNames: ["temperature"], columns: [sales, temperature])
}

/// A tiny network and few epochs, so that a fit takes milliseconds.
private func tinyOptions(epochs: Int = 3) -> TrainingOptions {
    var options = TrainingOptions(lookback: 6, horizon: 2)
    options.hiddenSize = 4
    options.layers = 1
    options.epochs = epochs
    options.batchSize = 8
    options.learningRate = 0.01
    options.testSize = .count(10)
    options.validationSize = .count(8)
    options.seed = 7
    // The plain recipe: these tests check early stopping and best-weight keeping themselves;
    // the refit, weight averaging and window normalisation have tests of their own.
    options.refit = false
    options.normalization = .global
    return options
}

/// Each epoch's validation loss averaged with the (up to) 4 before it: what the best epoch is chosen on.
private func smoothedValidation(_ history: [EpochRecord]) -> [Double] {
    history.indices.map { i in
        let recent = history[max(0, i - 4)...i].map { $0.validationLoss! }
        return recent.reduce(0, +) / Double(recent.count)
    }
}

/// The model's weights, by name.
private func weights(_ result: TrainingResult) -> [String: Tensor] {
    Dictionary(uniqueKeysWithValues: result.model.network.stateDict().map { ($0.name, $0.tensor) })
}

/// `series` with the points in `range` of every column changed by `change`.
private func changing(_ series: TimeSeries, in range: Range<Int>, _ change: (Double) -> Double) -> TimeSeries {
    var changed = series
    for column in changed.columns.indices {
        for t in range { changed.columns[column][t] = change(changed.columns[column][t]) }
    }
    return changed
}

/// The error `Trainer.fit` throws, or nil when it trains.
private func fitError(_ series: TimeSeries, _ options: TrainingOptions) -> DataError? {
    do {
        _ = try Trainer.fit(series, options: options)
        return nil
    } catch {
        return error
    }
}

/// Training on windows: what reaches the scaler and the optimiser, determinism, best epoch, early stopping.
@Suite struct TrainerTests {
    // MARK: What training sees

    @Test func testScalerNeverSeesTestData() throws {
        let series = wave()
        let original = try Trainer.fit(series, options: tinyOptions())
        #expect(original.split.test == 50..<60)
        // Every test point of every column multiplied by 1000 (and shifted, so no sign is kept).
        let wild = changing(series, in: original.split.test) { $0 * 1000 - 7 }
        let changed = try Trainer.fit(wild, options: tinyOptions())

        #expect(changed.model.configuration.scaling == original.model.configuration.scaling)
        #expect(weights(changed) == weights(original))
        #expect(changed.history == original.history)
        #expect(changed.bestEpoch == original.bestEpoch)
        // The statistics are the training part's, recomputed here.
        let expected = Scaler.fit(.standard, columns: series.columns, count: original.split.trainEnd).scaler
        #expect(original.model.configuration.scaling == expected)
    }

    @Test func validationPartChangesValidationLossesButNotTheScalerOrTrainingLosses() throws {
        let series = wave()
        let original = try Trainer.fit(series, options: tinyOptions())
        let shifted = changing(series, in: original.split.validation) { $0 + 5 }
        let changed = try Trainer.fit(shifted, options: tinyOptions())

        #expect(changed.model.configuration.scaling == original.model.configuration.scaling)
        #expect(changed.history.map(\.trainingLoss) == original.history.map(\.trainingLoss))
        let before = original.history.compactMap(\.validationLoss), after = changed.history.compactMap(\.validationLoss)
        #expect(before.count == 3 && after.count == 3)
        #expect(zip(before, after).allSatisfy { $0 != $1 })
    }

    @Test func constantFeatureOverTheTrainingPartIsWarnedAboutAndNotScaled() throws {
        var series = wave()
        for t in 0..<42 { series.columns[1][t] = 18 }  // constant over training; varies afterwards
        let result = try Trainer.fit(series, options: tinyOptions(epochs: 1))
        #expect(result.model.configuration.scaling.scale[1] == 1)
        #expect(result.model.configuration.scaling.center[1] == 18)
        #expect(result.warnings == ["wave.csv: column 'temperature' is constant over the training part; it is shifted but not scaled"])
    }

    // MARK: Determinism and history

    @Test func trainingIsDeterministicForASeed() throws {
        let first = try Trainer.fit(wave(), options: tinyOptions())
        let second = try Trainer.fit(wave(), options: tinyOptions())
        #expect(weights(first) == weights(second))
        #expect(first.history == second.history)
        #expect(first.bestEpoch == second.bestEpoch)

        var otherSeed = tinyOptions()
        otherSeed.seed = 8
        let third = try Trainer.fit(wave(), options: otherSeed)
        #expect(weights(third) != weights(first))
        #expect(third.history != first.history)
    }

    @Test func historyHasOneRecordPerEpochAndTheModelHoldsTheBestEpoch() throws {
        let result = try Trainer.fit(wave(), options: tinyOptions(epochs: 6))
        #expect(result.history.count == 6)
        #expect(result.history.map(\.epoch) == Array(1...6))
        #expect(!result.stoppedEarly)
        #expect(result.history.allSatisfy { $0.trainingLoss.isFinite && $0.validationLoss != nil })

        let smoothed = smoothedValidation(result.history)
        #expect(result.bestEpoch == smoothed.firstIndex(of: smoothed.min()!)! + 1)
        let minimum = result.history[result.bestEpoch - 1].validationLoss!
        #expect(result.bestValidationLoss == minimum)

        // The returned weights give the best epoch's validation loss again: recompute it from the model alone.
        let scaling = result.model.configuration.scaling
        let scaled = wave().columns.indices.map { scaling.transform(wave().columns[$0], column: $0) }
        let windows = WindowSet(columns: scaled, lookback: 6, horizon: 2, targetRange: result.split.validation)
        let (input, target, _) = windows.batch(0..<windows.count)
        let loss = Loss.mse.evaluate(prediction: result.model.network.forward(Tensor(input)), target: Tensor(target)).value
        #expect(abs(Double(loss) - minimum) <= 1e-12 * max(1, minimum))
    }

    @Test func withoutValidationTheLastEpochIsKeptAndPatienceIsIgnored() throws {
        var options = tinyOptions(epochs: 4)
        options.validationSize = .count(0)
        options.patience = 1
        let result = try Trainer.fit(wave(), options: options)
        #expect(result.history.count == 4)
        #expect(result.history.allSatisfy { $0.validationLoss == nil })
        #expect(result.bestEpoch == 4)
        #expect(result.bestValidationLoss == nil)
        #expect(!result.stoppedEarly)
    }

    @Test func patienceStopsTrainingEarly() throws {
        // A large step makes the validation loss bounce, so it stops improving well before 40 epochs.
        var options = tinyOptions(epochs: 40)
        options.learningRate = 0.2
        options.patience = 2
        let result = try Trainer.fit(wave(), options: options)
        #expect(result.stoppedEarly)
        #expect(result.history.count < 40)
        // It stops exactly `patience` epochs after the best one, none of which improved on it.
        #expect(result.history.count == result.bestEpoch + 2)
        let smoothed = smoothedValidation(result.history)
        let best = smoothed[result.bestEpoch - 1]
        #expect(smoothed.suffix(2).allSatisfy { $0 >= best })
        #expect(smoothed.prefix(result.bestEpoch - 1).allSatisfy { $0 > best })
    }

    @Test func progressIsReportedAfterEveryBatchAndEveryEpoch() throws {
        var reports: [TrainingProgress] = []
        let result = try Trainer.fit(wave(), options: tinyOptions(epochs: 2)) { reports.append($0) }
        // 42 − 2 − 6 + 1 = 35 training windows: 5 batches of 8 (the last of 3) per epoch, then an end-of-epoch report.
        #expect(reports.count == 2 * (5 + 1))
        #expect(reports.filter(\.isEndOfEpoch).map(\.epoch) == [1, 2])
        #expect(reports.allSatisfy { $0.batches == 5 && $0.epochs == 2 })
        let endOfEpoch = reports.filter(\.isEndOfEpoch)
        #expect(endOfEpoch.map(\.trainingLoss) == result.history.map(\.trainingLoss))
        #expect(endOfEpoch.map(\.validationLoss) == result.history.map(\.validationLoss))
    }

    @Test func configurationDescribesTheSeriesAndTheOptions() throws {
        let result = try Trainer.fit(wave(), options: tinyOptions(epochs: 1))
        let configuration = result.model.configuration
        #expect(configuration.lookback == 6 && configuration.horizon == 2)
        #expect(configuration.target == "sales")
        #expect(configuration.features == ["temperature"])
        #expect(configuration.model == .init(inputSize: 2, hiddenSize: 4, numLayers: 1, outputSize: 2))
        #expect(configuration.problems.isEmpty)
        #expect(configuration.training?.seed == 7)
        #expect(!result.model.network.isTraining)
    }

    // MARK: Bad options

    /// One unusable option each, with a fragment of its sentence in `TrainingOptions.problems`.
    enum BadOption: String, CaseIterable, Sendable {
        case lookbackZero, horizonNegative, hiddenSizeZero, layersZero, dropoutOne, epochsZero, batchSizeZero
        case learningRateZero, learningRateNaN, weightDecayNegative, clipNormZero, patienceZero

        /// Breaks `options` and returns what the problem says.
        func apply(to options: inout TrainingOptions) -> String {
            switch self {
            case .lookbackZero: options.lookback = 0; return "the lookback must be at least 1 (got 0)"
            case .horizonNegative: options.horizon = -1; return "the horizon must be at least 1 (got -1)"
            case .hiddenSizeZero: options.hiddenSize = 0; return "the hidden size must be at least 1"
            case .layersZero: options.layers = 0; return "the number of layers must be at least 1"
            case .dropoutOne: options.dropout = 1; return "the dropout must be in [0, 1)"
            case .epochsZero: options.epochs = 0; return "the number of epochs must be at least 1"
            case .batchSizeZero: options.batchSize = 0; return "the batch size must be at least 1"
            case .learningRateZero: options.learningRate = 0; return "the learning rate must be positive"
            case .learningRateNaN: options.learningRate = .nan; return "the learning rate must be positive"
            case .weightDecayNegative: options.weightDecay = -0.1; return "the weight decay must not be negative"
            case .clipNormZero: options.clipNorm = 0; return "the clipping norm must be positive"
            case .patienceZero: options.patience = 0; return "the patience must be at least 1 epoch"
            }
        }
    }

    @Test(arguments: BadOption.allCases)
    func unusableOptionIsAProblemAndTrainerThrowsUsage(bad: BadOption) throws {
        var options = tinyOptions()
        #expect(options.problems.isEmpty)
        let sentence = bad.apply(to: &options)
        #expect(options.problems.count == 1)
        #expect(options.problems.first?.contains(sentence) == true)
        let error = try #require(fitError(wave(), options))
        #expect(error.kind == .usage)
        #expect(error.file == "wave.csv")
        #expect(error.message.contains(sentence))
    }

    @Test func everyProblemIsListedAndTheFirstIsThrown() throws {
        var options = tinyOptions()
        options.lookback = 0
        options.horizon = -1
        options.epochs = 0
        #expect(options.problems.count == 3)
        let error = try #require(fitError(wave(), options))
        #expect(error.message == options.problems[0])
    }

    @Test func seriesTooShortForTheWindowIsUsageErrorFromTheSplit() throws {
        var options = tinyOptions()
        options.lookback = 50
        let error = try #require(fitError(wave(), options))
        #expect(error.kind == .usage)
        #expect(error.message.contains("needs at least 52"))
    }
}

/// A forecaster made around a trained model trains a model like it again.
@Suite struct RetrainingOptionsTests {
    /// What the model records comes back in the options: the network (a GRU of 5 units), the window,
    /// the loss, the training settings, the normalisation and the fallback's gate; retraining with
    /// them on the same data gives the same model, configuration and forecasts bit for bit.
    @Test func aLoadedModelsForecasterTrainsTheSameModelAgain() throws {
        var options = TrainingOptions(lookback: 8, horizon: 3)
        options.cell = .gru
        options.hiddenSize = 5
        options.layers = 1
        options.epochs = 4
        options.batchSize = 8
        options.learningRate = 0.02
        options.loss = .huber
        options.seed = 11
        options.testSize = .count(9)
        options.validationSize = .count(12)
        options.normalization = .global
        let series = wave(count: 80)
        let first = Forecaster(options: options)
        try first.fit(Panel(series))
        let model = try #require(first.model)

        let again = Forecaster(model: model)
        let restored = again.options
        #expect(restored.cell == .gru && restored.hiddenSize == 5 && restored.layers == 1)
        #expect(restored.lookback == 8 && restored.horizon == 3 && restored.loss == .huber && restored.seed == 11)
        #expect(restored.epochs == 4 && restored.batchSize == 8 && restored.learningRate == 0.02)
        #expect(restored.testSize == .count(9) && restored.validationSize == .count(12) && restored.normalization == .global)
        #expect(restored.fallback == (model.configuration.combination != nil))
        #expect(restored.fallbackNetworkGate == model.configuration.combination?.networkGate)
        #expect(restored.fallbackSeasonalNaiveShare == model.configuration.combination?.seasonalNaiveShare)

        try again.fit(Panel(series))
        let retrained = try #require(again.model)
        #expect(retrained.configuration == model.configuration)
        let (a, b) = (try first.predict(Panel(series)), try again.predict(Panel(series)))
        #expect(a.forecasts[0].values.map(\.bitPattern) == b.forecasts[0].values.map(\.bitPattern))
    }

    /// Without the model's settings the retrained network would differ: the default options
    /// (hidden 64, two LSTM layers) train another model on the same data.
    @Test func theWindowAloneWouldTrainAnotherModel() throws {
        var options = TrainingOptions(lookback: 8, horizon: 3)
        options.hiddenSize = 5
        options.layers = 1
        options.epochs = 2
        options.testSize = .count(9)
        let first = Forecaster(options: options)
        try first.fit(Panel(wave(count: 80)))
        let model = try #require(first.model)
        let windowOnly = TrainingOptions(lookback: 8, horizon: 3)
        #expect(windowOnly.hiddenSize != TrainingOptions(retraining: model.configuration).hiddenSize)
        #expect(TrainingOptions(retraining: model.configuration).hiddenSize == 5)
    }
}

/// Forecasting past the end of a series: recursive blocks, future timestamps, and the usage errors.
@Suite struct ForecastPredictionTests {
    /// An untrained model (lookback 4, horizon 2) over 1 + `features.count` columns.
    static func model(features: [String] = []) throws -> ForecastModel {
        let columns = 1 + features.count
        let network = LSTMModel(inputSize: columns, hiddenSize: 5, numLayers: 1, outputSize: 2, seed: 21)
        network.isTraining = false
        let configuration = ModelConfiguration(
            model: .init(inputSize: columns, hiddenSize: 5, numLayers: 1, outputSize: 2), lookback: 4, horizon: 2,
            target: "passengers", features: features,
            scaling: Scaler(method: .standard, center: [Float](repeating: 120, count: columns),
                            scale: [Float](repeating: 15, count: columns)))
        return try ForecastModel(configuration: configuration, network: network)
    }

    /// Eight months of passengers, November 2023 to June 2024.
    static func monthly() throws -> TimeSeries {
        let text = "month,passengers\n2023-11,112\n2023-12,118\n2024-01,132\n2024-02,129\n2024-03,121\n2024-04,135\n2024-05,148\n2024-06,148\n"
        return try SeriesLoader.load(CSVReader.read(bytes: Array(text.utf8), source: "air.csv"), options: SeriesOptions()).series
    }

    /// The error `model.forecast` throws, or nil.
    func forecastError(_ model: ForecastModel, _ series: TimeSeries, horizon: Int? = nil) -> DataError? {
        do {
            _ = try model.forecast(series, horizon: horizon)
            return nil
        } catch {
            return error
        }
    }

    @Test func forecastWithinTheModelsHorizonIsOneBlock() throws {
        let model = try Self.model(), series = try Self.monthly()
        let forecast = try model.forecast(series)
        let window = series.target.suffix(4).map { [Float($0)] }
        #expect(forecast.values == model.predict(window: window).map(Double.init))
        #expect(forecast.recursiveBlocks == 0)
        let one = try model.forecast(series, horizon: 1)
        #expect(one.values == [forecast.values[0]])
        #expect(one.recursiveBlocks == 0)
    }

    @Test func forecastBeyondTheModelsHorizonContinuesRecursively() throws {
        let model = try Self.model(), series = try Self.monthly()
        let forecast = try model.forecast(series, horizon: 5)
        // Blocks of 2: [t+1, t+2] from the data, [t+3, t+4] from two data points and block 1, then t+5 from blocks 1 and 2.
        let data = series.target.suffix(4).map(Float.init)
        let block1 = model.predict(window: data.map { [$0] })
        let block2 = model.predict(window: (Array(data.suffix(2)) + block1).map { [$0] })
        let block3 = model.predict(window: (block1 + block2).map { [$0] })
        #expect(forecast.values == (block1 + block2 + block3.prefix(1)).map(Double.init))
        #expect(forecast.recursiveBlocks == 2)
    }

    @Test func forecastTimestampsContinueTheSeriesFrequency() throws {
        let model = try Self.model(), series = try Self.monthly()
        let forecast = try model.forecast(series, horizon: 5)
        let axis = try #require(series.time)
        let timestamps = try #require(forecast.timestamps)
        #expect(timestamps.map { axis.text($0) } == ["2024-07", "2024-08", "2024-09", "2024-10", "2024-11"])
    }

    @Test func seriesWithoutTimeColumnHasNoForecastTimestamps() throws {
        let model = try Self.model()
        let series = TimeSeries(source: "air.csv", targetName: "passengers", columns: [[112, 118, 132, 129, 121]])
        let forecast = try model.forecast(series, horizon: 3)
        #expect(forecast.timestamps == nil)
        #expect(forecast.values.count == 3)
    }

    @Test func seriesShorterThanTheLookbackIsUsageError() throws {
        let model = try Self.model()
        let series = try Self.monthly().prefix(3)
        let error = try #require(forecastError(model, series))
        #expect(error.kind == .usage)
        #expect(error.file == "air.csv")
        #expect(error.message == "the model reads the last 4 points; the series has 3")
    }

    @Test func forecastHorizonBelowOneIsUsageError() throws {
        let error = try #require(forecastError(try Self.model(), try Self.monthly(), horizon: 0))
        #expect(error.kind == .usage)
        #expect(error.message.contains("at least 1"))
    }

    @Test func seriesWithOtherFeaturesThanTheModelIsUsageError() throws {
        let model = try Self.model(features: ["temperature"])
        let error = try #require(forecastError(model, try Self.monthly()))
        #expect(error.kind == .usage)
        #expect(error.message.contains("features"))
    }

    @Test func modelWithFeaturesCannotForecastBeyondItsHorizon() throws {
        let model = try Self.model(features: ["temperature"])
        let series = TimeSeries(source: "air.csv", targetName: "passengers", featureNames: ["temperature"],
                                columns: [[112, 118, 132, 129, 121], [5, 6, 9, 12, 15]])
        #expect(try model.forecast(series).values.count == 2)
        let error = try #require(forecastError(model, series, horizon: 3))
        #expect(error.kind == .usage)
        #expect(error.message.contains("future values of its features"))
    }

    @Test func forecastOfATrainedModelFollowsTheSeriesScale() throws {
        // Trained on the wave (values about 7 to 16): the forecast is in the data's units, not scaled ones.
        let result = try Trainer.fit(wave(), options: tinyOptions(epochs: 3))
        let forecast = try result.model.forecast(wave())
        #expect(forecast.values.count == 2)
        #expect(forecast.values.allSatisfy { $0 > 0 && $0 < 30 })
    }
}
