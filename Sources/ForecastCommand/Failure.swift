import ArgumentParser
import Forecast
import Foundation

/// Runs a command's body and turns every error a user can cause into one line on standard error
/// and a sysexits status: 64 usage, 65 bad data, 66 missing input, 73 cannot create output.
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as DataError {
        let status: Int32 = switch error.kind {
        case .missingFile: 66
        case .badData: 65
        case .usage: 64
        }
        throw fail(error.description, status: status)
    } catch let error as ModelFileError {
        let missing = error.problem == "does not exist" || error.problem == "no such model directory"
        throw fail(error.description, status: missing ? 66 : 65)
    } catch let error as OutputError {
        throw fail(error.description, status: 73)
    } catch let error as ValidationError {
        throw fail(error.message, status: 64)
    }
}

private func fail(_ message: String, status: Int32) -> ExitCode {
    printError("error: \(message)")
    return ExitCode(status)
}

/// Writes a line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// An output file that cannot be written.
struct OutputError: Error, CustomStringConvertible {
    var file: String
    var problem: String
    var description: String { "\(file): \(problem)" }
}

/// Writes `text` to `path` atomically (a temporary file beside it, fsync, a rename, fsync of the
/// folder: ``AtomicFile``), or to standard output when `path` is `-`. A failure leaves no partial file.
func writeOutput(_ text: String, to path: String) throws(OutputError) {
    if path == "-" {
        FileHandle.standardOutput.write(Data(text.utf8))
        return
    }
    let url = URL(fileURLWithPath: path)
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw OutputError(file: path, problem: "is a directory")
    }
    let parent = url.deletingLastPathComponent()
    guard FileManager.default.fileExists(atPath: parent.path) else {
        throw OutputError(file: path, problem: "cannot be written: the folder \(parent.path) does not exist")
    }
    do {
        try AtomicFile.write(Data(text.utf8), to: path)
    } catch {
        throw OutputError(file: path, problem: error.problem)
    }
}
