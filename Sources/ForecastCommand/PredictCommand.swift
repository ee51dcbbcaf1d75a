import ArgumentParser
import Forecast
import Foundation

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Forecast the points after the end of a CSV series with a saved model.",
        discussion: """
        Reads the last --lookback points of the data (the model's target column unless --target \
        says otherwise) and writes one row per future point: `timestamp,forecast` when the data \
        has a time column (timestamps continue its frequency), else `step,forecast`. Beyond the \
        model's horizon the forecast continues recursively, reading its own forecasts.

        On a long table of many series (an id column) every series is forecast in one batched \
        pass, and the output is a long table: `<id column>,<time column or step>,forecast`, one row \
        per series and future step, series in input order.

        A model trained with --future-features reads their values over the forecast from \
        --future FILE (the id column for many series, the time column, those columns); one trained \
        with --static-features reads them from the data's columns or from --static FILE.

        --level 80,95 adds the prediction intervals, `lo-80,hi-80,lo-95,hi-95` after `forecast` \
        (conformal intervals stored in the model when it was trained; within the model's horizon).

        Examples:
          forecast predict --model sales-model --data sales.csv
          forecast predict --model sales-model --data sales.csv --horizon 6 --output forecast.csv
          cat sales.csv | forecast predict --model sales-model --data - --output -
          forecast predict --model stores-model --data stores.csv --output store-forecasts.csv
          forecast predict --model sales-model --data sales.csv --level 80,95 --plot forecast.svg
          forecast predict --model promo-model --data sales.csv --future planned-promotions.csv
        """
    )

    @Option(help: ArgumentHelp("The model directory written by `forecast train`.", valueName: "directory"))
    var model: String

    @OptionGroup var data: DataOptions

    @Option(help: "Points to forecast (default: the model's horizon).")
    var horizon: Int?

    @Option(help: ArgumentHelp("Where to write the forecast CSV; - for standard output.", valueName: "file"))
    var output: String = "-"

    @Option(help: ArgumentHelp("Also draw the history's tail and the forecast to this SVG file (of a panel, the series --series names, else the first).", valueName: "file.svg"))
    var plot: String?

    @Option(help: ArgumentHelp("The series of a panel to draw with --plot.", valueName: "id"))
    var series: String?

    @OptionGroup var level: LevelOptions

    @Option(help: ArgumentHelp("The future values of the model's future-known features over the forecast: a CSV with the id column (for many series), the time column and those columns.", valueName: "file"))
    var future: String?

    @Flag(help: "Print no warnings.")
    var quiet = false

    func validate() throws {
        if let horizon, horizon <= 0 { throw ValidationError("--horizon must be at least 1 (got \(horizon))") }
    }

    func run() throws {
        try reportingFailures {
            let forecaster = try Forecaster(contentsOf: URL(fileURLWithPath: self.model))
            let model = forecaster.model!
            let panel = try Self.loadPanel(for: model, data: data, quiet: quiet)
            let configuration = model.configuration
            let known = try Self.knownFuture(future, model: model, panel: panel)
            if future != nil && configuration.futureFeatures.isEmpty && !quiet {
                printError("note: the model reads no future-known features; --future is not used")
            }
            let forecast = try forecaster.predict(panel, horizon: horizon, levels: level.levels ?? [], future: known)
            if forecast.recursiveBlocks > 0 && !quiet {
                printError("note: the model forecasts \(model.configuration.horizon) steps at a time; the \(forecast.forecasts[0].values.count) steps were reached recursively, in \(forecast.recursiveBlocks + 1) blocks")
            }
            try writeOutput(ForecastTables.forecastCSV(forecast, panel: panel, model: model), to: output)
            if let plot {
                let index = try chosenSeries(series, in: panel)
                try writePlot(forecastChart(series: panel.series[index], forecast: forecast.forecasts[index], model: model,
                                            name: seriesName(panel, index)), to: plot)
            }
            if output != "-" && !quiet {
                let points = forecast.forecasts[0].values.count
                printError("forecast of \(points) points\(panel.hasIDs ? " for each of \(panel.count) series" : "") written to \(output)")
            }
        }
    }

    /// The future values in `path` (`--future`) of the model's future-known features, keyed as
    /// `panel` is (its id column, its time column); nil without a path or such features.
    static func knownFuture(_ path: String?, model: ForecastModel, panel: Panel) throws(DataError) -> KnownFuture? {
        let names = model.configuration.futureFeatures
        guard let path, !names.isEmpty else { return nil }
        return try KnownFuture.load(path: path, idName: panel.hasIDs ? panel.idName : nil, timeName: panel.time?.name, names: names)
    }

    /// The data read as the model needs it: its target (when the file has it), its features and,
    /// for a model of many series, its id column (when the file has it), unless the user chose otherwise.
    static func loadPanel(for model: ForecastModel, data: DataOptions, quiet: Bool) throws(DataError) -> Panel {
        let configuration = model.configuration
        return try data.loadPanel(preferredTarget: configuration.target, features: configuration.tableFeatures,
                                  staticFeatures: configuration.staticFeatures?.columns.map(\.name) ?? [], preferredID: configuration.panel?.idColumn, quiet: quiet)
    }
}
