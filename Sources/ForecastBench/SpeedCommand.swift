import ArgumentParser
import Foundation
import ForecastKernels
import ForecastNN

/// The workload of ../shared/bench/torch_lstm_bench.py, on the Swift engine.
struct SpeedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "speed",
        abstract: "Training and prediction speed of the tutorial's LSTM (or GRU), as torch_lstm_bench.py measures PyTorch.",
        discussion: """
        The model is the tutorial's (input size 1, output size 1), trained with Adam (lr 1e-3) and MSE \
        on shuffled batches of windows of a synthetic series: sin(2πt/24) + 0.5 sin(2πt/168) + 0.1·noise. \
        One warm-up epoch, then one timed epoch; then the latency of predicting one window (mean of \
        1,000 calls after 50 warm-up calls) and the throughput of predicting every window in one call. \
        Prints one JSON line with the keys of torch_lstm_bench.py and a few more: the plan the single \
        windows ended up on (see LSTMWindowPlan) and the time two threads of the worker team take to \
        pass a barrier together, which tells how far apart the cores they ran on were.
        """
    )

    @Option(help: "The recurrent cell: lstm or gru (scripts/torch_lstm_bench.py --cell measures PyTorch's).") var cell: RecurrentCell = .lstm
    @Option(help: "Hidden units per layer.") var hidden = 64
    @Option(help: "LSTM layers.") var layers = 2
    @Option(help: "Time steps per window.") var lookback = 48
    @Option(help: "Windows per batch.") var batch = 64
    @Option(help: "Training windows per epoch.") var windows = 20_000
    @Option(help: "Seed of the weights, the noise and the shuffling.") var seed: UInt64 = 0
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard hidden > 0, layers > 0, lookback > 0, batch > 0 else {
            throw ValidationError("--hidden, --layers, --lookback and --batch must be positive.")
        }
        guard windows >= batch else { throw ValidationError("--windows must be at least --batch.") }
    }

    func run() {
        let (inputs, targets) = syntheticWindows()
        let model = makeForecastNetwork(cell: cell, inputSize: 1, hiddenSize: hidden, numLayers: layers, outputSize: 1, seed: seed)
        if let threads = compute.threads { model.threadCount = threads }
        model.instructionSet = compute.instructionSet
        let optimizer = Adam(parameters: model.parameters, learningRate: 1e-3)
        var shuffler = SeededGenerator(seed: seed &+ 1)

        // One epoch as the PyTorch loop runs it: a new permutation, every full batch of it.
        func epoch() -> Float {
            var order = Array(0..<windows)
            order.shuffle(using: &shuffler)
            var loss: Float = 0
            var input = [Float](repeating: 0, count: batch * lookback), target = [Float](repeating: 0, count: batch)
            for start in stride(from: 0, through: windows - batch, by: batch) {
                for (row, window) in order[start ..< start + batch].enumerated() {
                    input.replaceSubrange(row * lookback ..< (row + 1) * lookback,
                                          with: inputs[window * lookback ..< (window + 1) * lookback])
                    target[row] = targets[window]
                }
                loss = model.trainStep(input: Tensor(shape: [batch, lookback, 1], scalars: input),
                                       target: Tensor(shape: [batch, 1], scalars: target), loss: .mse, optimizer: optimizer)
            }
            return loss
        }

        model.isTraining = true
        _ = epoch()
        let startCPU = processCPUSeconds()
        var start = monotonicSeconds()
        let finalLoss = epoch()
        let trainSeconds = monotonicSeconds() - start
        let trainCPUSeconds = processCPUSeconds() - startCPU
        // FNV-1a over the bits of every trained parameter: equal between two builds only if they
        // trained to the same bits.
        var weightsHash: UInt64 = 0xcbf2_9ce4_8422_2325
        for parameter in model.parameters {
            for value in parameter.value.scalars { weightsHash = (weightsHash ^ UInt64(value.bitPattern)) &* 0x100_0000_01b3 }
        }

        model.isTraining = false
        let one = Tensor(shape: [1, lookback, 1], scalars: Array(inputs[0 ..< lookback]))
        for _ in 0..<50 { _ = model.forward(one) }
        let calls = 1000
        start = monotonicSeconds()
        for _ in 0..<calls { _ = model.forward(one) }
        let latency = (monotonicSeconds() - start) / Double(calls)
        let windowPlan = (model as? LSTMModel)?.lstm.lastWindowPlan?.description ?? "none"
        start = monotonicSeconds()
        _ = model.forward(Tensor(shape: [windows, lookback, 1], scalars: inputs))
        let batchSeconds = monotonicSeconds() - start

        // As torch_lstm_bench.py counts it: 3 × the forward FLOPs of the products.
        let forwardFlops = (0..<layers).reduce(0) { sum, k in sum + 2 * cell.gateCount * hidden * ((k == 0 ? 1 : hidden) + hidden) } * lookback
        let trainFlopRate = 3 * Double(forwardFlops) * Double(windows) / trainSeconds / 1e9
        printJSONLine([
            "impl": "swift-forecast", "cell": cell.rawValue, "hidden": hidden, "layers": layers, "lookback": lookback, "batch": batch,
            "threads": model.threadCount, "instruction_set": model.instructionSet.rawValue,
            "train_windows_per_s": rounded(Double(windows) / trainSeconds, 1),
            "train_gflops": rounded(trainFlopRate, 2),
            "predict_latency_us": rounded(latency * 1e6, 1),
            "predict_windows_per_s": rounded(Double(windows) / batchSeconds, 1),
            "final_loss": rounded(Double(finalLoss), 5),
            "peak_rss_mb": rounded(peakResidentMegabytes(), 1),
            "train_seconds": rounded(trainSeconds, 3),
            "train_cpu_seconds": rounded(trainCPUSeconds, 3),
            "trained_weights_fnv1a": String(weightsHash, radix: 16),
            "predict_window_plan": windowPlan,
            "barrier_round_trip_ns": WorkerTeam.shared.barrierRoundTrip().map { rounded(Double($0.components.attoseconds) * 1e-9, 1) } ?? 0,
        ])
    }

    /// Windows [windows, lookback] and their next values [windows] of the benchmark's series:
    /// y_t = sin(2πt/24) + 0.5 sin(2πt/168) + 0.1 ε_t with ε from a seeded normal generator.
    func syntheticWindows() -> (inputs: [Float], targets: [Float]) {
        var generator = SeededGenerator(seed: seed)
        let length = windows + lookback + 1
        let series: [Float] = (0..<length).map { t in
            let time = Double(t)
            // Box–Muller: one standard normal value from two uniform ones.
            let u1 = max(Double(generator.nextUnitFloat()), 1e-12), u2 = Double(generator.nextUnitFloat())
            let noise = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
            return Float(sin(time * 2 * .pi / 24) + 0.5 * sin(time * 2 * .pi / 168) + 0.1 * noise)
        }
        var inputs = [Float](), targets = [Float]()
        inputs.reserveCapacity(windows * lookback)
        for window in 0..<windows {
            inputs += series[window ..< window + lookback]
            targets.append(series[window + lookback])
        }
        return (inputs, targets)
    }
}
