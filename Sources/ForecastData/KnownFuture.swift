// Future-known covariates beyond the end of the data: planned promotions, holidays, weather
// forecasts. `predict --future FILE` reads them from a long table (id, time, the columns), and each
// series takes the rows of its own id at the timestamps its forecast covers.

/// The future values of known-ahead columns, by series id and timestamp.
public struct KnownFuture: Sendable {
    /// Where the values came from, for messages.
    public var source: String
    /// The columns, in the order of each row's values.
    public var names: [String]
    /// For each id (`""` for a table without an id column), its rows by timestamp.
    private var rows: [String: [Timestamp: [Double]]]

    /// Reads `path`: a time column named `timeName` (or the first column of dates or steps), an id
    /// column (`idName`, when the data has ids) and the `names` columns, every cell a number.
    ///
    /// - Throws: ``DataError`` naming the file, line and column: a missing column, a time or a
    ///   number that cannot be read, a (series, time) given twice.
    public static func load(path: String, idName: String?, timeName: String?, names: [String]) throws(DataError) -> KnownFuture {
        let table = try CSVReader.read(path: path)
        let columnList = table.header.map { "'\($0)'" }.joined(separator: ", ")
        func index(of name: String, role: String) throws(DataError) -> Int {
            guard let index = table.columnIndex(named: name) else {
                throw DataError(.usage, file: path, "no \(role) column '\(name)'; the columns are \(columnList)")
            }
            return index
        }
        let idColumn = try idName.map { name throws(DataError) in try index(of: name, role: "id") }
        let valueColumns = try names.map { name throws(DataError) in try index(of: name, role: "future feature") }
        let timeColumn: Int
        if let timeName, let column = table.columnIndex(named: timeName) {
            timeColumn = column
        } else if let column = table.header.indices.first(where: { column in
            column != idColumn && !valueColumns.contains(column) && SeriesLoader.looksLikeTime(table.columns[column], name: table.header[column])
        }) {
            timeColumn = column
        } else {
            throw DataError(.usage, file: path, "has no time column\(timeName.map { " '\($0)'" } ?? ""); the columns are \(columnList)")
        }
        let steps = TimeParser.isStepColumn(table.columns[timeColumn].lazy.filter { !isMissingCell($0) })
        var rows: [String: [Timestamp: [Double]]] = [:]
        var lines: [String: [Timestamp: Int]] = [:]
        for row in 0..<table.rowCount {
            let line = table.rowLines[row]
            let id = idColumn.map { table.columns[$0][row] } ?? ""
            let text = table.columns[timeColumn][row]
            guard let time = steps ? TimeParser.parseStep(text) : TimeParser.parse(text)?.0 else {
                throw DataError(.badData, file: path, line: line, column: timeColumn + 1,
                                "'\(text)' in time column '\(table.header[timeColumn])' is not \(SeriesLoader.timeExpectation(steps: steps))")
            }
            var values: [Double] = []
            for column in valueColumns {
                let name = table.header[column]
                guard let value = try SeriesLoader.number(table.columns[column][row], name: name, file: path, line: line, column: column + 1) else {
                    throw DataError(.badData, file: path, line: line, column: column + 1, "missing value in future feature '\(name)'")
                }
                values.append(value)
            }
            if let earlier = lines[id]?[time] {
                throw DataError(.badData, file: path, line: line, column: timeColumn + 1,
                                "duplicate (\(id.isEmpty ? "" : "series '\(id)', ")time '\(text)'): also on line \(earlier)")
            }
            rows[id, default: [:]][time] = values
            lines[id, default: [:]][time] = line
        }
        return KnownFuture(source: path, names: names, rows: rows)
    }

    /// Known-future values given directly: for each id, its rows by timestamp.
    public init(source: String, names: [String], rows: [String: [Timestamp: [Double]]]) {
        self.source = source
        self.names = names
        self.rows = rows
    }

    /// The values of series `id` at `timestamps`: `[column][step]`.
    ///
    /// - Throws: ``DataError`` naming the series (`describe`) and the first timestamp it lacks.
    public func values(of id: String, at timestamps: [Timestamp], describe: String, format: TimeFormat) throws(DataError) -> [[Double]] {
        let known = rows[id] ?? [:]
        var columns = [[Double]](repeating: [], count: names.count)
        for (step, time) in timestamps.enumerated() {
            guard let row = known[time] else {
                let list = names.map { "'\($0)'" }.joined(separator: ", ")
                throw DataError(.badData, file: source,
                                "\(describe) lacks the future values of \(list) at '\(TimeParser.format(time, as: format))' (step \(step + 1) of \(timestamps.count))")
            }
            for c in names.indices { columns[c].append(row[c]) }
        }
        return columns
    }
}
