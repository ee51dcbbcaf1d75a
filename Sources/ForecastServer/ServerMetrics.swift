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

    /// The metric `forecast_<metric>[_<unit>]`.
    private static func name(_ metric: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "forecast", metricName: metric, unitName: unit, helpText: help)
    }

    init() {
        modelsLoaded = registry.makeGauge(descriptor: Self.name("models_loaded", help: "Models being served."))
        queueDepth = registry.makeGauge(descriptor: Self.name("queue_depth", help: "Forecast requests waiting for the network."))
        rejected = registry.makeCounter(descriptor: Self.name("queue_rejected", unit: "total", help: "Requests answered 503 because the queue was full."))
        batchSeries = registry.makeValueHistogram(
            descriptor: Self.name("batch_series", help: "Series per network pass (requests that arrived together share a pass)."),
            labels: [], buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096])
    }

    /// One request answered: counted by route and status (and as an error when 4xx or 5xx), timed by route.
    func request(method: String, route: String, status: Int, duration: Duration) {
        let labels = [("method", method), ("route", route), ("status", "\(status)")]
        registry.makeCounter(descriptor: Self.name("http_requests", unit: "total", help: "HTTP requests answered."), labels: labels).increment()
        if status >= 400 {
            registry.makeCounter(descriptor: Self.name("http_errors", unit: "total", help: "HTTP requests answered with an error, by status."),
                                 labels: [("status", "\(status)")]).increment()
        }
        registry.makeDurationHistogram(descriptor: Self.name("http_request_duration", unit: "seconds",
                                                   help: "Time from the request's head to its response, by route."),
                                       labels: [("route", route)], buckets: latencyBuckets).recordNanoseconds(duration.nanoseconds)
    }

    /// `count` series forecast by model `model`.
    func seriesForecast(_ count: Int, model: String) {
        registry.makeCounter(descriptor: Self.name("series", unit: "total", help: "Series forecast, by model."),
                             labels: [("model", model)]).increment(by: Int64(count))
    }

    /// One load of a model, and whether it succeeded.
    func modelLoaded(_ model: String, success: Bool) {
        registry.makeCounter(descriptor: Self.name("model_loads", unit: "total",
                                                 help: "Model loads and reloads, by model and result (a failure leaves the previous version serving)."),
                             labels: [("model", model), ("result", success ? "success" : "failure")]).increment()
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
