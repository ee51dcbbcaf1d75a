import ArgumentParser
import Forecast
import Foundation

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score a saved model on the test part of a series, beside the naive baselines.",
        discussion: """
        The test part is the one held out when the model was trained (its size is stored in the \
        model), or --test-size. Forecasts start every horizon points across it, each from the real \
        history before it. MASE is scaled by the seasonal naive errors of the data before the test part.

        On a long table of many series each series is scored on its own (its last --test-size \
        points, MASE with its own scale) and the table shows the means over series; \
        --per-series writes each series' figures.

        A model with prediction intervals is scored on them too (--level, default 80,95): the \
        coverage and mean width of each level, MSIS at 95% (scaled as MASE) and the weighted \
        quantile loss.

        Examples:
          forecast evaluate --model sales-model --data sales.csv
          forecast evaluate --model sales-model --data sales.csv --test-size 24 --json
          forecast evaluate --model stores-model --data stores.csv --per-series stores-accuracy.csv
          forecast evaluate --model sales-model --data sales.csv --level 50,90
        """
    )

    @Option(help: ArgumentHelp("The model directory written by `forecast train`.", valueName: "directory"))
    var model: String

    @OptionGroup var data: DataOptions

    @Option(help: "The test part at the end of the data: a fraction or a number of points (default: the model's).")
    var testSize: PartSize?

    @Option(help: "The seasonal period of seasonal naive and MASE (default: from the frequency).")
    var season: Int?

    @OptionGroup var level: LevelOptions

    @Flag(help: "Print the metrics as JSON.")
    var json = false

    @Option(help: ArgumentHelp("Also draw the actuals with each forecast and the seasonal naive one to this SVG file (of a panel, the series --series names, else the first).", valueName: "file.svg"))
    var plot: String?

    @Option(help: ArgumentHelp("The series of a panel to draw with --plot.", valueName: "id"))
    var series: String?

    @Option(help: ArgumentHelp("Also write each series' figures (model and baselines) to this CSV; - for standard output.", valueName: "file.csv"))
    var perSeries: String?

    func validate() throws {
        if let season, season <= 0 { throw ValidationError("--season must be at least 1 (got \(season))") }
    }

    func run() throws {
        try reportingFailures {
            let forecaster = try Forecaster(contentsOf: URL(fileURLWithPath: self.model))
            let model = forecaster.model!
            let panel = try PredictCommand.loadPanel(for: model, data: data, quiet: json)
            let evaluation = try forecaster.evaluate(panel, testSize: testSize, season: season, levels: level.levels)
            if let plot {
                let index = try chosenSeries(series, in: panel)
                try writePlot(backtestChart(evaluation: evaluation, panel: panel, index: index, model: modelName(model.configuration)), to: plot)
            }
            if let perSeries { try writeOutput(ForecastTables.perSeriesCSV(evaluation, idName: panel.idName), to: perSeries) }
            if json {
                print(metricsJSON(evaluation, extra: model.configuration.combination.map { [("combination", combinationJSON($0))] } ?? []))
            } else {
                let points = evaluation.series[0].origins.reduce(0) { $0 + $1.actual.count }
                let test = testSize.map { panel.hasIDs ? "\($0) points of each series" : "\($0.points(of: panel.series[0].count)) points" }
                    ?? "\(model.configuration.training?.testSize ?? points) points\(panel.hasIDs ? " of each series" : "")"
                print("\(panel.source): test part of \(test), \(evaluationHeadline(evaluation, panel: panel, horizon: model.configuration.horizon))")
                if let fallback = fallbackLine(model.configuration.combination) { print(fallback) }
                if let perSeries = seriesFallbackLine(model.configuration) { print(perSeries) }
                print(accuracyTable(evaluation, modelName: modelRowName(model.configuration, network: cellName(model.configuration.model.cell))))
            }
        }
    }
}

