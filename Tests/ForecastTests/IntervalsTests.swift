import Foundation
import Testing
@testable import Forecast

/// |a − b| ≤ tolerance · max(1, |b|).
private func isClose(_ a: Double, _ b: Double, tolerance: Double = 1e-12) -> Bool {
    abs(a - b) <= tolerance * max(1, abs(b))
}

/// Standard normal draws from a seeded generator (Box–Muller), so the tests repeat exactly.
private struct NormalDraws {
    var generator: SeededGenerator
    init(seed: UInt64) { generator = SeededGenerator(seed: seed) }
    mutating func next() -> Double {
        let u1 = (Double(generator.next() >> 11) + 0.5) / Double(1 << 53), u2 = Double(generator.next() >> 11) / Double(1 << 53)
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}

/// A monthly wave plus Gaussian noise of standard deviation 1: the noise an interval must hold.
private func noisyWave(count: Int, seed: UInt64) -> TimeSeries {
    var noise = NormalDraws(seed: seed)
    let values = (0..<count).map { 10 + 3 * sin(2 * Double.pi * Double($0) / 12) + noise.next() }
    return TimeSeries(source: "noisy.csv", targetName: "y", columns: [values])
}

/// A tiny network that trains in a second in a debug build; no refit, so that the network whose
/// validation errors calibrate the intervals is the one that forecasts.
private func tinyOptions(horizon: Int = 3) -> TrainingOptions {
    var options = TrainingOptions(lookback: 24, horizon: horizon)
    options.hiddenSize = 4
    options.layers = 1
    options.epochs = 3
    options.batchSize = 32
    options.learningRate = 0.01
    options.refit = false
    options.normalization = .global
    options.seed = 3
    return options
}

/// Prediction intervals: the metrics against hand-computed values, the conformal quantile, the
/// coverage reached on noise of known distribution, the columns written, the model file, bad levels.
@Suite struct IntervalsTests {
    // MARK: Metrics

    /// actual [2, 4, 0, 5], forecast [3, 2, 0, 8], 95% band [1, 4], [3, 5], [−1, 1], [6, 9]:
    /// 5 lies below 6, the others inside.
    let actual: [Double] = [2, 4, 0, 5]
    let point: [Double] = [3, 2, 0, 8]
    let band = PredictionInterval(level: 95, lower: [1, 3, -1, 6], upper: [4, 5, 1, 9])
    /// Lag-1 differences 2, 1, 3, 1: MSIS's scale 7/4.
    let training: [Double] = [1, 3, 2, 5, 4]

    @Test func coverageAndWidthAreCountedByHand() {
        let scored = IntervalAccuracy(actual: actual, point: point, intervals: [band], training: training, season: 1)
        // 3 of 4 inside; widths 3, 2, 2, 3.
        #expect(scored.levels == [.init(level: 95, coverage: 0.75, meanWidth: 2.5)])
    }

    @Test func msisIsM4sIntervalScoreScaledBySeasonalDifferences() {
        let scored = IntervalAccuracy(actual: actual, point: point, intervals: [band], training: training, season: 1)
        // ((3 + 2 + 2 + 3) + 40 · (6 − 5)) / 4 = 12.5, divided by 7/4.
        #expect(isClose(scored.msis, 12.5 / 1.75))
        let without95 = IntervalAccuracy(actual: actual, point: point, intervals: [PredictionInterval(level: 80, lower: band.lower, upper: band.upper)],
                                         training: training, season: 1)
        #expect(without95.msis.isNaN)
    }

    @Test func weightedQuantileLossIsGluonTSMeanWQuantileLoss() {
        let scored = IntervalAccuracy(actual: actual, point: point, intervals: [band], training: training, season: 1)
        // QL(q) = 2 Σ |(y − ŷ_q)([y ≤ ŷ_q] − q)|:
        //   q 0.025, ŷ = lower, y − ŷ = 1, 1, 1, −1: 2 · (0.025 · 3 + 0.975) = 2.1
        //   q 0.5, ŷ = point, y − ŷ = −1, 2, 0, −3: 2 · (0.5 + 1 + 0 + 1.5) = 6
        //   q 0.975, ŷ = upper, y − ŷ = −2, −1, −1, −4: 2 · 0.025 · 8 = 0.4
        // Σ|y| = 11; the mean of 2.1/11, 6/11, 0.4/11.
        #expect(scored.quantileLosses.map(\.quantile) == [0.025, 0.5, 0.975])
        #expect(isClose(scored.weightedQuantileLoss, 8.5 / 11 / 3))
    }

    @Test func seriesAverageCoverageAndPoolTheQuantileLoss() throws {
        let first = IntervalAccuracy(actual: actual, point: point, intervals: [band], training: training, season: 1)
        // One point, 10, forecast 10 in [9, 11]: QL 0.05, 0, 0.05; Σ|y| = 10; covered.
        let second = IntervalAccuracy(actual: [10], point: [10], intervals: [PredictionInterval(level: 95, lower: [9], upper: [11])],
                                      training: [8, 9, 11, 10], season: 1)
        let mean = try #require(IntervalAccuracy.mean([first, second]))
        #expect(isClose(mean.levels[0].coverage, 0.875))
        #expect(isClose(mean.levels[0].meanWidth, 2.25))
        // (2.15 + 6 + 0.45) / 21 / 3, pooled over both series' points.
        #expect(isClose(mean.weightedQuantileLoss, 8.6 / 21 / 3))
        // MSIS: 12.5 / 1.75 and 2 / (4/3) averaged.
        #expect(isClose(mean.msis, (12.5 / 1.75 + 2 / (4.0 / 3)) / 2))
    }

    // MARK: Conformal quantile

    @Test func perStepQuantileIsTheCeilingOfNPlusOneTimesTheLevelthError() {
        // 19 windows: rank ⌈20 · 0.8⌉ = 16 and ⌈20 · 0.95⌉ = 19; 0.99 asks for rank 20 > 19: the largest.
        let calibration = ConformalCalibration(errors: [(1...19).reversed().map(Double.init)])
        #expect(calibration.windows == 19)
        #expect(calibration.halfWidth(level: 80, step: 0) == 16)
        #expect(calibration.halfWidth(level: 95, step: 0) == 19)
        #expect(calibration.halfWidth(level: 99, step: 0) == 19)
        #expect(calibration.halfWidth(level: 50, step: 0) == 10)
    }

    @Test func fewWindowsPoolTheStepsRelativeToEachStepsMeanError() {
        // Step means 2 and 4; relative errors 0.5, 0.5, 1, 1, 1.5, 1.5 (N = 6).
        let calibration = ConformalCalibration(errors: [[3, 1, 2], [2, 6, 4]])
        // 50%: rank ⌈7 · 0.5⌉ = 4 → 1, times each step's mean.
        #expect(calibration.halfWidth(level: 50, step: 0) == 2)
        #expect(calibration.halfWidth(level: 50, step: 1) == 4)
        // 80%: rank ⌈5.6⌉ = 6 → 1.5.
        #expect(calibration.halfWidth(level: 80, step: 0) == 3)
        #expect(calibration.halfWidth(level: 80, step: 1) == 6)
    }

    @Test func manyErrorsAreStoredAsEvenlySpacedOrderStatistics() {
        let calibration = ConformalCalibration(errors: [(1...1000).map(Double.init)])
        #expect(calibration.scores[0].count == ConformalCalibration.storedScoresLimit)
        #expect(calibration.scores[0].first == 1 && calibration.scores[0].last == 1000)
        // Rank ⌈1001 · 0.8⌉ = 801, read between stored order statistics.
        #expect(abs(calibration.halfWidth(level: 80, step: 0) - 801) <= 3)
    }

    @Test func widerLevelsNeverGiveNarrowerIntervalsSoBandsNeverCross() {
        var noise = NormalDraws(seed: 11)
        for windows in [3, 10, 19, 50, 400] {
            let calibration = ConformalCalibration(errors: (0..<4).map { step in (0..<windows).map { _ in abs(noise.next()) * Double(step + 1) } })
            let levels = stride(from: 5.0, through: 99.5, by: 2.5)
            for step in 0..<4 {
                let widths = levels.map { calibration.halfWidth(level: $0, step: step) }
                #expect(zip(widths, widths.dropFirst()).allSatisfy { $0 <= $1 }, "windows \(windows), step \(step): \(widths)")
            }
        }
    }

    @Test func calibrationOnGaussianErrorsGivesTheNormalQuantiles() {
        var noise = NormalDraws(seed: 5)
        let calibration = ConformalCalibration(errors: [(0..<4000).map { _ in noise.next() }])
        // |N(0, 1)|: 1.2816 at 80%, 1.9600 at 95%; with 4,000 draws the sample quantile's standard
        // error is about 0.03 at 95%, so within 0.1.
        #expect(abs(calibration.halfWidth(level: 80, step: 0) - 1.2816) < 0.1)
        #expect(abs(calibration.halfWidth(level: 95, step: 0) - 1.9600) < 0.1)
    }

    // MARK: The whole path: training, calibration, forecasts

    /// A wave plus N(0, 1) noise; 1,800 test points (600 forecasts of 3) after 300 validation
    /// points that calibrate. The share inside the bands must be within 0.05 of nominal: 3.3
    /// standard errors of a share of 600 independent forecasts at 80% (0.016), more at 95%.
    @Test func conformalIntervalsReachTheirNominalCoverageOnKnownNoise() throws {
        let series = noisyWave(count: 3000, seed: 21)
        var options = tinyOptions()
        options.testSize = .count(1800)
        options.validationSize = .count(300)
        let forecaster = Forecaster(options: options)
        try forecaster.fit(Panel(series))
        let model = try #require(forecaster.model)
        #expect(model.hasIntervals)
        #expect(model.configuration.conformalIntervals?.windows == 298)
        let evaluation = try forecaster.evaluate(Panel(series), season: 12)
        let intervals = try #require(evaluation.intervals)
        let coverage80 = try #require(intervals.figures(level: 80)).coverage, coverage95 = try #require(intervals.figures(level: 95)).coverage
        #expect(abs(coverage80 - 0.80) <= 0.05, "80%: \(coverage80)")
        #expect(abs(coverage95 - 0.95) <= 0.05, "95%: \(coverage95)")
        // Every band holds its forecast, and the 80% band lies inside the 95% one.
        for origin in evaluation.series[0].origins {
            let (i80, i95) = (origin.intervals[0], origin.intervals[1])
            for h in origin.model.indices {
                #expect(i95.lower[h] <= i80.lower[h] && i80.lower[h] <= origin.model[h])
                #expect(origin.model[h] <= i80.upper[h] && i80.upper[h] <= i95.upper[h])
            }
        }
    }

    @Test func panelIntervalsAreInEachSeriesOwnScale() throws {
        // Two series, one ten times the other: the same shape, so its bands are ten times as wide.
        let small = noisyWave(count: 200, seed: 1)
        let large = TimeSeries(source: "noisy.csv", targetName: "y", columns: [small.target.map { $0 * 10 }])
        let panel = Panel(source: "panel.csv", idName: "unique_id", ids: ["small", "large"], series: [small, large])
        var options = tinyOptions()
        options.testSize = .count(3)
        options.scaling = .mase
        let forecaster = Forecaster(options: options)
        try forecaster.fit(panel)
        let forecast = try forecaster.predict(panel, levels: [80])
        let (a, b) = (forecast.forecasts[0].intervals[0], forecast.forecasts[1].intervals[0])
        for h in 0..<3 {
            #expect(isClose(b.upper[h] - b.lower[h], 10 * (a.upper[h] - a.lower[h]), tolerance: 1e-4))
        }
    }

    @Test func aScaleLagAndWindowMeasureEachSeriesByItsOwnRecentDifferences() throws {
        // Two series of different shapes: their bands' widths are in the ratio of their scales.
        let a = noisyWave(count: 200, seed: 1)
        let b = TimeSeries(source: "noisy.csv", targetName: "y", columns: [noisyWave(count: 200, seed: 9).target.enumerated().map { $1 + Double($0 % 5) }])
        let panel = Panel(source: "panel.csv", idName: "unique_id", ids: ["a", "b"], series: [a, b])
        for (lag, window) in [(1, nil), (2, 40)] as [(Int, Int?)] {
            var options = tinyOptions()
            options.testSize = .count(3)
            options.scaling = .mase
            options.intervalScaleLag = lag
            options.intervalScaleWindow = window
            let forecaster = Forecaster(options: options)
            try forecaster.fit(panel)
            #expect(forecaster.model?.configuration.conformalIntervals?.scaleLag == lag)
            let forecast = try forecaster.predict(panel, levels: [80])
            func scale(_ series: TimeSeries) -> Double {
                Accuracy.naiveScale(Array(series.target.suffix(window ?? series.count)), season: lag)
            }
            let (ia, ib) = (forecast.forecasts[0].intervals[0], forecast.forecasts[1].intervals[0])
            #expect(isClose((ib.upper[0] - ib.lower[0]) / (ia.upper[0] - ia.lower[0]), scale(b) / scale(a), tolerance: 1e-9))
        }
    }

    @Test func perStepScalesAreEachLagsMeanAbsoluteDifferenceOverTheWindow() {
        let target: [Double] = [1, 2, 4, 7, 11]
        // Whole history: lag 1 → (1 + 2 + 3 + 4) / 4, lag 2 → (3 + 5 + 7) / 3.
        #expect(ForecastModel.stepLagScales(target, end: 5, steps: 2, window: nil, fallback: 99) == [2.5, 5])
        // The last 3 points (4, 7, 11): lag 1 → 3.5, lag 2 → 7; step 3 takes the longest lag they hold.
        #expect(ForecastModel.stepLagScales(target, end: 5, steps: 3, window: 3, fallback: 99) == [3.5, 7, 7])
        // Only the history before the origin.
        #expect(ForecastModel.stepLagScales(target, end: 3, steps: 1, window: nil, fallback: 99) == [1.5])
        // A flat window, or a single point: the fallback.
        #expect(ForecastModel.stepLagScales([5, 5, 5, 5], end: 4, steps: 2, window: nil, fallback: 99) == [99, 99])
        #expect(ForecastModel.stepLagScales([5], end: 1, steps: 1, window: nil, fallback: 99) == [99])
    }

    @Test func theCrossFittedScoreFavoursTheScaleTheErrorsFollow() throws {
        // 400 windows of 2 steps; each window's errors are |noise| times its own volatility v,
        // which varies 20-fold between windows. Scales proportional to v fit; constant ones do not.
        var noise = NormalDraws(seed: 8)
        var generator = SeededGenerator(seed: 9)
        var errors: [[Double]] = [], following: [[Double]] = [], constant: [[Double]] = []
        for _ in 0..<400 {
            let v = 0.1 + 1.9 * Double(generator.next() >> 11) / Double(1 << 53)
            errors.append([abs(noise.next()) * v, abs(noise.next()) * v * 2])
            following.append([v, 2 * v])
            constant.append([1, 1])
        }
        let fitting = try #require(IntervalScale.crossFittedScores(errors: errors, scales: following, units: constant))
        let missing = try #require(IntervalScale.crossFittedScores(errors: errors, scales: constant, units: constant))
        let fits = fitting.reduce(0, +) / 400, misses = missing.reduce(0, +) / 400
        #expect(fits < 0.9 * misses, "\(fits) against \(misses)")
        // Hand-computed on 2 windows of 1 step: each half is one window, so each calibrates the
        // other at its own error (⌈2·l⌉-th of 1): errors 1 and 3 in scales 1 give bounds 3 and 1.
        // Scoring 3 against 1: width 2, miss 2; 1 against 3: width 6, no miss. Levels 80 and 95.
        let scores = try #require(IntervalScale.crossFittedScores(errors: [[1], [3]], scales: [[1], [1]], units: [[1], [1]]))
        #expect(scores.count == 2)
        let at80: Double = 2 + 10 * 2, at95: Double = 2 + 40 * 2, wide: Double = 6
        #expect(isClose(scores[0], wide))
        #expect(isClose(scores[1], (at80 + at95) / 2))
        // Units divide each window's score.
        let halved = try #require(IntervalScale.crossFittedScores(errors: [[1], [3]], scales: [[1], [1]], units: [[2], [2]]))
        #expect(isClose(halved[0], scores[0] / 2) && isClose(halved[1], scores[1] / 2))
        // Too few windows to calibrate a half: no scores.
        #expect(IntervalScale.crossFittedScores(errors: [[1]], scales: [[1]], units: [[1]]) == nil)
    }

    @Test func theScalesAreComparedByTheGeometricMeanOverSeries() {
        // Series 0 has windows 0 and 1, series 1 windows 2 and 3. Series 0's scores are in a unit
        // 1,000 times larger than series 1's: the pooled means follow series 0, where the model's
        // scale is a little better (2000 against 2050), and miss that each step's halves series 1's.
        let model: [Double] = [1000, 3000, 1, 1], steps: [Double] = [1500, 2600, 0.5, 0.5]
        let pooledModel = model.reduce(0, +) / 4, pooledSteps = steps.reduce(0, +) / 4
        #expect(pooledModel < pooledSteps)
        let comparison = IntervalScaleComparison(model: model, steps: steps, windowSeries: [0, 0, 1, 1])
        // Series means: model 2000 and 1, steps 2050 and 0.5; geometric means √2000 and √1025.
        #expect(isClose(comparison.model, 2000.0.squareRoot()) && isClose(comparison.steps, 1025.0.squareRoot()))
        #expect(comparison.steps < comparison.model)
        // The windows' order within the list does not matter, only their series.
        let shuffled = IntervalScaleComparison(model: [1, 3000, 1, 1000], steps: [0.5, 2600, 0.5, 1500], windowSeries: [1, 0, 1, 0])
        #expect(shuffled == comparison)
        // One series: the plain means.
        let one = IntervalScaleComparison(model: [1, 3], steps: [2, 1], windowSeries: [7, 7])
        #expect(isClose(one.model, 2) && isClose(one.steps, 1.5))
        // A series whose scores are 0 under either scale is left out; with none left, the means over every window.
        let flat = IntervalScaleComparison(model: [0, 0, 2], steps: [0, 1, 1], windowSeries: [0, 0, 1])
        #expect(isClose(flat.model, 2) && isClose(flat.steps, 1))
        let allFlat = IntervalScaleComparison(model: [0, 0], steps: [0, 2], windowSeries: [0, 0])
        #expect(allFlat.model == 0 && allFlat.steps == 1)
    }

    @Test func automaticScaleIsChosenOnTheValidationWindowsAndStored() throws {
        // Two series of very different volatility through time, a panel scaled per series: the
        // choice is made, its scores stored, and the intervals follow the chosen scale.
        let a = noisyWave(count: 300, seed: 2)
        let b = TimeSeries(source: "noisy.csv", targetName: "y", columns: [noisyWave(count: 300, seed: 5).target.enumerated().map { 10 + ($1 - 10) * (1 + Double($0 / 50)) }])
        let panel = Panel(source: "panel.csv", idName: "unique_id", ids: ["a", "b"], series: [a, b])
        var options = tinyOptions()
        options.testSize = .count(3)
        options.scaling = .mase
        options.validationSize = .count(40)
        let forecaster = Forecaster(options: options)
        try forecaster.fit(panel)
        let calibration = try #require(forecaster.model?.configuration.conformalIntervals)
        let comparison = try #require(calibration.scaleComparison)
        #expect(calibration.stepLags == (comparison.steps < comparison.model))
        #expect(calibration.scaleSummary.contains("chosen on the validation windows"))
        // Forced per-step scales: each step's half-width is its quantile times that step's scale.
        options.intervalScale = .steps
        let steps = Forecaster(options: options)
        try steps.fit(panel)
        let model = try #require(steps.model), stored = try #require(model.configuration.conformalIntervals)
        #expect(model.configuration.formatVersion == ModelConfiguration.stepScaledIntervalsFormatVersion)
        #expect(stored.stepLags && stored.scaleComparison == nil && stored.scaleWindow == IntervalScale.stepWindow(season: model.configuration.windowNormalization.period, horizon: 3))
        let forecast = try steps.predict(panel, levels: [80]).forecasts[1]
        let scales = ForecastModel.stepLagScales(b.target, end: b.count, steps: 3, window: stored.scaleWindow, fallback: .nan)
        for h in 0..<3 {
            let half = (forecast.intervals[0].upper[h] - forecast.intervals[0].lower[h]) / 2
            #expect(isClose(half, stored.halfWidth(level: 80, step: h) * scales[h], tolerance: 1e-9))
        }
    }

    // MARK: The quantile head

    @Test func aQuantileHeadTrainsAndItsBandsHoldTheMedian() throws {
        let series = noisyWave(count: 400, seed: 6)
        var options = tinyOptions()
        options.testSize = .count(60)
        options.quantileLevels = [80, 95]
        options.intervals = .quantile
        let forecaster = Forecaster(options: options)
        try forecaster.fit(Panel(series))
        let model = try #require(forecaster.model)
        #expect(model.configuration.model.outputSize == 3 * 5)
        #expect(model.configuration.quantileLevels == [80, 95] && model.configuration.conformalIntervals == nil)
        #expect(model.configuration.training?.loss == "pinball")
        let forecast = try forecaster.predict(Panel(series), levels: [80, 95]).forecasts[0]
        let (i80, i95) = (forecast.intervals[0], forecast.intervals[1])
        for h in 0..<3 {
            #expect(i95.lower[h] <= i80.lower[h] && i80.lower[h] <= forecast.values[h] && forecast.values[h] <= i80.upper[h] && i80.upper[h] <= i95.upper[h])
        }
        // Only the trained levels.
        #expect(throws: DataError.self) { try forecaster.predict(Panel(series), levels: [90]) }
        // The point forecast is the median output.
        let quantiles = model.quantileForecasts([series], requests: [ForecastRequest(series: 0, end: series.count)])[0]
        #expect(quantiles[2].map { Float($0) } == forecast.values.map { Float($0) })
    }

    @Test func quantilesThatWouldCrossAreSortedAtEveryStep() throws {
        // A head whose outputs ignore the input and put the 2.5% quantile above the 97.5% one.
        let series = noisyWave(count: 200, seed: 6)
        var options = tinyOptions(horizon: 2)
        options.testSize = .count(20)
        options.quantileLevels = [80, 95]
        options.intervals = .quantile
        let forecaster = Forecaster(options: options)
        try forecaster.fit(Panel(series))
        let model = try #require(forecaster.model)
        var weights = model.network.stateDict()
        for (index, entry) in weights.enumerated() where entry.name.hasPrefix("fc.") {
            let scalars: [Float] = entry.name == "fc.bias"
                ? [5, 5, 1, 1, 0, 0, -1, -1, -5, -5]   // raw quantiles 0.025 … 0.975 descending: every pair crosses
                : [Float](repeating: 0, count: entry.tensor.count)
            weights[index] = (entry.name, Tensor(shape: entry.tensor.shape, scalars: scalars))
        }
        try model.network.loadStateDict(weights)
        let rows = model.quantileForecasts([series], requests: [ForecastRequest(series: 0, end: 150)])[0]
        for h in 0..<2 {
            let column = rows.map { $0[h] }
            #expect(column == column.sorted(), "step \(h): \(column)")
            #expect(column.first! < column.last!)
        }
        let forecast = try model.forecast(Panel(series), levels: [80, 95]).forecasts[0]
        for interval in forecast.intervals { #expect(zip(interval.lower, interval.upper).allSatisfy { $0 <= $1 }) }
    }

    // MARK: Output

    @Test func forecastAndHeldOutTablesPutEachLevelsBoundsAfterTheForecast() throws {
        let series = noisyWave(count: 160, seed: 2)
        var options = tinyOptions()
        options.testSize = .count(6)
        let forecaster = Forecaster(options: options)
        try forecaster.fit(Panel(series))
        let model = try #require(forecaster.model)
        let forecast = try forecaster.predict(Panel(series), levels: [80, 95])
        let rows = ForecastTables.forecastCSV(forecast, panel: Panel(series), model: model).split(separator: "\n")
        #expect(rows.first == "step,forecast,lo-80,hi-80,lo-95,hi-95")
        for row in rows.dropFirst() {
            let cells = row.split(separator: ",").compactMap { Double($0) }
            #expect(cells.count == 6)
            #expect(cells[4] <= cells[2] && cells[2] <= cells[1] && cells[1] <= cells[3] && cells[3] <= cells[5])
        }
        // The order asked is the order written.
        let reversed = try forecaster.predict(Panel(series), levels: [95, 80])
        #expect(ForecastTables.forecastCSV(reversed, panel: Panel(series), model: model).hasPrefix("step,forecast,lo-95,hi-95,lo-80,hi-80\n"))
        let held = ForecastTables.heldOutCSV(try forecaster.evaluate(Panel(series), levels: [80, 95]), panel: Panel(series))
        #expect(held.hasPrefix("origin,step,actual,forecast,lo-80,hi-80,lo-95,hi-95,naive,seasonal_naive,drift,mean\n"))
    }

    // MARK: Model files

    @Test func intervalsSurviveSavingAndOlderModelsLoadWithoutThem() throws {
        let series = noisyWave(count: 160, seed: 4)
        var options = tinyOptions()
        options.testSize = .count(6)
        let forecaster = Forecaster(options: options)
        try forecaster.fit(Panel(series))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("intervals-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try forecaster.save(to: directory)
        let loaded = try Forecaster(contentsOf: directory)
        #expect(loaded.model?.configuration == forecaster.model?.configuration)
        #expect(try loaded.predict(Panel(series), levels: [80]).forecasts[0].intervals == forecaster.predict(Panel(series), levels: [80]).forecasts[0].intervals)

        // The file of a model from before intervals: no conformal_intervals key.
        let file = directory.appendingPathComponent("config.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        // A calibration from before per-step scales: no scale_step_lags key reads as one scale.
        var calibrationJSON = try #require(json["conformal_intervals"] as? [String: Any])
        calibrationJSON["scale_step_lags"] = nil
        calibrationJSON["scale_comparison"] = nil
        let decoded = try JSONDecoder().decode(ConformalCalibration.self, from: JSONSerialization.data(withJSONObject: calibrationJSON))
        #expect(!decoded.stepLags && decoded.scaleComparison == nil && decoded.scores == forecaster.model?.configuration.conformalIntervals?.scores)
        json["conformal_intervals"] = nil
        try JSONSerialization.data(withJSONObject: json).write(to: file)
        let older = try Forecaster(contentsOf: directory)
        #expect(older.model?.hasIntervals == false)
        #expect(try older.predict(Panel(series)).forecasts[0].values == forecaster.predict(Panel(series)).forecasts[0].values)
        #expect(throws: DataError.self) { try older.predict(Panel(series), levels: [80]) }
        do {
            _ = try older.predict(Panel(series), levels: [80])
        } catch {
            #expect(error.kind == .usage)
            #expect(error.message.contains("--intervals conformal"))
        }
    }

    // MARK: Bad input

    @Test func levelsOutsideZeroToHundredOrRepeatedAreRefused() throws {
        #expect(PredictionInterval.problems(levels: [80, 95]).isEmpty)
        #expect(PredictionInterval.problems(levels: [0.5, 99.5]).isEmpty)
        for bad: [Double] in [[0], [100], [-5], [120], [.nan], [.infinity]] {
            #expect(PredictionInterval.problems(levels: bad).first?.contains("is not in (0, 100)") == true, "\(bad)")
        }
        #expect(PredictionInterval.problems(levels: [80, 95, 80]) == ["the level 80 is given twice"])
        if case .success = PredictionInterval.parse(levels: "80,abc") { Issue.record("'abc' read as a level") }
        if case .success(let levels) = PredictionInterval.parse(levels: "80, 97.5") { #expect(levels == [80, 97.5]) } else { Issue.record("80, 97.5 not read") }

        let series = noisyWave(count: 160, seed: 2)
        var options = tinyOptions()
        options.testSize = .count(6)
        let forecaster = Forecaster(options: options)
        try forecaster.fit(Panel(series))
        for bad: [Double] in [[100], [80, 80]] {
            #expect(throws: DataError.self) { try forecaster.predict(Panel(series), levels: bad) }
        }
        // Beyond the calibrated horizon.
        #expect(throws: DataError.self) { try forecaster.predict(Panel(series), horizon: 4, levels: [80]) }
    }

    @Test func trainingWithoutIntervalsStoresNone() throws {
        let series = noisyWave(count: 160, seed: 2)
        var options = tinyOptions()
        options.testSize = .count(6)
        options.intervals = .none
        let forecaster = Forecaster(options: options)
        try forecaster.fit(Panel(series))
        #expect(forecaster.model?.configuration.conformalIntervals == nil)
        #expect(try forecaster.evaluate(Panel(series)).intervals == nil)
    }
}
