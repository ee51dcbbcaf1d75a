import ArgumentParser
import Forecast
import Foundation

/// The many-series speed benchmark: a synthetic long table of N series of T points (different
/// levels, seasons and noise) written to a file, then loaded, trained on and forecast, each timed.
struct PanelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "panel",
        abstract: "Load, train on and forecast a synthetic long table of many series; rows/s, windows/s, series/s, peak memory.",
        discussion: """
        Writes --series × --length rows (unique_id,ds,y) to a temporary CSV file, then times: \
        loading it into a panel (rows/s, and the peak resident memory against the file's size), \
        training the default model for --steps optimiser steps (windows/s), and forecasting every \
        series in one batched pass (series/s), beside the network's own batch-inference rate on \
        windows of the same shape in the same process (the ratio shows what the rest costs).

        Examples:
          swift run -c release forecast-bench panel --series 100000 --length 120
          swift run -c release forecast-bench panel --series 1000 --length 500 --steps 500
        """
    )

    @Option(help: "The number of series.")
    var series = 10_000

    @Option(help: "Points per series.")
    var length = 120

    @Option(help: "The horizon (the season is 12).")
    var horizon = 12

    @Option(help: "Optimiser steps to time.")
    var steps = 200

    @Option(help: "Worker threads (default: every core).")
    var threads: Int?

    func validate() throws {
        guard series > 0, length >= 2 * horizon, horizon > 0, steps > 0 else {
            throw ValidationError("--series, --horizon and --steps must be positive and --length at least twice the horizon")
        }
    }

    func run() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("forecast-bench-panel-\(getpid()).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        let bytes = try writeTable(to: file)
        let baseline = peakResidentMegabytes()

        var start = monotonicSeconds()
        let panel = try PanelLoader.load(path: file.path, options: SeriesOptions()).panel
        let loadSeconds = monotonicSeconds() - start
        let afterLoad = peakResidentMegabytes()
        let rows = series * length

        var options = Forecaster.defaultOptions(for: panel, horizon: horizon, season: 12)
        options.maxSteps = steps
        options.windowsPerEpoch = min(options.windowsPerEpoch, steps * options.batchSize)
        options.epochs = 1_000_000
        options.patience = nil
        options.refit = false
        options.fallback = false  // the network's training rate; the fallback's cost is measured in docs/scale.md
        let forecaster = Forecaster(options: options)
        start = monotonicSeconds()
        let result = try forecaster.fit(panel)
        let trainSeconds = monotonicSeconds() - start
        let windows = result.steps * options.batchSize
        let model = result.model
        if let threads { model.network.threadCount = threads }

        start = monotonicSeconds()
        let forecast = try forecaster.predict(panel)
        let predictSeconds = monotonicSeconds() - start
        precondition(forecast.forecasts.count == series)

        // The network alone, on batches of the same shape as predict's.
        let batch = min(ForecastModel.forecastBatchSize, series)
        let input = Tensor(shape: [batch, options.lookback, 1], scalars: (0..<(batch * options.lookback)).map { Float($0 % 17) / 17 })
        _ = model.network.forward(input)
        let rounds = max(1, series / batch)
        start = monotonicSeconds()
        for _ in 0..<rounds { _ = model.network.forward(input) }
        let networkRate = Double(rounds * batch) / (monotonicSeconds() - start)

        printJSONLine([
            "benchmark": "panel", "series": series, "length": length, "rows": rows, "file_mb": rounded(Double(bytes) / 1_048_576, 1),
            "instruction_set": model.network.instructionSet.rawValue, "threads": model.network.threadCount,
            "load_seconds": rounded(loadSeconds, 3), "rows_per_s": rounded(Double(rows) / loadSeconds, 0),
            "rss_before_load_mb": rounded(baseline, 1), "rss_after_load_mb": rounded(afterLoad, 1),
            "lookback": options.lookback, "batch": options.batchSize, "steps": result.steps,
            "training_windows_per_s": rounded(Double(windows) / trainSeconds, 0),
            "predict_seconds": rounded(predictSeconds, 3), "series_per_s": rounded(Double(series) / predictSeconds, 0),
            "network_windows_per_s": rounded(networkRate, 0),
            "predict_vs_network": rounded(Double(series) / predictSeconds / networkRate, 3),
            "peak_rss_mb": rounded(peakResidentMegabytes(), 1),
        ])
    }

    /// Writes the synthetic table; returns its size in bytes.
    private func writeTable(to url: URL) throws -> Int {
        guard FileManager.default.createFile(atPath: url.path, contents: nil), let handle = try? FileHandle(forWritingTo: url) else {
            throw ValidationError("cannot write \(url.path)")
        }
        defer { try? handle.close() }
        var generator = SeededGenerator(seed: 11)
        var text = "unique_id,ds,y\n", bytes = 0
        for s in 0..<series {
            let level = 10 + 990 * Double(generator.nextUniform(0, 1)), amplitude = Double(generator.nextUniform(0, 0.3))
            let noise = Double(generator.nextUniform(0.01, 0.1)), phase = Double(generator.nextUniform(0, 12))
            for t in 0..<length {
                let value = level * (1 + amplitude * sin((Double(t) + phase) * .pi / 6) + noise * Double(generator.nextUniform(-1, 1)))
                text += "S\(s),\(t + 1),\(String(format: "%.2f", value))\n"
            }
            if text.utf8.count > 1 << 20 {
                bytes += text.utf8.count
                handle.write(Data(text.utf8))
                text = ""
            }
        }
        bytes += text.utf8.count
        handle.write(Data(text.utf8))
        return bytes
    }
}
