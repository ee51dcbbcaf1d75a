import Foundation
import Testing
import ForecastData

/// Calendar features against dates whose weekday and ISO week Python's `datetime` gave
/// (`date.weekday()`, `date.isocalendar()`), their cyclic encoding, `auto`, and the refusals.
@Suite struct CalendarTests {
    static func at(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, offset: Int = 0) -> Timestamp {
        Timestamp(year: year, month: month, day: day, hour: hour, utcOffsetSeconds: offset)!
    }

    @Test func weekdayAndISOWeekMatchPython() {
        // (date, weekday Monday 0, ISO week, weeks in that ISO year: date(y, 12, 28).isocalendar().week)
        let cases: [(Timestamp, Int, Int, Int)] = [
            (Self.at(2024, 1, 1), 0, 1, 52), (Self.at(2021, 1, 3), 6, 53, 53), (Self.at(2024, 12, 30), 0, 1, 52),
            (Self.at(2020, 12, 31), 3, 53, 53), (Self.at(2026, 11, 30), 0, 49, 53), (Self.at(2015, 1, 1), 3, 1, 53),
        ]
        for (timestamp, weekday, week, weeks) in cases {
            #expect(CalendarFeature.dayofweek.phase(of: timestamp) == Double(weekday) / 7, "\(timestamp)")
            #expect(CalendarFeature.weekofyear.phase(of: timestamp) == Double(week - 1) / Double(weeks), "\(timestamp)")
        }
    }

    @Test func phasesReadTheLocalWallTime() {
        let evening = Self.at(2020, 2, 29, 18)
        #expect(CalendarFeature.hour.phase(of: evening) == 0.75)
        #expect(CalendarFeature.dayofmonth.phase(of: evening) == 28.0 / 29)
        #expect(CalendarFeature.month.phase(of: evening) == 1.0 / 12)
        // 2020-03-01T01:00+02:00 is 2020-02-29T23:00Z: the features read 1 a.m. on the 1st of March.
        let early = Self.at(2020, 3, 1, 1, offset: 7200)
        #expect(CalendarFeature.hour.phase(of: early) == 1.0 / 24)
        #expect(CalendarFeature.dayofmonth.phase(of: early) == 0)
        #expect(CalendarFeature.month.phase(of: early) == 2.0 / 12)
    }

    @Test func cyclicEncodingPutsDecemberBesideJanuary() {
        let columns = CalendarFeature.month.columns(for: [Self.at(2020, 1, 1), Self.at(2020, 12, 1), Self.at(2020, 7, 1)])
        #expect(columns.count == 2)
        let (sin, cos) = (columns[0], columns[1])
        #expect(sin[0] == 0 && cos[0] == 1)
        // December and January are one twelfth of the circle apart, as June and July are.
        let decemberToJanuary = hypot(sin[1] - sin[0], cos[1] - cos[0])
        #expect(abs(decemberToJanuary - 2 * Foundation.sin(Double.pi / 12)) < 1e-12)
        #expect(abs(cos[2] + 1) < 1e-12)
        #expect(CalendarFeature.month.columnNames == ["month_sin", "month_cos"])
    }

    @Test func automaticFeaturesFollowTheFrequency() {
        #expect(CalendarFeature.automatic(for: .hourly) == [.hour, .dayofweek])
        #expect(CalendarFeature.automatic(for: .minutely) == [.hour, .dayofweek])
        #expect(CalendarFeature.automatic(for: .daily) == [.dayofweek, .dayofmonth, .month])
        #expect(CalendarFeature.automatic(for: .weekly) == [.weekofyear])
        #expect(CalendarFeature.automatic(for: .monthly) == [.month])
        #expect(CalendarFeature.automatic(for: .quarterly) == [.month])
        #expect(CalendarFeature.automatic(for: .yearly) == [])
    }

    @Test func parsingNamesTheBadFeature() throws {
        #expect(try CalendarSelection.parse("auto").get() == .automatic)
        #expect(try CalendarSelection.parse("hour, dayofweek").get() == .features([.hour, .dayofweek]))
        #expect(throws: CalendarParseError.self) { try CalendarSelection.parse("hour,weekday").get() }
        if case .failure(let error) = CalendarSelection.parse("hour,weekday") {
            #expect(error.description == "'weekday' is not a calendar feature; give auto or some of hour,dayofweek,dayofmonth,month,weekofyear")
        }
        if case .failure(let error) = CalendarSelection.parse("month,month") { #expect(error.description == "'month' is given twice") }
    }

    @Test func aCalendarFeatureOnIntegerTimeOrNoTimeIsOneClearError() {
        let steps = TimeAxis(name: "t", timestamps: (1...5).map { Timestamp(seconds: Int64($0)) }, format: .step,
                             frequency: Frequency(unit: .step, step: 1))
        let series = TimeSeries(source: "m4.csv", targetName: "y", columns: [[1, 2, 3, 4, 5]], time: steps)
        let error = #expect(throws: DataError.self) { try series.addingCalendar([.month]) }
        #expect(error?.description == "m4.csv: calendar features need dates; the time column 't' holds integer steps")
        let untimed = TimeSeries(source: "plain.csv", targetName: "y", columns: [[1, 2, 3]])
        let none = #expect(throws: DataError.self) { try CalendarSelection.automatic.resolved(for: untimed.time, source: "plain.csv") }
        #expect(none?.description == "plain.csv: calendar features need dates, and the data has no time column")
        let yearly = TimeAxis(name: "year", timestamps: [Self.at(2000, 1, 1), Self.at(2001, 1, 1)], format: .year, frequency: .yearly)
        let auto = #expect(throws: DataError.self) { try CalendarSelection.automatic.resolved(for: yearly, source: "y.csv") }
        #expect(auto?.description == "y.csv: --calendar auto finds no calendar feature that varies in yearly data")
        // No features asked: nothing needed.
        #expect((try? CalendarSelection.none.resolved(for: nil, source: "plain.csv")) == [])
    }

    @Test func addingTheCalendarAppendsTwoColumnsPerFeature() throws {
        let hours = TimeAxis(name: "date", timestamps: (0..<4).map { Self.at(2020, 1, 6, $0 * 6) }, format: .date, frequency: Frequency(unit: .second, step: 21_600))
        let series = TimeSeries(source: "h.csv", targetName: "load", featureNames: ["temp"], columns: [[1, 2, 3, 4], [5, 6, 7, 8]], time: hours)
        let withCalendar = try series.addingCalendar([.hour, .dayofweek])
        #expect(withCalendar.featureNames == ["temp", "hour_sin", "hour_cos", "dayofweek_sin", "dayofweek_cos"])
        #expect(withCalendar.columns[0] == series.columns[0] && withCalendar.columns[1] == series.columns[1])
        let hourCos = withCalendar.columns[3]
        #expect(abs(hourCos[0] - 1) < 1e-12 && abs(hourCos[1]) < 1e-12 && abs(hourCos[2] + 1) < 1e-12)
        // 2020-01-06 was a Monday: phase 0 all day.
        #expect(withCalendar.columns[4] == [0, 0, 0, 0] && withCalendar.columns[5] == [1, 1, 1, 1])
    }
}
