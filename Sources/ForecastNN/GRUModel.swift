import ForecastKernels

/// The tutorial's forecaster with a GRU: a stacked ``GRU`` and a ``Linear`` layer on the last time
/// step's hidden state.
///
/// In PyTorch (scripts/lstm_model.py):
/// ```python
/// class GRUModel(nn.Module):
///     def __init__(self, input_size, hidden_size, num_layers, output_size, dropout=0.0):
///         super().__init__()
///         self.gru = nn.GRU(input_size, hidden_size, num_layers, batch_first=True, dropout=dropout)
///         self.fc = nn.Linear(hidden_size, output_size)
///     def forward(self, x):
///         out, _ = self.gru(x)
///         return self.fc(out[:, -1, :])
/// ```
/// Parameters are named as that model's `state_dict()`: `gru.weight_ih_l0`, …, `fc.weight`, `fc.bias`.
public final class GRUModel: ForecastNetwork {
    /// The recurrent layers.
    public let gru: GRU
    /// The output layer, applied to the last hidden state.
    public let fc: Linear

    public var cell: RecurrentCell { .gru }
    public var inputSize: Int { gru.inputSize }
    public var hiddenSize: Int { gru.hiddenSize }
    public var numLayers: Int { gru.numLayers }
    public var outputSize: Int { fc.outFeatures }
    public var isTraining: Bool {
        get { gru.isTraining }
        set { gru.isTraining = newValue }
    }
    public var threadCount: Int {
        get { gru.threadCount }
        set { gru.threadCount = newValue }
    }
    public var instructionSet: InstructionSet {
        get { gru.instructionSet }
        set {
            gru.instructionSet = newValue
            fc.instructionSet = newValue
        }
    }

    /// Creates a model initialised as PyTorch initialises `GRUModel` (the GRU's parameters first,
    /// then the Linear layer's), from a generator seeded with `seed`.
    public init(inputSize: Int, hiddenSize: Int, numLayers: Int, outputSize: Int, dropout: Float = 0, seed: UInt64 = 0) {
        var generator = SeededGenerator(seed: seed)
        gru = GRU(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, dropout: dropout, using: &generator)
        fc = Linear(inFeatures: hiddenSize, outFeatures: outputSize, using: &generator)
    }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        gru.namedParameters.map { ("gru." + $0.name, $0.parameter) }
            + fc.namedParameters.map { ("fc." + $0.name, $0.parameter) }
    }

    public func forward(_ input: Tensor) -> Tensor { forward(input, initialState: nil) }

    /// The forecast for each window: `[B, T, inputSize]` in, `[B, outputSize]` out; `initialState`
    /// is h_{−1} of every layer, `[numLayers, B, H]` (zeros when nil).
    public func forward(_ input: Tensor, initialState: Tensor?) -> Tensor {
        // The head reads out[:, T−1, :], the last layer's hidden state after the last step: [B, H].
        fc.forward(gru.lastOutput(input, initialState: initialState))
    }

    /// Backpropagates dL/dprediction `[B, outputSize]` through the last forward pass, adding to every
    /// parameter's gradient.
    ///
    /// - Returns: the gradients of the input `[B, T, inputSize]` and of the initial state `[numLayers, B, H]`.
    @discardableResult
    public func backward(_ predictionGradient: Tensor) -> (inputGradient: Tensor, initialStateGradient: Tensor) {
        // In the forward pass the head read out[:, T−1, :]; every other step's output gradient is zero.
        gru.backward(lastOutputGradient: fc.backward(predictionGradient), returnsInputGradients: true)!
    }

    public func accumulateParameterGradients(_ predictionGradient: Tensor) {
        gru.backward(lastOutputGradient: fc.backward(predictionGradient), returnsInputGradients: false)
    }
}
