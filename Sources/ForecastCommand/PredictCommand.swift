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

        Examples:
          forecast predict --model sales-model --data sales.csv
          forecast predict --model sales-model --data sales.csv --horizon 6 --output forecast.csv
          cat sales.csv | forecast predict --model sales-model --data - --output -
        """
    )

    @Option(help: ArgumentHelp("The model directory written by `forecast train`.", valueName: "directory"))
    var model: String

    @OptionGroup var data: DataOptions

    @Option(help: "Points to forecast (default: the model's horizon).")
    var horizon: Int?

    @Option(help: ArgumentHelp("Where to write the forecast CSV; - for standard output.", valueName: "file"))
    var output: String = "-"

    @Option(help: ArgumentHelp("Also draw the history's tail and the forecast to this SVG file.", valueName: "file.svg"))
    var plot: String?

    @Flag(help: "Print no warnings.")
    var quiet = false

    func validate() throws {
        if let horizon, horizon <= 0 { throw ValidationError("--horizon must be at least 1 (got \(horizon))") }
    }

    func run() throws {
        try reportingFailures {
            let model = try ForecastModel(contentsOf: URL(fileURLWithPath: self.model))
            let series = try Self.loadSeries(for: model, data: data, quiet: quiet)
            let forecast = try model.forecast(series, horizon: horizon)
            if forecast.recursiveBlocks > 0 && !quiet {
                printError("note: the model forecasts \(model.configuration.horizon) steps at a time; the \(forecast.values.count) steps were reached recursively, in \(forecast.recursiveBlocks + 1) blocks")
            }
            try writeOutput(forecastCSV(forecast, series: series, model: model), to: output)
            if let plot { try writePlot(forecastChart(series: series, forecast: forecast, model: model), to: plot) }
            if output != "-" && !quiet { printError("forecast of \(forecast.values.count) points written to \(output)") }
        }
    }

    /// The model's target (when the file has it) and features, unless the user chose otherwise.
    static func loadSeries(for model: ForecastModel, data: DataOptions, quiet: Bool) throws(DataError) -> TimeSeries {
        var target = data.target
        if target == nil {
            let table = try CSVReader.read(path: data.data)
            if table.columnIndex(named: model.configuration.target) != nil { target = model.configuration.target }
            let (series, warnings) = try SeriesLoader.load(table, options: SeriesOptions(
                target: target, time: data.time, features: model.configuration.features, missing: data.missing))
            if !quiet { for warning in warnings { printError("warning: \(warning)") } }
            return series
        }
        return try data.loadSeries(features: model.configuration.features, quiet: quiet)
    }
}

/// `timestamp,forecast` rows when the series has a regular time axis (or the model knows the
/// frequency), else `step,forecast`.
func forecastCSV(_ forecast: Forecast, series: TimeSeries, model: ForecastModel) -> String {
    var timestamps = forecast.timestamps
    if timestamps == nil, var axis = series.time, let frequency = model.configuration.frequency {
        axis.frequency = frequency
        timestamps = axis.future(forecast.values.count)
    }
    if let timestamps, let axis = series.time {
        return "timestamp,forecast\n" + zip(timestamps, forecast.values).map { "\(axis.text($0)),\(formatNumber($1))\n" }.joined()
    }
    return "step,forecast\n" + forecast.values.enumerated().map { "\($0 + 1),\(formatNumber($1))\n" }.joined()
}
