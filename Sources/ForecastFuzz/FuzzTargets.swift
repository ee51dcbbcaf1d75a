// The fuzz targets: every parser a user or a network can reach, each fed arbitrary bytes.
//
// A target must never trap, hang or leak on any input: it either returns a value or throws the
// parser's typed error. Where a parser has an inverse (timestamps, safetensors, config.json) the
// target also checks the round trip, so that the fuzzer finds wrong answers as well as crashes.

import Forecast
import Foundation

/// One fuzz target: a name for `FUZZ_TARGET` and scripts/fuzz.sh, and the function fed each input.
struct FuzzTarget: Sendable {
    var name: String
    var run: @Sendable ([UInt8]) -> Void
}

enum FuzzTargets {
    static let all: [FuzzTarget] = [
        FuzzTarget(name: "csv", run: csv),
        FuzzTarget(name: "series", run: series),
        FuzzTarget(name: "timestamp", run: timestamp),
        FuzzTarget(name: "safetensors", run: safetensors),
        FuzzTarget(name: "config", run: config),
    ]

    static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }

    /// The CSV reader, in chunks of 1 to 64 bytes chosen by the first byte, so that records, quotes
    /// and CRLFs straddle chunk boundaries; then the same bytes in one chunk, which must agree.
    static func csv(_ input: [UInt8]) {
        guard let first = input.first else { return }
        let bytes = Array(input.dropFirst())
        let chunked = Result { () throws(DataError) in try CSVReader.read(bytes: bytes, source: "fuzz.csv", chunkSize: Int(first % 64) + 1) }
        let whole = Result { () throws(DataError) in try CSVReader.read(bytes: bytes, source: "fuzz.csv") }
        switch (chunked, whole) {
        case let (.success(a), .success(b)):
            check(a == b, "chunked and whole reads differ")
            check(a.columns.allSatisfy { $0.count == a.rowCount }, "a column has the wrong number of cells")
        case let (.failure(a), .failure(b)):
            check(a == b, "chunked and whole reads fail differently: \(a) vs \(b)")
            check(!a.description.isEmpty, "empty error message")
        default:
            check(false, "chunked and whole reads disagree on success")
        }
    }

    /// The whole loader, of one series and of a long table of many: CSV → columns, numbers, time
    /// axis, frequency, gaps, missing values, under the policy chosen by the first byte.
    static func series(_ input: [UInt8]) {
        guard let first = input.first else { return }
        let policies: [MissingValuePolicy] = [.interpolate, .ffill, .drop, .error]
        let options = SeriesOptions(missing: policies[Int(first) % policies.count])
        guard let table = try? CSVReader.read(bytes: Array(input.dropFirst()), source: "fuzz.csv") else { return }
        // A hostile time column could ask for billions of gap points: the loader must refuse, not allocate.
        if let (series, _) = try? SeriesLoader.load(table, options: options) {
            check(series.columns.allSatisfy { $0.count == series.count }, "ragged series columns")
            check(series.columns.allSatisfy { $0.allSatisfy(\.isFinite) }, "a non-finite value survived loading")
        }
        // The same bytes as a long table of many series (an id column is detected by its name).
        if let (panel, _) = try? PanelLoader.load(bytes: Array(input.dropFirst()), source: "fuzz.csv", options: options) {
            check(panel.ids.count == panel.series.count && Set(panel.ids).count == panel.ids.count, "series ids repeat")
            for series in panel.series {
                check(series.columns.allSatisfy { $0.count == series.count }, "ragged panel series columns")
                check(series.columns.allSatisfy { $0.allSatisfy(\.isFinite) }, "a non-finite value survived panel loading")
                if let time = series.time {
                    check(zip(time.timestamps, time.timestamps.dropFirst()).allSatisfy { $0 < $1 }, "panel series out of time order")
                }
            }
        }
    }

    /// The timestamp parser; a parsed cell written back in its own format parses to the same instant.
    static func timestamp(_ input: [UInt8]) {
        let text = String(decoding: input, as: UTF8.self)
        guard let (stamp, format) = TimeParser.parse(text) else { return }
        let written = TimeParser.format(stamp, as: format)
        guard let (again, againFormat) = TimeParser.parse(written) else {
            check(false, "'\(text)' parsed but its rewriting '\(written)' does not")
            return
        }
        check(again == stamp && againFormat == format, "'\(text)' → '\(written)' does not read back the same")
    }

    /// The safetensors reader; what it reads encodes and reads back equal.
    static func safetensors(_ input: [UInt8]) {
        guard let file = try? SafeTensors(data: Data(input), file: "fuzz.safetensors") else { return }
        let again = try? SafeTensors(data: file.encoded(), file: "fuzz.safetensors")
        check(again?.names == file.names, "a decoded file does not survive encoding")
    }

    /// config.json: decoding, the consistency checks, and encoding what decoded.
    static func config(_ input: [UInt8]) {
        guard let configuration = try? JSONDecoder().decode(ModelConfiguration.self, from: Data(input)) else { return }
        _ = configuration.problems
        _ = configuration.parameterCount
        _ = try? JSONEncoder().encode(configuration)
    }

    /// A failed property is a crash the fuzzer records, with the input that caused it.
    static func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError("fuzz property failed: \(message())") }
    }
}
