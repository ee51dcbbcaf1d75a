import Foundation
import Testing

/// Future-known and static covariates through the command line: a long table with a planned
/// promotion and a store type trains the encoder–decoder, predict reads the plan from --future and
/// the types from the table or --static, and every missing or inconsistent value is one clear line.
@Suite struct CovariatesCommandTests {
    static let days = 60

    /// Two stores, daily, with a promotion column and a type column.
    static var table: String {
        var lines = ["store,date,sales,promo,type"]
        for (s, store) in ["A", "B"].enumerated() {
            for t in 0..<days {
                let promo = (t * 7 + s) % 5 == 0 ? 1 : 0
                let date = Calendar(identifier: .gregorian).date(byAdding: .day, value: t, to: Date(timeIntervalSince1970: 1_704_067_200))!
                let text = ISO8601DateFormatter.string(from: date, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate, .withDashSeparatorInDate])
                lines.append("\(store),\(text),\(20 + 10 * s + 5 * promo + t % 7),\(promo),\(s == 0 ? "mall" : "street")")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The plan for the `steps` days after the table, for `stores`.
    static func plan(steps: Int, stores: [String] = ["A", "B"]) -> String {
        var lines = ["store,date,promo"]
        for store in stores {
            for t in days..<(days + steps) {
                let date = Date(timeIntervalSince1970: 1_704_067_200 + Double(t) * 86_400)
                let text = ISO8601DateFormatter.string(from: date, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate, .withDashSeparatorInDate])
                lines.append("\(store),\(text),\(t % 3 == 0 ? 1 : 0)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static let train = ["train", "--data", "stores.csv", "--id", "store", "--target", "sales", "--future-features", "promo", "--static-features", "type",
                        "--calendar", "dayofweek", "--lookback", "7", "--horizon", "3", "--hidden-size", "4", "--layers", "1",
                        "--epochs", "2", "--quiet", "--output", "model"]

    @Test func aLongTableTrainsTheEncoderDecoderAndPredictReadsThePlan() throws {
        let dir = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.table.write(to: dir.appendingPathComponent("stores.csv"), atomically: true, encoding: .utf8)
        try Self.plan(steps: 3).write(to: dir.appendingPathComponent("plan.csv"), atomically: true, encoding: .utf8)
        let train = try CommandLineTests.run(Self.train, in: dir)
        #expect(train.status == 0, "\(train.stderr)")
        let config = try String(contentsOf: dir.appendingPathComponent("model/config.json"), encoding: .utf8)
        #expect(config.contains("\"future_features\" : [\n    \"promo\"\n  ]"))
        #expect(config.contains("\"decoder\" : {"))
        #expect(config.contains("\"categories\" : [\n          \"mall\",\n          \"street\"\n        ]"))

        let predict = try CommandLineTests.run(["predict", "--model", "model", "--data", "stores.csv", "--future", "plan.csv"], in: dir)
        #expect(predict.status == 0, "\(predict.stderr)")
        let rows = predict.stdout.split(separator: "\n")
        #expect(rows.count == 1 + 2 * 3)
        #expect(rows.first == "store,date,forecast")
        #expect(rows[1].hasPrefix("A,2024-03-01,"))

        // The statics from a table of one row per store instead of the data's columns.
        try "store,type\nB,street\nA,mall\n".write(to: dir.appendingPathComponent("types.csv"), atomically: true, encoding: .utf8)
        let fromFile = try CommandLineTests.run(["predict", "--model", "model", "--data", "stores.csv", "--future", "plan.csv",
                                                 "--static", "types.csv", "--static-features", "type"], in: dir)
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        #expect(fromFile.stdout == predict.stdout)

        // evaluate scores the test part from the data's own promotions; report needs the plan too.
        let evaluate = try CommandLineTests.run(["evaluate", "--model", "model", "--data", "stores.csv", "--json"], in: dir)
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        let report = try CommandLineTests.run(["report", "--model", "model", "--data", "stores.csv", "--future", "plan.csv",
                                               "--output", "report.html"], in: dir)
        #expect(report.status == 0, "\(report.stderr)")
        #expect(try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8).contains("</html>"))
    }

    @Test func missingPlansUnknownCategoriesAndVaryingStaticsAreOneLine() throws {
        let dir = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.table.write(to: dir.appendingPathComponent("stores.csv"), atomically: true, encoding: .utf8)
        let train = try CommandLineTests.run(Self.train, in: dir)
        #expect(train.status == 0, "\(train.stderr)")
        try Self.plan(steps: 3, stores: ["A"]).write(to: dir.appendingPathComponent("partial.csv"), atomically: true, encoding: .utf8)
        try "store,type\nA,mall\nB,kiosk\n".write(to: dir.appendingPathComponent("kiosk.csv"), atomically: true, encoding: .utf8)

        func expectOneLine(_ arguments: [String], status: Int32, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let run = try CommandLineTests.run(arguments, in: dir)
            #expect(run.status == status, "status \(run.status): \(run.stderr)", sourceLocation: sourceLocation)
            #expect(run.stderr == "error: \(message)\n", sourceLocation: sourceLocation)
            #expect(run.stdout.isEmpty, sourceLocation: sourceLocation)
        }
        let predict = ["predict", "--model", "model", "--data", "stores.csv", "--quiet"]
        try expectOneLine(predict + ["--future", "partial.csv"], status: 65,
                          "partial.csv: series 'B' lacks the future values of 'promo' at '2024-03-01' (step 1 of 3)")
        try expectOneLine(predict, status: 64,
                          "stores.csv: the model reads the future-known features 'promo'; give their values over the forecast's 3 steps with --future FILE")
        try Self.plan(steps: 3).write(to: dir.appendingPathComponent("plan.csv"), atomically: true, encoding: .utf8)
        try expectOneLine(predict + ["--future", "plan.csv", "--static", "kiosk.csv", "--static-features", "type"], status: 65,
                          "stores.csv: static feature 'type' of series 'B' is 'kiosk', a category the model has not seen (it knows 'mall', 'street')")

        let varying = Self.table.split(separator: "\n").map { line in
            line.hasPrefix("B,2024-01-06,") ? line.replacingOccurrences(of: ",street", with: ",mall") : String(line)
        }.joined(separator: "\n") + "\n"
        try varying.write(to: dir.appendingPathComponent("varying.csv"), atomically: true, encoding: .utf8)
        let run = try CommandLineTests.run(Self.train.map { $0 == "stores.csv" ? "varying.csv" : $0 }, in: dir)
        #expect(run.status == 65, "\(run.stderr)")
        #expect(run.stderr.hasPrefix("error: varying.csv, line ") && run.stderr.contains("static feature 'type' of series 'B' is 'mall' here but 'street' on line"))
        #expect(run.stderr.split(separator: "\n").count == 1)
    }
}
