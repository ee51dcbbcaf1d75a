import Prometheus

/// The server's metrics, in a Prometheus registry of its own (several servers in one process, as in
/// the tests, do not mix their counts). `GET /metrics` writes them in the Prometheus text format.
public final class ServerMetrics: Sendable {
    /// The registry the metrics live in.
    public let registry = PrometheusCollectorRegistry()
    private let latencyBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]
    private let modelsLoaded: Gauge
    private let queueDepth: Gauge
    private let rejected: Counter
    private let batchSeries: ValueHistogram

    init() {
        modelsLoaded = registry.makeGauge(name: "forecast_models_loaded", help: "Models being served.")
        queueDepth = registry.makeGauge(name: "forecast_queue_depth", help: "Forecast requests waiting for the network.")
        rejected = registry.makeCounter(name: "forecast_queue_rejected_total", help: "Requests answered 503 because the queue was full.")
        batchSeries = registry.makeValueHistogram(name: "forecast_batch_series", buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096],
                                                  help: "Series per network pass (requests that arrived together share a pass).")
    }

    /// One request answered: counted by route and status (and as an error when 4xx or 5xx), timed by route.
    func request(method: String, route: String, status: Int, duration: Duration) {
        let labels = [("method", method), ("route", route), ("status", "\(status)")]
        registry.makeCounter(name: "forecast_http_requests_total", labels: labels, help: "HTTP requests answered.").increment()
        if status >= 400 {
            registry.makeCounter(name: "forecast_http_errors_total", labels: [("status", "\(status)")], help: "HTTP requests answered with an error, by status.").increment()
        }
        registry.makeDurationHistogram(name: "forecast_http_request_duration_seconds", labels: [("route", route)], buckets: latencyBuckets,
                                       help: "Time from the request's head to its response, by route.").recordNanoseconds(duration.nanoseconds)
    }

    /// `count` series forecast by model `model`.
    func seriesForecast(_ count: Int, model: String) {
        registry.makeCounter(name: "forecast_series_total", labels: [("model", model)], help: "Series forecast, by model.").increment(by: Int64(count))
    }

    /// One load of a model, and whether it succeeded.
    func modelLoaded(_ model: String, success: Bool) {
        registry.makeCounter(name: "forecast_model_loads_total", labels: [("model", model), ("result", success ? "success" : "failure")],
                             help: "Model loads and reloads, by model and result (a failure leaves the previous version serving).").increment()
    }

    func setModelsLoaded(_ count: Int) { modelsLoaded.set(Int64(count)) }
    func setQueueDepth(_ depth: Int) { queueDepth.set(Int64(depth)) }
    func rejectedFullQueue() { rejected.increment() }
    func batch(series: Int) { batchSeries.record(Double(series)) }

    /// Every metric in the Prometheus text format.
    public func text() -> String {
        registry.emitToString()
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
