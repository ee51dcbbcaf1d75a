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

/// The model's accuracy beside each baseline's, best MASE marked.
func accuracyTable(_ evaluation: HoldoutEvaluation, modelName: String = "LSTM") -> String {
    let metrics: [Metric] = [.mae, .rmse, .smape, .mase]
    var entries: [(String, Accuracy)] = [(modelName, evaluation.model)]
    for baseline in Baseline.allCases { entries.append((baseline.displayName, evaluation.baselines[baseline]!)) }
    let best = entries.map { $0.1.mase }.filter { !$0.isNaN }.min()
    var rows = [["forecaster"] + metrics.map(\.name)]
    for (name, accuracy) in entries {
        rows.append([name] + metrics.map { String(format: "%.3f", accuracy[$0]) } + (accuracy.mase == best ? ["← best"] : [""]))
    }
    return alignedTable(rows)
}
