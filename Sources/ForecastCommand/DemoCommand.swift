import ArgumentParser
import Forecast
import Foundation

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Train and evaluate on a bundled real data set, and write the model and a forecast.",
        discussion: """
        Uses the monthly airline passengers series (1949-1960, bundled): holds out the last 24 \
        months, trains the LSTM on the rest (lookback 36 months, horizon 12), compares it with \
        the naive, seasonal naive, drift and mean forecasts on the held-out months, and writes \
        into the output folder the model, the forecast of the 12 months after the data, the \
        held-out forecasts, the training history and a copy of the data.

        Examples:
          forecast demo
          forecast demo --output demo-run --seed 7
        """
    )

    @Option(help: ArgumentHelp("The folder to create (default: a new forecast-demo folder here).", valueName: "directory"))
    var output: String?

    @Option(help: "The maximum number of epochs.")
    var epochs: Int = 300

    @Option(help: "The seed of every random choice.")
    var seed: UInt64 = 42

    @Flag(help: "Print no progress.")
    var quiet = false

    func validate() throws {
        if epochs <= 0 { throw ValidationError("--epochs must be at least 1 (got \(epochs))") }
    }

    func run() throws {
        try reportingFailures {
            let folder = try outputFolder()
            let table = try CSVReader.read(bytes: Array(DemoData.csv.utf8), source: DemoData.name)
            let (series, _) = try SeriesLoader.load(table, options: SeriesOptions(target: "passengers", time: "date"))
            var options = TrainingOptions(lookback: 36, horizon: 12)
            options.epochs = epochs
            options.seed = seed
            options.testSize = .count(24)
            printError("data: \(DemoData.attribution)")
            printError("\(series.count) monthly points; the last 24 held out for testing")
            var printer = ProgressPrinter(quiet: quiet)
            let result = try Trainer.fit(series, options: options) { printer.report($0) }
            printer.finish()
            let split = result.split
            let evaluation = HoldoutEvaluation(model: result.model, series: series, testRange: split.test,
                                               trainEnd: split.validationEnd, season: 12)
            let forecast = try result.model.forecast(series)

            // Everything goes into a temporary folder first, renamed into place when complete.
            let final = URL(fileURLWithPath: folder)
            let temporary = final.deletingLastPathComponent().appendingPathComponent(".\(final.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
            do {
                try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
            } catch {
                throw OutputError(file: folder, problem: "cannot be created (\(error.localizedDescription))")
            }
            do {
                try result.model.save(to: temporary.appendingPathComponent("model"))
                let path = { (name: String) in temporary.appendingPathComponent(name).path }
                try writeOutput(forecastCSV(forecast, series: series, model: result.model), to: path("forecast.csv"))
                try writeOutput(heldOutCSV(evaluation, series: series), to: path("test-forecasts.csv"))
                try writeOutput(historyCSV(result.history), to: path("training-history.csv"))
                try writeOutput(DemoData.csv + "\n", to: path("data.csv"))
                try writePlot(forecastChart(series: series, forecast: forecast, model: result.model, trainingEnd: split.validationEnd),
                              to: path("forecast.svg"))
                try writePlot(backtestChart(evaluation: evaluation, series: series, model: modelName(result.model.configuration)),
                              to: path("test-forecasts.svg"))
                try writePlot(trainingChart(result: result, series: series), to: path("training.svg"))
                try writeOutput(reportPage(model: result.model, series: series, testSize: split.test.count, training: result),
                                to: path("report.html"))
                try FileManager.default.moveItem(at: temporary, to: final)
            } catch {
                try? FileManager.default.removeItem(at: temporary)
                throw error
            }

            print(trainingSummary(result, series: series, season: 12))
            print("""

            written to \(folder)/:
              model/               the trained model (config.json, model.safetensors)
              forecast.csv         the 12 months after the data: \(forecast.timestamps.map { "\(series.time!.text($0.first!)) to \(series.time!.text($0.last!))" } ?? "")
              test-forecasts.csv   the held-out months: actual, LSTM and baseline forecasts
              training-history.csv the training and validation loss of each epoch
              forecast.svg         the history and the forecast (plots open in any browser)
              test-forecasts.svg   the held-out months: actuals, LSTM and seasonal naive forecasts
              training.svg         the training and validation loss per epoch
              report.html          all of it on one page
              data.csv             the data, to try the other commands:
                forecast predict --model \(folder)/model --data \(folder)/data.csv
            """)
        }
    }

    /// The folder to write: the one given (which must not exist yet), or the first free forecast-demo[-N].
    func outputFolder() throws(OutputError) -> String {
        if let output {
            if FileManager.default.fileExists(atPath: output) {
                throw OutputError(file: output, problem: "already exists; give a new folder with --output")
            }
            return output
        }
        var candidate = "forecast-demo", number = 1
        while FileManager.default.fileExists(atPath: candidate) {
            number += 1
            candidate = "forecast-demo-\(number)"
        }
        return candidate
    }
}

/// One row per held-out point: its origin, time, the actual value, the model's and each baseline's forecast.
func heldOutCSV(_ evaluation: HoldoutEvaluation, series: TimeSeries) -> String {
    let timeHeader = series.time == nil ? "step" : "timestamp"
    var lines = [(["origin", timeHeader, "actual", "forecast"] + Baseline.allCases.map(\.rawValue)).joined(separator: ",")]
    for origin in evaluation.origins {
        for h in origin.actual.indices {
            let index = origin.index + h
            let time = series.time.map { $0.text($0.timestamps[index]) } ?? "\(index + 1)"
            let originText = series.time.map { $0.text($0.timestamps[origin.index]) } ?? "\(origin.index + 1)"
            lines.append(([originText, time, formatNumber(origin.actual[h]), formatNumber(origin.model[h])]
                          + Baseline.allCases.map { formatNumber(origin.baselines[$0]![h]) }).joined(separator: ","))
        }
    }
    return lines.joined(separator: "\n") + "\n"
}

/// epoch,training_loss,validation_loss
func historyCSV(_ history: [EpochRecord]) -> String {
    "epoch,training_loss,validation_loss\n" + history.map {
        "\($0.epoch),\(formatNumber($0.trainingLoss)),\($0.validationLoss.map(formatNumber) ?? "")\n"
    }.joined()
}
