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

        For a long table of many series the page shows the means over series, then the series \
        with the worst and the best MASE and any named with --series.

        Examples:
          forecast report --model sales-model --data sales.csv --output report.html
          forecast report --model stores-model --data stores.csv --series S1,S7 --output stores.html
          forecast report --model promo-model --data sales.csv --future plans.csv --output promo.html
        """
    )

    @Option(help: ArgumentHelp("The model directory written by `forecast train`.", valueName: "directory"))
    var model: String

    @OptionGroup var data: DataOptions

    @Option(help: "The test part at the end of the data: a fraction or a number of points (default: the model's).")
    var testSize: PartSize?

    @Option(help: ArgumentHelp("The HTML file to write; - for standard output.", valueName: "file.html"))
    var output: String

    @Option(help: ArgumentHelp("Series of a panel to show besides the worst and the best, comma-separated.", valueName: "a,b"))
    var series: String?

    @Option(help: ArgumentHelp("The future values of the model's future-known features over the forecast after the data (as for predict).", valueName: "file"))
    var future: String?

    func run() throws {
        try reportingFailures {
            let model = try ForecastModel(contentsOf: URL(fileURLWithPath: self.model))
            let panel = try PredictCommand.loadPanel(for: model, data: data, quiet: false)
            let chosen = (series ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let test = testSize ?? model.configuration.training?.testSize.map(PartSize.count) ?? .count(0)
            let known = try PredictCommand.knownFuture(future, model: model, panel: panel)
            try writeOutput(try reportPage(model: model, panel: panel, testSize: test, training: nil, series: chosen, future: known), to: output)
            if output != "-" { printError("report written to \(output)") }
        }
    }
}

/// The report page: data summary, model settings, the test-part metrics and plots, the forecast;
/// for a panel, the means over series and the plots of the worst, the best and the chosen series.
func reportPage(model: ForecastModel, panel: Panel, testSize: PartSize, training: TrainingResult?, series chosen: [String] = [],
                future: KnownFuture? = nil) throws(DataError) -> String {
    let configuration = model.configuration
    let levels = Forecaster.defaultLevels(for: model)
    let forecast = try model.forecast(panel, levels: levels, future: future)
    let first = panel.series[0]
    var data: [(String, String)] = [("file", dataSetName(panel.source)), ("target", panel.targetName)]
    if panel.hasIDs {
        let lengths = panel.series.map(\.count)
        data.append(("series", "\(panel.count) (id column '\(panel.idName ?? "")'), \(lengths.min()!)–\(lengths.max()!) points each, \(panel.pointCount) in all"))
    } else {
        data.append(("points", "\(first.count)"))
    }
    if !panel.featureNames.isEmpty { data.append(("features", panel.featureNames.joined(separator: ", "))) }
    if !panel.hasIDs, let time = first.time, let start = time.timestamps.first, let end = time.timestamps.last {
        data.append(("time", "\(time.text(start)) to \(time.text(end)) (\(time.frequency?.name ?? "irregular"))"))
    } else if let time = panel.time {
        data.append(("time", "column '\(time.name)' (\(time.frequency?.name ?? "irregular"))"))
    }
    if !panel.hasIDs {
        let target = first.target
        data.append(("range", "\(formatNumber(target.min() ?? .nan)) to \(formatNumber(target.max() ?? .nan))"))
    }

    let m = configuration.model
    var settings: [(String, String)] = [
        ("network", "\((m.cell ?? .lstm).rawValue.uppercased()), \(m.numLayers) layer\(m.numLayers == 1 ? "" : "s") of \(m.hiddenSize), then Linear to \(m.outputSize)"),
        ("window", "lookback \(configuration.lookback) → horizon \(configuration.horizon), \(configuration.strategy.rawValue) strategy"),
        ("scaling", "\(configuration.scaling.method.rawValue)\(configuration.scalesPerSeries ? " per series" : ""), then per-window normalisation '\(configuration.windowNormalization.method.rawValue)'"
            + ([.season, .seasonalNaive, .holtWinters].contains(configuration.windowNormalization.method) ? " (period \(configuration.windowNormalization.period))" : "")),
    ]
    if let t = configuration.training {
        let parts = [t.epochs.map { "up to \($0) epochs" }, t.maxSteps.map { "at most \($0) steps" }, t.bestEpoch.map { "best epoch \($0)" },
                     t.batchSize.map { "batch \($0)" }, t.learningRate.map { "learning rate \($0)" }, t.loss, t.optimizer,
                     t.seed.map { "seed \($0)" }].compactMap { $0 }
        settings.append(("training", parts.joined(separator: ", ")))
    }
    if let calibration = configuration.conformalIntervals {
        settings.append(("intervals", "conformal, from the errors of \(calibration.windows) validation forecast\(calibration.windows == 1 ? "" : "s") per step"
                         + (calibration.windows < ConformalCalibration.perStepMinimum ? " (pooled over the steps)" : "")
                         + "; errors scaled by \(calibration.scaleSummary)"))
    } else if let levels = configuration.quantileLevels {
        settings.append(("intervals", "the quantile head's, levels \(levels.map(PredictionInterval.name(of:)).joined(separator: ", ")) (pinball loss; the median is the point forecast)"))
    }
    if let fallback = fallbackLine(configuration.combination) { settings.append(("fallback", String(fallback.dropFirst("fallback: ".count)))) }
    if let perSeries = seriesFallbackLine(configuration) { settings.append(("fallback per series", String(perSeries.dropFirst("per series: ".count)))) }

    var plots: [(caption: String, svg: String)] = []
    let metricNames = [Metric.mae, .rmse, .smape, .mase]
    var metrics = HTMLReport.MetricTable(header: ["forecaster"] + metricNames.map(\.name), rows: [])
    let season = Forecaster.season(of: panel, model: model)
    let evaluable = testSize != .count(0) && panel.series.allSatisfy { series in
        let test = testSize.points(of: series.count)
        return test >= configuration.horizon && series.count - test >= (configuration.scalesPerSeries ? 1 : configuration.lookback)
    }
    var shown = chosen.compactMap { panel.index(of: $0) }
    if evaluable {
        let evaluation = try PanelEvaluation(model: model, panel: panel, testSize: testSize, season: season, levels: levels)
        if let intervals = evaluation.intervals {
            let figures = intervals.levels.map { String(format: "%@%% covers %.3f (mean width %.3f)", PredictionInterval.name(of: $0.level), $0.coverage, $0.meanWidth) }
            settings.append(("intervals on the test part", figures.joined(separator: "; ")
                             + String(format: "; MSIS %.3f; weighted quantile loss %.4f", intervals.msis, intervals.weightedQuantileLoss)
                             + (panel.hasIDs ? " (means over series; wQL pooled)" : "")))
        }
        let network = modelRowName(configuration, network: cellName(configuration.model.cell))
        var entries: [(String, Accuracy)] = [(panel.hasIDs ? "\(network) (mean of \(panel.count) series)" : network, evaluation.model)]
        for baseline in Baseline.allCases { entries.append((baseline.displayName, evaluation.baselines[baseline]!)) }
        metrics.rows = entries.map { name, accuracy in [name] + metricNames.map { String(format: "%.3f", accuracy[$0]) } }
        var captions: [Int: String] = [:]
        if panel.hasIDs {
            let ranked = evaluation.series.indices.filter { !evaluation.series[$0].model.mase.isNaN }
                .sorted { evaluation.series[$0].model.mase < evaluation.series[$1].model.mase }
            if let worst = ranked.last { captions[worst] = "the worst MASE"; shown.insert(worst, at: 0) }
            if let best = ranked.first, best != ranked.last { captions[best] = "the best MASE"; shown.insert(best, at: 1) }
        } else {
            shown = [0]
        }
        var seen = Set<Int>()
        for index in shown where seen.insert(index).inserted {
            let what = captions[index].map { "Series '\(panel.ids[index])', \($0): " } ?? (panel.hasIDs ? "Series '\(panel.ids[index])': " : "")
            plots.append(("\(what)the test part, held out from training: each forecast from the history before it, beside seasonal naive.",
                          backtestChart(evaluation: evaluation, panel: panel, index: index, model: modelName(configuration)).svg()))
        }
    } else {
        metrics.rows = [["no test part: train with --test-size to score the model"] + Array(repeating: "", count: 4)]
        if shown.isEmpty { shown = [0] }
    }
    for index in (panel.hasIDs ? Array(Set(shown)).sorted() : [0]) {
        let what = panel.hasIDs ? "Series '\(panel.ids[index])': the" : "The"
        plots.append(("\(what) forecast of the \(forecast.forecasts[index].values.count) points after the data.",
                      forecastChart(series: panel.series[index], forecast: forecast.forecasts[index], model: model, name: seriesName(panel, index),
                                    trainingEnd: panel.hasIDs ? nil : training?.split.validationEnd).svg()))
    }
    if let training {
        plots.append(("Loss per epoch.", trainingChart(result: training, panel: panel).svg()))
    }
    return HTMLReport.page(title: "\(dataSetName(panel.source)): \(modelName(configuration))", data: data, model: settings,
                           metrics: metrics, plots: plots)
}
