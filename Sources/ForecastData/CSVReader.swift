// Streaming CSV reading: bytes in chunks → a header and the bytes of each cell, handed to a sink
// (the table of every cell's text, or a loader that keeps only numbers).
//
// One incremental byte parser (`CSVParser`) serves files, standard input and in-memory bytes. It is fed
// chunk by chunk; a record, a field, a quoted newline or a CRLF may straddle any chunk boundary.

import Foundation

/// A CSV file read into columns of raw cell text, with where each row came from.
///
/// Layout: `columns[c][r]` is the text of data row `r` in column `c`; every column has `rowCount`
/// cells, and `rowLines[r]` is the physical line of the file on which row `r` starts, for messages.
public struct CSVTable: Equatable, Sendable {
    /// The file as the caller named it, for messages; `-` means standard input.
    public var source: String
    /// The delimiter detected from the header line: `,`, `;` or a tab.
    public var delimiter: Character
    /// The column names, byte-order mark stripped and whitespace-trimmed; an empty name becomes `column N`.
    public var header: [String]
    /// `columns[c][r]`: the text of data row `r` in column `c`, quotes removed and `""` unescaped;
    /// unquoted cells are trimmed of spaces and tabs, quoted cells are kept exactly.
    public var columns: [[String]]
    /// `rowLines[r]`: the 1-based physical line on which data row `r` starts (blank lines and the
    /// newlines inside quoted cells are counted).
    public var rowLines: [Int]

    /// Creates a table from its parts; `columns` holds one array per header name, each `rowLines.count` long.
    public init(source: String, delimiter: Character, header: [String], columns: [[String]], rowLines: [Int]) {
        self.source = source
        self.delimiter = delimiter
        self.header = header
        self.columns = columns
        self.rowLines = rowLines
    }

    /// The number of data rows (the header is not counted).
    public var rowCount: Int { rowLines.count }

    /// The index of the first column called `name` (compared exactly, after trimming), or `nil`.
    public func columnIndex(named name: String) -> Int? {
        header.firstIndex(of: name)
    }
}

/// Reads CSV files: RFC 4180 quoting, a detected delimiter, one header line, then data rows.
///
/// - The delimiter is whichever of `,` `;` and tab occurs most often outside quotes in the header
///   line; with a tie or none of them, `,`.
/// - A UTF-8 byte-order mark at the start is skipped; lines end with LF, CRLF or a lone CR; blank
///   lines are skipped wherever they are, but still counted in line numbers.
/// - A field that starts with `"` runs to the closing quote; inside it `""` is a quote and delimiters
///   and line ends are literal. Only spaces or tabs may follow the closing quote before the next
///   delimiter.
/// - Every data row must have as many fields as the header. A header without data rows is not an
///   error here: the table has `rowCount == 0`.
///
/// Failures are ``DataError``s: `.missingFile` when the file cannot be opened or read, `.badData`
/// with the line and (where it helps) the 1-based field number when the contents are malformed.
public enum CSVReader {
    /// The size of each read from a file or standard input: 1 MiB.
    public static let defaultChunkSize = 1 << 20

    /// Reads the CSV file at `path`, or standard input when `path` is `-`.
    ///
    /// The file is read once, in chunks of `chunkSize` bytes, so that only the cells (and not the
    /// file's bytes) are held in memory: files of millions of rows are fine.
    public static func read(path: String, chunkSize: Int = defaultChunkSize) throws(DataError) -> CSVTable {
        var parser = CSVParser(source: path, sink: TableSink())
        try stream(path: path, into: &parser, chunkSize: chunkSize)
        return try parser.finishTable()
    }

    /// Streams the file at `path` (or standard input for `-`) through `sink`, record by record,
    /// without holding the file or its cells: what a large table's loader uses.
    static func stream<Sink: CSVRecordSink>(path: String, into sink: inout Sink, chunkSize: Int = defaultChunkSize) throws(DataError) {
        var parser = CSVParser(source: path, sink: sink)
        sink = Sink.placeholder
        defer { sink = parser.sink }
        try stream(path: path, into: &parser, chunkSize: chunkSize)
        try parser.finish()
    }

    /// Streams in-memory bytes through `sink` (tests, and data that arrives whole).
    static func stream<Sink: CSVRecordSink>(bytes: [UInt8], source: String, into sink: inout Sink, chunkSize: Int = defaultChunkSize) throws(DataError) {
        var parser = CSVParser(source: source, sink: sink)
        sink = Sink.placeholder
        defer { sink = parser.sink }
        try feed(bytes, to: &parser, chunkSize: chunkSize)
        try parser.finish()
    }

    private static func stream<Sink: CSVRecordSink>(path: String, into parser: inout CSVParser<Sink>, chunkSize: Int) throws(DataError) {
        let handle: FileHandle
        if path == "-" {
            handle = FileHandle.standardInput
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw DataError(.missingFile, file: path, "no such file")
            }
            guard !isDirectory.boolValue else {
                throw DataError(.missingFile, file: path, "is a directory, not a CSV file")
            }
            guard let opened = FileHandle(forReadingAtPath: path) else {
                throw DataError(.missingFile, file: path, "cannot be opened for reading (check its permissions)")
            }
            handle = opened
        }
        defer { if path != "-" { try? handle.close() } }
        let size = max(1, chunkSize)
        while true {
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: size)
            } catch {
                throw DataError(.missingFile, file: path, "cannot be read: \(error.localizedDescription)")
            }
            guard let chunk, !chunk.isEmpty else { break }
            // `Data.withUnsafeBytes` rethrows untyped errors, so the parser's error is carried out as a value.
            let failure = chunk.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> DataError? in
                do throws(DataError) {
                    try parser.feed(raw.assumingMemoryBound(to: UInt8.self))
                    return nil
                } catch {
                    return error
                }
            }
            if let failure { throw failure }
        }
    }

    /// Reads CSV text already in memory; `source` names it in errors.
    ///
    /// The bytes go through the same incremental parser as files, `chunkSize` bytes at a time (tests
    /// use tiny chunks to exercise records that straddle chunk boundaries).
    public static func read(bytes: [UInt8], source: String, chunkSize: Int = defaultChunkSize) throws(DataError) -> CSVTable {
        var parser = CSVParser(source: source, sink: TableSink())
        try feed(bytes, to: &parser, chunkSize: chunkSize)
        return try parser.finishTable()
    }

    private static func feed<Sink: CSVRecordSink>(_ bytes: [UInt8], to parser: inout CSVParser<Sink>, chunkSize: Int) throws(DataError) {
        let size = max(1, chunkSize)
        try bytes.withUnsafeBufferPointer { (all: UnsafeBufferPointer<UInt8>) throws(DataError) in
            var start = 0
            while start < all.count {
                let end = min(start + size, all.count)
                try parser.feed(UnsafeBufferPointer(rebasing: all[start..<end]))
                start = end
            }
        }
    }
}

// MARK: - Where records go

/// Receives a CSV file's header and cells as the parser reads them, so a loader can keep what it
/// needs (numbers, ids) instead of every cell's text.
protocol CSVRecordSink {
    /// An empty sink, left in the caller's variable while the parser owns the real one.
    static var placeholder: Self { get }
    /// The column names (trimmed, empty ones named `column N`, no duplicates), before any cell.
    mutating func header(_ names: [String], source: String) throws(DataError)
    /// The UTF-8 bytes of field `column` of the record that starts on `line`: quotes removed and
    /// `""` unescaped, an unquoted field trimmed of spaces and tabs. The bytes are valid only
    /// during the call (they usually point into the chunk being parsed).
    mutating func cell(_ bytes: UnsafeBufferPointer<UInt8>, column: Int, line: Int) throws(DataError)
    /// The record that starts on `line` is complete, with one cell for every column.
    mutating func endRecord(line: Int) throws(DataError)
}

/// Keeps every cell's text, column by column: a ``CSVTable``.
struct TableSink: CSVRecordSink {
    var header: [String] = []
    var columns: [[String]] = []
    var rowLines: [Int] = []

    static var placeholder: TableSink { TableSink() }

    mutating func header(_ names: [String], source: String) throws(DataError) {
        header = names
        columns = Array(repeating: [], count: names.count)
    }

    mutating func cell(_ bytes: UnsafeBufferPointer<UInt8>, column: Int, line: Int) throws(DataError) {
        columns[column].append(String(decoding: bytes, as: UTF8.self))
    }

    mutating func endRecord(line: Int) throws(DataError) {
        rowLines.append(line)
    }
}

// MARK: - The incremental parser

private let lineFeed: UInt8 = 0x0A
private let carriageReturn: UInt8 = 0x0D
private let space: UInt8 = 0x20
private let tab: UInt8 = 0x09
private let quote: UInt8 = 0x22
private let comma: UInt8 = 0x2C
private let semicolon: UInt8 = 0x3B
private let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
/// The bytes of an empty field.
private var emptyField: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: nil, count: 0) }

/// A CSV state machine fed one chunk of bytes at a time, then `finish()`ed.
///
/// Two stages. Until the header line is complete, bytes are only buffered and scanned (quote-aware)
/// to find where the header ends, so the delimiter can be chosen from it; the buffer is then parsed
/// like any other chunk and dropped. From then on each chunk is parsed directly: unquoted fields are
/// scanned in place and handed to the sink as bytes of the chunk unless they straddle its end.
struct CSVParser<Sink: CSVRecordSink> {
    enum State {
        /// Before the first byte of a field (leading spaces and tabs are skipped here).
        case fieldStart
        /// Inside an unquoted field.
        case unquoted
        /// Inside a quoted field.
        case quoted
        /// Inside a quoted field, just after a CR (a following LF belongs to the same line end).
        case quotedAfterCarriageReturn
        /// Just after a quote inside a quoted field: `"` again is an escaped quote, anything else closes it.
        case afterQuote
        /// After a closed quoted field and some spaces: only more spaces, a delimiter or a line end may follow.
        case afterQuotedField
        /// Just after a CR that ended a record: a following LF is part of the same line end.
        case afterCarriageReturn
    }

    let source: String

    // Stage one: buffering the header line to detect the delimiter.
    private var delimiter: UInt8?
    private var pending: [UInt8] = []
    private var scanIndex = 0
    private var scanInQuotes = false
    private var scanLineHasContent = false
    private var checkedByteOrderMark = false
    private var candidateCounts = (comma: 0, semicolon: 0, tab: 0)

    // Stage two: parsing.
    private var state = State.fieldStart
    /// Bytes of the current field gathered so far, when it straddles chunks or is quoted.
    private var fieldBytes: [UInt8] = []
    /// 0-based number of the current field in its record.
    private var fieldIndex = 0
    private var line = 1
    private var recordLine = 1
    private var fieldStartLine = 1
    /// Fields beyond the header's count seen in the current record (reported at its end).
    private var extraFields = 0
    /// Bytes fed so far, against ``InputLimits/csvBytes``.
    private var bytesRead = 0
    /// Records completed so far, against ``InputLimits/csvCells``.
    private var records = 0

    private var header: [String]?
    private var headerFields: [String] = []
    /// Where the header and the cells go.
    private(set) var sink: Sink

    init(source: String, sink: Sink) {
        self.source = source
        self.sink = sink
        fieldBytes.reserveCapacity(64)
    }

    /// Parses the next chunk of the input.
    mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>) throws(DataError) {
        bytesRead += chunk.count
        if bytesRead > InputLimits.csvBytes {
            throw DataError(.badData, file: source, line: line, "is larger than \(InputLimits.csvBytes >> 30) GiB, the most a CSV may hold")
        }
        if delimiter != nil {
            try parse(chunk)
            return
        }
        pending.append(contentsOf: chunk)
        guard scanForHeaderEnd(atEndOfInput: false) else {
            if pending.count > InputLimits.csvHeaderBytes {
                throw DataError(.badData, file: source, line: 1, "the header line is longer than \(InputLimits.csvHeaderBytes >> 20) MiB (is this a CSV file?)")
            }
            return
        }
        try parsePending()
    }

    /// Ends the input: completes the last record.
    mutating func finish() throws(DataError) {
        if delimiter == nil {
            _ = scanForHeaderEnd(atEndOfInput: true)
            try parsePending()
        }
        switch state {
        case .quoted, .quotedAfterCarriageReturn:
            throw DataError(.badData, file: source, line: fieldStartLine, column: fieldIndex + 1,
                            "the quoted field starting here is never closed (a \" is missing)")
        case .unquoted:
            try endGatheredField(quoted: false, endsRecord: true)
        case .afterQuote, .afterQuotedField:
            try endGatheredField(quoted: true, endsRecord: true)
        case .fieldStart:
            // After a delimiter, the record's last field is empty; at the start of a line, nothing is pending.
            if fieldIndex > 0 { try endField(emptyField, quoted: false, endsRecord: true) }
        case .afterCarriageReturn:
            break
        }
        guard header != nil else {
            throw DataError(.badData, file: source, "is empty: no header line with column names")
        }
    }

    /// The delimiter chosen from the header line.
    var delimiterCharacter: Character {
        switch delimiter {
        case semicolon: ";"
        case tab: "\t"
        default: ","
        }
    }

    // MARK: Stage one: the header line and the delimiter

    /// Scans `pending` for the end of the first non-blank line outside quotes, counting candidate
    /// delimiters on it; on finding it (or at the end of input) sets `delimiter` and returns true.
    private mutating func scanForHeaderEnd(atEndOfInput: Bool) -> Bool {
        if !checkedByteOrderMark {
            // The byte-order mark must be whole before it can be recognised (and must not count as
            // content); only one is skipped, however the input is split into chunks.
            if pending.count < byteOrderMark.count && !atEndOfInput { return false }
            if pending.starts(with: byteOrderMark) { pending.removeFirst(byteOrderMark.count) }
            checkedByteOrderMark = true
        }
        var found = false
        while scanIndex < pending.count {
            let byte = pending[scanIndex]
            scanIndex += 1
            if byte == quote {
                scanInQuotes.toggle()
                scanLineHasContent = true
            } else if scanInQuotes {
                continue
            } else if byte == lineFeed || byte == carriageReturn {
                if scanLineHasContent { found = true; break }
            } else if byte != space {
                scanLineHasContent = true
                if byte == comma { candidateCounts.comma += 1 }
                else if byte == semicolon { candidateCounts.semicolon += 1 }
                else if byte == tab { candidateCounts.tab += 1 }
            }
        }
        guard found || atEndOfInput else { return false }
        let (commas, semicolons, tabs) = candidateCounts
        if semicolons > commas && semicolons > tabs {
            delimiter = semicolon
        } else if tabs > commas && tabs > semicolons {
            delimiter = tab
        } else {
            delimiter = comma
        }
        return true
    }

    /// Parses the bytes buffered while the header line was being found, then drops them.
    private mutating func parsePending() throws(DataError) {
        let buffered = pending
        pending = []
        try buffered.withUnsafeBufferPointer { (bytes: UnsafeBufferPointer<UInt8>) throws(DataError) in
            try parse(bytes)
        }
    }

    // MARK: Stage two: fields and records

    /// The hot loop: walks `chunk` once, byte by byte, through the state machine.
    private mutating func parse(_ chunk: UnsafeBufferPointer<UInt8>) throws(DataError) {
        guard let delimiter else { return }
        let count = chunk.count
        var i = 0
        while i < count {
            switch state {
            case .fieldStart:
                let byte = chunk[i]
                if byte == space || (byte == tab && delimiter != tab) {
                    i += 1
                } else if byte == quote {
                    state = .quoted
                    fieldStartLine = line
                    i += 1
                } else if byte == delimiter {
                    try endField(emptyField, quoted: false, endsRecord: false)
                    i += 1
                } else if byte == lineFeed || byte == carriageReturn {
                    try endField(emptyField, quoted: false, endsRecord: true)
                    endLine(with: byte)
                    i += 1
                } else {
                    state = .unquoted   // this byte is the field's first; scanned below
                }

            case .unquoted:
                let start = i
                while i < count {
                    let byte = chunk[i]
                    if byte == delimiter || byte == lineFeed || byte == carriageReturn { break }
                    i += 1
                }
                if i == count {
                    fieldBytes.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[start..<i]))
                    try checkFieldLength()
                    break
                }
                if fieldBytes.count + (i - start) > InputLimits.csvFieldBytes {
                    fieldBytes.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[start..<i]))
                    try checkFieldLength()
                }
                let terminator = chunk[i]
                if fieldBytes.isEmpty {
                    // The common case: the whole field lies in this chunk and goes to the sink in place.
                    var end = i
                    while end > start && (chunk[end - 1] == space || chunk[end - 1] == tab) { end -= 1 }
                    try endField(UnsafeBufferPointer(rebasing: chunk[start..<end]), quoted: false, endsRecord: terminator != delimiter)
                } else {
                    fieldBytes.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[start..<i]))
                    try endGatheredField(quoted: false, endsRecord: terminator != delimiter)
                }
                i += 1
                if terminator != delimiter { endLine(with: terminator) }

            case .quoted:
                let start = i
                while i < count {
                    let byte = chunk[i]
                    if byte == quote || byte == lineFeed || byte == carriageReturn { break }
                    i += 1
                }
                fieldBytes.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[start..<i]))
                try checkFieldLength()
                if i == count { break }
                let byte = chunk[i]
                i += 1
                if byte == quote {
                    state = .afterQuote
                } else {
                    // A line end inside quotes is part of the value, but still a new physical line.
                    fieldBytes.append(byte)
                    line += 1
                    if byte == carriageReturn { state = .quotedAfterCarriageReturn }
                }

            case .quotedAfterCarriageReturn:
                if chunk[i] == lineFeed {
                    fieldBytes.append(lineFeed)
                    i += 1
                }
                state = .quoted

            case .afterQuote, .afterQuotedField:
                let byte = chunk[i]
                if byte == quote && state == .afterQuote {
                    fieldBytes.append(quote)
                    state = .quoted
                    i += 1
                } else if byte == space || (byte == tab && delimiter != tab) {
                    state = .afterQuotedField
                    i += 1
                } else if byte == delimiter || byte == lineFeed || byte == carriageReturn {
                    i += 1
                    try endGatheredField(quoted: true, endsRecord: byte != delimiter)
                    if byte != delimiter { endLine(with: byte) }
                } else {
                    throw DataError(.badData, file: source, line: line, column: fieldIndex + 1,
                                    "text after the closing quote of a quoted field; a quote inside quotes is written \"\"")
                }

            case .afterCarriageReturn:
                if chunk[i] == lineFeed { i += 1 }
                state = .fieldStart
            }
        }
    }

    /// Refuses a field longer than ``InputLimits/csvFieldBytes``.
    private func checkFieldLength() throws(DataError) {
        if fieldBytes.count > InputLimits.csvFieldBytes {
            throw DataError(.badData, file: source, line: state == .unquoted ? line : fieldStartLine, column: fieldIndex + 1,
                            "a field longer than \(InputLimits.csvFieldBytes >> 20) MiB (an unclosed quote, or not a CSV file?)")
        }
    }

    /// Ends the field whose bytes were gathered in `fieldBytes` (quoted, or straddling chunks); an
    /// unquoted one loses its trailing spaces and tabs.
    private mutating func endGatheredField(quoted: Bool, endsRecord: Bool) throws(DataError) {
        // Moved out of `self` for the call, so the sink can be handed a pointer into it; moved back
        // afterwards to keep its capacity.
        var gathered: [UInt8] = []
        swap(&gathered, &fieldBytes)
        try gathered.withUnsafeBufferPointer { (bytes: UnsafeBufferPointer<UInt8>) throws(DataError) in
            var end = bytes.count
            if !quoted {
                while end > 0 && (bytes[end - 1] == space || bytes[end - 1] == tab) { end -= 1 }
            }
            try endField(UnsafeBufferPointer(rebasing: bytes[..<end]), quoted: quoted, endsRecord: endsRecord)
        }
        gathered.removeAll(keepingCapacity: true)
        swap(&gathered, &fieldBytes)
    }

    /// Counts the line end `byte` (a CR may be followed by an LF that belongs to it).
    private mutating func endLine(with byte: UInt8) {
        line += 1
        recordLine = line
        state = byte == carriageReturn ? .afterCarriageReturn : .fieldStart
    }

    /// Hands a finished field to the sink (or the header), and checks the record when it is the last one.
    private mutating func endField(_ value: UnsafeBufferPointer<UInt8>, quoted: Bool, endsRecord: Bool) throws(DataError) {
        if !fieldBytes.isEmpty { fieldBytes.removeAll(keepingCapacity: true) }
        state = .fieldStart
        // A record of one empty, unquoted field is a blank line: skipped, whatever the header.
        if fieldIndex == 0 && endsRecord && !quoted && value.isEmpty { return }

        guard let header else {
            headerFields.append(String(decoding: value, as: UTF8.self))
            if endsRecord {
                try takeHeader()
                fieldIndex = 0
            } else {
                fieldIndex += 1
            }
            return
        }

        if fieldIndex < header.count {
            if fieldIndex == 0 && (records + 1) * header.count > InputLimits.csvCells {
                throw DataError(.badData, file: source, line: recordLine, "has more than \(InputLimits.csvCells / 1_000_000) million cells, the most a CSV may hold")
            }
            try sink.cell(value, column: fieldIndex, line: recordLine)
        } else {
            extraFields += 1
        }
        fieldIndex += 1
        guard endsRecord else { return }
        if fieldIndex != header.count {
            let fields = fieldIndex
            throw DataError(.badData, file: source, line: recordLine,
                            column: extraFields > 0 ? header.count + 1 : nil,
                            "\(fields) field\(fields == 1 ? "" : "s"), but the header has \(header.count)")
        }
        fieldIndex = 0
        records += 1
        try sink.endRecord(line: recordLine)
    }

    /// Turns the fields of the first record into the header: names empty ones, rejects duplicates.
    private mutating func takeHeader() throws(DataError) {
        var names: [String] = []
        var firstColumn: [String: Int] = [:]
        for (index, field) in headerFields.enumerated() {
            // Unquoted names are trimmed already; quoted ones are trimmed here, as names, not cells.
            let trimmed = field.trimmingCharacters(in: .whitespaces)
            let name = trimmed.isEmpty ? "column \(index + 1)" : trimmed
            if let earlier = firstColumn[name] {
                throw DataError(.badData, file: source, line: recordLine, column: index + 1,
                                "the column name '\(name)' appears twice, in columns \(earlier) and \(index + 1)")
            }
            firstColumn[name] = index + 1
            names.append(name)
        }
        header = names
        headerFields = []
        try sink.header(names, source: source)
    }
}

extension CSVParser where Sink == TableSink {
    /// Ends the input and returns the table of every cell.
    mutating func finishTable() throws(DataError) -> CSVTable {
        try finish()
        return CSVTable(source: source, delimiter: delimiterCharacter, header: sink.header,
                        columns: sink.columns, rowLines: sink.rowLines)
    }
}
