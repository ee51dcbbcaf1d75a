import ArgumentParser
import ForecastKernels
import ForecastNN

/// The matrix-product kernel alone, on one thread: the peak the LSTM's products can approach.
struct KernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "GFLOP/s of the matrix-product kernel on one thread, for each supported instruction set.",
        discussion: """
        Products of the shapes the LSTM runs (hidden 64 and 256, a 32-row share of a batch of 64), \
        with the operands in cache, repeated for at least --seconds each; the best of 3 runs. \
        Prints one JSON line per instruction set and shape, then one with the best rate.
        """
    )

    @Option(help: "Seconds to repeat each product for.") var seconds = 0.5

    /// (form, M, N, K, what it is in the LSTM).
    static let shapes: [(String, Int, Int, Int, String)] = [
        ("matmul", 32, 256, 64, "recurrent step, H 64"),
        ("matmul", 32, 64, 256, "recurrent gradient step, H 64"),
        ("matmulTransposedA", 256, 64, 1536, "weight gradient, H 64"),
        ("matmul", 1536, 256, 64, "input projection, H 64"),
        ("matmul", 32, 1024, 256, "recurrent step, H 256"),
        ("matmul", 32, 256, 1024, "recurrent gradient step, H 256"),
        ("matmulTransposedA", 1024, 256, 1536, "weight gradient, H 256"),
        ("matmul", 1536, 1024, 256, "input projection, H 256"),
        ("matmul", 256, 256, 256, "square 256"),
    ]

    func run() {
        var best = (rate: 0.0, set: InstructionSet.baseline, shape: "")
        for set in InstructionSet.supported {
            for (form, m, n, k, what) in Self.shapes {
                let rate = measure(form: form, m: m, n: n, k: k, set: set)
                if rate > best.rate { best = (rate, set, "\(form) \(m)×\(n)×\(k)") }
                printJSONLine(["instruction_set": set.rawValue, "form": form, "m": m, "n": n, "k": k,
                               "lstm_use": what, "gflops": rounded(rate, 1)])
            }
        }
        printJSONLine(["best_single_thread_gflops": rounded(best.rate, 1), "instruction_set": best.set.rawValue,
                       "shape": best.shape])
    }

    private func measure(form: String, m: Int, n: Int, k: Int, set: InstructionSet) -> Double {
        var random = SeededGenerator(seed: 1)
        let a = (0..<(m * k)).map { _ in random.nextUniform(-1, 1) }
        let b = (0..<(k * n)).map { _ in random.nextUniform(-1, 1) }
        var c = [Float](repeating: 0, count: m * n)
        func once() {
            if form == "matmulTransposedA" {
                matmulTransposedA(a, b, into: &c, m: m, n: n, k: k, mode: .overwrite, using: set)
            } else {
                matmul(a, b, into: &c, m: m, n: n, k: k, mode: .overwrite, using: set)
            }
        }
        once()
        var bestRate = 0.0
        for _ in 0..<3 {
            var repeats = 0
            let start = monotonicSeconds()
            while monotonicSeconds() - start < seconds / 3 {
                for _ in 0..<10 { once() }
                repeats += 10
            }
            let elapsed = monotonicSeconds() - start
            bestRate = max(bestRate, 2 * Double(m * n * k) * Double(repeats) / elapsed / 1e9)
        }
        return bestRate
    }
}
