import CForecastKernels
import Dispatch
import Foundation
import Synchronization

/// A few threads kept ready to share one small job with the calling thread, for work too short to
/// hand to Dispatch: one window of an LSTM, whose parties meet at a barrier after every time step.
///
/// The caller is member 0 and runs its part itself; members 1, 2, … are threads of the team. A
/// member spins, watching for the next job, while a job runs (even one it has no part in) and for
/// ``spinDuration`` after, so that jobs that follow each other closely start within a microsecond;
/// then it sleeps until a job wakes it.
/// One job runs at a time: ``run(parties:unlessAsleep:_:)`` called while the team is busy (from
/// another thread) runs the job with a single party on the calling thread instead of waiting.
///
/// A team's threads, once started, run (asleep when idle) for the rest of the process and keep the
/// team with them: make a team once and keep it, as ``shared`` is.
public final class WorkerTeam: @unchecked Sendable {
    /// The team shared by the whole process, with one member per core.
    public static let shared = WorkerTeam(size: ProcessInfo.processInfo.activeProcessorCount)

    /// How long an idle member keeps spinning before it sleeps.
    public static let spinDuration: Duration = .milliseconds(1)

    /// The most parties a job can have: the calling thread and the team's threads.
    public let size: Int

    private let members: [Member]
    private let busy = Atomic<Bool>(false)
    /// The number of the current job times 256, plus its number of parties: one value, so that a
    /// member reads both at once. A member runs a job when it sees a new value.
    private let announcement = Atomic<Int>(0)
    /// Members that have finished the current job.
    private let finished = Atomic<Int>(0)
    /// When the last job ended, in nanoseconds of `DispatchTime`'s uptime clock.
    private let lastJobEnd = Atomic<UInt64>(0)
    /// The current job, published by `announcement`; read only by the job's parties.
    private var job: ((_ member: Int, _ parties: Int) -> Void)?

    /// A team of `size` parties: the caller and `size − 1` threads, started at the first job.
    public init(size: Int) {
        self.size = min(max(1, size), 255)
        members = (1..<self.size).map { Member(index: $0) }
    }

    /// Runs `body(member, parties)` for member = 0 ..< parties at the same time, member 0 on the
    /// calling thread, and returns when all have finished. `parties` is the requested number, at
    /// most ``size``, or 1 when the team is busy with another caller's job.
    ///
    /// With `unlessAsleep`, `parties` is also 1 when a member the job needs is asleep (or not yet
    /// started): the job runs on the calling thread alone, and the sleepers are woken so that they
    /// are spinning if the next job comes soon. For jobs whose parties meet often (a barrier after
    /// every step), waiting for a sleeping thread costs more than the job: on a virtual machine a
    /// woken thread can take milliseconds to run (11 ms for a window of hidden 64 split by units,
    /// against 0.2 ms alone, measured with calls 20 ms apart).
    public func run(parties requested: Int, unlessAsleep: Bool = false, _ body: (_ member: Int, _ parties: Int) -> Void) {
        let parties = min(max(1, requested), size)
        guard parties > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            body(0, 1)
            return
        }
        defer {
            lastJobEnd.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
            busy.store(false, ordering: .releasing)
        }
        if unlessAsleep, members[0 ..< parties - 1].contains(where: \.isAsleep) {
            // The team stays busy meanwhile, so the woken members keep spinning until after the job.
            for member in members[0 ..< parties - 1] { member.wakeIfSleeping(team: self, job: nil) }
            body(0, 1)
            return
        }
        withoutActuallyEscaping(body) { body in
            job = body
            finished.store(0, ordering: .relaxed)
            let next = (announcement.load(ordering: .relaxed) >> 8 + 1) << 8 | parties
            announcement.store(next, ordering: .sequentiallyConsistent)
            for member in members[0 ..< parties - 1] { member.wakeIfSleeping(team: self, job: next) }
            body(0, parties)
            var spins = 0
            while finished.load(ordering: .acquiring) < parties - 1 {
                spins += 1
                if spins < 4096 { fk_spin_pause() } else { sched_yield() }
            }
            job = nil
        }
    }

    /// One thread of the team.
    private final class Member: @unchecked Sendable {
        let index: Int
        let asleep = Atomic<Bool>(false)
        let wake = DispatchSemaphore(value: 0)
        private let started = Atomic<Bool>(false)

        init(index: Int) { self.index = index }

        /// Not started yet, or asleep (or about to sleep): a job would wait for the thread to wake.
        var isAsleep: Bool { !started.load(ordering: .relaxed) || asleep.load(ordering: .sequentiallyConsistent) }

        /// Starts the thread on its first job (or, for `job` nil, watching for the next one), and
        /// wakes it if it went to sleep. Called by the team's caller, which holds the team.
        func wakeIfSleeping(team: WorkerTeam, job: Int?) {
            if !started.load(ordering: .relaxed) {
                started.store(true, ordering: .relaxed)
                let current = team.announcement.load(ordering: .relaxed)
                // The thread holds its team: a team released by its caller before the thread first ran
                // (a job run alone while the thread was starting) would otherwise be gone under it.
                let thread = Thread { [team, self] in team.serve(self, first: job ?? current, runsFirst: job != nil) }
                thread.name = "forecast-worker-\(index)"
                thread.start()
                return
            }
            if asleep.exchange(false, ordering: .sequentiallyConsistent) { wake.signal() }
        }
    }

    /// A member's loop: run each new job it is part of (from `first` if `runsFirst`), then watch for the next.
    private func serve(_ member: Member, first: Int, runsFirst: Bool) {
        var current = runsFirst ? first : nextJob(after: first, member: member)
        while true {
            let parties = current & 255
            if member.index < parties {
                runJob(member: member.index, parties: parties)
                finished.add(1, ordering: .releasing)
            }
            current = nextJob(after: current, member: member)
        }
    }

    /// Runs the current job, holding on to it only during the call: the caller lends it for no longer.
    private func runJob(member: Int, parties: Int) {
        job?(member, parties)
    }

    /// Waits for `announcement` to move past `seen`: spinning while a job runs and until
    /// ``spinDuration`` after both the last job's end and the start of the wait, then asleep; woken
    /// (by a job, or only to be ready for one), spinning again.
    private func nextJob(after seen: Int, member: Member) -> Int {
        let spin = UInt64(Self.spinDuration.components.seconds) * 1_000_000_000
            + UInt64(Self.spinDuration.components.attoseconds / 1_000_000_000)
        while true {
            let spinStart = DispatchTime.now().uptimeNanoseconds
            var spins = 0
            while true {
                let current = announcement.load(ordering: .acquiring)
                if current != seen { return current }
                spins += 1
                if spins % 256 == 0 {
                    let now = DispatchTime.now().uptimeNanoseconds
                    if !busy.load(ordering: .relaxed) && now > spinStart + spin
                        && now > lastJobEnd.load(ordering: .relaxed) + spin { break }
                }
                fk_spin_pause()
            }
            // Asleep: announce it, then look once more, so that a job posted in between is not missed
            // (the poster changes `announcement` before it looks at `asleep`; both sequentially consistent).
            member.asleep.store(true, ordering: .sequentiallyConsistent)
            if announcement.load(ordering: .sequentiallyConsistent) != seen {
                // Either we take the flag back, or the poster took it and signalled: consume the signal.
                if !member.asleep.exchange(false, ordering: .sequentiallyConsistent) { member.wake.wait() }
            } else {
                member.wake.wait()
            }
        }
    }
}

/// A point where a fixed number of threads wait for each other, reusable step after step: the
/// kernels' barrier (`fk_barrier`), which spins, so that passing it costs tens of nanoseconds when
/// every party is running, and yields the core after about 10 µs.
public final class Barrier: @unchecked Sendable {
    /// The number of threads that must arrive.
    public let parties: Int
    /// The kernels' barrier, which C kernels wait at themselves.
    let kernelBarrier: OpaquePointer

    public init(parties: Int) {
        precondition(parties >= 1, "Barrier needs at least one party")
        guard let barrier = fk_barrier_create(Int32(parties)) else { fatalError("Barrier: out of memory") }
        self.parties = parties
        kernelBarrier = barrier
    }

    deinit { fk_barrier_destroy(kernelBarrier) }

    /// Returns once every party has called it. Writes made before the call by any party are visible
    /// to every party after it.
    public func wait() { fk_barrier_wait(kernelBarrier) }
}

extension WorkerTeam {
    /// The mean time for two members to pass a ``Barrier`` together, over `rounds` passes: what a
    /// single window split by hidden units pays at every step. It depends on how far apart the
    /// cores running the two threads are. `nil` when the team has a single member or is busy.
    public func barrierRoundTrip(rounds: Int = 20_000) -> Duration? {
        guard size > 1 else { return nil }
        let barrier = Barrier(parties: 2)
        let clock = ContinuousClock()
        var elapsed: Duration?
        run(parties: 2) { member, parties in
            guard parties == 2 else { return }
            barrier.wait()
            let start = clock.now
            for _ in 0..<rounds { barrier.wait() }
            if member == 0 { elapsed = (clock.now - start) / rounds }
        }
        return elapsed
    }
}
