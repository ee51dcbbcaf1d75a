import ForecastKernels
import Foundation

/// Something that updates parameters from their gradients, as a `torch.optim` optimiser does.
public protocol Optimizer: AnyObject {
    /// The parameters it updates.
    var parameters: [Parameter] { get }
    /// The step size; schedules change it between steps.
    var learningRate: Float { get set }
    /// Updates every parameter from its current gradient.
    func step()
}

extension Optimizer {
    /// Sets every parameter's gradient to zero (PyTorch's `zero_grad`).
    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }
}

/// Adam, and with `decoupledWeightDecay` AdamW, with PyTorch's defaults and update rule.
///
/// For each parameter p with gradient g, at step t:
/// ```
/// Adam:  g ← g + λp            AdamW: p ← p − lr·λ·p
/// m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
/// p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
/// ```
/// References: https://pytorch.org/docs/stable/generated/torch.optim.Adam.html and `AdamW.html`.
public final class Adam: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    /// β1, the decay of the first moment.
    public let beta1: Float
    /// β2, the decay of the second moment.
    public let beta2: Float
    /// ε, added to the denominator.
    public let epsilon: Float
    /// λ, the weight decay (L2 penalty for Adam, decoupled decay for AdamW).
    public let weightDecay: Float
    /// Whether weight decay is decoupled from the gradient (AdamW) or added to it (Adam).
    public let decoupledWeightDecay: Bool
    /// The number of steps taken.
    public private(set) var stepCount = 0
    /// The vector instructions of the update (default: the widest the CPU supports).
    public var instructionSet = InstructionSet.automatic
    private var firstMoments: [[Float]]
    private var secondMoments: [[Float]]

    /// Creates Adam (or AdamW) over `parameters`. The defaults are PyTorch's for `torch.optim.Adam`;
    /// PyTorch's `AdamW` defaults to `weightDecay: 0.01`.
    public init(parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0, decoupledWeightDecay: Bool = false) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        firstMoments = parameters.map { [Float](repeating: 0, count: $0.value.count) }
        secondMoments = firstMoments
    }

    public func step() {
        stepCount += 1
        let update = AdamStep(
            stepSize: learningRate / (1 - Float(pow(Double(beta1), Double(stepCount)))),
            biasCorrection2Root: Float((1 - pow(Double(beta2), Double(stepCount))).squareRoot()),
            learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
            weightDecay: weightDecay, decoupledWeightDecay: decoupledWeightDecay)
        for (index, parameter) in parameters.enumerated() {
            adamUpdate(values: &parameter.value.scalars, gradients: parameter.gradient.scalars,
                       firstMoments: &firstMoments[index], secondMoments: &secondMoments[index], step: update,
                       using: instructionSet)
        }
    }
}

/// Stochastic gradient descent with momentum, PyTorch's `torch.optim.SGD` (dampening 0).
///
/// ```
/// g ← g + λp;  b ← g at the first step, else μ·b + g;  p ← p − lr·(nesterov ? g + μ·b : b)
/// ```
public final class SGD: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    /// μ, the momentum factor (0 for plain SGD).
    public let momentum: Float
    /// λ, the L2 penalty added to the gradient.
    public let weightDecay: Float
    /// Whether to use Nesterov momentum.
    public let nesterov: Bool
    private var buffers: [[Float]]?

    /// Creates SGD over `parameters`.
    public init(parameters: [Parameter], learningRate: Float, momentum: Float = 0, weightDecay: Float = 0,
                nesterov: Bool = false) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.nesterov = nesterov
    }

    public func step() {
        let first = buffers == nil
        if first { buffers = parameters.map { [Float](repeating: 0, count: $0.value.count) } }
        for (index, parameter) in parameters.enumerated() {
            let gradient = parameter.gradient.scalars
            var value = parameter.value.scalars
            for j in value.indices {
                var g = gradient[j] + weightDecay * value[j]
                if momentum != 0 {
                    let b = first ? g : momentum * buffers![index][j] + g
                    buffers![index][j] = b
                    g = nesterov ? g + momentum * b : b
                }
                value[j] -= learningRate * g
            }
            parameter.value.scalars = value
        }
    }
}

/// Scales all gradients together so that their global L2 norm is at most `maxNorm`, as PyTorch's
/// `torch.nn.utils.clip_grad_norm_` (coefficient maxNorm / (norm + 1e-6), applied when below 1).
///
/// - Returns: the global norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    let norm = Float(parameters.reduce(0.0) { $0 + sumOfSquares($1.gradient.scalars) }.squareRoot())
    let coefficient = maxNorm / (norm + 1e-6)
    if coefficient < 1 {
        for parameter in parameters {
            parameter.gradient.scalars = parameter.gradient.scalars.map { $0 * coefficient }
        }
    }
    return norm
}
