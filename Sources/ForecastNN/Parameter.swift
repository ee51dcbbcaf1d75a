import ForecastKernels

/// A trainable tensor and the gradient accumulated for it.
///
/// Layers own their parameters; optimisers hold references to the same objects, so that a step
/// updates the layer in place, as `torch.nn.Parameter` does. Gradients add up across backward
/// passes until ``zeroGradient()`` is called.
public final class Parameter {
    /// The current value.
    public var value: Tensor
    /// dLoss/dValue, with the same shape as `value`.
    public var gradient: Tensor

    /// Creates a parameter with a zero gradient.
    public init(_ value: Tensor) {
        self.value = value
        self.gradient = Tensor(shape: value.shape)
    }

    /// A parameter of `shape` drawn from U(−bound, bound), as PyTorch's `uniform_(-bound, bound)`.
    public convenience init(uniformShape shape: [Int], bound: Float, using generator: inout SeededGenerator) {
        let scalars = (0..<Tensor.elementCount(of: shape)).map { _ in generator.nextUniform(-bound, bound) }
        self.init(Tensor(shape: shape, scalars: scalars))
    }

    /// The shape of the value (and of the gradient).
    public var shape: [Int] { value.shape }

    /// Sets the gradient to zero.
    public func zeroGradient() {
        gradient.zero()
    }
}
