/// Which columns of a table make the series, and how to treat missing values.
public struct SeriesOptions: Sendable {
    /// The target column; nil for the only numeric column.
    public var target: String?
    /// The time column; nil to detect one (a column whose every value is a date).
    public var time: String?
    /// The column naming each row's series in a long table of many series; nil to detect one by
    /// its name (`unique_id`, `series_id`, `series` or `id`). Without one the table is one series.
    public var id: String?
    /// Whether a column named like an id is taken as the series column when ``id`` is nil.
    public var detectsID = true
    /// The target when ``target`` is nil and the table has a column of this name (a model's target).
    public var preferredTarget: String?
    /// The id column when ``id`` is nil and the table has a column of this name (a model's id column).
    public var preferredID: String?

    /// These options with the preferred target and id taken where the header has them.
    func resolved(header: [String]) -> SeriesOptions {
        var options = self
        if options.target == nil, let name = preferredTarget, header.contains(name) { options.target = name }
        if options.id == nil, let name = preferredID, header.contains(name) { options.id = name }
        return options
    }
    /// Extra numeric input columns, read over the lookback window.
    public var features: [String]
    /// Columns holding per-series properties, constant within each series (numbers or labels).
    public var staticFeatures: [String] = []
    /// The columns that are neither time nor target candidates: the features and the statics.
    var namedColumns: [String] { features + staticFeatures }
    /// What to do with missing values.
    public var missing: MissingValuePolicy

    /// Creates options.
    public init(target: String? = nil, time: String? = nil, features: [String] = [], missing: MissingValuePolicy = .interpolate,
                id: String? = nil) {
        self.id = id
        self.target = target
        self.time = time
        self.features = features
        self.missing = missing
    }
}

/// Turns a ``CSVTable`` into a ``TimeSeries``: chooses the columns, parses numbers and times,
/// checks the order of the timestamps, infers the frequency, fills gaps and missing values.
public enum SeriesLoader {
    /// Reads the file at `path` (`-` for standard input) into a series.
    ///
    /// - Returns: the series and warnings for the user (missing values filled, gaps, constant columns…).
    /// - Throws: ``DataError`` naming the file and, where known, the line and column.
    public static func load(path: String, options: SeriesOptions) throws(DataError) -> (series: TimeSeries, warnings: [String]) {
        try load(CSVReader.read(path: path), options: options)
    }

    /// Builds a series from a table already read.
    public static func load(_ table: CSVTable, options: SeriesOptions) throws(DataError) -> (series: TimeSeries, warnings: [String]) {
        let file = table.source
        let options = options.resolved(header: table.header)
        guard table.rowCount > 0 else {
            throw DataError(.badData, file: file, "has a header but no data rows")
        }
        var warnings: [String] = []
        let columnList = table.header.map { "'\($0)'" }.joined(separator: ", ")
        func index(of name: String, role: String) throws(DataError) -> Int {
            guard let index = table.columnIndex(named: name) else {
                throw DataError(.usage, file: file, "no \(role) column '\(name)'; the columns are \(columnList)")
            }
            return index
        }

        // The time column: given, or the first column whose every value is a date.
        var timeIndex: Int?
        if let name = options.time {
            timeIndex = try index(of: name, role: "time")
        } else {
            let taken = Set([options.target].compactMap { $0 } + options.namedColumns)
            timeIndex = table.header.indices.first { column in
                !taken.contains(table.header[column]) && looksLikeTime(table.columns[column], name: table.header[column])
            }
        }

        // The target: given, or the only numeric column left.
        let targetIndex: Int
        if let name = options.target {
            targetIndex = try index(of: name, role: "target")
        } else {
            let free = table.header.indices.filter { column in
                column != timeIndex && !options.namedColumns.contains(table.header[column])
            }
            // With one column left it is the target, numeric or not (its bad cells are then reported
            // with their line); otherwise the only numeric one.
            let candidates = free.count == 1 ? free : free.filter { isNumeric(table.columns[$0]) }
            guard let only = candidates.first else {
                throw DataError(.usage, file: file, "has no numeric column to forecast; the columns are \(columnList)")
            }
            guard candidates.count == 1 else {
                throw DataError(.usage, file: file, "has several numeric columns; choose one with --target: \(candidates.map { "'\(table.header[$0])'" }.joined(separator: ", "))")
            }
            targetIndex = only
        }
        if targetIndex == timeIndex {
            throw DataError(.usage, file: file, "column '\(table.header[targetIndex])' cannot be both the time and the target")
        }
        var featureIndices: [Int] = []
        for name in options.features {
            let column = try index(of: name, role: "feature")
            guard column != targetIndex, column != timeIndex, !featureIndices.contains(column) else {
                throw DataError(.usage, file: file, "feature '\(name)' is already the target, the time column or another feature")
            }
            featureIndices.append(column)
        }

        // Numbers, with NaN for missing cells.
        let selected = [targetIndex] + featureIndices
        var columns: [[Double]] = []
        for column in selected {
            columns.append(try numbers(table, column: column))
        }

        // Time: parse, check order, infer the frequency, insert the points a regular series lacks.
        var rowLines = table.rowLines
        var axis: TimeAxis?
        if let timeIndex {
            axis = try timeAxis(table, column: timeIndex)
            if let inserted = try insertGaps(axis: &axis!, columns: &columns, rowLines: &rowLines, policy: options.missing, file: file) {
                warnings.append("\(file): the \(axis!.frequency!.name) series lacks \(inserted.points) point\(inserted.points == 1 ? "" : "s") in \(inserted.gaps) gap\(inserted.gaps == 1 ? "" : "s") (the first after line \(inserted.firstLine)); "
                                + (options.missing == .drop ? "left out" : "filled by \(describe(options.missing))"))
            }
        }

        // Missing values, per the policy.
        for (position, column) in selected.enumerated() {
            let missing = columns[position].indices.filter { columns[position][$0].isNaN }
            if missing.count == columns[position].count {
                throw DataError(.badData, file: file, "column '\(table.header[column])' has no values")
            }
            guard let first = missing.first else { continue }
            let lines = missing.prefix(5).map { rowLines[$0] < 0 ? "a gap after line \(-rowLines[$0])" : "line \(rowLines[$0])" }
            let listed = lines.joined(separator: ", ") + (missing.count > 5 ? ", …" : "")
            switch options.missing {
            case .error:
                if rowLines[first] < 0 {
                    throw DataError(.badData, file: file, "the series lacks a point after line \(-rowLines[first]) (--missing error)")
                }
                throw DataError(.badData, file: file, line: rowLines[first], column: column + 1, "missing value in column '\(table.header[column])' (--missing error)")
            case .drop:
                warnings.append("\(file): \(missing.count) missing value\(missing.count == 1 ? "" : "s") in '\(table.header[column])' (\(listed)); rows dropped")
            case .interpolate, .ffill:
                columns[position] = fillMissing(columns[position], policy: options.missing)
                warnings.append("\(file): \(missing.count) missing value\(missing.count == 1 ? "" : "s") in '\(table.header[column])' (\(listed)) filled by \(describe(options.missing))")
            }
        }
        if options.missing == .drop {
            let keep = columns[0].indices.filter { row in columns.allSatisfy { !$0[row].isNaN } }
            if keep.count < columns[0].count {
                columns = columns.map { column in keep.map { column[$0] } }
                if axis != nil { axis!.timestamps = keep.map { axis!.timestamps[$0] } }
            }
        }
        let series = TimeSeries(source: file, targetName: table.header[targetIndex],
                                featureNames: featureIndices.map { table.header[$0] }, columns: columns, time: axis)
        return (series, warnings)
    }

    static func describe(_ policy: MissingValuePolicy) -> String {
        switch policy {
        case .interpolate: "linear interpolation"
        case .ffill: "carrying the last value forward"
        case .drop: "dropping rows"
        case .error: "nothing"
        }
    }

    /// Every non-missing cell is a number (finite or not), and there is at least one.
    static func isNumeric(_ cells: [String]) -> Bool {
        var any = false
        for cell in cells where !isMissingCell(cell) {
            guard let value = Double(cell), !value.isNaN, !cell.contains(where: { $0 == "x" || $0 == "X" }) else { return false }
            any = true
        }
        return any
    }

    /// Whether the column is the time column: its cells are dates (at least 90% of them, so that a
    /// bad or empty cell is reported where it is rather than the time axis silently lost), or its
    /// name is a time word and most cells are dates. Plain years (`1949`) count only under a time word.
    static func looksLikeTime(_ cells: [String], name: String) -> Bool {
        guard !cells.isEmpty else { return false }
        let timeName = isTimeName(name)
        // Integer steps (1, 2, …) under a time word, as the M4 data's `ds`: a time column, not a feature.
        if timeName && TimeParser.isStepColumn(cells.lazy.filter { !isMissingCell($0) }) { return true }
        var dates = 0, plainYears = 0
        for cell in cells {
            guard let (_, format) = TimeParser.parse(cell) else { continue }
            dates += 1
            if format == .year { plainYears += 1 }
        }
        if dates == 0 || (plainYears == dates && !timeName) { return false }
        return Double(dates) >= (timeName ? 0.5 : 0.9) * Double(cells.count)
    }

    /// Whether a column's name is a word for time (`date`, `ds`, `timestamp`, `month`…).
    static func isTimeName(_ name: String) -> Bool {
        let words = Set(name.lowercased().split { !$0.isLetter }.map(String.init))
        return !words.isDisjoint(with: ["date", "time", "year", "period", "ds", "timestamp", "month", "day", "datetime", "step"])
    }

    /// Reads a time cell of a column that holds integer steps (`steps`) or dates.
    static func parseTime(_ cell: String, steps: Bool) -> (Timestamp, TimeFormat)? {
        if steps { return TimeParser.parseStep(cell).map { ($0, .step) } }
        return TimeParser.parse(cell)
    }

    /// What a time column's cells must look like, for messages.
    static func timeExpectation(steps: Bool) -> String {
        steps ? "an integer step" : "a date (ISO 8601, YYYY-MM or YYYY)"
    }

    /// The step inferred from `timestamps`, counted in steps when the column holds integer steps.
    static func inferFrequency(_ timestamps: [Timestamp], format: TimeFormat) -> FrequencyInference {
        var inference = FrequencyInference.infer(timestamps)
        if format == .step, let frequency = inference.frequency {
            inference.frequency = Frequency(unit: .step, step: frequency.step)
        }
        return inference
    }

    /// A cell as a number: nil when it is a missing value.
    ///
    /// - Throws: ``DataError`` (bad data) naming `line` and `column` when it is neither.
    @inline(__always)
    static func number(_ cell: String, name: String, file: String, line: Int, column: Int) throws(DataError) -> Double? {
        if let value = Double(cell), value.isFinite, !cell.utf8.contains(where: { $0 == 0x78 || $0 == 0x58 }) { return value }
        if isMissingCell(cell) { return nil }
        // Double(_:) also reads hexadecimal (0x1A) and signed NaNs; neither is a number in a data file.
        guard let value = Double(cell), !value.isNaN, !cell.contains(where: { $0 == "x" || $0 == "X" }) else {
            throw DataError(.badData, file: file, line: line, column: column, "'\(cell)' in column '\(name)' is not a number")
        }
        _ = value
        throw DataError(.badData, file: file, line: line, column: column, "'\(cell)' in column '\(name)' is infinite")
    }

    /// A cell given as UTF-8 bytes as a number, exactly as ``number(_:name:file:line:column:)``
    /// reads its text; plain decimals are read in place, anything else through the text.
    @inline(__always)
    static func number(utf8 cell: UnsafeBufferPointer<UInt8>, name: String, file: String, line: Int, column: Int) throws(DataError) -> Double? {
        if let value = PlainDecimal.value(cell) { return value }
        return try number(String(decoding: cell, as: UTF8.self), name: name, file: file, line: line, column: column)
    }

    private static func numbers(_ table: CSVTable, column: Int) throws(DataError) -> [Double] {
        let name = table.header[column]
        var values = [Double](repeating: .nan, count: table.rowCount)
        for (row, cell) in table.columns[column].enumerated() {
            if let value = try number(cell, name: name, file: table.source, line: table.rowLines[row], column: column + 1) {
                values[row] = value
            }
        }
        return values
    }

    private static func timeAxis(_ table: CSVTable, column: Int) throws(DataError) -> TimeAxis {
        let name = table.header[column]
        var timestamps: [Timestamp] = []
        var format: TimeFormat?
        timestamps.reserveCapacity(table.rowCount)
        let steps = TimeParser.isStepColumn(table.columns[column].lazy.filter { !isMissingCell($0) })
        for (row, cell) in table.columns[column].enumerated() {
            guard let (timestamp, cellFormat) = parseTime(cell, steps: steps) else {
                throw DataError(.badData, file: table.source, line: table.rowLines[row], column: column + 1,
                                "'\(cell)' in time column '\(name)' is not \(timeExpectation(steps: steps))")
            }
            if format == nil { format = cellFormat }
            if row > 0 {
                let previous = timestamps[row - 1]
                if timestamp == previous {
                    throw DataError(.badData, file: table.source, line: table.rowLines[row], column: column + 1,
                                    "duplicate timestamp '\(cell)' (also on line \(table.rowLines[row - 1]))")
                }
                if timestamp < previous {
                    throw DataError(.badData, file: table.source, line: table.rowLines[row], column: column + 1,
                                    "timestamps are not in order: '\(cell)' comes after '\(table.columns[column][row - 1])' on line \(table.rowLines[row - 1]); sort the file by '\(name)'")
                }
            }
            timestamps.append(timestamp)
        }
        let inference = inferFrequency(timestamps, format: format!)
        return TimeAxis(name: name, timestamps: timestamps, format: format!, frequency: inference.frequency,
                        monthEnd: inference.monthEnd)
    }

    /// Inserts NaN points where a regular series lacks them (their line is stored as −(line before)).
    static func insertGaps(axis: inout TimeAxis, columns: inout [[Double]], rowLines: inout [Int], policy: MissingValuePolicy,
                           file: String, inference known: FrequencyInference? = nil) throws(DataError) -> (gaps: Int, points: Int, firstLine: Int)? {
        let inference = known ?? inferFrequency(axis.timestamps, format: axis.format)
        guard let frequency = inference.frequency, !inference.gaps.isEmpty else { return nil }
        let points = inference.gaps.reduce(0) { $0 &+ $1.missing }
        let limit = InputLimits.filledPoints(rows: axis.timestamps.count)
        if policy != .drop, let widest = inference.gaps.max(by: { $0.missing < $1.missing }),
           points < 0 || axis.timestamps.count + points > limit {
            throw DataError(.badData, file: file, line: rowLines[widest.after + 1],
                            "the \(frequency.name) series would need \(points < 0 ? "billions of" : String(points)) missing points filled (\(widest.missing) after line \(rowLines[widest.after])), more than the limit of \(limit); check the time column")
        }
        let firstLine = rowLines[inference.gaps[0].after]
        if policy == .drop { return (inference.gaps.count, points, firstLine) }
        var newTimestamps: [Timestamp] = [], newColumns = columns.map { _ in [Double]() }, newLines: [Int] = []
        var gapIndex = 0
        for row in axis.timestamps.indices {
            newTimestamps.append(axis.timestamps[row])
            newLines.append(rowLines[row])
            for c in columns.indices { newColumns[c].append(columns[c][row]) }
            if gapIndex < inference.gaps.count, inference.gaps[gapIndex].after == row {
                for k in 1...inference.gaps[gapIndex].missing {
                    newTimestamps.append(frequency.advance(axis.timestamps[row], by: k, monthEnd: inference.monthEnd))
                    newLines.append(-rowLines[row])
                    for c in columns.indices { newColumns[c].append(.nan) }
                }
                gapIndex += 1
            }
        }
        axis.timestamps = newTimestamps
        columns = newColumns
        rowLines = newLines
        return (inference.gaps.count, points, firstLine)
    }
}
