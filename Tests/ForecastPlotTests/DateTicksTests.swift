import Testing
import ForecastData
@testable import ForecastPlot

/// Date ticks a calendar unit apart, aligned as a calendar is, labelled for every frequency from
/// minutes to centuries.
@Suite struct DateTicksTests {
    private func date(_ text: String) -> Timestamp {
        guard let (timestamp, _) = TimeParser.parse(text) else { fatalError("'\(text)' is not a date") }
        return timestamp
    }

    private func labels(_ from: String, _ to: String, maxTicks: Int) -> [String] {
        Ticks.dates(from: date(from), to: date(to), maxTicks: maxTicks).map(\.label)
    }

    @Test func monthlyDataOverThreeYearsIsLabelledWithMonthsAndYears() {
        // 36 months: monthly, bimonthly and quarterly ticks are too many for 8; half-years fit.
        #expect(labels("1958-01", "1960-12", maxTicks: 8) == ["Jan 1958", "Jul 1958", "Jan 1959", "Jul 1959", "Jan 1960", "Jul 1960"])
        #expect(labels("2019-01", "2021-12", maxTicks: 12)
                == ["Jan 2019", "Apr 2019", "Jul 2019", "Oct 2019", "Jan 2020", "Apr 2020", "Jul 2020", "Oct 2020",
                    "Jan 2021", "Apr 2021", "Jul 2021", "Oct 2021"])
    }

    @Test func longSeriesAreLabelledWithYearsOnRoundNumbers() {
        #expect(labels("1949-01", "1960-12", maxTicks: 8) == ["1950", "1952", "1954", "1956", "1958", "1960"])
        #expect(labels("1749-01", "2020-12", maxTicks: 8) == ["1750", "1800", "1850", "1900", "1950", "2000"])
    }

    @Test func dailyDataIsLabelledWithMondaysAndTheYearAsContext() {
        // 2021-03-01 was a Monday.
        let ticks = Ticks.dates(from: date("2021-03-01"), to: date("2021-03-31"), maxTicks: 6)
        #expect(ticks.map(\.label) == ["Mar 1", "Mar 8", "Mar 15", "Mar 22", "Mar 29"])
        #expect(ticks.allSatisfy { $0.context == "2021" })
        #expect(labels("2021-03-01", "2021-03-07", maxTicks: 7) == ["Mar 1", "Mar 2", "Mar 3", "Mar 4", "Mar 5", "Mar 6", "Mar 7"])
    }

    @Test func halfHourlyDataIsLabelledWithTimesOfDayOnItsOwnClock() {
        // 96 half-hours from local midnight at +01:00: six-hour ticks on the local clock, the date as context.
        let start = date("2021-12-10T00:00+01:00")
        let end = Frequency(unit: .second, step: 1800).advance(start, by: 95)
        let ticks = Ticks.dates(from: start, to: end, maxTicks: 8)
        #expect(ticks.map(\.label) == ["00:00", "06:00", "12:00", "18:00", "00:00", "06:00", "12:00", "18:00"])
        #expect(ticks.map(\.context) == Array(repeating: "Dec 10 2021", count: 4) + Array(repeating: "Dec 11 2021", count: 4))
        #expect(ticks[0].time == start)
    }

    @Test func minutesAndSecondsAreLabelledWithTheClock() {
        #expect(labels("2024-05-01T10:00", "2024-05-01T10:30", maxTicks: 7)
                == ["10:00", "10:05", "10:10", "10:15", "10:20", "10:25", "10:30"])
        #expect(labels("2024-05-01T10:00:00", "2024-05-01T10:01:00", maxTicks: 5)
                == ["10:00:00", "10:00:15", "10:00:30", "10:00:45", "10:01:00"])
    }

    @Test func ticksStayInsideTheRange() {
        // From the middle of a month: the first tick is the next quarter, not the one before.
        #expect(labels("2020-02-15", "2020-12-31", maxTicks: 4) == ["Apr 2020", "Jul 2020", "Oct 2020"])
        #expect(Ticks.dates(from: date("2021-01-02"), to: date("2021-01-01"), maxTicks: 5).isEmpty)
    }
}
