import Foundation
import Testing
import Forecast

/// One global model over many series: per-series scaling, short series, budgets, batched
/// forecasts, per-series scores, backtests, repeatable files, and one series as a panel of one.
@Suite struct PanelForecastingTests {
    /// `count` series of integer steps: a daily-like season of 6 with its own level, amplitude and
    /// length (the last ones shorter than `shortLength` when given).
    static func panel(count: Int = 5, length: Int = 60, shortLength: Int? = nil, scales: [Double]? = nil) -> Panel {
        var generator = SeededGenerator(seed: 7)
        var ids: [String] = [], series: [TimeSeries] = []
        for s in 0..<count {
            let n = s == count - 1 ? (shortLength ?? length) : length - s
            let scale = scales?[s] ?? Double(1 + s)
            let values = (0..<n).map { t -> Double in
                scale * (50 + 10 * sin(Double(t) * .pi / 3) + 0.1 * Double(t)) + scale * Double(generator.nextUniform(-0.5, 0.5))
            }
            let axis = TimeAxis(name: "ds", timestamps: (0..<n).map { Timestamp(seconds: Int64(s + $0 + 1)) }, format: .step,
                                frequency: Frequency(unit: .step, step: 1))
            ids.append("S\(s)")
            series.append(TimeSeries(source: "panel.csv", targetName: "y", columns: [values], time: axis))
        }
        return Panel(source: "panel.csv", idName: "unique_id", ids: ids, series: series)
    }

    static func options(epochs: Int = 3) -> TrainingOptions {
        var options = TrainingOptions(lookback: 12, horizon: 6)
        options.hiddenSize = 6
        options.layers = 1
        options.epochs = epochs
        options.learningRate = 0.01
        options.season = 6
        options.testSize = .count(6)
        options.seed = 5
        return options
    }

    @Test func eachSeriesIsScaledByItsOwnStatisticsSoScaledCopiesGetScaledForecasts() throws {
        // Series 1 is series 0 times 1000 (the same noise draws do not hold, so build it exactly).
        let base = Self.panel(count: 1, length: 60)
        var big = base.series[0]
        big.columns = [big.target.map { $0 * 1000 }]
        let panel = Panel(source: "panel.csv", idName: "id", ids: ["small", "big"], series: [base.series[0], big])
        let forecaster = Forecaster(options: Self.options())
        let result = try forecaster.fit(panel)
        #expect(result.model.configuration.scalesPerSeries)
        #expect(result.model.configuration.panel == .init(idColumn: "id", seriesCount: 2))
        let forecasts = try forecaster.predict(panel).forecasts
        for (small, large) in zip(forecasts[0].values, forecasts[1].values) {
            #expect(abs(large - 1000 * small) <= 1e-4 * abs(large))
        }
    }

    @Test func everySeriesGetsAForecastEvenWhenShorterThanLookbackPlusHorizon() throws {
        let panel = Self.panel(count: 4, length: 60, shortLength: 9)  // 9 < 12 + 6
        let result = try Trainer.fit(panel, options: Self.options())
        #expect(result.warnings.contains { $0.contains("1 of 4 series have fewer than lookback 12 + 6 training points") })
        let forecast = try result.model.forecast(panel)
        #expect(forecast.forecasts.count == 4)
        #expect(forecast.forecasts.allSatisfy { $0.values.count == 6 && $0.values.allSatisfy(\.isFinite) })
        // A 3-point series has no full window of history: still forecast, from a padded window.
        var tiny = panel.series[3]
        tiny.columns = [Array(tiny.target.prefix(3))]
        tiny.time = tiny.time.map { var axis = $0; axis.timestamps = Array(axis.timestamps.prefix(3)); return axis }
        let one = Panel(source: "panel.csv", idName: "unique_id", ids: ["tiny"], series: [tiny])
        #expect(try result.model.forecast(one).forecasts[0].values.allSatisfy(\.isFinite))
    }

    @Test func theBatchedForecastOfEverySeriesEqualsForecastingEachAlone() throws {
        let panel = Self.panel()
        let model = try Trainer.fit(panel, options: Self.options()).model
        let together = try model.forecast(panel).forecasts
        for index in 0..<panel.count {
            let alone = try model.forecast(panel.subset([index])).forecasts[0]
            for (a, b) in zip(together[index].values, alone.values) { #expect(abs(a - b) <= 1e-5 * max(1, abs(a))) }
        }
    }

    @Test func theSameSeedWritesByteIdenticalModelFiles() throws {
        let panel = Self.panel()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("panel-repeat-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var files: [[Data]] = []
        for run in 0..<2 {
            let forecaster = Forecaster(options: Self.options())
            try forecaster.fit(panel)
            let folder = directory.appendingPathComponent("\(run)")
            try forecaster.save(to: folder)
            files.append(try ["config.json", "model.safetensors"].map { try Data(contentsOf: folder.appendingPathComponent($0)) })
        }
        #expect(files[0] == files[1])
        let loaded = try Forecaster(contentsOf: directory.appendingPathComponent("0"))
        #expect(loaded.model?.configuration.panel?.seriesCount == 5)
    }

    @Test func evaluationScoresEachSeriesOnItsOwnScaleAndAveragesOverSeries() throws {
        let panel = Self.panel(count: 3)
        let forecaster = Forecaster(options: Self.options())
        try forecaster.fit(panel)
        let evaluation = try forecaster.evaluate(panel, season: 6)
        #expect(evaluation.series.count == 3)
        for (index, series) in evaluation.series.enumerated() {
            let target = panel.series[index].target, n = target.count
            #expect(series.origins.map(\.index) == [n - 6])
            // MASE by hand: the series' own mean absolute seasonal difference before its test part.
            let training = Array(target[..<(n - 6)])
            let scale = (6..<training.count).reduce(0.0) { $0 + abs(training[$1] - training[$1 - 6]) } / Double(training.count - 6)
            let mae = zip(series.origins[0].actual, series.origins[0].model).reduce(0.0) { $0 + abs($1.0 - $1.1) } / 6
            #expect(abs(series.model.mase - mae / scale) < 1e-9)
        }
        let mean = evaluation.series.map(\.model.mase).reduce(0, +) / 3
        #expect(abs(evaluation.model.mase - mean) < 1e-12)
        let seasonal = evaluation.series.map { $0.baselines[.seasonalNaive]!.smape }.reduce(0, +) / 3
        #expect(abs(evaluation.baselines[.seasonalNaive]!.smape - seasonal) < 1e-12)
    }

    @Test func backtestForecastsTheLastOriginsOfEverySeries() throws {
        let panel = Self.panel(count: 3)
        var options = Self.options(epochs: 2)
        options.testSize = .count(0)
        let backtest = try Forecaster(options: options).backtest(panel, origins: 2, season: 6)
        #expect(backtest.trainings.count == 1)
        for (index, series) in backtest.evaluation.series.enumerated() {
            let n = panel.series[index].count
            #expect(series.origins.map(\.index) == [n - 12, n - 6])
        }
        let csv = ForecastTables.heldOutCSV(backtest.evaluation, panel: panel).split(separator: "\n")
        #expect(csv.first == "unique_id,origin,timestamp,actual,forecast,lo-80,hi-80,lo-95,hi-95,naive,seasonal_naive,drift,mean")
        #expect(csv.count == 1 + 3 * 12)
        #expect(csv[1].hasPrefix("S0,49,49,"))
    }

    @Test func theStepBudgetAndEpochSizeBoundTraining() throws {
        let panel = Self.panel(count: 5, length: 200)
        var options = Self.options(epochs: 50)
        options.windowsPerEpoch = 64
        options.batchSize = 16
        options.maxSteps = 10
        options.patience = nil
        let result = try Trainer.fit(panel, options: options)
        // 4 steps per epoch of 64 windows; the limit is checked at the end of an epoch.
        #expect(result.steps == 12)
        #expect(result.history.count == 3)
        #expect(result.reachedStepLimit)
        #expect(result.model.configuration.training?.maxSteps == 10)
        #expect(result.model.configuration.training?.windowsPerEpoch == 64)
    }

    @Test func theDefaultStepLimitShrinksWithALongLookbackSoTheWorkIsBounded() {
        #expect(TrainingOptions.defaultMaxSteps(lookback: 36) == 2000)
        #expect(TrainingOptions.defaultMaxSteps(lookback: 168) == 2000)
        #expect(TrainingOptions.defaultMaxSteps(lookback: 336) == 1000)
        #expect(TrainingOptions.defaultMaxSteps(lookback: 100_000) == 250)
        #expect(Forecaster.defaultOptions(for: Self.panel(), lookback: 336, horizon: 48).maxSteps == 1000)
    }

    @Test func oneSeriesThroughTheForecasterGivesTheSingleSeriesResults() throws {
        let series = ForecastingStrategyTests.monthly()
        let options = ForecastingStrategyTests.options()
        let direct = try Trainer.fit(series, options: options).model
        let forecaster = Forecaster(options: options)
        try forecaster.fit(Panel(series))
        #expect(forecaster.model?.configuration == direct.configuration)
        let stepScaled = forecaster.model?.configuration.conformalIntervals?.stepLags == true
        let combined = forecaster.model?.configuration.combination.map { !$0.isNetworkAlone } == true
        #expect(forecaster.model?.configuration.formatVersion == (stepScaled || combined ? 4 : 2))
        #expect(try forecaster.predict(Panel(series)).forecasts[0].values == direct.forecast(series).values)
        let table = ForecastTables.forecastCSV(try forecaster.predict(Panel(series)), panel: Panel(series), model: direct)
        #expect(table.hasPrefix("timestamp,forecast\n2010-01,"))
    }

    @Test func aNetworkThatOutputsZeroForecastsSeasonalNaiveUnderSeasonalNaiveNormalisation() throws {
        let model = try zeroOutputModel(lookback: 6, horizon: 4, normalization: WindowNormalization(method: .seasonalNaive, period: 3))
        let forecast = model.predict(window: [[90], [95], [100], [110], [120], [130]])
        // The value one season before each step: 110, 120, 130, then 110 again.
        for (value, expected) in zip(forecast, [110, 120, 130, 110] as [Float]) { #expect(abs(value - expected) < 1e-3) }
    }

    @Test func aNetworkThatOutputsZeroForecastsHoltWintersUnderHoltWintersNormalisation() throws {
        let model = try zeroOutputModel(lookback: 9, horizon: 4, normalization: WindowNormalization(method: .holtWinters, period: 3))
        let window: [Double] = [90, 100, 110, 95, 100, 105, 100, 100, 100]
        let forecast = model.predict(window: window.map { [Float($0)] })
        // Holt–Winters (checked against statsmodels in HoltWintersTests) on the raw values: the
        // scaling is affine, so the parameters it chooses and its forecasts follow it.
        let expected = HoltWinters.fit(window, season: 3).forecast(history: window, horizon: 4)
        #expect(HoltWinters.fit(window, season: 3).gamma > 0)  // the season is used
        #expect(forecast.count == 4)
        #expect(expected.contains { abs($0 - 100) > 1 })  // not the center: the last season's mean is 100
        for (value, expected) in zip(forecast, expected) { #expect(abs(Double(value) - expected) < 1e-3) }
        // Training windows measure their targets from the same forecast.
        let scaled = window.map { Float(($0 - 100) / 10) } + [0.5, -0.25]
        let windows = WindowSet(series: [[scaled]], lookback: 9, horizon: 2, targetRanges: [0..<11],
                                normalization: WindowNormalization(method: .holtWinters, period: 3))
        let batch = windows.batch([windows.count - 1])
        let anchors = HoltWinters.fit(scaled[..<9].map(Double.init), season: 3).forecast(history: scaled[..<9].map(Double.init), horizon: 2)
        for step in 0..<2 {
            #expect(abs(Double(batch.target.scalars[step]) - (Double(scaled[9 + step]) - anchors[step])) < 1e-5)
        }
    }

    @Test func panelForecastsAreALongTableWithTheIDFirst() throws {
        let panel = Self.panel(count: 2)
        let forecaster = Forecaster(options: Self.options())
        try forecaster.fit(panel)
        let table = ForecastTables.forecastCSV(try forecaster.predict(panel), panel: panel, model: forecaster.model!)
        let rows = table.split(separator: "\n")
        #expect(rows.first == "unique_id,ds,forecast")
        #expect(rows.count == 1 + 2 * 6)
        #expect(rows[1].hasPrefix("S0,61,") && rows[7].hasPrefix("S1,62,"))
    }
}
