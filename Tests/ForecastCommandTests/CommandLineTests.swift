import Foundation
import Testing

/// The `forecast` executable, run as a user runs it: exit statuses, one-line errors on standard
/// error, and output files that are complete or absent.
@Suite struct CommandLineTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The built executable, beside the test bundle in the build's products folder.
    static let executable: URL = {
        let products = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }?.bundleURL.deletingLastPathComponent()
            ?? Bundle.main.bundleURL
        return products.appendingPathComponent("forecast")
    }()

    /// Runs `forecast` (or another built `program`) with `arguments` in `directory`, feeding `input`
    /// to standard input.
    static func run(_ arguments: [String], in directory: URL, input: String? = nil, program: URL = executable) throws -> Run {
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inPipe.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("forecast-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// 60 months of a seasonal series with a trend, from 2015-01.
    static let monthlyCSV: String = {
        var lines = ["month,sales,price"]
        for t in 0..<60 {
            let value = 100 + Double(t) + 10 * sin(Double(t) * .pi / 6)
            lines.append(String(format: "%04d-%02d,%.2f,%.1f", 2015 + t / 12, t % 12 + 1, value, 5 + Double(t % 7)))
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    @Test func trainThenPredictWritesOneRowPerFuturePointWithContinuingTimestamps() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.monthlyCSV.write(to: dir.appendingPathComponent("sales.csv"), atomically: true, encoding: .utf8)
        let train = try Self.run(["train", "--data", "sales.csv", "--target", "sales", "--lookback", "12", "--horizon", "6",
                                  "--hidden-size", "8", "--layers", "1", "--epochs", "3", "--output", "model"], in: dir)
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stderr.contains("trained 3 epochs"))
        #expect(train.stderr.contains("seasonal naive"))
        // One series: a network with each of season and holt_winters, the better on validation kept.
        #expect(train.stderr.contains("normalisation: "), "\(train.stderr)")
        #expect(train.stderr.contains("chosen by the validation error of a network with each (season "))
        #expect(train.stderr.contains(", holt_winters "))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("model/model.safetensors").path))

        let predict = try Self.run(["predict", "--model", "model", "--data", "sales.csv", "--output", "forecast.csv"], in: dir)
        #expect(predict.status == 0, "\(predict.stderr)")
        let rows = try String(contentsOf: dir.appendingPathComponent("forecast.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.first == ["timestamp", "forecast"])
        #expect(rows.dropFirst().map { $0[0] } == ["2020-01", "2020-02", "2020-03", "2020-04", "2020-05", "2020-06"])
        #expect(rows.dropFirst().allSatisfy { $0.count == 2 && Double($0[1])?.isFinite == true })

        // Beyond the model's horizon, to standard output, reading standard input.
        let longer = try Self.run(["predict", "--model", "model", "--data", "-", "--horizon", "9"], in: dir, input: Self.monthlyCSV)
        #expect(longer.status == 0, "\(longer.stderr)")
        let lines = longer.stdout.split(separator: "\n")
        #expect(lines.count == 10)
        #expect(lines.last?.hasPrefix("2020-09,") == true)
        #expect(longer.stderr.contains("recursively"))
    }

    @Test func evaluateScoresTheHeldOutPartBesideTheBaselines() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.monthlyCSV.write(to: dir.appendingPathComponent("sales.csv"), atomically: true, encoding: .utf8)
        let train = try Self.run(["train", "--data", "sales.csv", "--target", "sales", "--lookback", "12", "--horizon", "6",
                                  "--test-size", "12", "--hidden-size", "4", "--layers", "1", "--epochs", "2", "--quiet",
                                  "--output", "model"], in: dir)
        #expect(train.status == 0, "\(train.stderr)")
        let table = try Self.run(["evaluate", "--model", "model", "--data", "sales.csv"], in: dir)
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("test part of 12 points, 2 forecasts of 6 (season 12)"))
        for name in ["LSTM", "naive", "seasonal naive", "drift", "mean", "MASE", "SMAPE"] { #expect(table.stdout.contains(name)) }
        let json = try Self.run(["evaluate", "--model", "model", "--data", "sales.csv", "--json"], in: dir)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: [String: Any]])
        // The model has conformal intervals and the fallback (the defaults): scored at 80 and 95,
        // and the combination named.
        #expect(Set(object.keys) == ["model", "naive", "seasonal_naive", "drift", "mean", "intervals", "combination"])
        #expect(object["combination"]?["network_gate"] as? Double == 2)  // the default gate for one series
        #expect(object["combination"]?["network_lead"] is Double)
        #expect(object["combination"]?["seasonal_naive_share"] as? Double == 0.4)  // the default share, recorded whether or not the gate passed
        #expect(Set(object["model"]!.keys) == ["mae", "rmse", "mape", "smape", "mase"])
        #expect(Set(object["intervals"]!.keys) == ["levels", "msis", "weighted_quantile_loss"])
        #expect(Set((object["intervals"]!["levels"] as? [String: Any])?.keys ?? [:].keys) == ["80", "95"])
        // --seasonal-naive-share 0: the fallback without the share.
        let unhedged = try Self.run(["train", "--data", "sales.csv", "--target", "sales", "--lookback", "12", "--horizon", "6",
                                     "--test-size", "12", "--hidden-size", "4", "--layers", "1", "--epochs", "2", "--quiet",
                                     "--seasonal-naive-share", "0", "--output", "unhedged"], in: dir)
        #expect(unhedged.status == 0, "\(unhedged.stderr)")
        let config = try String(contentsOf: dir.appendingPathComponent("unhedged/config.json"), encoding: .utf8)
        #expect(config.contains("\"combination\"") && !config.contains("seasonal_naive_share"))
    }

    @Test func backtestWritesOneRowPerForecastPointAndTheMetrics() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.monthlyCSV.write(to: dir.appendingPathComponent("sales.csv"), atomically: true, encoding: .utf8)
        let run = try Self.run(["backtest", "--data", "sales.csv", "--target", "sales", "--lookback", "12", "--horizon", "6",
                                "--origins", "2", "--hidden-size", "4", "--layers", "1", "--epochs", "2", "--quiet",
                                "--output", "backtest.csv", "--json"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["seasonal_naive"] != nil)
        // The last origin's normalisation, chosen between the default two, and its fallback.
        let normalization = try #require(object["normalization"] as? [String: Any])
        #expect(["season", "holt_winters"].contains(normalization["method"] as? String ?? ""))
        #expect(Set((normalization["errors"] as? [String: Any])?.keys ?? [:].keys) == ["season", "holt_winters"])
        #expect((object["combination"] as? [String: Any])?["members"] != nil)
        let rows = try String(contentsOf: dir.appendingPathComponent("backtest.csv"), encoding: .utf8).split(separator: "\n")
        #expect(rows.first == "origin,timestamp,actual,forecast,lo-80,hi-80,lo-95,hi-95,naive,seasonal_naive,drift,mean")
        #expect(rows.count == 1 + 12)
        // Origins at n − 2·6 and n − 6: 2019-01 and 2019-07 for 60 months from 2015-01.
        #expect(rows[1].hasPrefix("2019-01,2019-01,") && rows[7].hasPrefix("2019-07,2019-07,") && rows[12].hasPrefix("2019-07,2019-12,"))

        // The table names the normalisation chosen by validation; a fixed one has no such line.
        let table = try Self.run(["backtest", "--data", "sales.csv", "--target", "sales", "--lookback", "12", "--horizon", "6",
                                  "--origins", "2", "--hidden-size", "4", "--layers", "1", "--epochs", "2", "--quiet"], in: dir)
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("normalisation: ") && table.stdout.contains("chosen by the validation error"), "\(table.stdout)")
        let fixed = try Self.run(["backtest", "--data", "sales.csv", "--target", "sales", "--lookback", "12", "--horizon", "6",
                                  "--origins", "2", "--hidden-size", "4", "--layers", "1", "--epochs", "2", "--quiet",
                                  "--normalization", "season"], in: dir)
        #expect(fixed.status == 0 && !fixed.stdout.contains("normalisation: "), "\(fixed.stdout)")
    }

    @Test func predictWritesIntervalColumnsAndRefusesBadLevels() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.monthlyCSV.write(to: dir.appendingPathComponent("sales.csv"), atomically: true, encoding: .utf8)
        let small = ["--target", "sales", "--lookback", "12", "--horizon", "6", "--hidden-size", "4", "--layers", "1", "--epochs", "2", "--quiet"]
        #expect(try Self.run(["train", "--data", "sales.csv", "--output", "model"] + small, in: dir).status == 0)
        #expect(try Self.run(["train", "--data", "sales.csv", "--intervals", "none", "--output", "plain"] + small, in: dir).status == 0)

        let predict = try Self.run(["predict", "--model", "model", "--data", "sales.csv", "--level", "80,95", "--plot", "f.svg"], in: dir)
        #expect(predict.status == 0, "\(predict.stderr)")
        let rows = predict.stdout.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        #expect(rows.first == ["timestamp", "forecast", "lo-80", "hi-80", "lo-95", "hi-95"])
        #expect(rows.count == 7 && rows.dropFirst().allSatisfy { $0.count == 6 })
        let svg = try String(contentsOf: dir.appendingPathComponent("f.svg"), encoding: .utf8)
        #expect(svg.contains("95% interval") && svg.contains("80% interval"))

        let cases: [(arguments: [String], message: String)] = [
            (["--model", "model", "--level", "100"], "the level 100 is not in (0, 100)"),
            (["--model", "model", "--level", "0"], "the level 0 is not in (0, 100)"),
            (["--model", "model", "--level", "80,95,80"], "the level 80 is given twice"),
            (["--model", "model", "--level", "80,x"], "'x' is not a level"),
            (["--model", "plain", "--level", "80"], "the model has no prediction intervals: train it again with --intervals conformal"),
            (["--model", "model", "--level", "80", "--horizon", "7"], "calibrated for the model's horizon of 6 steps"),
        ]
        for (arguments, message) in cases {
            let run = try Self.run(["predict", "--data", "sales.csv", "--output", "out.csv"] + arguments, in: dir)
            #expect(run.status == 64, "\(arguments): \(run.stderr)")
            let lines = run.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage:") && !$0.hasPrefix("  See") && !$0.isEmpty }
            #expect(run.stderr.contains(message) && lines.count == 1, "\(arguments): \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.csv").path))
        }
        // Without intervals, evaluate scores the points only, and --level there is refused too.
        #expect(try Self.run(["evaluate", "--model", "plain", "--data", "sales.csv", "--level", "80"], in: dir).status == 64)
        #expect(try Self.run(["evaluate", "--model", "plain", "--data", "sales.csv"], in: dir).status == 0)
    }

    @Test func plotsAndTheReportAreStandaloneFiles() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.monthlyCSV.write(to: dir.appendingPathComponent("sales.csv"), atomically: true, encoding: .utf8)
        let small = ["--target", "sales", "--hidden-size", "4", "--layers", "1", "--epochs", "3", "--quiet"]
        let train = try Self.run(["train", "--data", "sales.csv", "--lookback", "12", "--horizon", "6", "--test-size", "12",
                                  "--output", "model", "--plot", "training.svg"] + small, in: dir)
        #expect(train.status == 0, "\(train.stderr)")
        let predict = try Self.run(["predict", "--model", "model", "--data", "sales.csv", "--output", "f.csv", "--plot", "forecast.svg"], in: dir)
        #expect(predict.status == 0, "\(predict.stderr)")
        let evaluate = try Self.run(["evaluate", "--model", "model", "--data", "sales.csv", "--plot", "evaluation.svg"], in: dir)
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        let backtest = try Self.run(["backtest", "--data", "sales.csv", "--lookback", "12", "--horizon", "6", "--origins", "2",
                                     "--plot", "backtest.svg"] + small, in: dir)
        #expect(backtest.status == 0, "\(backtest.stderr)")
        for name in ["training.svg", "forecast.svg", "evaluation.svg", "backtest.svg"] {
            let svg = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"), "\(name)")
            #expect(svg.contains("xmlns=\"http://www.w3.org/2000/svg\"") && svg.contains("sales.csv"), "\(name)")
        }
        let report = try Self.run(["report", "--model", "model", "--data", "sales.csv", "--output", "report.html"], in: dir)
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.components(separatedBy: "<svg").count - 1 == 2)  // the test-part forecasts and the forecast
        #expect(html.contains("seasonal naive") && html.contains("MASE"))
        #expect(!html.contains("src=") && !html.contains("href="))
    }

    @Test func seriesWithoutTimeGetsStepNumbers() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = "value\n" + (0..<40).map { "\(Double($0 % 5) + 0.5 * Double($0))" }.joined(separator: "\n") + "\n"
        try csv.write(to: dir.appendingPathComponent("v.csv"), atomically: true, encoding: .utf8)
        let train = try Self.run(["train", "--data", "v.csv", "--lookback", "5", "--horizon", "2", "--hidden-size", "4",
                                  "--epochs", "1", "--quiet", "--output", "m"], in: dir)
        #expect(train.status == 0, "\(train.stderr)")
        let predict = try Self.run(["predict", "--model", "m", "--data", "v.csv"], in: dir)
        #expect(predict.stdout.split(separator: "\n").map { String($0.prefix(2)) } == ["st", "1,", "2,"])
    }

    /// Runs a failing command and checks: the status, one line on standard error naming what is
    /// given, no stack trace, and no file left at `output`.
    func expectFailure(_ arguments: [String], status: Int32, message: String, csv: String? = nil,
                       output: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        if let csv { try csv.write(to: dir.appendingPathComponent("data.csv"), atomically: true, encoding: .utf8) }
        let run = try Self.run(arguments, in: dir)
        #expect(run.status == status, "status \(run.status): \(run.stderr)", sourceLocation: sourceLocation)
        #expect(run.stderr.contains(message), "stderr: \(run.stderr)", sourceLocation: sourceLocation)
        let lines = run.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage:") && !$0.hasPrefix("  See") && !$0.isEmpty }
        #expect(lines.count == 1, "expected one line, got: \(run.stderr)", sourceLocation: sourceLocation)
        #expect(!run.stderr.contains("Fatal error") && !run.stderr.contains("Stack dump"), sourceLocation: sourceLocation)
        if let output {
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(output).path),
                    "\(output) was left behind", sourceLocation: sourceLocation)
        }
    }

    @Test func badInputsGiveOneLineAndTheirExitStatus() throws {
        let train = ["train", "--data", "data.csv", "--lookback", "3", "--horizon", "1", "--epochs", "1", "--output", "m"]
        try expectFailure(train.map { $0 == "data.csv" ? "absent.csv" : $0 }, status: 66, message: "absent.csv: no such file", output: "m")
        try expectFailure(train, status: 65, message: "data.csv: is empty", csv: "", output: "m")
        try expectFailure(train, status: 65, message: "data.csv: has a header but no data rows", csv: "date,value\n", output: "m")
        try expectFailure(train, status: 65, message: "data.csv, line 3, column 2: 'abc' in column 'value' is not a number",
                          csv: "date,value\n2020-01-01,1\n2020-01-02,abc\n", output: "m")
        try expectFailure(train, status: 65, message: "data.csv, line 3", csv: "date,value\n2020-01-01,1\n2020-01-02,1,5\n", output: "m")
        try expectFailure(train + ["--target", "sales"], status: 64, message: "no target column 'sales'; the columns are 'date', 'value'",
                          csv: "date,value\n2020-01-01,1\n", output: "m")
        try expectFailure(train, status: 65, message: "column 'value' has no values", csv: "date,value\n2020-01-01,\n2020-01-02,NA\n", output: "m")
        try expectFailure(train, status: 64, message: "the series has 3 points; lookback 3 + horizon 1 needs at least 4",
                          csv: "date,value\n2020-01-01,1\n2020-01-02,2\n2020-01-03,3\n", output: "m")
        try expectFailure(["train", "--data", "data.csv", "--lookback", "0", "--output", "m"], status: 64,
                          message: "--lookback must be at least 1 (got 0)", csv: "value\n1\n2\n", output: "m")
        try expectFailure(["train", "--data", "data.csv", "--horizon=-2", "--output", "m"], status: 64,
                          message: "--horizon must be at least 1 (got -2)", csv: "value\n1\n2\n", output: "m")
        try expectFailure(["train", "--data", "data.csv", "--normalization", "season,season", "--output", "m"], status: 64,
                          message: "--normalization: 'season,season' is not one method or several different ones, comma-separated, of global, season", csv: "value\n1\n2\n", output: "m")
        try expectFailure(["train", "--data", "data.csv", "--loss", "quantile", "--levels", "80,100", "--output", "m"], status: 64,
                          message: "--levels: the level 100 is not in (0, 100)", csv: "value\n1\n2\n", output: "m")
        try expectFailure(["train", "--data", "data.csv", "--loss", "quantile", "--levels", "95,95", "--output", "m"], status: 64,
                          message: "--levels: the level 95 is given twice", csv: "value\n1\n2\n", output: "m")
        try expectFailure(["train", "--data", "data.csv", "--intervals", "quantile", "--output", "m"], status: 64,
                          message: "--intervals quantile needs a quantile head: add --loss quantile --levels 80,95", csv: "value\n1\n2\n", output: "m")
        try expectFailure(["predict", "--model", "nowhere", "--data", "data.csv", "--output", "f.csv"], status: 66,
                          message: "nowhere: no such model directory", csv: "value\n1\n", output: "f.csv")
    }

    @Test func constantSeriesTrainsWithoutDividingByZero() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try ("value\n" + String(repeating: "7\n", count: 30)).write(to: dir.appendingPathComponent("c.csv"), atomically: true, encoding: .utf8)
        let train = try Self.run(["train", "--data", "c.csv", "--lookback", "4", "--horizon", "2", "--hidden-size", "4",
                                  "--epochs", "2", "--output", "m"], in: dir)
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stderr.contains("constant"))
        let predict = try Self.run(["predict", "--model", "m", "--data", "c.csv"], in: dir)
        #expect(predict.status == 0)
        #expect(predict.stdout.split(separator: "\n").dropFirst().allSatisfy { Double($0.split(separator: ",")[1])?.isFinite == true })
    }

    @Test func demoWritesItsFolderAndSummary() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let demo = try Self.run(["demo", "--epochs", "1", "--quiet"], in: dir)
        #expect(demo.status == 0, "\(demo.stderr)")
        #expect(demo.stdout.contains("seasonal naive"))
        for file in ["model/config.json", "model/model.safetensors", "forecast.csv", "test-forecasts.csv", "training-history.csv",
                     "data.csv", "forecast.svg", "test-forecasts.svg", "training.svg", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("forecast-demo/\(file)").path), "\(file)")
        }
        let forecast = try String(contentsOf: dir.appendingPathComponent("forecast-demo/forecast.csv"), encoding: .utf8)
        #expect(forecast.split(separator: "\n").count == 13)
        #expect(forecast.contains("1961-12,"))
        // A second run does not overwrite the first.
        let again = try Self.run(["demo", "--epochs", "1", "--quiet"], in: dir)
        #expect(again.status == 0)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("forecast-demo-2/forecast.csv").path))
    }
}
