import ArgumentParser
import ForecastKernels
import ForecastNN

/// The matrix-product kernel alone, on one thread: the peak the LSTM's products can approach.
struct KernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "GFLOP/s of the matrix-product kernel on one thread, for each supported instruction set.",
        discussion: """
        Products of the shapes the LSTM runs (hidden 64 and 256, a 32-row share of a batch of 64; \
        the recurrent steps with the weight packed once, as training packs it), with the operands in cache, repeated for at least --seconds each; the best of 3 runs. \
        Prints one JSON line per instruction set and shape: `gflops` by the wall clock and \
        `gflops_thread_time` by the thread's CPU time (which leaves out the time other programs held \
        the core); then per instruction set the best shape and the smallest share of its rate among \
        the hidden-256 shapes, by either clock; then one line with the best rate.
        """
    )

    @Option(help: "Seconds to repeat each product for.") var seconds = 0.5

    @Option(name: .customLong("instruction-set"),
            help: ArgumentHelp("Only this instruction set (default: every one the CPU supports).", valueName: "set"))
    var instructionSet: InstructionSet?

    func validate() throws {
        if let instructionSet, !instructionSet.isSupported {
            throw ValidationError("This CPU cannot run the \(instructionSet) kernels; it supports \(InstructionSet.supported.map(\.rawValue).joined(separator: ", ")).")
        }
    }

    /// (form, M, N, K, what it is in the LSTM). The recurrent steps multiply by the same weight at
    /// every step, which the LSTM packs once per pass (``PackedMatrix``): `packedMatmul`.
    static let shapes: [(String, Int, Int, Int, String)] = [
        ("packedMatmul", 32, 256, 64, "recurrent step, H 64"),
        ("packedMatmul", 32, 64, 256, "recurrent gradient step, H 64"),
        ("matmulTransposedA", 256, 64, 1536, "weight gradient, H 64"),
        ("matmul", 1536, 256, 64, "input projection, H 64"),
        ("packedMatmul", 32, 1024, 256, "recurrent step, H 256"),
        ("packedMatmul", 32, 256, 1024, "recurrent gradient step, H 256"),
        ("matmulTransposedA", 1024, 256, 1536, "weight gradient, H 256"),
        ("matmul", 1536, 1024, 256, "input projection, H 256"),
        ("matmul", 256, 256, 256, "square 256"),
    ]

    func run() {
        var best = (rate: 0.0, set: InstructionSet.baseline, shape: "")
        for set in instructionSet.map({ [$0] }) ?? InstructionSet.supported {
            var rates: [(wall: Double, thread: Double, shape: String, hidden256: Bool)] = []
            for (form, m, n, k, what) in Self.shapes {
                let rate = measure(form: form, m: m, n: n, k: k, set: set)
                let shape = "\(form) \(m)×\(n)×\(k)"
                rates.append((rate.wall, rate.thread, shape, what.hasSuffix("H 256")))
                if rate.wall > best.rate { best = (rate.wall, set, shape) }
                printJSONLine(["instruction_set": set.rawValue, "form": form, "m": m, "n": n, "k": k,
                               "lstm_use": what, "gflops": rounded(rate.wall, 1),
                               "gflops_thread_time": rounded(rate.thread, 1)])
            }
            // The target of docs/performance.md: the hidden-256 shapes within 80% of the best shape.
            let bestWall = rates.max { $0.wall < $1.wall }!, bestThread = rates.max { $0.thread < $1.thread }!
            let worstWall = rates.filter(\.hidden256).map { $0.wall / bestWall.wall }.min() ?? 0
            let worstThread = rates.filter(\.hidden256).map { $0.thread / bestThread.thread }.min() ?? 0
            printJSONLine(["instruction_set": set.rawValue, "best_shape": bestWall.shape,
                           "best_gflops": rounded(bestWall.wall, 1), "worst_hidden_256_share_of_best": rounded(worstWall, 3),
                           "best_shape_thread_time": bestThread.shape, "best_gflops_thread_time": rounded(bestThread.thread, 1),
                           "worst_hidden_256_share_of_best_thread_time": rounded(worstThread, 3)])
        }
        printJSONLine(["best_single_thread_gflops": rounded(best.rate, 1), "instruction_set": best.set.rawValue,
                       "shape": best.shape])
    }

    /// GFLOP/s by the wall clock and by the thread's CPU time, each the best of 3 runs.
    private func measure(form: String, m: Int, n: Int, k: Int, set: InstructionSet) -> (wall: Double, thread: Double) {
        var random = SeededGenerator(seed: 1)
        let a = (0..<(m * k)).map { _ in random.nextUniform(-1, 1) }
        let b = (0..<(k * n)).map { _ in random.nextUniform(-1, 1) }
        var c = [Float](repeating: 0, count: m * n)
        let packed = form == "packedMatmul" ? PackedMatrix(b, rows: k, columns: n, using: set) : nil
        func once() {
            if let packed {
                matmul(a, packed, into: &c, m: m, mode: .overwrite)
            } else if form == "matmulTransposedA" {
                matmulTransposedA(a, b, into: &c, m: m, n: n, k: k, mode: .overwrite, using: set)
            } else {
                matmul(a, b, into: &c, m: m, n: n, k: k, mode: .overwrite, using: set)
            }
        }
        once()
        var bestRate = (wall: 0.0, thread: 0.0)
        for _ in 0..<3 {
            var repeats = 0
            let start = monotonicSeconds(), threadStart = threadCPUSeconds()
            while monotonicSeconds() - start < seconds / 3 {
                for _ in 0..<10 { once() }
                repeats += 10
            }
            let elapsed = monotonicSeconds() - start, threadElapsed = threadCPUSeconds() - threadStart
            let flops = 2 * Double(m * n * k) * Double(repeats)
            bestRate = (max(bestRate.wall, flops / elapsed / 1e9), max(bestRate.thread, flops / threadElapsed / 1e9))
        }
        return bestRate
    }
}
