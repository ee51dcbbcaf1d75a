/// Point-forecast accuracy measures, each comparing forecasts with the actual values.
///
/// Definitions follow Hyndman & Koehler (2006), "Another look at measures of forecast accuracy",
/// and the accuracy protocol in docs/accuracy.md.
public enum Metric: String, CaseIterable, Codable, Sendable {
    /// Mean absolute error, in the data's units.
    case mae
    /// Root mean squared error, in the data's units.
    case rmse
    /// Mean absolute percentage error, 100·mean |y − ŷ| / |y| over points with y ≠ 0.
    case mape
    /// Symmetric MAPE, mean 200·|y − ŷ| / (|y| + |ŷ|) (0 where both are 0).
    case smape
    /// Mean absolute scaled error: MAE ÷ the in-sample MAE of the seasonal naive forecast on the training part.
    case mase

    /// The column header used in tables and the key used in JSON.
    public var name: String { rawValue.uppercased() }
}

/// The accuracy of forecasts against actuals; all arrays hold the same points in the same order.
public struct Accuracy: Equatable, Sendable, Codable {
    public var mae: Double
    public var rmse: Double
    /// NaN when every actual value is 0.
    public var mape: Double
    public var smape: Double
    /// NaN when the training part's seasonal differences are all 0.
    public var mase: Double

    /// Computes every metric.
    ///
    /// - Parameters:
    ///   - actual: the observed values.
    ///   - forecast: the forecast values, one per actual.
    ///   - training: the training part of the series, for MASE's scale.
    ///   - season: the seasonal period m of MASE's scale (1 for the naive forecast's errors).
    public init(actual: [Double], forecast: [Double], training: [Double], season: Int) {
        precondition(actual.count == forecast.count && !actual.isEmpty, "accuracy needs one forecast per actual value")
        let errors = zip(actual, forecast).map { $0 - $1 }
        let n = Double(errors.count)
        mae = errors.reduce(0) { $0 + abs($1) } / n
        rmse = (errors.reduce(0) { $0 + $1 * $1 } / n).squareRoot()
        let nonZero = actual.indices.filter { actual[$0] != 0 }
        mape = nonZero.isEmpty ? .nan : nonZero.reduce(0) { $0 + abs(errors[$1] / actual[$1]) } * 100 / Double(nonZero.count)
        smape = actual.indices.reduce(0) { sum, i in
            let denominator = abs(actual[i]) + abs(forecast[i])
            return sum + (denominator == 0 ? 0 : 200 * abs(errors[i]) / denominator)
        } / n
        let scale = Accuracy.naiveScale(training, season: season)
        mase = scale > 0 ? mae / scale : .nan
    }

    /// mean |y_t − y_{t−m}| over the training part: MASE's denominator. Falls back to m = 1 when
    /// the training part is not longer than one season.
    public static func naiveScale(_ training: [Double], season: Int) -> Double {
        let m = training.count > season ? max(season, 1) : 1
        guard training.count > m else { return .nan }
        var sum = 0.0
        for t in m..<training.count { sum += abs(training[t] - training[t - m]) }
        return sum / Double(training.count - m)
    }

    /// The value of `metric`.
    public subscript(metric: Metric) -> Double {
        switch metric {
        case .mae: mae
        case .rmse: rmse
        case .mape: mape
        case .smape: smape
        case .mase: mase
        }
    }
}

extension Accuracy {
    /// The mean of each measure over `accuracies` (the mean over series of a panel, as the M4
    /// competition averages), leaving out the series where a measure is undefined (NaN: a constant
    /// training part for MASE, all-zero actuals for MAPE); NaN when it is undefined everywhere.
    public static func mean(_ accuracies: [Accuracy]) -> Accuracy {
        func average(_ values: [Double]) -> Double {
            let defined = values.filter { !$0.isNaN }
            return defined.isEmpty ? .nan : defined.reduce(0, +) / Double(defined.count)
        }
        return Accuracy(mae: average(accuracies.map(\.mae)), rmse: average(accuracies.map(\.rmse)),
                        mape: average(accuracies.map(\.mape)), smape: average(accuracies.map(\.smape)),
                        mase: average(accuracies.map(\.mase)))
    }

    /// An accuracy from its measures.
    public init(mae: Double, rmse: Double, mape: Double, smape: Double, mase: Double) {
        self.mae = mae
        self.rmse = rmse
        self.mape = mape
        self.smape = smape
        self.mase = mase
    }
}
