// The entry points. Built by scripts/fuzz.sh with `-sanitize=fuzzer,address -DFUZZING`, `main` hands
// its arguments to libFuzzer's driver, which calls `LLVMFuzzerTestOneInput` with each input, for the
// target named by the environment variable FUZZ_TARGET. (SwiftPM links an executable's `main` under
// its own name, so libFuzzer's `main` cannot be used; `LLVMFuzzerRunDriver` is its documented
// alternative.) Built normally (`swift build`), `forecast-fuzz TARGET FILE…` runs a target once on
// each file or each file of a folder: to replay a corpus or a crash without the fuzzer.

import Foundation

/// The target FUZZ_TARGET names, looked up once.
private let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
    guard let target = FuzzTargets.named(name) else {
        let names = FuzzTargets.all.map(\.name).joined(separator: ", ")
        FileHandle.standardError.write(Data("forecast-fuzz: set FUZZ_TARGET to one of \(names) (got '\(name)')\n".utf8))
        exit(64)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selectedTarget.run(bytes)
    return 0
}

#if FUZZING
/// libFuzzer's driver: parses libFuzzer's flags from `argv` and runs the callback on each input.
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(_ argc: UnsafeMutablePointer<CInt>,
                       _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                       _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@main
struct ForecastFuzz {
    static func main() {
        _ = selectedTarget
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) })
    }
}
#else
@main
struct ForecastFuzz {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let name = arguments.first, let target = FuzzTargets.named(name) else {
            let names = FuzzTargets.all.map(\.name).joined(separator: ", ")
            FileHandle.standardError.write(Data("usage: forecast-fuzz TARGET FILE-OR-FOLDER…  (TARGET: \(names))\n".utf8))
            exit(64)
        }
        var count = 0
        for path in arguments.dropFirst() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("forecast-fuzz: \(path): no such file\n".utf8))
                exit(66)
            }
            let files = isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
                : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                target.run([UInt8](data))
                count += 1
            }
        }
        print("\(target.name): \(count) inputs ran without a failure")
    }
}
#endif
