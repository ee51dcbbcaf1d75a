import Testing
import ForecastData

// MARK: - Helpers (and those of LoadingSupport.swift)

/// The time column of `series` written as the file writes it.
private func timeTexts(_ series: TimeSeries) -> [String]? {
    guard let axis = series.time else { return nil }
    return axis.timestamps.map { axis.text($0) }
}

/// Columns choice, number and time parsing, order checks: every bad input names its file, line and column.
@Suite struct SeriesLoaderTests {
    // MARK: Bad inputs

    @Test func headerWithoutRowsIsBadDataSayingNoDataRows() throws {
        let error = try #require(loadError("date,sales\n"))
        #expect(error.kind == .badData)
        #expect(error.file == "test.csv")
        #expect(error.line == nil)
        #expect(error.column == nil)
        #expect(error.message.contains("no data rows"))
    }

    @Test func nonNumericTargetCellIsBadDataAtItsLineAndColumn() throws {
        let error = try #require(loadError("date,sales\n2024-01-01,10\n2024-01-02,abc\n", SeriesOptions(target: "sales")))
        #expect(error.kind == .badData)
        #expect(error.line == 3)
        #expect(error.column == 2)
        #expect(error.message.contains("'abc' in column 'sales' is not a number"))
        #expect(error.description == "test.csv, line 3, column 2: 'abc' in column 'sales' is not a number")
    }

    @Test func nonNumericFeatureCellIsBadDataAtItsLineAndColumn() throws {
        let text = "date,sales,temperature\n2024-01-01,10,3.5\n2024-01-02,11,warm\n"
        let error = try #require(loadError(text, SeriesOptions(target: "sales", features: ["temperature"])))
        #expect(error.kind == .badData)
        #expect(error.line == 3)
        #expect(error.column == 3)
        #expect(error.message.contains("'warm' in column 'temperature' is not a number"))
    }

    @Test func lineNumbersCountBlankLinesSoTheyPointIntoTheFile() throws {
        // The bad cell is on physical line 5: header, row, blank, row, bad row.
        let text = "date,sales\n2024-01-01,10\n\n2024-01-02,11\n2024-01-03,1O\n"
        let error = try #require(loadError(text, SeriesOptions(target: "sales")))
        #expect(error.line == 5)
        #expect(error.column == 2)
    }

    @Test func typoInTheOnlyValueColumnWithoutTargetStillGivesItsLineAndColumn() throws {
        // The one column besides the time is the target even when a typo makes it non-numeric.
        let error = try #require(loadError("date,sales\n2024-01-01,10\n2024-01-02,abc\n2024-01-03,12\n"))
        #expect(error.kind == .badData)
        #expect(error.line == 3)
        #expect(error.column == 2)
        #expect(error.message.contains("'abc' in column 'sales' is not a number"))
    }

    @Test(arguments: ["target", "time", "feature"])
    func unknownColumnIsUsageErrorListingTheColumns(role: String) throws {
        let options = switch role {
        case "target": SeriesOptions(target: "price")
        case "time": SeriesOptions(time: "price")
        default: SeriesOptions(features: ["price"])
        }
        let error = try #require(loadError("date,sales\n2024-01-01,10\n2024-01-02,11\n", options))
        #expect(error.kind == .usage)
        #expect(error.line == nil)
        #expect(error.column == nil)
        #expect(error.message == "no \(role) column 'price'; the columns are 'date', 'sales'")
    }

    @Test func severalNumericColumnsWithoutTargetIsUsageErrorListingTheCandidates() throws {
        let error = try #require(loadError("date,sales,price,store\n2024-01-01,10,2.5,North\n2024-01-02,11,2.6,South\n"))
        #expect(error.kind == .usage)
        #expect(error.line == nil)
        #expect(error.column == nil)
        // The time column and the text column are not candidates.
        #expect(error.message.contains("choose one with --target: 'sales', 'price'"))
        #expect(!error.message.contains("'date'"))
        #expect(!error.message.contains("'store'"))
    }

    @Test func noNumericColumnIsUsageErrorListingTheColumns() throws {
        let error = try #require(loadError("date,store,city\n2024-01-01,North,Oslo\n2024-01-02,South,Rome\n"))
        #expect(error.kind == .usage)
        #expect(error.line == nil)
        #expect(error.message.contains("no numeric column"))
        #expect(error.message.contains("'date', 'store', 'city'"))
    }

    @Test func allMissingTargetColumnIsBadDataNamingTheColumn() throws {
        let text = "date,sales\n2024-01-01,\n2024-01-02,NA\n2024-01-03,null\n"
        let error = try #require(loadError(text, SeriesOptions(target: "sales")))
        #expect(error.kind == .badData)
        #expect(error.line == nil)
        #expect(error.column == nil)
        #expect(error.message.contains("column 'sales' has no values"))
    }

    @Test(arguments: ["inf", "1e999", "-Infinity"])
    func infiniteValueIsBadDataAtItsLineAndColumn(cell: String) throws {
        let error = try #require(loadError("date,sales\n2024-01-01,10\n2024-01-02,\(cell)\n2024-01-03,12\n"))
        #expect(error.kind == .badData)
        #expect(error.line == 3)
        #expect(error.column == 2)
        #expect(error.message.contains("'\(cell)' in column 'sales' is infinite"))
    }

    @Test
    func signedNaNCellIsNotANumberRatherThanInfinite() throws {
        let error = try #require(loadError("date,sales\n2024-01-01,10\n2024-01-02,-nan\n"))
        #expect(error.kind == .badData)
        #expect(error.line == 3)
        #expect(error.column == 2)
        #expect(!error.message.contains("infinite"))
    }

    @Test(arguments: ["2024-13-01", "2024-02-30", "yesterday", ""])
    func unparseableCellInAGivenTimeColumnIsBadDataAtItsLineAndColumn(cell: String) throws {
        let text = "sales,date\n10,2024-01-01\n11,\(cell)\n12,2024-01-03\n"
        let error = try #require(loadError(text, SeriesOptions(time: "date")))
        #expect(error.kind == .badData)
        #expect(error.line == 3)
        #expect(error.column == 2)
        #expect(error.message.contains("'\(cell)' in time column 'date' is not a date"))
    }

    @Test
    func dateColumnWithOneBadCellIsReportedAtThatCellNotSilentlyDropped() throws {
        // Today this loads, with `time == nil` and no warning: forecasts lose their timestamps.
        let error = try #require(loadError("date,sales\n2024-01-01,1\n,2\n2024-01-03,3\n"))
        #expect(error.kind == .badData)
        #expect(error.line == 3)
        #expect(error.column == 1)
        #expect(error.message.contains("not a date"))
    }

    @Test func duplicateTimestampIsBadDataAtTheSecondOccurrence() throws {
        let text = "date,sales\n2024-01-01,10\n2024-01-02,11\n2024-01-02,12\n2024-01-03,13\n"
        let error = try #require(loadError(text))
        #expect(error.kind == .badData)
        #expect(error.line == 4)
        #expect(error.column == 1)
        #expect(error.message.contains("duplicate timestamp '2024-01-02' (also on line 3)"))
    }

    @Test func sameInstantWrittenWithDifferentOffsetsIsADuplicate() throws {
        // 10:00+02:00 is 08:00Z: the same instant.
        let text = "time,load\n2024-01-01T07:00:00Z,1\n2024-01-01T08:00:00Z,2\n2024-01-01T10:00:00+02:00,3\n"
        let error = try #require(loadError(text))
        #expect(error.kind == .badData)
        #expect(error.line == 4)
        #expect(error.message.contains("duplicate timestamp"))
    }

    @Test func unsortedTimestampIsBadDataAtTheRowThatGoesBack() throws {
        let text = "date,sales\n2024-01-01,10\n2024-01-03,11\n2024-01-02,12\n"
        let error = try #require(loadError(text))
        #expect(error.kind == .badData)
        #expect(error.line == 4)
        #expect(error.column == 1)
        #expect(error.message.contains("not in order: '2024-01-02' comes after '2024-01-03' on line 3"))
        #expect(error.message.contains("sort the file by 'date'"))
    }

    @Test func featureThatIsTheTargetIsUsageError() throws {
        let text = "date,sales,price\n2024-01-01,10,2\n2024-01-02,11,3\n"
        let error = try #require(loadError(text, SeriesOptions(target: "sales", features: ["sales"])))
        #expect(error.kind == .usage)
        #expect(error.message.contains("feature 'sales' is already the target"))
    }

    @Test func featureThatIsTheTimeColumnOrRepeatedIsUsageError() throws {
        let text = "date,sales,price\n2024-01-01,10,2\n2024-01-02,11,3\n"
        let time = try #require(loadError(text, SeriesOptions(target: "sales", time: "date", features: ["date"])))
        #expect(time.kind == .usage)
        #expect(time.message.contains("feature 'date' is already"))
        let twice = try #require(loadError(text, SeriesOptions(target: "sales", features: ["price", "price"])))
        #expect(twice.kind == .usage)
        #expect(twice.message.contains("feature 'price' is already"))
    }

    @Test func timeColumnThatIsTheTargetIsUsageError() throws {
        let text = "year,sales\n1949,10\n1950,11\n"
        let error = try #require(loadError(text, SeriesOptions(target: "year", time: "year")))
        #expect(error.kind == .usage)
        #expect(error.message.contains("cannot be both the time and the target"))
    }

    // MARK: Detection

    @Test func isoDateColumnIsDetectedAsTime() throws {
        let (series, warnings) = try load("date,sales\n2024-01-01,10\n2024-01-02,11\n2024-01-03,12\n")
        let axis = try #require(series.time)
        #expect(axis.name == "date")
        #expect(axis.format == .date)
        #expect(axis.frequency == .daily)
        #expect(series.targetName == "sales")
        #expect(series.target == [10, 11, 12])
        #expect(warnings.isEmpty)
    }

    @Test func yearMonthColumnIsDetectedAsTimeWhateverItsName() throws {
        // The name says nothing about time; the values do.
        let (series, _) = try load("when,passengers\n1949-01,112\n1949-02,118\n1949-03,132\n")
        let axis = try #require(series.time)
        #expect(axis.name == "when")
        #expect(axis.format == .yearMonth)
        #expect(axis.frequency == .monthly)
        #expect(series.targetName == "passengers")
    }

    @Test func dateTimesWithAZoneAreDetectedAsTimeAndKeepTheirOffset() throws {
        let text = "load,timestamp\n5,2024-03-01T00:00:00+01:00\n6,2024-03-01T01:00:00+01:00\n7,2024-03-01T02:00:00+01:00\n"
        let (series, _) = try load(text)
        let axis = try #require(series.time)
        #expect(axis.name == "timestamp")
        #expect(axis.format == .dateTime(separator: "T", hasSeconds: true, fractionDigits: 0, zone: .offset))
        #expect(axis.frequency == .hourly)
        #expect(axis.timestamps[0].utcOffsetSeconds == 3600)
        #expect(timeTexts(series) == ["2024-03-01T00:00:00+01:00", "2024-03-01T01:00:00+01:00", "2024-03-01T02:00:00+01:00"])
        #expect(series.targetName == "load")
    }

    @Test func yearColumnOfPlainYearsIsDetectedAsTime() throws {
        let (series, _) = try load("year,passengers\n1949,1520\n1950,1676\n1951,2042\n")
        let axis = try #require(series.time)
        #expect(axis.name == "year")
        #expect(axis.format == .year)
        #expect(axis.frequency == .yearly)
        #expect(series.targetName == "passengers")
        #expect(series.target == [1520, 1676, 2042])
    }

    @Test func numericColumnNamedValueHoldingYearLikeNumbersIsNotTime() throws {
        let (series, _) = try load("value\n1949\n1950\n1951\n")
        #expect(series.time == nil)
        #expect(series.targetName == "value")
        #expect(series.target == [1949, 1950, 1951])
    }

    @Test func valueColumnOfYearLikeNumbersBesideAYearColumnIsTheTarget() throws {
        // Both columns hold four-digit numbers; only the one named for time is time.
        let (series, _) = try load("value,year\n2010,1949\n2020,1950\n2030,1951\n")
        #expect(series.time?.name == "year")
        #expect(series.targetName == "value")
        #expect(series.target == [2010, 2020, 2030])
    }

    @Test
    func columnWhoseNameOnlyContainsATimeWordInsideAnotherWordIsNotTime() throws {
        // 'downloads' contains "ds"; today it is taken as the time and the load fails with
        // "has no numeric column to forecast".
        let (series, _) = try load("downloads\n1500\n1620\n1710\n")
        #expect(series.time == nil)
        #expect(series.targetName == "downloads")
    }

    @Test func defaultTargetIsTheOnlyNumericColumn() throws {
        let text = "date,store,sales,note\n2024-01-01,North,10,\n2024-01-02,North,11,holiday\n"
        let (series, _) = try load(text)
        #expect(series.targetName == "sales")
        #expect(series.featureNames.isEmpty)
        #expect(series.columns == [[10, 11]])
        #expect(series.time?.name == "date")
        #expect(series.source == "test.csv")
    }

    @Test func featuresAreReadInTheOrderGiven() throws {
        let text = "date,a,b,sales\n2024-01-01,1,10,100\n2024-01-02,2,20,200\n"
        let (series, _) = try load(text, SeriesOptions(target: "sales", features: ["b", "a"]))
        #expect(series.targetName == "sales")
        #expect(series.featureNames == ["b", "a"])
        #expect(series.columns == [[100, 200], [10, 20], [1, 2]])
    }

    @Test func seriesWithoutTimeColumnHasNoAxis() throws {
        let (series, _) = try load("sales\n1\n2\n3\n")
        #expect(series.time == nil)
        #expect(series.count == 3)
    }

    // MARK: Frequency

    @Test(arguments: [
        ("time,v\n2024-01-01T10:00,1\n2024-01-01T10:01,2\n2024-01-01T10:02,3\n", Frequency.minutely),
        ("time,v\n2024-01-01 10:00:00,1\n2024-01-01 11:00:00,2\n2024-01-01 12:00:00,3\n", Frequency.hourly),
        ("date,v\n2024-02-27,1\n2024-02-28,2\n2024-02-29,3\n2024-03-01,4\n", Frequency.daily),
        ("date,v\n2024-01-01,1\n2024-01-08,2\n2024-01-15,3\n", Frequency.weekly),
        ("month,v\n2023-11,1\n2023-12,2\n2024-01,3\n", Frequency.monthly),
        ("date,v\n2023-03-31,1\n2023-06-30,2\n2023-09-30,3\n2023-12-31,4\n", Frequency.quarterly),
        ("year,v\n1949,1\n1950,2\n1951,3\n", Frequency.yearly),
    ])
    func frequencyIsInferredFromTheTimeColumn(text: String, frequency: Frequency) throws {
        let (series, warnings) = try load(text)
        #expect(series.time?.frequency == frequency)
        #expect(warnings.isEmpty)
    }

    @Test func stepsThatAreMultiplesOfTheMostCommonStepAreGapsNotAnotherFrequency() throws {
        // Steps of 1, 3 and 2 days: daily, lacking 2 + 1 days.
        let (series, warnings) = try load("date,v\n2024-01-01,1\n2024-01-02,2\n2024-01-05,5\n2024-01-07,7\n")
        #expect(series.time?.frequency == .daily)
        #expect(series.target == [1, 2, 3, 4, 5, 6, 7])
        #expect(warnings.contains("test.csv: the daily series lacks 3 points in 2 gaps (the first after line 3); filled by linear interpolation"))
    }

    @Test func irregularTimestampsHaveNoFrequencyAndNoFuture() throws {
        // Steps of 7 and 3 minutes: 7 is not a multiple of 3.
        let (series, warnings) = try load("time,v\n2024-01-01T00:00,1\n2024-01-01T00:07,2\n2024-01-01T00:10,3\n")
        let axis = try #require(series.time)
        #expect(axis.frequency == nil)
        #expect(axis.future(2) == nil)
        #expect(series.count == 3)
        #expect(warnings.isEmpty)
    }

    @Test func missingDayIsInsertedAndInterpolatedWithAWarningNamingTheGap() throws {
        let text = "date,sales\n2024-01-01,1\n2024-01-02,2\n2024-01-04,4\n2024-01-05,5\n"
        let (series, warnings) = try load(text)
        #expect(timeTexts(series) == ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"])
        #expect(series.target == [1, 2, 3, 4, 5])  // (2 + 4) / 2 = 3
        #expect(warnings.contains("test.csv: the daily series lacks 1 point in 1 gap (the first after line 3); filled by linear interpolation"))
        #expect(warnings.contains("test.csv: 1 missing value in 'sales' (a gap after line 3) filled by linear interpolation"))
    }

    @Test func gapOfSeveralMonthsIsFilledForTargetAndFeatures() throws {
        let text = "month,sales,price\n2024-01,10,1\n2024-05,50,5\n2024-06,60,6\n"
        let (series, warnings) = try load(text, SeriesOptions(target: "sales", features: ["price"]))
        #expect(timeTexts(series) == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"])
        // Linear from 10 to 50 over 4 steps: 10, 20, 30, 40, 50.
        #expect(series.columns == [[10, 20, 30, 40, 50, 60], [1, 2, 3, 4, 5, 6]])
        #expect(warnings.contains { $0.contains("the monthly series lacks 3 points in 1 gap (the first after line 2)") })
    }

    @Test func missingDayWithMissingErrorIsBadDataNamingTheLineBefore() throws {
        let text = "date,sales\n2024-01-01,1\n2024-01-02,2\n2024-01-04,4\n"
        let error = try #require(loadError(text, SeriesOptions(missing: .error)))
        #expect(error.kind == .badData)
        #expect(error.message.contains("lacks a point after line 3"))
        #expect(error.message.contains("--missing error"))
    }

    @Test func missingDayWithDropIsLeftOutAndSaidSo() throws {
        let text = "date,sales\n2024-01-01,1\n2024-01-02,2\n2024-01-04,4\n"
        let (series, warnings) = try load(text, SeriesOptions(missing: .drop))
        #expect(timeTexts(series) == ["2024-01-01", "2024-01-02", "2024-01-04"])
        #expect(series.target == [1, 2, 4])
        #expect(series.time?.frequency == .daily)
        #expect(warnings == ["test.csv: the daily series lacks 1 point in 1 gap (the first after line 3); left out"])
    }

    // MARK: The future of a time axis

    @Test func futureOfAMonthlySeriesContinuesTheMonthsInTheFilesFormat() throws {
        let (series, _) = try load("month,passengers\n2023-11,1\n2023-12,2\n2024-01,3\n")
        let axis = try #require(series.time)
        let future = try #require(axis.future(3))
        #expect(future.map { axis.text($0) } == ["2024-02", "2024-03", "2024-04"])
        #expect(axis.future(0) == [])
    }

    @Test func futureOfAMonthEndSeriesKeepsToMonthEnds() throws {
        let (series, _) = try load("date,v\n2024-01-31,1\n2024-02-29,2\n2024-03-31,3\n")
        let axis = try #require(series.time)
        #expect(axis.monthEnd)
        #expect(try #require(axis.future(3)).map { axis.text($0) } == ["2024-04-30", "2024-05-31", "2024-06-30"])
    }

    @Test func futureOfDailyAndHourlySeriesCrossesMonthsAndKeepsTheOffset() throws {
        let (daily, _) = try load("date,v\n2024-02-27,1\n2024-02-28,2\n")
        let dailyAxis = try #require(daily.time)
        #expect(try #require(dailyAxis.future(3)).map { dailyAxis.text($0) } == ["2024-02-29", "2024-03-01", "2024-03-02"])

        let (hourly, _) = try load("time,v\n2024-03-31T22:00:00+02:00,1\n2024-03-31T23:00:00+02:00,2\n")
        let hourlyAxis = try #require(hourly.time)
        #expect(try #require(hourlyAxis.future(2)).map { hourlyAxis.text($0) }
                == ["2024-04-01T00:00:00+02:00", "2024-04-01T01:00:00+02:00"])
    }

    @Test func futureOfAYearlySeriesIsWrittenAsYears() throws {
        let (series, _) = try load("year,v\n1958,1\n1959,2\n1960,3\n")
        let axis = try #require(series.time)
        #expect(try #require(axis.future(2)).map { axis.text($0) } == ["1961", "1962"])
    }
}
