import ArgumentParser
import ForecastKernels

extension InstructionSet: ExpressibleByArgument {}

/// How the kernels run: threads and vector instructions.
struct ComputeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Threads a batch is split across (default: every core).", valueName: "n"))
    var threads: Int?

    @Option(name: .customLong("instruction-set"),
            help: ArgumentHelp("Vector instructions: \(InstructionSet.allCases.map(\.rawValue).joined(separator: ", ")) (default: the widest the CPU supports).",
                               valueName: "set"))
    var instructionSet: InstructionSet = .automatic

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1.") }
        if !instructionSet.isSupported {
            throw ValidationError("This CPU cannot run the \(instructionSet) kernels; it supports \(InstructionSet.supported.map(\.rawValue).joined(separator: ", ")).")
        }
    }
}
