import Foundation
import Testing

/// `forecast-bench`, run as a user runs it: each bad option is refused before any work, with the
/// usage status and a sentence naming the option; good ones give one JSON line of measures.
@Suite struct BenchOptionsTests {
    static let executable = CommandLineTests.executable.deletingLastPathComponent().appendingPathComponent("forecast-bench")

    static func run(_ arguments: [String]) throws -> CommandLineTests.Run {
        try CommandLineTests.run(arguments, in: FileManager.default.temporaryDirectory, program: executable)
    }

    @Test(arguments: [
        (["speed", "--threads", "0"], "--threads must be at least 1."),
        (["speed", "--hidden", "0"], "--hidden, --layers, --lookback and --batch must be positive."),
        (["speed", "--windows", "10", "--batch", "64"], "--windows must be at least --batch."),
        (["window", "--calls", "0"], "--hidden, --layers, --lookback, --calls and --rounds must be positive."),
        (["window", "--threads", "0"], "--threads must be at least 1."),
        (["inference", "--rows", "0"], "--hidden, --layers, --lookback, --rows, --rounds and --seconds must be positive."),
        (["inference", "--seconds", "0"], "--hidden, --layers, --lookback, --rows, --rounds and --seconds must be positive."),
        (["window", "--interval-ms", "0"], "--interval-ms must be more than 0 and at most 10000."),
        (["window", "--interval-ms", "5", "--calls", "20"], "--calls must be more than 20 with --interval-ms (the first 20 are not counted)."),
        (["panel-accuracy", "--series-shares", "0.4"], "--series-shares needs --fallback and a finite first --series-priors value"),
        (["panel-accuracy", "--fallback", "--series-priors", "inf", "--series-shares", "0.4"],
         "--series-shares needs --fallback and a finite first --series-priors value"),
        (["panel-accuracy", "--fallback", "--series-shares", "0.4,1"], "--series-shares takes numbers from 0 up to (not including) 1, comma-separated (got '0.4,1')"),
        (["panel-accuracy", "--no-fallback", "--seasonal-naive-share", "0.4"], "--seasonal-naive-share needs the fallback (leave out --no-fallback)"),
        (["panel-accuracy", "--seasonal-naive-share", "1"], "--seasonal-naive-share takes a number from 0 up to (not including) 1 (got 1.0)"),
    ])
    func badOptionsAreRefusedWithTheUsageStatusAndASentence(arguments: [String], message: String) throws {
        let run = try Self.run(arguments)
        #expect(run.status == 64)
        #expect(run.stderr.split(separator: "\n").first == "Error: \(message)"[...], "\(run.stderr)")
    }

    /// Each benchmark, on a tiny model, prints its JSON lines (one, or one per plan) with every
    /// measure positive.
    @Test(arguments: [
        (["speed", "--hidden", "8", "--lookback", "4", "--batch", "16", "--windows", "64", "--threads", "2"], 1,
         ["train_windows_per_s", "predict_latency_us", "predict_windows_per_s", "final_loss", "peak_rss_mb"]),
        (["inference", "--hidden", "16", "--lookback", "4", "--rows", "8", "--seconds", "0.01", "--rounds", "1"], 1,
         ["block_us", "products_us", "cells_us", "products_gflops", "block_windows_per_s", "ceiling_windows_per_s"]),
        (["window", "--hidden", "8", "--lookback", "4", "--interval-ms", "0.1", "--calls", "25", "--threads", "2"],
         ProcessInfo.processInfo.activeProcessorCount > 1 ? 4 : 2,  // each plan, then the library's choice
         ["calls", "median_us", "p90_us", "p99_us", "max_us"]),
    ])
    func benchmarksPrintJSONLinesOfPositiveMeasures(arguments: [String], lineCount: Int, keys: [String]) throws {
        let run = try Self.run(arguments)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == lineCount, "\(run.stdout)")
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            for key in keys {
                let value = (object?[key] as? NSNumber)?.doubleValue ?? .nan
                #expect(value > 0 && value.isFinite, "\(key) = \(value) in \(line)")
            }
        }
    }
}
