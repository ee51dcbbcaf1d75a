import Foundation
import Testing

/// `forecast-bench`, run as a user runs it: each bad option is refused before any work, with the
/// usage status and a sentence naming the option.
@Suite struct BenchOptionsTests {
    static let executable = CommandLineTests.executable.deletingLastPathComponent().appendingPathComponent("forecast-bench")

    static func run(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let err = Pipe()
        process.standardOutput = Pipe()
        process.standardError = err
        try process.run()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stderr, as: UTF8.self))
    }

    @Test(arguments: [
        (["speed", "--threads", "0"], "--threads must be at least 1."),
        (["speed", "--hidden", "0"], "--hidden, --layers, --lookback and --batch must be positive."),
        (["speed", "--windows", "10", "--batch", "64"], "--windows must be at least --batch."),
        (["window", "--calls", "0"], "--hidden, --layers, --lookback, --calls and --rounds must be positive."),
        (["window", "--threads", "0"], "--threads must be at least 1."),
        (["inference", "--rows", "0"], "--hidden, --layers, --lookback, --rows, --rounds and --seconds must be positive."),
        (["inference", "--seconds", "0"], "--hidden, --layers, --lookback, --rows, --rounds and --seconds must be positive."),
    ])
    func badOptionsAreRefusedWithTheUsageStatusAndASentence(arguments: [String], message: String) throws {
        let run = try Self.run(arguments)
        #expect(run.status == 64)
        #expect(run.stderr.split(separator: "\n").first == "Error: \(message)"[...], "\(run.stderr)")
    }
}
