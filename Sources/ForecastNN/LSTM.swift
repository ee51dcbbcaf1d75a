import ForecastKernels

/// The hidden and cell states of every layer of an ``LSTM``, each of shape `[numLayers, B, H]`.
public struct LSTMState: Equatable, Sendable {
    /// h, shape `[numLayers, B, H]`.
    public var hidden: Tensor
    /// c, shape `[numLayers, B, H]`.
    public var cell: Tensor

    /// Creates a state from its two tensors.
    public init(hidden: Tensor, cell: Tensor) {
        precondition(hidden.shape == cell.shape && hidden.shape.count == 3,
                     "LSTMState needs two [numLayers, B, H] tensors, got \(hidden.shape) and \(cell.shape)")
        self.hidden = hidden
        self.cell = cell
    }

    /// Zero states for `numLayers` layers, a batch of `batch` and `hiddenSize` units.
    public init(zerosForLayers numLayers: Int, batch: Int, hiddenSize: Int) {
        self.init(hidden: Tensor(shape: [numLayers, batch, hiddenSize]),
                  cell: Tensor(shape: [numLayers, batch, hiddenSize]))
    }
}

/// A multi-layer LSTM with the semantics, parameter layout and initialisation of PyTorch's
/// `nn.LSTM(inputSize, hiddenSize, numLayers, batch_first=True, dropout:)`.
///
/// For each layer and time step, with the four gates stacked in the order i, f, g, o:
/// ```
/// gates = x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh      [B, 4H]
/// i, f, o = σ(·), g = tanh(·);  c_t = f ⊙ c_{t−1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)
/// ```
/// The input is a batch-first sequence of shape `[B, T, inputSize]`; layer k > 0 reads the hidden
/// states of layer k − 1, with dropout between layers in training. Inside, sequences are kept
/// time-major (`[T, B, ·]`) so that each step is a contiguous tile; the input projection for all
/// time steps is one product before the recurrence, and the weight gradients one product after it.
/// Reference: https://pytorch.org/docs/stable/generated/torch.nn.LSTM.html
public final class LSTM {
    /// The parameters of one layer, named as in PyTorch with the suffix `_l{k}`.
    public struct Layer {
        /// W_ih, shape `[4H, inputSize of this layer]`.
        public let weightIH: Parameter
        /// W_hh, shape `[4H, H]`.
        public let weightHH: Parameter
        /// b_ih, shape `[4H]`.
        public let biasIH: Parameter
        /// b_hh, shape `[4H]`.
        public let biasHH: Parameter
    }

    /// What one layer's forward pass keeps for its backward pass (all time-major).
    private struct LayerCache {
        var input: [Float]      // [T, B, I] the layer's input (after dropout, for layers above the first)
        var gates: [Float]      // [T, B, 4H] gate activations i, f, g, o
        var cells: [Float]      // [T+1, B, H] c_{−1} (initial) … c_{T−1}
        var tanhCells: [Float]  // [T, B, H] tanh(c_t)
        var hidden: [Float]     // [T+1, B, H] h_{−1} (initial) … h_{T−1}
    }

    /// The number of features of each input time step.
    public let inputSize: Int
    /// The number of hidden units H of every layer.
    public let hiddenSize: Int
    /// The number of stacked layers.
    public let numLayers: Int
    /// The layers' parameters, bottom first.
    public let layers: [Layer]
    /// Dropout on the outputs of every layer but the last, in training.
    public let dropoutProbability: Float
    /// Whether dropout is active (training) or not (inference).
    public var isTraining = true

    private var dropouts: [Dropout]
    private var caches: [LayerCache] = []
    private var cachedShape: (batch: Int, time: Int) = (0, 0)

    /// Creates an LSTM with every parameter drawn from U(−1/√H, 1/√H), as PyTorch does, in the
    /// order of its `state_dict` (layer by layer: W_ih, W_hh, b_ih, b_hh).
    public init(inputSize: Int, hiddenSize: Int, numLayers: Int = 1, dropout: Float = 0,
                using generator: inout SeededGenerator) {
        precondition(inputSize > 0 && hiddenSize > 0 && numLayers > 0, "LSTM needs positive sizes")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.numLayers = numLayers
        self.dropoutProbability = dropout
        let bound = 1 / Float(hiddenSize).squareRoot()
        var layers: [Layer] = []
        for k in 0..<numLayers {
            let layerInput = k == 0 ? inputSize : hiddenSize
            layers.append(Layer(
                weightIH: Parameter(uniformShape: [4 * hiddenSize, layerInput], bound: bound, using: &generator),
                weightHH: Parameter(uniformShape: [4 * hiddenSize, hiddenSize], bound: bound, using: &generator),
                biasIH: Parameter(uniformShape: [4 * hiddenSize], bound: bound, using: &generator),
                biasHH: Parameter(uniformShape: [4 * hiddenSize], bound: bound, using: &generator)))
        }
        self.layers = layers
        self.dropouts = (1..<max(numLayers, 1)).map { _ in Dropout(probability: dropout, seed: generator.next()) }
    }

    /// The parameters in PyTorch's `state_dict` order, named as there (`weight_ih_l0`, …).
    public var namedParameters: [(name: String, parameter: Parameter)] {
        layers.enumerated().flatMap { k, layer in
            [("weight_ih_l\(k)", layer.weightIH), ("weight_hh_l\(k)", layer.weightHH),
             ("bias_ih_l\(k)", layer.biasIH), ("bias_hh_l\(k)", layer.biasHH)]
        }
    }

    /// Runs the sequence through every layer.
    ///
    /// - Parameters:
    ///   - input: shape `[B, T, inputSize]`.
    ///   - initialState: `[numLayers, B, H]` tensors; zeros when `nil`.
    /// - Returns: `output`, the last layer's hidden state at every step, `[B, T, H]`; and
    ///   `finalState`, every layer's (h, c) after the last step, `[numLayers, B, H]` each.
    public func forward(_ input: Tensor, initialState: LSTMState? = nil) -> (output: Tensor, finalState: LSTMState) {
        precondition(input.shape.count == 3 && input.shape[2] == inputSize,
                     "LSTM expects [B, T, \(inputSize)], got \(input.shape)")
        let batch = input.shape[0], time = input.shape[1], h = hiddenSize
        precondition(time > 0, "LSTM needs at least one time step")
        let state = initialState ?? LSTMState(zerosForLayers: numLayers, batch: batch, hiddenSize: h)
        precondition(state.hidden.shape == [numLayers, batch, h], "initial state shape \(state.hidden.shape)")
        let stateCount = batch * h
        var finalHidden = [Float](repeating: 0, count: numLayers * stateCount)
        var finalCell = finalHidden
        caches = []
        var layerInput = swapOuterAxes(input.scalars, batch, time, inputSize)  // [T, B, I]
        for k in 0..<numLayers {
            if k > 0 && isTraining && dropoutProbability > 0 {
                layerInput = dropouts[k - 1].forward(layerInput)
            }
            let cache = forwardLayer(k, input: layerInput, batch: batch, time: time,
                                     h0: Array(state.hidden.scalars[k * stateCount ..< (k + 1) * stateCount]),
                                     c0: Array(state.cell.scalars[k * stateCount ..< (k + 1) * stateCount]))
            finalHidden.replaceSubrange(k * stateCount ..< (k + 1) * stateCount,
                                        with: cache.hidden[time * stateCount ..< (time + 1) * stateCount])
            finalCell.replaceSubrange(k * stateCount ..< (k + 1) * stateCount,
                                      with: cache.cells[time * stateCount ..< (time + 1) * stateCount])
            layerInput = Array(cache.hidden[stateCount...])  // h_0 … h_{T−1}: [T, B, H]
            caches.append(cache)
        }
        cachedShape = (batch, time)
        let output = Tensor(shape: [batch, time, h], scalars: swapOuterAxes(layerInput, time, batch, h))
        let finalState = LSTMState(hidden: Tensor(shape: [numLayers, batch, h], scalars: finalHidden),
                                   cell: Tensor(shape: [numLayers, batch, h], scalars: finalCell))
        return (output, finalState)
    }

    // input is (T, B, I) time-major; h0, c0 are (B, H); returns what backward needs.
    private func forwardLayer(_ k: Int, input: [Float], batch: Int, time: Int, h0: [Float], c0: [Float]) -> LayerCache {
        let layer = layers[k], h = hiddenSize, h4 = 4 * hiddenSize, stateCount = batch * h
        let layerInputSize = input.count / (time * batch)
        // The input projection of every time step in one product: gates[T·B, 4H] = x·W_ihᵀ + b_ih + b_hh.
        var gates = [Float](repeating: 0, count: time * batch * h4)
        matmulTransposedB(input, layer.weightIH.value.scalars, into: &gates,
                          m: time * batch, n: h4, k: layerInputSize, mode: .overwrite)
        addRowVector(layer.biasIH.value.scalars, to: &gates, rows: time * batch, cols: h4)
        addRowVector(layer.biasHH.value.scalars, to: &gates, rows: time * batch, cols: h4)
        var cells = [Float](repeating: 0, count: (time + 1) * stateCount)
        var hidden = cells
        var tanhCells = [Float](repeating: 0, count: time * stateCount)
        cells.replaceSubrange(0..<stateCount, with: c0)
        hidden.replaceSubrange(0..<stateCount, with: h0)
        for t in 0..<time {
            // gates_t += h_{t−1}·W_hhᵀ, then the nonlinearities and the cell update in one pass.
            matmulTransposedB(hidden, aOffset: t * stateCount, layer.weightHH.value.scalars,
                              into: &gates, cOffset: t * batch * h4,
                              m: batch, n: h4, k: h, mode: .accumulate)
            lstmCellForward(gates: &gates, gatesOffset: t * batch * h4,
                            cells: &cells, previousOffset: t * stateCount, currentOffset: (t + 1) * stateCount,
                            tanhCells: &tanhCells, tanhOffset: t * stateCount,
                            hidden: &hidden, hiddenOffset: (t + 1) * stateCount,
                            batch: batch, hiddenSize: h)
        }
        return LayerCache(input: input, gates: gates, cells: cells, tanhCells: tanhCells, hidden: hidden)
    }

    /// Backpropagation through time for the last ``forward(_:initialState:)``.
    ///
    /// Adds every parameter's gradient to its `gradient` and returns the gradients of the input and
    /// of the initial state.
    /// - Parameters:
    ///   - outputGradient: dL/d`output`, `[B, T, H]`; `nil` when the loss does not read the outputs.
    ///   - finalStateGradient: dL/d`finalState`, `[numLayers, B, H]` each; `nil` for zeros.
    public func backward(outputGradient: Tensor?, finalStateGradient: LSTMState? = nil)
        -> (inputGradient: Tensor, initialStateGradient: LSTMState)
    {
        precondition(caches.count == numLayers, "LSTM.backward called before forward")
        let (batch, time) = cachedShape, h = hiddenSize, stateCount = batch * h
        var upstream: [Float]  // dL/d(output of the layer being processed), [T, B, H]
        if let outputGradient {
            precondition(outputGradient.shape == [batch, time, h], "LSTM.backward: output gradient shape \(outputGradient.shape)")
            upstream = swapOuterAxes(outputGradient.scalars, batch, time, h)
        } else {
            upstream = [Float](repeating: 0, count: time * stateCount)
        }
        var initialHidden = [Float](repeating: 0, count: numLayers * stateCount)
        var initialCell = initialHidden
        for k in stride(from: numLayers - 1, through: 0, by: -1) {
            let range = k * stateCount ..< (k + 1) * stateCount
            let dhFinal = finalStateGradient.map { Array($0.hidden.scalars[range]) } ?? [Float](repeating: 0, count: stateCount)
            let dcFinal = finalStateGradient.map { Array($0.cell.scalars[range]) } ?? [Float](repeating: 0, count: stateCount)
            let (inputGradient, dh0, dc0) = backwardLayer(k, outputGradient: upstream, dhFinal: dhFinal, dcFinal: dcFinal,
                                                          batch: batch, time: time)
            initialHidden.replaceSubrange(range, with: dh0)
            initialCell.replaceSubrange(range, with: dc0)
            // In the forward pass the layer's input was dropout(output of layer k−1).
            upstream = (k > 0 && isTraining && dropoutProbability > 0) ? dropouts[k - 1].backward(inputGradient) : inputGradient
        }
        let inputGradient = Tensor(shape: [batch, time, inputSize], scalars: swapOuterAxes(upstream, time, batch, inputSize))
        return (inputGradient, LSTMState(hidden: Tensor(shape: [numLayers, batch, h], scalars: initialHidden),
                                         cell: Tensor(shape: [numLayers, batch, h], scalars: initialCell)))
    }

    // outputGradient is (T, B, H); returns dL/dinput (T, B, I) and dL/dh0, dL/dc0 (B, H).
    private func backwardLayer(_ k: Int, outputGradient: [Float], dhFinal: [Float], dcFinal: [Float],
                               batch: Int, time: Int) -> ([Float], [Float], [Float]) {
        let layer = layers[k], cache = caches[k], h = hiddenSize, h4 = 4 * hiddenSize, stateCount = batch * h
        let layerInputSize = cache.input.count / (time * batch)
        var gateGradients = [Float](repeating: 0, count: time * batch * h4)  // dL/d(pre-activation gates)
        var dhNext = dhFinal                // dL/dh_t arriving from step t+1 (recurrent path)
        var cellGradient = dcFinal          // dL/dc_t arriving from step t+1
        var dhTotal = [Float](repeating: 0, count: stateCount)
        for t in stride(from: time - 1, through: 0, by: -1) {
            for j in 0..<stateCount { dhTotal[j] = outputGradient[t * stateCount + j] + dhNext[j] }
            lstmCellBackward(gates: cache.gates, gatesOffset: t * batch * h4,
                             cells: cache.cells, previousOffset: t * stateCount,
                             tanhCells: cache.tanhCells, tanhOffset: t * stateCount,
                             hiddenGradient: dhTotal, hiddenGradientOffset: 0,
                             cellGradient: &cellGradient,
                             gateGradients: &gateGradients, gateGradientsOffset: t * batch * h4,
                             batch: batch, hiddenSize: h)
            // In the forward pass: gates_t += h_{t−1}·W_hhᵀ; so dh_{t−1} = dGates_t·W_hh.
            matmul(gateGradients, aOffset: t * batch * h4, layer.weightHH.value.scalars, into: &dhNext,
                   m: batch, n: h, k: h4, mode: .overwrite)
        }
        // Weight gradients for all time steps in one product each: dW = Σ_t dGates_tᵀ · (input or h_{t−1}).
        matmulTransposedA(gateGradients, cache.hidden, into: &layer.weightHH.gradient.scalars,
                          m: h4, n: h, k: time * batch, mode: .accumulate)
        matmulTransposedA(gateGradients, cache.input, into: &layer.weightIH.gradient.scalars,
                          m: h4, n: layerInputSize, k: time * batch, mode: .accumulate)
        addColumnSums(of: gateGradients, rows: time * batch, cols: h4, to: &layer.biasIH.gradient.scalars)
        addColumnSums(of: gateGradients, rows: time * batch, cols: h4, to: &layer.biasHH.gradient.scalars)
        var inputGradient = [Float](repeating: 0, count: time * batch * layerInputSize)
        matmul(gateGradients, layer.weightIH.value.scalars, into: &inputGradient,
               m: time * batch, n: layerInputSize, k: h4, mode: .overwrite)
        return (inputGradient, dhNext, cellGradient)
    }
}
