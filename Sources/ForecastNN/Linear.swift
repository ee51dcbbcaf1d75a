import ForecastKernels

/// A fully connected layer y = x·Wᵀ + b, with PyTorch's `nn.Linear` layout and initialisation.
///
/// The input has shape `[N, inFeatures]` and the output `[N, outFeatures]`. The weight has shape
/// `[outFeatures, inFeatures]` and the bias `[outFeatures]`.
/// Reference: https://pytorch.org/docs/stable/generated/torch.nn.Linear.html
public final class Linear {
    /// The number of input features.
    public let inFeatures: Int
    /// The number of output features.
    public let outFeatures: Int
    /// W, shape `[outFeatures, inFeatures]`.
    public let weight: Parameter
    /// b, shape `[outFeatures]`.
    public let bias: Parameter

    /// The vector instructions of the kernels (default: the widest the CPU supports).
    public var instructionSet = InstructionSet.automatic

    private var cachedInput: Tensor?

    /// Creates a layer initialised as PyTorch does: Kaiming-uniform weights with a = √5, which is
    /// U(−1/√in, 1/√in), and a bias from U(−1/√in, 1/√in). The weight is drawn before the bias.
    public init(inFeatures: Int, outFeatures: Int, using generator: inout SeededGenerator) {
        precondition(inFeatures > 0 && outFeatures > 0, "Linear needs positive sizes")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = Parameter(uniformShape: [outFeatures, inFeatures], bound: bound, using: &generator)
        bias = Parameter(uniformShape: [outFeatures], bound: bound, using: &generator)
    }

    /// The parameters in PyTorch's `state_dict` order, with their names there.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight), ("bias", bias)]
    }

    /// y[N, out] = x[N, in] · Wᵀ + b. Keeps x for ``backward(_:)``.
    public func forward(_ input: Tensor) -> Tensor {
        precondition(input.shape.count == 2 && input.shape[1] == inFeatures,
                     "Linear expects [N, \(inFeatures)], got \(input.shape)")
        let rows = input.shape[0]
        var output = [Float](repeating: 0, count: rows * outFeatures)
        matmulTransposedB(input.scalars, weight.value.scalars, into: &output,
                          m: rows, n: outFeatures, k: inFeatures, mode: .overwrite, using: instructionSet)
        addRowVector(bias.value.scalars, to: &output, rows: rows, cols: outFeatures)
        cachedInput = input
        return Tensor(shape: [rows, outFeatures], scalars: output)
    }

    /// Given dL/dy [N, out], adds dL/dW and dL/db to the parameters' gradients and returns dL/dx [N, in].
    ///
    /// In the forward pass this was y = x·Wᵀ + b; so now dW += dyᵀ·x, db += Σ_rows dy, dx = dy·W.
    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let input = cachedInput else { preconditionFailure("Linear.backward called before forward") }
        let rows = input.shape[0]
        precondition(outputGradient.shape == [rows, outFeatures], "Linear.backward: gradient shape \(outputGradient.shape)")
        matmulTransposedA(outputGradient.scalars, input.scalars, into: &weight.gradient.scalars,
                          m: outFeatures, n: inFeatures, k: rows, mode: .accumulate, using: instructionSet)
        addColumnSums(of: outputGradient.scalars, rows: rows, cols: outFeatures, to: &bias.gradient.scalars)
        var inputGradient = [Float](repeating: 0, count: rows * inFeatures)
        matmul(outputGradient.scalars, weight.value.scalars, into: &inputGradient,
               m: rows, n: inFeatures, k: outFeatures, mode: .overwrite, using: instructionSet)
        return Tensor(shape: [rows, inFeatures], scalars: inputGradient)
    }
}
