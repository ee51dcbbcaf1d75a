/// Inverted dropout, as PyTorch's `nn.Dropout`: in training each element is zeroed with
/// probability p and the survivors are scaled by 1/(1 − p), so that inference needs no change.
///
/// The mask is drawn from the layer's own ``SeededGenerator`` and kept for the backward pass,
/// which multiplies the incoming gradient by the same mask.
/// Reference: https://pytorch.org/docs/stable/generated/torch.nn.Dropout.html
public struct Dropout: Sendable {
    /// The probability of zeroing an element, in [0, 1).
    public let probability: Float
    private var generator: SeededGenerator
    private var mask: [Float] = []

    /// Creates a dropout with its own generator.
    public init(probability: Float, seed: UInt64) {
        precondition(probability >= 0 && probability < 1, "dropout probability must be in [0, 1), got \(probability)")
        self.probability = probability
        self.generator = SeededGenerator(seed: seed)
    }

    /// x ⊙ mask, with a new mask of 0 and 1/(1 − p) entries.
    public mutating func forward(_ input: [Float]) -> [Float] {
        let keep = 1 - probability, scale = 1 / keep
        mask = input.indices.map { _ in generator.nextUnitFloat() < keep ? scale : 0 }
        return zip(input, mask).map { $0 * $1 }
    }

    /// dL/dx = dL/dy ⊙ mask, with the mask of the last ``forward(_:)``.
    public func backward(_ outputGradient: [Float]) -> [Float] {
        precondition(outputGradient.count == mask.count, "Dropout.backward: gradient does not match the last forward")
        return zip(outputGradient, mask).map { $0 * $1 }
    }
}
