import Forecast
import Foundation
import Hummingbird
import NIOCore
import Logging
import ServiceLifecycle
import UnixSignals

/// How `forecast serve` runs: where it listens, how many threads run the network, how long its queue
/// may grow, how long a thread waits to batch requests, and the limits on a request.
public struct ServeConfiguration: Sendable {
    /// The address to listen on (127.0.0.1 by default: put a proxy in front to serve others).
    public var host: String
    /// The port (0 for any free port).
    public var port: Int
    /// Threads running the network (each model runs one pass at a time; different models run side by side).
    public var threads: Int
    /// Requests that may wait for the network before new ones are answered 503.
    public var queueLimit: Int
    /// How long a thread waits for more requests to the same model before a pass (0: only requests
    /// that arrived while the previous pass ran share a pass).
    public var batchWindow: Duration
    /// Body size, series count and series length limits.
    public var limits: RequestLimits

    /// Creates a configuration.
    public init(host: String = "127.0.0.1", port: Int = 8080, threads: Int = 2, queueLimit: Int = 256,
                batchWindow: Duration = .zero, limits: RequestLimits = RequestLimits()) {
        self.host = host
        self.port = port
        self.threads = threads
        self.queueLimit = queueLimit
        self.batchWindow = batchWindow
        self.limits = limits
    }
}

/// The forecasting server: the models by name, the pool that runs them, the metrics, and the routes
/// of ``makeApplication(onServerRunning:)``:
///
/// - `POST /v1/models/{name}/forecast`: forecasts of JSON series (the numbers `forecast predict` gives).
/// - `GET /v1/models`: the models served.
/// - The Open Inference Protocol (KServe v2): `GET /v2/health/live`, `GET /v2/health/ready`,
///   `GET /v2/models/{name}`, `GET /v2/models/{name}/ready`, `POST /v2/models/{name}/infer`,
///   `POST /v2/repository/index`, `POST /v2/repository/models/{name}/load`.
/// - `GET /metrics`: Prometheus text.
///
/// It holds no forecasting logic: requests become panels, panels go to the ``Forecaster``.
public final class ForecastServer: Sendable {
    /// The configuration it was made with.
    public let configuration: ServeConfiguration
    /// The models served.
    public let store: ModelStore
    /// The metrics `GET /metrics` writes.
    public let metrics: ServerMetrics
    let pool: InferencePool
    let logger: Logger
    private let draining = AtomicFlag()

    /// Loads every model (each checked) and starts the pool's threads.
    ///
    /// - Throws: ``ModelLoadError`` for the first model that does not load; nothing is left running.
    public init(models: [ModelSource], configuration: ServeConfiguration = ServeConfiguration(), logger: Logger? = nil) throws(ModelLoadError) {
        self.configuration = configuration
        var defaultLogger = Logger(label: "forecast-serve")
        defaultLogger.logLevel = .info
        self.logger = logger ?? defaultLogger
        let metrics = ServerMetrics()
        self.metrics = metrics
        self.store = try ModelStore(sources: models, metrics: metrics, logger: self.logger)
        self.pool = InferencePool(threads: configuration.threads, queueLimit: configuration.queueLimit,
                                  batchWindow: configuration.batchWindow, metrics: metrics)
    }

    /// Whether the server is ready for requests (false once a graceful shutdown has begun).
    public var isReady: Bool { !draining.isSet }

    /// The Hummingbird application: the routes, behind the request log. Run it with ``run()`` (which
    /// adds signals and the pool's shutdown) or in tests with HummingbirdTesting.
    public func makeApplication(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(router: makeRouter(), configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                                                                serverName: "forecast/\(forecastVersion)"),
                    onServerRunning: onServerRunning, logger: logger)
    }

    /// Serves until SIGTERM or SIGINT, then stops accepting, finishes the requests in flight, stops the
    /// pool and returns. SIGHUP reloads every model (a model that fails keeps its previous version).
    public func run(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) async throws {
        try await makeServiceGroup(shutdownSignals: [.sigterm, .sigint], onServerRunning: onServerRunning).run()
    }

    /// The services of a running server, stopped in reverse order: SIGHUP reloads, then readiness
    /// (not ready from the first moment of a shutdown), then the HTTP server (which finishes the
    /// requests in flight), then the pool.
    func makeServiceGroup(shutdownSignals: [UnixSignal], onServerRunning: @escaping @Sendable (any Channel) async -> Void) -> ServiceGroup {
        ServiceGroup(configuration: .init(
            services: [PoolService(server: self), makeApplication(onServerRunning: onServerRunning), DrainService(server: self), ReloadService(server: self)],
            gracefulShutdownSignals: shutdownSignals,
            logger: logger))
    }

    /// Stops the pool after the requests queued (the server stops taking new ones first). For tests
    /// and embedders that run ``makeApplication(onServerRunning:)`` themselves; ``run()`` calls it.
    public func shutdown() async {
        draining.set()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread { [pool] in
                pool.shutdown()
                continuation.resume()
            }
        }
    }

    /// Marks the server as not ready (so load balancers stop sending) while it finishes.
    func beginDraining() { draining.set() }

    // MARK: Routes

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: RequestLog(logger: logger, metrics: metrics))

        router.post("/v1/models/:name/forecast") { request, context in
            try await self.forecast(request, context: context)
        }
        router.get("/v1/models") { _, _ in
            var json = JSONText()
            json.raw("{\"models\":[")
            for (m, name) in self.store.names.enumerated() {
                guard let served = self.store.model(named: name) else { continue }
                if m > 0 { json.raw(",") }
                json.raw("{\"name\":")
                json.string(name)
                json.raw(",\"version\":\(served.version),\"lookback\":\(served.configuration.lookback),\"horizon\":\(served.configuration.horizon)}")
            }
            json.raw("]}")
            return Self.json(json.text)
        }

        // The Open Inference Protocol (KServe v2).
        router.get("/v2/health/live") { _, _ in Self.json("{\"live\":true}") }
        router.get("/v2/health/ready") { _, _ in
            self.isReady ? Self.json("{\"ready\":true}") : Self.json("{\"ready\":false}", status: .serviceUnavailable)
        }
        router.get("/v2/models/:name") { _, context in
            Self.json(Responses.metadata(try self.model(context)))
        }
        router.get("/v2/models/:name/ready") { _, context in
            let served = try self.model(context)
            var json = JSONText()
            json.raw("{\"name\":")
            json.string(served.name)
            json.raw(",\"ready\":\(self.isReady)}")
            return Self.json(json.text, status: self.isReady ? .ok : .serviceUnavailable)
        }
        router.post("/v2/models/:name/infer") { request, context in
            try await self.infer(request, context: context)
        }
        router.post("/v2/repository/index") { _, _ in
            var json = JSONText()
            json.raw("[")
            for (m, name) in self.store.names.enumerated() {
                if m > 0 { json.raw(",") }
                json.raw("{\"name\":")
                json.string(name)
                json.raw(",\"version\":\"\(self.store.model(named: name)?.version ?? 0)\",\"state\":\"READY\"}")
            }
            json.raw("]")
            return Self.json(json.text)
        }
        router.post("/v2/repository/models/:name/load") { _, context in
            try await self.load(context)
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: self.metrics.text())))
        }
        return router
    }

    private func forecast(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let served = try model(context)
        let body = try RequestDecoder.forecastRequest(from: try await collectBody(request))
        let (panel, steps) = try RequestChecks.panel(for: body, model: served, limits: configuration.limits)
        let levels = try IntervalSupport.check(levels: body.level, model: served, panel: panel, steps: steps)
        let forecast = try await run(panel, model: served, steps: steps)
        // The bounds come from the stored calibration (or the quantile head), around the batched forecasts.
        let withIntervals = served.forecaster.addingIntervals(levels, to: forecast, of: panel)
        return Self.json(Responses.forecast(withIntervals, panel: panel, model: served, steps: steps))
    }

    private func infer(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let served = try model(context)
        let body = try RequestDecoder.inferenceRequest(from: try await collectBody(request))
        let (panel, steps) = try RequestChecks.panel(for: body, model: served, limits: configuration.limits)
        let forecast = try await run(panel, model: served, steps: steps)
        return Self.json(Responses.inference(forecast, model: served, id: body.id, steps: steps))
    }

    private func load(_ context: BasicRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        guard store.model(named: name) != nil else { throw ServerError.unknownModel(name, served: store.names) }
        // Reading files and the check forecast run off the event loops.
        let result: Result<ServedModel, ModelLoadError> = await withCheckedContinuation { continuation in
            Thread.detachNewThread { [store] in
                do throws(ModelLoadError) {
                    continuation.resume(returning: .success(try store.reload(name)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        switch result {
        case .success(let served):
            var json = JSONText()
            json.raw("{\"name\":")
            json.string(served.name)
            json.raw(",\"version\":\"\(served.version)\",\"loaded\":true}")
            return Self.json(json.text)
        case .failure(let error):
            throw ServerError(.unprocessableContent, "not loaded: \(error.description)")
        }
    }

    /// The model the route's `{name}` names, or a 404.
    private func model(_ context: BasicRequestContext) throws(ServerError) -> ServedModel {
        let name = context.parameters.get("name") ?? ""
        guard let served = store.model(named: name) else { throw ServerError.unknownModel(name, served: store.names) }
        return served
    }

    /// The body, up to the limit (413 beyond it, before reading it when the client said its length).
    private func collectBody(_ request: Request) async throws -> [UInt8] {
        let limit = configuration.limits.maxBodyBytes
        let tooLarge = ServerError(.contentTooLarge, "the body is larger than the limit of \(limit) bytes (forecast serve --max-body-bytes); send fewer or shorter series per request")
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw tooLarge }
        do {
            var buffer = try await request.body.collect(upTo: limit)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        }
    }

    /// The panel through the pool: a 503 with `Retry-After` when its queue is full.
    private func run(_ panel: Panel, model: ServedModel, steps: Int) async throws(ServerError) -> PanelForecast {
        do throws(InferencePool.Refusal) {
            return try await pool.forecast(panel, model: model, steps: steps)
        } catch {
            switch error {
            case .full:
                throw ServerError(.serviceUnavailable, "the server is busy: \(pool.queueLimit) requests are waiting for the network (forecast serve --queue-limit); retry after the time in Retry-After", retryAfter: 1)
            case .stopped:
                throw ServerError(.serviceUnavailable, "the server is shutting down", retryAfter: 1)
            }
        }
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// A flag set once, read from any thread.
final class AtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

/// Stops the pool once the HTTP server has finished its requests (services stop in reverse order).
private struct PoolService: Service {
    let server: ForecastServer
    func run() async throws {
        try? await gracefulShutdown()
        await server.shutdown()
    }
}

/// Marks the server not ready as soon as a shutdown begins, before the HTTP server stops.
private struct DrainService: Service {
    let server: ForecastServer
    func run() async throws {
        try? await gracefulShutdown()
        server.beginDraining()
        server.logger.notice("shutting down: finishing the requests in flight")
    }
}

/// Reloads every model on SIGHUP.
private struct ReloadService: Service {
    let server: ForecastServer
    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            server.logger.notice("SIGHUP: reloading every model")
            let store = server.store
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                Thread.detachNewThread {
                    store.reloadAll()
                    continuation.resume()
                }
            }
        }
    }
}
