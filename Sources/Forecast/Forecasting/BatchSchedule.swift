/// Window indices in batches, reshuffled for every epoch by the seeded generator.
///
/// With more windows than an epoch's budget, an epoch takes the next `limit` windows of a random
/// order that runs on across epochs (a new order once every window has been used), so that large
/// data sets are seen evenly and an epoch's cost does not grow with the data.
public struct BatchSchedule: Sendable {
    private var generator: SeededGenerator
    private var order: [Int] = []
    private var position = 0

    /// Creates a schedule whose shuffles are determined by `seed`.
    public init(seed: UInt64) {
        generator = SeededGenerator(seed: seed)
    }

    /// The indices `0 ..< count` in a new random order, cut into batches of `batchSize` (the last may be smaller).
    public mutating func epoch(count: Int, batchSize: Int) -> [ArraySlice<Int>] {
        let order = shuffled(count)
        return stride(from: 0, to: count, by: batchSize).map { order[$0..<min($0 + batchSize, count)] }
    }

    /// An epoch of at most `limit` windows out of `count`: all of them in a new order when
    /// `count ≤ limit` (the same as ``epoch(count:batchSize:)``), else the next `limit` of a running order.
    public mutating func epoch(count: Int, batchSize: Int, limit: Int) -> [ArraySlice<Int>] {
        guard count > limit else { return epoch(count: count, batchSize: batchSize) }
        var taken: [Int] = []
        taken.reserveCapacity(limit)
        while taken.count < limit {
            if position == order.count || order.count != count {
                order = shuffled(count)
                position = 0
            }
            let next = min(order.count, position + limit - taken.count)
            taken += order[position..<next]
            position = next
        }
        return stride(from: 0, to: limit, by: batchSize).map { taken[$0..<min($0 + batchSize, limit)] }
    }

    /// `0 ..< count` shuffled by Fisher–Yates with our own generator, so the order is the same on
    /// every platform and Swift version.
    private mutating func shuffled(_ count: Int) -> [Int] {
        var order = Array(0..<count)
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) {
                let j = Int(generator.next() % UInt64(i + 1))
                order.swapAt(i, j)
            }
        }
        return order
    }
}
