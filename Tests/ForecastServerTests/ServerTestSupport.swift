import Forecast
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
@testable import ForecastServer

/// Paths, servers and bodies the server tests share.
enum ServerFixtures {
    static let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let repository = testsFolder.deletingLastPathComponent().deletingLastPathComponent()
    /// A model of the airline passengers (lookback 12, horizon 3, monthly), trained by this library.
    static let passengersModel = testsFolder.appendingPathComponent("Fixtures/passengers")
    static let airPassengersCSV = repository.appendingPathComponent("data/airpassengers.csv")

    /// A server of `models` (default: the passengers model as `air`), logging into `log` when given.
    static func server(_ models: [ModelSource] = [ModelSource(name: "air", directory: passengersModel)],
                       configuration: ServeConfiguration = ServeConfiguration(port: 0), log: LogCapture? = nil) throws -> ForecastServer {
        var logger = Logger(label: "forecast-serve-test") { label in
            log.map { CapturingLogHandler(capture: $0) as any LogHandler } ?? SwiftLogNoOpLogHandler(label)
        }
        logger.logLevel = .info
        return try ForecastServer(models: models, configuration: configuration, logger: logger)
    }

    /// The CSV's time and value cells, as text.
    static func csvCells(_ url: URL) throws -> (times: [String], values: [String]) {
        let lines = try String(contentsOf: url, encoding: .utf8).split(whereSeparator: \.isNewline).dropFirst()
        let cells = lines.map { $0.split(separator: ",").map(String.init) }
        return (cells.map { $0[0] }, cells.map { $0[1] })
    }

    /// `{"series": [{"id": …, "timestamps": [...], "values": [...]}], "horizon": …}` with the cells as written.
    static func forecastBody(id: String? = nil, times: [String]?, values: [String], horizon: Int? = nil) -> String {
        var series: [String] = []
        if let id { series.append("\"id\":\"\(id)\"") }
        if let times { series.append("\"timestamps\":[" + times.map { "\"\($0)\"" }.joined(separator: ",") + "]") }
        series.append("\"values\":[" + values.joined(separator: ",") + "]")
        return "{\"series\":[{" + series.joined(separator: ",") + "}]" + (horizon.map { ",\"horizon\":\($0)" } ?? "") + "}"
    }

    /// The body as a JSON object.
    static func object(_ response: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8))) as? [String: Any] ?? [:]
    }

    /// The `error` of an error body.
    static func errorMessage(_ response: TestResponse) -> String {
        object(response)["error"] as? String ?? "(no error field in \(String(buffer: response.body)))"
    }
}

/// Log records, kept for a test to read.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var records: [(message: String, metadata: Logger.Metadata)] = []
    func append(_ message: String, _ metadata: Logger.Metadata) { lock.withLock { records.append((message, metadata)) } }
    var all: [(message: String, metadata: Logger.Metadata)] { lock.withLock { records } }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        capture.append(event.message.description, metadata.merging(event.metadata ?? [:]) { $1 })
    }
}
