import Forecast
import Foundation

// The command line's pictures: each turns a result of the library into a chart of ForecastPlot.

/// "LSTM 2×64 (36→12)": the model as chart titles name it (cell, layers × hidden units, lookback → horizon).
func modelName(_ configuration: ModelConfiguration) -> String {
    modelName(layers: configuration.model.numLayers, hiddenSize: configuration.model.hiddenSize,
              lookback: configuration.lookback, horizon: configuration.horizon, cell: configuration.model.cell)
}

func modelName(layers: Int, hiddenSize: Int, lookback: Int, horizon: Int, cell: RecurrentCell? = .lstm) -> String {
    "\(cellName(cell)) \(layers)×\(hiddenSize) (\(lookback)→\(horizon))"
}

/// "LSTM" or "GRU": the network as tables name it.
func cellName(_ cell: RecurrentCell?) -> String {
    (cell ?? .lstm).rawValue.uppercased()
}

/// The file name of the data without its folder ("sales.csv"), or "standard input".
func dataSetName(_ source: String) -> String {
    source == "-" ? "standard input" : URL(fileURLWithPath: source).lastPathComponent
}

/// The data set as a chart names one series: "sales.csv", or "stores.csv, series 'S1'" in a panel.
func seriesName(_ panel: Panel, _ index: Int) -> String {
    dataSetName(panel.source) + (panel.hasIDs ? ", \(panel.describe(index))" : "")
}

/// The index of the series `id` names (the first series when nil).
func chosenSeries(_ id: String?, in panel: Panel) throws(DataError) -> Int {
    guard let id else { return 0 }
    guard let index = panel.index(of: id) else {
        throw DataError(.usage, file: panel.source, "no series '\(id)' in the data")
    }
    return index
}

/// The history's tail and the forecast after it; a marker where the training data ends.
func forecastChart(series: TimeSeries, forecast: PointForecast, model: ForecastModel, name: String, trainingEnd: Int? = nil) -> Chart {
    let times = forecast.timestamps.flatMap { future in series.time.map { (history: $0.timestamps, future: future) } }
    let dated = series.time?.format != .step
    let bands = intervalBands(forecast.intervals)
    return Charts.forecast(dataSet: name, model: modelName(model.configuration), valueName: series.targetName,
                           history: series.target, historyTimes: dated ? times?.history : nil, forecast: forecast.values,
                           forecastTimes: dated ? times?.future : nil, interval: bands.first, innerIntervals: Array(bands.dropFirst()),
                           trainingEnd: trainingEnd)
}

/// The intervals as chart bands, widest first ("95% interval", then "80% interval").
func intervalBands(_ intervals: [PredictionInterval]) -> [ChartSeries.Band] {
    intervals.sorted { $0.level > $1.level }.map { ChartSeries.Band(label: "\($0.levelName)% interval", lower: $0.lower, upper: $0.upper) }
}

/// Training and validation loss per epoch, the best epoch marked.
func trainingChart(result: TrainingResult, panel: Panel) -> Chart {
    let history = result.history
    let validation = history.compactMap(\.validationLoss)
    return Charts.training(dataSet: dataSetName(panel.source), model: modelName(result.model.configuration),
                           epochs: history.map(\.epoch), trainingLoss: history.map(\.trainingLoss),
                           validationLoss: validation.count == history.count ? validation : nil,
                           bestEpoch: validation.isEmpty ? nil : result.bestEpoch,
                           lossName: result.model.configuration.training?.loss ?? "loss")
}

/// The actuals of one series with each origin's forecast and the seasonal naive forecast over them.
func backtestChart(evaluation: HoldoutEvaluation, series: TimeSeries, model: String, name: String) -> Chart {
    let origins = evaluation.origins.map {
        BacktestOrigin(index: $0.index, forecast: $0.model, baseline: $0.baselines[.seasonalNaive]!, intervals: intervalBands($0.intervals))
    }
    return Charts.backtest(dataSet: name, model: model, valueName: series.targetName,
                           actual: series.target, times: series.time?.format == .step ? nil : series.time?.timestamps, origins: origins,
                           subtitle: String(format: "MASE: LSTM %.3f, seasonal naive %.3f (season %d)",
                                            evaluation.model.mase, evaluation.baselines[.seasonalNaive]!.mase, evaluation.season))
}

/// The backtest chart of series `index` of a panel's evaluation.
func backtestChart(evaluation: PanelEvaluation, panel: Panel, index: Int, model: String) -> Chart {
    backtestChart(evaluation: evaluation.series[index], series: panel.series[index], model: model, name: seriesName(panel, index))
}

/// Writes a chart as a standalone SVG file (atomically), or to standard output for `-`.
func writePlot(_ chart: Chart, to path: String) throws(OutputError) {
    try writeOutput(chart.svg(), to: path)
}
