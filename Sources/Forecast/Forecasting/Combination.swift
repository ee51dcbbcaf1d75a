import Foundation
import ForecastData

/// A forecaster the network is measured beside on the validation windows, and may be combined with.
public enum CombinationMember: String, Codable, CaseIterable, Sendable {
    /// The trained network.
    case network
    /// The last value, repeated.
    case naive
    /// The value one season earlier.
    case seasonalNaive = "seasonal_naive"
    /// The last value plus the average change over the history.
    case drift
    /// The mean of the history.
    case mean
    /// Additive Holt–Winters (level and season, ``HoltWinters``), its smoothing parameters fitted
    /// on the training part.
    case holtWinters = "holt_winters"

    /// The name shown in tables.
    public var displayName: String {
        switch self {
        case .network: "LSTM"
        case .holtWinters: "Holt-Winters"
        default: baseline?.displayName ?? rawValue
        }
    }

    /// The baseline this member is, if it is one.
    public var baseline: Baseline? {
        switch self {
        case .naive: .naive
        case .seasonalNaive: .seasonalNaive
        case .drift: .drift
        case .mean: .mean
        case .network, .holtWinters: nil
        }
    }
}

/// The forecasts of every member at rolling-origin validation windows: origins in the part before
/// the test part that the network did not train on, each forecast from the real history before it.
public struct ValidationForecasts: Sendable {
    /// Each window: the series and the end of its history.
    public var requests: [ForecastRequest]
    /// The observed values of each window's horizon.
    public var actual: [[Double]]
    /// Each member's forecast of each window.
    public var forecasts: [CombinationMember: [[Double]]]
    /// The unit of each window's errors: its series' mean seasonal difference before its first
    /// validation origin (MASE's scale), so that windows of different series weigh alike.
    public var scales: [Double]

    /// The simple forecasters' errors over rolling origins across the whole history before the
    /// validation part ends (``StatisticalHistory``), which the choice uses in place of their errors
    /// on the validation windows alone; nil: the validation windows' errors for every member.
    public var history: StatisticalHistory?

    /// Each series' own ``StatisticalHistory`` (keyed by its position among the series), measured
    /// for the per-series choice of a panel (``ForecastCombination/choosePerSeries(on:tolerance:prior:season:seasonalNaiveShare:)``);
    /// empty when not measured.
    public var seriesHistory: [Int: StatisticalHistory] = [:]

    /// The simple forecasters measured over many more origins than the network can be: every
    /// origin from ``firstOrigin(season:horizon:)`` to a series' last validation origin (at most
    /// ``ValidationForecasts/historyLimit`` of them, evenly spaced), each forecast from the real
    /// history before it, its errors divided by the same scale as the validation windows'. They
    /// need no training, so a short validation part (7 windows on airpassengers) or an unusual one
    /// (a holiday in an hourly series' last days) does not decide their standing alone; the
    /// network, which trained on the windows before the validation part, is measured on the
    /// validation windows only.
    public struct StatisticalHistory: Equatable, Sendable {
        /// The number of rolling origins measured.
        public var windows: Int
        /// Each simple forecaster's mean absolute error over them, each error divided by its
        /// series' scale (``ValidationForecasts/scales``); a member with a non-finite forecast is absent.
        public var errors: [CombinationMember: Double]
        /// The points the origins' horizons cover, from the first origin to the last one's horizon
        /// end (0 when not recorded): the evidence of a series' history, in points.
        public var span: Int

        /// Creates a history from errors measured elsewhere.
        public init(windows: Int, errors: [CombinationMember: Double], span: Int = 0) {
            self.windows = windows
            self.errors = errors
            self.span = span
        }

        /// The first origin of a series' history: two seasons, so that Holt–Winters starts from a
        /// whole season's level and seasonal terms, and at least one horizon.
        public static func firstOrigin(season: Int, horizon: Int) -> Int { max(2 * season, horizon, 1) }
    }

    /// The most rolling origins of ``history`` (evenly spaced over every series' history): enough
    /// that one season's unusual weeks do not decide, few enough that a model of a long series
    /// (ETTh1's 17,000 points) measures them in a fraction of its training time.
    public static let historyLimit = 300

    /// The most rolling origins of each series' own history (``seriesHistory``), evenly spaced
    /// from its first origin to its last validation origin: a panel of 414 series measures about
    /// 10,000 origins, a few seconds beside its training.
    public static let seriesHistoryLimit = 24

    /// Creates a table from forecasts made elsewhere.
    public init(requests: [ForecastRequest], actual: [[Double]], forecasts: [CombinationMember: [[Double]]], scales: [Double],
                history: StatisticalHistory? = nil) {
        self.requests = requests
        self.actual = actual
        self.forecasts = forecasts
        self.scales = scales
        self.history = history
    }

    /// The validation windows of `series` whose whole horizon lies in each series' `validation`
    /// range and which have `minimumHistory` points before them; at most `limit`, evenly spaced.
    public static func requests(_ series: [TimeSeries], validation: [Range<Int>], horizon: Int, minimumHistory: Int,
                                limit: Int = 2000) -> [ForecastRequest] {
        var requests: [ForecastRequest] = []
        for (s, range) in validation.enumerated() where range.count >= horizon {
            for end in stride(from: max(range.lowerBound, minimumHistory), through: range.upperBound - horizon, by: 1) {
                requests.append(ForecastRequest(series: s, end: end))
            }
        }
        guard requests.count > limit else { return requests }
        let step = Double(requests.count) / Double(limit)
        return (0..<limit).map { requests[Int(Double($0) * step)] }
    }

    /// The table for `requests`, given the network's forecasts of them: every other member's
    /// forecast is made here from the history before each origin, with seasonal period `season`
    /// (Holt–Winters with `holtWinters[s]`, its parameters fitted on the series' training part;
    /// nil: fitted on the history before each origin). MASE's scale of series s is taken over its
    /// points before `scaleEnds[s]`. With `historyLimit` above 0 the simple forecasters are also
    /// measured over up to that many rolling origins of each series' history up to its last
    /// validation origin (``history``); 0 measures them on the validation windows only. With
    /// `seriesHistoryLimit` above 0 each series' own history is measured as well, over up to that
    /// many origins (``seriesHistory``).
    public init(series: [TimeSeries], requests: [ForecastRequest], network: [[Double]], horizon: Int, season: Int,
                holtWinters: [HoltWinters?], scaleEnds: [Int], historyLimit: Int = ValidationForecasts.historyLimit,
                seriesHistoryLimit: Int = 0) {
        func forecasts(_ requests: [ForecastRequest]) -> [CombinationMember: [[Double]]] {
            var forecasts: [CombinationMember: [[Double]]] = [:]
            for member in CombinationMember.allCases where member != .network {
                forecasts[member] = requests.map { request in
                    let history = Array(series[request.series].target[..<request.end])
                    return ForecastCombination.forecast(of: member, history: history, horizon: horizon, season: season,
                                                        holtWinters: holtWinters[request.series])
                }
            }
            return forecasts
        }
        func actual(_ requests: [ForecastRequest]) -> [[Double]] {
            requests.map { Array(series[$0.series].target[$0.end..<($0.end + horizon)]) }
        }
        let seriesScales = series.indices.map { s in
            let scale = Accuracy.naiveScale(Array(series[s].target[..<max(1, min(scaleEnds[s], series[s].count))]), season: season)
            return scale.isFinite && scale > 0 ? scale : 1
        }
        var measured = forecasts(requests)
        measured[.network] = network
        self.init(requests: requests, actual: actual(requests), forecasts: measured, scales: requests.map { seriesScales[$0.series] })

        // The simple forecasters over rolling origins of each series' history, up to its last validation origin.
        guard historyLimit > 0 else { return }
        var lastOrigin: [Int: Int] = [:]
        for request in requests { lastOrigin[request.series] = max(lastOrigin[request.series] ?? request.end, request.end) }
        let first = StatisticalHistory.firstOrigin(season: season, horizon: horizon)
        var origins: [ForecastRequest] = []
        for s in series.indices {
            guard let last = lastOrigin[s], first <= last else { continue }
            origins += (first...last).map { ForecastRequest(series: s, end: $0) }
        }
        if origins.count > historyLimit {
            let step = Double(origins.count) / Double(historyLimit)
            origins = (0..<historyLimit).map { origins[Int(Double($0) * step)] }
        }
        if !origins.isEmpty {
            let rolling = ValidationForecasts(requests: origins, actual: actual(origins), forecasts: forecasts(origins),
                                              scales: origins.map { seriesScales[$0.series] })
            history = StatisticalHistory(windows: origins.count,
                                         errors: Dictionary(uniqueKeysWithValues: rolling.memberErrors.map { ($0.member, $0.error) }))
        }

        // Each series' own history, for the per-series choice of a panel.
        guard seriesHistoryLimit > 0 else { return }
        for s in series.indices {
            guard let last = lastOrigin[s], first <= last else { continue }
            let count = last - first + 1
            let own = count <= seriesHistoryLimit ? (first...last).map { ForecastRequest(series: s, end: $0) }
                : (0..<seriesHistoryLimit).map { ForecastRequest(series: s, end: first + Int(Double($0) * Double(count) / Double(seriesHistoryLimit))) }
            let rolling = ValidationForecasts(requests: own, actual: actual(own), forecasts: forecasts(own),
                                              scales: own.map { seriesScales[$0.series] })
            seriesHistory[s] = StatisticalHistory(windows: own.count,
                                                  errors: Dictionary(uniqueKeysWithValues: rolling.memberErrors.map { ($0.member, $0.error) }),
                                                  span: last - first + horizon)
        }
    }

    /// The mean absolute error of `forecast` (one row per window) over every window and step,
    /// each divided by its window's scale: a MASE over the validation windows. Infinity when there
    /// is nothing to score, or when `forecast` has more windows or steps than the windows hold.
    public func error(of forecast: [[Double]]) -> Double {
        guard forecast.count <= actual.count, scales.count >= forecast.count,
              forecast.indices.allSatisfy({ forecast[$0].count <= actual[$0].count }) else { return .infinity }
        var sum = 0.0, count = 0
        for (w, row) in forecast.enumerated() {
            for (h, value) in row.enumerated() {
                sum += abs(actual[w][h] - value) / scales[w]
                count += 1
            }
        }
        return count > 0 ? sum / Double(count) : .infinity
    }

    /// How clearly the network beats `member` on the validation windows: the mean over the windows
    /// of `member`'s error minus the network's (each window's mean absolute error ÷ its scale),
    /// divided by its Newey–West standard error (Bartlett weights up to lag horizon − 1, for the
    /// overlap of consecutive windows). Positive: the network ahead.
    ///
    /// A score, not a calibrated test: with few windows, each overlapping the next, the standard
    /// error comes out small, and a network with no real edge exceeds 2 about a third of the time
    /// on 7–11 windows of 12 steps, and about one time in ten on 60 or more (a simulation,
    /// docs/accuracy.md, "The network gate"); the fallback's gate of 2 was chosen by measurement.
    ///
    /// Nil when either member's forecasts are missing, their rows do not match the windows, there
    /// are fewer than two windows, or an error is not finite. When every window's difference is the
    /// same: infinity if positive, minus infinity if negative, 0 if zero.
    public func networkLead(over member: CombinationMember) -> Double? {
        guard let network = forecasts[.network], let other = forecasts[member], network.count == actual.count,
              other.count == actual.count, scales.count == actual.count, actual.count >= 2,
              actual.indices.allSatisfy({ network[$0].count == actual[$0].count && other[$0].count == actual[$0].count })
        else { return nil }
        func windowError(_ row: [Double], _ w: Int) -> Double {
            var sum = 0.0
            for (h, value) in row.enumerated() { sum += abs(actual[w][h] - value) / scales[w] }
            return sum / Double(max(row.count, 1))
        }
        let differences = actual.indices.map { windowError(other[$0], $0) - windowError(network[$0], $0) }
        guard differences.allSatisfy(\.isFinite) else { return nil }
        let n = differences.count
        let mean = differences.reduce(0, +) / Double(n)
        func autocovariance(_ lag: Int) -> Double {
            var sum = 0.0
            for w in lag..<n { sum += (differences[w] - mean) * (differences[w - lag] - mean) }
            return sum / Double(n)
        }
        let lags = min(max((actual.first?.count ?? 1) - 1, 0), n - 1)
        var variance = autocovariance(0)
        for lag in stride(from: 1, through: lags, by: 1) { variance += 2 * (1 - Double(lag) / Double(lags + 1)) * autocovariance(lag) }
        guard variance > 0 else { return mean > 0 ? .infinity : (mean < 0 ? -.infinity : 0) }
        return mean / (variance / Double(n)).squareRoot()
    }

    /// Each member's validation error (``error(of:)``), in ``CombinationMember/allCases`` order;
    /// a member whose forecasts hold a non-finite value is left out.
    public var memberErrors: [(member: CombinationMember, error: Double)] {
        CombinationMember.allCases.compactMap { member in
            guard let rows = forecasts[member], rows.allSatisfy({ $0.allSatisfy(\.isFinite) }) else { return nil }
            let error = error(of: rows)
            return error.isFinite ? (member, error) : nil
        }
    }

    /// The errors the combination is chosen on, in ``CombinationMember/allCases`` order: the
    /// network's on the validation windows; with a ``history``, each simple forecaster's over its
    /// rolling origins (a forecaster with no finite error there is left out), else on the
    /// validation windows too.
    public var choiceErrors: [(member: CombinationMember, error: Double)] { choiceErrors(basis: .measured) }

    /// The errors the combination is chosen on with `basis`: as ``choiceErrors``; with
    /// ``ForecastCombination/ChoiceBasis/seasonalNaiveRatio`` and a ``history``, the network's
    /// validation error is moved onto the history's footing, multiplied by seasonal naive's error
    /// over the history ÷ its error on the validation windows (the network's ratio to seasonal naive
    /// on the windows it was measured on, times seasonal naive's history error), so that a
    /// validation part harder or easier than the history on average does not decide.
    package func choiceErrors(basis: ForecastCombination.ChoiceBasis) -> [(member: CombinationMember, error: Double)] {
        let measured = memberErrors
        var factor = 1.0
        if basis == .seasonalNaiveRatio, let history, let onHistory = history.errors[.seasonalNaive],
           let onWindows = measured.first(where: { $0.member == .seasonalNaive })?.error, onWindows > 0, onHistory > 0 {
            factor = onHistory / onWindows
        }
        return measured.compactMap { entry in
            guard let history else { return entry }
            guard entry.member != .network else { return (entry.member, entry.error * factor) }
            return history.errors[entry.member].map { (entry.member, $0) }
        }
    }
}

/// How the final forecast is made from the network and the simple forecasters, chosen on the
/// validation windows (``ValidationForecasts``) and stored in the model (the `combination` key of
/// config.json): a weighted mean of the members whose error is within ``tolerance`` of the best
/// one's, each weighted by the inverse of its error (Hyndman & Athanasopoulos, §13.4; the M4
/// results, where combinations beat single methods). The network's error is its validation
/// windows'; each simple forecaster's is measured over rolling origins across the whole history
/// (``ValidationForecasts/StatisticalHistory``) when the table has them. With a tolerance of 1 only
/// the best member is kept; with the network best by a margin it is the network alone, as before.
public struct ForecastCombination: Codable, Equatable, Sendable {
    /// One member's validation error and weight.
    public struct Entry: Codable, Equatable, Sendable {
        /// The member.
        public var member: CombinationMember
        /// The error it was chosen on: mean absolute error ÷ the series' mean seasonal difference,
    /// over the validation windows (the network) or the rolling origins of the history (the
    /// simple forecasters, when ``ForecastCombination/historyWindows`` is set).
        public var validationError: Double
        /// Its weight in the final forecast (0 when left out); the weights sum to 1.
        public var weight: Double

        /// Creates an entry.
        public init(member: CombinationMember, validationError: Double, weight: Double) {
            self.member = member
            self.validationError = validationError
            self.weight = weight
        }

        enum CodingKeys: String, CodingKey { case member, weight, validationError = "validation_error" }
    }

    /// The default ``tolerance``: members within twice the best error are combined. Chosen on
    /// one half of the development pool's M4 series (docs/accuracy.md, "The development pool") among
    /// 1.5, 2 and every member, with the simple forecasters measured over the history, and checked
    /// on the other half.
    public static let defaultTolerance = 2.0

    /// How the network's error, measured on the validation windows, is set beside the simple
    /// forecasters' errors over the history (``ValidationForecasts/choiceErrors(basis:)``).
    package enum ChoiceBasis: Sendable {
        /// Each as measured.
        case measured
        /// The network's scaled by seasonal naive's error over the history ÷ on the validation windows.
        case seasonalNaiveRatio
    }

    /// The default ``ChoiceBasis``.
    package static let defaultChoiceBasis = ChoiceBasis.measured

    /// The default network gate of ``choose(on:tolerance:season:holtWinters:candidates:networkGate:seasonalNaiveShare:)``
    /// for one series (``TrainingOptions/fallbackNetworkGate``): 2 standard errors. Of none, 0, 1,
    /// 1.645, 2 and 3, 2 and 3 were best on the even-numbered M4 series of the development pool
    /// (at a tenth of the step budget); only 2 or less kept the network alone on sunspots and
    /// airpassengers at the full budget, every seed (docs/accuracy.md, "The network gate").
    public static let defaultNetworkGate = 2.0

    /// The default ``seasonalNaiveShare`` of one series' fallback (``TrainingOptions/fallbackSeasonalNaiveShare``),
    /// and of each series' combination in a panel's (``TrainingOptions/fallbackSeriesSeasonalNaiveShare``,
    /// docs/accuracy.md, "Seasonal naive's share on panels").
    /// 0.4: of 0, 0.2, 0.25, 0.3, ⅓, 0.4 and 0.5, scored on the development pool's even-numbered
    /// M4 series at the full step budget (fewest series more than 10% behind seasonal naive, then
    /// most ahead, then the geometric-mean MASE), and checked on the odd-numbered ones and at a
    /// tenth of the budget (docs/accuracy.md, "The whole pool at the full budget, and seasonal naive's share").
    public static let defaultSeasonalNaiveShare = 0.4

    /// Every member measured, in ``CombinationMember/allCases`` order.
    public var entries: [Entry]
    /// The ratio to the best validation error within which a member is combined.
    public var tolerance: Double
    /// The seasonal period of seasonal naive and Holt–Winters.
    public var season: Int
    /// Holt–Winters' smoothing parameters (fitted on the training part), when it was measured.
    public var holtWinters: HoltWinters?
    /// The number of validation windows measured.
    public var windows: Int
    /// The number of rolling origins of the history the simple forecasters were measured on; nil
    /// when they were measured on the validation windows (models written before this was added).
    public var historyWindows: Int?
    /// The validation error of the combined forecast (on the windows it was chosen on).
    public var validationError: Double
    /// The network gate the choice used (``choose(on:tolerance:season:holtWinters:candidates:networkGate:seasonalNaiveShare:)``):
    /// the network is kept alone when its ``networkLead`` exceeds it; nil when there was none, or
    /// when the network was not among the candidates.
    public var networkGate: Double?
    /// The network's smallest lead over the other candidates on the validation windows
    /// (``ValidationForecasts/networkLead(over:)``, clamped to ±10⁹), when a gate measured it; nil
    /// when the gate could not measure it (fewer than two windows, no other candidate), and the
    /// gate then does not keep the network alone.
    public var networkLead: Double?
    /// The share of the forecast given to seasonal naive whatever the tolerance chose, unless the
    /// network gate kept the network alone (a hedge: every weight is scaled by 1 − share, then
    /// seasonal naive's raised by the share; the ``entries`` hold the result). The absolute error of
    /// a weighted mean is at most the weighted mean of the members' absolute errors, so a choice the
    /// validation got wrong by a ratio r to seasonal naive's error costs at most (1 − share)·r +
    /// share. Recorded also when the gate passed (then not applied), so that the options that train
    /// the model again keep it. A series' combination in a panel (``choosePerSeries(on:tolerance:prior:season:seasonalNaiveShare:)``)
    /// has no gate: it applies the share only where the tolerance kept seasonal naive, and records
    /// it either way. Nil when there was none (a panel's pooled combination, no seasonal naive
    /// among the candidates, or a model written before it existed).
    public var seasonalNaiveShare: Double?

    enum CodingKeys: String, CodingKey {
        case entries = "members", tolerance, season, windows
        case holtWinters = "holt_winters", validationError = "validation_error", historyWindows = "history_windows"
        case networkGate = "network_gate", networkLead = "network_lead", seasonalNaiveShare = "seasonal_naive_share"
    }

    /// Whether the network gate kept the network alone.
    public var networkPassesGate: Bool {
        guard let networkGate, let networkLead else { return false }
        return networkLead > networkGate
    }

    /// Creates a combination.
    public init(entries: [Entry], tolerance: Double, season: Int, holtWinters: HoltWinters?, windows: Int, validationError: Double,
                historyWindows: Int? = nil) {
        self.entries = entries
        self.tolerance = tolerance
        self.season = season
        self.holtWinters = holtWinters
        self.windows = windows
        self.validationError = validationError
        self.historyWindows = historyWindows
    }

    /// Chooses the weights on `validation`'s ``ValidationForecasts/choiceErrors(basis:)``: of the
    /// `candidates` (default: every member), those within `tolerance` × the best error, weighted by
    /// 1 / error. With a finite `networkGate` (the fallback's for one series), the network is kept
    /// alone instead, whatever the tolerance gives, when its ``ValidationForecasts/networkLead(over:)``
    /// over every other candidate exceeds the gate; ``networkGate`` and ``networkLead`` record it.
    /// With a `seasonalNaiveShare` in (0, 1) and seasonal naive among the candidates, that share of
    /// the weight then goes to seasonal naive whatever the tolerance chose, unless the gate kept the
    /// network alone (``seasonalNaiveShare``).
    /// Nil when no candidate has a finite error.
    public static func choose(on validation: ValidationForecasts, tolerance: Double = defaultTolerance, season: Int,
                              holtWinters: HoltWinters?, candidates: Set<CombinationMember> = Set(CombinationMember.allCases),
                              networkGate: Double? = nil, seasonalNaiveShare: Double? = nil) -> ForecastCombination? {
        choose(on: validation, tolerance: tolerance, season: season, holtWinters: holtWinters, candidates: candidates,
               basis: defaultChoiceBasis, networkGate: networkGate, seasonalNaiveShare: seasonalNaiveShare)
    }

    /// ``choose(on:tolerance:season:holtWinters:candidates:networkGate:seasonalNaiveShare:)`` with the network's error
    /// set beside the simple forecasters' history errors on `basis` (the development pool compares them).
    package static func choose(on validation: ValidationForecasts, tolerance: Double = defaultTolerance, season: Int,
                               holtWinters: HoltWinters?, candidates: Set<CombinationMember> = Set(CombinationMember.allCases),
                               basis: ChoiceBasis, networkGate: Double? = nil, seasonalNaiveShare: Double? = nil) -> ForecastCombination? {
        let errors = validation.choiceErrors(basis: basis).filter { candidates.contains($0.member) }
        guard var entries = weighted(errors, tolerance: tolerance) else { return nil }
        // The network alone when it beats every other candidate on the validation windows by
        // more than `networkGate` standard errors.
        var gate: Double?, lead: Double?, keptAlone = false
        if let networkGate, networkGate.isFinite, errors.contains(where: { $0.member == .network }) {
            gate = networkGate
            // Measured only when it is measured over every other candidate.
            let others = errors.filter { $0.member != .network }
            let leads = others.compactMap { validation.networkLead(over: $0.member) }
            if !others.isEmpty, leads.count == others.count, let least = leads.min() {
                lead = min(max(least, -1e9), 1e9)
            }
            if let lead, lead > networkGate {
                keptAlone = true
                for i in entries.indices { entries[i].weight = entries[i].member == .network ? 1 : 0 }
            }
        }
        // The hedge, unless the gate kept the network alone: seasonal naive's share whatever was
        // chosen. Recorded either way, so that a model trained again hedges as this one would have.
        let share = hedge(&entries, share: seasonalNaiveShare, applied: !keptAlone)
        var combination = ForecastCombination(entries: entries, tolerance: tolerance, season: season, holtWinters: holtWinters,
                                              windows: validation.requests.count, validationError: .nan,
                                              historyWindows: validation.history?.windows)
        combination.networkGate = gate
        combination.networkLead = lead
        combination.seasonalNaiveShare = share
        let combined = validation.requests.indices.map { w in
            combination.combine(members: { validation.forecasts[$0]?[w] ?? [] })
        }
        combination.validationError = validation.error(of: combined)
        return combination
    }

    /// Seasonal naive's `share` of `entries` whatever they chose (when `applied`): every weight
    /// scaled by 1 − share, then seasonal naive's raised by the share. The share to record: nil
    /// when there is none, it is not in (0, 1), or seasonal naive is not among the entries.
    package static func hedge(_ entries: inout [Entry], share: Double?, applied: Bool = true) -> Double? {
        guard let share, share > 0, share < 1, let i = entries.firstIndex(where: { $0.member == .seasonalNaive }) else { return nil }
        if applied {
            for j in entries.indices { entries[j].weight *= 1 - share }
            entries[i].weight += share
        }
        return share
    }

    /// The entries of `errors`: those within `tolerance` × the best weighted by 1 / error, the
    /// others 0. Nil when there are none.
    static func weighted(_ errors: [(member: CombinationMember, error: Double)], tolerance: Double) -> [Entry]? {
        guard let best = errors.map(\.error).min() else { return nil }
        let kept = errors.filter { $0.error <= best * max(tolerance, 1) }
        // A member with no error at all takes the whole weight (with its equals).
        let inverse = kept.map { best > 0 ? 1 / $0.error : ($0.error == 0 ? 1 : 0) }
        let total = inverse.reduce(0, +)
        var entries = errors.map { Entry(member: $0.member, validationError: $0.error, weight: 0) }
        for (entry, weight) in zip(kept, inverse) {
            if let i = entries.firstIndex(where: { $0.member == entry.member }) { entries[i].weight = weight / total }
        }
        return entries
    }

    /// The default ``choosePerSeries(on:tolerance:prior:season:seasonalNaiveShare:)`` prior: the pooled evidence counts as
    /// much as this many horizons of a series' own. Chosen on the even-numbered series of the M4
    /// panels among 0, 1, 4 and 16 and checked on the odd ones (docs/accuracy.md, "Per series").
    public static let defaultSeriesPrior = 1.0

    /// A combination for each series of a panel with validation windows (keyed by its position),
    /// chosen on its own evidence shrunk towards the pooled evidence of every series.
    ///
    /// Each member is compared with seasonal naive on the same windows, as a log ratio of errors:
    /// the network on the series' validation windows, each simple forecaster over the series' own
    /// history (``ValidationForecasts/seriesHistory``; its validation windows when there is none).
    /// The series' ratio counts as its evidence in horizons (the points its windows or origins
    /// cover ÷ the horizon: one validation window is 1, a history of 600 hourly points about 12),
    /// the pooled ratio (the same comparison over every series' windows and the pooled history) as
    /// `prior` horizons: the ratio chosen on is their weighted mean, so a series with one window
    /// mostly keeps the pooled standing of the network and a series with a long history decides
    /// its simple forecasters' alone. The members are then weighted as ``choose(on:tolerance:season:holtWinters:candidates:networkGate:seasonalNaiveShare:)``
    /// does, on the series' seasonal naive error (plus 10⁻⁹, so that an exact seasonal naive
    /// does not make every error 0) times each ratio. A prior of infinity gives every
    /// series the pooled ratios. With a `seasonalNaiveShare` in (0, 1), recorded in every
    /// series' combination (``seasonalNaiveShare``), where the tolerance kept seasonal naive that
    /// share of the weight then goes to it (``TrainingOptions/fallbackSeriesSeasonalNaiveShare``):
    /// on the M4 panels, given to every series it doubled the weekly mean MASE, where seasonal
    /// naive with a season of 52 is far behind; where kept, it halved the hourly series more than
    /// 10% behind seasonal naive (docs/accuracy.md, "Seasonal naive's share on panels"). Empty
    /// when seasonal naive has no finite pooled error.
    public static func choosePerSeries(on validation: ValidationForecasts, tolerance: Double = defaultTolerance,
                                       prior: Double = defaultSeriesPrior, season: Int,
                                       seasonalNaiveShare: Double? = nil) -> [Int: ForecastCombination] {
        guard let horizon = validation.actual.first?.count, horizon > 0 else { return [:] }
        // Errors far below any real one keep the ratios finite when a member is exact.
        let floor = 1e-9
        func ratio(_ error: Double, _ reference: Double) -> Double { log((error + floor) / (reference + floor)) }
        let pooledWindows = Dictionary(uniqueKeysWithValues: validation.memberErrors.map { ($0.member, $0.error) })
        let pooledHistory = validation.history?.errors ?? pooledWindows
        guard let pooledReference = pooledHistory[.seasonalNaive], let windowsReference = pooledWindows[.seasonalNaive] else { return [:] }
        var pooledRatio: [CombinationMember: Double] = [:]
        for member in CombinationMember.allCases {
            if member == .network { pooledRatio[member] = pooledWindows[member].map { ratio($0, windowsReference) } }
            else { pooledRatio[member] = pooledHistory[member].map { ratio($0, pooledReference) } }
        }
        var windowsOf: [Int: [Int]] = [:]
        for (w, request) in validation.requests.enumerated() { windowsOf[request.series, default: []].append(w) }
        var result: [Int: ForecastCombination] = [:]
        for (s, windows) in windowsOf.sorted(by: { $0.key < $1.key }) {
            let own = ValidationForecasts(requests: windows.map { validation.requests[$0] }, actual: windows.map { validation.actual[$0] },
                                          forecasts: validation.forecasts.mapValues { rows in windows.map { rows[$0] } },
                                          scales: windows.map { validation.scales[$0] })
            let ownWindows = Dictionary(uniqueKeysWithValues: own.memberErrors.map { ($0.member, $0.error) })
            let history = validation.seriesHistory[s]
            let ownHistory = history?.errors ?? ownWindows
            guard let reference = ownHistory[.seasonalNaive], let windowsSeasonal = ownWindows[.seasonalNaive] else { continue }
            let windowEvidence = Double(windows.count + horizon - 1) / Double(horizon)
            let historyEvidence = history.map { Double($0.span) / Double(horizon) } ?? windowEvidence
            var errors: [(member: CombinationMember, error: Double)] = []
            for member in CombinationMember.allCases {
                guard let pooled = pooledRatio[member] else { continue }
                let mine = member == .network ? ownWindows[member].map { ratio($0, windowsSeasonal) } : ownHistory[member].map { ratio($0, reference) }
                guard let mine else { continue }
                let evidence = member == .network ? windowEvidence : historyEvidence
                let shrunk = prior.isInfinite ? pooled : (evidence * mine + prior * pooled) / (evidence + prior)
                errors.append((member, (reference + floor) * exp(shrunk)))
            }
            guard var entries = weighted(errors, tolerance: tolerance) else { continue }
            let kept = entries.contains { $0.member == .seasonalNaive && $0.weight > 0 }
            let share = hedge(&entries, share: seasonalNaiveShare, applied: kept)
            var combination = ForecastCombination(entries: entries, tolerance: tolerance, season: season, holtWinters: nil,
                                                  windows: windows.count, validationError: .nan, historyWindows: history?.windows)
            combination.seasonalNaiveShare = share
            let combined = own.requests.indices.map { w in combination.combine(members: { own.forecasts[$0]?[w] ?? [] }) }
            combination.validationError = own.error(of: combined)
            result[s] = combination
        }
        return result
    }

    /// The members with a weight, heaviest first.
    public var used: [Entry] { entries.filter { $0.weight > 0 }.sorted { $0.weight > $1.weight } }

    /// Whether the final forecast is the network's alone.
    public var isNetworkAlone: Bool { used.count == 1 && used[0].member == .network }

    /// The validation error of `member`, if measured.
    public func validationError(of member: CombinationMember) -> Double? { entries.first { $0.member == member }?.validationError }

    /// One line for people: `LSTM 0.62 (validation MASE 0.710) + seasonal naive 0.38 (validation
    /// MASE 1.150); combined validation MASE 0.680 over 12 windows`; when the simple forecasters
    /// were measured over the history, their errors are `history MASE` and `(the simple
    /// forecasters' over 300 origins of the history)` follows; then the gate, when there was one.
    public var summary: String {
        let parts = used.map { entry in
            let measured = entry.member != .network && historyWindows != nil ? "history MASE" : "validation MASE"
            return "\(entry.member.displayName) \(format(entry.weight)) (\(measured) \(format(entry.validationError)))"
        }
        let history = historyWindows.map { " (the simple forecasters' over \($0) origin\($0 == 1 ? "" : "s") of the history)" } ?? ""
        var gate = ""
        if let networkGate {
            if let networkLead {
                gate = networkPassesGate
                    ? "; the network alone: it leads every other member on the validation windows by \(format(networkLead)) standard errors or more (gate \(format(networkGate)))"
                    : "; the network's least lead over another member on the validation windows: \(format(networkLead)) standard errors (gate \(format(networkGate)))"
            } else {
                gate = "; the network's lead over the other members not measured on \(windows) validation window\(windows == 1 ? "" : "s") (gate \(format(networkGate)))"
            }
        }
        var hedge = ""
        if let seasonalNaiveShare, !networkPassesGate {
            hedge = "; seasonal naive's share \(format(seasonalNaiveShare)) kept whatever the tolerance chose"
                + (networkGate == nil ? "" : ", as the network did not pass the gate")
        }
        return parts.joined(separator: " + ") + "; combined validation MASE \(format(validationError)) over \(windows) window\(windows == 1 ? "" : "s")" + history + gate + hedge
    }

    private func format(_ value: Double) -> String {
        value.isFinite ? String(format: "%.3f", value) : "\(value)"
    }

    /// The forecast of `member` of the `horizon` points after `history`.
    public static func forecast(of member: CombinationMember, history: [Double], horizon: Int, season: Int,
                         holtWinters: HoltWinters?) -> [Double] {
        if let baseline = member.baseline { return baseline.forecast(history: history, horizon: horizon, season: season) }
        let model = holtWinters ?? HoltWinters.fit(history, season: season)
        return model.forecast(history: history, horizon: horizon)
    }

    /// The weighted mean of the members' forecasts, each from `members(member)`; the network's
    /// forecast unchanged, value for value, when it is the only member used.
    func combine(members: (CombinationMember) -> [Double]) -> [Double] {
        let used = self.used
        if used.count == 1 { return members(used[0].member) }
        var result: [Double] = []
        for entry in used {
            let values = members(entry.member)
            if result.isEmpty { result = [Double](repeating: 0, count: values.count) }
            for i in result.indices where i < values.count { result[i] += entry.weight * values[i] }
        }
        return result
    }

    /// The final forecast of the `network`'s forecast of the points after `history`.
    public func combine(network: [Double], history: [Double]) -> [Double] {
        combine { member in
            member == .network ? network
                : Self.forecast(of: member, history: history, horizon: network.count, season: season, holtWinters: holtWinters)
        }
    }
}

extension ForecastModel {
    /// The validation table of this model (its network trained without the validation windows):
    /// every window whose horizon lies in a series' `validation` range, forecast by the network and
    /// by every other member from the real history before it. For a model of one series
    /// Holt–Winters' parameters are fitted once on the training part (`trainEnds[0]` points);
    /// for many, on the history before each origin. With `perSeries` each series' own history is
    /// measured too (``ValidationForecasts/seriesHistory``). Nil when no window fits.
    func validationForecasts(_ series: [TimeSeries], validation: [Range<Int>], trainEnds: [Int],
                             season: Int, perSeries: Bool = false) -> (table: ValidationForecasts, holtWinters: HoltWinters?)? {
        let horizon = configuration.horizon
        let requests = ValidationForecasts.requests(series, validation: validation, horizon: horizon,
                                                    minimumHistory: configuration.scalesPerSeries ? 1 : configuration.lookback)
        guard !requests.isEmpty else { return nil }
        let holtWinters = configuration.scalesPerSeries ? nil
            : HoltWinters.fit(Array(series[0].target[..<max(1, trainEnds[0])]), season: season)
        let network = networkForecast(series, requests: requests, steps: horizon).values
        let table = ValidationForecasts(series: series, requests: requests, network: network, horizon: horizon, season: season,
                                        holtWinters: series.map { _ in holtWinters }, scaleEnds: validation.map(\.lowerBound),
                                        seriesHistoryLimit: perSeries ? ValidationForecasts.seriesHistoryLimit : 0)
        return (table, holtWinters)
    }
}
