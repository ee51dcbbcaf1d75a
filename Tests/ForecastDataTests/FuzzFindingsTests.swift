import Foundation
import Testing
import ForecastData

/// Inputs the fuzzer (scripts/fuzz.sh) found to break the CSV reader or the series loader, each kept
/// as it was found (the fuzz target's first byte, which chose the chunk size or policy, dropped).
@Suite struct FuzzFindingsTests {
    /// fuzz/csv crash-ea33746109beb7743b7eb66da3a595759cfa6386: two byte-order marks. Read in chunks of
    /// one byte the reader skipped both (it checked for a mark whenever its buffer was empty), read
    /// whole only the first, so the header differed with the chunk size.
    @Test func secondByteOrderMarkIsKeptWhateverTheChunkSize() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF, 0x0D, 0x0A, 0x20, 0x65, 0x63, 0x74, 0x00, 0x00,
                              0x00, 0x00, 0x9A, 0x8C, 0xF0, 0x0A]
        let whole = try CSVReader.read(bytes: bytes, source: "bom.csv")
        for chunkSize in 1...8 {
            #expect(try CSVReader.read(bytes: bytes, source: "bom.csv", chunkSize: chunkSize) == whole)
        }
        #expect(whole.header.first?.unicodeScalars.first == "\u{FEFF}")
    }

    /// fuzz/series timeout-b29313491279ef780d36f91e1cc792cf88c74f6f: an hourly series whose first
    /// year is 1012 (for 2024) asked for 8.9 million missing hours to be filled: 33 s and 1.2 GB.
    /// Now refused above ``InputLimits/filledPoints(rows:)``, naming the line after the gap.
    @Test func gapOfCenturiesInAnHourlySeriesIsRefused() throws {
        let text = "time,v\n1012-01-01 10:00:00,1\n2024-01-01 11:00:00,2\n2024-01-01 12:00:00,3\n"
        let table = try CSVReader.read(bytes: Array(text.utf8), source: "gap.csv")
        let error = #expect(throws: DataError.self) { try SeriesLoader.load(table, options: SeriesOptions()) }
        #expect(error?.kind == .badData)
        #expect(error?.line == 3)
        #expect(error?.description.hasPrefix("gap.csv, line 3: the hourly series would need 8871024 missing points filled (8871024 after line 2), more than the limit of 1000; check the time column") == true)
        // Left out rather than filled, the gap costs nothing and the series loads.
        #expect(try SeriesLoader.load(table, options: SeriesOptions(missing: .drop)).series.count == 3)
    }

    /// fuzz/series timeout-b5e41eb0c717de8a919845088a3643a91dc091c6: three monthly rows, the last in
    /// year 9614 (for 2024), asked for 91,080 points under the earlier limit of 100,000, and a model
    /// trained on them for 5 minutes. A series must now be at least 10% real points.
    @Test func gapOfMillenniaInAShortMonthlySeriesIsRefused() throws {
        let text = "mnth,v\n2023-11,1\n2023-12,2\n9614-01,3\n"
        let table = try CSVReader.read(bytes: Array(text.utf8), source: "months.csv")
        let error = #expect(throws: DataError.self) { try SeriesLoader.load(table, options: SeriesOptions()) }
        #expect(error?.description.hasPrefix("months.csv, line 4: the monthly series would need 91080 missing points filled (91080 after line 3), more than the limit of 1000") == true)
        #expect(InputLimits.filledPoints(rows: 3) == 1_000 && InputLimits.filledPoints(rows: 500) == 5_000)
    }

    /// fuzz/series timeout-bce4751e25c01456634717484f7083e9bc620d11: the same typo in a daily series
    /// (1013 for 2024) asked for 369 000 points, which took over 10 s in the sanitized fuzz build; the
    /// limit was then 100 000 points or 10 × the rows (now 10 × the rows, at least 1,000).
    @Test func gapOfCenturiesInADailySeriesIsRefused() throws {
        let text = "date,sales\n1013-01-01,\n2024-01-02,NA\n2024-01-03,null\n"
        let table = try CSVReader.read(bytes: Array(text.utf8), source: "daily.csv")
        let error = #expect(throws: DataError.self) { try SeriesLoader.load(table, options: SeriesOptions()) }
        #expect(error?.description.hasPrefix("daily.csv, line 3: the daily series would need 369") == true, "\(String(describing: error))")
    }

    @Test func gapsBelowTheLimitAreStillFilled() throws {
        let text = "time,v\n2024-01-01 10:00:00,1\n2024-01-01 11:00:00,2\n2024-01-05 12:00:00,3\n"
        let (series, warnings) = try SeriesLoader.load(CSVReader.read(bytes: Array(text.utf8), source: "gap.csv"), options: SeriesOptions())
        #expect(series.count == 99)
        #expect(warnings.first?.contains("lacks 96 points in 1 gap") == true)
    }
}

/// Error messages quote the file's text; they stay one line a terminal shows as it is.
@Suite struct PrintableMessageTests {
    @Test func controlCharactersInACellAreEscapedInTheMessage() throws {
        let text = "t,v\n2024-01-01,\"1\n\u{1B}[31m2\"\n"
        let error = #expect(throws: DataError.self) {
            try SeriesLoader.load(CSVReader.read(bytes: Array(text.utf8), source: "c.csv"), options: SeriesOptions())
        }
        #expect(error?.description == #"c.csv, line 2, column 2: '1\n\u{1B}[31m2' in column 'v' is not a number"#)
    }

    @Test func aHugeCellIsCutInTheMiddleOfTheMessage() throws {
        let text = "v\n" + String(repeating: "x", count: 100_000) + "\n"
        let error = #expect(throws: DataError.self) {
            try SeriesLoader.load(CSVReader.read(bytes: Array(text.utf8), source: "c.csv"), options: SeriesOptions())
        }
        let description = try #require(error?.description)
        #expect(description.count <= 603)
        #expect(description.hasPrefix("c.csv, line 2, column 1: 'xxx"))
        #expect(description.hasSuffix("xxx' in column 'v' is not a number"))
    }
}
