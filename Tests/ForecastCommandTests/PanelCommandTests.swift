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
        // By default every series' combination holds seasonal naive's share, applied where the
        // series' tolerance kept seasonal naive; --seasonal-naive-share 0 trains the same network without it.
        let plainTrain = try CLI.run(["train", "--data", "panel.csv", "--output", "plain", "--seasonal-naive-share", "0"] + Self.small, in: dir)
        #expect(plainTrain.status == 0, "\(plainTrain.stderr)")
        let plainConfig = try String(contentsOf: dir.appendingPathComponent("plain/config.json"), encoding: .utf8)
        #expect(!plainConfig.contains("seasonal_naive_share"))
        func seriesCombinations(_ model: String) throws -> [String: [String: Any]] {
            let url = dir.appendingPathComponent("\(model)/config.json")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
            let all = try #require(json["series_combinations"] as? [String: Any])
            return all.compactMapValues { $0 as? [String: Any] }
        }
        let hedgedCombinations = try seriesCombinations("model"), plainCombinations = try seriesCombinations("plain")
        #expect(hedgedCombinations.count == 3 && plainCombinations.count == 3)
        var hedged = 0
        for (id, combination) in hedgedCombinations {
            #expect(combination["seasonal_naive_share"] as? Double == 0.4)
            let members = try #require(combination["members"] as? [[String: Any]])
            let plainMembers = try #require(plainCombinations[id]?["members"] as? [[String: Any]])
            let kept = plainMembers.contains { $0["member"] as? String == "seasonal_naive" && ($0["weight"] as? Double ?? 0) > 0 }
            hedged += kept ? 1 : 0
            for (member, plainMember) in zip(members, plainMembers) {
                let weight = try #require(member["weight"] as? Double), plainWeight = try #require(plainMember["weight"] as? Double)
                let expected = kept ? plainWeight * 0.6 + (member["member"] as? String == "seasonal_naive" ? 0.4 : 0) : plainWeight
                #expect(abs(weight - expected) < 1e-12, "\(id) \(member)")
            }
        }
        #expect(hedged > 0)  // the test data's series keep seasonal naive in their choice
        #expect(evaluate.stdout.contains("; seasonal naive's share 0.400 where the tolerance kept it, in \(hedged)\n"))
        #expect(train.stderr.contains("; seasonal naive's share 0.400 where the tolerance kept it, in \(hedged)\n"))
        let plainEvaluate = try CLI.run(["evaluate", "--model", "plain", "--data", "panel.csv"], in: dir)
        #expect(plainEvaluate.status == 0, "\(plainEvaluate.stderr)")
        #expect(!plainEvaluate.stdout.contains("seasonal naive's share"))
        // The option's bounds, and it needs the fallback.
        for (arguments, message) in [(["--seasonal-naive-share", "1"], "--seasonal-naive-share takes a number from 0 up to (not including) 1 (got 1.0)"),
                                     (["--seasonal-naive-share=-0.1"], "--seasonal-naive-share takes a number from 0 up to (not including) 1 (got -0.1)"),
                                     (["--seasonal-naive-share", "0.2", "--no-fallback"], "--seasonal-naive-share is a share of the fallback's forecast: leave out --no-fallback")] {
            let refused = try CLI.run(["train", "--data", "panel.csv", "--output", "refused"] + arguments + Self.small, in: dir)
            #expect(refused.status != 0 && refused.stderr.contains(message), "\(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("refused").path))
        }
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
