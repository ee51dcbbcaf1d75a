import Forecast
import Foundation

/// Runs the network off the server's event loops, on a fixed number of threads, with a bounded queue.
///
/// A request's panel waits in the queue until a thread is free; a thread then takes it together with
/// every other waiting request for the same model and number of steps (up to ``maxBatchSeries``
/// series) and forecasts them in one network pass. Requests that arrive while a pass runs therefore
/// share the next one, and a positive ``batchWindow`` makes a thread wait that long for company
/// before a pass. Each model runs one pass at a time (its network is not shared between threads);
/// different models run side by side. When ``queueLimit`` requests are waiting, a new one is refused
/// at once (the server answers 503 with `Retry-After`) rather than letting the queue and the latency
/// grow without bound.
final class InferencePool: @unchecked Sendable {
    /// Why a job was not run.
    enum Refusal: Error {
        /// The queue holds `queueLimit` requests.
        case full
        /// The pool is shutting down.
        case stopped
    }

    private struct Job {
        var model: ServedModel
        var panel: Panel
        var steps: Int
        var resume: @Sendable (PanelForecast) -> Void
    }

    let threadCount: Int
    let queueLimit: Int
    let batchWindow: Duration
    let maxBatchSeries: Int
    private let metrics: ServerMetrics
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var busyModels: Set<ObjectIdentifier> = []
    private var stopping = false
    private var running = 0
    private let finished = DispatchGroup()

    init(threads: Int, queueLimit: Int, batchWindow: Duration, maxBatchSeries: Int = ForecastModel.forecastBatchSize, metrics: ServerMetrics) {
        self.threadCount = max(1, threads)
        self.queueLimit = max(1, queueLimit)
        self.batchWindow = batchWindow
        self.maxBatchSeries = max(1, maxBatchSeries)
        self.metrics = metrics
        for index in 0..<threadCount {
            finished.enter()
            let thread = Thread { [self] in
                work()
                finished.leave()
            }
            thread.name = "forecast-inference-\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Forecasts `panel` with `model`, `steps` points per series, when a thread takes it.
    ///
    /// - Throws: ``Refusal/full`` at once when the queue is full; ``Refusal/stopped`` after ``shutdown()``.
    func forecast(_ panel: Panel, model: ServedModel, steps: Int) async throws(Refusal) -> PanelForecast {
        let result: Result<PanelForecast, Refusal> = await withCheckedContinuation { continuation in
            condition.lock()
            if stopping {
                condition.unlock()
                continuation.resume(returning: .failure(.stopped))
                return
            }
            guard queue.count < queueLimit else {
                condition.unlock()
                metrics.rejectedFullQueue()
                continuation.resume(returning: .failure(.full))
                return
            }
            queue.append(Job(model: model, panel: panel, steps: steps) { continuation.resume(returning: .success($0)) })
            metrics.setQueueDepth(queue.count)
            condition.signal()
            condition.unlock()
        }
        return try result.get()
    }

    /// The number of requests waiting.
    var waiting: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count
    }

    /// Stops taking requests, lets the threads finish every queued one, and waits for them.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
        finished.wait()
    }

    private func work() {
        condition.lock()
        while true {
            guard let first = queue.firstIndex(where: { !busyModels.contains(ObjectIdentifier($0.model)) }) else {
                if stopping && queue.isEmpty { break }
                condition.wait()
                continue
            }
            let model = queue[first].model, steps = queue[first].steps
            if batchWindow > .zero {
                // Wait for company: other requests for the same model, up to the window's end.
                let deadline = Date().addingTimeInterval(Double(batchWindow.nanoseconds) / 1e9)
                while !stopping && seriesWaiting(for: model, steps: steps) < maxBatchSeries && Date() < deadline {
                    _ = condition.wait(until: deadline)
                }
            }
            // Another thread may have taken the model's requests, or the model, while this one waited.
            if busyModels.contains(ObjectIdentifier(model)) { continue }
            var batch: [Job] = [], series = 0
            var index = 0
            while index < queue.count {
                let job = queue[index]
                if job.model === model && job.steps == steps && (batch.isEmpty || series + job.panel.count <= maxBatchSeries) {
                    batch.append(job)
                    series += job.panel.count
                    queue.remove(at: index)
                } else {
                    index += 1
                }
            }
            guard !batch.isEmpty else { continue }
            busyModels.insert(ObjectIdentifier(model))
            metrics.setQueueDepth(queue.count)
            condition.unlock()

            let forecasts = model.forecaster.predict(batch.map(\.panel), horizons: batch.map(\.steps))
            metrics.batch(series: series)
            metrics.seriesForecast(series, model: model.name)
            for (job, forecast) in zip(batch, forecasts) { job.resume(forecast) }

            condition.lock()
            busyModels.remove(ObjectIdentifier(model))
            condition.broadcast()
        }
        condition.unlock()
    }

    private func seriesWaiting(for model: ServedModel, steps: Int) -> Int {
        queue.reduce(0) { $0 + ($1.model === model && $1.steps == steps ? $1.panel.count : 0) }
    }
}
