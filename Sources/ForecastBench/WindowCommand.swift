import ArgumentParser
import Foundation
import ForecastKernels
import ForecastNN

/// The single-window predict path plan by plan: what the chooser of `LSTMWindowWorkspace` picks from.
struct WindowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "window",
        abstract: "Single-window latency of each way of sharing a window among threads.",
        discussion: """
        Times one window of the tutorial's model (input size 1) on one thread, with its hidden units \
        split among the threads (a barrier after every step), and with its layers pipelined (each \
        layer following the one below by a chunk of steps), in blocks of --calls calls, the three \
        plans in turn, --rounds times. Prints one JSON line per plan with the median over rounds of \
        the mean latency of a block, and the barrier round trip of the worker team measured between \
        rounds: it shows how far apart the cores are, which decides which plan wins.

        With --interval-ms, each call is timed alone after sleeping that long, as when one series \
        is forecast on demand: --calls calls per plan and then as many through LSTM.forward, which \
        chooses the plan itself. Each line gives the median, 90th and 99th percentile and largest \
        latency, and how often each plan ran (a shared plan runs on one thread when the team's \
        threads are asleep), the first 20 calls not counted.
        """
    )

    @Option(help: "Hidden units per layer.") var hidden = 64
    @Option(help: "LSTM layers.") var layers = 2
    @Option(help: "Time steps per window.") var lookback = 48
    @Option(help: "Calls per block.") var calls = 2_000
    @Option(help: "Blocks per plan.") var rounds = 5
    @Option(name: .customLong("interval-ms"), help: "Milliseconds to sleep before each call (default: none, calls back to back).")
    var interval: Double?
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard hidden > 0, layers > 0, lookback > 0, calls > 0, rounds > 0 else {
            throw ValidationError("--hidden, --layers, --lookback, --calls and --rounds must be positive.")
        }
        if let interval, !(interval > 0 && interval <= 10_000) {
            throw ValidationError("--interval-ms must be more than 0 and at most 10000.")
        }
        if interval != nil && calls <= 20 {
            throw ValidationError("--calls must be more than 20 with --interval-ms (the first 20 are not counted).")
        }
    }

    func run() {
        if let interval { return runSpaced(interval: interval) }
        let (lstm, input, plans) = setUp()
        let layouts = plans.map { lstm.windowLayers(sharedBy: $0.unitShares) }
        let workspace = LSTMWindowWorkspace()
        var latencies = [[Double]](repeating: [], count: plans.count), roundTrips: [Double] = []
        for _ in 0..<rounds {
            for (index, plan) in plans.enumerated() {
                for _ in 0..<20 {
                    _ = lstmWindowForward(layers: layouts[index], input: input, time: lookback, keepsOutputs: false,
                                          plan: plan, workspace: workspace, using: compute.instructionSet)
                }
                let start = monotonicSeconds()
                for _ in 0..<calls {
                    _ = lstmWindowForward(layers: layouts[index], input: input, time: lookback, keepsOutputs: false,
                                          plan: plan, workspace: workspace, using: compute.instructionSet)
                }
                latencies[index].append((monotonicSeconds() - start) / Double(calls))
            }
            if let roundTrip = WorkerTeam.shared.barrierRoundTrip() {
                roundTrips.append(Double(roundTrip.components.attoseconds) * 1e-9)
            }
        }
        for (index, plan) in plans.enumerated() {
            printJSONLine(["hidden": hidden, "layers": layers, "lookback": lookback, "plan": plan.description,
                           "latency_us": rounded(median(latencies[index]) * 1e6, 1),
                           "barrier_round_trip_ns": roundTrips.isEmpty ? 0 : rounded(median(roundTrips), 1)])
        }
    }

    /// The tutorial's model, one window for it, and the plans to time: one thread, and with more
    /// than one thread the units split and the layers pipelined.
    private func setUp() -> (lstm: LSTM, input: [Float], plans: [LSTMWindowPlan]) {
        var generator = SeededGenerator(seed: 1)
        let lstm = LSTM(inputSize: 1, hiddenSize: hidden, numLayers: layers, using: &generator)
        let input = (0..<lookback).map { _ in generator.nextUniform(-1, 1) }
        let threads = min(compute.threads ?? WorkerTeam.shared.size, WorkerTeam.shared.size)
        var plans = [LSTMWindowPlan.oneThread]
        if threads > 1 {
            plans += [.unitsSplit(threads: min(threads, hidden)), .layersPipelined(threads: min(threads, layers))]
        }
        return (lstm, input, plans)
    }

    /// Each call timed alone after a pause of `interval` ms: per plan, then through `LSTM.forward`.
    private func runSpaced(interval: Double) {
        let (lstm, input, plans) = setUp()
        lstm.isTraining = false
        if let threads = compute.threads { lstm.threadCount = threads }
        lstm.instructionSet = compute.instructionSet
        let window = Tensor(shape: [1, lookback, 1], scalars: input)
        let workspace = LSTMWindowWorkspace()
        // `calls` calls of `body`, each after the pause, which returns the plan it ran: the sorted
        // latencies and how often each plan ran, the first 20 calls left out.
        func spaced(_ body: () -> LSTMWindowPlan?) -> (latencies: [Double], plansRun: String) {
            var latencies: [Double] = [], counts: [String: Int] = [:]
            for call in 0..<calls {
                Thread.sleep(forTimeInterval: interval / 1000)
                let start = monotonicSeconds()
                let plan = body()
                let elapsed = monotonicSeconds() - start
                if call >= 20 {
                    latencies.append(elapsed)
                    counts[plan?.description ?? "none", default: 0] += 1
                }
            }
            return (latencies.sorted(), counts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))
        }
        func report(_ plan: String, _ run: (latencies: [Double], plansRun: String)) {
            let sorted = run.latencies
            printJSONLine(["hidden": hidden, "layers": layers, "lookback": lookback, "plan": plan, "interval_ms": interval,
                           "calls": sorted.count, "median_us": rounded(sorted[sorted.count / 2] * 1e6, 1),
                           "p90_us": rounded(sorted[sorted.count * 9 / 10] * 1e6, 1),
                           "p99_us": rounded(sorted[sorted.count * 99 / 100] * 1e6, 1),
                           "max_us": rounded(sorted[sorted.count - 1] * 1e6, 1), "plans_run": run.plansRun])
        }
        for plan in plans {
            let layout = lstm.windowLayers(sharedBy: plan.unitShares)
            report(plan.description, spaced {
                _ = lstmWindowForward(layers: layout, input: input, time: lookback, keepsOutputs: false,
                                      plan: plan, workspace: workspace, using: compute.instructionSet)
                return workspace.lastPlan
            })
        }
        report("chosen by the library", spaced {
            _ = lstm.forward(window)
            return lstm.lastWindowPlan
        })
    }
}
