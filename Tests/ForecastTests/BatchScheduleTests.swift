import Testing
@testable import Forecast

/// The order windows are trained in: seeded shuffles, every window once per epoch, and epochs of a
/// bounded size over large data.
struct BatchScheduleTests {
    @Test func sameSeedGivesTheSameOrderEveryEpoch() {
        var first = BatchSchedule(seed: 11), second = BatchSchedule(seed: 11)
        for _ in 0..<3 {
            #expect(first.epoch(count: 37, batchSize: 8) == second.epoch(count: 37, batchSize: 8))
        }
    }

    @Test func everyIndexAppearsExactlyOncePerEpochInBatchesOfTheSize() {
        var schedule = BatchSchedule(seed: 3)
        for _ in 0..<4 {
            let batches = schedule.epoch(count: 10, batchSize: 4)
            #expect(batches.map(\.count) == [4, 4, 2])
            #expect(batches.flatMap { $0 }.sorted() == Array(0..<10))
        }
    }

    @Test func epochsAndSeedsGiveDifferentOrders() {
        var schedule = BatchSchedule(seed: 5)
        let epochs = (0..<3).map { _ in schedule.epoch(count: 20, batchSize: 20).flatMap { $0 } }
        #expect(epochs[0] != epochs[1])
        #expect(epochs[1] != epochs[2])
        #expect(epochs[0] != Array(0..<20))
        var other = BatchSchedule(seed: 6)
        #expect(other.epoch(count: 20, batchSize: 20).flatMap { $0 } != epochs[0])
    }

    @Test func emptyAndSingleWindowEpochs() {
        var schedule = BatchSchedule(seed: 1)
        #expect(schedule.epoch(count: 0, batchSize: 4).isEmpty)
        #expect(schedule.epoch(count: 1, batchSize: 4).map(Array.init) == [[0]])
    }

    @Test func aLimitedEpochTakesTheNextWindowsOfARunningOrderAndCoversEveryWindow() {
        var schedule = BatchSchedule(seed: 9)
        var seen: [Int] = []
        for _ in 0..<5 {
            let batches = schedule.epoch(count: 20, batchSize: 3, limit: 8)
            #expect(batches.map(\.count) == [3, 3, 2])
            seen += batches.flatMap { $0 }
        }
        // 40 windows drawn: the first 20 are one permutation of all 20, the next 20 another.
        #expect(seen[..<20].sorted() == Array(0..<20))
        #expect(seen[20..<40].sorted() == Array(0..<20))
        #expect(Array(seen[..<20]) != Array(seen[20..<40]))
    }

    @Test func aLimitAtOrAboveTheCountIsAnOrdinaryEpoch() {
        var limited = BatchSchedule(seed: 4), plain = BatchSchedule(seed: 4)
        for _ in 0..<3 {
            #expect(limited.epoch(count: 12, batchSize: 5, limit: 12) == plain.epoch(count: 12, batchSize: 5))
        }
    }
}
