/// How each window is normalised on top of the global scaling, so that the network sees every
/// window at a comparable level and forecasts move with the series (reversible instance
/// normalisation; Kim et al., "Reversible Instance Normalization for Accurate Time-Series
/// Forecasting against Distribution Shift", ICLR 2022).
///
/// For a window of (globally scaled) target values x_1 … x_L, a center c and a scale s are
/// computed; the network reads (x − c)/s for the target column (features are left as they are),
/// is trained on targets (y − c)/s, and its outputs ŷ′ are mapped back as ŷ′·s + c. The choice of
/// default is explained in docs/accuracy.md.
public struct WindowNormalization: Codable, Equatable, Sendable {
    /// Which statistics each window is normalised by.
    public enum Method: String, Codable, CaseIterable, Sendable {
        /// None: the network reads the globally scaled values (the tutorial's recipe).
        case global
        /// Shift by the mean of the window's last seasonal cycle (its last `period` points, or the
        /// whole window when it is shorter): the window's current level, free of the seasonal phase.
        case season
        /// Shift by the window's last value.
        case last
        /// Shift by the window's mean and divide by its standard deviation (RevIN).
        case revin
        /// Inputs as ``season``; each target step shifted by the seasonal naive forecast (the
        /// window's value one season earlier), so the network learns what seasonal naive misses and
        /// outputs 0 to repeat the last season (as ES-RNN learns on top of a seasonal profile).
        case seasonalNaive = "seasonal_naive"
        /// Inputs as ``season``; each target step shifted by the additive Holt–Winters forecast
        /// from the window (``HoltWinters``: its level and season smoothed over the window, with
        /// the parameters of least one-step error there), so that the network learns what
        /// exponential smoothing misses, as ES-RNN does (Smyl 2020).
        case holtWinters = "holt_winters"
    }

    /// The statistics used.
    public var method: Method
    /// The seasonal period for ``Method/season`` (1 when the data has none).
    public var period: Int

    /// Creates a normalisation.
    public init(method: Method, period: Int = 1) {
        self.method = method
        self.period = max(period, 1)
    }

    /// No per-window normalisation.
    public static let global = WindowNormalization(method: .global)

    /// The smallest scale RevIN divides by, in globally scaled units, so a flat window stays finite.
    public static let minimumScale: Float = 1e-3

    /// The center and scale of a window of target values (globally scaled, oldest first).
    public func statistics(of window: ArraySlice<Float>) -> (center: Float, scale: Float) {
        precondition(!window.isEmpty, "an empty window has no statistics")
        switch method {
        case .global:
            return (0, 1)
        case .season, .seasonalNaive, .holtWinters:
            let recent = window.suffix(min(period, window.count))
            return (recent.reduce(0, +) / Float(recent.count), 1)
        case .last:
            return (window.last!, 1)
        case .revin:
            let mean = window.reduce(0, +) / Float(window.count)
            let variance = window.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(window.count)
            return (mean, max(variance.squareRoot(), Self.minimumScale))
        }
    }
}

extension WindowNormalization {
    /// What each of the first `steps` target steps of a window is measured from, in the window's
    /// units: its `center` for ``Method/global``, ``Method/season``, ``Method/last`` and
    /// ``Method/revin``; for ``Method/seasonalNaive`` the value one season before the step (the
    /// center when the window is shorter than a season); for ``Method/holtWinters`` the
    /// Holt–Winters forecast of the step from the window.
    ///
    /// `window` holds the real points only (no padding), oldest first.
    public func anchors(of window: ArraySlice<Float>, steps: Int, center: Float) -> [Float] {
        switch method {
        case .seasonalNaive where window.count >= period:
            return (0..<steps).map { window[window.endIndex - period + $0 % period] }
        case .holtWinters where !window.isEmpty:
            let history = window.map(Double.init)
            return HoltWinters.fit(history, season: period).forecast(history: history, horizon: steps).map(Float.init)
        default:
            return [Float](repeating: center, count: steps)
        }
    }

    /// What target step `step` (0-based) of a window is measured from (``anchors(of:steps:center:)``).
    @available(*, deprecated, message: "use anchors(of:steps:center:), which computes a window's anchors once")
    public func anchor(of window: ArraySlice<Float>, step: Int, center: Float) -> Float {
        anchors(of: window, steps: step + 1, center: center)[step]
    }
}
