/// Additive Holt–Winters exponential smoothing with a level and a season and no trend (Hyndman &
/// Athanasopoulos, *Forecasting: Principles and Practice*, §8.3; the level-and-season model
/// ES-RNN takes from each series, Smyl 2020), in the form statsmodels' `ExponentialSmoothing(trend=None,
/// seasonal="add")` computes:
///
///     ℓ_t = α·(y_t − s_{t−m}) + (1 − α)·ℓ_{t−1}
///     s_t = γ·(y_t − ℓ_{t−1}) + (1 − γ)·s_{t−m}
///     ŷ_{T+h} = ℓ_T + s_{T+h−m·(⌊(h−1)/m⌋+1)}
///
/// The state starts from the first season (`initialization_method="simple"`): ℓ_0 the mean of
/// y_0 … y_{m−1}, s_{i−m} = y_i − ℓ_0. With m < 2, or fewer than two seasons of history, there is
/// no season and the model is simple exponential smoothing.
public struct HoltWinters: Codable, Equatable, Sendable {
    /// The smoothing of the level, in [0, 1].
    public var alpha: Double
    /// The smoothing of the season, in [0, 1] (0 without a season).
    public var gamma: Double
    /// The seasonal period m.
    public var season: Int

    /// The α values ``fit(_:season:)`` tries.
    public static let alphaGrid: [Double] = [0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1]
    /// The γ values ``fit(_:season:)`` tries.
    public static let gammaGrid: [Double] = [0, 0.02, 0.05, 0.1, 0.2, 0.4]

    /// A model with the given smoothing parameters.
    public init(alpha: Double, gamma: Double, season: Int) {
        self.alpha = alpha
        self.gamma = gamma
        self.season = season
    }

    enum CodingKeys: String, CodingKey { case alpha, gamma, season }

    /// Whether a history of `count` points is long enough for the season: two seasons at least.
    func isSeasonal(count: Int) -> Bool { season >= 2 && count >= 2 * season }

    /// The state after smoothing `y` from the given start: the last level, the last m seasonal
    /// terms (oldest first, s_{T−m+1} … s_T), and the sum of squared one-step errors.
    ///
    /// - Precondition: `y` is not empty; `initialSeason` holds m values when the model is seasonal.
    public func smooth(_ y: [Double], initialLevel: Double, initialSeason: [Double]) -> (level: Double, season: [Double], squaredError: Double) {
        precondition(!y.isEmpty, "Holt–Winters needs history")
        let m = initialSeason.count
        var level = initialLevel, seasonal = initialSeason, squaredError = 0.0
        for (t, value) in y.enumerated() {
            let s = m > 0 ? seasonal[t % m] : 0
            let error = value - (level + s)
            squaredError += error * error
            let previous = level
            level = alpha * (value - s) + (1 - alpha) * level
            if m > 0 { seasonal[t % m] = gamma * (value - previous) + (1 - gamma) * s }
        }
        // Rotate so that the terms run from s_{T−m+1} to s_T.
        let rotated = m > 0 ? (0..<m).map { seasonal[(y.count + $0) % m] } : []
        return (level, rotated, squaredError)
    }

    /// The simple start (statsmodels' `initialization_method="simple"`): the mean of the first
    /// season, and each of its points less that mean; no season when the model is not seasonal.
    public func initialState(_ y: [Double]) -> (level: Double, season: [Double]) {
        guard isSeasonal(count: y.count) else { return (y[0], []) }
        let first = y[..<season], mean = first.reduce(0, +) / Double(season)
        return (mean, first.map { $0 - mean })
    }

    /// The forecast of the `horizon` points after `history`, smoothing it from the simple start.
    ///
    /// - Precondition: `history` is not empty.
    public func forecast(history: [Double], horizon: Int) -> [Double] {
        let (level0, season0) = initialState(history)
        let (level, seasonal, _) = smooth(history, initialLevel: level0, initialSeason: season0)
        let m = seasonal.count
        return (0..<horizon).map { h in level + (m > 0 ? seasonal[h % m] : 0) }
    }

    /// The parameters (from ``alphaGrid`` × ``gammaGrid``) with the least squared one-step error
    /// on `history`, the first of equals; γ = 0 when the history is too short for the season.
    ///
    /// - Precondition: `history` is not empty.
    public static func fit(_ history: [Double], season: Int) -> HoltWinters {
        let seasonal = HoltWinters(alpha: 0, gamma: 0, season: season).isSeasonal(count: history.count)
        var best = HoltWinters(alpha: alphaGrid[0], gamma: 0, season: season), bestError = Double.infinity
        for alpha in alphaGrid {
            for gamma in seasonal ? gammaGrid : [0] {
                let candidate = HoltWinters(alpha: alpha, gamma: gamma, season: season)
                let (level, start) = candidate.initialState(history)
                let error = candidate.smooth(history, initialLevel: level, initialSeason: start).squaredError
                if error < bestError {
                    bestError = error
                    best = candidate
                }
            }
        }
        return best
    }
}
