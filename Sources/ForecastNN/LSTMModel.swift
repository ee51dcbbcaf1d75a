import ForecastKernels

/// The tutorial's forecaster: a stacked ``LSTM`` and a ``Linear`` layer on the last time step's
/// hidden state.
///
/// In PyTorch:
/// ```python
/// class LSTMModel(nn.Module):
///     def __init__(self, input_size, hidden_size, num_layers, output_size, dropout=0.0):
///         super().__init__()
///         self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True, dropout=dropout)
///         self.fc = nn.Linear(hidden_size, output_size)
///     def forward(self, x):
///         out, _ = self.lstm(x)
///         return self.fc(out[:, -1, :])
/// ```
/// Parameters are named as that model's `state_dict()`: `lstm.weight_ih_l0`, …, `fc.weight`, `fc.bias`.
public final class LSTMModel: ForecastNetwork {
    /// The recurrent layers.
    public let lstm: LSTM
    /// The output layer, applied to the last hidden state.
    public let fc: Linear

    /// ``RecurrentCell/lstm``.
    public var cell: RecurrentCell { .lstm }
    /// Features per input time step.
    public var inputSize: Int { lstm.inputSize }
    /// Hidden units per LSTM layer.
    public var hiddenSize: Int { lstm.hiddenSize }
    /// The number of LSTM layers.
    public var numLayers: Int { lstm.numLayers }
    /// Values produced per window.
    public var outputSize: Int { fc.outFeatures }
    /// Whether dropout is active and activations are kept for ``backward(_:)``. Set to `false` for
    /// prediction: the forward pass then streams through the batch without keeping them.
    public var isTraining: Bool {
        get { lstm.isTraining }
        set { lstm.isTraining = newValue }
    }

    /// The most threads a batch is split across (default: every core). See ``LSTM`` for what the
    /// split changes: nothing in predictions, the last bits of the weight gradients.
    public var threadCount: Int {
        get { lstm.threadCount }
        set { lstm.threadCount = newValue }
    }

    /// The vector instructions of the kernels (default: the widest the CPU supports).
    public var instructionSet: InstructionSet {
        get { lstm.instructionSet }
        set {
            lstm.instructionSet = newValue
            fc.instructionSet = newValue
        }
    }

    /// Creates a model initialised as PyTorch initialises `LSTMModel` (the LSTM's parameters first,
    /// then the Linear layer's), from a generator seeded with `seed`.
    public init(inputSize: Int, hiddenSize: Int, numLayers: Int, outputSize: Int, dropout: Float = 0, seed: UInt64 = 0) {
        var generator = SeededGenerator(seed: seed)
        lstm = LSTM(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, dropout: dropout, using: &generator)
        fc = Linear(inFeatures: hiddenSize, outFeatures: outputSize, using: &generator)
    }

    /// Every parameter with its `state_dict()` name, in PyTorch's order.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        lstm.namedParameters.map { ("lstm." + $0.name, $0.parameter) }
            + fc.namedParameters.map { ("fc." + $0.name, $0.parameter) }
    }

    /// The forecast for each window: `[B, T, inputSize]` in, `[B, outputSize]` out.
    public func forward(_ input: Tensor) -> Tensor { forward(input, initialState: nil) }

    /// The forecast for each window from the given initial state of every layer (zeros when nil).
    public func forward(_ input: Tensor, initialState: LSTMState?) -> Tensor {
        // The head reads out[:, T−1, :], the last layer's hidden state after the last step: [B, H].
        fc.forward(lstm.lastOutput(input, initialState: initialState))
    }

    /// Backpropagates dL/dprediction `[B, outputSize]` through the last ``forward(_:initialState:)``,
    /// adding to every parameter's gradient.
    ///
    /// - Returns: the gradients of the input `[B, T, inputSize]` and of the initial state.
    @discardableResult
    public func backward(_ predictionGradient: Tensor) -> (inputGradient: Tensor, initialStateGradient: LSTMState) {
        let lastGradient = fc.backward(predictionGradient)  // [B, H]
        // In the forward pass the head read out[:, T−1, :]; every other step's output gradient is zero.
        return lstm.backward(lastOutputGradient: lastGradient, returnsInputGradients: true)!
    }

    /// As ``backward(_:)``, without the gradients of the input and the initial state, which
    /// training does not need.
    public func accumulateParameterGradients(_ predictionGradient: Tensor) {
        lstm.backward(lastOutputGradient: fc.backward(predictionGradient), returnsInputGradients: false)
    }
}
