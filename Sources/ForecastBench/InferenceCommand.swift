import ArgumentParser
import ForecastKernels
import ForecastNN

/// Batch inference taken apart: one block of windows through the stream kernel, then its gate
/// products alone and its cells alone, so that the block's time can be set against the products'
/// own rate, the ceiling no scheduling of the cells can pass.
struct InferenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inference",
        abstract: "Batch-inference time per block on one thread, split into the gate products and the cells.",
        discussion: """
        Runs a block of --rows windows of the tutorial's model (input size 1) through every step and \
        layer in one kernel call, as batch predict does (lstmStreamBlock); then the same block's gate \
        products alone, step by step and layer by layer (lstmGates); then its cells alone \
        (lstmCellForward). Each is timed on one thread for at least --seconds, the median of \
        --rounds rounds. Prints one JSON line: the microseconds per block of each part, the products' \
        GFLOP/s, and the windows per second on --threads cores that the whole block gives and that \
        the products alone would give if the cells cost nothing (`ceiling_windows_per_s`). The \
        stream kernel skips the first step's recurrent product when the state starts at zero, so the \
        ceiling counts the products' flops without it.
        """
    )

    @Option(help: "Hidden units per layer.") var hidden = 64
    @Option(help: "LSTM layers.") var layers = 2
    @Option(help: "Time steps per window.") var lookback = 48
    @Option(help: "Windows per block (batch predict runs blocks of \(LSTM.inferenceBlockRows)).")
    var rows = LSTM.inferenceBlockRows
    @Option(help: "Seconds per timed round.") var seconds = 0.3
    @Option(help: "Timed rounds per part.") var rounds = 5
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard hidden > 0, layers > 0, lookback > 0, rows > 0, rounds > 0, seconds > 0 else {
            throw ValidationError("--hidden, --layers, --lookback, --rows, --rounds and --seconds must be positive.")
        }
    }

    func run() {
        let h = hidden, h4 = 4 * hidden, set = compute.instructionSet
        var generator = SeededGenerator(seed: 1)
        let scale = 1 / Float(h).squareRoot()
        func uniform(_ count: Int) -> [Float] { (0..<count).map { _ in generator.nextUniform(-scale, scale) } }
        let weights = (0..<layers).map { k in
            (inputTransposed: uniform((k == 0 ? 1 : h) * h4), hiddenTransposed: uniform(h * h4), bias: uniform(h4))
        }
        let input = (0..<(lookback * rows)).map { index in Float(index % 97) / 48 - 1 }
        let stateCount = rows * h
        var hiddenState = [Float](repeating: 0, count: layers * stateCount), cellState = hiddenState
        var gates = [Float](repeating: 0, count: rows * h4), tanhCells = [Float](repeating: 0, count: stateCount)
        var outputs: [Float]? = nil

        let block = medianSeconds {
            for index in hiddenState.indices { hiddenState[index] = 0; cellState[index] = 0 }
            lstmStreamBlock(input: input, weights: weights, time: lookback, batch: rows, inputSize: 1, hiddenSize: h,
                            hidden: &hiddenState, cells: &cellState, gates: &gates, tanhCells: &tanhCells, outputs: &outputs, using: set)
        }
        // The same products, on the states the block left (their values do not change the time).
        let products = medianSeconds {
            for t in 0..<lookback {
                for k in 0..<layers {
                    lstmGates(input: k == 0 ? input : hiddenState, inputOffset: k == 0 ? t * rows : (k - 1) * stateCount,
                              inputWeightsTransposed: weights[k].inputTransposed,
                              hidden: hiddenState, hiddenOffset: k * stateCount, hiddenWeightsTransposed: weights[k].hiddenTransposed,
                              bias: weights[k].bias, into: &gates, batch: rows, inputSize: k == 0 ? 1 : h, hiddenSize: h, using: set)
                }
            }
        }
        let cellTime = medianSeconds {
            for _ in 0..<lookback {
                for k in 0..<layers {
                    lstmCellForward(gates: &gates, gatesOffset: 0, cells: &cellState, previousOffset: k * stateCount,
                                    currentOffset: k * stateCount, tanhCells: &tanhCells, tanhOffset: 0,
                                    hidden: &hiddenState, hiddenOffset: k * stateCount, batch: rows, hiddenSize: h, using: set)
                }
            }
        }
        // Multiply-adds per window: every step's x·W_ihᵀ, and h·W_hhᵀ from the second step on.
        let inputMultiplyAdds = (0..<layers).reduce(0) { $0 + (($1 == 0 ? 1 : h) * h4) }
        let flopsPerWindow = 2 * Double(lookback * inputMultiplyAdds + (lookback - 1) * layers * h * h4)
        let fullFlopsPerWindow = 2 * Double(lookback * (inputMultiplyAdds + layers * h * h4))
        let productRate = fullFlopsPerWindow * Double(rows) / products
        let threads = Double(compute.threads ?? WorkerTeam.shared.size)
        printJSONLine([
            "hidden": hidden, "layers": layers, "lookback": lookback, "rows": rows, "instruction_set": set.rawValue,
            "block_us": rounded(block * 1e6, 1), "products_us": rounded(products * 1e6, 1),
            "cells_us": rounded(cellTime * 1e6, 1), "products_gflops": rounded(productRate / 1e9, 1),
            "threads": Int(threads),
            "block_windows_per_s": rounded(threads * Double(rows) / block, 0),
            "ceiling_windows_per_s": rounded(threads * productRate / flopsPerWindow, 0),
        ])
    }

    /// The median over rounds of the mean time of `body`, each round repeating it for at least --seconds.
    private func medianSeconds(_ body: () -> Void) -> Double {
        body()
        var times: [Double] = []
        for _ in 0..<rounds {
            var repeats = 0
            let start = monotonicSeconds()
            while monotonicSeconds() - start < seconds {
                body()
                repeats += 1
            }
            times.append((monotonicSeconds() - start) / Double(repeats))
        }
        return times.sorted()[times.count / 2]
    }
}
