import Testing
import Forecast

/// |a − b| ≤ 1e-12 · max(1, |b|): the metrics are Double arithmetic on a handful of points.
private func isClose(_ a: Double, _ b: Double, tolerance: Double = 1e-12) -> Bool {
    abs(a - b) <= tolerance * max(1, abs(b))
}

private func isClose(_ a: [Double], _ b: [Double], tolerance: Double = 1e-12) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { isClose($0, $1, tolerance: tolerance) }
}

/// Accuracy measures and baseline forecasts against values worked out by hand in the comments.
@Suite struct MetricsAndBaselinesTests {
    // MARK: Metrics

    /// actual − forecast = [2 − 3, 4 − 2, 0 − 0, 5 − 8] = [−1, 2, 0, −3].
    let actual: [Double] = [2, 4, 0, 5]
    let forecast: [Double] = [3, 2, 0, 8]
    /// Seasonal differences: lag 1 → |3−1|, |2−3|, |5−2|, |4−5| = 2, 1, 3, 1 (mean 7/4);
    /// lag 2 → |2−1|, |5−3|, |4−2| = 1, 2, 2 (mean 5/3).
    let training: [Double] = [1, 3, 2, 5, 4]

    @Test func maeIsTheMeanAbsoluteError() {
        let accuracy = Accuracy(actual: actual, forecast: forecast, training: training, season: 1)
        // (1 + 2 + 0 + 3) / 4 = 1.5
        #expect(isClose(accuracy.mae, 1.5))
        #expect(accuracy[.mae] == accuracy.mae)
    }

    @Test func rmseIsTheRootMeanSquaredError() {
        let accuracy = Accuracy(actual: actual, forecast: forecast, training: training, season: 1)
        // √((1 + 4 + 0 + 9) / 4) = √3.5
        #expect(isClose(accuracy.rmse, 3.5.squareRoot()))
        #expect(accuracy[.rmse] == accuracy.rmse)
    }

    @Test func mapeSkipsZeroActualsAndIsAPercentage() {
        let accuracy = Accuracy(actual: actual, forecast: forecast, training: training, season: 1)
        // Over y ≠ 0: 100 · (1/2 + 2/4 + 3/5) / 3 = 100 · 1.6 / 3 = 53.33…
        #expect(isClose(accuracy.mape, 160.0 / 3))
        #expect(accuracy[.mape] == accuracy.mape)
    }

    @Test func mapeIsNaNWhenEveryActualIsZero() {
        let accuracy = Accuracy(actual: [0, 0], forecast: [1, 2], training: training, season: 1)
        #expect(accuracy.mape.isNaN)
        // sMAPE is still defined: 200·1/1 and 200·2/2, so 200.
        #expect(isClose(accuracy.smape, 200))
    }

    @Test func smapeCountsAZeroOverZeroPointAsZero() {
        let accuracy = Accuracy(actual: actual, forecast: forecast, training: training, season: 1)
        // 200·1/(2+3) = 40; 200·2/(4+2) = 200/3; 0/0 → 0; 200·3/(5+8) = 600/13; the mean over all 4 points.
        let terms: [Double] = [40, 200.0 / 3, 0, 600.0 / 13]
        #expect(isClose(accuracy.smape, terms.reduce(0, +) / 4))
        #expect(accuracy[.smape] == accuracy.smape)
    }

    @Test func maseWithSeasonOneScalesByTheNaiveErrorsOfTheTrainingPart() {
        #expect(isClose(Accuracy.naiveScale(training, season: 1), 7.0 / 4))
        let accuracy = Accuracy(actual: actual, forecast: forecast, training: training, season: 1)
        // 1.5 / (7/4) = 6/7
        #expect(isClose(accuracy.mase, 6.0 / 7))
        #expect(accuracy[.mase] == accuracy.mase)
    }

    @Test func maseWithASeasonOfTwoScalesByTheSeasonalNaiveErrors() {
        #expect(isClose(Accuracy.naiveScale(training, season: 2), 5.0 / 3))
        let accuracy = Accuracy(actual: actual, forecast: forecast, training: training, season: 2)
        // 1.5 / (5/3) = 0.9
        #expect(isClose(accuracy.mase, 0.9))
        // MAE, RMSE, MAPE and sMAPE do not depend on the season.
        let seasonOne = Accuracy(actual: actual, forecast: forecast, training: training, season: 1)
        #expect(accuracy.mae == seasonOne.mae && accuracy.rmse == seasonOne.rmse)
    }

    @Test func maseFallsBackToLagOneWhenTrainingIsNotLongerThanASeason() {
        // 5 points, season 12 → lag 1: 7/4.
        #expect(isClose(Accuracy.naiveScale(training, season: 12), 7.0 / 4))
        #expect(Accuracy.naiveScale([4], season: 1).isNaN)
    }

    @Test func maseIsNaNWhenTheTrainingPartIsFlat() {
        let accuracy = Accuracy(actual: [1, 2], forecast: [1, 1], training: [3, 3, 3], season: 1)
        #expect(accuracy.mase.isNaN)
        #expect(isClose(accuracy.mae, 0.5))
    }

    @Test func perfectForecastScoresZeroEverywhere() {
        let accuracy = Accuracy(actual: actual, forecast: actual, training: training, season: 1)
        #expect(accuracy.mae == 0 && accuracy.rmse == 0 && accuracy.mape == 0 && accuracy.smape == 0 && accuracy.mase == 0)
    }

    @Test func metricNamesAreTheTableHeaders() {
        #expect(Metric.allCases.map(\.name) == ["MAE", "RMSE", "MAPE", "SMAPE", "MASE"])
    }

    // MARK: Baselines

    /// n = 6, last value 7, first value 1.
    let history: [Double] = [1, 2, 4, 3, 5, 7]

    @Test func naiveRepeatsTheLastValue() {
        #expect(Baseline.naive.forecast(history: history, horizon: 3, season: 1) == [7, 7, 7])
    }

    @Test func seasonalNaiveRepeatsTheLastSeason() {
        // Season 2: the last season is [5, 7].
        #expect(Baseline.seasonalNaive.forecast(history: history, horizon: 2, season: 2) == [5, 7])
        #expect(Baseline.seasonalNaive.forecast(history: history, horizon: 1, season: 3) == [3])
    }

    @Test func seasonalNaiveBeyondOneSeasonCyclesThroughTheLastSeason() {
        // Season 3: the last season is [3, 5, 7]; h = 4, 5, 7 take the same positions again:
        // ŷ_{T+h} = y_{T+h−3·(⌊(h−1)/3⌋+1)}, so h = 4 → y_{T−2} = 3, h = 7 → y_{T−2} = 3.
        #expect(Baseline.seasonalNaive.forecast(history: history, horizon: 7, season: 3) == [3, 5, 7, 3, 5, 7, 3])
    }

    @Test func seasonalNaiveWithASeasonLongerThanTheHistoryIsNaive() {
        #expect(Baseline.seasonalNaive.forecast(history: history, horizon: 2, season: 12) == [7, 7])
        #expect(Baseline.seasonalNaive.forecast(history: history, horizon: 2, season: 6) == [1, 2])
    }

    @Test func driftExtendsTheLineThroughTheFirstAndLastPoints() {
        // Slope (7 − 1) / (6 − 1) = 1.2: 7 + 1.2, 7 + 2.4, 7 + 3.6.
        #expect(isClose(Baseline.drift.forecast(history: history, horizon: 3, season: 1), [8.2, 9.4, 10.6]))
        // One point: no slope.
        #expect(Baseline.drift.forecast(history: [4], horizon: 2, season: 1) == [4, 4])
    }

    @Test func meanRepeatsTheHistorysMean() {
        // (1 + 2 + 4 + 3 + 5 + 7) / 6 = 22 / 6
        #expect(isClose(Baseline.mean.forecast(history: history, horizon: 2, season: 1), [22.0 / 6, 22.0 / 6]))
    }

    @Test func everyBaselineGivesExactlyTheHorizon() {
        for baseline in Baseline.allCases {
            #expect(baseline.forecast(history: history, horizon: 0, season: 2).isEmpty)
            #expect(baseline.forecast(history: history, horizon: 9, season: 2).count == 9)
        }
        #expect(Baseline.allCases.map(\.displayName) == ["naive", "seasonal naive", "drift", "mean"])
    }

    // MARK: Holdout evaluation

    @Test func holdoutEvaluationForecastsEveryHorizonFromRealHistory() throws {
        // An untrained model is enough: the evaluation's bookkeeping is what is checked.
        let network = LSTMModel(inputSize: 1, hiddenSize: 4, numLayers: 1, outputSize: 2, seed: 9)
        network.isTraining = false
        let configuration = ModelConfiguration(
            model: .init(inputSize: 1, hiddenSize: 4, numLayers: 1, outputSize: 2), lookback: 3, horizon: 2,
            target: "y", scaling: Scaler(method: .standard, center: [10], scale: [5]))
        let model = try ForecastModel(configuration: configuration, network: network)
        let values = (0..<20).map { Double($0 % 4) * 3 + Double($0) }
        let series = TimeSeries(source: "y.csv", targetName: "y", columns: [values])

        let evaluation = HoldoutEvaluation(model: model, series: series, testRange: 15..<20, trainEnd: 12, season: 4)
        // Origins at 15 and 17; 19 + 2 > 20, so the last point is not forecast.
        #expect(evaluation.origins.map(\.index) == [15, 17])
        #expect(evaluation.origins[1].actual == [values[17], values[18]])
        let window = (14..<17).map { [Float(values[$0])] }
        #expect(evaluation.origins[1].model == model.predict(window: window).map(Double.init))
        #expect(evaluation.origins[1].baselines[.naive] == [values[16], values[16]])
        let seasonal = Baseline.seasonalNaive.forecast(history: Array(values[..<15]), horizon: 2, season: 4)
        #expect(evaluation.origins[0].baselines[.seasonalNaive] == seasonal)

        let actual = evaluation.origins.flatMap(\.actual)
        let naive = evaluation.origins.flatMap { $0.baselines[.naive]! }
        #expect(evaluation.baselines[.naive] == Accuracy(actual: actual, forecast: naive, training: Array(values[..<12]), season: 4))
        #expect(evaluation.model == Accuracy(actual: actual, forecast: evaluation.origins.flatMap(\.model),
                                             training: Array(values[..<12]), season: 4))
    }
}
