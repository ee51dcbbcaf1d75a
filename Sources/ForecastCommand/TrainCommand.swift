import ArgumentParser
import Forecast
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an LSTM forecaster on a CSV series and save it as a model directory.",
        discussion: """
        The series is split in time order into training, validation and test parts; the scaler \
        and the optimiser see only the training part. Windows of --lookback points predict the \
        next --horizon points. The weights of the epoch with the lowest validation loss are kept. \
        By default each window is shifted by the level of its last season, training stops \
        early after 30 epochs without improvement, and a new network is then trained on \
        training + validation data for the best number of epochs. At the end the model is \
        compared with naive baselines on the test part.

        Examples:
          forecast train --data sales.csv --target sales --lookback 36 --horizon 12 --output sales-model
          forecast train --data load.csv --target load --time timestamp --features temperature \\
              --lookback 168 --horizon 24 --epochs 50 --patience 10 --seed 7 --output load-model
        """
    )

    @OptionGroup var data: DataOptions
    @OptionGroup var training: TrainingArguments

    @Option(help: ArgumentHelp("The model directory to write (config.json, model.safetensors).", valueName: "directory"))
    var output: String

    @Option(help: ArgumentHelp("Also draw the training and validation loss per epoch to this SVG file.", valueName: "file.svg"))
    var plot: String?

    @Flag(help: "Print no progress.")
    var quiet = false

    func run() throws {
        try reportingFailures {
            let series = try data.loadSeries(quiet: quiet)
            let options = training.options(for: series)
            var printer = ProgressPrinter(quiet: quiet)
            let result = try Trainer.fit(series, options: options) { printer.report($0) }
            printer.finish()
            if !quiet { for warning in result.warnings { printError("warning: \(warning)") } }
            do {
                try result.model.save(to: URL(fileURLWithPath: output))
            } catch let error as ModelFileError {
                throw OutputError(file: error.file, problem: error.problem)  // exit 73: the output, not the input
            }
            if let plot { try writePlot(trainingChart(result: result, series: series), to: plot) }
            printError(trainingSummary(result, series: series, season: training.season))
            printError("model written to \(output)")
        }
    }
}

/// What a user wants to know when training ends: epochs, best validation loss, time, test accuracy.
func trainingSummary(_ result: TrainingResult, series: TimeSeries, season: Int?) -> String {
    var lines = ["trained \(result.history.count) epoch\(result.history.count == 1 ? "" : "s")"
        + (result.stoppedEarly ? " (stopped early)" : "")
        + (result.bestValidationLoss.map { "; best validation loss \(String(format: "%.5f", $0)) at epoch \(result.bestEpoch)" }
           ?? "; final training loss \(String(format: "%.5f", result.history.last?.trainingLoss ?? .nan))")
        + (result.refitted ? "; refit on training + validation data for \(result.bestEpoch) epochs" : "")
        + "; \(duration(result.seconds))"]
    let split = result.split
    if split.test.count >= result.model.configuration.horizon {
        let m = season ?? series.time?.frequency?.seasonalPeriod ?? 1
        let evaluation = HoldoutEvaluation(model: result.model, series: series, testRange: split.test,
                                           trainEnd: split.validationEnd, season: m)
        lines.append("test part: \(split.test.count) points, \(evaluation.origins.count) forecast\(evaluation.origins.count == 1 ? "" : "s") of \(result.model.configuration.horizon) (season \(m))")
        lines.append(accuracyTable(evaluation))
    }
    return lines.joined(separator: "\n")
}
