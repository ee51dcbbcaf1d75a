import Foundation
import Testing
import ForecastData

/// Steps, names and seasonal periods, and the frequency read off real-looking time columns.
@Suite struct FrequencyTests {
    /// Parses cells that must be valid.
    private func timestamps(_ cells: [String]) -> [Timestamp] {
        cells.map { cell in
            guard let (timestamp, _) = TimeParser.parse(cell) else { fatalError("'\(cell)' is not a date") }
            return timestamp
        }
    }

    /// `count` timestamps `step` seconds apart from `start`.
    private func evenlySpaced(from start: String, step: Int64, count: Int) -> [Timestamp] {
        let first = timestamps([start])[0]
        return (0..<Int64(count)).map { Timestamp(seconds: first.seconds + $0 * step) }
    }

    /// `timestamp` advanced, written as a date (or date-time when `dateTime`).
    private func advanced(_ text: String, _ frequency: Frequency, by count: Int, monthEnd: Bool = false) -> String {
        let (timestamp, format) = TimeParser.parse(text)!
        return TimeParser.format(frequency.advance(timestamp, by: count, monthEnd: monthEnd), as: format)
    }

    // MARK: advance

    @Test func advancingMonthsKeepsTheDayAndClampsToTheMonthsLength() {
        #expect(advanced("2020-01-15", .monthly, by: 1) == "2020-02-15")
        #expect(advanced("2020-01-31", .monthly, by: 1) == "2020-02-29")
        #expect(advanced("2021-01-31", .monthly, by: 1) == "2021-02-28")
        #expect(advanced("2020-01-31", .monthly, by: 2) == "2020-03-31")
        #expect(advanced("2020-01-30", .monthly, by: 1) == "2020-02-29")
        // Without month ends, a day clamped in February stays clamped only for that step:
        // each step counts from the original day.
        #expect(advanced("2020-02-29", .monthly, by: 1) == "2020-03-29")
        #expect(advanced("2019-11-30", .monthly, by: 3) == "2020-02-29")
        #expect(advanced("2020-01-15T10:30:00+02:00", .monthly, by: 13) == "2021-02-15T10:30:00+02:00")
    }

    @Test func advancingMonthEndDatesStaysAtMonthEnd() {
        #expect(advanced("2020-01-31", .monthly, by: 1, monthEnd: true) == "2020-02-29")
        #expect(advanced("2020-01-31", .monthly, by: 2, monthEnd: true) == "2020-03-31")
        #expect(advanced("2020-02-29", .monthly, by: 1, monthEnd: true) == "2020-03-31")
        #expect(advanced("2020-04-30", .monthly, by: 1, monthEnd: true) == "2020-05-31")
        #expect(advanced("2020-03-31", .quarterly, by: 1, monthEnd: true) == "2020-06-30")
        #expect(advanced("2019-02-28", .yearly, by: 1, monthEnd: true) == "2020-02-29")
        // A date that is not a month end only clamps.
        #expect(advanced("2020-02-28", .monthly, by: 1, monthEnd: true) == "2020-03-28")
    }

    @Test func advancingYearsMovesTwelveMonthsAtATime() {
        #expect(advanced("1949", .yearly, by: 1) == "1950")
        #expect(advanced("1949", .yearly, by: 12) == "1961")
        #expect(advanced("2020-02-29", .yearly, by: 1) == "2021-02-28")
        #expect(advanced("2020-02-29", .yearly, by: 4) == "2024-02-29")
        #expect(advanced("2019-07", .quarterly, by: 3) == "2020-04")
    }

    @Test func advancingByZeroOrNegativeCountsGoesNowhereOrBack() {
        #expect(advanced("2020-03-31", .monthly, by: 0) == "2020-03-31")
        #expect(advanced("2020-03-31", .monthly, by: -1) == "2020-02-29")
        #expect(advanced("2020-03-31", .monthly, by: -2, monthEnd: true) == "2020-01-31")
        #expect(advanced("2020-01-15", .monthly, by: -1) == "2019-12-15")
        #expect(advanced("1950", .yearly, by: -3) == "1947")
        #expect(advanced("0001-03", .monthly, by: -3) == "0000-12")
        #expect(advanced("2020-01-01T00:00:00Z", .hourly, by: -1) == "2019-12-31T23:00:00Z")
        #expect(advanced("2020-01-01", .daily, by: 0) == "2020-01-01")
    }

    @Test func advancingSecondsAddsStepsOfFixedLength() {
        #expect(advanced("2020-02-28T23:45", Frequency(unit: .second, step: 900), by: 1) == "2020-02-29T00:00")
        #expect(advanced("2020-02-28", .daily, by: 2) == "2020-03-01")
        #expect(advanced("2020-12-28", .weekly, by: 1) == "2021-01-04")
        #expect(advanced("2020-01-01 10:00:00.25+05:30", .minutely, by: 90) == "2020-01-01 11:30:00.25+05:30")
        let start = Timestamp(seconds: 1_000, utcOffsetSeconds: -3600)
        let moved = Frequency(unit: .second, step: 7).advance(start, by: 3)
        #expect(moved.seconds == 1_021 && moved.utcOffsetSeconds == -3600)
    }

    @Test func monthlyAdvanceIsOnTheLocalCalendarDay() {
        // 00:30 on 1 February at +02:00 is still 31 January in UTC; the step counts from the local date.
        #expect(advanced("2020-02-01T00:30+02:00", .monthly, by: 1) == "2020-03-01T00:30+02:00")
    }

    // MARK: names and seasonal periods

    @Test func namesSayTheStepInWords() {
        let cases: [(Frequency, String)] = [
            (.minutely, "1 minute"),
            (Frequency(unit: .second, step: 900), "15 minutes"),
            (Frequency(unit: .second, step: 1800), "30 minutes"),
            (.hourly, "hourly"),
            (Frequency(unit: .second, step: 6 * 3600), "every 6 hours"),
            (.daily, "daily"),
            (Frequency(unit: .second, step: 2 * 86_400), "every 2 days"),
            (.weekly, "weekly"),
            (Frequency(unit: .second, step: 1), "every second"),
            (Frequency(unit: .second, step: 90), "every 90 seconds"),
            (.monthly, "monthly"),
            (Frequency(unit: .month, step: 2), "every 2 months"),
            (.quarterly, "quarterly"),
            (Frequency(unit: .month, step: 6), "every 6 months"),
            (.yearly, "yearly"),
            (Frequency(unit: .month, step: 24), "every 2 years"),
        ]
        for (frequency, name) in cases {
            #expect(frequency.name == name)
        }
    }

    @Test func seasonalPeriodsAreTheUsualCycles() {
        let cases: [(Frequency, Int)] = [
            (.monthly, 12), (.quarterly, 4), (.yearly, 1), (.daily, 7), (.hourly, 24),
            (Frequency(unit: .second, step: 1800), 48), (.weekly, 1), (.minutely, 1),
            (Frequency(unit: .second, step: 900), 1), (Frequency(unit: .month, step: 6), 1),
        ]
        for (frequency, period) in cases {
            #expect(frequency.seasonalPeriod == period, "\(frequency.name)")
        }
    }

    @Test func encodesAsUnitAndStepInJSON() throws {
        let data = try JSONEncoder().encode(Frequency.quarterly)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(object?["unit"] as? String == "month")
        #expect(object?["step"] as? Int == 3)
        let decoded = try JSONDecoder().decode(Frequency.self, from: Data(#"{"unit": "second", "step": 86400}"#.utf8))
        #expect(decoded == .daily)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Frequency.self, from: Data(#"{"unit": "second", "step": 0}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Frequency.self, from: Data(#"{"unit": "day", "step": 1}"#.utf8))
        }
    }

    // MARK: inference

    @Test func infersFifteenMinuteData() {
        let inference = FrequencyInference.infer(evenlySpaced(from: "2020-01-01T23:00", step: 900, count: 20))
        #expect(inference == FrequencyInference(frequency: Frequency(unit: .second, step: 900)))
        #expect(inference.frequency?.name == "15 minutes")
    }

    @Test func infersHourlyData() {
        let inference = FrequencyInference.infer(evenlySpaced(from: "2020-02-27 00:00:00", step: 3600, count: 100))
        #expect(inference == FrequencyInference(frequency: .hourly))
        #expect(inference.frequency?.seasonalPeriod == 24)
    }

    @Test func infersHalfHourlyData() {
        let inference = FrequencyInference.infer(evenlySpaced(from: "2020-01-01T00:00Z", step: 1800, count: 96))
        #expect(inference.frequency == Frequency(unit: .second, step: 1800))
        #expect(inference.frequency?.seasonalPeriod == 48)
        #expect(inference.gaps.isEmpty)
    }

    @Test func infersDailyData() {
        let inference = FrequencyInference.infer(evenlySpaced(from: "2020-01-25", step: 86_400, count: 60))
        #expect(inference == FrequencyInference(frequency: .daily))
    }

    @Test func infersWeeklyData() {
        let inference = FrequencyInference.infer(evenlySpaced(from: "2019-12-30", step: 604_800, count: 30))
        #expect(inference == FrequencyInference(frequency: .weekly))
        #expect(inference.frequency?.name == "weekly")
    }

    @Test func infersMonthlyDataInBothForms() {
        let cells = ["1949-01", "1949-02", "1949-03", "1949-04", "1949-05", "1949-06", "1949-07", "1949-08",
                     "1949-09", "1949-10", "1949-11", "1949-12", "1950-01"]
        #expect(FrequencyInference.infer(timestamps(cells)) == FrequencyInference(frequency: .monthly))
        let dates = cells.map { $0 + "-15" }
        #expect(FrequencyInference.infer(timestamps(dates)) == FrequencyInference(frequency: .monthly))
    }

    @Test func infersQuarterlyData() {
        let cells = ["2019-01-01", "2019-04-01", "2019-07-01", "2019-10-01", "2020-01-01", "2020-04-01"]
        let inference = FrequencyInference.infer(timestamps(cells))
        #expect(inference == FrequencyInference(frequency: .quarterly))
        #expect(inference.frequency?.seasonalPeriod == 4)
    }

    @Test func infersYearlyDataFromYearsAndFromFirstOfJanuaryDates() {
        let years = FrequencyInference.infer(timestamps(["1949", "1950", "1951", "1952"]))
        #expect(years == FrequencyInference(frequency: Frequency(unit: .month, step: 12)))
        let dates = FrequencyInference.infer(timestamps(["1949-01-01", "1950-01-01", "1951-01-01"]))
        #expect(dates == FrequencyInference(frequency: .yearly))
        #expect(dates.frequency?.name == "yearly")
    }

    @Test func infersMonthEndMonthlyData() {
        let cells = ["2019-11-30", "2019-12-31", "2020-01-31", "2020-02-29", "2020-03-31", "2020-04-30"]
        let inference = FrequencyInference.infer(timestamps(cells))
        #expect(inference == FrequencyInference(frequency: .monthly, monthEnd: true))
        // Continuing the series keeps to month ends.
        let next = inference.frequency!.advance(timestamps(cells).last!, by: 1, monthEnd: inference.monthEnd)
        #expect(TimeParser.format(next, as: .date) == "2020-05-31")
    }

    @Test func infersMonthEndQuarterlyDataWithAGap() {
        let cells = ["2019-03-31", "2019-06-30", "2019-12-31", "2020-03-31", "2020-06-30"]
        let inference = FrequencyInference.infer(timestamps(cells))
        #expect(inference == FrequencyInference(frequency: .quarterly, monthEnd: true,
                                                gaps: [.init(after: 1, missing: 1)]))
    }

    @Test func aDailySeriesMissingDaysIsDailyWithGaps() {
        let cells = ["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-05", "2020-01-06", "2020-01-09", "2020-01-10"]
        let inference = FrequencyInference.infer(timestamps(cells))
        #expect(inference.frequency == .daily)
        #expect(inference.gaps == [.init(after: 2, missing: 1), .init(after: 4, missing: 2)])
    }

    @Test func aMonthlySeriesMissingAMonthIsMonthlyWithAGap() {
        let inference = FrequencyInference.infer(timestamps(["2020-01", "2020-02", "2020-05", "2020-06"]))
        #expect(inference == FrequencyInference(frequency: .monthly, gaps: [.init(after: 1, missing: 2)]))
    }

    @Test func infersAcrossOffsetsByTheInstant() {
        // The same hourly instants written at two offsets.
        let cells = ["2020-01-01T10:00+02:00", "2020-01-01T09:00Z", "2020-01-01T11:00Z", "2020-01-01T07:00-05:00"]
        let inference = FrequencyInference.infer(timestamps(cells))
        #expect(inference == FrequencyInference(frequency: .hourly, gaps: [.init(after: 1, missing: 1)]))
    }

    @Test func anIrregularSeriesHasNoFrequency() {
        let cells = ["2020-01-01T00:00", "2020-01-01T01:00", "2020-01-01T01:30", "2020-01-01T03:10", "2020-01-01T04:10"]
        #expect(FrequencyInference.infer(timestamps(cells)) == FrequencyInference(frequency: nil))
        // Months mostly further apart than their common divisor.
        let months = ["2020-01", "2020-03", "2020-06", "2020-08", "2020-11"]
        #expect(FrequencyInference.infer(timestamps(months)) == FrequencyInference(frequency: nil))
        // Fractions of a second that differ cannot give a whole-second step.
        let fractions = ["2020-01-01T00:00:00.5", "2020-01-01T00:00:01.25", "2020-01-01T00:00:02.5"]
        #expect(FrequencyInference.infer(timestamps(fractions)).frequency == nil)
    }

    @Test func fewerThanTwoPointsHaveNoFrequency() {
        #expect(FrequencyInference.infer([]).frequency == nil)
        #expect(FrequencyInference.infer(timestamps(["2020-01-01"])).frequency == nil)
    }

    @Test func theMostCommonDifferenceWinsAndTiesGoToTheSmallest() {
        // Differences 2, 2, 4 hours: every 2 hours with one missing point.
        let mostCommon = FrequencyInference.infer(timestamps(["2020-01-01T00:00", "2020-01-01T02:00", "2020-01-01T04:00", "2020-01-01T08:00"]))
        #expect(mostCommon == FrequencyInference(frequency: Frequency(unit: .second, step: 7200), gaps: [.init(after: 2, missing: 1)]))
        // Differences 1 and 2 hours, once each: hourly with one missing point.
        let tie = FrequencyInference.infer(timestamps(["2020-01-01T00:00", "2020-01-01T02:00", "2020-01-01T03:00"]))
        #expect(tie == FrequencyInference(frequency: .hourly, gaps: [.init(after: 0, missing: 1)]))
    }

    @Test func unorderedTimestampsAreIrregularRatherThanATrap() {
        #expect(FrequencyInference.infer(timestamps(["2020-01-02", "2020-01-01"])).frequency == nil)
        #expect(FrequencyInference.infer(timestamps(["2020-02", "2020-01"])).frequency == nil)
    }
}
