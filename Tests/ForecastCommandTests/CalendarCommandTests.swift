import Foundation
import Testing

/// `--calendar` through the command line: a model trained with it predicts from dates alone, and
/// asking for calendar features without dates, or for an unknown one, is one clear line.
@Suite struct CalendarCommandTests {
    @Test func aCalendarModelTrainsAndPredictsFromTheDates() throws {
        let dir = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try CommandLineTests.monthlyCSV.write(to: dir.appendingPathComponent("sales.csv"), atomically: true, encoding: .utf8)
        let train = try CommandLineTests.run(["train", "--data", "sales.csv", "--target", "sales", "--calendar", "auto",
                                              "--lookback", "12", "--horizon", "6", "--hidden-size", "4", "--layers", "1",
                                              "--epochs", "2", "--quiet", "--output", "model"], in: dir)
        #expect(train.status == 0, "\(train.stderr)")
        let config = try String(contentsOf: dir.appendingPathComponent("model/config.json"), encoding: .utf8)
        #expect(config.contains("\"calendar\" : [\n    \"month\"\n  ]"))
        let predict = try CommandLineTests.run(["predict", "--model", "model", "--data", "sales.csv"], in: dir)
        #expect(predict.status == 0, "\(predict.stderr)")
        #expect(predict.stdout.split(separator: "\n").count == 7)
    }

    @Test func calendarFeaturesOnIntegerTimeOrUnknownNamesAreOneLine() throws {
        let steps = "t,value\n" + (1...8).map { "\($0),\($0 + 4)" }.joined(separator: "\n") + "\n"
        let tests = CommandLineTests()
        try tests.expectFailure(["train", "--data", "data.csv", "--target", "value", "--time", "t", "--calendar", "month",
                                 "--lookback", "2", "--horizon", "1", "--epochs", "1", "--output", "m"], status: 64,
                                message: "data.csv: calendar features need dates; the time column 't' holds integer steps", csv: steps, output: "m")
        try tests.expectFailure(["train", "--data", "data.csv", "--calendar", "auto", "--lookback", "2", "--horizon", "1", "--output", "m"], status: 64,
                                message: "data.csv: calendar features need dates, and the data has no time column", csv: "value\n1\n2\n3\n4\n5\n", output: "m")
        try tests.expectFailure(["train", "--data", "data.csv", "--calendar", "weekday", "--output", "m"], status: 64,
                                message: "--calendar: 'weekday' is not a calendar feature; give auto or some of hour,dayofweek,dayofmonth,month,weekofyear",
                                csv: "value\n1\n2\n", output: "m")
    }
}
