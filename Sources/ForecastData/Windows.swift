import ForecastKernels
import ForecastNN

/// Sliding lookback → horizon windows over scaled columns.
///
/// A window is named by its origin t: its input is points `[t − lookback, t)` of every column
/// (the target first, then the features), its target is the target column's points `[t, t + horizon)`.
public struct WindowSet: Sendable {
    /// The number of time steps each window reads.
    public let lookback: Int
    /// The number of target points each window predicts.
    public let horizon: Int
    /// The number of columns per time step.
    public let columnCount: Int
    /// The origin of each window.
    public let origins: [Int]
    private let columns: [[Float]]

    /// How each window's target column is normalised (inputs and targets alike).
    public let normalization: WindowNormalization

    /// The windows whose targets lie inside `targetRange` of `columns` (column-major: `columns[c][t]`,
    /// column 0 the target).
    public init(columns: [[Float]], lookback: Int, horizon: Int, targetRange: Range<Int>,
                normalization: WindowNormalization = .global) {
        precondition(!columns.isEmpty && lookback > 0 && horizon > 0, "windows need columns, a lookback and a horizon")
        self.columns = columns
        self.lookback = lookback
        self.horizon = horizon
        self.columnCount = columns.count
        self.normalization = normalization
        let first = max(targetRange.lowerBound, lookback), last = targetRange.upperBound - horizon
        origins = first <= last ? Array(first...last) : []
    }

    /// The number of windows.
    public var count: Int { origins.count }

    /// The inputs `[B, lookback, columns]` and targets `[B, horizon]` of the windows at `indices`,
    /// the target column normalised per window; `statistics` holds each window's (center, scale).
    public func batch(_ indices: some Collection<Int>) -> (input: Tensor, target: Tensor, statistics: [(center: Float, scale: Float)]) {
        var input: [Float] = [], target: [Float] = [], statistics: [(center: Float, scale: Float)] = []
        input.reserveCapacity(indices.count * lookback * columnCount)
        target.reserveCapacity(indices.count * horizon)
        for index in indices {
            let origin = origins[index]
            let (center, scale) = normalization.statistics(of: columns[0][(origin - lookback)..<origin])
            statistics.append((center, scale))
            for t in (origin - lookback)..<origin {
                input.append((columns[0][t] - center) / scale)
                for column in columns.dropFirst() { input.append(column[t]) }
            }
            target.append(contentsOf: columns[0][origin..<(origin + horizon)].map { ($0 - center) / scale })
        }
        return (Tensor(shape: [indices.count, lookback, columnCount], scalars: input),
                Tensor(shape: [indices.count, horizon], scalars: target), statistics)
    }
}

/// Window indices in batches, reshuffled for every epoch by the seeded generator.
public struct BatchSchedule: Sendable {
    private var generator: SeededGenerator

    /// Creates a schedule whose shuffles are determined by `seed`.
    public init(seed: UInt64) {
        generator = SeededGenerator(seed: seed)
    }

    /// The indices `0 ..< count` in a new random order, cut into batches of `batchSize` (the last may be smaller).
    public mutating func epoch(count: Int, batchSize: Int) -> [ArraySlice<Int>] {
        var order = Array(0..<count)
        // Fisher–Yates with our own generator, so the order is the same on every platform and Swift version.
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) {
                let j = Int(generator.next() % UInt64(i + 1))
                order.swapAt(i, j)
            }
        }
        return stride(from: 0, to: count, by: batchSize).map { order[$0..<min($0 + batchSize, count)] }
    }
}
