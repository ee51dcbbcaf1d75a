import Foundation
import ForecastData

/// A prediction interval at one level: a lower and an upper bound per forecast point.
public struct PredictionInterval: Sendable, Equatable {
    /// The nominal coverage in percent, in (0, 100): 80 for an 80% interval.
    public var level: Double
    /// The lower bound of each forecast point, in the data's units.
    public var lower: [Double]
    /// The upper bound of each forecast point, in the data's units.
    public var upper: [Double]

    /// Creates an interval; `lower` and `upper` hold one value per forecast point.
    public init(level: Double, lower: [Double], upper: [Double]) {
        precondition(lower.count == upper.count, "one lower and one upper bound per point")
        self.level = level
        self.lower = lower
        self.upper = upper
    }

    /// The level as column names write it: `80`, `97.5`.
    public var levelName: String { Self.name(of: level) }

    /// `80` for 80.0, `97.5` for 97.5: the shortest text of a level.
    public static func name(of level: Double) -> String {
        level == level.rounded() && abs(level) < 1e15 ? "\(Int(level))" : "\(level)"
    }

    /// The problems of a list of levels, each a sentence naming the level; empty when they are
    /// usable: every level in the open interval (0, 100), none repeated.
    public static func problems(levels: [Double]) -> [String] {
        var problems: [String] = [], seen = Set<Double>()
        for level in levels {
            if !(level > 0 && level < 100) {
                problems.append("the level \(level.isFinite ? name(of: level) : "\(level)") is not in (0, 100): give the interval's coverage in percent, e.g. 80 or 95")
            } else if !seen.insert(level).inserted {
                problems.append("the level \(name(of: level)) is given twice")
            }
        }
        return problems
    }

    /// The quantiles a head with intervals at `levels` outputs, ascending: (100 − l)/200 for each
    /// level from the widest, 0.5, then (100 + l)/200 up to the widest: `[0.025, 0.1, 0.5, 0.9, 0.975]`
    /// for 80 and 95.
    public static func quantiles(levels: [Double]) -> [Double] {
        let sorted = levels.sorted()
        return sorted.reversed().map { (100 - $0) / 200 } + [0.5] + sorted.map { (100 + $0) / 200 }
    }

    /// Reads `80,95` as levels; nil (with the reason) when a field is not a number.
    public static func parse(levels text: String) -> Result<[Double], IntervalLevelError> {
        var levels: [Double] = []
        for field in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = field.trimmingCharacters(in: .whitespaces)
            guard let level = Double(trimmed), level.isFinite else { return .failure(IntervalLevelError(text: trimmed)) }
            levels.append(level)
        }
        return .success(levels)
    }
}

/// A level that is not a number.
public struct IntervalLevelError: Error, CustomStringConvertible {
    /// The field as given.
    public var text: String
    public var description: String { "'\(text)' is not a level: give percentages separated by commas, e.g. 80,95" }
}

/// Split conformal intervals (Vovk et al., 2005; as statsforecast's `ConformalIntervals` and
/// NeuralForecast's conformal prediction do, per horizon step): the absolute errors of
/// out-of-sample forecasts, in each series' own scale, stored in the model; an interval at level l
/// is the forecast ± the ⌈(n+1)·l⌉-th smallest of the n errors of its step, times the series' scale.
///
/// The errors come from the validation windows (the part before the test part that training
/// holds out for early stopping): the network of the best epoch, trained without them, forecasts
/// each window whose whole horizon lies in the validation part, from the real history before it.
/// With fewer than ``perStepMinimum`` windows (a short series), an error is instead divided by the
/// mean error of its step and the errors of every step are pooled, so that a 95% interval is
/// still reachable; the bound is the pooled quantile times the step's mean error.
public struct ConformalCalibration: Codable, Equatable, Sendable {
    /// The most errors stored per step: beyond it, evenly spaced order statistics of the errors.
    public static let storedScoresLimit = 200
    /// The fewest windows with which each step is calibrated on its own errors (⌈(n+1)·0.95⌉ ≤ n).
    public static let perStepMinimum = 19

    /// The number of calibration windows n (forecasts scored).
    public var windows: Int
    /// The scale errors are divided by: nil for the target's scale in the model (the scaler's,
    /// for a model of many series the series' own); a lag k for mean |y_t − y_(t−k)| over the
    /// series' history before the forecast origin (k = 1: its recent volatility, M4's MSIS scale
    /// for weekly data).
    public var scaleLag: Int?
    /// With a lag or alone (then the lag is the model's seasonal period): the mean absolute
    /// difference is taken over the last `scaleWindow` points before the origin only, the series'
    /// recent variability; nil for its whole history.
    public var scaleWindow: Int?
    /// Whether each horizon step h (from 1) has its own scale: the series' mean |y_t − y_(t−h)|
    /// over the last ``scaleWindow`` points before the origin (the in-sample error of a naive
    /// forecast h steps ahead, ``IntervalScale/steps``), instead of one scale for every step.
    public var stepLags: Bool
    /// How the scale was chosen, when it was chosen on the validation windows
    /// (``IntervalScale/automatic``); nil when it was given.
    public var scaleComparison: IntervalScaleComparison?
    /// For each horizon step, its absolute errors divided by the series' scale, in ascending order:
    /// all n of them, or ``storedScoresLimit`` evenly spaced order statistics when there are more.
    public var scores: [[Float]]

    /// Creates a calibration from the errors of each step (any order; non-finite values dropped).
    public init(errors: [[Double]], scaleLag: Int? = nil, scaleWindow: Int? = nil, stepLags: Bool = false,
                scaleComparison: IntervalScaleComparison? = nil) {
        self.scaleLag = scaleLag
        self.scaleWindow = scaleWindow
        self.stepLags = stepLags
        self.scaleComparison = scaleComparison
        let sorted = errors.map { $0.filter(\.isFinite).map(abs).sorted() }
        windows = sorted.map(\.count).min() ?? 0
        scores = sorted.map { values in
            guard values.count > Self.storedScoresLimit else { return values.map { Float($0) } }
            let last = Double(values.count - 1), stored = Double(Self.storedScoresLimit - 1)
            return (0..<Self.storedScoresLimit).map { Float(values[Int((Double($0) * last / stored).rounded())]) }
        }
    }

    enum CodingKeys: String, CodingKey {
        case windows = "calibration_windows", scores, scaleLag = "scale_lag", scaleWindow = "scale_window"
        case stepLags = "scale_step_lags", scaleComparison = "scale_comparison"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        windows = try container.decode(Int.self, forKey: .windows)
        scores = try container.decode([[Float]].self, forKey: .scores)
        scaleLag = try container.decodeIfPresent(Int.self, forKey: .scaleLag)
        scaleWindow = try container.decodeIfPresent(Int.self, forKey: .scaleWindow)
        stepLags = try container.decodeIfPresent(Bool.self, forKey: .stepLags) ?? false  // models before it: one scale
        scaleComparison = try container.decodeIfPresent(IntervalScaleComparison.self, forKey: .scaleComparison)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(windows, forKey: .windows)
        try container.encodeIfPresent(scaleLag, forKey: .scaleLag)
        try container.encodeIfPresent(scaleWindow, forKey: .scaleWindow)
        if stepLags { try container.encode(stepLags, forKey: .stepLags) }
        try container.encodeIfPresent(scaleComparison, forKey: .scaleComparison)
        try container.encode(scores, forKey: .scores)
    }

    /// How the errors are scaled, in words, with the validation scores when the scale was chosen.
    public var scaleSummary: String {
        let name: String
        if stepLags {
            name = "each step's recent naive error (mean |y_t − y_(t−h)| over the last \(scaleWindow ?? 0) points)"
        } else if let scaleLag {
            name = "mean |y_t − y_(t−\(scaleLag))|" + (scaleWindow.map { " over the last \($0) points" } ?? "")
        } else if let scaleWindow {
            name = "mean absolute seasonal difference over the last \(scaleWindow) points"
        } else {
            name = "the model's scale of the target"
        }
        guard let scaleComparison else { return name }
        return name + String(format: "; chosen on the validation windows (interval score %.3f with the model's scale, %.3f with each step's)",
                             scaleComparison.model, scaleComparison.steps)
    }

    /// Whether the intervals can be computed: at least one window per step.
    public var isUsable: Bool { windows > 0 && !scores.isEmpty && scores.allSatisfy { !$0.isEmpty } }

    /// The half-width of the interval at `level` (percent) for horizon step `step` (from 0), in
    /// the series' scale.
    public func halfWidth(level: Double, step: Int) -> Double {
        precondition(isUsable && step < scores.count, "a calibrated step")
        let fraction = level / 100
        if windows >= Self.perStepMinimum {
            return Self.conformalQuantile(scores[step], count: windows, fraction: fraction)
        }
        // Few windows: errors relative to their step's mean, pooled over the steps.
        let means = scores.map { $0.reduce(0.0) { $0 + Double($1) } / Double($0.count) }
        var pooled: [Float] = []
        for (values, mean) in zip(scores, means) where mean > 0 { pooled += values.map { Float(Double($0) / mean) } }
        guard !pooled.isEmpty else { return 0 }
        pooled.sort()
        return Self.conformalQuantile(pooled, count: pooled.count, fraction: fraction) * means[step]
    }

    /// The ⌈(n+1)·fraction⌉-th smallest of n values (the largest when that exceeds n), read from
    /// `sorted`, which holds all n or evenly spaced order statistics of them.
    static func conformalQuantile(_ sorted: [Float], count n: Int, fraction: Double) -> Double {
        // 1-based; the tolerance keeps 20 · 0.95 at 19 whatever the rounding of 0.95.
        let rank = min(max(Int((Double(n + 1) * fraction - 1e-9).rounded(.up)), 1), n)
        guard sorted.count > 1, n > 1 else { return Double(sorted[0]) }
        let position = Double(rank - 1) * Double(sorted.count - 1) / Double(n - 1)
        let below = Int(position.rounded(.down)), above = min(below + 1, sorted.count - 1)
        let weight = position - Double(below)
        return Double(sorted[below]) * (1 - weight) + Double(sorted[above]) * weight
    }
}

extension ForecastModel {
    /// Whether the model holds what prediction intervals need: a conformal calibration, or a
    /// quantile head.
    public var hasIntervals: Bool { (configuration.conformalIntervals?.isUsable ?? false) || configuration.quantileLevels != nil }

    /// Whether the intervals come from the quantile head (a model with a head and no conformal calibration).
    var intervalsFromHead: Bool { configuration.conformalIntervals == nil && configuration.quantileLevels != nil }

    /// The intervals at `levels` of each request's forecast (`forecasts`, the point forecasts of
    /// `requests`), from the conformal calibration or the quantile head.
    func intervals(_ series: [TimeSeries], requests: [ForecastRequest], forecasts: [[Double]], levels: [Double]) -> [[PredictionInterval]] {
        guard !levels.isEmpty else { return requests.map { _ in [] } }
        guard intervalsFromHead, let trained = configuration.quantileLevels else {
            return zip(requests, forecasts).map { request, forecast in
                intervals(around: forecast, series: series[request.series], end: request.end, levels: levels)
            }
        }
        let quantiles = PredictionInterval.quantiles(levels: trained)
        let outputs = quantileForecasts(series, requests: requests)
        return zip(outputs, forecasts).map { rows, forecast in
            levels.map { level in
                // checkLevels(_:steps:source:) admits only the trained levels, so both are found.
                let lower = quantiles.firstIndex(of: (100 - level) / 200) ?? 0, upper = quantiles.firstIndex(of: (100 + level) / 200) ?? quantiles.count - 1
                return PredictionInterval(level: level, lower: Array(rows[lower].prefix(forecast.count)), upper: Array(rows[upper].prefix(forecast.count)))
            }
        }
    }

    /// The quantile head's outputs for each request, in the data's units: one row per quantile
    /// (``PredictionInterval/quantiles(levels:)``) of `horizon` values, sorted at each step so
    /// that no two quantiles cross.
    public func quantileForecasts(_ series: [TimeSeries], requests: [ForecastRequest]) -> [[[Double]]] {
        let horizon = configuration.horizon, series = decoderSeries(series)
        let count = configuration.quantileLevels.map { PredictionInterval.quantiles(levels: $0).count } ?? 1
        var result: [[[Double]]] = []
        for start in stride(from: 0, to: requests.count, by: Self.forecastBatchSize) {
            let chunk = requests[start..<min(start + Self.forecastBatchSize, requests.count)]
            var batch = makeBatch(count: chunk.count)
            for (position, request) in chunk.enumerated() {
                batch.fill(position, from: series[request.series].columns, end: request.end, continuedBy: [])
                batch.fillFuture(position, from: series[request.series], end: request.end)
            }
            let flat = predict(batch, scalers: chunk.map { scaler(for: series[$0.series], end: $0.end) }[...])
            let width = configuration.model.outputSize
            for output in (0..<chunk.count).map({ flat[($0 * width)..<(($0 + 1) * width)] }) {
                var rows = (0..<count).map { q in (0..<horizon).map { Double(output[output.startIndex + q * horizon + $0]) } }
                for h in 0..<horizon {
                    let sorted = rows.map { $0[h] }.sorted()
                    for q in 0..<count { rows[q][h] = sorted[q] }
                }
                result.append(rows)
            }
        }
        return result
    }

    /// The unit a series' interval widths are stored in: the scale of its target (for a model of
    /// many series, the series' own statistics of the history before `end`).
    func intervalScale(for series: TimeSeries, end: Int, lag: Int?, window: Int?) -> Double {
        let modelScale = Double(scaler(for: series, end: end).scale[0])
        guard lag != nil || window != nil else { return modelScale }
        let history = series.target[max(0, end - (window ?? end))..<end]
        let naive = Accuracy.naiveScale(Array(history), season: lag ?? configuration.windowNormalization.period)
        return naive.isFinite && naive > 0 ? naive : modelScale
    }

    /// The scale of each of `steps` horizon steps of a forecast made from the end of the first
    /// `end` points of `series`, as `calibration` measures its errors (one scale for every step,
    /// or with ``ConformalCalibration/stepLags`` each step's own).
    func intervalScales(for series: TimeSeries, end: Int, steps: Int, lag: Int?, window: Int?, stepLags: Bool) -> [Double] {
        guard stepLags else { return Array(repeating: intervalScale(for: series, end: end, lag: lag, window: window), count: steps) }
        return Self.stepLagScales(series.target, end: end, steps: steps, window: window,
                                  fallback: Double(scaler(for: series, end: end).scale[0]))
    }

    /// For each step h = 1…`steps`, the mean |y_t − y_(t−h)| over the last `window` points of
    /// `target` before `end` (all of them when nil): the in-sample error of a naive forecast h
    /// steps ahead. A step the window is too short for takes the longest lag it holds; a series
    /// whose differences are all 0 (or not finite) takes `fallback`.
    static func stepLagScales(_ target: [Double], end: Int, steps: Int, window: Int?, fallback: Double) -> [Double] {
        let start = max(0, end - (window ?? end)), count = end - start
        return (1..<(steps + 1)).map { h in
            let lag = min(h, count - 1)
            guard lag >= 1 else { return fallback }
            var sum = 0.0
            for t in (start + lag)..<end { sum += abs(target[t] - target[t - lag]) }
            let scale = sum / Double(count - lag)
            return scale.isFinite && scale > 0 ? scale : fallback
        }
    }

    /// The intervals at `levels` around `forecast`, made from the end of the first `end` points of
    /// `series`.
    ///
    /// - Precondition: the model has intervals and `forecast` is within the horizon.
    func intervals(around forecast: [Double], series: TimeSeries, end: Int, levels: [Double]) -> [PredictionInterval] {
        guard let calibration = configuration.conformalIntervals, !levels.isEmpty else { return [] }
        precondition(forecast.count <= calibration.scores.count, "intervals within the calibrated horizon")
        let scales = intervalScales(for: series, end: end, steps: forecast.count, lag: calibration.scaleLag,
                                    window: calibration.scaleWindow, stepLags: calibration.stepLags)
        return levels.map { level in
            let half = forecast.indices.map { calibration.halfWidth(level: level, step: $0) * scales[$0] }
            return PredictionInterval(level: level, lower: zip(forecast, half).map { $0 - $1 },
                                      upper: zip(forecast, half).map { $0 + $1 })
        }
    }

    /// Checks that intervals at `levels` can be made for `steps` points.
    ///
    /// - Throws: ``DataError`` (usage): a level outside (0, 100) or repeated; a model without
    ///   intervals (saying how to get them); steps beyond the calibrated horizon.
    func checkLevels(_ levels: [Double], steps: Int, source: String) throws(DataError) {
        guard !levels.isEmpty else { return }
        if let problem = PredictionInterval.problems(levels: levels).first { throw DataError(.usage, file: source, problem) }
        if intervalsFromHead, let trained = configuration.quantileLevels {
            if let level = levels.first(where: { !trained.contains($0) }) {
                throw DataError(.usage, file: source, "the model's quantile head gives the levels \(trained.map(PredictionInterval.name(of:)).joined(separator: ", ")), not \(PredictionInterval.name(of: level)); train it with --levels including \(PredictionInterval.name(of: level))")
            }
            guard steps <= configuration.horizon else {
                throw DataError(.usage, file: source, "the quantile head forecasts the model's horizon of \(configuration.horizon) steps; ask for at most \(configuration.horizon) steps with --level")
            }
            return
        }
        guard let calibration = configuration.conformalIntervals, calibration.isUsable else {
            throw DataError(.usage, file: source, "the model has no prediction intervals: train it again with --intervals conformal (the default; it needs a validation part) to store them")
        }
        guard steps <= calibration.scores.count else {
            throw DataError(.usage, file: source, "the intervals are calibrated for the model's horizon of \(calibration.scores.count) steps; ask for at most \(calibration.scores.count) steps with --level")
        }
    }

    /// The conformal calibration of a model trained without the windows whose whole horizon lies
    /// in each series' `validation` range: its forecast of each (at most `limit`, evenly spaced)
    /// and their absolute errors divided by the series' scale, per step. Nil when no window fits.
    ///
    /// The scale is `scale`'s; ``IntervalScale/automatic`` chooses between the model's and the
    /// per-step scales by their interval score on the validation windows, cross-fitted (each half
    /// of the windows scored with the calibration of the other half), when there are at least
    /// ``IntervalScale/automaticMinimum`` windows, and keeps the model's otherwise. A `scaleLag`
    /// or `scaleWindow` (comparisons of other one-scale choices) overrides `scale`. With `ids`
    /// each series' own combination makes its forecasts (``ModelConfiguration/combination(forSeries:)``).
    func conformalCalibration(_ series: [TimeSeries], validation: [Range<Int>], scale: IntervalScale = .model,
                              scaleLag: Int? = nil, scaleWindow: Int? = nil, limit: Int = 20_000,
                              ids: [String]? = nil) -> ConformalCalibration? {
        let horizon = configuration.horizon
        let minimumHistory = configuration.scalesPerSeries ? 1 : configuration.lookback
        var requests: [ForecastRequest] = []
        for (s, range) in validation.enumerated() where range.count >= horizon {
            for end in stride(from: max(range.lowerBound, minimumHistory), through: range.upperBound - horizon, by: 1) {
                requests.append(ForecastRequest(series: s, end: end))
            }
        }
        guard !requests.isEmpty else { return nil }
        if requests.count > limit {
            let step = Double(requests.count) / Double(limit)
            requests = (0..<limit).map { requests[Int(Double($0) * step)] }
        }
        let (forecasts, _) = forecast(series, requests: requests, steps: horizon, ids: ids)
        let errors = zip(requests, forecasts).map { request, values in
            let target = series[request.series].target
            return (0..<horizon).map { abs(target[request.end + $0] - values[$0]) }
        }
        // Each window's scales, per step, under one choice.
        func scales(stepLags: Bool, window: Int?) -> [[Double]] {
            requests.map { intervalScales(for: series[$0.series], end: $0.end, steps: horizon, lag: scaleLag, window: window, stepLags: stepLags) }
        }
        let modelScales = scales(stepLags: false, window: scaleWindow)
        let stepWindow = IntervalScale.stepWindow(season: configuration.windowNormalization.period, horizon: horizon)
        let oneScale = scaleLag != nil || scaleWindow != nil
        let choosing = scale == .automatic && !oneScale && requests.count >= IntervalScale.automaticMinimum
        let stepScales = (scale == .steps && !oneScale) || choosing ? scales(stepLags: true, window: stepWindow) : nil
        var comparison: IntervalScaleComparison?
        if choosing, let stepScales,
           let model = IntervalScale.crossFittedScores(errors: errors, scales: modelScales, units: modelScales),
           let steps = IntervalScale.crossFittedScores(errors: errors, scales: stepScales, units: modelScales) {
            comparison = IntervalScaleComparison(model: model, steps: steps, windowSeries: requests.map(\.series))
        }
        // Chosen: each step's scale where it scored lower (the model's where the scores could not be
        // made); otherwise each step's when asked for.
        let stepLags = choosing ? comparison.map { $0.steps < $0.model } ?? false : stepScales != nil
        let chosen = stepLags ? stepScales ?? modelScales : modelScales
        let scored = (0..<horizon).map { h in errors.indices.map { errors[$0][h] / chosen[$0][h] } }
        let result = ConformalCalibration(errors: scored, scaleLag: scaleLag, scaleWindow: stepLags ? stepWindow : scaleWindow,
                                          stepLags: stepLags, scaleComparison: comparison)
        return result.isUsable ? result : nil
    }
}

/// The scale each series' conformal errors are measured in, so that one distribution of scores
/// serves series of every size and volatility.
public enum IntervalScale: String, Codable, CaseIterable, Sendable {
    /// Chosen on the validation windows (cross-fitted interval score) between ``model`` and
    /// ``steps``; ``model`` with fewer than ``automaticMinimum`` windows.
    case automatic = "auto"
    /// The target's scale in the model (for one series the training part's standard deviation,
    /// for a model of many series each series' mean absolute seasonal difference), the same for
    /// every step.
    case model
    /// Each step h its own: the series' mean |y_t − y_(t−h)| over its last three seasons (at
    /// least three horizons) before the origin, the recent error of a naive forecast h steps ahead.
    case steps

    /// The fewest validation windows with which ``automatic`` chooses (twice the per-step minimum:
    /// each half then calibrates every step on its own).
    public static let automaticMinimum = 2 * ConformalCalibration.perStepMinimum
    /// The levels whose interval scores ``automatic`` adds up.
    static let comparisonLevels: [Double] = [80, 95]

    /// The interval score of each window when its absolute `errors` (per step) are measured in
    /// `scales`, cross-fitted: the first half of the windows calibrates the intervals of the
    /// second, and the other way round. Each window's score is the mean over its steps and
    /// ``comparisonLevels`` of (width + 2/α · miss) ÷ `units` (a common unit, so that two choices
    /// compare); nil when a half holds too few windows to calibrate every step.
    static func crossFittedScores(errors: [[Double]], scales: [[Double]], units: [[Double]]) -> [Double]? {
        let n = errors.count, horizon = errors.first?.count ?? 0
        guard n >= 2, horizon > 0 else { return nil }
        let halves = [0..<n / 2, n / 2..<n]
        var scores = [Double](repeating: 0, count: n)
        for (fit, scored) in [(halves[0], halves[1]), (halves[1], halves[0])] {
            let fitted = ConformalCalibration(errors: (0..<horizon).map { h in fit.map { errors[$0][h] / scales[$0][h] } })
            guard fitted.isUsable else { return nil }
            for level in comparisonLevels {
                let alpha = 1 - level / 100
                for h in 0..<horizon {
                    let quantile = fitted.halfWidth(level: level, step: h)
                    for r in scored {
                        let half = quantile * scales[r][h]
                        scores[r] += (2 * half + 2 / alpha * max(0, errors[r][h] - half)) / units[r][h]
                    }
                }
            }
        }
        let terms = Double(horizon * comparisonLevels.count)
        return scores.map { $0 / terms }
    }

    /// The points the per-step scales are measured over: three seasons, and at least three
    /// horizons (twice the longest lag's differences beyond it).
    static func stepWindow(season: Int, horizon: Int) -> Int { max(3 * season, 3 * horizon) }
}

/// The cross-fitted interval scores of the two scales on the validation windows (each series' mean
/// over its windows, steps and the 80% and 95% levels of width + 2/α·miss, in units of the model's
/// scale, then the geometric mean over the series): the lower was chosen.
public struct IntervalScaleComparison: Codable, Equatable, Sendable {
    /// The score with the model's scale.
    public var model: Double
    /// The score with the per-step scales.
    public var steps: Double
}

extension IntervalScaleComparison {
    /// The comparison of two scales' cross-fitted window scores
    /// (``IntervalScale/crossFittedScores(errors:scales:units:)``): each series' mean over its
    /// windows (`windowSeries` names each window's series), then the geometric mean over the series
    /// where both means are positive and finite. A ratio per series does not depend on the unit its
    /// scores are in, so no series weighs more for the size of its own unit; with one series it is
    /// the plain mean. Where no series qualifies, the means over every window.
    ///
    /// - Precondition: one score of each kind per window.
    init(model: [Double], steps: [Double], windowSeries: [Int]) {
        precondition(model.count == windowSeries.count && steps.count == windowSeries.count,
                     "IntervalScaleComparison: one score of each scale per window")
        var sums: [Int: (model: Double, steps: Double, count: Double)] = [:]
        for (w, s) in windowSeries.enumerated() {
            let sum = sums[s] ?? (0, 0, 0)
            sums[s] = (sum.model + model[w], sum.steps + steps[w], sum.count + 1)
        }
        var logModel = 0.0, logSteps = 0.0, counted = 0.0
        // In the series' order, so that the sums, and the stored scores, are the same bits from run to run.
        for series in sums.keys.sorted() {
            let sum = sums[series]!
            let a = sum.model / sum.count, b = sum.steps / sum.count
            guard a > 0, b > 0, a.isFinite, b.isFinite else { continue }
            logModel += Foundation.log(a)
            logSteps += Foundation.log(b)
            counted += 1
        }
        if counted > 0 {
            self.init(model: Foundation.exp(logModel / counted), steps: Foundation.exp(logSteps / counted))
        } else {
            let windows = Double(max(1, windowSeries.count))
            self.init(model: model.reduce(0, +) / windows, steps: steps.reduce(0, +) / windows)
        }
    }
}

/// How the model reaches its prediction intervals.
public enum IntervalMethod: String, Codable, CaseIterable, Sendable {
    /// Split conformal intervals from the validation windows' errors (``ConformalCalibration``).
    case conformal
    /// The quantile head's own outputs (``TrainingOptions/quantileLevels``), sorted per step so
    /// that they never cross.
    case quantile
    /// No conformal calibration: no intervals from a point head (a quantile head still gives its own).
    case none
}

/// How well prediction intervals did against the actual values: per level the coverage and the
/// mean width, the MSIS at 95%, and the weighted quantile loss.
public struct IntervalAccuracy: Sendable, Equatable {
    /// One level's figures.
    public struct Level: Sendable, Equatable {
        /// The nominal coverage in percent.
        public var level: Double
        /// The share of actual values within [lower, upper], from 0 to 1.
        public var coverage: Double
        /// The mean of upper − lower, in the data's units.
        public var meanWidth: Double
    }

    /// The figures of each level, in the order given.
    public var levels: [Level]
    /// The mean scaled interval score at 95% (M4's MSIS): mean over points of
    /// (U − L) + 40·(L − y)·[y < L] + 40·(y − U)·[y > U], divided by MASE's in-sample seasonal
    /// scale; NaN without a 95% level or with a zero scale.
    public var msis: Double
    /// GluonTS's `mean_wQuantileLoss`: for each quantile q (0.5 for the point forecast,
    /// (1 ∓ l/100)/2 for the bounds of level l), 2·Σ|(y − ŷ_q)·([y ≤ ŷ_q] − q)| ÷ Σ|y|, then the
    /// mean over the quantiles.
    public var weightedQuantileLoss: Double
    /// The quantiles of ``weightedQuantileLoss`` in ascending order, with each one's summed loss
    /// 2·Σ|(y − ŷ_q)·([y ≤ ŷ_q] − q)| (kept to pool series as GluonTS does).
    public var quantileLosses: [(quantile: Double, loss: Double)]
    /// Σ|y| over the points.
    public var absoluteActual: Double

    public static func == (a: Self, b: Self) -> Bool {
        a.levels == b.levels && a.msis.bitPattern == b.msis.bitPattern && a.weightedQuantileLoss.bitPattern == b.weightedQuantileLoss.bitPattern
    }

    /// Scores the intervals of forecasts of `actual`: `point` is the median, `intervals` one per
    /// level; MSIS is scaled by the seasonal naive errors of `training`.
    public init(actual: [Double], point: [Double], intervals: [PredictionInterval], training: [Double], season: Int) {
        precondition(!actual.isEmpty && point.count == actual.count, "one forecast per actual value")
        precondition(intervals.allSatisfy { $0.lower.count == actual.count }, "one bound per actual value")
        let n = Double(actual.count)
        levels = intervals.map { interval in
            let inside = actual.indices.count { interval.lower[$0] <= actual[$0] && actual[$0] <= interval.upper[$0] }
            let width = actual.indices.reduce(0.0) { $0 + interval.upper[$1] - interval.lower[$1] } / n
            return Level(level: interval.level, coverage: Double(inside) / n, meanWidth: width)
        }
        if let interval = intervals.first(where: { $0.level == 95 }) {
            let alpha = 0.05, scale = Accuracy.naiveScale(training, season: season)
            let score = actual.indices.reduce(0.0) { sum, i in
                let (l, u, y) = (interval.lower[i], interval.upper[i], actual[i])
                return sum + (u - l) + (y < l ? 2 / alpha * (l - y) : 0) + (y > u ? 2 / alpha * (y - u) : 0)
            } / n
            msis = scale > 0 ? score / scale : .nan
        } else {
            msis = .nan
        }
        var quantiles: [(Double, [Double])] = [(0.5, point)]
        for interval in intervals {
            quantiles.append(((100 - interval.level) / 200, interval.lower))
            quantiles.append(((100 + interval.level) / 200, interval.upper))
        }
        quantiles.sort { $0.0 < $1.0 }
        quantileLosses = quantiles.map { q, forecast in
            (q, 2 * actual.indices.reduce(0.0) { sum, i in
                sum + abs((actual[i] - forecast[i]) * ((actual[i] <= forecast[i] ? 1 : 0) - q))
            })
        }
        absoluteActual = actual.reduce(0) { $0 + abs($1) }
        weightedQuantileLoss = Self.weighted(quantileLosses, absoluteActual: absoluteActual)
    }

    private static func weighted(_ losses: [(quantile: Double, loss: Double)], absoluteActual: Double) -> Double {
        guard absoluteActual > 0, !losses.isEmpty else { return .nan }
        return losses.reduce(0) { $0 + $1.loss / absoluteActual } / Double(losses.count)
    }

    /// The figures of many series together: coverage, width and MSIS the means over series (MSIS
    /// leaving out the series where it is undefined); the weighted quantile loss pooled over every
    /// point of every series, as GluonTS's evaluator aggregates it. Nil for no series.
    public static func mean(_ accuracies: [IntervalAccuracy]) -> IntervalAccuracy? {
        guard var result = accuracies.first else { return nil }
        let count = Double(accuracies.count)
        result.levels = result.levels.indices.map { l in
            Level(level: result.levels[l].level,
                  coverage: accuracies.reduce(0) { $0 + $1.levels[l].coverage } / count,
                  meanWidth: accuracies.reduce(0) { $0 + $1.levels[l].meanWidth } / count)
        }
        let msis = accuracies.map(\.msis).filter { !$0.isNaN }
        result.msis = msis.isEmpty ? .nan : msis.reduce(0, +) / Double(msis.count)
        result.quantileLosses = result.quantileLosses.indices.map { q in
            (result.quantileLosses[q].quantile, accuracies.reduce(0) { $0 + $1.quantileLosses[q].loss })
        }
        result.absoluteActual = accuracies.reduce(0) { $0 + $1.absoluteActual }
        result.weightedQuantileLoss = weighted(result.quantileLosses, absoluteActual: result.absoluteActual)
        return result
    }

    /// The figures of the level `level`, if scored.
    public func figures(level: Double) -> Level? { levels.first { $0.level == level } }
}
