import ArgumentParser
import Forecast
import ForecastServer
import Foundation
import Logging

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve saved models over HTTP: JSON forecasts, the Open Inference Protocol, Prometheus metrics.",
        discussion: """
        Every --model is loaded and checked before the server listens (a model that does not \
        load is an error, exit 64). Routes (docs/serving.md has the formats and the errors):
          POST /v1/models/NAME/forecast     {"series": [{"values": [...]}]}
          GET  /v1/models                   the models served
          GET  /v2/health/live, /v2/health/ready
          GET  /v2/models/NAME, /v2/models/NAME/ready
          POST /v2/models/NAME/infer        FP32 windows [B, T] in, [B, H] out
          POST /v2/repository/models/NAME/load   reload NAME from its directory
          GET  /metrics                     Prometheus text

        SIGHUP reloads every model; a model that fails to load keeps its previous version \
        serving. SIGTERM or SIGINT stops accepting connections, finishes the requests in flight \
        and exits 0. One log line per request goes to standard error, with the id of the \
        X-Request-ID header.

        Examples:
          forecast serve --model passengers-model
          forecast serve --model air=passengers-model --model stores=stores-model --port 9000
          curl -s localhost:8080/v1/models/passengers-model/forecast -d @request.json
        """
    )

    @Option(name: .customLong("model"), help: ArgumentHelp("A model directory to serve, as NAME=DIR or DIR (named after the directory); repeat for several.", valueName: "name=dir"))
    var models: [String] = []

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port, printed at start).")
    var port = 8080

    @Option(help: "Threads running the network (one pass per model at a time; models run side by side).")
    var threads = 2

    @Option(help: "Requests that may wait for the network; beyond it a request gets 503 with Retry-After.")
    var queueLimit = 256

    @Option(help: ArgumentHelp("Milliseconds a network thread waits for more requests to batch with (0: batch only what queued during the previous pass).", valueName: "ms"))
    var batchWindowMs: Double = 0

    @Option(help: "The largest request body, in bytes (413 beyond it).")
    var maxBodyBytes = 16 << 20

    @Option(help: "The most series in one request (400 beyond it).")
    var maxSeries = 10_000

    @Option(help: "The most points in one series (400 beyond it).")
    var maxSeriesLength = 100_000

    @Option(help: ArgumentHelp("Log level: trace, debug, info (one line per request), notice, warning, error, critical.", valueName: "level"))
    var logLevel = "info"

    func validate() throws {
        guard !models.isEmpty else { throw ValidationError("give at least one --model DIR (or NAME=DIR)") }
        let sources = models.map(ModelSource.init(argument:))
        for source in sources where !ModelSource.isValidName(source.name) {
            throw ValidationError("'\(source.name)' cannot name a model in a URL: use 1 to 64 letters, digits, '-', '_' or '.' (--model NAME=DIR)")
        }
        if let duplicate = Dictionary(grouping: sources, by: \.name).first(where: { $0.value.count > 1 })?.key {
            throw ValidationError("two models are named '\(duplicate)'; name them apart with --model NAME=DIR")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535 (got \(port))") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be between 1 and 256 (got \(threads))") }
        guard queueLimit >= 1 else { throw ValidationError("--queue-limit must be at least 1 (got \(queueLimit))") }
        guard batchWindowMs >= 0 && batchWindowMs <= 1000 else { throw ValidationError("--batch-window-ms must be between 0 and 1000 (got \(batchWindowMs))") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024 (got \(maxBodyBytes))") }
        guard maxSeries >= 1 else { throw ValidationError("--max-series must be at least 1 (got \(maxSeries))") }
        guard maxSeriesLength >= 1 else { throw ValidationError("--max-series-length must be at least 1 (got \(maxSeriesLength))") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical (got '\(logLevel)')") }
    }

    func run() throws {
        var logger = Logger(label: "forecast-serve")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let configuration = ServeConfiguration(
            host: host, port: port, threads: threads, queueLimit: queueLimit,
            batchWindow: .nanoseconds(Int64(batchWindowMs * 1e6)),
            limits: RequestLimits(maxBodyBytes: maxBodyBytes, maxSeries: maxSeries, maxSeriesLength: maxSeriesLength))
        let server: ForecastServer
        do {
            server = try ForecastServer(models: models.map(ModelSource.init(argument:)), configuration: configuration, logger: logger)
        } catch {
            printError("error: \(error.description)")
            throw ExitCode(64)
        }
        for name in server.store.names {
            guard let served = server.store.model(named: name) else { continue }
            let c = served.configuration
            printError("model '\(name)': \(served.directory.path) (lookback \(c.lookback), horizon \(c.horizon)\(c.features.isEmpty ? "" : ", features \(c.features.joined(separator: ","))"))")
        }
        // The server runs on its own threads; this one waits for it to finish.
        let (host, port) = (self.host, self.port)
        let outcome = ServeOutcome()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do {
                try await server.run { channel in
                    let address = channel.localAddress.map { "\($0.ipAddress ?? host):\($0.port ?? port)" } ?? "\(host):\(port)"
                    printError("listening on http://\(address)")
                }
            } catch {
                outcome.fail("error: \(error)")
            }
            done.signal()
        }
        done.wait()
        if let failure = outcome.failure {
            printError(failure)
            throw ExitCode(failure.contains("Address already in use") ? 75 : 70)
        }
        printError("stopped")
    }
}

/// What the server's task ended with, read after it ends.
private final class ServeOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var message: String?
    var failure: String? { lock.withLock { message } }
    func fail(_ text: String) { lock.withLock { message = text } }
}
