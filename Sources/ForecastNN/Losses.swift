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
