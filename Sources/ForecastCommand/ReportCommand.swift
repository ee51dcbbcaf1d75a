import ArgumentParser
import Forecast
import Foundation

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page about a model on a series: data, settings, metrics, plots.",
        discussion: """
        The page needs no network access to be viewed: styles and SVG plots are inline. It holds \
        a summary of the data, the model's settings, its accuracy on the test part beside the \
        naive baselines (as `forecast evaluate`), the test-part forecasts and the forecast of \
        the points after the data.

        Examples:
          forecast report --model sales-model --data sales.csv --output report.html
        """
    )

    @Option(help: ArgumentHelp("The model directory written by `forecast train`.", valueName: "directory"))
    var model: String

    @OptionGroup var data: DataOptions

    @Option(help: "The test part at the end of the data: a fraction or a number of points (default: the model's).")
    var testSize: PartSize?

    @Option(help: ArgumentHelp("The HTML file to write; - for standard output.", valueName: "file.html"))
    var output: String

    func run() throws {
        try reportingFailures {
            let model = try ForecastModel(contentsOf: URL(fileURLWithPath: self.model))
            let series = try PredictCommand.loadSeries(for: model, data: data, quiet: false)
            let test = testSize?.points(of: series.count) ?? model.configuration.training?.testSize ?? 0
            try writeOutput(try reportPage(model: model, series: series, testSize: test, training: nil), to: output)
            if output != "-" { printError("report written to \(output)") }
        }
    }
}

/// The report page: data summary, model settings, the test-part metrics and plots, the forecast.
func reportPage(model: ForecastModel, series: TimeSeries, testSize: Int, training: TrainingResult?) throws(DataError) -> String {
    let configuration = model.configuration
    let forecast = try model.forecast(series)
    var data: [(String, String)] = [("file", dataSetName(series)), ("target", series.targetName), ("points", "\(series.count)")]
    if !series.featureNames.isEmpty { data.append(("features", series.featureNames.joined(separator: ", "))) }
    if let time = series.time, let first = time.timestamps.first, let last = time.timestamps.last {
        data.append(("time", "\(time.text(first)) to \(time.text(last)) (\(time.frequency?.name ?? "irregular"))"))
    }
    let target = series.target
    data.append(("range", "\(formatNumber(target.min() ?? .nan)) to \(formatNumber(target.max() ?? .nan))"))

    let m = configuration.model
    var settings: [(String, String)] = [
        ("network", "LSTM, \(m.numLayers) layer\(m.numLayers == 1 ? "" : "s") of \(m.hiddenSize), then Linear to \(m.outputSize)"),
        ("window", "lookback \(configuration.lookback) → horizon \(configuration.horizon), \(configuration.strategy.rawValue) strategy"),
        ("scaling", "\(configuration.scaling.method.rawValue), then per-window normalisation '\(configuration.windowNormalization.method.rawValue)'"
            + (configuration.windowNormalization.method == .season ? " (period \(configuration.windowNormalization.period))" : "")),
    ]
    if let t = configuration.training {
        let parts = [t.epochs.map { "up to \($0) epochs" }, t.bestEpoch.map { "best epoch \($0)" }, t.batchSize.map { "batch \($0)" },
                     t.learningRate.map { "learning rate \($0)" }, t.loss, t.optimizer, t.seed.map { "seed \($0)" }].compactMap { $0 }
        settings.append(("training", parts.joined(separator: ", ")))
    }

    var plots: [(caption: String, svg: String)] = []
    var metrics = HTMLReport.MetricTable(header: ["forecaster"] + [Metric.mae, .rmse, .smape, .mase].map(\.name), rows: [])
    let start = series.count - testSize
    if testSize >= configuration.horizon && start >= configuration.lookback {
        let season = series.time?.frequency?.seasonalPeriod ?? 1
        let evaluation = HoldoutEvaluation(model: model, series: series, testRange: start..<series.count, trainEnd: start, season: season)
        var entries: [(String, Accuracy)] = [("LSTM", evaluation.model)]
        for baseline in Baseline.allCases { entries.append((baseline.displayName, evaluation.baselines[baseline]!)) }
        metrics.rows = entries.map { name, accuracy in [name] + [Metric.mae, .rmse, .smape, .mase].map { String(format: "%.3f", accuracy[$0]) } }
        plots.append(("The last \(testSize) points, held out from training: each forecast from the history before it, beside seasonal naive.",
                      backtestChart(evaluation: evaluation, series: series, model: modelName(configuration)).svg()))
    } else {
        metrics.rows = [["no test part: train with --test-size to score the model"] + Array(repeating: "", count: 4)]
    }
    plots.append(("The forecast of the \(forecast.values.count) points after the data.",
                  forecastChart(series: series, forecast: forecast, model: model, trainingEnd: training?.split.validationEnd).svg()))
    if let training {
        plots.append(("Loss per epoch.", trainingChart(result: training, series: series).svg()))
    }
    return HTMLReport.page(title: "\(dataSetName(series)): \(modelName(configuration))", data: data, model: settings,
                           metrics: metrics, plots: plots)
}
