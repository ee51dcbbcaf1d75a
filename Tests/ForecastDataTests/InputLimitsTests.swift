import Foundation
import Testing
import ForecastData

/// The CSV reader refuses inputs above ``InputLimits`` with a message naming the limit, instead of
/// holding them in memory.
@Suite struct InputLimitsTests {
    @Test func fieldLongerThanTheLimitIsRefusedWithItsLineAndColumn() throws {
        var text = "a,b\n1,"
        text += String(repeating: "9", count: InputLimits.csvFieldBytes + 10) + "\n"
        for chunkSize in [4096, CSVReader.defaultChunkSize] {
            let error = #expect(throws: DataError.self) {
                try CSVReader.read(bytes: Array(text.utf8), source: "long.csv", chunkSize: chunkSize)
            }
            #expect(error?.description == "long.csv, line 2, column 2: a field longer than 1 MiB (an unclosed quote, or not a CSV file?)")
        }
    }

    @Test func unclosedQuoteRunningToTheEndIsRefusedAtTheLimit() throws {
        let text = "a,b\n1,\"" + String(repeating: "x,\n", count: InputLimits.csvFieldBytes / 3 + 10)
        let error = #expect(throws: DataError.self) {
            try CSVReader.read(bytes: Array(text.utf8), source: "quote.csv", chunkSize: 65536)
        }
        #expect(error?.line == 2)
        #expect(error?.column == 2)
        #expect(error?.message.hasPrefix("a field longer than 1 MiB") == true)
    }

    @Test func headerLineLongerThanTheLimitIsRefused() throws {
        let bytes = [UInt8](repeating: UInt8(ascii: "h"), count: InputLimits.csvHeaderBytes + 65536)
        let error = #expect(throws: DataError.self) {
            try CSVReader.read(bytes: bytes, source: "header.csv", chunkSize: 65536)
        }
        #expect(error?.description == "header.csv, line 1: the header line is longer than 1 MiB (is this a CSV file?)")
    }

    @Test func limitsAreAboveEveryRealFile() {
        #expect(InputLimits.csvBytes >= 1 << 32)
        #expect(InputLimits.csvCells >= 100_000_000)
        #expect(InputLimits.filledPoints(rows: 1_000_000) == 10_000_000)
    }
}
