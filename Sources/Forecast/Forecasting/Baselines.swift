/// The simple forecasts every model is compared with.
///
/// Each forecasts `horizon` points from the history before an origin (Hyndman & Athanasopoulos,
/// *Forecasting: Principles and Practice*, §5.2).
public enum Baseline: String, CaseIterable, Codable, Sendable {
    /// The last value, repeated.
    case naive
    /// The value one season earlier: ŷ_{T+h} = y_{T+h−m·(⌊(h−1)/m⌋+1)}.
    case seasonalNaive = "seasonal_naive"
    /// The last value plus the average change over the history (a line through the first and last points).
    case drift
    /// The mean of the history.
    case mean

    /// The name shown in tables.
    public var displayName: String {
        switch self {
        case .naive: "naive"
        case .seasonalNaive: "seasonal naive"
        case .drift: "drift"
        case .mean: "mean"
        }
    }

    /// The forecast of the `horizon` points after `history`, with seasonal period `season`.
    ///
    /// - Precondition: `history` is not empty.
    public func forecast(history: [Double], horizon: Int, season: Int) -> [Double] {
        precondition(!history.isEmpty, "a baseline needs history")
        let n = history.count, last = history[n - 1]
        switch self {
        case .naive:
            return [Double](repeating: last, count: horizon)
        case .seasonalNaive:
            let m = max(1, season <= n ? season : 1)
            return (1...max(horizon, 1)).prefix(horizon).map { h in history[n - m + (h - 1) % m] }
        case .drift:
            let slope = n > 1 ? (last - history[0]) / Double(n - 1) : 0
            return (1...max(horizon, 1)).prefix(horizon).map { last + slope * Double($0) }
        case .mean:
            return [Double](repeating: history.reduce(0, +) / Double(n), count: horizon)
        }
    }
}
