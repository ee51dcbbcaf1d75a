import Foundation
import Testing
@testable import ForecastData

/// Future-known values (`--future FILE`): read by id and timestamp, every missing value named with
/// its series and time; and the windows' known-ahead rows for the decoder.
struct KnownFutureTests {
    private func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("future-\(UUID().uuidString).csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func valuesAreFoundByIDAndTimestampInAnyRowOrder() throws {
        let path = try write("store,date,promo,price\nB,2024-01-02,1,9.5\nA,2024-01-02,0,10\nA,2024-01-01,1,8\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let future = try KnownFuture.load(path: path, idName: "store", timeName: "date", names: ["promo", "price"])
        let days = try ["2024-01-01", "2024-01-02"].map { try #require(TimeParser.parse($0)) }
        let values = try future.values(of: "A", at: days.map(\.0), describe: "series 'A'", format: days[0].1)
        #expect(values == [[1, 0], [8, 10]])
    }

    @Test func aMissingStepIsAnErrorNamingTheSeriesTheTimeAndTheStep() throws {
        let path = try write("store,date,promo\nA,2024-01-01,1\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let future = try KnownFuture.load(path: path, idName: "store", timeName: "date", names: ["promo"])
        let days = try ["2024-01-01", "2024-01-02"].map { try #require(TimeParser.parse($0)) }
        let failure = thrownDataError { _ = try future.values(of: "A", at: days.map(\.0), describe: "series 'A'", format: days[0].1) }
        #expect(failure?.description == "\(path): series 'A' lacks the future values of 'promo' at '2024-01-02' (step 2 of 2)")
        let other = thrownDataError { _ = try future.values(of: "B", at: days.map(\.0), describe: "series 'B'", format: days[0].1) }
        #expect(other?.message.hasPrefix("series 'B' lacks the future values of 'promo' at '2024-01-01'") == true)
    }

    @Test func badCellsAndRepeatedTimesAreNamedWithTheirLineAndColumn() throws {
        let paths = try [
            "store,date,promo\nA,2024-01-01,yes\n",
            "store,date,promo\nA,2024-01-01,\n",
            "store,date,promo\nA,2024-01-01,1\nA,2024-01-01,0\n",
            "store,date,promo\nA,someday,1\n",
            "store,date\nA,2024-01-01\n",
        ].map(write)
        defer { for path in paths { try? FileManager.default.removeItem(atPath: path) } }
        func failure(_ index: Int) -> String? {
            thrownDataError { _ = try KnownFuture.load(path: paths[index], idName: "store", timeName: "date", names: ["promo"]) }?.description
        }
        #expect(failure(0) == "\(paths[0]), line 2, column 3: 'yes' in column 'promo' is not a number")
        #expect(failure(1) == "\(paths[1]), line 2, column 3: missing value in future feature 'promo'")
        #expect(failure(2) == "\(paths[2]), line 3, column 2: duplicate (series 'A', time '2024-01-01'): also on line 2")
        #expect(failure(3)?.hasPrefix("\(paths[3]), line 2, column 2: 'someday' in time column 'date' is not") == true)
        #expect(failure(4)?.hasPrefix("\(paths[4]): no future feature column 'promo'") == true)
    }

    @Test func windowsGiveTheDecoderEachHorizonStepsKnownAheadColumns() {
        // Columns: target, a past feature, a future-known feature.
        let columns: [[Float]] = [(0..<10).map(Float.init), (0..<10).map { Float($0) * 10 }, (0..<10).map { Float($0) * 100 }]
        let windows = WindowSet(series: [columns], lookback: 3, horizon: 2, targetRanges: [0..<10], futureColumns: 2..<3)
        // Window 0 has origin 3: its horizon is points 3 and 4.
        let future = windows.future([0, 4])
        #expect(future.shape == [2, 2, 1])
        #expect(future.scalars == [300, 400, 700, 800])
    }
}
