import Testing
import ForecastData
@testable import ForecastPlot

/// The forecast, training and backtest charts hold what a reader needs: the right points, where
/// training ends, the best epoch, a log scale when losses span decades, each origin.
@Suite struct ChartsTests {
    private let monthStart = Timestamp(year: 1949, month: 1, day: 1)!

    private func months(_ range: Range<Int>) -> [Timestamp] {
        range.map { Frequency.monthly.advance(monthStart, by: $0) }
    }

    private func seconds(_ timestamp: Timestamp) -> Double { Double(timestamp.seconds) }

    // MARK: forecast

    @Test func aForecastShowsTheTailTheActualsTheForecastAndItsInterval() {
        let history = (0..<120).map(Double.init), forecast = Array(repeating: 5.0, count: 12)
        let chart = Charts.forecast(dataSet: "AirPassengers", model: "LSTM", valueName: "passengers",
                                    history: history, forecast: forecast, actual: [120, 121, 122],
                                    interval: .init(label: "80% interval", lower: forecast.map { $0 - 1 }, upper: forecast.map { $0 + 1 }),
                                    trainingEnd: 100)
        #expect(chart.title == "AirPassengers: forecast by LSTM")
        #expect(chart.xAxis == .steps(label: "step"))
        #expect(chart.series.map(\.name) == ["history", "actual", "forecast"])
        // The default tail reaches back past the end of training: 36 points here.
        #expect(chart.series[0].xs == (84..<120).map(Double.init))
        #expect(chart.series[0].values == Array(history[84...]))
        // The actuals start from the last history point.
        #expect(chart.series[1].xs == [119, 120, 121, 122])
        #expect(chart.series[1].values == [119, 120, 121, 122])
        #expect(chart.series[2].xs == (120..<132).map(Double.init))
        #expect(chart.series[2].band?.label == "80% interval")
        #expect(chart.markers == [Chart.Marker(x: 99.5, label: "training ends")])
    }

    @Test func aForecastWithTimesHasADateAxisAndTheMarkerBetweenTwoDates() {
        let times = months(0..<144)
        let chart = Charts.forecast(dataSet: "d", model: "m", valueName: "v",
                                    history: Array(repeating: 1, count: 132), historyTimes: Array(times[..<132]),
                                    forecast: Array(repeating: 2, count: 12), forecastTimes: Array(times[132...]),
                                    trainingEnd: 132, tail: 24)
        #expect(chart.xAxis == .time(utcOffsetSeconds: 0))
        #expect(chart.series[0].xs == times[108..<132].map(seconds))
        #expect(chart.series[1].xs == times[132...].map(seconds))
        #expect(chart.markers.map(\.x) == [(seconds(times[131]) + seconds(times[132])) / 2])
    }

    @Test func aTrainingEndOutsideTheTailIsNotMarked() {
        let chart = Charts.forecast(dataSet: "d", model: "m", valueName: "v", history: Array(repeating: 1, count: 100),
                                    forecast: [1, 2], trainingEnd: 50, tail: 10)
        #expect(chart.markers.isEmpty)
        #expect(chart.series[0].values.count == 10)
    }

    // MARK: training

    @Test func lossesSpanningDecadesGetALogScaleAndTheBestEpochIsMarked() {
        let training = [2.0, 0.5, 0.1, 0.05, 0.03], validation = [2.2, 0.6, 0.15, 0.12, 0.14]
        let chart = Charts.training(dataSet: "AirPassengers", model: "LSTM", epochs: [1, 2, 3, 4, 5],
                                    trainingLoss: training, validationLoss: validation, bestEpoch: 4)
        #expect(chart.logY)
        #expect(chart.xAxis == .steps(label: "epoch"))
        #expect(chart.series.map(\.name) == ["training loss", "validation loss"])
        #expect(chart.markers == [Chart.Marker(x: 4, label: "best epoch 4")])
        #expect(chart.title.contains("AirPassengers") && chart.title.contains("LSTM"))
    }

    @Test func lossesWithinADecadeKeepALinearScale() {
        let chart = Charts.training(dataSet: "d", model: "m", epochs: [1, 2, 3], trainingLoss: [0.5, 0.3, 0.06],
                                    validationLoss: [.nan, 0.4, 0.35])
        #expect(!chart.logY)
        #expect(Charts.spansMoreThanADecade([1, 0.09]))
        #expect(!Charts.spansMoreThanADecade([1, 0.1, 0, -3, .nan]))
    }

    // MARK: backtest

    @Test func aBacktestDrawsEachOriginsForecastsSeparatelyWithAMarker() throws {
        let actual = (0..<60).map(Double.init)
        let origins = [36, 48].map { BacktestOrigin(index: $0, forecast: Array(repeating: 1, count: 12), baseline: Array(repeating: 2, count: 12)) }
        let chart = Charts.backtest(dataSet: "wineind", model: "LSTM", valueName: "sales", actual: actual, origins: origins)
        #expect(chart.title == "wineind: backtest of LSTM against seasonal naive")
        #expect(chart.series.map(\.name) == ["actual", "forecast", "seasonal naive", "forecast", "seasonal naive"])
        #expect(chart.series[0].xs.first == 12)  // 24 points of context before the first origin
        #expect(chart.series[1].xs == (36..<48).map(Double.init))
        #expect(chart.series[4].xs == (48..<60).map(Double.init))
        #expect(chart.series[2].style == .dashed)
        #expect(chart.markers.map(\.x) == [35.5, 47.5])
        #expect(chart.markers.map(\.label) == ["origin 1", "2"])

        // One path per origin and forecast, each with a point per forecast value.
        let document = try #require(ParsedXML(chart.svg()))
        for index in 1..<chart.series.count {
            let commands = pathCommands(document.seriesPaths(index)[0].attributes["d"]!)
            #expect(commands.count { $0.command == "M" || $0.command == "L" } == 12)
        }
    }

    @Test func backtestForecastsPastTheDataAreCut() {
        let origin = BacktestOrigin(index: 8, forecast: [1, 2, 3, 4], baseline: [1, 2, 3, 4])
        let chart = Charts.backtest(dataSet: "d", model: "m", valueName: "v", actual: Array(repeating: 0, count: 10),
                                    times: months(0..<10), origins: [origin])
        #expect(chart.series[1].values == [1, 2])
        #expect(chart.series[1].xs == months(8..<10).map(seconds))
        #expect(chart.xAxis == .time(utcOffsetSeconds: 0))
    }
}
