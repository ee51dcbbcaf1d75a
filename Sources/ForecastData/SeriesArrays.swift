// A panel built from arrays, as a request body carries series, rather than from a table.
//
// The checks are the table loader's, stated in terms of arrays: every value finite, every column as
// long as the target, timestamps of one form and strictly increasing, one frequency for the panel.
// Unlike a table, arrays may not leave points out: a gap in the timestamps is an error, not a
// stretch to interpolate, so the numbers forecast are exactly the numbers sent.

/// One cell of a time axis given as an array: a date written in ISO 8601, or an integer step.
public enum TimeCell: Sendable, Equatable {
    /// A date or date-time (`2024-01`, `2024-01-31`, `2024-01-31T12:00:00Z`).
    case date(String)
    /// An integer time step (`1`, `2`, …).
    case step(Int64)
}

/// One series given as arrays: its id, optional timestamps, the target values and each feature's values.
public struct SeriesArrays: Sendable {
    /// The series' id.
    public var id: String
    /// One time cell per point, oldest first; nil when the series has no time axis.
    public var timestamps: [TimeCell]?
    /// The target values, oldest first.
    public var target: [Double]
    /// The values of each feature (in the order of the panel's feature names), each as long as `target`.
    public var features: [[Double]]

    /// Creates a series.
    public init(id: String, timestamps: [TimeCell]? = nil, target: [Double], features: [[Double]] = []) {
        self.id = id
        self.timestamps = timestamps
        self.target = target
        self.features = features
    }
}

/// What is wrong with a series given as arrays, and where: the series (its position and id), the field
/// and, where it is one element, its index.
public struct SeriesArraysError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The position of the series in the request (from 0); nil for a problem of the whole panel.
    public var series: Int?
    /// The series' id, when it has one.
    public var id: String?
    /// The field: `values`, `timestamps` or a feature's name.
    public var field: String?
    /// The element of the field, when the problem is one element.
    public var index: Int?
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(series: Int? = nil, id: String? = nil, field: String? = nil, index: Int? = nil, _ message: String) {
        self.series = series
        self.id = id
        self.field = field
        self.index = index
        self.message = message
    }

    /// `series[1] ('b').timestamps[4]: …`, as a JSON path with the id beside it.
    public var description: String {
        var place = ""
        if let series {
            // The id beside the position, unless it is the position itself (a series sent without one).
            place = "series[\(series)]" + (id.map { $0.isEmpty || $0 == "\(series)" ? "" : " ('\(printable($0))')" } ?? "")
        }
        if let field { place += (place.isEmpty ? "" : ".") + field }
        if let index { place += "[\(index)]" }
        return place.isEmpty ? message : "\(place): \(message)"
    }

    private func printable(_ text: String) -> String {
        let short = text.count > 64 ? String(text.prefix(64)) + "…" : text
        return String(short.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }
}

extension Panel {
    /// A panel of the series in `arrays`, checked as the table loader checks a file.
    ///
    /// Timestamps are either given for every series or for none; dates of one form (all `YYYY-MM`, say)
    /// or integer steps; strictly increasing and without gaps. The panel's frequency is that of its
    /// longest series, which every series of two or more points must share.
    ///
    /// - Parameters:
    ///   - arrays: the series, at least one, with distinct ids.
    ///   - targetName: the target's name (the model's), for the series' columns.
    ///   - featureNames: the features' names, in the order of each series' `features`.
    ///   - source: where the data came from, for messages of the forecaster.
    /// - Throws: ``SeriesArraysError`` naming the series, the field and the element.
    public init(arrays: [SeriesArrays], targetName: String, featureNames: [String], source: String) throws(SeriesArraysError) {
        guard !arrays.isEmpty else { throw SeriesArraysError(field: "series", "is empty; send at least one series") }
        var seen: [String: Int] = [:]
        for (s, series) in arrays.enumerated() {
            if let first = seen[series.id] {
                throw SeriesArraysError(series: s, id: series.id, field: "id", "is also the id of series[\(first)]; ids must be distinct")
            }
            seen[series.id] = s
        }
        let timed = arrays[0].timestamps != nil
        if let untimed = arrays.firstIndex(where: { ($0.timestamps != nil) != timed }) {
            throw SeriesArraysError(series: untimed, id: arrays[untimed].id, field: "timestamps",
                                    timed ? "is missing, but series[0] has timestamps; give them for every series or for none"
                                          : "is given, but series[0] has none; give them for every series or for none")
        }
        var axes: [TimeAxis?] = []
        var columns: [[[Double]]] = []
        var format: TimeFormat?
        for (s, series) in arrays.enumerated() {
            func fail(_ field: String?, at index: Int? = nil, _ message: String) -> SeriesArraysError {
                SeriesArraysError(series: s, id: series.id, field: field, index: index, message)
            }
            guard !series.target.isEmpty else { throw fail("values", "is empty; a series needs at least one point") }
            if let bad = series.target.firstIndex(where: { !$0.isFinite }) { throw fail("values", at: bad, "is not a finite number") }
            guard series.features.count == featureNames.count else {
                throw fail(nil, "has \(series.features.count) features; expected \(featureNames.count) (\(featureNames.joined(separator: ", ")))")
            }
            for (feature, values) in zip(featureNames, series.features) {
                guard values.count == series.target.count else {
                    throw fail(feature, "has \(values.count) values; 'values' has \(series.target.count)")
                }
                if let bad = values.firstIndex(where: { !$0.isFinite }) { throw fail(feature, at: bad, "is not a finite number") }
            }
            var axis: TimeAxis?
            if let cells = series.timestamps {
                guard cells.count == series.target.count else {
                    throw fail("timestamps", "has \(cells.count) entries; 'values' has \(series.target.count)")
                }
                var timestamps: [Timestamp] = []
                timestamps.reserveCapacity(cells.count)
                for (t, cell) in cells.enumerated() {
                    let parsed: (Timestamp, TimeFormat)?
                    switch cell {
                    case .date(let text): parsed = TimeParser.parse(text)
                    case .step(let step): parsed = (Timestamp(seconds: step), .step)
                    }
                    guard let (timestamp, cellFormat) = parsed else {
                        throw fail("timestamps", at: t, "is not a date (ISO 8601: YYYY, YYYY-MM, YYYY-MM-DD or a date-time) or an integer step")
                    }
                    if format == nil { format = cellFormat }
                    guard cellFormat == format else {
                        throw fail("timestamps", at: t, "is written differently from the first timestamp of series[0]; write every timestamp the same way")
                    }
                    if let previous = timestamps.last, timestamp <= previous {
                        throw fail("timestamps", at: t, timestamp == previous ? "repeats the timestamp before it" : "comes before the timestamp before it; send points oldest first")
                    }
                    timestamps.append(timestamp)
                }
                axis = TimeAxis(name: "timestamp", timestamps: timestamps, format: format!, frequency: nil)
            }
            axes.append(axis)
            columns.append([series.target] + series.features)
        }

        // The panel's frequency: that of its longest series, which every other series must share.
        if timed, let longest = axes.indices.max(by: { (axes[$0]?.timestamps.count ?? 0) < (axes[$1]?.timestamps.count ?? 0) }),
           let format {
            var inferences: [FrequencyInference] = []
            for (s, axis) in axes.enumerated() {
                guard let axis else { continue }
                let inference = SeriesLoader.inferFrequency(axis.timestamps, format: format)
                if let frequency = inference.frequency, let gap = inference.gaps.first {
                    throw SeriesArraysError(series: s, id: arrays[s].id, field: "timestamps", index: gap.after + 1,
                                            "leaves \(gap.missing) \(frequency.name) point\(gap.missing == 1 ? "" : "s") out after the one before it; send every point (missing values are not accepted)")
                }
                inferences.append(inference)
            }
            let table = inferences[longest]
            for (s, inference) in inferences.enumerated() where axes[s]!.timestamps.count > 1 && inference.frequency != table.frequency {
                throw SeriesArraysError(series: s, id: arrays[s].id, field: "timestamps",
                                        "are \(inference.frequency?.name ?? "irregular"), but series[\(longest)] (the longest) is \(table.frequency?.name ?? "irregular"); every series must have the same frequency")
            }
            for s in axes.indices {
                axes[s]!.frequency = table.frequency
                axes[s]!.monthEnd = table.monthEnd
            }
        }
        let series = arrays.indices.map { s in
            TimeSeries(source: source, targetName: targetName, featureNames: featureNames, columns: columns[s], time: axes[s])
        }
        self.init(source: source, idName: "id", ids: arrays.map(\.id), series: series)
    }
}
