import Forecast
import Foundation

/// Columns padded to a common width; the first column left-aligned, numbers right-aligned.
func alignedTable(_ rows: [[String]]) -> String {
    guard let columns = rows.map(\.count).max() else { return "" }
    let widths = (0..<columns).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
    return rows.map { row in
        row.enumerated().map { c, cell in
            let padding = String(repeating: " ", count: widths[c] - cell.count)
            return c == 0 ? cell + padding : padding + cell
        }.joined(separator: "  ").replacingOccurrences(of: " +$", with: "", options: .regularExpression)
    }.joined(separator: "\n")
}

/// The model's accuracy beside each baseline's, best MASE marked (for a panel, the means over series).
func accuracyTable(_ evaluation: PanelEvaluation, modelName: String = "LSTM") -> String {
    let metrics: [Metric] = [.mae, .rmse, .smape, .mase]
    var entries: [(String, Accuracy)] = [(modelName, evaluation.model)]
    for baseline in Baseline.allCases { entries.append((baseline.displayName, evaluation.baselines[baseline]!)) }
    let best = entries.map { $0.1.mase }.filter { !$0.isNaN }.min()
    var rows = [["forecaster"] + metrics.map(\.name)]
    for (name, accuracy) in entries {
        rows.append([name] + metrics.map { String(format: "%.3f", accuracy[$0]) } + (accuracy.mase == best ? ["← best"] : [""]))
    }
    return alignedTable(rows) + (evaluation.intervals.map { "\n" + intervalTable($0, panel: evaluation.series.count > 1) } ?? "")
}

/// The model's prediction intervals: coverage and mean width per level, MSIS at 95%, wQL.
func intervalTable(_ intervals: IntervalAccuracy, panel: Bool) -> String {
    var rows = [["interval", "coverage", "mean width"]]
    for level in intervals.levels {
        rows.append(["\(PredictionInterval.name(of: level.level))%", String(format: "%.3f", level.coverage), String(format: "%.3f", level.meanWidth)])
    }
    return alignedTable(rows) + "\n" + String(format: "MSIS (95%%) %.3f, weighted quantile loss %.4f", intervals.msis, intervals.weightedQuantileLoss)
        + (panel ? " (coverage, width and MSIS: means over series; wQL pooled)" : "")
}

/// "2 forecasts of 12 (season 12)", or for a panel "414 series, 414 forecasts of 48 (season 24); means over series".
func evaluationHeadline(_ evaluation: PanelEvaluation, panel: Panel, horizon: Int) -> String {
    let origins = evaluation.originCount
    let forecasts = "\(origins) forecast\(origins == 1 ? "" : "s") of \(horizon) (season \(evaluation.season))"
    return panel.hasIDs ? "\(panel.count) series, \(forecasts); means over series" : forecasts
}

/// `{"model": {"mae": …, …}, "seasonal_naive": {…}, …}` with keys in a fixed order.
func metricsJSON(_ evaluation: PanelEvaluation, extra: [(String, String)] = []) -> String {
    func object(_ accuracy: Accuracy) -> String {
        "{" + Metric.allCases.map { "\"\($0.rawValue)\": \(jsonNumber(accuracy[$0]))" }.joined(separator: ", ") + "}"
    }
    var entries = [("model", object(evaluation.model))] + Baseline.allCases.map { ($0.rawValue, object(evaluation.baselines[$0]!)) } + extra
    if let intervals = evaluation.intervals {
        let levels = intervals.levels.map {
            "\"\(PredictionInterval.name(of: $0.level))\": {\"coverage\": \(jsonNumber($0.coverage)), \"mean_width\": \(jsonNumber($0.meanWidth))}"
        }
        entries.append(("intervals", "{\"levels\": {\(levels.joined(separator: ", "))}, \"msis\": \(jsonNumber(intervals.msis)), "
                        + "\"weighted_quantile_loss\": \(jsonNumber(intervals.weightedQuantileLoss))}"))
    }
    return "{" + entries.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
}

/// A JSON number, or null for NaN and infinities (which JSON cannot hold).
func jsonNumber(_ value: Double) -> String {
    value.isFinite ? String(format: "%.6g", value) : "null"
}

/// The name of the model's row in accuracy tables: `LSTM` for the network alone, else the members
/// of its combination (`LSTM + seasonal naive`).
func modelRowName(_ combination: ForecastCombination?, network: String) -> String {
    guard let combination, !combination.isNetworkAlone else { return network }
    return combination.used.map { $0.member == .network ? network : $0.member.displayName }.joined(separator: " + ")
}

/// The model's row name for a configuration: ``modelRowName(_:network:)`` of its combination, or
/// `LSTM + fallback per series` when each series has its own.
func modelRowName(_ configuration: ModelConfiguration, network: String) -> String {
    configuration.seriesCombinations != nil ? "\(network) + fallback per series" : modelRowName(configuration.combination, network: network)
}

/// `normalisation: holt_winters, chosen by the validation error of a network with each (season
/// 1.033, holt_winters 0.491)`; nil when the normalisation was not chosen by validation.
func normalizationLine(chosen: WindowNormalization.Method, errors: [(method: WindowNormalization.Method, error: Double)]) -> String? {
    guard !errors.isEmpty else { return nil }
    return "normalisation: \(chosen.rawValue), chosen by the validation error of a network with each ("
        + errors.map { "\($0.method.rawValue) \(String(format: "%.3f", $0.error))" }.joined(separator: ", ") + ")"
}

/// `{"method": "holt_winters", "errors": {"season": 1.033, "holt_winters": 0.491}}`: the
/// normalisation a training kept and, when it chose among several, each one's validation error.
func normalizationJSON(chosen: WindowNormalization.Method, errors: [(method: WindowNormalization.Method, error: Double)]) -> String {
    let measured = errors.map { "\"\($0.method.rawValue)\": \(jsonNumber($0.error))" }.joined(separator: ", ")
    return "{\"method\": \"\(chosen.rawValue)\", \"errors\": {\(measured)}}"
}

/// `fallback: LSTM 0.612 (validation MASE 0.801) + seasonal naive 0.388 (…); combined …`; nil for
/// a model without one (the network alone).
func fallbackLine(_ combination: ForecastCombination?) -> String? {
    guard let combination else { return nil }
    let measured = combination.entries.map { "\($0.member.displayName) \(String(format: "%.3f", $0.validationError))" }.joined(separator: ", ")
    // The simple forecasters' errors are over the history's origins when it was measured.
    let basis = combination.historyWindows == nil ? "validation MASE of each" : "MASE of each (LSTM on the validation windows, the others over the history)"
    return "fallback: \(combination.summary)\n\(basis): \(measured)"
}

/// `per series: 414 of 414 series chose their own combination (a series not listed uses the pooled
/// one); heaviest member LSTM 210, seasonal naive 150, Holt-Winters 54; the network alone in 97;
/// seasonal naive's share 0.400 where the tolerance kept it, in 317` (the share when the series
/// hold one); nil for a model without per-series combinations.
func seriesFallbackLine(_ configuration: ModelConfiguration) -> String? {
    guard let chosen = configuration.seriesCombinations else { return nil }
    var leading: [CombinationMember: Int] = [:]
    for combination in chosen.values { if let first = combination.used.first { leading[first.member, default: 0] += 1 } }
    let counts = CombinationMember.allCases.compactMap { member in leading[member].map { "\(member.displayName) \($0)" } }
    let alone = chosen.values.count(where: \.isNetworkAlone)
    let series = configuration.panel.map { " of \($0.seriesCount)" } ?? ""
    var hedge = ""
    if let share = configuration.seriesSeasonalNaiveShare {
        let hedged = chosen.values.count { $0.seasonalNaiveShare != nil && ($0.entries.first { $0.member == .seasonalNaive }?.weight ?? 0) > 0 }
        hedge = "; seasonal naive's share \(String(format: "%.3f", share)) where the tolerance kept it, in \(hedged)"
    }
    return "per series: \(chosen.count)\(series) series chose their own combination (a series not listed uses the pooled one)"
        + (counts.isEmpty ? "" : "; heaviest member \(counts.joined(separator: ", ")); the network alone in \(alone)") + hedge
}

/// The combination as JSON: `{"members": [{"member": "network", "weight": …, "validation_error": …}, …], "validation_error": …}`.
func combinationJSON(_ combination: ForecastCombination?) -> String {
    guard let combination else { return "null" }
    let members = combination.entries.map {
        "{\"member\": \"\($0.member.rawValue)\", \"weight\": \(jsonNumber($0.weight)), \"validation_error\": \(jsonNumber($0.validationError))}"
    }
    var extras = ""
    if let networkGate = combination.networkGate, let networkLead = combination.networkLead {
        extras = ", \"network_gate\": \(jsonNumber(networkGate)), \"network_lead\": \(jsonNumber(networkLead))"
    }
    if let share = combination.seasonalNaiveShare { extras += ", \"seasonal_naive_share\": \(jsonNumber(share))" }
    return "{\"members\": [\(members.joined(separator: ", "))], \"validation_error\": \(jsonNumber(combination.validationError)), \"windows\": \(combination.windows)\(extras)}"
}
