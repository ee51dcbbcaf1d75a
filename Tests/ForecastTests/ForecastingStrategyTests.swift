import Foundation
import Testing
import Forecast

/// Window normalisation, the two multi-step strategies, the refit, weight averaging, learning-rate
/// schedules, byte-identical retraining, and the rolling-origin backtest.
@Suite struct ForecastingStrategyTests {
    /// 120 monthly points: a trend, a 12-month season and a little noise.
    static func monthly(count: Int = 120) -> TimeSeries {
        var generator = SeededGenerator(seed: 1)
        let values = (0..<count).map { t -> Double in
            100 + 0.8 * Double(t) + 12 * sin(Double(t) * .pi / 6) + Double(generator.nextUniform(-1, 1))
        }
        let timestamps = (0..<count).map { Timestamp(year: 2000 + $0 / 12, month: $0 % 12 + 1, day: 1)! }
        let axis = TimeAxis(name: "month", timestamps: timestamps, format: .yearMonth, frequency: Frequency(unit: .month, step: 1))
        return TimeSeries(source: "monthly.csv", targetName: "sales", columns: [values], time: axis)
    }

    static func options(epochs: Int = 4) -> TrainingOptions {
        var options = TrainingOptions(lookback: 24, horizon: 6)
        options.hiddenSize = 6
        options.layers = 1
        options.epochs = epochs
        options.batchSize = 16
        options.learningRate = 0.01
        options.testSize = .count(12)
        options.seed = 3
        return options
    }

    // MARK: Window normalisation

    @Test func windowStatisticsFollowEachMethod() {
        let window: ArraySlice<Float> = [1, 2, 3, 4, 5, 6][...]
        #expect(WindowNormalization(method: .global).statistics(of: window) == (0, 1))
        #expect(WindowNormalization(method: .season, period: 4).statistics(of: window) == (4.5, 1))   // mean of 3, 4, 5, 6
        #expect(WindowNormalization(method: .season, period: 12).statistics(of: window) == (3.5, 1))  // shorter window: all of it
        #expect(WindowNormalization(method: .last).statistics(of: window) == (6, 1))
        let revin = WindowNormalization(method: .revin).statistics(of: window)
        #expect(revin.center == 3.5 && abs(revin.scale - (35.0 / 12).squareRoot()) < 1e-6)  // population std of 1…6
        #expect(WindowNormalization(method: .revin).statistics(of: [2, 2, 2][...]).scale == WindowNormalization.minimumScale)
    }

    @Test func windowsAreShiftedByTheirOwnCenterAndTargetsAlike() {
        let column: [Float] = (0..<20).map { Float($0) }
        let windows = WindowSet(columns: [column], lookback: 4, horizon: 2, targetRange: 0..<20,
                                normalization: WindowNormalization(method: .last))
        let (input, target, statistics) = windows.batch([0, 5])
        // Window 0 reads 0…3 (center 3) and targets 4, 5; window 5 reads 5…8 (center 8) and targets 9, 10.
        #expect(statistics.map(\.center) == [3, 8])
        #expect(input.scalars == [-3, -2, -1, 0, -3, -2, -1, 0])
        #expect(target.scalars == [1, 2, 1, 2])
    }

    @Test func aNetworkThatOutputsZeroForecastsTheWindowsSeasonalLevel() throws {
        // Output 0 in normalised units means "the level of the last season": mapping back must give it in raw units.
        let model = try zeroOutputModel(lookback: 6, horizon: 2, normalization: WindowNormalization(method: .season, period: 3))
        let forecast = model.predict(window: [[90], [95], [100], [110], [120], [130]])
        #expect(forecast.count == 2)
        for value in forecast { #expect(abs(value - 120) < 1e-4) }  // mean of 110, 120, 130
    }

    // MARK: Strategies

    @Test func recursiveStrategyTrainsAOneStepModelAndForecastsTheHorizon() throws {
        var options = Self.options()
        options.strategy = .recursive
        options.fallback = false  // the network's own recursion, not a combination with the baselines
        let result = try Trainer.fit(Self.monthly(), options: options)
        #expect(result.model.configuration.model.outputSize == 1)
        #expect(result.model.configuration.strategy == .recursive)
        let series = Self.monthly()
        let forecast = try result.model.forecast(series)
        #expect(forecast.values.count == 6)
        #expect(forecast.recursiveBlocks == 0)  // within the horizon: nothing to report
        // Step by step by hand: each step reads the previous forecasts.
        var window = series.target.suffix(24).map { [Float($0)] }
        for step in 0..<6 {
            let next = result.model.predict(window: window)[0]
            #expect(abs(Double(next) - forecast.values[step]) < 1e-4 * max(1, abs(Double(next))))
            window = Array((window + [[next]]).suffix(24))
        }
    }

    @Test func recursiveStrategyRejectsFeatures() {
        var series = Self.monthly()
        series.featureNames = ["price"]
        series.columns.append(series.columns[0].map { $0 / 2 })
        var options = Self.options()
        options.strategy = .recursive
        #expect(throws: DataError.self) { try Trainer.fit(series, options: options) }
    }

    // MARK: Refit, averaging, schedules

    @Test func refitTrainsANewNetworkForTheBestNumberOfEpochs() throws {
        var withRefit = Self.options(epochs: 5)
        withRefit.weightAveraging = 0
        var without = withRefit
        without.refit = false
        let refitted = try Trainer.fit(Self.monthly(), options: withRefit)
        let plain = try Trainer.fit(Self.monthly(), options: without)
        #expect(refitted.refitted && !plain.refitted)
        #expect(refitted.bestEpoch == plain.bestEpoch)
        #expect(refitted.history == plain.history)
        #expect(refitted.model.network.stateDict().map(\.tensor) != plain.model.network.stateDict().map(\.tensor))
        #expect(refitted.model.configuration.training?.bestEpoch == refitted.bestEpoch)
    }

    @Test func weightAveragingChangesOnlyTheFinalWeights() throws {
        var averaged = Self.options(epochs: 6)
        averaged.weightAveraging = 1
        var plain = averaged
        plain.weightAveraging = 0
        let a = try Trainer.fit(Self.monthly(), options: averaged), b = try Trainer.fit(Self.monthly(), options: plain)
        #expect(a.history == b.history)
        #expect(a.model.network.stateDict().map(\.tensor) != b.model.network.stateDict().map(\.tensor))
    }

    @Test func cosineScheduleAnnealsTheLearningRate() throws {
        var options = Self.options(epochs: 4)
        options.learningRateSchedule = .cosine
        options.patience = nil
        let result = try Trainer.fit(Self.monthly(), options: options)
        let expected = (0..<4).map { Float(0.01 * 0.5 * (1 + cos(Double.pi * Double($0) / 4))) }
        for (rate, want) in zip(result.history.map(\.learningRate), expected) { #expect(abs(rate - want) < 1e-7) }
    }

    @Test func plateauScheduleHalvesTheRateAfterTenEpochsWithoutImprovement() throws {
        var options = Self.options(epochs: 40)
        options.learningRate = 20  // far too large: the network saturates and the validation loss stops improving
        options.learningRateSchedule = .plateau
        options.patience = nil
        options.refit = false
        let result = try Trainer.fit(Self.monthly(), options: options)
        let rates = result.history.map(\.learningRate)
        #expect(rates.first == 20)
        #expect(rates.contains(10), "validation losses: \(result.history.map { $0.validationLoss! })")
        #expect(zip(rates, rates.dropFirst()).allSatisfy { $1 == $0 || $1 == $0 / 2 })
        // Every halving follows more than 10 epochs in which the (smoothed) validation loss did not improve.
        let losses = result.history.map { $0.validationLoss! }
        let smoothed = losses.indices.map { i in losses[max(0, i - 4)...i].reduce(0, +) / Double(min(i + 1, 5)) }
        for epoch in 1..<rates.count where rates[epoch] < rates[epoch - 1] {
            let best = smoothed[..<(epoch - 10)].min()!
            #expect(smoothed[(epoch - 10)..<epoch].allSatisfy { $0 >= best })
        }
    }

    // MARK: Determinism

    @Test func theSameSeedGivesByteIdenticalModelFiles() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("determinism-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var options = Self.options(epochs: 3)
        options.dropout = 0.2
        options.layers = 2
        for name in ["a", "b"] {
            try Trainer.fit(Self.monthly(), options: options).model.save(to: root.appendingPathComponent(name))
        }
        for file in ["config.json", "model.safetensors"] {
            let a = try Data(contentsOf: root.appendingPathComponent("a/\(file)"))
            let b = try Data(contentsOf: root.appendingPathComponent("b/\(file)"))
            #expect(a == b, "\(file) differs between two runs with the same seed")
        }
    }

    // MARK: Backtest

    @Test func backtestFollowsTheRollingOriginProtocol() throws {
        let series = Self.monthly()
        let options = Self.options(epochs: 2)
        let backtest = try Backtest(series: series, options: options, origins: 3)
        let evaluation = backtest.evaluation.series[0]
        // o_k = n − (K − k)·h: 102, 108, 114 for n = 120, h = 6, K = 3.
        #expect(evaluation.origins.map(\.index) == [102, 108, 114])
        #expect(backtest.trainings.count == 1)
        #expect(evaluation.season == 12)
        // Trained once on y[..< o_0]: the same model as training on that prefix with no test part.
        var prefixOptions = options
        prefixOptions.testSize = .count(0)
        let model = try Trainer.fit(series.prefix(102), options: prefixOptions).model
        for origin in evaluation.origins {
            // The default forecast (the network combined with the baselines) from the history before the origin.
            #expect(origin.model == model.forecast([series], requests: [ForecastRequest(series: 0, end: origin.index)], steps: 6).values[0])
            #expect(origin.actual == Array(series.target[origin.index..<(origin.index + 6)]))
            #expect(origin.baselines[.seasonalNaive] == Array(series.target[(origin.index - 12)..<(origin.index - 6)]))
        }
        // MASE is scaled on the data before the first origin.
        let scale = Accuracy.naiveScale(Array(series.target[..<102]), season: 12)
        let mae = zip(evaluation.origins.flatMap(\.actual), evaluation.origins.flatMap(\.model)).map { abs($0 - $1) }.reduce(0, +) / 18
        #expect(abs(evaluation.model.mase - mae / scale) < 1e-12)
    }

    @Test func backtestWithRetrainTrainsBeforeEveryOrigin() throws {
        let backtest = try Backtest(series: Self.monthly(), options: Self.options(epochs: 1), origins: 2, retrain: true)
        #expect(backtest.trainings.count == 2)
    }

    @Test func backtestNeedsRoomForItsOrigins() {
        #expect(throws: DataError.self) { try Backtest(series: Self.monthly(count: 60), options: Self.options(), origins: 10) }
        #expect(throws: DataError.self) { try Backtest(series: Self.monthly(), options: Self.options(), origins: 0) }
    }
}

/// A model whose network outputs 0 whatever it reads (its last layer zeroed), on data scaled by
/// center 100 and scale 10: its forecast is the anchor of `normalization`, in raw units.
func zeroOutputModel(lookback: Int, horizon: Int, normalization: WindowNormalization) throws -> ForecastModel {
    let network = LSTMModel(inputSize: 1, hiddenSize: 3, numLayers: 1, outputSize: horizon)
    network.fc.weight.value.zero()
    network.fc.bias.value.zero()
    let configuration = ModelConfiguration(
        model: .init(inputSize: 1, hiddenSize: 3, numLayers: 1, outputSize: horizon), lookback: lookback, horizon: horizon, target: "y",
        scaling: Scaler(method: .standard, center: [100], scale: [10]), windowNormalization: normalization)
    return try ForecastModel(configuration: configuration, network: network)
}
