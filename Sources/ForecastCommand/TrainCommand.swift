import ArgumentParser
import Forecast
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an LSTM forecaster on a CSV series, or one model on many series, and save it as a model directory.",
        discussion: """
        The series is split in time order into training, validation and test parts; the scaler \
        and the optimiser see only the training part. Windows of --lookback points predict the \
        next --horizon points. The weights of the epoch with the lowest validation loss are kept. \
        By default each window is shifted by the level of its last season, training stops \
        early after 30 epochs without improvement, and a new network is then trained on \
        training + validation data for the best number of epochs. At the end the model is \
        compared with naive baselines on the test part.

        A long table with a series id column (unique_id, series_id, series or id, or --id) trains \
        one model on the windows of every series, each scaled by its own statistics; each series \
        holds out its last --test-size points (default: one horizon). Training takes at most \
        --max-steps optimiser steps of --batch-size windows, epochs of at most --windows-per-epoch.

        By default the forecast falls back on simple methods where they did better: the network \
        is measured on the validation windows beside seasonal naive, naive, drift, mean and \
        Holt-Winters, and the model forecasts with the inverse-error blend of those near the best \
        (on a table with ids, each series its own), seasonal naive keeping a share of 0.4 \
        (--seasonal-naive-share; for one series unless the network alone led every method by more \
        than 2 standard errors, for a table's series where their blend kept seasonal naive). \
        --no-fallback trains the bare network.

        The model stores conformal prediction intervals (--intervals conformal, the default): the \
        errors of the validation windows' forecasts, per horizon step, each in its series' scale \
        (--interval-scale: by default the one whose intervals score better on the validation \
        windows). --loss quantile --levels \
        80,95 trains a quantile head instead, whose outputs are the intervals.

        Examples:
          forecast train --data sales.csv --target sales --lookback 36 --horizon 12 --output sales-model
          forecast train --data load.csv --target load --time timestamp --features temperature \\
              --lookback 168 --horizon 24 --epochs 50 --patience 10 --seed 7 --output load-model
          forecast train --data stores.csv --id store --target sales --horizon 14 --season 7 --output stores-model
          forecast train --data stores.csv --id store --target sales --horizon 14 --season 7 --seasonal-naive-share 0 --output stores-unhedged
          forecast train --data sales.csv --target sales --loss quantile --levels 80,95 --output sales-quantile-model
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
            let panel = try data.loadPanel(quiet: quiet)
            let forecaster = Forecaster(options: training.options(for: panel, futureFeatures: data.futureFeatureList))
            var printer = ProgressPrinter(quiet: quiet)
            let result = try forecaster.fit(panel) { printer.report($0) }
            printer.finish()
            if !quiet { for warning in result.warnings { printError("warning: \(warning)") } }
            do {
                try forecaster.save(to: URL(fileURLWithPath: output))
            } catch let error as ModelFileError {
                throw OutputError(file: error.file, problem: error.problem)  // exit 73: the output, not the input
            }
            if let plot { try writePlot(trainingChart(result: result, panel: panel), to: plot) }
            printError(try trainingSummary(result, panel: panel, options: forecaster.options))
            printError("model written to \(output)")
        }
    }
}

/// What a user wants to know when training ends: epochs, best validation loss, time, test accuracy.
func trainingSummary(_ result: TrainingResult, panel: Panel, options: TrainingOptions) throws(DataError) -> String {
    var lines = ["trained \(result.history.count) epoch\(result.history.count == 1 ? "" : "s")"
        + (result.stoppedEarly ? " (stopped early)" : "")
        + (result.reachedStepLimit ? " (the limit of \(options.maxSteps ?? 0) steps)" : "")
        + (result.bestValidationLoss.map { "; best validation loss \(String(format: "%.5f", $0)) at epoch \(result.bestEpoch)" }
           ?? "; final training loss \(String(format: "%.5f", result.history.last?.trainingLoss ?? .nan))")
        + (result.refitted ? "; refit on training + validation data for \(result.bestEpoch) epochs" : "")
        + "; \(duration(result.seconds))"]
    if let line = normalizationLine(chosen: result.model.configuration.windowNormalization.method, errors: result.normalizationErrors) {
        lines.append(line)
    }
    if let fallback = fallbackLine(result.model.configuration.combination) { lines.append(fallback) }
    if let perSeries = seriesFallbackLine(result.model.configuration) { lines.append(perSeries) }
    if let calibration = result.model.configuration.conformalIntervals {
        lines.append("intervals: conformal, \(calibration.windows) validation window\(calibration.windows == 1 ? "" : "s"); errors scaled by \(calibration.scaleSummary)")
    }
    let horizon = result.model.configuration.horizon
    let test = result.splits.map(\.test.count)
    if let shortest = test.min(), shortest >= horizon {
        let season = Forecaster.season(of: panel, given: options.season)
        let evaluation = try PanelEvaluation(model: result.model, panel: panel, testSize: options.testSize, season: season,
                                             levels: Forecaster.defaultLevels(for: result.model))
        let points = panel.hasIDs ? "\(shortest == test.max() ? "\(shortest)" : "\(shortest)–\(test.max()!)") points of each series" : "\(shortest) points"
        lines.append("test part: \(points), \(evaluationHeadline(evaluation, panel: panel, horizon: horizon))")
        lines.append(accuracyTable(evaluation, modelName: modelRowName(result.model.configuration, network: cellName(result.model.configuration.model.cell))))
    }
    return lines.joined(separator: "\n")
}
