import Forecast
import Foundation

// The command line's pictures: each turns a result of the library into a chart of ForecastPlot.

/// "LSTM 2×64 (36→12)": the model as chart titles name it (layers × hidden units, lookback → horizon).
func modelName(_ configuration: ModelConfiguration) -> String {
    modelName(layers: configuration.model.numLayers, hiddenSize: configuration.model.hiddenSize,
              lookback: configuration.lookback, horizon: configuration.horizon)
}

func modelName(layers: Int, hiddenSize: Int, lookback: Int, horizon: Int) -> String {
    "LSTM \(layers)×\(hiddenSize) (\(lookback)→\(horizon))"
}

/// The file name of a series without its folder ("sales.csv"), or "standard input".
func dataSetName(_ series: TimeSeries) -> String {
    series.source == "-" ? "standard input" : URL(fileURLWithPath: series.source).lastPathComponent
}

/// The history's tail and the forecast after it; a marker where the training data ends.
func forecastChart(series: TimeSeries, forecast: Forecast, model: ForecastModel, trainingEnd: Int? = nil) -> Chart {
    let times = forecast.timestamps.flatMap { future in series.time.map { (history: $0.timestamps, future: future) } }
    return Charts.forecast(dataSet: dataSetName(series), model: modelName(model.configuration), valueName: series.targetName,
                           history: series.target, historyTimes: times?.history, forecast: forecast.values,
                           forecastTimes: times?.future, trainingEnd: trainingEnd)
}

/// Training and validation loss per epoch, the best epoch marked.
func trainingChart(result: TrainingResult, series: TimeSeries) -> Chart {
    let history = result.history
    let validation = history.compactMap(\.validationLoss)
    return Charts.training(dataSet: dataSetName(series), model: modelName(result.model.configuration),
                           epochs: history.map(\.epoch), trainingLoss: history.map(\.trainingLoss),
                           validationLoss: validation.count == history.count ? validation : nil,
                           bestEpoch: validation.isEmpty ? nil : result.bestEpoch,
                           lossName: result.model.configuration.training?.loss ?? "loss")
}

/// The actuals with each origin's forecast and the seasonal naive forecast over them.
func backtestChart(evaluation: HoldoutEvaluation, series: TimeSeries, model: String) -> Chart {
    let origins = evaluation.origins.map {
        BacktestOrigin(index: $0.index, forecast: $0.model, baseline: $0.baselines[.seasonalNaive]!)
    }
    return Charts.backtest(dataSet: dataSetName(series), model: model, valueName: series.targetName,
                           actual: series.target, times: series.time?.timestamps, origins: origins,
                           subtitle: String(format: "MASE: LSTM %.3f, seasonal naive %.3f (season %d)",
                                            evaluation.model.mase, evaluation.baselines[.seasonalNaive]!.mase, evaluation.season))
}

/// Writes a chart as a standalone SVG file (atomically), or to standard output for `-`.
func writePlot(_ chart: Chart, to path: String) throws(OutputError) {
    try writeOutput(chart.svg(), to: path)
}
