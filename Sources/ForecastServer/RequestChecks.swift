import Forecast

/// Limits on what one request may ask, so that no client can make the server run out of memory or
/// hold the network for long. Each is a `forecast serve` option.
public struct RequestLimits: Sendable, Equatable {
    /// The largest body accepted, in bytes (413 above it).
    public var maxBodyBytes: Int
    /// The most series in one request (400 above it).
    public var maxSeries: Int
    /// The most points in one series (400 above it).
    public var maxSeriesLength: Int

    /// Creates limits.
    public init(maxBodyBytes: Int = 16 << 20, maxSeries: Int = 10_000, maxSeriesLength: Int = 100_000) {
        self.maxBodyBytes = maxBodyBytes
        self.maxSeries = maxSeries
        self.maxSeriesLength = maxSeriesLength
    }
}

/// The checks between a decoded request and the forecaster: the limits, the model's features and
/// horizon, the panel built from the arrays, and the orchestrator's own checks. Each failure is a
/// 400 naming the series and the field.
enum RequestChecks {
    /// The panel to forecast and the number of steps, for a forecast request to `served`.
    static func panel(for body: ForecastRequestBody, model served: ServedModel, limits: RequestLimits) throws(ServerError) -> (Panel, Int) {
        let configuration = served.configuration
        try checkCounts(series: body.series.count, lengths: body.series.map(\.values.count), field: "values", limits: limits)
        let steps = body.horizon ?? configuration.horizon
        guard steps >= 1 else { throw .badRequest("horizon: must be at least 1 (got \(steps))") }
        guard steps <= configuration.horizon else {
            throw .badRequest("horizon: \(steps) is more than model '\(served.name)' forecasts (\(configuration.horizon)); ask for at most \(configuration.horizon)")
        }
        let features = configuration.features
        var arrays: [SeriesArrays] = []
        arrays.reserveCapacity(body.series.count)
        for (s, series) in body.series.enumerated() {
            let id = series.id ?? "\(s)"
            if let unknown = series.features.keys.sorted().first(where: { !features.contains($0) }) {
                let reads = features.isEmpty ? "it reads only 'values'" : "its features are \(features.map { "'\($0)'" }.joined(separator: ", "))"
                throw .badRequest("series[\(s)].\(JSONText.printable(unknown)): unknown field; model '\(served.name)' has no such feature (\(reads))")
            }
            var columns: [[Double]] = []
            for feature in features {
                guard let values = series.features[feature] else {
                    throw .badRequest("series[\(s)]: the feature '\(feature)' is missing; model '\(served.name)' reads \(features.map { "'\($0)'" }.joined(separator: ", ")) beside 'values'")
                }
                columns.append(values)
            }
            arrays.append(SeriesArrays(id: id, timestamps: series.timestamps, target: series.values, features: columns))
        }
        let panel: Panel
        do {
            panel = try Panel(arrays: arrays, targetName: configuration.target, featureNames: features, source: "the request")
        } catch {
            throw .badRequest(error.description)
        }
        return (panel, try checked(panel, steps: steps, forecaster: served.forecaster))
    }

    /// The panel of an inference request's windows: one series per row of the `[B, T]` (or
    /// `[B, T, C]`) FP32 tensor, forecast over the model's horizon.
    static func panel(for body: InferenceRequestBody, model served: ServedModel, limits: RequestLimits) throws(ServerError) -> (Panel, Int) {
        let configuration = served.configuration
        guard body.inputs.count == 1 else {
            throw .badRequest("inputs: expected one tensor (the windows, [B, T]); got \(body.inputs.count)")
        }
        let tensor = body.inputs[0]
        guard tensor.datatype == "FP32" else {
            throw .badRequest("inputs[0].datatype: expected FP32, got '\(JSONText.printable(tensor.datatype))'")
        }
        let columns = 1 + configuration.features.count
        let expected = columns == 1 ? "[B, T] (or [B, T, 1])" : "[B, T, \(columns)]"
        let shape = tensor.shape
        guard shape.count == 2 && columns == 1 || shape.count == 3 && shape[2] == columns else {
            throw .badRequest("inputs[0].shape: \(shape) is not \(expected): model '\(served.name)' reads \(columns) value\(columns == 1 ? "" : "s") per step")
        }
        guard shape[0] >= 1, shape[1] >= 1 else { throw .badRequest("inputs[0].shape: \(shape) has an empty dimension") }
        try checkCounts(series: shape[0], lengths: [shape[1]], field: "shape[1]", limits: limits, tensor: true)
        let (rows, time) = (shape[0], shape[1])
        guard tensor.data.count == rows * time * columns else {
            throw .badRequest("inputs[0].data: has \(tensor.data.count) values; the shape \(shape) needs \(rows * time * columns)")
        }
        if let bad = tensor.data.firstIndex(where: { !$0.isFinite }) {
            throw .badRequest("inputs[0].data[\(bad)]: is not a finite number")
        }
        let arrays = (0..<rows).map { b in
            let window = tensor.data[(b * time * columns)..<((b + 1) * time * columns)]
            let column = { (c: Int) in stride(from: window.startIndex + c, to: window.endIndex, by: columns).map { window[$0] } }
            return SeriesArrays(id: "\(b)", target: column(0), features: (1..<columns).map(column))
        }
        let panel: Panel
        do {
            panel = try Panel(arrays: arrays, targetName: configuration.target, featureNames: configuration.features, source: "the request")
        } catch {
            throw .badRequest(error.description)
        }
        return (panel, try checked(panel, steps: configuration.horizon, forecaster: served.forecaster))
    }

    private static func checkCounts(series: Int, lengths: [Int], field: String, limits: RequestLimits, tensor: Bool = false) throws(ServerError) {
        guard series <= limits.maxSeries else {
            throw .badRequest("\(tensor ? "inputs[0].shape[0]" : "series"): \(series) series; the limit is \(limits.maxSeries) per request (forecast serve --max-series)")
        }
        if let long = lengths.firstIndex(where: { $0 > limits.maxSeriesLength }) {
            let place = tensor ? "inputs[0].shape[1]" : "series[\(long)].\(field)"
            throw .badRequest("\(place): \(lengths[long]) points; the limit is \(limits.maxSeriesLength) per series (forecast serve --max-series-length)")
        }
    }

    /// The orchestrator's checks (columns, lengths, horizon), as a 400.
    private static func checked(_ panel: Panel, steps: Int, forecaster: Forecaster) throws(ServerError) -> Int {
        do {
            return try forecaster.checkedHorizon(for: panel, horizon: steps)
        } catch {
            throw .badRequest(error.message)
        }
    }
}
