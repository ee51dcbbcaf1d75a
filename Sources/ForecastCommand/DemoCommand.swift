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
            let (panel, _) = try PanelLoader.load(bytes: Array(DemoData.csv.utf8), source: DemoData.name,
                                                  options: SeriesOptions(target: "passengers", time: "date"))
            let series = panel.series[0]
            var options = Forecaster.defaultOptions(for: panel, lookback: 36, horizon: 12)
            options.epochs = epochs
            options.seed = seed
            options.testSize = .count(24)
            printError("data: \(DemoData.attribution)")
            printError("\(series.count) monthly points; the last 24 held out for testing")
            let forecaster = Forecaster(options: options)
            var printer = ProgressPrinter(quiet: quiet)
            let result = try forecaster.fit(panel) { printer.report($0) }
            printer.finish()
            let split = result.split
            let evaluation = try forecaster.evaluate(panel, season: 12)
            let forecasts = try forecaster.predict(panel, levels: Forecaster.defaultLevels(for: result.model))
            let forecast = forecasts.forecasts[0]

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
                try writeOutput(ForecastTables.forecastCSV(forecasts, panel: panel, model: result.model), to: path("forecast.csv"))
                try writeOutput(ForecastTables.heldOutCSV(evaluation, panel: panel), to: path("test-forecasts.csv"))
                try writeOutput(ForecastTables.historyCSV(result.history), to: path("training-history.csv"))
                try writeOutput(DemoData.csv + "\n", to: path("data.csv"))
                try writePlot(forecastChart(series: series, forecast: forecast, model: result.model, name: seriesName(panel, 0),
                                            trainingEnd: split.validationEnd), to: path("forecast.svg"))
                try writePlot(backtestChart(evaluation: evaluation, panel: panel, index: 0, model: modelName(result.model.configuration)),
                              to: path("test-forecasts.svg"))
                try writePlot(trainingChart(result: result, panel: panel), to: path("training.svg"))
                try writeOutput(reportPage(model: result.model, panel: panel, testSize: .count(split.test.count), training: result),
                                to: path("report.html"))
                try FileManager.default.moveItem(at: temporary, to: final)
            } catch {
                try? FileManager.default.removeItem(at: temporary)
                throw error
            }

            print(try trainingSummary(result, panel: panel, options: options))
            print("""

            written to \(folder)/:
              model/               the trained model (config.json, model.safetensors)
              forecast.csv         the 12 months after the data, with 80% and 95% intervals: \(forecast.timestamps.map { "\(series.time!.text($0.first!)) to \(series.time!.text($0.last!))" } ?? "")
              test-forecasts.csv   the held-out months: actual, LSTM (with intervals) and baseline forecasts
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
