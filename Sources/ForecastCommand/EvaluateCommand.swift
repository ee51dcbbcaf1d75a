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

        Examples:
          forecast evaluate --model sales-model --data sales.csv
          forecast evaluate --model sales-model --data sales.csv --test-size 24 --json
        """
    )

    @Option(help: ArgumentHelp("The model directory written by `forecast train`.", valueName: "directory"))
    var model: String

    @OptionGroup var data: DataOptions

    @Option(help: "The test part at the end of the data: a fraction or a number of points (default: the model's).")
    var testSize: PartSize?

    @Option(help: "The seasonal period of seasonal naive and MASE (default: from the frequency).")
    var season: Int?

    @Flag(help: "Print the metrics as JSON.")
    var json = false

    @Option(help: ArgumentHelp("Also draw the actuals with each forecast and the seasonal naive one to this SVG file.", valueName: "file.svg"))
    var plot: String?

    func validate() throws {
        if let season, season <= 0 { throw ValidationError("--season must be at least 1 (got \(season))") }
    }

    func run() throws {
        try reportingFailures {
            let model = try ForecastModel(contentsOf: URL(fileURLWithPath: self.model))
            let series = try PredictCommand.loadSeries(for: model, data: data, quiet: json)
            let configuration = model.configuration
            let test = testSize?.points(of: series.count) ?? configuration.training?.testSize
            guard let test, test > 0 else {
                throw DataError(.usage, file: data.data, "the model has no test part on record; give one with --test-size")
            }
            let start = series.count - test
            guard start >= configuration.lookback, test >= configuration.horizon else {
                throw DataError(.usage, file: data.data, "a test part of \(test) points of \(series.count) leaves no forecast of \(configuration.horizon) points after a lookback of \(configuration.lookback)")
            }
            let m = season ?? series.time?.frequency?.seasonalPeriod ?? 1
            let evaluation = HoldoutEvaluation(model: model, series: series, testRange: start..<series.count, trainEnd: start, season: m)
            if let plot {
                try writePlot(backtestChart(evaluation: evaluation, series: series, model: modelName(configuration)), to: plot)
            }
            if json {
                print(metricsJSON(evaluation))
            } else {
                print("\(series.source): test part of \(test) points, \(evaluation.origins.count) forecast\(evaluation.origins.count == 1 ? "" : "s") of \(configuration.horizon) (season \(m))")
                print(accuracyTable(evaluation))
            }
        }
    }
}

/// `{"model": {"mae": …, …}, "seasonal_naive": {…}, …}` with keys in a fixed order.
func metricsJSON(_ evaluation: HoldoutEvaluation, extra: [(String, String)] = []) -> String {
    func object(_ accuracy: Accuracy) -> String {
        "{" + Metric.allCases.map { "\"\($0.rawValue)\": \(jsonNumber(accuracy[$0]))" }.joined(separator: ", ") + "}"
    }
    let entries = [("model", object(evaluation.model))] + Baseline.allCases.map { ($0.rawValue, object(evaluation.baselines[$0]!)) } + extra
    return "{" + entries.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
}

/// A JSON number, or null for NaN and infinities (which JSON cannot hold).
func jsonNumber(_ value: Double) -> String {
    value.isFinite ? String(format: "%.6g", value) : "null"
}
