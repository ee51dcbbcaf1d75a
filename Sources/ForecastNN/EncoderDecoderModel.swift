import ForecastKernels

/// NeuralForecast's recurrent forecaster: a recurrent encoder reads the lookback, a context
/// adapter maps its last hidden state to one context vector per horizon step, and a small MLP
/// decoder, applied to every horizon step alike, reads that step's context beside the step's
/// known-future values and gives the step's forecast(s).
///
/// In PyTorch (scripts/lstm_model.py):
/// ```python
/// class EncoderDecoderModel(nn.Module):
///     def __init__(self, input_size, future_size, hidden_size, num_layers, horizon, outputs_per_step,
///                  context_size, decoder_hidden_size, dropout=0.0, cell="lstm"):
///         super().__init__()
///         self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True, dropout=dropout)  # or self.gru
///         self.context = nn.Linear(hidden_size, horizon * context_size)
///         self.decoder = nn.Sequential(nn.Linear(context_size + future_size, decoder_hidden_size), nn.ReLU(),
///                                      nn.Linear(decoder_hidden_size, outputs_per_step))
///     def forward(self, x, future):
///         out, _ = self.lstm(x)
///         c = self.context(out[:, -1, :]).view(B, horizon, context_size)
///         d = self.decoder(torch.cat([c, future], dim=-1))   # [B, horizon, Q]
///         return d.permute(0, 2, 1).reshape(B, Q * horizon)
/// ```
/// Parameters are named as that model's `state_dict()`: `lstm.weight_ih_l0`, … (or `gru.…`),
/// `context.weight`, `context.bias`, `decoder.0.weight`, `decoder.0.bias`, `decoder.2.weight`,
/// `decoder.2.bias`.
///
/// Shapes, with B windows, T lookback steps, I = ``inputSize``, H = ``hiddenSize``,
/// horizon steps, C = ``contextSize``, F = ``futureSize``, D = ``decoderHiddenSize`` and
/// Q = ``outputsPerStep``:
/// - input `[B, T, I]`, future `[B, horizon, F]`;
/// - output `[B, Q · horizon]`, quantile-major within a row: element `q · horizon + h` is output `q`
///   of step `h`, the layout of ``PinballLoss`` (with Q = 1, simply the horizon's values in order).
///
/// The decoder's two ``Linear`` layers run on `[B · horizon, ·]` rows: row `b · horizon + h` is
/// step h of window b.
public final class EncoderDecoderModel: ForecastNetwork {
    /// The recurrent encoder: exactly one of ``lstm`` and ``gru`` is set, as ``cell`` says.
    private enum Encoder {
        case lstm(LSTM)
        case gru(GRU)
    }

    private let encoder: Encoder
    /// The context adapter, `[B, H]` → `[B, horizon · C]`: PyTorch's `context`.
    public let context: Linear
    /// The decoder's first layer, `[B · horizon, C + F]` → `[B · horizon, D]`, followed by a ReLU:
    /// PyTorch's `decoder.0`.
    public let decoderHidden: Linear
    /// The decoder's output layer, `[B · horizon, D]` → `[B · horizon, Q]`: PyTorch's `decoder.2`.
    public let decoderOutput: Linear

    /// Known-future features per horizon step (0: the decoder reads the context alone).
    public let futureSize: Int
    /// The number of steps forecast.
    public let horizon: Int
    /// Values per horizon step: 1, or the number of quantiles.
    public let outputsPerStep: Int
    /// The size C of each horizon step's context vector.
    public let contextSize: Int
    /// The size D of the decoder's hidden layer.
    public let decoderHiddenSize: Int

    /// The ReLU's output of the last forward pass, `[B · horizon, D]`, for ``backward(_:)``.
    private var decoderActivations: [Float] = []
    /// The batch of the last forward pass, for ``backward(_:)``.
    private var forwardBatch: Int?

    /// Creates a model initialised as PyTorch initialises `EncoderDecoderModel`: the encoder's
    /// parameters first, then `context`, `decoder.0` and `decoder.2`, from a generator seeded with
    /// `seed`.
    ///
    /// - Parameters:
    ///   - cell: the encoder's recurrent cell.
    ///   - inputSize: features per lookback step, I.
    ///   - futureSize: known-future features per horizon step, F (may be 0).
    ///   - hiddenSize: hidden units per recurrent layer, H.
    ///   - numLayers: recurrent layers.
    ///   - horizon: steps forecast.
    ///   - outputsPerStep: values per step, Q: 1, or the number of quantiles.
    ///   - contextSize: the size C of each step's context vector.
    ///   - decoderHiddenSize: the size D of the decoder's hidden layer.
    ///   - dropout: dropout between recurrent layers, in training.
    ///   - seed: the seed of the initialisation (and of the dropout masks).
    public init(cell: RecurrentCell, inputSize: Int, futureSize: Int, hiddenSize: Int, numLayers: Int,
                horizon: Int, outputsPerStep: Int, contextSize: Int, decoderHiddenSize: Int,
                dropout: Float = 0, seed: UInt64 = 0) {
        precondition(futureSize >= 0, "EncoderDecoderModel: futureSize must not be negative, got \(futureSize)")
        precondition(horizon > 0 && outputsPerStep > 0 && contextSize > 0 && decoderHiddenSize > 0,
                     "EncoderDecoderModel needs positive horizon, outputsPerStep, contextSize and decoderHiddenSize")
        var generator = SeededGenerator(seed: seed)
        switch cell {
        case .lstm:
            encoder = .lstm(LSTM(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, dropout: dropout, using: &generator))
        case .gru:
            encoder = .gru(GRU(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, dropout: dropout, using: &generator))
        }
        context = Linear(inFeatures: hiddenSize, outFeatures: horizon * contextSize, using: &generator)
        decoderHidden = Linear(inFeatures: contextSize + futureSize, outFeatures: decoderHiddenSize, using: &generator)
        decoderOutput = Linear(inFeatures: decoderHiddenSize, outFeatures: outputsPerStep, using: &generator)
        self.futureSize = futureSize
        self.horizon = horizon
        self.outputsPerStep = outputsPerStep
        self.contextSize = contextSize
        self.decoderHiddenSize = decoderHiddenSize
    }

    /// The LSTM encoder, when ``cell`` is ``RecurrentCell/lstm``.
    public var lstm: LSTM? {
        if case .lstm(let lstm) = encoder { lstm } else { nil }
    }

    /// The GRU encoder, when ``cell`` is ``RecurrentCell/gru``.
    public var gru: GRU? {
        if case .gru(let gru) = encoder { gru } else { nil }
    }

    /// The encoder's recurrent cell.
    public var cell: RecurrentCell {
        switch encoder {
        case .lstm: .lstm
        case .gru: .gru
        }
    }

    /// Features per lookback step.
    public var inputSize: Int {
        switch encoder {
        case .lstm(let lstm): lstm.inputSize
        case .gru(let gru): gru.inputSize
        }
    }

    /// Hidden units per recurrent layer.
    public var hiddenSize: Int {
        switch encoder {
        case .lstm(let lstm): lstm.hiddenSize
        case .gru(let gru): gru.hiddenSize
        }
    }

    /// The number of recurrent layers.
    public var numLayers: Int {
        switch encoder {
        case .lstm(let lstm): lstm.numLayers
        case .gru(let gru): gru.numLayers
        }
    }

    /// Values produced per window: `horizon · outputsPerStep`.
    public var outputSize: Int { horizon * outputsPerStep }

    /// Whether dropout is active and the encoder keeps its activations for ``backward(_:)``. Set to
    /// `false` for prediction.
    public var isTraining: Bool {
        get {
            switch encoder {
            case .lstm(let lstm): lstm.isTraining
            case .gru(let gru): gru.isTraining
            }
        }
        set {
            switch encoder {
            case .lstm(let lstm): lstm.isTraining = newValue
            case .gru(let gru): gru.isTraining = newValue
            }
        }
    }

    /// The most threads the encoder splits a batch across (see ``LSTM`` and ``GRU``).
    public var threadCount: Int {
        get {
            switch encoder {
            case .lstm(let lstm): lstm.threadCount
            case .gru(let gru): gru.threadCount
            }
        }
        set {
            switch encoder {
            case .lstm(let lstm): lstm.threadCount = newValue
            case .gru(let gru): gru.threadCount = newValue
            }
        }
    }

    /// The vector instructions of the kernels, of the encoder and the three Linear layers alike.
    public var instructionSet: InstructionSet {
        get {
            switch encoder {
            case .lstm(let lstm): lstm.instructionSet
            case .gru(let gru): gru.instructionSet
            }
        }
        set {
            switch encoder {
            case .lstm(let lstm): lstm.instructionSet = newValue
            case .gru(let gru): gru.instructionSet = newValue
            }
            for linear in [context, decoderHidden, decoderOutput] { linear.instructionSet = newValue }
        }
    }

    /// Every parameter with its `state_dict()` name, in PyTorch's order.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        let encoderParameters: [(name: String, parameter: Parameter)] = switch encoder {
        case .lstm(let lstm): lstm.namedParameters.map { ("lstm." + $0.name, $0.parameter) }
        case .gru(let gru): gru.namedParameters.map { ("gru." + $0.name, $0.parameter) }
        }
        return encoderParameters
            + context.namedParameters.map { ("context." + $0.name, $0.parameter) }
            + decoderHidden.namedParameters.map { ("decoder.0." + $0.name, $0.parameter) }
            + decoderOutput.namedParameters.map { ("decoder.2." + $0.name, $0.parameter) }
    }

    /// The forecast of a model without known-future features (``futureSize`` 0): `[B, T, I]` in,
    /// `[B, Q · horizon]` out.
    public func forward(_ input: Tensor) -> Tensor {
        precondition(futureSize == 0, "EncoderDecoderModel with futureSize \(futureSize) needs forward(_:future:)")
        return forward(input, future: nil)
    }

    /// The forecast for each window: input `[B, T, I]` and the horizon's known-future values
    /// `future` `[B, horizon, F]` (nil only when ``futureSize`` is 0) in; `[B, Q · horizon]` out,
    /// quantile-major (element `q · horizon + h` is output q of step h).
    public func forward(_ input: Tensor, future: Tensor?) -> Tensor {
        precondition(input.shape.count == 3 && input.shape[2] == inputSize,
                     "EncoderDecoderModel expects input [B, T, \(inputSize)], got \(input.shape)")
        let batch = input.shape[0], rows = batch * horizon, c = contextSize, f = futureSize
        if let future {
            precondition(future.shape == [batch, horizon, f],
                         "EncoderDecoderModel expects future [\(batch), \(horizon), \(f)], got \(future.shape)")
        } else {
            precondition(f == 0, "EncoderDecoderModel with futureSize \(f) needs future values [B, \(horizon), \(f)]")
        }
        // The encoder's out[:, T−1, :], the last layer's hidden state after the last step: [B, H].
        let last = switch encoder {
        case .lstm(let lstm): lstm.lastOutput(input, initialState: nil)
        case .gru(let gru): gru.lastOutput(input, initialState: nil)
        }
        // [B, horizon · C], which is [B, horizon, C] and so [B · horizon, C] in row-major order.
        let contexts = context.forward(last)
        // torch.cat([c, future], dim=-1): row b · horizon + h is (context of step h, future of step h), [B · horizon, C + F].
        var decoderInput = [Float](repeating: 0, count: rows * (c + f))
        for row in 0..<rows {
            copy(contexts.scalars, xOffset: row * c, into: &decoderInput, yOffset: row * (c + f), count: c)
            if let future, f > 0 {
                copy(future.scalars, xOffset: row * f, into: &decoderInput, yOffset: row * (c + f) + c, count: f)
            }
        }
        let hidden = decoderHidden.forward(Tensor(shape: [rows, c + f], scalars: decoderInput))  // [B · horizon, D]
        decoderActivations = reluForward(hidden.scalars)
        forwardBatch = isTraining ? batch : nil
        let steps = decoderOutput.forward(Tensor(shape: [rows, decoderHiddenSize], scalars: decoderActivations))  // [B · horizon, Q]
        // d.permute(0, 2, 1): [B, horizon, Q] → [B, Q, horizon], flattened to [B, Q · horizon].
        return Tensor(shape: [batch, outputSize], scalars: swapInnerAxes(steps.scalars, batch, horizon, outputsPerStep))
    }

    /// Backpropagates dL/dprediction `[B, Q · horizon]` through the last training forward pass,
    /// adding to every parameter's gradient.
    ///
    /// - Returns: the gradients of the input `[B, T, I]` and of the future values `[B, horizon, F]`.
    @discardableResult
    public func backward(_ predictionGradient: Tensor) -> (inputGradient: Tensor, futureGradient: Tensor) {
        let (lastGradient, futureGradient) = backwardThroughDecoder(predictionGradient, returnsFutureGradient: true)
        let inputGradient = switch encoder {
        case .lstm(let lstm): lstm.backward(lastOutputGradient: lastGradient, returnsInputGradients: true)!.inputGradient
        case .gru(let gru): gru.backward(lastOutputGradient: lastGradient, returnsInputGradients: true)!.inputGradient
        }
        return (inputGradient, futureGradient)
    }

    /// As ``backward(_:)``, without the gradients of the input and the future values, which
    /// training does not need.
    public func accumulateParameterGradients(_ predictionGradient: Tensor) {
        let (lastGradient, _) = backwardThroughDecoder(predictionGradient, returnsFutureGradient: false)
        switch encoder {
        case .lstm(let lstm): lstm.backward(lastOutputGradient: lastGradient, returnsInputGradients: false)
        case .gru(let gru): gru.backward(lastOutputGradient: lastGradient, returnsInputGradients: false)
        }
    }

    /// The forward pass from the context adapter on, in reverse: dL/dprediction `[B, Q · horizon]`
    /// in; dL/dlast `[B, H]` (the encoder's last output) and dL/dfuture `[B, horizon, F]` out
    /// (zeros unless asked for).
    private func backwardThroughDecoder(_ predictionGradient: Tensor, returnsFutureGradient: Bool) -> (Tensor, Tensor) {
        guard let batch = forwardBatch else {
            preconditionFailure("EncoderDecoderModel.backward needs a forward pass in training since the last backward pass")
        }
        precondition(predictionGradient.shape == [batch, outputSize],
                     "EncoderDecoderModel.backward: gradient shape \(predictionGradient.shape), expected [\(batch), \(outputSize)]")
        forwardBatch = nil
        let rows = batch * horizon, c = contextSize, f = futureSize
        // In the forward pass the output was [B, horizon, Q] permuted to [B, Q, horizon]; so swap back.
        let stepGradient = Tensor(shape: [rows, outputsPerStep],
                                  scalars: swapInnerAxes(predictionGradient.scalars, batch, outputsPerStep, horizon))
        let activationGradient = decoderOutput.backward(stepGradient)  // [B · horizon, D]
        let hiddenGradient = reluBackward(activationGradient.scalars, output: decoderActivations)
        let inputGradient = decoderHidden.backward(Tensor(shape: [rows, decoderHiddenSize], scalars: hiddenGradient))  // [B · horizon, C + F]
        // In the forward pass each row was (context of the step, future of the step); so split it.
        var contextGradient = [Float](repeating: 0, count: rows * c)
        var futureGradient = [Float](repeating: 0, count: returnsFutureGradient ? rows * f : 0)
        for row in 0..<rows {
            copy(inputGradient.scalars, xOffset: row * (c + f), into: &contextGradient, yOffset: row * c, count: c)
            if returnsFutureGradient && f > 0 {
                copy(inputGradient.scalars, xOffset: row * (c + f) + c, into: &futureGradient, yOffset: row * f, count: f)
            }
        }
        let lastGradient = context.backward(Tensor(shape: [batch, horizon * c], scalars: contextGradient))  // [B, H]
        let futureShape = returnsFutureGradient ? [batch, horizon, f] : [0]
        return (lastGradient, Tensor(shape: futureShape, scalars: futureGradient))
    }
}

/// ReLU, y = max(x, 0), elementwise on any shape.
/// Reference: https://pytorch.org/docs/stable/generated/torch.nn.ReLU.html
func reluForward(_ input: [Float]) -> [Float] {
    input.map { max($0, 0) }
}

/// In the forward pass this was y = max(x, 0); so dL/dx = dL/dy where y > 0 and 0 elsewhere (at
/// x = 0 too, as PyTorch), from the forward's output `y` of the same shape as the gradient.
func reluBackward(_ outputGradient: [Float], output: [Float]) -> [Float] {
    precondition(outputGradient.count == output.count, "reluBackward: \(outputGradient.count) gradients for \(output.count) outputs")
    return zip(outputGradient, output).map { $1 > 0 ? $0 : 0 }
}

/// `x` of shape `[a, b, c]` as `[a, c, b]`: x.permute(0, 2, 1), contiguous.
func swapInnerAxes(_ x: [Float], _ a: Int, _ b: Int, _ c: Int) -> [Float] {
    precondition(x.count == a * b * c, "swapInnerAxes: \(x.count) scalars for [\(a), \(b), \(c)]")
    var result = [Float](repeating: 0, count: x.count)
    for i in 0..<a {
        for j in 0..<b {
            for k in 0..<c { result[(i * c + k) * b + j] = x[(i * b + j) * c + k] }
        }
    }
    return result
}
