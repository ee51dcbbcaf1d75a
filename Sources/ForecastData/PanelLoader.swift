// Loading a long table of many series: `unique_id,ds,y[,features]`, rows in any order.
//
// The file is streamed record by record (CSVRecordSink): each row keeps its series number, its
// timestamp, its numbers and its line, never its text, so a table of millions of rows is held once,
// as numbers (about 24 bytes a row with one value column). Cells are read from the parser's bytes
// in place; only a new id becomes a `String`. The roles of the columns are decided from the header
// and, where they must be detected, from the first rows. Then the rows are grouped by series, sorted by time, checked for
// duplicates and for the table's frequency, and each series' gaps and missing values are handled.

/// Turns a CSV file into a ``Panel``: one series per id, or the whole table as one series when it
/// has no id column (exactly as ``SeriesLoader`` reads it).
public enum PanelLoader {
    /// The names under which a column is taken as the series id when `--id` is not given.
    public static let idNames = ["unique_id", "series_id", "series", "id"]

    /// How many rows are looked at to detect the time and target columns of a long table.
    static let detectionRows = 2_000

    /// Reads the file at `path` (`-` for standard input).
    ///
    /// - Returns: the panel and messages for the user (the id column detected, missing values
    ///   filled, gaps, short series…).
    /// - Throws: ``DataError`` naming the file and, where known, the line and column: a duplicate
    ///   (series, time), a series whose frequency differs, an empty id, a series without target
    ///   values; `--id` naming no column is a usage error.
    public static func load(path: String, options: SeriesOptions) throws(DataError) -> (panel: Panel, warnings: [String]) {
        var sink = PanelSink(options: options)
        try CSVReader.stream(path: path, into: &sink)
        return try sink.finish(source: path)
    }

    /// Reads CSV text already in memory; `source` names it in errors.
    public static func load(bytes: [UInt8], source: String, options: SeriesOptions) throws(DataError) -> (panel: Panel, warnings: [String]) {
        var sink = PanelSink(options: options)
        try CSVReader.stream(bytes: bytes, source: source, into: &sink)
        return try sink.finish(source: source)
    }

    /// The id column of a table with `header`: the one `options.id` names, or one named like an id.
    static func idColumn(header: [String], options: SeriesOptions, file: String) throws(DataError) -> Int? {
        if let name = options.id {
            guard let index = header.firstIndex(of: name) else {
                let columns = header.map { "'\($0)'" }.joined(separator: ", ")
                throw DataError(.usage, file: file, "no id column '\(name)'; the columns are \(columns)")
            }
            return index
        }
        guard options.detectsID else { return nil }
        let taken = Set([options.target, options.time].compactMap { $0 } + options.namedColumns)
        for name in idNames {
            if let index = header.firstIndex(where: { $0.lowercased() == name }), !taken.contains(header[index]) { return index }
        }
        return nil
    }
}

/// Receives a long table's cells: for a table without an id column it keeps the text of every cell
/// (a ``CSVTable``); with one, the text of the first rows until the columns' roles are decided,
/// then numbers.
struct PanelSink: CSVRecordSink {
    private(set) var options: SeriesOptions
    private var source = ""
    private var header: [String] = []
    private var idIndex: Int?

    // A table of one series: every cell, read by SeriesLoader at the end.
    private var table = TableSink()

    // A long table: the first rows as text while the roles are detected, then the rows as numbers.
    private var sample: [[String]] = []
    private var sampleLines: [Int] = []
    private var row: [String] = []
    private var roles: Roles?
    /// What each column of the table holds, once the roles are decided.
    private var columnRoles: [ColumnRole] = []
    private var rows = Rows()
    /// The columns of the static features, the current row's values of them, and each series'
    /// values (from its first row, on `staticLines`), in the order series are numbered.
    private var staticColumns: [Int] = []
    private var rowStatics: [String] = []
    private var staticValues: [[String]] = []
    private var staticLines: [Int] = []

    static var placeholder: PanelSink { PanelSink(options: SeriesOptions()) }

    init(options: SeriesOptions) {
        self.options = options
    }

    /// Which column is what, and how the time column is read.
    struct Roles {
        var time: Int?
        var target: Int
        var features: [Int]
        /// Whether the time column holds integer steps rather than dates.
        var steps: Bool
        /// The target then the features: the columns read as numbers.
        var values: [Int] { [target] + features }
    }

    /// What one column of a long table holds.
    enum ColumnRole {
        case ignored
        case id
        case time
        /// The `position`th of ``Roles/values``.
        case value(position: Int)
        /// The `position`th static feature.
        case staticValue(position: Int)
    }

    /// Every row of a long table as numbers, in file order.
    struct Rows {
        var series: [Int32] = []
        /// Each row's time as whole seconds (or the step); the rest of the timestamp in `fractions`.
        var seconds: [Int64] = []
        /// Each row's nanoseconds and UTC offset, kept only once a row has either (most tables have
        /// neither, and save 8 bytes a row).
        var fractions: [(nanoseconds: Int32, utcOffsetSeconds: Int32)] = []
        var values: [[Double]] = []
        /// The line each row starts on (saturating at `UInt32.max`: a table holds at most
        /// ``InputLimits/csvCells`` cells).
        var lines: [UInt32] = []
        var ids: [String] = []
        var seriesOfID: [String: Int32] = [:]
        /// The bytes of the last row's id: a long table usually runs series by series, and a row with
        /// the same id as the one before needs neither a `String` nor a hash.
        var lastID: [UInt8] = []
        var lastSeries: Int32 = 0
        var format: TimeFormat?

        mutating func appendTime(_ timestamp: Timestamp) {
            seconds.append(timestamp.seconds)
            if timestamp.nanoseconds != 0 || timestamp.utcOffsetSeconds != 0 || !fractions.isEmpty {
                if fractions.isEmpty {
                    fractions = Array(repeating: (0, 0), count: seconds.count - 1)
                }
                fractions.append((Int32(timestamp.nanoseconds), Int32(timestamp.utcOffsetSeconds)))
            }
        }

        /// The time of row `row`.
        func time(_ row: Int) -> Timestamp {
            guard !fractions.isEmpty else { return Timestamp(seconds: seconds[row]) }
            let fraction = fractions[row]
            return Timestamp(seconds: seconds[row], nanoseconds: Int(fraction.nanoseconds), utcOffsetSeconds: Int(fraction.utcOffsetSeconds))
        }
    }

    mutating func header(_ names: [String], source: String) throws(DataError) {
        self.source = source
        header = names
        options = options.resolved(header: names)
        idIndex = try PanelLoader.idColumn(header: names, options: options, file: source)
        if idIndex == nil {
            try table.header(names, source: source)
        }
        row.reserveCapacity(names.count)
    }

    mutating func cell(_ bytes: UnsafeBufferPointer<UInt8>, column: Int, line: Int) throws(DataError) {
        if idIndex == nil {
            try table.cell(bytes, column: column, line: line)
        } else if roles != nil {
            try take(bytes, column: column, line: line)
        } else {
            row.append(String(decoding: bytes, as: UTF8.self))
        }
    }

    mutating func endRecord(line: Int) throws(DataError) {
        guard idIndex != nil else {
            try table.endRecord(line: line)
            return
        }
        if roles != nil {
            try endRow(line: line)
            return
        }
        sample.append(row)
        sampleLines.append(line)
        row.removeAll(keepingCapacity: true)
        if sample.count >= PanelLoader.detectionRows { try decideRoles() }
    }

    /// Chooses the time, target and feature columns from the header and the rows seen so far,
    /// then reads those rows.
    private mutating func decideRoles() throws(DataError) {
        guard let idIndex else { return }
        let columnsText = header.map { "'\($0)'" }.joined(separator: ", ")
        func index(of name: String, role: String) throws(DataError) -> Int {
            guard let index = header.firstIndex(of: name) else {
                throw DataError(.usage, file: source, "no \(role) column '\(name)'; the columns are \(columnsText)")
            }
            return index
        }
        func cells(_ column: Int) -> [String] { sample.map { $0[column] } }

        var time: Int?
        if let name = options.time {
            time = try index(of: name, role: "time")
        } else {
            let taken = Set([options.target].compactMap { $0 } + options.namedColumns)
            time = header.indices.first { column in
                column != idIndex && !taken.contains(header[column]) && SeriesLoader.looksLikeTime(cells(column), name: header[column])
            }
        }
        let target: Int
        if let name = options.target {
            target = try index(of: name, role: "target")
        } else {
            let free = header.indices.filter { $0 != idIndex && $0 != time && !options.namedColumns.contains(header[$0]) }
            let candidates = free.count == 1 ? free : free.filter { SeriesLoader.isNumeric(cells($0)) }
            guard let only = candidates.first else {
                throw DataError(.usage, file: source, "has no numeric column to forecast; the columns are \(columnsText)")
            }
            guard candidates.count == 1 else {
                throw DataError(.usage, file: source, "has several numeric columns; choose one with --target: \(candidates.map { "'\(header[$0])'" }.joined(separator: ", "))")
            }
            target = only
        }
        for (role, column) in [("target", target), ("time", time)] where column == idIndex {
            throw DataError(.usage, file: source, "column '\(header[idIndex])' cannot be both the series id and the \(role)")
        }
        if target == time {
            throw DataError(.usage, file: source, "column '\(header[target])' cannot be both the time and the target")
        }
        var features: [Int] = []
        for name in options.features {
            let column = try index(of: name, role: "feature")
            guard column != target, column != time, column != idIndex, !features.contains(column) else {
                throw DataError(.usage, file: source, "feature '\(name)' is already the id, the target, the time column or another feature")
            }
            features.append(column)
        }
        var statics: [Int] = []
        for name in options.staticFeatures {
            let column = try index(of: name, role: "static")
            guard column != target, column != time, column != idIndex, !features.contains(column), !statics.contains(column) else {
                throw DataError(.usage, file: source, "static feature '\(name)' is already the id, the target, the time column, a feature or another static feature")
            }
            statics.append(column)
        }
        let steps = time.map { TimeParser.isStepColumn(cells($0).lazy.filter { !isMissingCell($0) }) } ?? false
        let roles = Roles(time: time, target: target, features: features, steps: steps)
        self.roles = roles
        columnRoles = Array(repeating: .ignored, count: header.count)
        columnRoles[idIndex] = .id
        if let time { columnRoles[time] = .time }
        for (position, column) in roles.values.enumerated() { columnRoles[column] = .value(position: position) }
        for (position, column) in statics.enumerated() { columnRoles[column] = .staticValue(position: position) }
        staticColumns = statics
        rowStatics = Array(repeating: "", count: statics.count)
        rows.values = Array(repeating: [], count: roles.values.count)
        let pending = sample, lines = sampleLines
        sample = []
        sampleLines = []
        for (cells, line) in zip(pending, lines) {
            for (column, cell) in cells.enumerated() {
                try Array(cell.utf8).withUnsafeBufferPointer { (bytes: UnsafeBufferPointer<UInt8>) throws(DataError) in
                    try take(bytes, column: column, line: line)
                }
            }
            try endRow(line: line)
        }
    }

    /// Reads one cell of a long table (once the roles are decided) into the rows.
    @inline(__always)
    private mutating func take(_ cell: UnsafeBufferPointer<UInt8>, column: Int, line: Int) throws(DataError) {
        switch columnRoles[column] {
        case .ignored:
            break
        case .id:
            rows.series.append(try series(of: cell, column: column, line: line))
        case .time:
            guard let roles, let (timestamp, format) = roles.steps
                    ? TimeParser.parseStep(utf8: cell).map({ ($0, TimeFormat.step) })
                    : TimeParser.parse(utf8: cell)
            else {
                let text = String(decoding: cell, as: UTF8.self)
                throw DataError(.badData, file: source, line: line, column: column + 1,
                                "'\(text)' in time column '\(header[column])' is not \(SeriesLoader.timeExpectation(steps: roles?.steps ?? false))")
            }
            if rows.format == nil { rows.format = format }
            rows.appendTime(timestamp)
        case .value(let position):
            let value = try SeriesLoader.number(utf8: cell, name: header[column], file: source, line: line, column: column + 1)
            rows.values[position].append(value ?? .nan)
        case .staticValue(let position):
            rowStatics[position] = String(decoding: cell, as: UTF8.self)
        }
    }

    /// Closes a row of a long table once the roles are decided: its line, and its static values
    /// checked against the first row of its series (a static feature is constant within a series).
    private mutating func endRow(line: Int) throws(DataError) {
        rows.lines.append(UInt32(clamping: line))
        guard !staticColumns.isEmpty, let series = rows.series.last.map(Int.init) else { return }
        for (position, text) in rowStatics.enumerated() where isMissingCell(text) {
            throw DataError(.badData, file: source, line: line, column: staticColumns[position] + 1,
                            "static feature '\(header[staticColumns[position]])' of series '\(rows.ids[series])' is empty")
        }
        if series == staticValues.count {
            staticValues.append(rowStatics)
            staticLines.append(line)
        } else if staticValues[series] != rowStatics {
            let position = rowStatics.indices.first { staticValues[series][$0] != rowStatics[$0] } ?? 0
            throw DataError(.badData, file: source, line: line, column: staticColumns[position] + 1,
                            "static feature '\(header[staticColumns[position]])' of series '\(rows.ids[series])' is '\(rowStatics[position])' here but '\(staticValues[series][position])' on line \(staticLines[series]); a static feature is constant within a series")
        }
    }

    /// The number of the series whose id is `cell`, numbering a new id.
    @inline(__always)
    private mutating func series(of cell: UnsafeBufferPointer<UInt8>, column: Int, line: Int) throws(DataError) -> Int32 {
        guard !cell.isEmpty else {
            throw DataError(.badData, file: source, line: line, column: column + 1, "the series id in column '\(header[column])' is empty")
        }
        if cell.count == rows.lastID.count && !rows.ids.isEmpty {
            var same = true
            for index in 0..<cell.count where cell[index] != rows.lastID[index] { same = false; break }
            if same { return rows.lastSeries }
        }
        let id = String(decoding: cell, as: UTF8.self)
        let series: Int32
        if let known = rows.seriesOfID[id] {
            series = known
        } else {
            series = Int32(rows.ids.count)
            rows.seriesOfID[id] = series
            rows.ids.append(id)
        }
        rows.lastID.removeAll(keepingCapacity: true)
        rows.lastID.append(contentsOf: cell)
        rows.lastSeries = series
        return series
    }

    /// Groups, sorts and checks the rows and builds the series.
    mutating func finish(source: String) throws(DataError) -> (panel: Panel, warnings: [String]) {
        guard let idIndex else {
            let csv = CSVTable(source: source, delimiter: ",", header: table.header, columns: table.columns, rowLines: table.rowLines)
            let (series, warnings) = try SeriesLoader.load(csv, options: options)
            var panel = Panel(series)
            if !options.staticFeatures.isEmpty { panel.statics = try Self.statics(of: csv, names: options.staticFeatures) }
            return (panel, warnings)
        }
        if roles == nil {
            guard !sample.isEmpty else { throw DataError(.badData, file: source, "has a header but no data rows") }
            try decideRoles()
        }
        guard let roles else { preconditionFailure("roles are decided before the rows are grouped") }
        var warnings: [String] = []
        let builder = SeriesBuilder(source: source, header: header, idIndex: idIndex, roles: roles, policy: options.missing)
        let (series, seriesWarnings) = try builder.build(&rows)
        warnings += seriesWarnings
        return (Panel(source: source, idName: header[idIndex], ids: rows.ids, series: series,
                      statics: staticColumns.isEmpty ? nil : StaticTable(names: staticColumns.map { header[$0] }, values: staticValues)),
                warnings)
    }

    /// The static values of a table of one series: each named column's value, the same on every row.
    static func statics(of table: CSVTable, names: [String]) throws(DataError) -> StaticTable {
        var values: [String] = []
        for name in names {
            guard let column = table.columnIndex(named: name) else {
                let columns = table.header.map { "'\($0)'" }.joined(separator: ", ")
                throw DataError(.usage, file: table.source, "no static column '\(name)'; the columns are \(columns)")
            }
            let cells = table.columns[column]
            guard let first = cells.first, !isMissingCell(first) else {
                throw DataError(.badData, file: table.source, line: table.rowLines.first, column: column + 1, "static feature '\(name)' is empty")
            }
            if let row = cells.firstIndex(where: { $0 != first }) {
                throw DataError(.badData, file: table.source, line: table.rowLines[row], column: column + 1,
                                "static feature '\(name)' is '\(cells[row])' here but '\(first)' on line \(table.rowLines[0]); a static feature is constant within a series")
            }
            values.append(first)
        }
        return StaticTable(names: names, values: [values])
    }
}

/// Turns the rows of a long table into one series per id.
private struct SeriesBuilder {
    let source: String
    let header: [String]
    let idIndex: Int
    let roles: PanelSink.Roles
    let policy: MissingValuePolicy

    func build(_ rows: inout PanelSink.Rows) throws(DataError) -> ([TimeSeries], [String]) {
        let seriesCount = rows.ids.count
        // Counting sort by series, keeping file order within each.
        var starts = [Int](repeating: 0, count: seriesCount + 1)
        for s in rows.series { starts[Int(s) + 1] += 1 }
        for s in 0..<seriesCount { starts[s + 1] += starts[s] }
        var order = [Int32](repeating: 0, count: rows.series.count)
        var next = starts
        for (row, s) in rows.series.enumerated() {
            order[next[Int(s)]] = Int32(row)
            next[Int(s)] += 1
        }
        rows.series = []

        let timeName = roles.time.map { header[$0] }
        var frequency: FrequencyInference?
        if roles.time != nil {
            // The table's frequency: that of its longest series, which every other series must share.
            let longest = longestIndex(starts)
            let times = sortedTimes(order[starts[longest]..<starts[longest + 1]], rows: rows)
            frequency = SeriesLoader.inferFrequency(times, format: rows.format!)
        }

        var series: [TimeSeries] = []
        series.reserveCapacity(seriesCount)
        var missingCounts = [Int](repeating: 0, count: roles.values.count), seriesWithMissing = 0
        var gapPoints = 0, seriesWithGaps = 0
        for s in 0..<seriesCount {
            var indices = order[starts[s]..<starts[s + 1]].map { Int($0) }
            var axis: TimeAxis?
            if let time = roles.time, let frequency {
                var timestamps = indices.map { rows.time($0) }
                if !zip(timestamps, timestamps.dropFirst()).allSatisfy({ $0 < $1 }) {
                    // File order breaks ties, so the first of two equal times is reported as the earlier line.
                    let permutation = timestamps.indices.sorted { timestamps[$0] < timestamps[$1] || (timestamps[$0] == timestamps[$1] && $0 < $1) }
                    indices = permutation.map { indices[$0] }
                    timestamps = permutation.map { timestamps[$0] }
                }
                for position in timestamps.indices.dropFirst() where timestamps[position - 1] == timestamps[position] {
                    let text = TimeParser.format(timestamps[position], as: rows.format!)
                    throw DataError(.badData, file: source, line: Int(rows.lines[indices[position]]), column: time + 1,
                                    "duplicate (series '\(rows.ids[s])', time '\(text)'): also on line \(rows.lines[indices[position - 1]])")
                }
                axis = TimeAxis(name: timeName!, timestamps: timestamps, format: rows.format!, frequency: frequency.frequency,
                                monthEnd: frequency.monthEnd)
            }
            var columns = roles.values.indices.map { position in indices.map { rows.values[position][$0] } }
            var lines = indices.map { Int(rows.lines[$0]) }

            if var current = axis, let table = frequency?.frequency {
                // Counted in the table's steps (cheap); the series' own frequency only for the message.
                let inference = gapsInferred(current.timestamps, table, monthEnd: frequency!.monthEnd)
                if current.timestamps.count > 1 && !fits(inference, count: current.timestamps.count) {
                    let own = SeriesLoader.inferFrequency(current.timestamps, format: current.format)
                    let name = own.frequency?.name ?? "irregular"
                    throw DataError(.badData, file: source, line: lines[0],
                                    "series '\(rows.ids[s])' is \(name), but the table is \(table.name) (as its longest series '\(rows.ids[longestIndex(starts)])')")
                }
                if let inserted = try SeriesLoader.insertGaps(axis: &current, columns: &columns, rowLines: &lines, policy: policy,
                                                              file: source, inference: inference) {
                    gapPoints += inserted.points
                    seriesWithGaps += 1
                }
                current.frequency = table
                axis = current
            }

            var hadMissing = false
            for position in columns.indices {
                let missing = columns[position].count { $0.isNaN }
                guard missing > 0 else { continue }
                let column = roles.values[position]
                if missing == columns[position].count {
                    throw DataError(.badData, file: source, line: lines.first { $0 > 0 },
                                    "series '\(rows.ids[s])' has no values in column '\(header[column])'")
                }
                hadMissing = true
                missingCounts[position] += missing
                switch policy {
                case .error:
                    let first = columns[position].firstIndex { $0.isNaN }!
                    if lines[first] < 0 {
                        throw DataError(.badData, file: source, "series '\(rows.ids[s])' lacks a point after line \(-lines[first]) (--missing error)")
                    }
                    throw DataError(.badData, file: source, line: lines[first], column: column + 1,
                                    "missing value in column '\(header[column])' of series '\(rows.ids[s])' (--missing error)")
                case .drop:
                    break
                case .interpolate, .ffill:
                    columns[position] = fillMissing(columns[position], policy: policy)
                }
            }
            if hadMissing { seriesWithMissing += 1 }
            if policy == .drop && hadMissing {
                let keep = columns[0].indices.filter { row in columns.allSatisfy { !$0[row].isNaN } }
                columns = columns.map { column in keep.map { column[$0] } }
                if var current = axis { current.timestamps = keep.map { current.timestamps[$0] }; axis = current }
            }
            series.append(TimeSeries(source: source, targetName: header[roles.target], featureNames: roles.features.map { header[$0] },
                                     columns: columns, time: axis))
        }

        var warnings: [String] = []
        if gapPoints > 0, let name = frequency?.frequency?.name {
            warnings.append("\(source): \(seriesWithGaps) \(name) series lack \(gapPoints) point\(gapPoints == 1 ? "" : "s") in all; "
                            + (policy == .drop ? "left out" : "filled by \(SeriesLoader.describe(policy))"))
        }
        for (position, count) in missingCounts.enumerated() where count > 0 {
            warnings.append("\(source): \(count) missing value\(count == 1 ? "" : "s") in '\(header[roles.values[position]])' in \(seriesWithMissing) series; "
                            + (policy == .drop ? "rows dropped" : "filled by \(SeriesLoader.describe(policy))"))
        }
        return (series, warnings)
    }

    /// The series with the most rows (the first of them on a tie).
    private func longestIndex(_ starts: [Int]) -> Int {
        var best = 0, bestCount = -1
        for s in 0..<(starts.count - 1) {
            let count: Int = starts[s + 1] - starts[s]
            if count > bestCount { best = s; bestCount = count }
        }
        return best
    }

    private func sortedTimes(_ indices: ArraySlice<Int32>, rows: PanelSink.Rows) -> [Timestamp] {
        indices.map { rows.time(Int($0)) }.sorted()
    }

    /// Whether every step between `timestamps` is a whole number of the table's steps, and (with
    /// three points or more) at least one is a single step: a monthly series in a daily table is
    /// not a daily series missing most of its days.
    private func fits(_ inference: FrequencyInference, count: Int) -> Bool {
        guard inference.frequency != nil else { return false }
        return count < 3 || inference.gaps.count < count - 1
    }

    /// The gaps of `timestamps` counted in the table's steps; an irregular result when a step is
    /// not a whole number of them.
    private func gapsInferred(_ timestamps: [Timestamp], _ frequency: Frequency, monthEnd: Bool) -> FrequencyInference {
        var gaps: [FrequencyInference.Gap] = []
        for index in timestamps.indices.dropLast() {
            let from = timestamps[index], to = timestamps[index + 1]
            var steps: Int
            switch frequency.unit {
            case .second, .step:
                let difference = to.seconds - from.seconds
                guard difference % Int64(frequency.step) == 0, to.nanoseconds == from.nanoseconds else { return FrequencyInference(frequency: nil) }
                steps = Int(difference / Int64(frequency.step))
            case .month:
                let months = to.local.monthIndex - from.local.monthIndex
                guard months % frequency.step == 0 else { return FrequencyInference(frequency: nil) }
                steps = months / frequency.step
                guard frequency.advance(from, by: steps, monthEnd: monthEnd) == to else { return FrequencyInference(frequency: nil) }
            }
            if steps > 1 { gaps.append(FrequencyInference.Gap(after: index, missing: steps - 1)) }
        }
        return FrequencyInference(frequency: frequency, monthEnd: monthEnd, gaps: gaps)
    }
}
