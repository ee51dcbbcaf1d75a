/// Many series that share their columns and their frequency: a long table of (series, time, values)
/// rows, one ``TimeSeries`` per id. One series is a panel of one.
///
/// Series keep the order in which their ids first appear in the table; each series' points are in
/// time order. Series may start and end at different times and have different lengths.
public struct Panel: Sendable {
    /// Where the data came from, for messages.
    public var source: String
    /// The name of the id column; nil for a table of one series without one.
    public var idName: String?
    /// The id of each series (one empty id for a table without an id column).
    public var ids: [String]
    /// The series, in the order of ``ids``.
    public var series: [TimeSeries]
    /// Each series' static covariates (``StaticTable``), when the table or `--static FILE` gave them.
    public var statics: StaticTable?

    /// Creates a panel; `ids` and `series` have the same count, and every series the same columns.
    public init(source: String, idName: String?, ids: [String], series: [TimeSeries], statics: StaticTable? = nil) {
        precondition(ids.count == series.count && !series.isEmpty, "one id per series, at least one series")
        precondition(statics.map { $0.values.count == series.count } ?? true, "one row of statics per series")
        precondition(series.allSatisfy { $0.featureNames == series[0].featureNames && $0.targetName == series[0].targetName },
                     "the series of a panel share their columns")
        self.source = source
        self.idName = idName
        self.ids = ids
        self.series = series
        self.statics = statics
    }

    /// A panel of one series without an id column.
    public init(_ series: TimeSeries) {
        self.init(source: series.source, idName: nil, ids: [""], series: [series])
    }

    /// The number of series.
    public var count: Int { series.count }
    /// Whether the data had an id column (so output tables carry one).
    public var hasIDs: Bool { idName != nil }
    /// The target column's name.
    public var targetName: String { series[0].targetName }
    /// The feature columns' names.
    public var featureNames: [String] { series[0].featureNames }
    /// The time axis of the first series that has one (the format and frequency the panel shares).
    public var time: TimeAxis? { series.first { $0.time != nil }?.time }
    /// The total number of points over all series.
    public var pointCount: Int { series.reduce(0) { $0 + $1.count } }

    /// The index of the series with id `id`, if there is one.
    public func index(of id: String) -> Int? {
        ids.firstIndex(of: id)
    }

    /// A name for series `index` in messages: `series 'H1'`, or the file for a panel of one.
    public func describe(_ index: Int) -> String {
        hasIDs ? "series '\(ids[index])'" : source
    }

    /// Every series cut to its first `counts[i]` points.
    public func prefixes(_ counts: [Int]) -> Panel {
        var copy = self
        copy.series = zip(series, counts).map { $0.prefix($1) }
        return copy
    }

    /// The series at `indices`, in that order.
    public func subset(_ indices: [Int]) -> Panel {
        Panel(source: source, idName: idName, ids: indices.map { ids[$0] }, series: indices.map { series[$0] },
              statics: statics?.subset(indices))
    }
}
