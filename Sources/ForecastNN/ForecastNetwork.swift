import ForecastKernels

/// The recurrent cell of a forecasting network.
public enum RecurrentCell: String, CaseIterable, Codable, Sendable {
    /// PyTorch's `nn.LSTM`: gates i, f, g, o and a cell state (``LSTM``).
    case lstm
    /// PyTorch's `nn.GRU`: gates r, z, n and the hidden state alone (``GRU``).
    case gru

    /// Gates per hidden unit: the rows of `weight_ih_l{k}` are this many times the hidden size.
    public var gateCount: Int {
        switch self {
        case .lstm: 4
        case .gru: 3
        }
    }
}

/// A network that maps windows `[B, T, inputSize]`, and for some the horizon's known-future values
/// `[B, horizon, futureSize]`, to forecasts `[B, outputSize]` and can be trained: the tutorial's
/// ``LSTMModel`` and its GRU twin ``GRUModel`` (no future values), and ``EncoderDecoderModel``.
///
/// What the conformers provide is the forward pass, the backward pass of training and their
/// parameters named as PyTorch's `state_dict()`; training steps and state dictionaries are
/// written once for all of them here. Every network can be driven through
/// ``forward(_:future:)`` and ``trainStep(input:future:target:loss:optimizer:clipNorm:)``: the
/// tutorial's networks take `nil` (or no columns) there.
public protocol ForecastNetwork: AnyObject {
    /// The recurrent cell.
    var cell: RecurrentCell { get }
    /// Features per input time step.
    var inputSize: Int { get }
    /// Hidden units per recurrent layer.
    var hiddenSize: Int { get }
    /// The number of recurrent layers.
    var numLayers: Int { get }
    /// Values produced per window.
    var outputSize: Int { get }
    /// Known-future features per horizon step that ``forward(_:future:)`` reads (0 for the
    /// tutorial's networks, whose default implementation this is).
    var futureSize: Int { get }
    /// Whether dropout is active and activations are kept for the backward pass.
    var isTraining: Bool { get set }
    /// The most threads a batch is split across.
    var threadCount: Int { get set }
    /// The vector instructions of the kernels.
    var instructionSet: InstructionSet { get set }
    /// Every parameter with its `state_dict()` name, in PyTorch's order.
    var namedParameters: [(name: String, parameter: Parameter)] { get }
    /// The forecast for each window from a zero initial state: `[B, T, inputSize]` in, `[B, outputSize]` out.
    /// A network that reads known-future values allows it only when ``futureSize`` is 0.
    func forward(_ input: Tensor) -> Tensor
    /// The forecast for each window and the known-future values of its horizon: `[B, T, inputSize]`
    /// and `[B, horizon, futureSize]` in (`future` nil allowed when ``futureSize`` is 0),
    /// `[B, outputSize]` out. Training backpropagates through it with ``accumulateParameterGradients(_:)``.
    func forward(_ input: Tensor, future: Tensor?) -> Tensor
    /// Backpropagates dL/dprediction `[B, outputSize]` through the last training ``forward(_:)`` or
    /// ``forward(_:future:)``, adding to every parameter's gradient (the input's gradient is not computed).
    func accumulateParameterGradients(_ predictionGradient: Tensor)
}

extension ForecastNetwork {
    /// No known-future features: the default of the tutorial's networks.
    public var futureSize: Int { 0 }

    /// ``forward(_:)`` for a network without known-future features: `future` must be nil or have
    /// no columns (last dimension 0).
    public func forward(_ input: Tensor, future: Tensor?) -> Tensor {
        precondition(future == nil || future!.shape.last == 0,
                     "\(type(of: self)) reads no future values, got future of shape \(future!.shape)")
        return forward(input)
    }

    /// Every parameter, in PyTorch's order (what an optimiser takes).
    public var parameters: [Parameter] { namedParameters.map(\.parameter) }

    /// One optimisation step on a batch: zero the gradients, forward, loss, backward, optionally
    /// clip the global gradient norm, and let the optimiser update the parameters.
    ///
    /// - Returns: the batch's loss before the update.
    @discardableResult
    public func trainStep(input: Tensor, target: Tensor, loss: Loss, optimizer: some Optimizer,
                          clipNorm: Float? = nil) -> Float {
        trainStep(input: input, target: target, optimizer: optimizer, clipNorm: clipNorm) { loss.evaluate(prediction: $0, target: $1) }
    }

    /// ``trainStep(input:target:loss:optimizer:clipNorm:)`` with any loss: `loss` maps the
    /// prediction and the target to the loss and its gradient with respect to the prediction.
    @discardableResult
    public func trainStep(input: Tensor, target: Tensor, optimizer: some Optimizer, clipNorm: Float? = nil,
                          loss: (_ prediction: Tensor, _ target: Tensor) -> (value: Float, gradient: Tensor)) -> Float {
        optimizer.zeroGradients()
        let prediction = forward(input)
        let (value, gradient) = loss(prediction, target)
        accumulateParameterGradients(gradient)
        if let clipNorm { clipGradientNorm(parameters, maxNorm: clipNorm) }
        optimizer.step()
        return value
    }

    /// One optimisation step on a batch of windows and the known-future values of their horizons
    /// (`future` `[B, horizon, futureSize]`, or nil when ``futureSize`` is 0), as
    /// ``trainStep(input:target:loss:optimizer:clipNorm:)``.
    ///
    /// - Returns: the batch's loss before the update.
    @discardableResult
    public func trainStep(input: Tensor, future: Tensor?, target: Tensor, loss: Loss, optimizer: some Optimizer,
                          clipNorm: Float? = nil) -> Float {
        trainStep(input: input, future: future, target: target, optimizer: optimizer, clipNorm: clipNorm) {
            loss.evaluate(prediction: $0, target: $1)
        }
    }

    /// ``trainStep(input:future:target:loss:optimizer:clipNorm:)`` with any loss: `loss` maps the
    /// prediction and the target to the loss and its gradient with respect to the prediction.
    @discardableResult
    public func trainStep(input: Tensor, future: Tensor?, target: Tensor, optimizer: some Optimizer, clipNorm: Float? = nil,
                          loss: (_ prediction: Tensor, _ target: Tensor) -> (value: Float, gradient: Tensor)) -> Float {
        optimizer.zeroGradients()
        let prediction = forward(input, future: future)
        let (value, gradient) = loss(prediction, target)
        accumulateParameterGradients(gradient)
        if let clipNorm { clipGradientNorm(parameters, maxNorm: clipNorm) }
        optimizer.step()
        return value
    }
}

/// A new network of `cell`, initialised as PyTorch initialises it (the recurrent layers' parameters
/// first, then the Linear head's) from a generator seeded with `seed`.
public func makeForecastNetwork(cell: RecurrentCell, inputSize: Int, hiddenSize: Int, numLayers: Int, outputSize: Int,
                                dropout: Float = 0, seed: UInt64 = 0) -> any ForecastNetwork {
    switch cell {
    case .lstm:
        LSTMModel(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, outputSize: outputSize, dropout: dropout, seed: seed)
    case .gru:
        GRUModel(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, outputSize: outputSize, dropout: dropout, seed: seed)
    }
}

/// A new ``EncoderDecoderModel`` with a `cell` encoder, as ``EncoderDecoderModel/init(cell:inputSize:futureSize:hiddenSize:numLayers:horizon:outputsPerStep:contextSize:decoderHiddenSize:dropout:seed:)``,
/// typed as the tutorial's networks are by ``makeForecastNetwork(cell:inputSize:hiddenSize:numLayers:outputSize:dropout:seed:)``
/// so that a caller drives both the same way. Its ``ForecastNetwork/outputSize`` is
/// `horizon · outputsPerStep`, quantile-major within a row.
public func makeForecastNetwork(cell: RecurrentCell, inputSize: Int, futureSize: Int, hiddenSize: Int, numLayers: Int,
                                horizon: Int, outputsPerStep: Int, contextSize: Int, decoderHiddenSize: Int,
                                dropout: Float = 0, seed: UInt64 = 0) -> any ForecastNetwork {
    EncoderDecoderModel(cell: cell, inputSize: inputSize, futureSize: futureSize, hiddenSize: hiddenSize, numLayers: numLayers,
                        horizon: horizon, outputsPerStep: outputsPerStep, contextSize: contextSize,
                        decoderHiddenSize: decoderHiddenSize, dropout: dropout, seed: seed)
}
