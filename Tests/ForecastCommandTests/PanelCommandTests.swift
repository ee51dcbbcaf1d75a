import Foundation
import Testing

/// `forecast` on a long table of many series: train, predict, evaluate and backtest end to end,
/// and one line on standard error with the right status for each bad table.
@Suite struct PanelCommandTests {
    typealias CLI = CommandLineTests

    /// Three series of integer steps with different starts and lengths, rows shuffled.
    static let panelCSV: String = {
        var rows: [String] = []
        for (s, length) in [60, 48, 40].enumerated() {
            for t in 0..<length {
                let value = Double(10 * (s + 1)) * (5 + sin(Double(t) * .pi / 3)) + Double(t % 5) * 0.1
                rows.append("S\(s + 1),\(t + 1 + 3 * s),\(String(format: "%.2f", value))")
            }
        }
        var generator = SystemRandomNumberGenerator()
        rows.shuffle(using: &generator)
        return "unique_id,ds,y\n" + rows.joined(separator: "\n") + "\n"
    }()

    static let small = ["--lookback", "12", "--horizon", "6", "--season", "6", "--hidden-size", "6", "--layers", "1", "--epochs", "2"]

    func directory(with csv: String = panelCSV) throws -> URL {
        let dir = try CLI.temporaryDirectory()
        try csv.write(to: dir.appendingPathComponent("panel.csv"), atomically: true, encoding: .utf8)
        return dir
    }

    @Test func theFallbackOfAPanelIsOnByDefaultChosenPerSeriesAndShown() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // --no-fallback: the bare network.
        let bare = try CLI.run(["train", "--data", "panel.csv", "--output", "bare", "--no-fallback"] + Self.small, in: dir)
        #expect(bare.status == 0, "\(bare.stderr)")
        #expect(!(try String(contentsOf: dir.appendingPathComponent("bare/config.json"), encoding: .utf8)).contains("combination"))
        #expect(!(bare.stdout + bare.stderr).contains("fallback"))
        // No flag: the fallback, each series its own.
        let train = try CLI.run(["train", "--data", "panel.csv", "--output", "model"] + Self.small, in: dir)
        #expect(train.status == 0, "\(train.stderr)")
        #expect((train.stdout + train.stderr).contains("per series: 3 of 3 series chose their own combination"))
        let config = try String(contentsOf: dir.appendingPathComponent("model/config.json"), encoding: .utf8)
        #expect(config.contains("\"series_combinations\"") && config.contains("\"S1\"") && config.contains("\"S3\""))
        let evaluate = try CLI.run(["evaluate", "--model", "model", "--data", "panel.csv"], in: dir)
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        #expect(evaluate.stdout.contains("per series: 3 of 3 series chose their own combination"))
        #expect(evaluate.stdout.contains("LSTM + fallback per series"))
        #expect(!evaluate.stdout.contains("seasonal naive's share"))
        // A model whose series hedge with seasonal naive's share (TrainingOptions.fallbackSeriesSeasonalNaiveShare):
        // the share recorded in every series' combination, applied where seasonal naive was kept.
        let url = dir.appendingPathComponent("model/config.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var all = try #require(json["series_combinations"] as? [String: Any])
        var hedged = 0
        for (id, value) in all {
            var combination = try #require(value as? [String: Any])
            var members = try #require(combination["members"] as? [[String: Any]])
            let kept = members.contains { $0["member"] as? String == "seasonal_naive" && ($0["weight"] as? Double ?? 0) > 0 }
            if kept {
                hedged += 1
                for i in members.indices {
                    let weight = try #require(members[i]["weight"] as? Double) * 0.6
                    members[i]["weight"] = weight + (members[i]["member"] as? String == "seasonal_naive" ? 0.4 : 0)
                }
            }
            combination["members"] = members
            combination["seasonal_naive_share"] = 0.4
            all[id] = combination
        }
        json["series_combinations"] = all
        #expect(hedged > 0)  // the test data's series keep seasonal naive in their choice
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        let hedgedEvaluate = try CLI.run(["evaluate", "--model", "model", "--data", "panel.csv"], in: dir)
        #expect(hedgedEvaluate.status == 0, "\(hedgedEvaluate.stderr)")
        #expect(hedgedEvaluate.stdout.contains("; seasonal naive's share 0.400 where the tolerance kept it, in \(hedged)\n"))
    }

    @Test func trainPredictAndEvaluateALongTable() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let train = try CLI.run(["train", "--data", "panel.csv", "--output", "model"] + Self.small, in: dir)
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stderr.contains("note: column 'unique_id' names the series (3 of them)"))
        #expect(train.stderr.contains("test part: 6 points of each series, 3 series, 3 forecasts of 6 (season 6); means over series"))

        let predict = try CLI.run(["predict", "--model", "model", "--data", "panel.csv"], in: dir)
        #expect(predict.status == 0, "\(predict.stderr)")
        let rows = predict.stdout.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        #expect(rows.first == ["unique_id", "ds", "forecast"])
        #expect(rows.count == 1 + 3 * 6)
        // Series in the order their ids first appear; steps continue each series' own end.
        let firstAppearance = Self.panelCSV.split(separator: "\n").dropFirst().map { String($0.prefix(2)) }
        var order: [String] = []
        for id in firstAppearance where !order.contains(id) { order.append(id) }
        #expect(rows.dropFirst().map { $0[0] } == order.flatMap { Array(repeating: $0, count: 6) })
        let ends = ["S1": 60, "S2": 51, "S3": 46]
        for row in rows.dropFirst() where row[0] == "S2" { #expect(Int(row[1])! > ends["S2"]!) }
        #expect(rows.dropFirst().allSatisfy { Double($0[2])?.isFinite == true })

        let evaluate = try CLI.run(["evaluate", "--model", "model", "--data", "panel.csv", "--per-series", "scores.csv"], in: dir)
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        #expect(evaluate.stdout.contains("test part of 6 points of each series, 3 series, 3 forecasts of 6 (season 6); means over series"))
        let scores = try String(contentsOf: dir.appendingPathComponent("scores.csv"), encoding: .utf8).split(separator: "\n")
        #expect(scores.first?.hasPrefix("unique_id,origins,points,model_mae,model_rmse,model_smape,model_mase,model_coverage_80,model_coverage_95,model_msis,naive_smape") == true)
        #expect(scores.count == 4)
    }

    @Test func backtestWritesTheIDFirstAndEachSeriesFigures() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try CLI.run(["backtest", "--data", "panel.csv", "--origins", "2", "--output", "backtest.csv",
                               "--per-series", "-", "--quiet"] + Self.small, in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("unique_id,origins,points"))
        let lines = try String(contentsOf: dir.appendingPathComponent("backtest.csv"), encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "unique_id,origin,step,actual,forecast,lo-80,hi-80,lo-95,hi-95,naive,seasonal_naive,drift,mean"
                || lines.first == "unique_id,origin,timestamp,actual,forecast,lo-80,hi-80,lo-95,hi-95,naive,seasonal_naive,drift,mean")
        #expect(lines.count == 1 + 3 * 2 * 6)
    }

    @Test func eachBadTableGetsOneLineAndItsStatus() throws {
        let cases: [(csv: String, arguments: [String], status: Int32, message: String)] = [
            ("unique_id,ds,y\nA,1,1\nA,1,2\n", [], 65, "error: panel.csv, line 3, column 2: duplicate (series 'A', time '1'): also on line 2"),
            ("unique_id,ds,y\nA,1,1\n,2,2\n", [], 65, "error: panel.csv, line 3, column 1: the series id in column 'unique_id' is empty"),
            ("unique_id,ds,y\nA,1,1\nB,1,\n", [], 65, "error: panel.csv, line 3: series 'B' has no values in column 'y'"),
            ("id,date,y\nA,2024-01-01,1\nA,2024-01-02,2\nA,2024-01-03,3\nB,2024-01-01,1\nB,2024-02-01,2\nB,2024-03-01,3\n", [], 65,
             "error: panel.csv, line 5: series 'B' is monthly, but the table is daily (as its longest series 'A')"),
            (Self.panelCSV, ["--id", "store"], 64, "error: panel.csv: no id column 'store'; the columns are 'unique_id', 'ds', 'y'"),
        ]
        for (csv, arguments, status, message) in cases {
            let dir = try directory(with: csv)
            defer { try? FileManager.default.removeItem(at: dir) }
            let run = try CLI.run(["train", "--data", "panel.csv", "--output", "model"] + Self.small + arguments, in: dir)
            #expect(run.status == status, "\(run.stderr)")
            #expect(run.stderr.split(separator: "\n").last.map(String.init) == message)
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("model").path))
        }
    }
}
