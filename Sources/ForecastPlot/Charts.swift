// The three charts a forecasting run draws, built from plain arrays: the forecast after the end
// of the history, the losses per epoch of a training, and the forecasts of a backtest over the
// actuals. Each names the data set and the model in its title.
import ForecastData

/// Where one backtest forecast starts, and what the model and the baseline forecast from there.
public struct BacktestOrigin: Sendable, Hashable {
    /// The index, in the actuals, of the first forecast point.
    public var index: Int
    /// The model's forecast: one value per point from ``index`` on.
    public var forecast: [Double]
    /// The baseline's forecast for the same points.
    public var baseline: [Double]
    /// The model's prediction intervals, widest first, each one lower and upper value per
    /// forecast point (drawn as bands in the forecast's colour).
    public var intervals: [ChartSeries.Band]

    /// Creates an origin.
    public init(index: Int, forecast: [Double], baseline: [Double], intervals: [ChartSeries.Band] = []) {
        precondition(intervals.allSatisfy { $0.lower.count == forecast.count && $0.upper.count == forecast.count },
                     "one lower and one upper bound per forecast point")
        self.index = index
        self.forecast = forecast
        self.baseline = baseline
        self.intervals = intervals
    }
}

/// Builders for the charts of a forecasting run.
///
/// Colours are fixed by role, from ``Palette/okabeIto``: the history, the backtest actuals and
/// the training loss blue; the held-out actuals of a forecast black; the model's forecast (its
/// interval shaded in the same colour) and the validation loss vermillion; the baseline black
/// and dashed.
public enum Charts {
    static let observedColor = 0
    static let forecastColor = 1
    static let actualColor = 6
    static let baselineColor = 6

    // MARK: forecast

    /// The tail of the history, the forecast after it with its prediction interval, the actual
    /// values at the forecast points where they are known, and a marker where the training data ends.
    ///
    /// The points are numbered from the start of `history`; the forecast points follow it. The x
    /// axis shows dates when both `historyTimes` and `forecastTimes` are given, else these numbers.
    ///
    /// - Parameters:
    ///   - dataSet: the data set's name, for the title.
    ///   - model: a short description of the model, for the title.
    ///   - valueName: the y axis title (the target column's name).
    ///   - history: the observed values before the first forecast point.
    ///   - historyTimes: one timestamp per `history` value, if the data has a time column.
    ///   - forecast: the model's forecast, one value per point after the history.
    ///   - forecastTimes: one timestamp per `forecast` value.
    ///   - actual: the observed values at the forecast points, when known (a held-out test part);
    ///     at most one per forecast point, NaN where unknown. Drawn joined to the last history point.
    ///   - interval: the prediction interval, one lower and upper value per forecast point.
    ///   - innerIntervals: narrower intervals drawn over `interval` (e.g. the 80% band inside the
    ///     95% one), each one lower and upper value per forecast point.
    ///   - trainingEnd: how many points from the start of `history` the model was trained on; the
    ///     marker goes halfway between the last of them and the next point. Not drawn when that
    ///     falls outside the tail shown.
    ///   - tail: how many history points to show; by default three forecast lengths, at least 36,
    ///     and back far enough to show where training ends.
    ///   - subtitle: a line under the title.
    public static func forecast(dataSet: String, model: String, valueName: String,
                                history: [Double], historyTimes: [Timestamp]? = nil,
                                forecast: [Double], forecastTimes: [Timestamp]? = nil,
                                actual: [Double]? = nil, interval: ChartSeries.Band? = nil, innerIntervals: [ChartSeries.Band] = [],
                                trainingEnd: Int? = nil, tail: Int? = nil, subtitle: String? = nil) -> Chart {
        precondition(historyTimes == nil || historyTimes!.count == history.count, "one history timestamp per history value")
        precondition(forecastTimes == nil || forecastTimes!.count == forecast.count, "one forecast timestamp per forecast value")
        precondition((actual?.count ?? 0) <= forecast.count, "at most one actual value per forecast point")
        let times = historyTimes.flatMap { history in forecastTimes.map { history + $0 } }
        let x = XPositions(times: times)
        let shownTail = min(history.count, tail ?? defaultTail(history: history.count, horizon: forecast.count, trainingEnd: trainingEnd))
        let firstShown = history.count - shownTail
        let forecastIndices = history.count..<(history.count + forecast.count)

        var series = [ChartSeries(name: "history", xs: x(firstShown..<history.count), values: Array(history[firstShown...]),
                                  color: observedColor)]
        if let actual, !actual.isEmpty {
            // Joined to the last history point so that the observed line reads as one.
            let joined = history.isEmpty ? 0 : 1
            let indices = (history.count - joined)..<(history.count + actual.count)
            let values = Array(history.suffix(joined)) + actual
            series.append(ChartSeries(name: "actual", xs: x(indices), values: values, color: actualColor))
        }
        series.append(ChartSeries(name: "forecast", xs: x(forecastIndices), values: forecast, color: forecastColor, band: interval))
        for band in innerIntervals {
            series.append(ChartSeries(name: "forecast", xs: x(forecastIndices), values: forecast, color: forecastColor, band: band))
        }

        var markers: [Chart.Marker] = []
        if let trainingEnd, trainingEnd > firstShown, trainingEnd < history.count + forecast.count {
            markers.append(Chart.Marker(x: x.boundary(before: trainingEnd), label: "training ends"))
        }
        return Chart(title: "\(dataSet): forecast by \(model)", subtitle: subtitle, xAxis: x.axis(stepLabel: "step"),
                     yLabel: valueName, series: series, markers: markers)
    }

    /// Three forecast lengths of history, at least 36 points, and back to `horizon` points before
    /// the end of training.
    private static func defaultTail(history: Int, horizon: Int, trainingEnd: Int?) -> Int {
        let sinceTraining = trainingEnd.map { history - $0 + horizon } ?? 0
        return max(3 * horizon, 36, sinceTraining)
    }

    // MARK: training

    /// Training and validation loss per epoch, with the best epoch marked; the y axis is
    /// logarithmic when the losses span more than a decade (the largest over 10 × the smallest).
    ///
    /// - Parameters:
    ///   - dataSet: the data set's name, for the title.
    ///   - model: a short description of the model, for the title.
    ///   - epochs: the epoch numbers, one per loss.
    ///   - trainingLoss: the mean training loss of each epoch.
    ///   - validationLoss: the validation loss of each epoch, if there is a validation part
    ///     (NaN for an epoch without one).
    ///   - bestEpoch: the epoch whose weights were kept, marked with a vertical line.
    ///   - lossName: the y axis title, e.g. "MSE (scaled)".
    ///   - subtitle: a line under the title.
    public static func training(dataSet: String, model: String, epochs: [Int], trainingLoss: [Double],
                                validationLoss: [Double]? = nil, bestEpoch: Int? = nil,
                                lossName: String = "loss", subtitle: String? = nil) -> Chart {
        precondition(trainingLoss.count == epochs.count, "one training loss per epoch")
        precondition(validationLoss == nil || validationLoss!.count == epochs.count, "one validation loss per epoch")
        let xs = epochs.map(Double.init)
        var series = [ChartSeries(name: "training loss", xs: xs, values: trainingLoss, color: observedColor)]
        if let validationLoss {
            series.append(ChartSeries(name: "validation loss", xs: xs, values: validationLoss, color: forecastColor))
        }
        let markers = bestEpoch.map { [Chart.Marker(x: Double($0), label: "best epoch \($0)")] } ?? []
        return Chart(title: "\(dataSet): training \(model)", subtitle: subtitle, xAxis: .steps(label: "epoch"),
                     yLabel: lossName, series: series, markers: markers,
                     logY: spansMoreThanADecade(trainingLoss + (validationLoss ?? [])))
    }

    /// Whether the largest positive finite value is more than ten times the smallest.
    static func spansMoreThanADecade(_ values: [Double]) -> Bool {
        let positive = values.filter { $0.isFinite && $0 > 0 }
        guard let low = positive.min(), let high = positive.max() else { return false }
        return high > 10 * low
    }

    // MARK: backtest

    /// The actuals, and from each origin the model's and the baseline's forecasts over them,
    /// with a dotted vertical line at each origin.
    ///
    /// Each origin's forecast is its own series (all named "forecast", one legend entry), so that
    /// consecutive origins are not joined; likewise the baseline's. Forecast points past the end
    /// of `actual` are left out.
    ///
    /// - Parameters:
    ///   - dataSet: the data set's name, for the title.
    ///   - model: a short description of the model, for the title.
    ///   - valueName: the y axis title (the target column's name).
    ///   - actual: the whole observed series.
    ///   - times: one timestamp per `actual` value, if the data has a time column.
    ///   - origins: the forecast origins, in time order.
    ///   - baselineName: the baseline's legend entry.
    ///   - context: how many points before the first origin to show; by default two forecast
    ///     lengths, at least 24.
    ///   - subtitle: a line under the title.
    public static func backtest(dataSet: String, model: String, valueName: String,
                                actual: [Double], times: [Timestamp]? = nil, origins: [BacktestOrigin],
                                baselineName: String = "seasonal naive", context: Int? = nil,
                                subtitle: String? = nil) -> Chart {
        precondition(times == nil || times!.count == actual.count, "one timestamp per actual value")
        let x = XPositions(times: times)
        let horizon = origins.map(\.forecast.count).max() ?? 0
        let firstOrigin = origins.map(\.index).min() ?? 0
        let firstShown = max(0, firstOrigin - (context ?? max(2 * horizon, 24)))
        let lastShown = min(actual.count, origins.map { $0.index + max($0.forecast.count, $0.baseline.count) }.max() ?? actual.count)
        let shownActual = firstShown < lastShown ? firstShown..<lastShown : 0..<0

        var series = [ChartSeries(name: "actual", xs: x(shownActual), values: Array(actual[shownActual]), color: observedColor)]
        var markers: [Chart.Marker] = []
        for (number, origin) in origins.enumerated() where origin.index >= 0 && origin.index < actual.count {
            series.append(pathFrom(origin.index, origin.forecast, name: "forecast", style: .line, color: forecastColor,
                                   limit: actual.count, x: x))
            for band in origin.intervals {
                series.append(pathFrom(origin.index, origin.forecast, name: "forecast", style: .line, color: forecastColor,
                                       limit: actual.count, x: x, band: band))
            }
            series.append(pathFrom(origin.index, origin.baseline, name: baselineName, style: .dashed, color: baselineColor,
                                   limit: actual.count, x: x))
            markers.append(Chart.Marker(x: x.boundary(before: origin.index), label: number == 0 ? "origin 1" : "\(number + 1)"))
        }
        return Chart(title: "\(dataSet): backtest of \(model) against \(baselineName)", subtitle: subtitle,
                     xAxis: x.axis(stepLabel: "step"), yLabel: valueName, series: series, markers: markers)
    }

    /// A forecast from point `start` on, cut at point `limit`.
    private static func pathFrom(_ start: Int, _ values: [Double], name: String, style: ChartSeries.Style, color: Int,
                                 limit: Int, x: XPositions, band: ChartSeries.Band? = nil) -> ChartSeries {
        let end = min(start + values.count, limit)
        let cut = band.map { ChartSeries.Band(label: $0.label, lower: Array($0.lower.prefix(end - start)), upper: Array($0.upper.prefix(end - start))) }
        return ChartSeries(name: name, xs: x(start..<end), values: Array(values.prefix(end - start)), style: style, color: color, band: cut)
    }
}

/// The x of each point: its timestamp in seconds since 1970 when the data has times, else its index.
struct XPositions {
    let times: [Timestamp]?

    func callAsFunction(_ indices: Range<Int>) -> [Double] {
        indices.map(position)
    }

    func position(_ index: Int) -> Double {
        guard let times, !times.isEmpty else { return Double(index) }
        if times.indices.contains(index) { return Self.seconds(times[index]) }
        // Past either end (by one, at a boundary): extended by the step at that end.
        guard times.count >= 2 else { return Self.seconds(times[0]) }
        let (end, inner) = index < 0 ? (0, 1) : (times.count - 1, times.count - 2)
        let step = Self.seconds(times[end]) - Self.seconds(times[inner])
        return Self.seconds(times[end]) + step * Double(abs(index - end))
    }

    /// Halfway between point `index − 1` and point `index`.
    func boundary(before index: Int) -> Double {
        (position(index - 1) + position(index)) / 2
    }

    func axis(stepLabel: String) -> Chart.XAxis {
        guard let first = times?.first else { return .steps(label: stepLabel) }
        return .time(utcOffsetSeconds: first.utcOffsetSeconds)
    }

    static func seconds(_ timestamp: Timestamp) -> Double {
        Double(timestamp.seconds) + Double(timestamp.nanoseconds) / 1e9
    }
}
