import ArgumentParser
import Forecast
import Foundation

extension NormalizationChoice: ExpressibleByArgument {}

/// The accuracy benchmark of docs/accuracy.md: the rolling-origin protocol over the bundled data
/// sets, with the default training options, several seeds, beside the baselines and the PyTorch
/// reference figures.
struct AccuracyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accuracy",
        abstract: "Rolling-origin accuracy (MASE, sMAPE) on the bundled data sets, beside the baselines and PyTorch's figures.",
        discussion: """
        For each task the last K·h points are forecast from K origins by a model trained once on \
        the data before the first origin, with the default options of `forecast train`; the model's \
        figures are the mean over the seeds. The reference figures (PyTorch LSTM, AutoETS) are \
        those measured with Python peers on the same protocol (docs/accuracy.md).

        Examples:
          swift run -c release forecast-bench accuracy
          swift run -c release forecast-bench accuracy --tasks wineind --seeds 1,2,3,4,5
        """
    )

    /// A task of the protocol and the figures Python peers reached on it.
    struct Task {
        var name: String, file: String, column: String, season: Int, horizon: Int, origins: Int, lookback: Int
        var pytorchLSTM: Double, autoETS: Double
    }

    static let tasks = [
        Task(name: "airpassengers", file: "airpassengers.csv", column: "passengers", season: 12, horizon: 12, origins: 2,
             lookback: 36, pytorchLSTM: 2.919, autoETS: 1.400),
        Task(name: "sunspots_monthly", file: "sunspots_monthly.csv", column: "sunspots", season: 132, horizon: 24, origins: 5,
             lookback: 120, pytorchLSTM: 0.864, autoETS: 1.404),
        Task(name: "wineind", file: "wineind.csv", column: "sales", season: 12, horizon: 12, origins: 2,
             lookback: 36, pytorchLSTM: 0.836, autoETS: 0.826),
    ]

    @Option(help: "The folder holding the data sets.")
    var dataDirectory = "data"

    @Option(help: "The seeds, comma-separated; the model's figures are their mean.")
    var seeds = "1,2,3"

    @Option(help: "The tasks to run, comma-separated (default: all).")
    var tasks: String?

    @Option(help: "Override the normalisation: one method, or several comma-separated to choose among by validation (to compare the choices; also for the pool).")
    var normalization: NormalizationChoice?

    @OptionGroup var intervalChoices: IntervalChoiceOptions

    @Flag(inversion: .prefixedNo, help: "Train the tasks with the fallback on or off (default: the library's default, TrainingOptions.fallback).")
    var fallback: Bool?

    @Option(help: "Also calibrate conformal intervals on the errors of this many extra backtest windows before the test region (one training each), and score them beside the validation-window intervals (to compare the choices).")
    var backtestCalibration: Int?

    @Flag(help: "Print one JSON line per task instead of the table.")
    var json = false

    @Flag(help: "Run the development pool instead (docs/accuracy.md): the three tasks, ETTh1 and --pool-size series of each M4 set, one seed (the first of --seeds) each; one JSON line per series, then the summary.")
    var pool = false

    @Option(help: "The folder holding ett/ETTh1.csv and m4/ (the pool).")
    var sharedDirectory = "../shared/data"

    @Option(help: "Series drawn from each of the M4 hourly and weekly sets (the pool).")
    var poolSize = 30

    @Option(help: "The seed of the draw (the pool).")
    var poolSeed: UInt64 = 18

    @Option(help: "Draw only M4 series with at least this many points, train and test (the pool).")
    var poolMinimumLength = 300

    @Option(help: "Override the most optimiser steps of each training (the pool).")
    var maxSteps: Int?

    @Option(help: "Append each series' JSON line to this file and skip the series already in it (the pool).")
    var poolOutput: String?

    @Option(help: "Run only the series i of every n of the pool, as i/n (the pool).")
    var shard: String?

    @Option(help: "Run only these series of the pool, comma-separated names as in its table (e.g. m4_hourly:H140,wineind) (the pool).")
    var poolSeries: String?

    @Option(help: "Score the series of --pool-output again from their stored network forecasts, with this fallback tolerance as the default, without training (the pool).")
    var rescore: Double?

    func run() throws {
        if pool { return try runPool() }
        let seedList = seeds.split(separator: ",").compactMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        guard !seedList.isEmpty else { throw ValidationError("--seeds needs at least one seed, e.g. 1,2,3") }
        let chosen = tasks.map { Set($0.split(separator: ",").map(String.init)) }
        var rows = [["task", "forecaster", "MASE", "sMAPE", "cov. 80", "cov. 95", "MSIS", "wQL", "per seed (MASE)"]]
        var allIntervals: [IntervalAccuracy] = []
        for task in Self.tasks where chosen?.contains(task.name) ?? true {
            let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent(task.file).path
            let series: TimeSeries
            do {
                series = try SeriesLoader.load(path: path, options: SeriesOptions(target: task.column, missing: .interpolate)).series
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(66)
            }
            var options = TrainingOptions(lookback: task.lookback, horizon: task.horizon)
            // One series' default normalisation, as `forecast` gives it (Forecaster.defaultOptions).
            options.validatedNormalizations = TrainingOptions.defaultValidatedNormalizations
            if let normalization { options.useNormalization(normalization) }
            if let fallback { options.fallback = fallback }
            try intervalChoices.apply(to: &options)
            var mase: [Double] = [], smape: [Double] = [], seconds = 0.0, intervals: [IntervalAccuracy] = []
            var last: PanelEvaluation?
            for seed in seedList {
                options.seed = seed
                let backtest = try Backtest(series: series, options: options, origins: task.origins, season: task.season)
                mase.append(backtest.evaluation.model.mase)
                smape.append(backtest.evaluation.model.smape)
                if let scored = backtest.evaluation.intervals { intervals.append(scored) }
                if let windows = backtestCalibration, windows > 0 {
                    let scored = try backtestCalibrated(series: series, task: task, options: options, windows: windows,
                                                        evaluation: backtest.evaluation.series[0])
                    FileHandle.standardError.write(Data((String(format: "%@ seed %llu: intervals from %d backtest windows: coverage 80 %.3f, 95 %.3f, MSIS %.3f, wQL %.4f",
                                                                task.name, seed, windows, scored.figures(level: 80)?.coverage ?? .nan,
                                                                scored.figures(level: 95)?.coverage ?? .nan, scored.msis, scored.weightedQuantileLoss) + "\n").utf8))
                }
                seconds += backtest.trainings.reduce(0) { $0 + $1.seconds }
                last = backtest.evaluation
                let figures = backtest.evaluation.intervals.map { String(format: "; coverage 80 %.3f, 95 %.3f, MSIS %.3f", $0.figures(level: 80)?.coverage ?? .nan, $0.figures(level: 95)?.coverage ?? .nan, $0.msis) } ?? ""
                FileHandle.standardError.write(Data("\(task.name) seed \(seed): MASE \(String(format: "%.3f", mase.last!))\(figures) (\(String(format: "%.1f", backtest.trainings[0].seconds)) s)\n".utf8))
            }
            let evaluation = last!
            let meanMASE = mase.reduce(0, +) / Double(mase.count), meanSMAPE = smape.reduce(0, +) / Double(smape.count)
            let mean = { (values: [Double]) in values.reduce(0, +) / Double(values.count) }
            let coverage80 = mean(intervals.map { $0.figures(level: 80)?.coverage ?? .nan }), coverage95 = mean(intervals.map { $0.figures(level: 95)?.coverage ?? .nan })
            let msis = mean(intervals.map(\.msis)), wql = mean(intervals.map(\.weightedQuantileLoss))
            allIntervals += intervals
            if json {
                var fields = ["\"task\": \"\(task.name)\"", "\"model_mase\": \(format(meanMASE))", "\"model_smape\": \(format(meanSMAPE))",
                              "\"model_mase_per_seed\": [\(mase.map(format).joined(separator: ", "))]",
                              "\"seconds\": \(String(format: "%.1f", seconds))",
                              "\"coverage_80\": \(format(coverage80))", "\"coverage_95\": \(format(coverage95))",
                              "\"msis\": \(format(msis))", "\"weighted_quantile_loss\": \(String(format: "%.4f", wql))"]
                for baseline in Baseline.allCases {
                    fields.append("\"\(baseline.rawValue)_mase\": \(format(evaluation.baselines[baseline]!.mase))")
                }
                fields += ["\"pytorch_lstm_mase\": \(task.pytorchLSTM)", "\"autoets_mase\": \(task.autoETS)"]
                print("{" + fields.joined(separator: ", ") + "}")
                continue
            }
            let cells = intervals.isEmpty ? ["", "", "", ""] : [format(coverage80), format(coverage95), format(msis), String(format: "%.4f", wql)]
            rows.append([task.name, "LSTM (this project)", format(meanMASE), format(meanSMAPE)] + cells + [mase.map(format).joined(separator: ", ")])
            for baseline in Baseline.allCases {
                let accuracy = evaluation.baselines[baseline]!
                rows.append(["", baseline.displayName, format(accuracy.mase), format(accuracy.smape), "", "", "", "", ""])
            }
            rows.append(["", "PyTorch LSTM (reference)", format(task.pytorchLSTM), "", "", "", "", "", ""])
            rows.append(["", "AutoETS (reference)", format(task.autoETS), "", "", "", "", "", ""])
        }
        if !json {
            print(textTable(rows))
            if !allIntervals.isEmpty {
                let all = { (values: [Double]) in values.reduce(0, +) / Double(values.count) }
                print(String(format: "intervals, mean over every task and seed: coverage 80 %.3f, coverage 95 %.3f",
                             all(allIntervals.map { $0.figures(level: 80)?.coverage ?? .nan }), all(allIntervals.map { $0.figures(level: 95)?.coverage ?? .nan })))
            }
        }
    }

    private func format(_ value: Double) -> String { String(format: "%.3f", value) }

    private func runPool() throws {
        let seed = seeds.split(separator: ",").compactMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }.first ?? 1
        var (index, count) = (0, 1)
        if let shard {
            let parts = shard.split(separator: "/").compactMap { Int($0) }
            guard parts.count == 2, parts[1] > 0, (0..<parts[1]).contains(parts[0]) else { throw ValidationError("--shard: give i/n with 0 ≤ i < n, e.g. 0/2") }
            (index, count) = (parts[0], parts[1])
        }
        var entries: [AccuracyPool.Entry]
        do {
            entries = try AccuracyPool.load(dataDirectory: dataDirectory, sharedDirectory: sharedDirectory, perSet: poolSize,
                                            seed: poolSeed, minimumLength: poolMinimumLength)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(66)
        }
        if let poolSeries {
            let names = poolSeries.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let known = Set(entries.map(\.name))
            if let unknown = names.first(where: { !known.contains($0) }) {
                throw ValidationError("--pool-series: '\(unknown)' is not in the pool (names as in its table, e.g. m4_hourly:H140)")
            }
            entries = entries.filter { names.contains($0.name) }
        }
        var results: [AccuracyPool.Result] = []
        if let poolOutput, let text = try? String(contentsOfFile: poolOutput, encoding: .utf8) {
            results = text.split(separator: "\n").compactMap { try? JSONDecoder().decode(AccuracyPool.Result.self, from: Data($0.utf8)) }
        }
        if let rescore {
            let byName = Dictionary(results.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            let rescored = entries.compactMap { entry in byName[entry.name].map { AccuracyPool.rescore(entry, cached: $0, tolerance: rescore) } }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            for result in rescored {
                var shown = result
                (shown.testNetwork, shown.validationNetwork, shown.validationEnds) = (nil, nil, nil)
                print(String(decoding: try encoder.encode(shown), as: UTF8.self))
            }
            print(AccuracyPool.summary(rescored))
            print(AccuracyPool.groupSummaries(rescored))
            print(AccuracyPool.markdownRows(rescored))
            return
        }
        let done = Set(results.map(\.name))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // --pool-output is appended to line by line, so that a run stopped part way keeps what it
        // finished; opened before the first series trains, so that a path that cannot be written
        // fails at once.
        var output: FileHandle?
        if let poolOutput {
            if !FileManager.default.fileExists(atPath: poolOutput) { _ = FileManager.default.createFile(atPath: poolOutput, contents: nil) }
            guard let handle = FileHandle(forWritingAtPath: poolOutput) else {
                FileHandle.standardError.write(Data("error: \(poolOutput): cannot be opened for writing (--pool-output)\n".utf8))
                throw ExitCode(73)
            }
            output = handle
        }
        defer { output?.closeFile() }
        for (position, entry) in entries.enumerated() where position % count == index && !done.contains(entry.name) {
            let result = try AccuracyPool.run(entry, seed: seed, maxSteps: maxSteps, normalization: normalization)
            results.append(result)
            let line = String(decoding: try encoder.encode(result), as: UTF8.self)
            print(line)
            if let output {
                output.seekToEndOfFile()
                output.write(Data((line + "\n").utf8))
            }
            FileHandle.standardError.write(Data(String(format: "%@: network %.3f, default %.3f, seasonal naive %.3f (%@; %.1f s)\n",
                                                       entry.name, result.mase["network"] ?? .nan, result.mase["default"] ?? .nan,
                                                       result.mase["seasonal_naive"] ?? .nan, result.combination, result.seconds).utf8))
        }
        let names = Set(entries.map(\.name))
        print(AccuracyPool.summary(results.filter { names.contains($0.name) }))
    }

    /// Conformal intervals around the backtest's forecasts calibrated the other way: `windows`
    /// models, each trained on the data before an origin c_j = o_0 − (windows − j)·h, forecast
    /// [c_j, c_j + h); their absolute errors (in the data's units) make the intervals.
    private func backtestCalibrated(series: TimeSeries, task: Task, options: TrainingOptions, windows: Int,
                                    evaluation: HoldoutEvaluation) throws -> IntervalAccuracy {
        let first = series.count - task.origins * task.horizon
        var trainOptions = options
        trainOptions.testSize = .count(0)
        trainOptions.intervals = .none
        var errors = [[Double]](repeating: [], count: task.horizon)
        for j in 0..<windows {
            let origin = first - (windows - j) * task.horizon
            let model = try Trainer.fit(Panel(series).prefixes([origin]), options: trainOptions).model
            let (forecast, _) = model.forecast([series], requests: [ForecastRequest(series: 0, end: origin)], steps: task.horizon)
            for h in 0..<task.horizon { errors[h].append(abs(series.target[origin + h] - forecast[0][h])) }
        }
        let calibration = ConformalCalibration(errors: errors)
        let levels: [Double] = [80, 95]
        let origins = evaluation.origins
        let intervals = levels.map { level in
            let half = origins.flatMap { $0.model.indices.map { calibration.halfWidth(level: level, step: $0) } }
            let point = origins.flatMap(\.model)
            return PredictionInterval(level: level, lower: zip(point, half).map { $0 - $1 }, upper: zip(point, half).map { $0 + $1 })
        }
        return IntervalAccuracy(actual: origins.flatMap(\.actual), point: origins.flatMap(\.model), intervals: intervals,
                                training: Array(series.target[..<first]), season: task.season)
    }
}
