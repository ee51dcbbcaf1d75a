import Testing
import ForecastData

/// The time-column parser and writer against instants computed elsewhere (Python's `datetime`
/// with explicit `timezone` objects), and fed every malformed cell we could think of.
@Suite struct TimestampTests {
    // MARK: the calendar

    @Test func componentsMatchUnixTimeComputedByPython() {
        // datetime(..., tzinfo=timezone(timedelta(seconds=offset))).timestamp()
        let cases: [(Timestamp?, Int64)] = [
            (Timestamp(year: 1970, month: 1, day: 1), 0),
            (Timestamp(year: 1969, month: 12, day: 31, hour: 23, minute: 59, second: 59), -1),
            (Timestamp(year: 1949, month: 1, day: 1), -662_688_000),
            (Timestamp(year: 2020, month: 1, day: 1), 1_577_836_800),
            (Timestamp(year: 2020, month: 2, day: 29), 1_582_934_400),
            (Timestamp(year: 2000, month: 2, day: 29), 951_782_400),
            (Timestamp(year: 1, month: 1, day: 1), -62_135_596_800),
            (Timestamp(year: 9999, month: 12, day: 31, hour: 23, minute: 59, second: 59), 253_402_300_799),
            (Timestamp(year: 2020, month: 1, day: 1, hour: 10, utcOffsetSeconds: 7200), 1_577_865_600),
        ]
        for (timestamp, seconds) in cases {
            #expect(timestamp?.seconds == seconds, "\(String(describing: timestamp))")
        }
    }

    @Test func everyDayFrom1600To2400RoundTripsThroughTheCalendar() {
        // 292 000 consecutive days: formatting then parsing each gives the same instant, and the
        // dates written are consecutive (checked through the day count, which never skips).
        let start = Timestamp(year: 1600, month: 1, day: 1)!.seconds
        let end = Timestamp(year: 2400, month: 12, day: 31)!.seconds
        var seconds = start, failures = 0
        while seconds <= end {
            let text = TimeParser.format(Timestamp(seconds: seconds), as: .date)
            if TimeParser.parse(text)?.0.seconds != seconds { failures += 1 }
            seconds += 86_400
        }
        #expect(failures == 0)
        #expect((end - start) / 86_400 + 1 == 801 * 365 + 195)  // 195 leap days in 1600 ... 2400
    }

    @Test func impossibleComponentsGiveNil() {
        #expect(Timestamp(year: 2021, month: 2, day: 29) == nil)
        #expect(Timestamp(year: 1900, month: 2, day: 29) == nil)
        #expect(Timestamp(year: 2000, month: 2, day: 29) != nil)
        #expect(Timestamp(year: 2020, month: 4, day: 31) == nil)
        #expect(Timestamp(year: 2020, month: 0, day: 1) == nil)
        #expect(Timestamp(year: 2020, month: 1, day: 1, hour: 24) == nil)
    }

    @Test func equalityAndOrderIgnoreTheOffset() {
        let (paris, _) = TimeParser.parse("2020-01-01T10:00+02:00")!
        let (utc, _) = TimeParser.parse("2020-01-01T08:00Z")!
        #expect(paris == utc)
        #expect(paris.hashValue == utc.hashValue)
        #expect(paris.utcOffsetSeconds == 7200 && utc.utcOffsetSeconds == 0)
        let (later, _) = TimeParser.parse("2020-01-01T09:00Z")!
        #expect(paris < later)
        let (half, _) = TimeParser.parse("2020-01-01T08:00:00.5Z")!
        #expect(utc < half && half < later)
    }

    // MARK: parsing each form

    @Test func parsesAYearAsItsFirstInstant() throws {
        let (timestamp, format) = try #require(TimeParser.parse("1949"))
        #expect(format == .year)
        #expect(timestamp.seconds == -662_688_000 && timestamp.utcOffsetSeconds == 0)
    }

    @Test func parsesAYearMonthAsTheFirstOfTheMonth() throws {
        let (timestamp, format) = try #require(TimeParser.parse("1949-01"))
        #expect(format == .yearMonth)
        #expect(timestamp == Timestamp(year: 1949, month: 1, day: 1))
    }

    @Test func parsesADate() throws {
        let (timestamp, format) = try #require(TimeParser.parse("1949-01-31"))
        #expect(format == .date)
        #expect(timestamp == Timestamp(year: 1949, month: 1, day: 31))
    }

    @Test func parsesADateTimeWithoutSecondsOrZoneAsUTC() throws {
        let (timestamp, format) = try #require(TimeParser.parse("2020-01-01T10:00"))
        #expect(format == .dateTime(separator: "T", hasSeconds: false, fractionDigits: 0, zone: .none))
        #expect(timestamp.seconds == 1_577_836_800 + 36_000 && timestamp.utcOffsetSeconds == 0)
    }

    @Test func parsesASpaceSeparatorAndSeconds() throws {
        let (timestamp, format) = try #require(TimeParser.parse("2020-01-01 10:00:59"))
        #expect(format == .dateTime(separator: " ", hasSeconds: true, fractionDigits: 0, zone: .none))
        #expect(timestamp.seconds == 1_577_836_800 + 36_059)
    }

    @Test func parsesZAsUTC() throws {
        let (timestamp, format) = try #require(TimeParser.parse("2020-01-01T00:00:00Z"))
        #expect(format == .dateTime(separator: "T", hasSeconds: true, fractionDigits: 0, zone: .utc))
        #expect(timestamp.seconds == 1_577_836_800 && timestamp.utcOffsetSeconds == 0)
    }

    @Test func parsesAPositiveOffsetWithColonAndMinutes() throws {
        // Python: datetime(2020, 3, 15, 12, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))
        let (timestamp, format) = try #require(TimeParser.parse("2020-03-15T12:30:00+05:30"))
        #expect(format == .dateTime(separator: "T", hasSeconds: true, fractionDigits: 0, zone: .offset))
        #expect(timestamp.seconds == 1_584_255_600 && timestamp.utcOffsetSeconds == 19_800)
    }

    @Test func parsesANegativeBasicOffset() throws {
        // Python: datetime(2020, 6, 1, 9, tzinfo=timezone(timedelta(hours=-8)))
        let (timestamp, format) = try #require(TimeParser.parse("2020-06-01T09:00-0800"))
        #expect(format == .dateTime(separator: "T", hasSeconds: false, fractionDigits: 0, zone: .basicOffset))
        #expect(timestamp.seconds == 1_591_030_800 && timestamp.utcOffsetSeconds == -28_800)
    }

    @Test func parsesAnHourOnlyOffsetAsPostgreSQLWritesIt() throws {
        let (timestamp, format) = try #require(TimeParser.parse("2020-01-01 10:00:00+02"))
        #expect(format == .dateTime(separator: " ", hasSeconds: true, fractionDigits: 0, zone: .hourOffset))
        #expect(timestamp.seconds == 1_577_865_600 && timestamp.utcOffsetSeconds == 7200)
    }

    @Test func parsesFractionalSeconds() throws {
        let (half, halfFormat) = try #require(TimeParser.parse("2020-01-01 10:00:00.5+02:00"))
        #expect(halfFormat == .dateTime(separator: " ", hasSeconds: true, fractionDigits: 1, zone: .offset))
        #expect(half.seconds == 1_577_865_600 && half.nanoseconds == 500_000_000)

        let (milli, milliFormat) = try #require(TimeParser.parse("2020-01-01T10:00:00.007Z"))
        #expect(milliFormat == .dateTime(separator: "T", hasSeconds: true, fractionDigits: 3, zone: .utc))
        #expect(milli.nanoseconds == 7_000_000)

        // Digits beyond the ninth are counted for writing back but do not change the value.
        let (fine, fineFormat) = try #require(TimeParser.parse("2020-01-01T10:00:00.123456789123"))
        #expect(fineFormat == .dateTime(separator: "T", hasSeconds: true, fractionDigits: 12, zone: .none))
        #expect(fine.nanoseconds == 123_456_789)
        #expect(TimeParser.format(fine, as: fineFormat) == "2020-01-01T10:00:00.123456789000")
    }

    @Test func acceptsLeapDaysOnlyInLeapYears() {
        #expect(TimeParser.parse("2020-02-29") != nil)
        #expect(TimeParser.parse("2000-02-29") != nil)
        #expect(TimeParser.parse("2021-02-29") == nil)
        #expect(TimeParser.parse("1900-02-29") == nil)
    }

    // MARK: rejection

    @Test func rejectsNonDates() {
        for text in ["", "abc", "12.5", "-3", "1e5", "123", "12345", "NaN", "2020/01/01", "01/02/2020",
                     "20200101", "2020-1-1", "2020-01-1", "2020-01-01T", "2020-01-01T10", "2020-01-01T1:00",
                     "2020-01-01X10:00", " 2020-01-01", "2020-01-01 ", "2020-01-01Z", "2020-01-01T10:00:00.",
                     "2020-01-01T10:00.5", "2020-01-01T10:00:00+5", "2020-01-01T10:00:00+05:3",
                     "2020-01-01T10:00:00+053", "2020-01-01T10:00:00z", "2020-01-01T10:00:00ZZ",
                     "2020-01-01T10:00:00+05:30x", "２０２０"] {
            #expect(TimeParser.parse(text) == nil, "'\(text)'")
        }
    }

    @Test func rejectsImpossibleDatesAndTimes() {
        for text in ["2020-13", "2020-00", "2020-13-01", "2021-02-29", "2021-02-30", "2020-04-31", "2020-01-00",
                     "2020-01-32", "2020-01-01T25:00", "2020-01-01T24:00", "2020-01-01T10:60",
                     "2020-01-01T10:00:60", "2020-01-01T10:00+24:00", "2020-01-01T10:00+05:60"] {
            #expect(TimeParser.parse(text) == nil, "'\(text)'")
        }
    }

    // MARK: writing

    @Test func parseThenFormatGivesBackTheTextInEveryForm() {
        for text in ["1949", "1949-01", "1949-01-31", "2020-02-29", "0001-01-01", "9999-12-31",
                     "2020-01-01T10:00", "2020-01-01t10:00", "2020-01-01 10:00:00", "2020-01-01T23:59:59Z",
                     "2020-01-01 10:00:00.5+02:00", "2020-01-01T10:00:00.000", "2020-01-01T10:00:00.123456",
                     "2020-01-01T10:00:00.123456789Z", "2020-03-15T12:30:00+05:30", "2020-06-01T09:00-0800",
                     "2020-01-01 00:30:00-03:30", "2020-01-01 10:00:00+02", "2020-01-01T00:00:00+00:00",
                     "1969-12-31T23:59:59.999Z"] {
            guard let (timestamp, format) = TimeParser.parse(text) else {
                Issue.record("'\(text)' did not parse")
                continue
            }
            #expect(TimeParser.format(timestamp, as: format) == text)
        }
    }

    @Test func formatWritesLocalWallTimeAtTheOffsetAndUTCForZ() {
        let (timestamp, _) = TimeParser.parse("2020-01-01T01:30:00+05:30")!
        #expect(TimeParser.format(timestamp, as: .dateTime(separator: "T", hasSeconds: true, fractionDigits: 0, zone: .utc))
                == "2019-12-31T20:00:00Z")
        #expect(TimeParser.format(timestamp, as: .dateTime(separator: " ", hasSeconds: false, fractionDigits: 0, zone: .none))
                == "2020-01-01 01:30")
        #expect(TimeParser.format(timestamp, as: .dateTime(separator: "T", hasSeconds: false, fractionDigits: 0, zone: .basicOffset))
                == "2020-01-01T01:30+0530")
        // An hours-only zone cannot show half an hour, so the minutes are written too.
        #expect(TimeParser.format(timestamp, as: .dateTime(separator: "T", hasSeconds: false, fractionDigits: 0, zone: .hourOffset))
                == "2020-01-01T01:30+05:30")
        #expect(TimeParser.format(timestamp, as: .date) == "2020-01-01")
        #expect(TimeParser.format(timestamp, as: .yearMonth) == "2020-01")
        #expect(TimeParser.format(timestamp, as: .year) == "2020")
    }

    @Test func descriptionIsISO8601AtTheOwnOffset() {
        #expect(Timestamp(seconds: 0).description == "1970-01-01T00:00:00Z")
        #expect(TimeParser.parse("2020-01-01 10:00+02:00")!.0.description == "2020-01-01T10:00:00+02:00")
    }
}
