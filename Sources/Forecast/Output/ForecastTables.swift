import Foundation
import ForecastData

/// The CSV tables the forecaster's results are written as, by the command line and by a server.
///
/// A table of one series keeps its one-series layout (`timestamp,forecast`); a panel's tables are
/// long tables whose first column is the id column, series in the panel's order.
public enum ForecastTables {
    /// The forecast rows: `timestamp,forecast` (or `step,forecast`) for one series; for a panel,
    /// `<id column>,<time column or step>,forecast`, one row per series and future step.
    /// Timestamps continue the series' frequency (or the model's, when the series has too few points).
    /// Forecasts with prediction intervals gain `lo-<level>,hi-<level>` after `forecast`, level by
    /// level in the order asked (`lo-80,hi-80,lo-95,hi-95`), as NeuralForecast and statsforecast name them.
    public static func forecastCSV(_ forecast: PanelForecast, panel: Panel, model: ForecastModel) -> String {
        var lines: [String] = []
        let time = panel.time
        let levelHeader = intervalHeader(forecast.forecasts.first?.intervals ?? [])
        func bounds(_ s: Int, _ step: Int) -> String {
            forecast.forecasts[s].intervals.map { ",\(formatNumber($0.lower[step])),\(formatNumber($0.upper[step]))" }.joined()
        }
        func timestamps(_ s: Int) -> [Timestamp]? { forecast.timestamps(ofSeries: s, panel: panel, model: model) }
        if panel.hasIDs, let idName = panel.idName {
            lines.append("\(csvField(idName)),\(csvField(time?.name ?? "step")),forecast\(levelHeader)")
            for (s, pointForecast) in forecast.forecasts.enumerated() {
                let id = csvField(panel.ids[s])
                if let stamps = timestamps(s), let axis = panel.series[s].time {
                    for (step, (stamp, value)) in zip(stamps, pointForecast.values).enumerated() {
                        lines.append("\(id),\(axis.text(stamp)),\(formatNumber(value))\(bounds(s, step))")
                    }
                } else {
                    for (step, value) in pointForecast.values.enumerated() { lines.append("\(id),\(step + 1),\(formatNumber(value))\(bounds(s, step))") }
                }
            }
        } else if let stamps = timestamps(0), let axis = panel.series[0].time {
            lines.append("timestamp,forecast\(levelHeader)")
            for (step, (stamp, value)) in zip(stamps, forecast.forecasts[0].values).enumerated() {
                lines.append("\(axis.text(stamp)),\(formatNumber(value))\(bounds(0, step))")
            }
        } else {
            lines.append("step,forecast\(levelHeader)")
            for (step, value) in forecast.forecasts[0].values.enumerated() { lines.append("\(step + 1),\(formatNumber(value))\(bounds(0, step))") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One row per forecast point: `[id,]origin,timestamp|step,actual,forecast,[lo-80,hi-80,…,]<baselines>`
    /// (the interval columns when intervals were scored, level by level).
    public static func heldOutCSV(_ evaluation: PanelEvaluation, panel: Panel) -> String {
        let timeHeader = panel.time == nil ? "step" : "timestamp"
        let idHeader = panel.hasIDs ? [csvField(panel.idName ?? "id")] : []
        let levels = evaluation.series.first?.origins.first?.intervals.map(\.levelName) ?? []
        let levelHeader = levels.flatMap { ["lo-\($0)", "hi-\($0)"] }
        var lines = [(idHeader + ["origin", timeHeader, "actual", "forecast"] + levelHeader + Baseline.allCases.map(\.rawValue)).joined(separator: ",")]
        for (s, series) in panel.series.enumerated() {
            let id = panel.hasIDs ? [csvField(panel.ids[s])] : []
            for origin in evaluation.series[s].origins {
                let originText = series.time.map { $0.text($0.timestamps[origin.index]) } ?? "\(origin.index + 1)"
                for h in origin.actual.indices {
                    let index = origin.index + h
                    let time = series.time.map { $0.text($0.timestamps[index]) } ?? "\(index + 1)"
                    lines.append((id + [originText, time, formatNumber(origin.actual[h]), formatNumber(origin.model[h])]
                                  + origin.intervals.flatMap { [formatNumber($0.lower[h]), formatNumber($0.upper[h])] }
                                  + Baseline.allCases.map { formatNumber(origin.baselines[$0]![h]) }).joined(separator: ","))
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Each series' figures: `<id>,origins,points,` then MAE, RMSE, sMAPE and MASE of the model,
    /// with intervals its coverage of each level (`model_coverage_80`, …) and MSIS, then MASE and
    /// sMAPE of each baseline.
    public static func perSeriesCSV(_ evaluation: PanelEvaluation, idName: String?) -> String {
        let baselines = Baseline.allCases
        let levels = evaluation.intervals?.levels.map { PredictionInterval.name(of: $0.level) } ?? []
        var header = [csvField(idName ?? "id"), "origins", "points", "model_mae", "model_rmse", "model_smape", "model_mase"]
        if evaluation.intervals != nil { header += levels.map { "model_coverage_\($0)" } + ["model_msis"] }
        for baseline in baselines { header += ["\(baseline.rawValue)_smape", "\(baseline.rawValue)_mase"] }
        var lines = [header.joined(separator: ",")]
        for (id, series) in zip(evaluation.ids, evaluation.series) {
            let m = series.model
            var row = [csvField(id), "\(series.origins.count)", "\(series.origins.reduce(0) { $0 + $1.actual.count })",
                       formatNumber(m.mae), formatNumber(m.rmse), formatNumber(m.smape), formatNumber(m.mase)]
            if let intervals = series.intervals { row += intervals.levels.map { formatNumber($0.coverage) } + [formatNumber(intervals.msis)] }
            for baseline in baselines { row += [formatNumber(series.baselines[baseline]!.smape), formatNumber(series.baselines[baseline]!.mase)] }
            lines.append(row.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `,lo-80,hi-80,lo-95,hi-95`: the interval columns of `intervals`' levels, each after a comma.
    static func intervalHeader(_ intervals: [PredictionInterval]) -> String {
        intervals.map { ",lo-\($0.levelName),hi-\($0.levelName)" }.joined()
    }

    /// `epoch,training_loss,validation_loss`.
    public static func historyCSV(_ history: [EpochRecord]) -> String {
        "epoch,training_loss,validation_loss\n" + history.map {
            "\($0.epoch),\(formatNumber($0.trainingLoss)),\($0.validationLoss.map(formatNumber) ?? "")\n"
        }.joined()
    }
}

/// A number as CSV and tables show it: the shortest text that reads back as the same Float; empty for NaN.
public func formatNumber(_ value: Double) -> String {
    value.isNaN ? "" : "\(Float(value))"
}

/// A CSV field, quoted when it holds a comma, a quote or a line end.
public func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
