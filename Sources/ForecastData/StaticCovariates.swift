// Static covariates: per-series properties (a store's type, a sensor's site, a size band), constant
// within a series. They come from columns of the long table (`--static-features`) or from a table
// with one row per id (`--static FILE`), are encoded as numbers once (numeric columns standardised
// across series, categorical ones one-hot), and reach the network as constant input columns.

/// The raw static values of every series of a panel: for each named column, each series' text.
public struct StaticTable: Equatable, Sendable {
    /// The static columns' names.
    public var names: [String]
    /// `values[s][c]`: series s's value of column c, as written in the file.
    public var values: [[String]]

    /// Creates a table; every row has one value per name.
    public init(names: [String], values: [[String]]) {
        precondition(values.allSatisfy { $0.count == names.count }, "one static value per column")
        self.names = names
        self.values = values
    }

    /// The rows of the series at `indices`, in that order.
    public func subset(_ indices: [Int]) -> StaticTable {
        StaticTable(names: names, values: indices.map { values[$0] })
    }

    /// Reads a table of one row per series (`--static FILE`): the id column (`idName`, or a column
    /// named like an id, or the first column), then the `names` columns, for the series `ids`.
    ///
    /// - Throws: ``DataError`` naming the file: a missing column, an id listed twice, an empty
    ///   value, a series of `ids` without a row (named with `describe`).
    public static func load(path: String, idName: String?, names: [String], ids: [String],
                            describe: (Int) -> String) throws(DataError) -> StaticTable {
        let table = try CSVReader.read(path: path)
        let columnList = table.header.map { "'\($0)'" }.joined(separator: ", ")
        let idColumn: Int
        if let idName, let index = table.columnIndex(named: idName) {
            idColumn = index
        } else if let index = table.header.firstIndex(where: { PanelLoader.idNames.contains($0.lowercased()) }) {
            idColumn = index
        } else {
            guard !table.header.isEmpty else { throw DataError(.badData, file: path, "has no columns") }
            idColumn = 0
        }
        var columns: [Int] = []
        for name in names {
            guard let index = table.columnIndex(named: name), index != idColumn else {
                throw DataError(.usage, file: path, "no static column '\(name)'; the columns are \(columnList)")
            }
            columns.append(index)
        }
        var rowOfID: [String: Int] = [:]
        for row in 0..<table.rowCount {
            let id = table.columns[idColumn][row]
            if let earlier = rowOfID[id] {
                throw DataError(.badData, file: path, line: table.rowLines[row], column: idColumn + 1,
                                "id '\(id)' has a second row (the first is on line \(table.rowLines[earlier])); a static table has one row per series")
            }
            rowOfID[id] = row
            for column in columns where isMissingCell(table.columns[column][row]) {
                throw DataError(.badData, file: path, line: table.rowLines[row], column: column + 1,
                                "static feature '\(table.header[column])' of id '\(id)' is empty")
            }
        }
        var values: [[String]] = []
        for (s, id) in ids.enumerated() {
            guard let row = rowOfID[id] else {
                throw DataError(.badData, file: path, "\(describe(s)) has no row (id column '\(table.header[idColumn])')")
            }
            values.append(columns.map { table.columns[$0][row] })
        }
        return StaticTable(names: names, values: values)
    }
}

/// How static columns become network inputs: each numeric column standardised by its mean and
/// standard deviation across the training series, each categorical column one-hot over the
/// categories seen in training (sorted). Stored in the model, so that prediction encodes the same
/// way and refuses a category it has never seen.
public struct StaticEncoding: Codable, Equatable, Sendable {
    /// One static column's encoding.
    public struct Column: Codable, Equatable, Sendable {
        /// The column's name.
        public var name: String
        /// `"numeric"` or `"categorical"`.
        public var kind: Kind
        /// A numeric column's mean across the training series.
        public var mean: Double?
        /// A numeric column's standard deviation across the training series (1 when it is 0).
        public var scale: Double?
        /// A categorical column's categories, in the order of its one-hot columns.
        public var categories: [String]?

        /// Creates a column's encoding.
        public init(name: String, kind: Kind, mean: Double? = nil, scale: Double? = nil, categories: [String]? = nil) {
            self.name = name
            self.kind = kind
            self.mean = mean
            self.scale = scale
            self.categories = categories
        }

        /// What a column holds.
        public enum Kind: String, Codable, Sendable {
            /// Numbers, standardised.
            case numeric
            /// Labels, one-hot.
            case categorical
        }

        /// The names of the input columns this column becomes: its name (numeric) or `name=category`.
        public var inputNames: [String] {
            switch kind {
            case .numeric: [name]
            case .categorical: (categories ?? []).map { "\(name)=\($0)" }
            }
        }
    }

    /// The static columns, in the order given.
    public var columns: [Column]

    /// Creates an encoding of `columns`.
    public init(columns: [Column]) {
        self.columns = columns
    }

    /// The input columns, in order: one per numeric column, one per category of each categorical one.
    public var inputNames: [String] { columns.flatMap(\.inputNames) }

    /// The encoding of `table`'s columns: numeric when every series' value is a number, else
    /// categorical.
    public static func fit(_ table: StaticTable) -> StaticEncoding {
        StaticEncoding(columns: table.names.indices.map { c in
            let texts = table.values.map { $0[c] }
            let numbers = texts.compactMap(number)
            if numbers.count == texts.count {
                let mean = numbers.reduce(0, +) / Double(max(numbers.count, 1))
                let variance = numbers.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(numbers.count, 1))
                let deviation = variance.squareRoot()
                return Column(name: table.names[c], kind: .numeric, mean: mean, scale: deviation > 0 ? deviation : 1)
            }
            return Column(name: table.names[c], kind: .categorical, categories: Array(Set(texts)).sorted())
        })
    }

    /// The input values of one series' static values (in the order of ``columns``).
    ///
    /// - Throws: ``DataError`` (bad data) naming `series` and the column: a category not seen in
    ///   training, or a numeric column's value that is not a number.
    public func encode(_ values: [String], series: String, source: String) throws(DataError) -> [Double] {
        precondition(values.count == columns.count, "one value per static column")
        var encoded: [Double] = []
        for (column, text) in zip(columns, values) {
            switch column.kind {
            case .numeric:
                guard let value = Self.number(text) else {
                    throw DataError(.badData, file: source, "static feature '\(column.name)' of \(series) is '\(text)', not a number (the model read it as numeric)")
                }
                encoded.append((value - (column.mean ?? 0)) / (column.scale ?? 1))
            case .categorical:
                let categories = column.categories ?? []
                guard let position = categories.firstIndex(of: text) else {
                    let known = categories.map { "'\($0)'" }.joined(separator: ", ")
                    throw DataError(.badData, file: source, "static feature '\(column.name)' of \(series) is '\(text)', a category the model has not seen (it knows \(known))")
                }
                encoded += categories.indices.map { $0 == position ? 1 : 0 }
            }
        }
        return encoded
    }

    /// Problems of a stored encoding (for a model file's checks).
    public var problems: [String] {
        var problems: [String] = []
        for column in columns {
            switch column.kind {
            case .numeric:
                if !(column.mean?.isFinite ?? false) || !((column.scale ?? 0) > 0 && (column.scale ?? 0).isFinite) {
                    problems.append("static feature '\(column.name)' needs a finite mean and a positive scale")
                }
            case .categorical:
                let categories = column.categories ?? []
                if categories.isEmpty || Set(categories).count != categories.count {
                    problems.append("static feature '\(column.name)' needs distinct categories")
                }
            }
        }
        if Set(columns.map(\.name)).count != columns.count { problems.append("static_features names a column twice") }
        return problems
    }

    private static func number(_ text: String) -> Double? {
        guard let value = Double(text), value.isFinite, !text.contains(where: { $0 == "x" || $0 == "X" }) else { return nil }
        return value
    }
}

extension Panel {
    /// Every series with its encoded static values as constant feature columns after the existing
    /// ones (named by ``StaticEncoding/inputNames``).
    ///
    /// - Throws: ``DataError`` when the panel lacks the statics or a value cannot be encoded.
    public func addingStatics(_ encoding: StaticEncoding) throws(DataError) -> Panel {
        guard !encoding.columns.isEmpty else { return self }
        guard let statics, statics.names == encoding.columns.map(\.name) else {
            let needed = encoding.columns.map { "'\($0.name)'" }.joined(separator: ", ")
            throw DataError(.usage, file: source, "the model reads the static features \(needed); give them as columns (--static-features) or with --static FILE")
        }
        var copy = self
        for index in series.indices {
            let values = try encoding.encode(statics.values[index], series: describe(index), source: source)
            let count = series[index].count
            copy.series[index].featureNames += encoding.inputNames
            copy.series[index].columns += values.map { [Double](repeating: $0, count: count) }
            copy.series[index].ahead = []
        }
        return copy
    }
}
