import Foundation
import ForecastKernels

/// A multi-layer GRU with the semantics, parameter layout and initialisation of PyTorch's
/// `nn.GRU(inputSize, hiddenSize, numLayers, batch_first=True, dropout:)`.
///
/// For each layer and time step, with the three gates stacked in the order r, z, n:
/// ```
/// gx = x_t·W_ihᵀ + b_ih,  gh = h_{t−1}·W_hhᵀ + b_hh                       [B, 3H] each
/// r = σ(gx_r + gh_r),  z = σ(gx_z + gh_z),  n = tanh(gx_n + r ⊙ gh_n)
/// h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
/// ```
/// The input is a batch-first sequence of shape `[B, T, inputSize]`; layer k > 0 reads the hidden
/// states of layer k − 1, with dropout between layers in training. As in ``LSTM``, sequences are
/// kept time-major inside, the input projection of all time steps is one product before the
/// recurrence, the recurrence one product per step (h_{t−1}·W_hhᵀ, with b_hh as its starting row),
/// and the weight gradients one product each after it; the cell update is
/// ``gruCellForward(inputGates:inputGatesOffset:hiddenGates:hiddenGatesOffset:hidden:previousOffset:currentOffset:batch:hiddenSize:using:)``.
///
/// **Threads.** A batch is split into ``threadCount`` contiguous shares of rows, each run through
/// every layer and step on its own thread; the shares' weight gradients are summed in a fixed order.
/// Outputs do not depend on the split; weight gradients change in their last bits with the thread
/// count. With the same thread count and ``instructionSet`` every result is repeatable bit for bit.
///
/// **Training and inference.** Both run the same forward pass, which keeps every step's activations
/// in buffers reused from batch to batch; only a pass with ``isTraining`` set (dropout active) can
/// be followed by ``backward(outputGradient:finalStateGradient:)``. A forecasting head's inference
/// (``GRUModel``'s forward pass) runs large batches in blocks of ``inferenceBlockRows`` rows.
/// Reference: https://pytorch.org/docs/stable/generated/torch.nn.GRU.html
public final class GRU {
    /// The parameters of one layer, named as in PyTorch with the suffix `_l{k}`.
    public struct Layer {
        /// W_ih = (W_ir | W_iz | W_in), shape `[3H, inputSize of this layer]`.
        public let weightIH: Parameter
        /// W_hh = (W_hr | W_hz | W_hn), shape `[3H, H]`.
        public let weightHH: Parameter
        /// b_ih, shape `[3H]`.
        public let biasIH: Parameter
        /// b_hh, shape `[3H]`.
        public let biasHH: Parameter
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
    /// Whether dropout is active and the pass can be backpropagated (training), or not (inference).
    public var isTraining = true
    /// The most threads a batch is split across (at least 1). Default: every core of the machine.
    public var threadCount = ProcessInfo.processInfo.activeProcessorCount {
        didSet { precondition(threadCount >= 1, "GRU.threadCount must be at least 1, got \(threadCount)") }
    }
    /// The vector instructions of the kernels. Default: the widest the CPU supports.
    public var instructionSet = InstructionSet.automatic

    private var dropouts: [Dropout]
    /// The weights as the forward products read them, refreshed when a parameter changed.
    private var prepared: [PreparedGRULayer]
    /// The dropout masks of the last training forward, one per layer above the first, `[T, B, H]`.
    private var dropoutMasks: [[Float]] = []
    /// The thread shares of the last forward (kept for backward, reused by the next batch).
    private var shards: [GRUShard] = []
    /// The batch and length of the last training forward; `nil` when there is nothing to backpropagate.
    private var trainedShape: (batch: Int, time: Int)?

    /// Creates a GRU with every parameter drawn from U(−1/√H, 1/√H), as PyTorch does, in the order
    /// of its `state_dict` (layer by layer: W_ih, W_hh, b_ih, b_hh).
    public init(inputSize: Int, hiddenSize: Int, numLayers: Int = 1, dropout: Float = 0,
                using generator: inout SeededGenerator) {
        precondition(inputSize > 0 && hiddenSize > 0 && numLayers > 0, "GRU needs positive sizes")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.numLayers = numLayers
        self.dropoutProbability = dropout
        let bound = 1 / Float(hiddenSize).squareRoot(), h3 = 3 * hiddenSize
        var layers: [Layer] = []
        for k in 0..<numLayers {
            let layerInput = k == 0 ? inputSize : hiddenSize
            layers.append(Layer(
                weightIH: Parameter(uniformShape: [h3, layerInput], bound: bound, using: &generator),
                weightHH: Parameter(uniformShape: [h3, hiddenSize], bound: bound, using: &generator),
                biasIH: Parameter(uniformShape: [h3], bound: bound, using: &generator),
                biasHH: Parameter(uniformShape: [h3], bound: bound, using: &generator)))
        }
        self.layers = layers
        self.dropouts = (1..<max(numLayers, 1)).map { _ in Dropout(probability: dropout, seed: generator.next()) }
        self.prepared = (0..<numLayers).map { k in
            PreparedGRULayer(inputSize: k == 0 ? inputSize : hiddenSize, hiddenSize: hiddenSize)
        }
    }

    /// The parameters in PyTorch's `state_dict` order, named as there (`weight_ih_l0`, …).
    public var namedParameters: [(name: String, parameter: Parameter)] {
        layers.enumerated().flatMap { k, layer in
            [("weight_ih_l\(k)", layer.weightIH), ("weight_hh_l\(k)", layer.weightHH),
             ("bias_ih_l\(k)", layer.biasIH), ("bias_hh_l\(k)", layer.biasHH)]
        }
    }

    private func inputSize(ofLayer k: Int) -> Int { k == 0 ? inputSize : hiddenSize }

    // MARK: - Forward

    /// Runs the sequence through every layer.
    ///
    /// - Parameters:
    ///   - input: shape `[B, T, inputSize]`.
    ///   - initialState: h_{−1} of every layer, `[numLayers, B, H]`; zeros when `nil`.
    /// - Returns: `output`, the last layer's hidden state at every step, `[B, T, H]`; and
    ///   `finalState`, every layer's h after the last step, `[numLayers, B, H]`.
    public func forward(_ input: Tensor, initialState: Tensor? = nil) -> (output: Tensor, finalState: Tensor) {
        let (batch, time) = run(input, initialState: initialState)
        let h = hiddenSize, top = numLayers - 1
        var output = [Float](repeating: 0, count: batch * time * h)
        var finalHidden = [Float](repeating: 0, count: numLayers * batch * h)
        for shard in shards {
            let b = shard.rows.count, stateCount = b * h
            // h_0 … h_{T−1} of the top layer, [T, b, H], into the share's rows of [B, T, H].
            swapOuterAxes(shard.caches[top].hidden, xOffset: stateCount, time, b, h, into: &output,
                          outOffset: shard.rows.lowerBound * time * h)
            for k in 0..<numLayers {
                copy(shard.caches[k].hidden, xOffset: time * stateCount, into: &finalHidden,
                     yOffset: (k * batch + shard.rows.lowerBound) * h, count: stateCount)
            }
        }
        return (Tensor(shape: [batch, time, h], scalars: output), Tensor(shape: [numLayers, batch, h], scalars: finalHidden))
    }

    /// Rows that inference from a zero state carries through the sequence at once in
    /// ``lastOutput(_:initialState:)``: the activations kept are those of this many rows, not of the
    /// whole batch (each row's numbers are the same either way).
    public static let inferenceBlockRows = 256

    /// The last layer's hidden state after the last step, `[B, H]`: what a forecasting head reads.
    /// The same numbers as `forward(input).output[:, T−1, :]`.
    func lastOutput(_ input: Tensor, initialState: Tensor?) -> Tensor {
        let blockRows = Self.inferenceBlockRows
        guard !isTraining, initialState == nil, input.shape.count == 3, input.shape[0] > blockRows else {
            return lastOutputOfWholeBatch(input, initialState: initialState)
        }
        // Inference in blocks of rows, so that the kept activations stay a few megabytes whatever the batch.
        let batch = input.shape[0], rowSize = input.shape[1] * input.shape[2], h = hiddenSize
        var last = [Float](repeating: 0, count: batch * h)
        for start in stride(from: 0, to: batch, by: blockRows) {
            let rows = start..<min(start + blockRows, batch)
            let block = Tensor(shape: [rows.count, input.shape[1], input.shape[2]],
                               scalars: Array(input.scalars[(rows.lowerBound * rowSize)..<(rows.upperBound * rowSize)]))
            copy(lastOutputOfWholeBatch(block, initialState: nil).scalars, into: &last, yOffset: start * h, count: rows.count * h)
        }
        return Tensor(shape: [batch, h], scalars: last)
    }

    private func lastOutputOfWholeBatch(_ input: Tensor, initialState: Tensor?) -> Tensor {
        let (batch, time) = run(input, initialState: initialState)
        let h = hiddenSize, top = numLayers - 1
        var last = [Float](repeating: 0, count: batch * h)
        for shard in shards {
            let b = shard.rows.count
            copy(shard.caches[top].hidden, xOffset: time * b * h, into: &last, yOffset: shard.rows.lowerBound * h, count: b * h)
        }
        return Tensor(shape: [batch, h], scalars: last)
    }

    /// Checks the shapes, then runs every share of rows through every layer, keeping the activations.
    private func run(_ input: Tensor, initialState: Tensor?) -> (batch: Int, time: Int) {
        precondition(input.shape.count == 3 && input.shape[2] == inputSize,
                     "GRU expects [B, T, \(inputSize)], got \(input.shape)")
        let batch = input.shape[0], time = input.shape[1]
        precondition(time > 0, "GRU needs at least one time step")
        if let initialState {
            precondition(initialState.shape == [numLayers, batch, hiddenSize],
                         "initial state shape \(initialState.shape), expected \([numLayers, batch, hiddenSize])")
        }
        for k in 0..<numLayers { prepared[k].prepare(layers[k], using: instructionSet) }
        // The dropout masks are drawn here, in one fixed order ([T, B, H] per layer), whatever the split.
        dropoutMasks = []
        if isTraining && dropoutProbability > 0 {
            let ones = [Float](repeating: 1, count: time * batch * hiddenSize)
            dropoutMasks = (1..<numLayers).map { dropouts[$0 - 1].forward(ones) }
        }
        let count = max(1, min(threadCount, batch))
        let rows = (0..<count).map { s in (s * batch / count) ..< ((s + 1) * batch / count) }
        while shards.count < rows.count { shards.append(GRUShard(numLayers: numLayers)) }
        shards.removeLast(shards.count - rows.count)
        for (shard, share) in zip(shards, rows) { shard.rows = share }
        let inputScalars = input.scalars, shards = self.shards, masks = dropoutMasks
        concurrentForEach(shards.count) { s in
            forwardShard(shards[s], input: inputScalars, initialState: initialState?.scalars, dropoutMasks: masks,
                         batch: batch, time: time)
        }
        trainedShape = isTraining ? (batch, time) : nil
        return (batch, time)
    }

    // One share of rows through every layer; input is the whole batch-first [B, T, I], initialState
    // the whole [numLayers, B, H], dropoutMasks [T, B, H] per layer above the first, or none.
    private func forwardShard(_ shard: GRUShard, input: [Float], initialState: [Float]?, dropoutMasks: [[Float]],
                              batch: Int, time: Int) {
        let b = shard.rows.count, h = hiddenSize, h3 = 3 * hiddenSize, stateCount = b * h, set = instructionSet
        for k in 0..<numLayers {
            let cache = shard.caches[k], weights = prepared[k], layerInputSize = inputSize(ofLayer: k)
            cache.reserve(time: time, batch: b, inputSize: layerInputSize, hiddenSize: h)
            // The layer's input x, time-major [T, b, I]: the share's rows of the input, or the outputs
            // h_0 … h_{T−1} of the layer below (through dropout).
            let x: [Float], xOffset: Int
            if k == 0 {
                swapOuterAxes(input, xOffset: shard.rows.lowerBound * time * inputSize, b, time, inputSize, into: &cache.input)
                (x, xOffset) = (cache.input, 0)
            } else if dropoutMasks.isEmpty {
                (x, xOffset) = (shard.caches[k - 1].hidden, stateCount)
            } else {
                let below = shard.caches[k - 1]
                for t in 0..<time {
                    multiply(below.hidden, xOffset: (t + 1) * stateCount, by: dropoutMasks[k - 1],
                             maskOffset: (t * batch + shard.rows.lowerBound) * h, into: &cache.input, yOffset: t * stateCount,
                             count: stateCount)
                }
                (x, xOffset) = (cache.input, 0)
            }
            // h_{−1}: the share's rows of the initial state, or zeros.
            if let initialState {
                copy(initialState, xOffset: (k * batch + shard.rows.lowerBound) * h, into: &cache.hidden, count: stateCount)
            } else {
                fill(&cache.hidden, count: stateCount, with: 0)
            }
            // The input projection of every time step in one product: gx[T·b, 3H] = x·W_ihᵀ + b_ih.
            matmul(x, aOffset: xOffset, weights.inputTransposed, into: &cache.gates,
                   m: time * b, n: h3, k: layerInputSize, mode: .overwrite, plusRowVector: weights.biasIH, using: set)
            for t in 0..<time {
                // gh_t = h_{t−1}·W_hhᵀ + b_hh, then the gates and h_t.
                matmul(cache.hidden, aOffset: t * stateCount, weights.hiddenPanels, into: &cache.hiddenGates,
                       cOffset: t * b * h3, m: b, mode: .overwrite, plusRowVector: weights.biasHH)
                gruCellForward(inputGates: &cache.gates, inputGatesOffset: t * b * h3,
                               hiddenGates: cache.hiddenGates, hiddenGatesOffset: t * b * h3,
                               hidden: &cache.hidden, previousOffset: t * stateCount, currentOffset: (t + 1) * stateCount,
                               batch: b, hiddenSize: h, using: set)
            }
        }
    }

    // MARK: - Backward

    /// Backpropagation through time for the last ``forward(_:initialState:)``, which must have run
    /// in training (``isTraining``); one backward pass per forward pass.
    ///
    /// Adds every parameter's gradient to its `gradient` and returns the gradients of the input and
    /// of the initial state.
    /// - Parameters:
    ///   - outputGradient: dL/d`output`, `[B, T, H]`; `nil` when the loss does not read the outputs.
    ///   - finalStateGradient: dL/d`finalState`, `[numLayers, B, H]`; `nil` for zeros.
    public func backward(outputGradient: Tensor?, finalStateGradient: Tensor? = nil)
        -> (inputGradient: Tensor, initialStateGradient: Tensor)
    {
        guard let (batch, time) = trainedShape else {
            preconditionFailure("GRU.backward needs a forward pass in training (isTraining) since the last backward pass")
        }
        if let outputGradient {
            precondition(outputGradient.shape == [batch, time, hiddenSize], "GRU.backward: output gradient shape \(outputGradient.shape)")
        }
        if let finalStateGradient {
            precondition(finalStateGradient.shape == [numLayers, batch, hiddenSize],
                         "GRU.backward: final state gradient shape \(finalStateGradient.shape)")
        }
        let result = backpropagate(outputGradient: outputGradient?.scalars, lastOutputGradient: nil,
                                   finalStateGradient: finalStateGradient?.scalars, returnsInputGradients: true)
        return (result!.inputGradient, result!.initialStateGradient)
    }

    /// Backpropagation when the loss reads only the last layer's output after the last step
    /// (``lastOutput(_:initialState:)``): `lastOutputGradient` is dL/dh_{T−1}, `[B, H]`. The gradients
    /// of the input and of the initial state are computed only when asked for.
    @discardableResult
    func backward(lastOutputGradient: Tensor, returnsInputGradients: Bool) -> (inputGradient: Tensor, initialStateGradient: Tensor)? {
        guard let (batch, _) = trainedShape else {
            preconditionFailure("GRU.backward needs a forward pass in training (isTraining) since the last backward pass")
        }
        precondition(lastOutputGradient.shape == [batch, hiddenSize], "GRU.backward: last output gradient shape \(lastOutputGradient.shape)")
        return backpropagate(outputGradient: nil, lastOutputGradient: lastOutputGradient.scalars,
                             finalStateGradient: nil, returnsInputGradients: returnsInputGradients)
    }

    private func backpropagate(outputGradient: [Float]?, lastOutputGradient: [Float]?, finalStateGradient: [Float]?,
                               returnsInputGradients: Bool) -> (inputGradient: Tensor, initialStateGradient: Tensor)? {
        guard let (batch, time) = trainedShape else { return nil }
        trainedShape = nil  // the gradients replace the kept activations: one backward per forward
        // W_hh is the right factor of dh_{t−1} += dgh_t·W_hh at every step: packed once here.
        let weights = layers.map { layer in
            (input: layer.weightIH.value.scalars,
             hidden: PackedMatrix(layer.weightHH.value.scalars, rows: 3 * hiddenSize, columns: hiddenSize, using: instructionSet))
        }
        let shards = self.shards
        concurrentForEach(shards.count) { s in
            backwardShard(shards[s], weights: weights, outputGradient: outputGradient, lastOutputGradient: lastOutputGradient,
                          finalStateGradient: finalStateGradient, batch: batch, time: time, returnsInputGradients: returnsInputGradients)
        }
        // The shares' gradients, summed in share order whatever thread finished first.
        for (k, layer) in layers.enumerated() {
            for shard in shards {
                let gradients = shard.gradients[k]
                add(gradients.weightIH, to: &layer.weightIH.gradient.scalars, count: gradients.weightIH.count)
                add(gradients.weightHH, to: &layer.weightHH.gradient.scalars, count: gradients.weightHH.count)
                add(gradients.biasIH, to: &layer.biasIH.gradient.scalars, count: gradients.biasIH.count)
                add(gradients.biasHH, to: &layer.biasHH.gradient.scalars, count: gradients.biasHH.count)
            }
        }
        guard returnsInputGradients else { return nil }
        let h = hiddenSize
        var initialHidden = [Float](repeating: 0, count: numLayers * batch * h)
        var inputGradient = [Float](repeating: 0, count: batch * time * inputSize)
        for shard in shards {
            let b = shard.rows.count
            for k in 0..<numLayers {
                copy(shard.initialHiddenGradient, xOffset: k * b * h, into: &initialHidden,
                     yOffset: (k * batch + shard.rows.lowerBound) * h, count: b * h)
            }
            // dL/dx of the share, time-major [T, b, I], into its rows of [B, T, I].
            swapOuterAxes(shard.inputGradient, time, b, inputSize, into: &inputGradient, outOffset: shard.rows.lowerBound * time * inputSize)
        }
        return (Tensor(shape: [batch, time, inputSize], scalars: inputGradient),
                Tensor(shape: [numLayers, batch, h], scalars: initialHidden))
    }

    // One share of rows backwards through every layer and step. outputGradient is the whole
    // batch-first [B, T, H]; lastOutputGradient the whole [B, H]; finalStateGradient [numLayers, B, H].
    private func backwardShard(_ shard: GRUShard, weights: [(input: [Float], hidden: PackedMatrix)],
                               outputGradient: [Float]?, lastOutputGradient: [Float]?, finalStateGradient: [Float]?,
                               batch: Int, time: Int, returnsInputGradients: Bool) {
        let b = shard.rows.count, h = hiddenSize, h3 = 3 * hiddenSize, stateCount = b * h, set = instructionSet
        shard.reserveGradients(layers: layers, time: time, batch: b, hiddenSize: h)
        // dL/d(output of the layer being processed), time-major [T, b, H], when something reads every step.
        var readsEveryStep = false
        if let outputGradient {
            swapOuterAxes(outputGradient, xOffset: shard.rows.lowerBound * time * h, b, time, h, into: &shard.outputGradient)
            readsEveryStep = true
        }
        for k in stride(from: numLayers - 1, through: 0, by: -1) {
            let cache = shard.caches[k], layerInputSize = inputSize(ofLayer: k)
            // After the last step: dL/dh from the final state's gradient and, on top, from the head.
            if let finalStateGradient {
                copy(finalStateGradient, xOffset: (k * batch + shard.rows.lowerBound) * h, into: &shard.hiddenGradient, count: stateCount)
            } else {
                fill(&shard.hiddenGradient, count: stateCount, with: 0)
            }
            if k == numLayers - 1, let lastOutputGradient {
                add(lastOutputGradient, xOffset: shard.rows.lowerBound * h, to: &shard.hiddenGradient, count: stateCount)
            }
            for t in stride(from: time - 1, through: 0, by: -1) {
                // dL/dh_t = (from the output or the layer above at t) + (from step t+1).
                if readsEveryStep {
                    add(shard.outputGradient, xOffset: t * stateCount, to: &shard.hiddenGradient, count: stateCount)
                }
                // dgx_t and dgh_t replace the activations and gh_t of step t, read here for the last
                // time; the state gradient becomes dh_t ⊙ z.
                gruCellBackward(gates: &cache.gates, gatesOffset: t * b * h3,
                                hiddenGates: &cache.hiddenGates, hiddenGatesOffset: t * b * h3,
                                hidden: cache.hidden, previousOffset: t * stateCount,
                                hiddenGradient: &shard.hiddenGradient, hiddenGradientOffset: 0,
                                batch: b, hiddenSize: h)
                // In the forward pass: gh_t = h_{t−1}·W_hhᵀ + b_hh; so dh_{t−1} += dgh_t·W_hh.
                guard t > 0 || returnsInputGradients else { break }
                matmul(cache.hiddenGates, aOffset: t * b * h3, weights[k].hidden, into: &shard.hiddenGradient,
                       m: b, mode: .accumulate)
            }
            if returnsInputGradients {
                copy(shard.hiddenGradient, into: &shard.initialHiddenGradient, yOffset: k * stateCount, count: stateCount)
            }

            // Weight gradients for all time steps in one product each: dW_hh = Σ_t dgh_tᵀ·h_{t−1},
            // dW_ih = Σ_t dgx_tᵀ·x_t; the biases' are the column sums of dgh and dgx.
            let gradients = shard.gradients[k]
            let (x, xOffset) = k > 0 && dropoutMasks.isEmpty ? (shard.caches[k - 1].hidden, stateCount) : (cache.input, 0)
            matmulTransposedA(cache.hiddenGates, cache.hidden, into: &gradients.weightHH,
                              m: h3, n: h, k: time * b, mode: .overwrite, using: set)
            matmulTransposedA(cache.gates, x, bOffset: xOffset, into: &gradients.weightIH,
                              m: h3, n: layerInputSize, k: time * b, mode: .overwrite, using: set)
            gradients.clearBiases()
            addColumnSums(of: cache.gates, rows: time * b, cols: h3, to: &gradients.biasIH)
            addColumnSums(of: cache.hiddenGates, rows: time * b, cols: h3, to: &gradients.biasHH)

            // dL/dx = dgx·W_ih: below the first layer, the gradient of the output of the layer below.
            guard k > 0 || returnsInputGradients else { continue }
            matmul(cache.gates, weights[k].input, into: &shard.inputGradient,
                   m: time * b, n: layerInputSize, k: h3, mode: .overwrite, using: set)
            if k > 0 {
                if dropoutMasks.isEmpty {
                    swap(&shard.inputGradient, &shard.outputGradient)
                } else {
                    // In the forward pass the layer's input was mask ⊙ (output of the layer below).
                    for t in 0..<time {
                        multiply(shard.inputGradient, xOffset: t * stateCount, by: dropoutMasks[k - 1],
                                 maskOffset: (t * batch + shard.rows.lowerBound) * h,
                                 into: &shard.outputGradient, yOffset: t * stateCount, count: stateCount)
                    }
                }
                readsEveryStep = true
            }
        }
    }
}

// MARK: - Buffers

/// One GRU layer's weights in the layout of the forward products.
private struct PreparedGRULayer {
    /// W_ihᵀ, [I, 3H].
    var inputTransposed: [Float]
    /// W_hhᵀ, [H, 3H].
    var hiddenTransposed: [Float]
    /// W_hhᵀ packed for the recurrent product of every step (``PackedMatrix``), in the instruction
    /// set of the last ``prepare(_:using:)``.
    var hiddenPanels: PackedMatrix
    /// b_ih and b_hh, [3H] each: they stay apart, since r multiplies only b_hn.
    var biasIH: [Float]
    var biasHH: [Float]
    /// The parameter values these were prepared from (see the LSTM's prepared layer: a parameter
    /// still sharing its storage with these has not changed).
    private var sources: [[Float]] = []

    init(inputSize: Int, hiddenSize: Int) {
        inputTransposed = [Float](repeating: 0, count: inputSize * 3 * hiddenSize)
        hiddenTransposed = [Float](repeating: 0, count: hiddenSize * 3 * hiddenSize)
        hiddenPanels = PackedMatrix(hiddenTransposed, rows: hiddenSize, columns: 3 * hiddenSize)
        biasIH = [Float](repeating: 0, count: 3 * hiddenSize)
        biasHH = biasIH
    }

    mutating func prepare(_ layer: GRU.Layer, using instructionSet: InstructionSet) {
        let values = [layer.weightIH, layer.weightHH, layer.biasIH, layer.biasHH].map(\.value.scalars)
        if sources.count == values.count && zip(sources, values).allSatisfy(sharesStorage)
            && hiddenPanels.instructionSet == instructionSet { return }
        let h3 = layer.weightHH.shape[0]
        transpose(values[0], rows: h3, cols: layer.weightIH.shape[1], into: &inputTransposed, using: instructionSet)
        transpose(values[1], rows: h3, cols: layer.weightHH.shape[1], into: &hiddenTransposed, using: instructionSet)
        hiddenPanels = PackedMatrix(hiddenTransposed, rows: layer.weightHH.shape[1], columns: h3, using: instructionSet)
        biasIH = values[2]
        biasHH = values[3]
        sources = values
    }
}

/// What one GRU layer's forward pass keeps for its backward pass, for one share of rows (time-major).
private final class GRULayerCache {
    /// [T, b, I]: the first layer's input, or the dropped-out output of the layer below.
    var input: [Float] = []
    /// [T, b, 3H]: gx, then the activations r, z, n; the backward pass replaces them by dgx.
    var gates: [Float] = []
    /// [T, b, 3H]: gh = h_{t−1}·W_hhᵀ + b_hh; the backward pass replaces them by dgh.
    var hiddenGates: [Float] = []
    /// [T+1, b, H]: h_{−1} (initial) … h_{T−1}.
    var hidden: [Float] = []

    func reserve(time: Int, batch: Int, inputSize: Int, hiddenSize: Int) {
        let stateCount = batch * hiddenSize
        ensureCapacity(&input, time * batch * inputSize)
        ensureCapacity(&gates, time * 3 * stateCount)
        ensureCapacity(&hiddenGates, time * 3 * stateCount)
        ensureCapacity(&hidden, (time + 1) * stateCount)
    }
}

/// One GRU layer's parameter gradients from one share of rows.
private final class GRULayerGradients {
    /// dW_ih [3H, I], dW_hh [3H, H], db_ih and db_hh [3H].
    var weightIH: [Float] = []
    var weightHH: [Float] = []
    var biasIH: [Float] = []
    var biasHH: [Float] = []

    func clearBiases() {
        fill(&biasIH, count: biasIH.count, with: 0)
        fill(&biasHH, count: biasHH.count, with: 0)
    }
}

/// One thread's share of a batch: rows `rows` of every sequence, through every layer.
private final class GRUShard {
    var rows: Range<Int> = 0..<0
    let caches: [GRULayerCache]
    let gradients: [GRULayerGradients]
    /// [b, H]: dL/dh_t, carried from step t+1 to step t.
    var hiddenGradient: [Float] = []
    /// [T, b, H]: dL/d(output) of the layer being processed.
    var outputGradient: [Float] = []
    /// [T, b, I or H]: dL/d(input) of the layer being processed.
    var inputGradient: [Float] = []
    /// [numLayers, b, H]: dL/dh_{−1}.
    var initialHiddenGradient: [Float] = []

    init(numLayers: Int) {
        caches = (0..<numLayers).map { _ in GRULayerCache() }
        gradients = (0..<numLayers).map { _ in GRULayerGradients() }
    }

    func reserveGradients(layers: [GRU.Layer], time: Int, batch: Int, hiddenSize: Int) {
        let stateCount = batch * hiddenSize, inputSize = layers[0].weightIH.shape[1]
        ensureCapacity(&hiddenGradient, stateCount)
        // The two swap roles from layer to layer, so both hold the wider of [T, b, I] and [T, b, H].
        ensureCapacity(&outputGradient, time * batch * max(inputSize, hiddenSize))
        ensureCapacity(&inputGradient, time * batch * max(inputSize, hiddenSize))
        ensureCapacity(&initialHiddenGradient, layers.count * stateCount)
        for (layer, gradients) in zip(layers, self.gradients) {
            ensureCapacity(&gradients.weightIH, layer.weightIH.value.count)
            ensureCapacity(&gradients.weightHH, layer.weightHH.value.count)
            ensureCapacity(&gradients.biasIH, layer.biasIH.value.count)
            ensureCapacity(&gradients.biasHH, layer.biasHH.value.count)
        }
    }
}

/// Grows `buffer` to at least `count` elements; a buffer never shrinks, so the next batch reuses it.
private func ensureCapacity(_ buffer: inout [Float], _ count: Int) {
    if buffer.count < count { buffer = [Float](repeating: 0, count: count) }
}
