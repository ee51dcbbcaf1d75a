/// A size given as a fraction of the series or as a number of points (`0.2` or `24`).
public enum PartSize: Equatable, Sendable, CustomStringConvertible {
    /// A fraction in [0, 1) of the series' length, rounded to the nearest point.
    case fraction(Double)
    /// An exact number of points.
    case count(Int)

    /// Parses `"0.2"` (a fraction, < 1) or `"24"` (a count); nil for anything else.
    public init?(_ text: String) {
        if let count = Int(text), count >= 0 {
            self = .count(count)
        } else if let fraction = Double(text), fraction >= 0, fraction < 1 {
            self = .fraction(fraction)
        } else {
            return nil
        }
    }

    /// The number of points, when the size is one (not a fraction).
    public var count: Int? {
        if case .count(let count) = self { return count }
        return nil
    }

    /// The number of points this size means in a series of `total` points.
    public func points(of total: Int) -> Int {
        switch self {
        case .fraction(let fraction): Int((fraction * Double(total)).rounded())
        case .count(let count): count
        }
    }

    public var description: String {
        switch self {
        case .fraction(let fraction): "\(fraction)"
        case .count(let count): "\(count)"
        }
    }
}

/// A chronological split of n points: training `[0, trainEnd)`, validation `[trainEnd, validationEnd)`
/// (taken from the end of the part before the test), test `[validationEnd, n)`.
///
/// Nothing at or after `trainEnd` reaches the scaler or the optimiser; validation and test windows
/// read their lookback from the points before them, which is what a forecast made at that time would see.
public struct Split: Equatable, Sendable {
    /// The number of points.
    public let count: Int
    /// The end (exclusive) of the training part.
    public let trainEnd: Int
    /// The end (exclusive) of the validation part; the test part follows.
    public let validationEnd: Int

    /// Splits `count` points; `testSize` from the end, then `validationSize` from the end of the rest.
    ///
    /// - Parameter validationSize: nil for the default: enough points for 10% of the windows that
    ///   end before the test part (at least one window), as in docs/accuracy.md.
    /// - Throws: ``DataError`` (usage) when the parts leave too few points for a window of
    ///   `lookback` + `horizon` in training, or a non-empty validation or test part holds fewer than `horizon` points.
    public init(count: Int, testSize: PartSize, validationSize: PartSize?, lookback: Int, horizon: Int,
                file: String) throws(DataError) {
        let test = testSize.points(of: count)
        let windowsBeforeTest = max(count - test - lookback - horizon + 1, 0)
        let validation = validationSize?.points(of: count)
            ?? (windowsBeforeTest >= 4 ? horizon - 1 + max(1, Int((0.1 * Double(windowsBeforeTest)).rounded())) : 0)
        let trainEnd = count - test - validation
        let needed = lookback + horizon
        guard count >= needed else {
            throw DataError(.usage, file: file, "the series has \(count) points; lookback \(lookback) + horizon \(horizon) needs at least \(needed)")
        }
        guard trainEnd >= needed else {
            throw DataError(.usage, file: file, "after holding out \(test) test and \(validation) validation points, the training part has \(max(trainEnd, 0)) point\(trainEnd == 1 ? "" : "s"); lookback \(lookback) + horizon \(horizon) needs at least \(needed) (the series has \(count))")
        }
        for (name, size) in [("test", test), ("validation", validation)] where size > 0 && size < horizon {
            throw DataError(.usage, file: file, "the \(name) part has \(size) points, fewer than the horizon \(horizon); make it at least \(horizon) or 0")
        }
        self.count = count
        self.trainEnd = trainEnd
        self.validationEnd = trainEnd + validation
    }

    /// A split of one series of a panel: the test part must leave at least one point; a validation
    /// part that would leave the training part without a window of `horizon` targets after one
    /// point of history is dropped (a short series then trains on padded windows, or not at all).
    ///
    /// - Parameter validationSize: nil for `horizon` points: one direct window per series.
    /// - Throws: ``DataError`` (usage) when the test part takes the whole series.
    public init(panelSeriesOf count: Int, testSize: PartSize, validationSize: PartSize?, horizon: Int,
                file: String, series: String) throws(DataError) {
        let test = testSize.points(of: count)
        guard count > test else {
            throw DataError(.usage, file: file, "\(series) has \(count) point\(count == 1 ? "" : "s"), no more than the test part of \(test)")
        }
        var validation = validationSize?.points(of: count) ?? horizon
        if count - test - validation < horizon + 1 { validation = 0 }
        self.count = count
        self.trainEnd = count - test - validation
        self.validationEnd = count - test
    }

    /// The range of training points.
    public var training: Range<Int> { 0..<trainEnd }
    /// The range of validation points.
    public var validation: Range<Int> { trainEnd..<validationEnd }
    /// The range of test points.
    public var test: Range<Int> { validationEnd..<count }
}
