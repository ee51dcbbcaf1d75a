import Foundation
import Synchronization
import Testing
import ForecastKernels

/// The team that shares a single window among threads: every member runs each job once, jobs that
/// follow each other closely or after a sleep all complete, and a job posted while the team is busy
/// (or, if the caller asks, while its threads sleep) runs on its caller alone.
@Suite struct WorkerTeamTests {
    /// Runs a job and returns, per member, how many times it ran and the parties it was told.
    static func calls(_ team: WorkerTeam, parties: Int, unlessAsleep: Bool = false) -> [(count: Int, parties: Int)] {
        let calls = Locked([(count: Int, parties: Int)](repeating: (0, 0), count: team.size))
        team.run(parties: parties, unlessAsleep: unlessAsleep) { member, parties in
            calls.withLock { $0[member] = ($0[member].count + 1, parties) }
        }
        return calls.withLock { $0 }
    }

    @Test func everyPartyRunsEachJobOnceAndNoOtherMemberDoes() {
        let team = WorkerTeam(size: 3)
        for parties in [1, 2, 3, 2, 1, 3, 5] {
            let used = min(parties, 3)
            let calls = Self.calls(team, parties: parties)
            for member in 0..<3 {
                #expect(calls[member].count == (member < used ? 1 : 0), "\(parties) parties, member \(member)")
                if member < used { #expect(calls[member].parties == used) }
            }
        }
    }

    @Test func manyJobsInARowAndJobsAfterASleepAllComplete() {
        let team = WorkerTeam(size: 2)
        let total = Atomic<Int>(0)
        for job in 0..<20_000 {
            team.run(parties: 2) { member, _ in total.add(member == 0 ? 1 : job, ordering: .relaxed) }
        }
        #expect(total.load(ordering: .relaxed) == 20_000 + (0..<20_000).reduce(0, +))
        // Idle longer than the spin, the member sleeps; the next job wakes it.
        for _ in 0..<3 {
            Thread.sleep(forTimeInterval: 0.01)
            #expect(Self.calls(team, parties: 2).map(\.count) == [1, 1])
        }
    }

    @Test func partiesMeetAtABarrierEveryStep() {
        // Two parties alternate writing and reading each other's slot, one barrier per step; a missed
        // wait would read a stale value.
        let team = WorkerTeam(size: 2)
        let slots = Locked([0, 0])
        let mismatches = Atomic<Int>(0)
        let barrier = Barrier(parties: 2)
        team.run(parties: 2) { member, _ in
            for step in 1...2_000 {
                slots.withLock { $0[member] = step }
                barrier.wait()
                if slots.withLock({ $0[1 - member] }) != step { mismatches.add(1, ordering: .relaxed) }
                barrier.wait()
            }
        }
        #expect(mismatches.load(ordering: .relaxed) == 0)
    }

    @Test func aJobPostedWhileTheTeamIsBusyRunsOnItsCallerAlone() {
        let team = WorkerTeam(size: 2)
        let inner = Locked<[Int]>([])
        team.run(parties: 2) { member, _ in
            guard member == 0 else { return }
            team.run(parties: 2) { innerMember, parties in inner.withLock { $0.append(innerMember * 10 + parties) } }
        }
        #expect(inner.withLock { $0 } == [1])
    }

    @Test func unlessAsleepAJobRunsAloneWhileTheThreadsSleepAndWakesThem() {
        let team = WorkerTeam(size: 2)
        // Not started yet: the caller runs alone, and the member starts.
        let first = Self.calls(team, parties: 2, unlessAsleep: true)
        #expect(first.map(\.count) == [1, 0] && first[0].parties == 1)
        // Started, it spins: soon a job has both parties, each running it once.
        var together = false
        for _ in 0..<1_000 where !together {
            let calls = Self.calls(team, parties: 2, unlessAsleep: true)
            #expect(calls[0].count == 1 && calls[1].count <= 1)
            #expect(calls[0].parties == 1 + calls[1].count)
            together = calls[1].count == 1
        }
        #expect(together)
        // Idle much longer than the spin, it sleeps: the next job runs alone, and wakes it again.
        for _ in 0..<2 {
            Thread.sleep(forTimeInterval: 0.1)
            let calls = Self.calls(team, parties: 2, unlessAsleep: true)
            #expect(calls.map(\.count) == [1, 0] && calls[0].parties == 1)
            #expect(Self.calls(team, parties: 2).map(\.count) == [1, 1])
        }
    }

    /// A team its caller lets go right after a job that started its thread (the job ran alone, the
    /// thread was still starting) is kept by that thread: the thread finds its team when it runs.
    /// (Its threads held the team unowned, and a thread that started late found it gone: a crash.)
    @Test func aTeamReleasedWhileItsThreadStartsIsKeptByTheThread() {
        for _ in 0..<20 {
            #expect(Self.calls(WorkerTeam(size: 2), parties: 2, unlessAsleep: true).map(\.count) == [1, 0])
        }
        Thread.sleep(forTimeInterval: 0.05)  // the threads run their first lines with their teams
    }

    @Test func theBarrierRoundTripIsMeasuredWhenThereAreTwoThreads() {
        let roundTrip = WorkerTeam(size: 2).barrierRoundTrip(rounds: 1_000)
        #expect(roundTrip != nil && roundTrip! > .zero)
        #expect(WorkerTeam(size: 1).barrierRoundTrip() == nil)
    }
}

/// A value behind an NSLock, for the tests' own bookkeeping. Not Synchronization's `Mutex`: on Linux
/// its lock lives in the uninstrumented runtime, so ThreadSanitizer cannot see it and reports every
/// access it guards as a race (scripts/sanitize.sh runs these tests under ThreadSanitizer).
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
