import ArgumentParser
import Forecast
import Foundation

struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Rolling-origin evaluation: forecast the last K horizons from the history before each.",
        discussion: """
        The last --origins × --horizon points are the test region. The model is trained once on \
        the data before the first origin (validation from its end), or again before every origin \
        with --retrain; each origin's forecast reads the real history before it. The model is \
        shown beside the naive, seasonal naive, drift and mean forecasts (docs/accuracy.md).

        On a long table of many series the last K horizons of every series are forecast by one \
        model trained on all series before them; each series is scored on its own and the table \
        shows the means over series (--per-series for each series' figures); the CSV's first \
        column is the id.

        The model's conformal prediction intervals (--intervals, default conformal) are scored \
        at --level (default 80,95) and the CSV gains `lo-80,hi-80,lo-95,hi-95` after `forecast`.

        Examples:
          forecast backtest --data sales.csv --target sales --lookback 36 --horizon 12 --origins 2
          forecast backtest --data sales.csv --lookback 36 --horizon 12 --origins 4 --retrain --output backtest.csv --json
          forecast backtest --data m4_hourly.csv --horizon 48 --season 24 --per-series hourly-accuracy.csv
          forecast backtest --data sales.csv --horizon 12 --origins 2 --level 80,95 --output backtest.csv
        """
    )

    @OptionGroup var data: DataOptions
    @OptionGroup var training: TrainingArguments

    @Option(help: "K, the number of forecast origins.")
    var origins: Int = 1

    @Flag(help: "Train again on the history before every origin.")
    var retrain = false

    @Option(help: ArgumentHelp("Write one row per forecast point (origin, time, actual, forecast, baselines) to this CSV; - for standard output.", valueName: "file"))
    var output: String?

    @OptionGroup var level: LevelOptions

    @Flag(help: "Print the metrics as JSON.")
    var json = false

    @Option(help: ArgumentHelp("Also draw the actuals with each origin's forecast and the seasonal naive one to this SVG file (of a panel, the series --series names, else the first).", valueName: "file.svg"))
    var plot: String?

    @Option(help: ArgumentHelp("The series of a panel to draw with --plot.", valueName: "id"))
    var series: String?

    @Option(help: ArgumentHelp("Also write each series' figures (model and baselines) to this CSV; - for standard output.", valueName: "file.csv"))
    var perSeries: String?

    @Flag(help: "Print no progress.")
    var quiet = false

    func validate() throws {
        if origins <= 0 { throw ValidationError("--origins must be at least 1 (got \(origins))") }
    }

    func run() throws {
        try reportingFailures {
            let panel = try data.loadPanel(quiet: quiet || json)
            let forecaster = Forecaster(options: training.options(for: panel, futureFeatures: data.futureFeatureList))
            let options = forecaster.options
            var printer = ProgressPrinter(quiet: quiet || json)
            let backtest = try forecaster.backtest(panel, origins: origins, season: training.season, retrain: retrain,
                                                   levels: level.levels) { _, progress in
                printer.report(progress)
            }
            printer.finish()
            let evaluation = backtest.evaluation
            if let output { try writeOutput(ForecastTables.heldOutCSV(evaluation, panel: panel), to: output) }
            if let perSeries { try writeOutput(ForecastTables.perSeriesCSV(evaluation, idName: panel.idName), to: perSeries) }
            if let plot {
                let name = modelName(layers: options.layers, hiddenSize: options.hiddenSize, lookback: options.lookback, horizon: options.horizon, cell: options.cell)
                try writePlot(backtestChart(evaluation: evaluation, panel: panel, index: try chosenSeries(series, in: panel), model: name), to: plot)
            }
            if json {
                // The last origin's training: the model that forecast the latest points.
                var extra: [(String, String)] = []
                if let configuration = backtest.configurations.last, let training = backtest.trainings.last {
                    extra.append(("normalization", normalizationJSON(chosen: configuration.windowNormalization.method, errors: training.normalizationErrors)))
                }
                if let combination = backtest.combinations.last ?? nil { extra.append(("combination", combinationJSON(combination))) }
                print(metricsJSON(evaluation, extra: extra))
            } else {
                let trainings = backtest.trainings
                printError("\(trainings.count) training\(trainings.count == 1 ? "" : "s"), \(duration(trainings.reduce(0) { $0 + $1.seconds })); "
                           + "\(origins) origin\(origins == 1 ? "" : "s") × \(options.horizon) points (season \(evaluation.season))"
                           + (panel.hasIDs ? " of each of \(panel.count) series; means over series" : ""))
                for (k, combination) in backtest.combinations.enumerated() {
                    if let line = normalizationLine(chosen: backtest.configurations[k].windowNormalization.method, errors: trainings[k].normalizationErrors) {
                        print((backtest.combinations.count > 1 ? "origin \(k + 1): " : "") + line)
                    }
                    if let fallback = fallbackLine(combination) { print((backtest.combinations.count > 1 ? "origin \(k + 1): " : "") + fallback) }
                    if let perSeries = seriesFallbackLine(backtest.configurations[k]) { print((backtest.combinations.count > 1 ? "origin \(k + 1): " : "") + perSeries) }
                }
                let network = cellName(options.cell)
                print(accuracyTable(evaluation, modelName: backtest.combinations.count == 1 ? modelRowName(backtest.configurations[0], network: network)
                                                      : backtest.combinations.allSatisfy { $0 == nil } ? network : "\(network) + fallback"))
            }
        }
    }
}
