import Testing
@testable import ForecastData

/// Reads `text` as the long table `panel.csv`, fed to the parser `chunkSize` bytes at a time.
private func loadPanel(_ text: String, _ options: SeriesOptions = SeriesOptions(), chunkSize: Int = 1 << 20) throws(DataError)
    -> (panel: Panel, warnings: [String])
{
    var sink = PanelSink(options: options)
    try CSVReader.stream(bytes: Array(text.utf8), source: "panel.csv", into: &sink, chunkSize: chunkSize)
    return try sink.finish(source: "panel.csv")
}

private func panelError(_ text: String, _ options: SeriesOptions = SeriesOptions()) -> DataError? {
    do {
        _ = try loadPanel(text, options)
        return nil
    } catch {
        return error
    }
}

/// Long tables of many series: any row order, different starts and lengths, integer steps or
/// dates, per-series gaps and missing values, and an error naming the place for each bad table.
struct PanelLoaderTests {
    static let sorted = """
        unique_id,ds,y
        A,1,10
        A,2,11
        A,3,12
        B,3,30
        B,4,31
        """

    @Test func rowsInAnyOrderGiveTheSamePanelSortedByIDsFirstAppearanceThenTime() throws {
        let shuffled = """
            unique_id,ds,y
            B,4,31
            A,2,11
            A,3,12
            B,3,30
            A,1,10
            """
        let (panel, _) = try loadPanel(shuffled)
        #expect(panel.idName == "unique_id")
        #expect(panel.ids == ["B", "A"])
        #expect(panel.series[1].target == [10, 11, 12])
        #expect(panel.series[0].target == [30, 31])
        #expect(panel.series[0].time?.timestamps.map(\.seconds) == [3, 4])
        let (inOrder, _) = try loadPanel(Self.sorted)
        #expect(inOrder.ids == ["A", "B"])
        #expect(inOrder.series[0].target == panel.series[1].target)
    }

    @Test func seriesMayStartAndEndAtDifferentTimesWithDifferentLengths() throws {
        let (panel, _) = try loadPanel(Self.sorted)
        #expect(panel.series.map(\.count) == [3, 2])
        #expect(panel.series.map { $0.time!.timestamps.first!.seconds } == [1, 3])
        #expect(panel.pointCount == 5)
    }

    @Test func integerDsIsATimeColumnOfStepsNotAFeature() throws {
        let (panel, _) = try loadPanel(Self.sorted)
        let time = try #require(panel.time)
        #expect(time.name == "ds")
        #expect(time.format == .step)
        #expect(time.frequency == Frequency(unit: .step, step: 1))
        #expect(panel.featureNames.isEmpty)
        #expect(panel.targetName == "y")
        #expect(time.future(2).map { $0.map(\.seconds) } == [4, 5])
        #expect(time.text(Timestamp(seconds: 702)) == "702")
    }

    @Test func theIDColumnIsDetectedByItsNameOrGivenAndATableWithoutOneIsOneSeries() throws {
        for name in ["unique_id", "series_id", "series", "id", "ID"] {
            let (panel, _) = try loadPanel("\(name),ds,y\nA,1,1\nA,2,2\nB,1,3\n")
            #expect(panel.idName == name && panel.count == 2)
        }
        let (chosen, _) = try loadPanel("store,ds,y\nS1,1,1\nS2,1,2\nS1,2,3\n", SeriesOptions(id: "store"))
        #expect(chosen.ids == ["S1", "S2"])
        let (single, _) = try loadPanel("ds,y\n1,5\n2,6\n3,7\n")
        #expect(!single.hasIDs && single.count == 1 && single.series[0].target == [5, 6, 7])
    }

    @Test func chunksOfAnySizeGiveTheSamePanel() throws {
        let (whole, _) = try loadPanel(Self.sorted)
        for size in [1, 2, 7] {
            let (chunked, _) = try loadPanel(Self.sorted, chunkSize: size)
            #expect(chunked.ids == whole.ids)
            #expect(chunked.series.map(\.target) == whole.series.map(\.target))
        }
    }

    @Test func datesPanelsFillEachSeriesGapsAndMissingValuesOnTheirOwn() throws {
        let text = """
            series,date,sales
            X,2024-01-01,1
            X,2024-01-02,
            X,2024-01-03,3
            Y,2024-01-05,10
            Y,2024-01-07,30
            """
        let (panel, warnings) = try loadPanel(text)
        #expect(panel.time?.frequency == .daily)
        #expect(panel.series[0].target == [1, 2, 3])
        #expect(panel.series[1].target == [10, 20, 30])
        #expect(panel.series[1].time?.timestamps.count == 3)
        #expect(warnings.contains { $0.contains("1 daily series lack 1 point") })
        // The gap's point and the empty cell: each series' own missing values, filled within it.
        #expect(warnings.contains { $0.contains("2 missing values in 'sales' in 2 series; filled by linear interpolation") })
    }

    @Test func manyRowsKeepEverySeries() throws {
        var lines = ["unique_id,ds,y"]
        for s in 0..<300 { for t in 1...(5 + s % 7) { lines.append("S\(s),\(t),\(s * 100 + t)") } }
        let (panel, _) = try loadPanel(lines.joined(separator: "\n"))
        #expect(panel.count == 300)
        #expect(panel.series[299].target.first == 29_901)
        #expect(panel.series.map(\.count) == (0..<300).map { 5 + $0 % 7 })
    }

    // MARK: Bad tables

    @Test func aDuplicateSeriesAndTimeNamesBothLines() throws {
        let error = try #require(panelError("unique_id,ds,y\nA,1,1\nB,1,2\nA,1,3\n"))
        #expect(error.kind == .badData)
        #expect(error.description == "panel.csv, line 4, column 2: duplicate (series 'A', time '1'): also on line 2")
    }

    @Test func aSeriesWhoseFrequencyDiffersIsNamed() throws {
        let text = """
            id,date,y
            A,2024-01-01,1
            A,2024-01-02,2
            A,2024-01-03,3
            A,2024-01-04,4
            B,2024-01-01,1
            B,2024-02-01,2
            B,2024-03-01,3
            """
        let error = try #require(panelError(text))
        #expect(error.kind == .badData)
        #expect(error.description == "panel.csv, line 6: series 'B' is monthly, but the table is daily (as its longest series 'A')")
    }

    @Test func anEmptyIDIsAnErrorAtItsCell() throws {
        let error = try #require(panelError("unique_id,ds,y\nA,1,1\n,2,2\n"))
        #expect(error.description == "panel.csv, line 3, column 1: the series id in column 'unique_id' is empty")
    }

    @Test func aSeriesWithoutAnyTargetValueIsNamed() throws {
        let error = try #require(panelError("unique_id,ds,y\nA,1,1\nB,1,\nB,2,NA\n"))
        #expect(error.kind == .badData)
        #expect(error.description == "panel.csv, line 3: series 'B' has no values in column 'y'")
    }

    @Test func anIDOptionNamingNoColumnIsAUsageError() throws {
        let error = try #require(panelError(Self.sorted, SeriesOptions(id: "store")))
        #expect(error.kind == .usage)
        #expect(error.description == "panel.csv: no id column 'store'; the columns are 'unique_id', 'ds', 'y'")
    }

    @Test func aBadNumberOrTimeNamesItsLineAndColumn() throws {
        let number = try #require(panelError("unique_id,ds,y\nA,1,1\nA,2,abc\n"))
        #expect(number.description == "panel.csv, line 3, column 3: 'abc' in column 'y' is not a number")
        // Ten steps and one bad cell: still a column of steps, the bad cell named where it is.
        let rows = (1...10).map { "A,\($0),\($0)" }.joined(separator: "\n")
        let time = try #require(panelError("unique_id,ds,y\n\(rows)\nA,x,2\n"))
        #expect(time.description == "panel.csv, line 12, column 2: 'x' in time column 'ds' is not an integer step")
    }

    @Test func missingValuesAreAnErrorWhenAskedNamingTheSeries() throws {
        let error = try #require(panelError("unique_id,ds,y\nA,1,1\nA,2,\nA,3,3\n", SeriesOptions(missing: .error)))
        #expect(error.description == "panel.csv, line 3, column 3: missing value in column 'y' of series 'A' (--missing error)")
    }
}

/// The seasonal scale of ``Scaler/Method/mase``.
struct MASEScalerTests {
    @Test func theScaleIsTheMeanAbsoluteSeasonalDifferenceOfThePart() {
        // Season 2 over 1, 5, 2, 9, (ignored 100): |2 − 1| + |9 − 5| = 5 over 2 differences.
        let (scaler, constant) = Scaler.fit(.mase, columns: [[1, 5, 2, 9, 100]], count: 4, season: 2)
        #expect(scaler.center == [4.25])
        #expect(scaler.scale == [2.5])
        #expect(constant.isEmpty)
        // A part no longer than the season falls back to m = 1: |5 − 1| + |2 − 5| over 2.
        #expect(Scaler.fit(.mase, columns: [[1, 5, 2]], count: 3, season: 12).scaler.scale == [3.5])
        // A repeating season has no seasonal change: scale 1, reported as constant.
        let repeating = Scaler.fit(.mase, columns: [[1, 2, 1, 2, 1, 2]], count: 6, season: 2)
        #expect(repeating.scaler.scale == [1] && repeating.constantColumns == [0])
    }
}
