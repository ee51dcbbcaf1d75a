/// A series read from a table: the target column, optional feature columns (past covariates), and
/// the time axis when the table has one, with missing values already handled.
public struct TimeSeries: Sendable {
    /// Where the data came from, for messages.
    public var source: String
    /// The name of the target column.
    public var targetName: String
    /// The names of the feature columns, in input order.
    public var featureNames: [String]
    /// `[target] + features`, each holding one value per point, oldest first.
    public var columns: [[Double]]
    /// The time of each point, when the data has a time column.
    public var time: TimeAxis?
    /// What is known of the feature columns after the last point: `ahead[c][k]` is feature c's
    /// value at point `count + k` (planned promotions, calendar and static columns), for the
    /// features known ahead; empty for the others and for a series whose future is not given.
    public var ahead: [[Double]] = []

    /// Creates a series; every column must have the same length (and the time axis too).
    public init(source: String, targetName: String, featureNames: [String] = [], columns: [[Double]], time: TimeAxis? = nil) {
        precondition(columns.count == 1 + featureNames.count, "one column per name")
        precondition(columns.allSatisfy { $0.count == columns[0].count }, "columns of different lengths")
        precondition(time == nil || time!.timestamps.count == columns[0].count, "time axis of a different length")
        self.source = source
        self.targetName = targetName
        self.featureNames = featureNames
        self.columns = columns
        self.time = time
    }

    /// The number of points.
    public var count: Int { columns[0].count }
    /// The target values.
    public var target: [Double] { columns[0] }

    /// The first `count` points.
    public func prefix(_ count: Int) -> TimeSeries {
        var copy = self
        copy.columns = columns.map { Array($0.prefix(count)) }
        copy.ahead = []
        if var time { time.timestamps = Array(time.timestamps.prefix(count)); copy.time = time }
        return copy
    }
}

/// The timestamps of a series and what they say about its step.
public struct TimeAxis: Sendable {
    /// The name of the time column.
    public var name: String
    /// One timestamp per point, strictly increasing.
    public var timestamps: [Timestamp]
    /// How the column's values were written (forecast timestamps are written the same way).
    public var format: TimeFormat
    /// The regular step, or nil when the steps are irregular.
    public var frequency: Frequency?
    /// Whether a monthly series is anchored at month ends.
    public var monthEnd: Bool

    /// Creates a time axis.
    public init(name: String, timestamps: [Timestamp], format: TimeFormat, frequency: Frequency?, monthEnd: Bool = false) {
        self.name = name
        self.timestamps = timestamps
        self.format = format
        self.frequency = frequency
        self.monthEnd = monthEnd
    }

    /// The `count` timestamps after the last one, continuing the frequency; nil when it is irregular.
    public func future(_ count: Int) -> [Timestamp]? {
        guard let frequency, let last = timestamps.last else { return nil }
        return (1...max(count, 1)).prefix(count).map { frequency.advance(last, by: $0, monthEnd: monthEnd) }
    }

    /// `timestamp` written as the column's values are.
    public func text(_ timestamp: Timestamp) -> String {
        TimeParser.format(timestamp, as: format)
    }
}
