import ForecastKernels

/// A regression loss, averaged over every element (PyTorch's `reduction="mean"`).
///
/// References: `nn.MSELoss`, `nn.L1Loss`, `nn.HuberLoss` in https://pytorch.org/docs/stable/nn.html#loss-functions
public enum Loss: String, CaseIterable, Codable, Sendable {
    /// Mean squared error: mean (ŷ − y)².
    case mse
    /// Mean absolute error (L1): mean |ŷ − y|.
    case mae
    /// Huber loss with δ = 1: ½d² where |d| < δ, δ(|d| − ½δ) elsewhere, d = ŷ − y.
    case huber

    /// The δ of the Huber loss, as PyTorch's default.
    public static let huberDelta: Float = 1

    /// The loss of `prediction` against `target` (same shape) and its gradient dLoss/dPrediction.
    public func evaluate(prediction: Tensor, target: Tensor) -> (value: Float, gradient: Tensor) {
        precondition(prediction.shape == target.shape,
                     "loss: prediction \(prediction.shape) and target \(target.shape) differ in shape")
        let count = prediction.count
        precondition(count > 0, "loss of an empty tensor")
        let n = Float(count)
        var total = 0.0  // Double, so that the mean of many elements keeps its precision
        var gradient = [Float](repeating: 0, count: count)
        for index in 0..<count {
            let d = prediction.scalars[index] - target.scalars[index]
            switch self {
            case .mse:
                total += Double(d * d)
                gradient[index] = 2 * d / n
            case .mae:
                total += Double(abs(d))
                gradient[index] = (d > 0 ? 1 : d < 0 ? -1 : 0) / n
            case .huber:
                let delta = Loss.huberDelta
                if abs(d) < delta {
                    total += Double(0.5 * d * d)
                    gradient[index] = d / n
                } else {
                    total += Double(delta * (abs(d) - 0.5 * delta))
                    gradient[index] = (d > 0 ? delta : -delta) / n
                }
            }
        }
        return (Float(total / Double(count)), Tensor(shape: prediction.shape, scalars: gradient))
    }
}

/// The pinball (quantile) loss of a head that outputs Q quantiles of H steps, averaged over every
/// element (B·Q·H), as NeuralForecast's `MQLoss` and GluonTS's `QuantileLoss`:
/// ρ_q(y − ŷ) = max(q·(y − ŷ), (q − 1)·(y − ŷ)).
///
/// `prediction` is (B, Q·H), quantile-major within a row (element q·H + h is quantile q of step h);
/// `target` is (B, H). Minimising it makes output q the q-th conditional quantile (Koenker &
/// Bassett, 1978). Reference: https://nixtlaverse.nixtla.io/neuralforecast/losses.pytorch.html
public struct PinballLoss: Sendable, Equatable {
    /// The quantiles, each in (0, 1), in the order of the outputs.
    public var quantiles: [Float]

    /// A loss over `quantiles`.
    public init(quantiles: [Float]) {
        precondition(!quantiles.isEmpty && quantiles.allSatisfy { $0 > 0 && $0 < 1 }, "quantiles in (0, 1)")
        self.quantiles = quantiles
    }

    /// The loss of `prediction` (B, Q·H) against `target` (B, H) and its gradient dLoss/dPrediction.
    public func evaluate(prediction: Tensor, target: Tensor) -> (value: Float, gradient: Tensor) {
        let q = quantiles.count
        precondition(prediction.shape.count == 2 && target.shape.count == 2 && prediction.shape[0] == target.shape[0]
                     && prediction.shape[1] == q * target.shape[1],
                     "pinball loss: prediction \(prediction.shape) is not (B, \(q)·H) for target \(target.shape)")
        let (batch, steps) = (target.shape[0], target.shape[1])
        let n = Float(prediction.count)
        precondition(n > 0, "loss of an empty tensor")
        var total = 0.0
        var gradient = [Float](repeating: 0, count: prediction.count)
        for b in 0..<batch {
            for (k, quantile) in quantiles.enumerated() {
                for h in 0..<steps {
                    let index = b * q * steps + k * steps + h
                    let d = target.scalars[b * steps + h] - prediction.scalars[index]  // y − ŷ
                    // In the forward: ρ = q·d for d ≥ 0, (q − 1)·d below; so dρ/dŷ = −q above, 1 − q below.
                    total += Double(d >= 0 ? quantile * d : (quantile - 1) * d)
                    gradient[index] = (d > 0 ? -quantile : d < 0 ? 1 - quantile : 0) / n
                }
            }
        }
        return (Float(total / Double(prediction.count)), Tensor(shape: prediction.shape, scalars: gradient))
    }
}
