import Foundation
import Testing

/// `--cell gru` through the command line: the model stores its cell, and predict, evaluate and
/// backtest use it without being told.
@Suite struct CellCommandTests {
    @Test func gruTrainsPredictsEvaluatesAndBacktests() throws {
        let dir = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try CommandLineTests.monthlyCSV.write(to: dir.appendingPathComponent("sales.csv"), atomically: true, encoding: .utf8)
        let common = ["--target", "sales", "--lookback", "12", "--horizon", "6", "--hidden-size", "4", "--layers", "2",
                      "--epochs", "2", "--quiet", "--no-fallback"]  // the network's own forecasts, not a blend
        let train = try CommandLineTests.run(["train", "--data", "sales.csv", "--cell", "gru", "--output", "model"] + common, in: dir)
        #expect(train.status == 0, "\(train.stderr)")
        let config = try String(contentsOf: dir.appendingPathComponent("model/config.json"), encoding: .utf8)
        #expect(config.contains("\"type\" : \"gru\""))

        let predict = try CommandLineTests.run(["predict", "--model", "model", "--data", "sales.csv"], in: dir)
        #expect(predict.status == 0, "\(predict.stderr)")
        #expect(predict.stdout.split(separator: "\n").count == 7)

        let evaluate = try CommandLineTests.run(["evaluate", "--model", "model", "--data", "sales.csv"], in: dir)
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        #expect(evaluate.stdout.contains("GRU"))

        let backtest = try CommandLineTests.run(["backtest", "--data", "sales.csv", "--cell", "gru", "--origins", "1", "--json"] + common, in: dir)
        #expect(backtest.status == 0, "\(backtest.stderr)")
        #expect(backtest.stdout.contains("\"model\""))
    }

    @Test func anUnknownCellIsRefusedNamingTheChoices() throws {
        // The argument parser's refusal, as for any other choice (--loss, --scaling): the error line,
        // its option's help line and the usage.
        let dir = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "value\n1\n2\n".write(to: dir.appendingPathComponent("data.csv"), atomically: true, encoding: .utf8)
        let run = try CommandLineTests.run(["train", "--data", "data.csv", "--cell", "rnn", "--output", "m"], in: dir)
        #expect(run.status == 64)
        #expect(run.stderr.hasPrefix("Error: The value 'rnn' is invalid for '--cell <cell>'. Please provide one of 'lstm' and 'gru'."))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("m").path))
    }
}
