import Testing
import ForecastData

/// A panel from arrays: the loader's checks, each failure naming the series, the field and the element.
@Suite struct SeriesArraysTests {
    func panel(_ arrays: [SeriesArrays], features: [String] = []) throws(SeriesArraysError) -> Panel {
        try Panel(arrays: arrays, targetName: "y", featureNames: features, source: "request")
    }

    func error(_ arrays: [SeriesArrays], features: [String] = []) -> String {
        do {
            _ = try panel(arrays, features: features)
            return "(no error)"
        } catch {
            return error.description
        }
    }

    @Test func monthlyDatesGiveTheFrequencyAndTheFutureTimestamps() throws {
        let months = ["2023-11", "2023-12", "2024-01"].map(TimeCell.date)
        let panel = try panel([SeriesArrays(id: "a", timestamps: months, target: [1, 2, 3]),
                               SeriesArrays(id: "b", timestamps: [.date("2024-02")], target: [5])])
        #expect(panel.ids == ["a", "b"] && panel.series[1].target == [5])
        #expect(panel.series[0].time?.frequency == .monthly && panel.series[1].time?.frequency == .monthly)
        let future = try #require(panel.series[1].time?.future(2))
        #expect(future.map { TimeParser.format($0, as: .yearMonth) } == ["2024-03", "2024-04"])
    }

    @Test func integerStepsAreSteps() throws {
        let panel = try panel([SeriesArrays(id: "a", timestamps: [.step(7), .step(8), .step(9)], target: [1, 2, 3], features: [[4, 5, 6]])], features: ["x"])
        #expect(panel.series[0].time?.frequency == Frequency(unit: .step, step: 1))
        #expect(panel.series[0].columns == [[1, 2, 3], [4, 5, 6]])
    }

    @Test func everyProblemNamesItsPlace() {
        let one = SeriesArrays(id: "a", target: [1, 2])
        #expect(error([]) == "series: is empty; send at least one series")
        #expect(error([one, one]) == "series[1] ('a').id: is also the id of series[0]; ids must be distinct")
        #expect(error([SeriesArrays(id: "a", target: [1, .infinity])]) == "series[0] ('a').values[1]: is not a finite number")
        #expect(error([SeriesArrays(id: "a", target: [])]).hasPrefix("series[0] ('a').values: is empty"))
        #expect(error([SeriesArrays(id: "a", target: [1, 2], features: [[1]])], features: ["x"]) == "series[0] ('a').x: has 1 values; 'values' has 2")
        #expect(error([SeriesArrays(id: "a", target: [1, 2], features: [[1, .nan]])], features: ["x"]) == "series[0] ('a').x[1]: is not a finite number")
        #expect(error([SeriesArrays(id: "a", timestamps: [.date("2024-01")], target: [1]), SeriesArrays(id: "b", target: [1])])
            .hasPrefix("series[1] ('b').timestamps: is missing"))
        #expect(error([SeriesArrays(id: "a", timestamps: [.date("2024-01"), .date("2024-01-02")], target: [1, 2])])
            .hasPrefix("series[0] ('a').timestamps[1]: is written differently"))
        #expect(error([SeriesArrays(id: "a", timestamps: [.step(1), .step(1)], target: [1, 2])]) == "series[0] ('a').timestamps[1]: repeats the timestamp before it")
        #expect(error([SeriesArrays(id: "a", timestamps: [.step(1), .step(2), .step(4)], target: [1, 2, 3])])
            .hasPrefix("series[0] ('a').timestamps[2]: leaves 1"))
        #expect(error([SeriesArrays(id: "a", timestamps: (1...6).map { .step(Int64($0)) }, target: [1, 2, 3, 4, 5, 6]),
                       SeriesArrays(id: "b", timestamps: [.step(2), .step(4), .step(6)], target: [1, 2, 3])])
            .contains("but series[0] (the longest) is"))
    }
}
