import Testing
import ForecastData

// MARK: - Helpers (and those of LoadingSupport.swift)

/// Six days of sales: missing on lines 2 (leading), 4 and 5 (inside), 7 (trailing), each spelled differently.
private let salesWithHoles = """
    date,sales
    2024-01-01,
    2024-01-02,2
    2024-01-03,NA
    2024-01-04,NaN
    2024-01-05,8
    2024-01-06,null

    """

/// Missing cells and what each policy does with them: values, rows kept, warnings and errors.
@Suite struct MissingValuesTests {
    // MARK: Which cells are missing

    @Test(arguments: ["", "NA", "na", "N/A", "n/a", "NaN", "nan", "NAN", "null", "NULL", "None", "none"])
    func missingSpellingsAreMissing(cell: String) {
        #expect(isMissingCell(cell))
    }

    @Test(arguments: ["0", "-", "n.a.", "missing", "0.0", "NaNa"])
    func otherTextIsNotMissing(cell: String) {
        #expect(!isMissingCell(cell))
    }

    @Test func everyMissingSpellingCountsInTheLoader() throws {
        // Lines 3 to 7 hold the five spellings; the empty cell is the first.
        let text = "date,sales\n2024-01-01,1\n2024-01-02,\n2024-01-03,NA\n2024-01-04,NaN\n2024-01-05,null\n2024-01-06,N/A\n2024-01-07,7\n"
        let (series, warnings) = try load(text)
        #expect(series.target == [1, 2, 3, 4, 5, 6, 7])
        #expect(warnings == ["test.csv: 5 missing values in 'sales' (line 3, line 4, line 5, line 6, line 7) filled by linear interpolation"])
    }

    // MARK: fillMissing

    @Test func interpolationIsLinearInsideAndTakesTheNearestValueAtTheEdges() {
        let filled = fillMissing([.nan, .nan, 1, .nan, .nan, 4, 10, .nan], policy: .interpolate)
        // Leading: 1, 1; inside 1 → 4 over three steps: 2, 3; trailing: 10.
        #expect(filled == [1, 1, 1, 2, 3, 4, 10, 10])
    }

    @Test func forwardFillCarriesTheLastValueAndBackFillsTheStart() {
        let filled = fillMissing([.nan, 1, .nan, .nan, 4, .nan], policy: .ffill)
        #expect(filled == [1, 1, 1, 1, 4, 4])
    }

    @Test func fillingLeavesCompleteValuesAlone() {
        #expect(fillMissing([3, 1, 2], policy: .interpolate) == [3, 1, 2])
        #expect(fillMissing([3, 1, 2], policy: .ffill) == [3, 1, 2])
        #expect(fillMissing([.nan, 5], policy: .interpolate) == [5, 5])
    }

    // MARK: Policies through the loader

    @Test func interpolatePolicyFillsLinearlyAndWarnsWithCountAndLines() throws {
        let (series, warnings) = try load(salesWithHoles, SeriesOptions(missing: .interpolate))
        // Leading → 2; 2 to 8 over three steps: 4, 6; trailing → 8.
        #expect(series.target == [2, 2, 4, 6, 8, 8])
        #expect(series.count == 6)
        #expect(warnings == ["test.csv: 4 missing values in 'sales' (line 2, line 4, line 5, line 7) filled by linear interpolation"])
    }

    @Test func ffillPolicyCarriesForwardAndWarns() throws {
        let (series, warnings) = try load(salesWithHoles, SeriesOptions(missing: .ffill))
        #expect(series.target == [2, 2, 2, 2, 8, 8])
        #expect(warnings == ["test.csv: 4 missing values in 'sales' (line 2, line 4, line 5, line 7) filled by carrying the last value forward"])
    }

    @Test func dropPolicyRemovesRowsWithTheirTimestamps() throws {
        let (series, warnings) = try load(salesWithHoles, SeriesOptions(missing: .drop))
        #expect(series.target == [2, 8])
        let axis = try #require(series.time)
        #expect(axis.timestamps.map { axis.text($0) } == ["2024-01-02", "2024-01-05"])
        #expect(warnings == ["test.csv: 4 missing values in 'sales' (line 2, line 4, line 5, line 7); rows dropped"])
    }

    @Test func dropPolicyRemovesARowMissingInAnyColumn() throws {
        let text = "date,sales,temp\n2024-01-01,1,10\n2024-01-02,,11\n2024-01-03,3,\n2024-01-04,4,13\n"
        let (series, warnings) = try load(text, SeriesOptions(target: "sales", features: ["temp"], missing: .drop))
        #expect(series.columns == [[1, 4], [10, 13]])
        let axis = try #require(series.time)
        #expect(axis.timestamps.map { axis.text($0) } == ["2024-01-01", "2024-01-04"])
        #expect(warnings == [
            "test.csv: 1 missing value in 'sales' (line 3); rows dropped",
            "test.csv: 1 missing value in 'temp' (line 4); rows dropped",
        ])
    }

    @Test func errorPolicyIsBadDataAtTheFirstMissingCell() throws {
        let text = "date,sales\n2024-01-01,1\n2024-01-02,2\n2024-01-03,NA\n2024-01-04,\n"
        let error = try #require(loadError(text, SeriesOptions(missing: .error)))
        #expect(error.kind == .badData)
        #expect(error.line == 4)
        #expect(error.column == 2)
        #expect(error.message == "missing value in column 'sales' (--missing error)")
    }

    @Test func errorPolicyNamesTheFeatureColumnWhenTheFeatureIsMissing() throws {
        let text = "sales,date,temp\n1,2024-01-01,10\n2,2024-01-02,\n"
        let error = try #require(loadError(text, SeriesOptions(target: "sales", features: ["temp"], missing: .error)))
        #expect(error.kind == .badData)
        #expect(error.line == 3)
        #expect(error.column == 3)
        #expect(error.message.contains("'temp'"))
    }

    @Test func featureColumnsAreFilledLikeTheTarget() throws {
        let text = "date,sales,temp\n2024-01-01,1,10\n2024-01-02,2,\n2024-01-03,3,30\n"
        let (series, warnings) = try load(text, SeriesOptions(target: "sales", features: ["temp"]))
        #expect(series.columns == [[1, 2, 3], [10, 20, 30]])
        #expect(warnings == ["test.csv: 1 missing value in 'temp' (line 3) filled by linear interpolation"])
    }

    @Test func warningListsFiveLinesThenAnEllipsis() throws {
        let rows = (1...9).map { day in "2024-01-0\(day),\(day == 1 || day == 9 ? "1" : "")" }
        let (series, warnings) = try load("date,sales\n" + rows.joined(separator: "\n") + "\n")
        #expect(series.target == Array(repeating: 1, count: 9))
        #expect(warnings == ["test.csv: 7 missing values in 'sales' (line 3, line 4, line 5, line 6, line 7, …) filled by linear interpolation"])
    }

    @Test func seriesWithoutTimeColumnIsFilledToo() throws {
        let (series, warnings) = try load("sales\n1\n\n3\nNA\n5\n", SeriesOptions(missing: .interpolate))
        // The blank line 3 is skipped, not a missing value; NA on line 5 lies between 3 and 5.
        #expect(series.target == [1, 3, 4, 5])
        #expect(warnings.count == 1)
        #expect(warnings[0].contains("1 missing value in 'sales' (line 5)"))
    }
}
