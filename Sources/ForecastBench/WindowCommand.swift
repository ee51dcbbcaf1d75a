import ArgumentParser
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
        """
    )

    @Option(help: "Hidden units per layer.") var hidden = 64
    @Option(help: "LSTM layers.") var layers = 2
    @Option(help: "Time steps per window.") var lookback = 48
    @Option(help: "Calls per block.") var calls = 2_000
    @Option(help: "Blocks per plan.") var rounds = 5
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard hidden > 0, layers > 0, lookback > 0, calls > 0, rounds > 0 else {
            throw ValidationError("--hidden, --layers, --lookback, --calls and --rounds must be positive.")
        }
    }

    func run() {
        var generator = SeededGenerator(seed: 1)
        let lstm = LSTM(inputSize: 1, hiddenSize: hidden, numLayers: layers, using: &generator)
        let input = (0..<lookback).map { _ in generator.nextUniform(-1, 1) }
        let threads = min(compute.threads ?? WorkerTeam.shared.size, WorkerTeam.shared.size)
        var plans = [LSTMWindowPlan.oneThread]
        if threads > 1 {
            plans += [.unitsSplit(threads: min(threads, hidden)), .layersPipelined(threads: min(threads, layers))]
        }
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
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        for (index, plan) in plans.enumerated() {
            printJSONLine(["hidden": hidden, "layers": layers, "lookback": lookback, "plan": plan.description,
                           "latency_us": rounded(median(latencies[index]) * 1e6, 1),
                           "barrier_round_trip_ns": roundTrips.isEmpty ? 0 : rounded(median(roundTrips), 1)])
        }
    }
}
