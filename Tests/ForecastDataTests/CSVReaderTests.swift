import Foundation
import Testing
import ForecastData

// MARK: - Helpers

/// Parses `text` as a whole (one chunk) or in chunks of `chunkSize` bytes.
private func parse(_ text: String, chunkSize: Int = CSVReader.defaultChunkSize) throws(DataError) -> CSVTable {
    try CSVReader.read(bytes: Array(text.utf8), source: "test.csv", chunkSize: chunkSize)
}

/// The error that parsing `text` throws, or nil when it parses.
private func parseError(_ text: String, chunkSize: Int = CSVReader.defaultChunkSize) -> DataError? {
    do {
        _ = try parse(text, chunkSize: chunkSize)
        return nil
    } catch {
        return error
    }
}

/// The error that reading the file at `path` throws, or nil when it reads.
private func readError(path: String) -> DataError? {
    do {
        _ = try CSVReader.read(path: path)
        return nil
    } catch {
        return error
    }
}

/// A fresh path in the temporary directory; the caller removes the file.
private func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory
        .appendingPathComponent("csvreader-\(UUID().uuidString)-\(name)").path
}

// MARK: - Delimiters

@Test func commaDelimiterIsDetected() throws {
    let table = try parse("date,sales\n2024-01-01,10\n2024-01-02,12\n")
    #expect(table.delimiter == ",")
    #expect(table.header == ["date", "sales"])
    #expect(table.columns == [["2024-01-01", "2024-01-02"], ["10", "12"]])
    #expect(table.rowCount == 2)
    #expect(table.rowLines == [2, 3])
    #expect(table.source == "test.csv")
}

@Test func semicolonDelimiterIsDetectedAndCommasStayInCells() throws {
    // European style: decimal commas in the cells, semicolons between them.
    let table = try parse("date;sales;price\n2024-01-01;10;1,5\n")
    #expect(table.delimiter == ";")
    #expect(table.header == ["date", "sales", "price"])
    #expect(table.columns == [["2024-01-01"], ["10"], ["1,5"]])
}

@Test func tabDelimiterIsDetectedAndSpacesInsideCellsAreKept() throws {
    let table = try parse("date\tstore name\tsales\n2024-01-01\tNorth Side\t10\n")
    #expect(table.delimiter == "\t")
    #expect(table.header == ["date", "store name", "sales"])
    #expect(table.columns == [["2024-01-01"], ["North Side"], ["10"]])
}

@Test func delimiterTieOrNoneFallsBackToComma() throws {
    let tie = try parse("a,b;c\n1,2;3\n")
    #expect(tie.delimiter == ",")
    #expect(tie.header == ["a", "b;c"])
    let single = try parse("sales\n10\n11\n")
    #expect(single.delimiter == ",")
    #expect(single.columns == [["10", "11"]])
}

@Test func delimitersInsideQuotedHeaderNamesDoNotCountForDetection() throws {
    let table = try parse("\"a;b;c\",d\n1,2\n")
    #expect(table.delimiter == ",")
    #expect(table.header == ["a;b;c", "d"])
}

@Test func columnIndexFindsNamesAfterTrimming() throws {
    let table = try parse(" date , sales \n2024-01-01,10\n")
    #expect(table.header == ["date", "sales"])
    #expect(table.columnIndex(named: "sales") == 1)
    #expect(table.columnIndex(named: "date") == 0)
    #expect(table.columnIndex(named: "price") == nil)
}

// MARK: - Quoting

@Test func quotedFieldsKeepDelimitersQuotesAndNewlinesAndLaterRowsKeepTheirLines() throws {
    let text = #"""
        id,text
        1,"a,b"
        2,"say ""hi"""
        3,"first line
        second line
        third line"
        4,plain
        5,""

        """#
    let table = try parse(text)
    #expect(table.header == ["id", "text"])
    #expect(table.columns[0] == ["1", "2", "3", "4", "5"])
    #expect(table.columns[1] == ["a,b", "say \"hi\"", "first line\nsecond line\nthird line", "plain", ""])
    // Row 3 spans lines 4–6, so row 4 starts on line 7.
    #expect(table.rowLines == [2, 3, 4, 7, 8])
}

@Test func unquotedCellsAreTrimmedButQuotedCellsAreKeptExactly() throws {
    let table = try parse("a,b,c\n  1  ,\" 2 \" , 3\t\n")
    #expect(table.columns == [["1"], [" 2 "], ["3"]])
}

@Test func aQuoteInsideAnUnquotedCellIsLiteral() throws {
    let table = try parse("size,label\n5\",12\"\" pipe\n")
    #expect(table.columns == [["5\""], ["12\"\" pipe"]])
}

@Test func emptyCellsAreKeptIncludingATrailingOne() throws {
    let table = try parse("a,b,c\n,,\n1,,3\n4,5,")
    #expect(table.columns == [["", "1", "4"], ["", "", "5"], ["", "3", ""]])
    #expect(table.rowLines == [2, 3, 4])
}

// MARK: - Line ends, byte-order mark, blank lines

@Test func crlfLineEndsLeaveNoCarriageReturnsInCells() throws {
    let table = try parse("a,b\r\n1,\"x\r\ny\"\r\n2,3\r\n")
    #expect(table.header == ["a", "b"])
    #expect(table.columns == [["1", "2"], ["x\r\ny", "3"]])
    #expect(table.rowLines == [2, 4])
}

@Test func loneCarriageReturnsEndLines() throws {
    let table = try parse("a,b\r1,2\r\r3,4")
    #expect(table.columns == [["1", "3"], ["2", "4"]])
    #expect(table.rowLines == [2, 4])
}

@Test func byteOrderMarkIsStrippedFromTheFirstName() throws {
    let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("date;sales\n2024-01-01;10\n".utf8)
    let table = try CSVReader.read(bytes: bytes, source: "bom.csv")
    #expect(table.delimiter == ";")
    #expect(table.header == ["date", "sales"])
    #expect(table.columnIndex(named: "date") == 0)
    // Split across chunks too, even a byte at a time.
    #expect(try CSVReader.read(bytes: bytes, source: "bom.csv", chunkSize: 1) == table)
}

@Test func blankLinesAreSkippedAnywhereButStillCounted() throws {
    let text = "\n\ndate,sales\n\n2024-01-01,10\n   \n\n2024-01-02,12\n\n\n"
    let table = try parse(text)
    #expect(table.header == ["date", "sales"])
    #expect(table.rowCount == 2)
    #expect(table.rowLines == [5, 8])
}

@Test func aFinalNewlineIsOptional() throws {
    let with = try parse("a,b\n1,2\n3,4\n")
    let without = try parse("a,b\n1,2\n3,4")
    #expect(with == without)
    #expect(without.columns == [["1", "3"], ["2", "4"]])
    let quotedLast = try parse("a,b\n1,\"x\"")
    #expect(quotedLast.columns == [["1"], ["x"]])
}

@Test func headerWithoutDataRowsGivesAnEmptyTable() throws {
    let table = try parse("date,sales\n")
    #expect(table.header == ["date", "sales"])
    #expect(table.rowCount == 0)
    #expect(table.columns == [[], []])
    #expect(try parse("date,sales").rowCount == 0)
}

@Test func emptyHeaderNamesAreNamedByTheirColumnNumber() throws {
    let table = try parse(",sales,\n1,2,3\n")
    #expect(table.header == ["column 1", "sales", "column 3"])
}

// MARK: - Errors

@Test func emptyInputIsBadData() throws {
    for text in ["", "\n\n  \n", "\u{FEFF}", "\r\n"] {
        let error = try #require(parseError(text))
        #expect(error.kind == .badData)
        #expect(error.file == "test.csv")
        #expect(error.line == nil)
        #expect(error.message.contains("is empty"))
    }
}

@Test func duplicateColumnNamesAreBadDataNamingTheNameAndBothColumns() throws {
    let error = try #require(parseError("\nsales,date, sales\n1,2,3\n"))
    #expect(error.kind == .badData)
    #expect(error.line == 2)
    #expect(error.column == 3)
    #expect(error.message.contains("'sales'"))
    #expect(error.message.contains("columns 1 and 3"))
    #expect(error.description.hasPrefix("test.csv, line 2, column 3: "))
}

@Test func rowWithTooManyFieldsIsBadDataAtTheFirstExtraField() throws {
    let error = try #require(parseError("a,b\n1,2\n3,4,5\n6,7\n"))
    #expect(error.kind == .badData)
    #expect(error.line == 3)
    #expect(error.column == 3)
    #expect(error.message.contains("3 fields, but the header has 2"))
}

@Test func rowWithTooFewFieldsIsBadDataWithItsLineAndNoColumn() throws {
    let error = try #require(parseError("a,b,c\n1,2,3\n\n4,5\n"))
    #expect(error.kind == .badData)
    #expect(error.line == 4)
    #expect(error.column == nil)
    #expect(error.message.contains("2 fields, but the header has 3"))
    let single = try #require(parseError("a,b\n1"))
    #expect(single.line == 2)
    #expect(single.message.contains("1 field, but the header has 2"))
}

@Test func fieldCountErrorNamesTheLineWhereAMultiLineRowStarts() throws {
    let error = try #require(parseError("a,b\n\"x\ny\",1,2\n"))
    #expect(error.line == 2)
    #expect(error.column == 3)
}

@Test func textAfterAClosingQuoteIsBadDataAtItsLineAndColumn() throws {
    let error = try #require(parseError("a,b,c\n1,2,3\n4,\"x\ny\"z,6\n"))
    #expect(error.kind == .badData)
    #expect(error.line == 4)   // the z is on the field's second line
    #expect(error.column == 2)
    #expect(error.message.contains("after the closing quote"))
    // Spaces after the closing quote are allowed; a quote after them is not an escape.
    #expect(try parse("a\n\"x\"  \n").columns == [["x"]])
    let afterSpace = try #require(parseError("a,b\n\"x\" \"y\",1\n"))
    #expect(afterSpace.line == 2)
    #expect(afterSpace.column == 1)
}

@Test func unterminatedQuoteIsBadDataWhereTheFieldStarts() throws {
    let error = try #require(parseError("a,b\n1,2\n3,\"never closed\n4,5\n6,7\n"))
    #expect(error.kind == .badData)
    #expect(error.line == 3)
    #expect(error.column == 2)
    #expect(error.message.contains("never closed"))
    let inHeader = try #require(parseError("\"a,b\n"))
    #expect(inHeader.line == 1)
    #expect(inHeader.column == 1)
}

@Test func missingFileIsMissingFile() throws {
    let path = temporaryPath("absent.csv")
    let error = try #require(readError(path: path))
    #expect(error.kind == .missingFile)
    #expect(error.file == path)
    #expect(error.line == nil)
    #expect(error.message.contains("no such file"))
}

@Test func directoryIsMissingFile() throws {
    let path = temporaryPath("directory")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let error = try #require(readError(path: path))
    #expect(error.kind == .missingFile)
    #expect(error.message.contains("directory"))
}

@Test func emptyFileIsBadDataThroughReadPath() throws {
    let path = temporaryPath("empty.csv")
    #expect(FileManager.default.createFile(atPath: path, contents: Data()))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let error = try #require(readError(path: path))
    #expect(error.kind == .badData)
    #expect(error.file == path)
    #expect(error.message.contains("is empty"))
}

// MARK: - Chunk boundaries

/// Every feature at once: BOM, blank lines, CRLF and lone CR, quotes with delimiters, escaped quotes
/// and line ends, trimmed cells, an empty last cell and no final newline.
private let trickyInput = "\u{FEFF}\r\n date ; \"store;name\" ;sales\r\n"
    + "2024-01-01;\"North \"\"A\"\"\";10\r\n\r\n"
    + "2024-01-02;\"two\r\nlines; here\";\"\"\"\"\r"
    + "  2024-01-03 ;plain;\n"
    + "2024-01-04;\"x\";"

@Test func tinyChunksGiveTheSameTableAsOneChunk() throws {
    let whole = try parse(trickyInput)
    #expect(whole.delimiter == ";")
    #expect(whole.header == ["date", "store;name", "sales"])
    #expect(whole.columns == [
        ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"],
        ["North \"A\"", "two\r\nlines; here", "plain", "x"],
        ["10", "\"", "", ""],
    ])
    #expect(whole.rowLines == [3, 5, 7, 8])
    for chunkSize in 1...13 {
        #expect(try parse(trickyInput, chunkSize: chunkSize) == whole, "chunk size \(chunkSize)")
    }
}

@Test func errorsAreTheSameWhateverTheChunkSize() throws {
    let inputs = ["a,b\n1,\"x\"y\n", "a,b\n\n1,\"open\n2,3\n", "a,a\n", "a,b\n1,2,3\n", ""]
    for input in inputs {
        let whole = try #require(parseError(input))
        for chunkSize in [1, 2, 3, 7] {
            #expect(parseError(input, chunkSize: chunkSize) == whole, "\(input.debugDescription), chunk size \(chunkSize)")
        }
    }
}

@Test func readPathWithTinyChunksMatchesReadingBytes() throws {
    let path = temporaryPath("tricky.csv")
    #expect(FileManager.default.createFile(atPath: path, contents: Data(trickyInput.utf8)))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let fromBytes = try CSVReader.read(bytes: Array(trickyInput.utf8), source: path)
    #expect(try CSVReader.read(path: path, chunkSize: 7) == fromBytes)
    #expect(try CSVReader.read(path: path) == fromBytes)
}

@Test func fileLargerThanOneChunkKeepsQuotedFieldsThatStraddleChunkBoundaries() throws {
    // ~3 MiB of CRLF rows `id,"text",value`. Just before each 1 MiB boundary a special row is padded
    // so that the boundary falls exactly between `before` and `after`:
    //   at 1 MiB an escaped quote `""` is split between its two quotes;
    //   at 2 MiB the CRLF inside a quoted cell is split between CR and LF;
    //   at 3 MiB a cell's closing quote ends the chunk and its delimiter starts the next one.
    let chunk = CSVReader.defaultChunkSize
    let splits: [(before: String, after: String, cellTail: String)] = [
        ("he said \"", "\"yes\"\"\"", "he said \"yes\""),
        ("first\r", "\nsecond\"", "first\r\nsecond"),
        ("closing\"", "", "closing"),
    ]
    var text = "id,text,value\r\n"
    var bytes = text.utf8.count
    var line = 2                          // the line the next row starts on
    var specialCells: [Int: String] = [:] // row → its expected text, for the special rows
    var linesAfterSpecial: [Int: Int] = [:] // row → its line, for the rows after special ones
    var row = 0
    while specialCells.count < splits.count || bytes < 3 * chunk + 1_000 {
        let normal = "\(row),\"cell \(row), \"\"quoted\"\"\",\(row % 97)\r\n"
        let boundary = (specialCells.count + 1) * chunk
        if specialCells.count < splits.count, bytes + normal.utf8.count + 100 > boundary {
            let split = splits[specialCells.count]
            let prefix = "\(row),\""
            let filler = String(repeating: "a", count: boundary - bytes - prefix.utf8.count - split.before.utf8.count)
            let special = prefix + filler + split.before + split.after + ",\(row % 97)\r\n"
            specialCells[row] = filler + split.cellTail
            text += special
            bytes += special.utf8.count
            line += special.utf8.filter { $0 == UInt8(ascii: "\n") }.count
            linesAfterSpecial[row + 1] = line
        } else {
            text += normal
            bytes += normal.utf8.count
            line += 1
        }
        row += 1
    }
    let input = Array(text.utf8)
    // The bytes on either side of each boundary are the intended ones.
    #expect(input[chunk - 1] == UInt8(ascii: "\"") && input[chunk] == UInt8(ascii: "\""))
    #expect(input[2 * chunk - 1] == UInt8(ascii: "\r") && input[2 * chunk] == UInt8(ascii: "\n"))
    #expect(input[3 * chunk - 1] == UInt8(ascii: "\"") && input[3 * chunk] == UInt8(ascii: ","))

    let path = temporaryPath("large.csv")
    #expect(FileManager.default.createFile(atPath: path, contents: Data(input)))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let table = try CSVReader.read(path: path)

    #expect(table.header == ["id", "text", "value"])
    #expect(table.rowCount == row)
    #expect(table.columns.allSatisfy { $0.count == row })
    #expect(specialCells.count == 3)
    for (special, expected) in specialCells {
        #expect(table.columns[0][special] == "\(special)")
        #expect(table.columns[1][special] == expected)
        #expect(table.columns[2][special] == "\(special % 97)")
    }
    for (after, expected) in linesAfterSpecial {
        #expect(table.rowLines[after] == expected, "row \(after)")
    }
    for sample in [0, 1, row / 2, row - 1] where specialCells[sample] == nil {
        #expect(table.columns[0][sample] == "\(sample)")
        #expect(table.columns[1][sample] == "cell \(sample), \"quoted\"")
        #expect(table.columns[2][sample] == "\(sample % 97)")
    }
    #expect(table.rowLines.last == line - 1)
}
