import Foundation
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
///
/// **Threads.** A batch is split into ``threadCount`` contiguous shares of rows; each thread runs
/// its share through every layer and time step on its own, with no synchronisation per step, and
/// the weight gradients of the shares are summed in a fixed order. Outputs do not depend on the
/// split (each row is computed the same way wherever it sits); weight gradients are sums over rows,
/// so a different thread count groups them differently and changes their last bits. With the same
/// thread count and ``instructionSet`` every result is repeatable bit for bit.
///
/// **Training and inference.** With ``isTraining`` set, `forward` keeps every step's activations
/// for ``backward(outputGradient:finalStateGradient:)``, in buffers reused from batch to batch.
/// Without it, `forward` streams blocks of rows through time, every layer advancing one step at a
/// time and keeping only its state, and ``backward(outputGradient:finalStateGradient:)`` cannot
/// follow. A single window in inference (batch 1) runs on up to ``threadCount`` threads of
/// ``WorkerTeam/shared``, its hidden units split or its layers pipelined, whichever is timed faster
/// (``lstmWindowForward(layers:input:time:initialState:keepsOutputs:plan:workspace:team:using:)``).
/// All of these compute the same chain of operations for every element, so the same numbers.
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
    /// Whether dropout is active and activations are kept for the backward pass (training), or not (inference).
    public var isTraining = true
    /// The most threads a batch is split across (at least 1), and that share a single window in
    /// inference (those of ``WorkerTeam/shared``; 1 keeps it on the calling thread). Default: every
    /// core of the machine.
    public var threadCount = ProcessInfo.processInfo.activeProcessorCount {
        didSet { precondition(threadCount >= 1, "LSTM.threadCount must be at least 1, got \(threadCount)") }
    }
    /// The vector instructions of the kernels. Default: the widest the CPU supports.
    public var instructionSet = InstructionSet.automatic

    private var dropouts: [Dropout]
    /// The weights as the kernels read them, refreshed by every forward pass.
    private var prepared: [PreparedLayer]
    /// The dropout masks of the last training forward, one per layer above the first, `[T, B, H]`.
    private var dropoutMasks: [[Float]] = []
    /// The thread shares of the last training forward (kept for backward, reused by the next batch).
    private var shards: [Shard] = []
    /// The per-thread buffers of inference.
    private var inferenceWorkspaces: [InferenceWorkspace] = []
    /// The buffers of a single window.
    private let windowWorkspace = LSTMWindowWorkspace()
    /// The batch and length of the last training forward; `nil` when there is nothing to backpropagate.
    private var trainedShape: (batch: Int, time: Int)?

    /// Rows that inference carries through the sequence together: enough to fill the product tiles,
    /// few enough that a block's gates and states stay in the core's caches.
    public static let inferenceBlockRows = 32
    /// Hidden units per thread below which a single window is not split further: with fewer, a
    /// step's work is too short for the barrier that follows it.
    static let windowUnitsPerThread = 32

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
        self.prepared = (0..<numLayers).map { k in
            PreparedLayer(inputSize: k == 0 ? inputSize : hiddenSize, hiddenSize: hiddenSize)
        }
    }

    /// The parameters in PyTorch's `state_dict` order, named as there (`weight_ih_l0`, …).
    public var namedParameters: [(name: String, parameter: Parameter)] {
        layers.enumerated().flatMap { k, layer in
            [("weight_ih_l\(k)", layer.weightIH), ("weight_hh_l\(k)", layer.weightHH),
             ("bias_ih_l\(k)", layer.biasIH), ("bias_hh_l\(k)", layer.biasHH)]
        }
    }

    /// The number of features a layer reads at each step.
    private func inputSize(ofLayer k: Int) -> Int { k == 0 ? inputSize : hiddenSize }

    // MARK: - Forward

    /// Runs the sequence through every layer.
    ///
    /// - Parameters:
    ///   - input: shape `[B, T, inputSize]`.
    ///   - initialState: `[numLayers, B, H]` tensors; zeros when `nil`.
    /// - Returns: `output`, the last layer's hidden state at every step, `[B, T, H]`; and
    ///   `finalState`, every layer's (h, c) after the last step, `[numLayers, B, H]` each.
    public func forward(_ input: Tensor, initialState: LSTMState? = nil) -> (output: Tensor, finalState: LSTMState) {
        let (batch, time) = checkedShape(of: input, initialState: initialState)
        let h = hiddenSize, top = numLayers - 1
        var output = [Float](repeating: 0, count: batch * time * h)
        var finalHidden = [Float](repeating: 0, count: numLayers * batch * h)
        var finalCell = finalHidden
        // A share of rows `rows`: the last layer's h_0 … h_{T−1} ([T, b, H] at `outputOffset` of
        // `outputs`) into its rows of [B, T, H]; each layer's final h and c ([b, H]) into theirs.
        func collect(rows: Range<Int>, outputs: [Float], outputOffset: Int, states: (Int) -> (hidden: ([Float], Int), cell: ([Float], Int))) {
            let b = rows.count
            swapOuterAxes(outputs, xOffset: outputOffset, time, b, h, into: &output, outOffset: rows.lowerBound * time * h)
            for k in 0..<numLayers {
                let (hidden, cell) = states(k), target = (k * batch + rows.lowerBound) * h
                copy(hidden.0, xOffset: hidden.1, into: &finalHidden, yOffset: target, count: b * h)
                copy(cell.0, xOffset: cell.1, into: &finalCell, yOffset: target, count: b * h)
            }
        }
        if isTraining {
            forwardKeepingActivations(input, initialState: initialState, batch: batch, time: time, training: isTraining)
            for shard in shards {
                let stateCount = shard.rows.count * h, afterLastStep = time * stateCount
                collect(rows: shard.rows, outputs: shard.caches[top].hidden, outputOffset: stateCount) { k in
                    ((shard.caches[k].hidden, afterLastStep), (shard.caches[k].cells, afterLastStep))
                }
            }
        } else if batch == 1 {
            let window = forwardWindow(input, initialState: initialState, time: time, keepsOutputs: true)
            (output, finalHidden, finalCell) = (window.output, window.finalHidden, window.finalCell)
        } else {
            stream(input, initialState: initialState, batch: batch, time: time, keepsOutputs: true) { rows, workspace in
                let stateCount = rows.count * h
                collect(rows: rows, outputs: workspace.outputs, outputOffset: 0) { k in
                    ((workspace.hidden, k * stateCount), (workspace.cells, k * stateCount))
                }
            }
        }
        return (Tensor(shape: [batch, time, h], scalars: output),
                LSTMState(hidden: Tensor(shape: [numLayers, batch, h], scalars: finalHidden),
                          cell: Tensor(shape: [numLayers, batch, h], scalars: finalCell)))
    }

    /// The last layer's hidden state after the last step, `[B, H]`: what a forecasting head reads.
    /// The same numbers as `forward(input).output[:, T−1, :]`, without assembling every step's output.
    func lastOutput(_ input: Tensor, initialState: LSTMState?) -> Tensor {
        let (batch, time) = checkedShape(of: input, initialState: initialState)
        let h = hiddenSize, top = numLayers - 1
        var last = [Float](repeating: 0, count: batch * h)
        if isTraining {
            forwardKeepingActivations(input, initialState: initialState, batch: batch, time: time, training: isTraining)
            for shard in shards {
                let b = shard.rows.count
                copy(shard.caches[top].hidden, xOffset: time * b * h, into: &last, yOffset: shard.rows.lowerBound * h, count: b * h)
            }
        } else if batch == 1 {
            let window = forwardWindow(input, initialState: initialState, time: time, keepsOutputs: false)
            copy(window.finalHidden, xOffset: top * h, into: &last, count: h)
        } else {
            stream(input, initialState: initialState, batch: batch, time: time, keepsOutputs: false) { rows, workspace in
                copy(workspace.hidden, xOffset: top * rows.count * h, into: &last, yOffset: rows.lowerBound * h, count: rows.count * h)
            }
        }
        return Tensor(shape: [batch, h], scalars: last)
    }

    private func checkedShape(of input: Tensor, initialState: LSTMState?) -> (batch: Int, time: Int) {
        precondition(input.shape.count == 3 && input.shape[2] == inputSize,
                     "LSTM expects [B, T, \(inputSize)], got \(input.shape)")
        let batch = input.shape[0], time = input.shape[1]
        precondition(time > 0, "LSTM needs at least one time step")
        if let initialState {
            precondition(initialState.hidden.shape == [numLayers, batch, hiddenSize],
                         "initial state shape \(initialState.hidden.shape), expected \([numLayers, batch, hiddenSize])")
        }
        return (batch, time)
    }

    /// Transposes the weights for the forward products and adds the two biases, when the parameters
    /// changed since the last forward pass (an optimiser step, a loaded model); otherwise the prepared
    /// weights are still right, and still in cache.
    private func prepareWeights() {
        for k in 0..<numLayers {
            prepared[k].prepare(layers[k], using: instructionSet)
        }
    }

    /// Splits `batch` rows into at most `threadCount` contiguous shares of nearly equal size.
    private func shares(of batch: Int, units: Int = 1) -> [Range<Int>] {
        let count = max(1, min(threadCount, (batch + units - 1) / units))
        return (0..<count).map { s in (s * batch / count) ..< ((s + 1) * batch / count) }
    }

    /// Every thread share runs its rows through every layer and step, keeping the activations: the
    /// forward pass of training, which ``backward(outputGradient:finalStateGradient:)`` can follow.
    private func forwardKeepingActivations(_ input: Tensor, initialState: LSTMState?, batch: Int, time: Int, training: Bool) {
        prepareWeights()
        // The dropout masks are drawn here, in one fixed order ([T, B, H] per layer), whatever the split.
        dropoutMasks = []
        if training && dropoutProbability > 0 {
            let ones = [Float](repeating: 1, count: time * batch * hiddenSize)
            dropoutMasks = (1..<numLayers).map { dropouts[$0 - 1].forward(ones) }
        }
        let rows = shares(of: batch)
        while shards.count < rows.count { shards.append(Shard(numLayers: numLayers)) }
        shards.removeLast(shards.count - rows.count)
        for (shard, share) in zip(shards, rows) { shard.rows = share }
        let inputScalars = input.scalars, shards = self.shards
        let masks = dropoutMasks
        concurrentForEach(shards.count) { s in
            forwardShard(shards[s], input: inputScalars, initialState: initialState, dropoutMasks: masks, batch: batch, time: time)
        }
        trainedShape = training ? (batch, time) : nil
    }

    // One share of rows through every layer; input is the whole batch-first [B, T, I], dropoutMasks
    // [T, B, H] per layer above the first, or none.
    private func forwardShard(_ shard: Shard, input: [Float], initialState: LSTMState?, dropoutMasks: [[Float]],
                              batch: Int, time: Int) {
        let b = shard.rows.count, h = hiddenSize, h4 = 4 * hiddenSize, stateCount = b * h
        let set = instructionSet
        for k in 0..<numLayers {
            let cache = shard.caches[k], weights = prepared[k], layerInputSize = inputSize(ofLayer: k)
            cache.reserve(time: time, batch: b, inputSize: layerInputSize, hiddenSize: h)
            // The layer's input x, time-major [T, b, I]: for the first layer the share's rows of the
            // batch-first input; above, the outputs h_0 … h_{T−1} of the layer below (through dropout).
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
            // h_{−1}, c_{−1}: the share's rows of the initial state, or zeros.
            let stateOffset = (k * batch + shard.rows.lowerBound) * h
            if let initialState {
                copy(initialState.hidden.scalars, xOffset: stateOffset, into: &cache.hidden, count: stateCount)
                copy(initialState.cell.scalars, xOffset: stateOffset, into: &cache.cells, count: stateCount)
            } else {
                cache.clearInitialState(count: stateCount)
            }
            // Both weights at most one packed panel deep (inputPanels): each step's gates in one pass,
            // gates_t = (b_ih + b_hh) + x_t·W_ihᵀ + h_{t−1}·W_hhᵀ. Otherwise the input projection of every
            // time step in one product, gates[T·b, 4H] = x·W_ihᵀ + (b_ih + b_hh), and gates_t += h_{t−1}·W_hhᵀ
            // at each step. The same numbers either way.
            let inputPanels = weights.inputPanels
            if inputPanels == nil {
                matmul(x, aOffset: xOffset, weights.inputTransposed, into: &cache.gates,
                       m: time * b, n: h4, k: layerInputSize, mode: .overwrite, plusRowVector: weights.bias, using: set)
            }
            for t in 0..<time {
                if let inputPanels {
                    packedGates(input: x, inputOffset: xOffset + t * b * layerInputSize, inputWeights: inputPanels,
                                hidden: cache.hidden, hiddenOffset: t * stateCount, hiddenWeights: weights.hiddenPanels,
                                bias: weights.bias, into: &cache.gates, gatesOffset: t * b * h4, rows: b)
                } else {
                    matmul(cache.hidden, aOffset: t * stateCount, weights.hiddenPanels, into: &cache.gates,
                           cOffset: t * b * h4, m: b, mode: .accumulate)
                }
                // The nonlinearities and the cell update in one pass.
                lstmCellForward(gates: &cache.gates, gatesOffset: t * b * h4,
                                cells: &cache.cells, previousOffset: t * stateCount, currentOffset: (t + 1) * stateCount,
                                tanhCells: &cache.tanhCells, tanhOffset: t * stateCount,
                                hidden: &cache.hidden, hiddenOffset: (t + 1) * stateCount,
                                batch: b, hiddenSize: h, using: set)
            }
        }
    }

    /// How the last single window (inference, batch 1) was shared among threads; `nil` before the first.
    public var lastWindowPlan: LSTMWindowPlan? { windowWorkspace.lastPlan }

    /// Every layer's current weights laid out for a single window whose hidden units are shared by
    /// `parties` threads (1: whole), as ``lstmWindowForward(layers:input:time:initialState:keepsOutputs:plan:workspace:team:using:)``
    /// reads them; made again only after a parameter changed.
    public func windowLayers(sharedBy parties: Int) -> [LSTMWindowLayer] {
        prepareWeights()
        return (0..<numLayers).map { k in prepared[k].windowLayout(parties: parties, using: instructionSet) }
    }

    /// The ways a single window can be shared among threads here: one thread; the units split among
    /// up to ``threadCount`` (keeping at least ``windowUnitsPerThread`` per thread); the layers
    /// pipelined, one per thread.
    private var windowPlans: [LSTMWindowPlan] {
        let threads = min(threadCount, WorkerTeam.shared.size)
        var plans = [LSTMWindowPlan.oneThread]
        let unitThreads = min(threads, hiddenSize / Self.windowUnitsPerThread)
        if unitThreads > 1 { plans.append(.unitsSplit(threads: unitThreads)) }
        if min(threads, numLayers) > 1 { plans.append(.layersPipelined(threads: min(threads, numLayers))) }
        return plans
    }

    /// Inference of a single window: each layer's input projection in products over many steps
    /// (reading W_ih once), the recurrence as matrix-vector products, which are bound by reading the
    /// weights; shared among threads by the plan timed fastest (``LSTMWindowWorkspace/plan(among:)``).
    private func forwardWindow(_ input: Tensor, initialState: LSTMState?, time: Int, keepsOutputs: Bool) -> LSTMWindowResult {
        trainedShape = nil
        let plan = windowWorkspace.plan(among: windowPlans)
        let layouts = windowLayers(sharedBy: plan.unitShares)
        return lstmWindowForward(layers: layouts, input: input.scalars, time: time,
                                 initialState: initialState.map { ($0.hidden.scalars, $0.cell.scalars) },
                                 keepsOutputs: keepsOutputs, plan: plan, workspace: windowWorkspace, using: instructionSet)
    }

    /// Inference: threads take contiguous shares of the rows and stream them through time in blocks
    /// of ``inferenceBlockRows``: at each step every layer in turn computes its gates in one pass
    /// (``lstmGates(input:inputOffset:inputWeightsTransposed:hidden:hiddenOffset:hiddenWeightsTransposed:bias:into:gatesOffset:batch:inputSize:hiddenSize:using:)``)
    /// and its cell update, keeping only each layer's state, while the gate tile is in cache. The
    /// chain of operations per element is the training forward pass's, so the numbers are the same.
    /// `collect` gets each block (its rows and the workspace holding its results) before the next one
    /// reuses the buffers, one block at a time.
    private func stream(_ input: Tensor, initialState: LSTMState?, batch: Int, time: Int, keepsOutputs: Bool,
                        collect: (Range<Int>, InferenceWorkspace) -> Void) {
        prepareWeights()
        trainedShape = nil
        let blockRows = Self.inferenceBlockRows
        let rows = shares(of: batch, units: blockRows)
        while inferenceWorkspaces.count < rows.count { inferenceWorkspaces.append(InferenceWorkspace()) }
        let workspaces = inferenceWorkspaces, inputScalars = input.scalars
        let collecting = NSLock()
        concurrentForEach(rows.count) { s in
            for blockStart in stride(from: rows[s].lowerBound, to: rows[s].upperBound, by: blockRows) {
                let block = blockStart ..< min(blockStart + blockRows, rows[s].upperBound)
                streamBlock(block, workspace: workspaces[s], input: inputScalars, initialState: initialState,
                            batch: batch, time: time, keepsOutputs: keepsOutputs)
                collecting.withLock { collect(block, workspaces[s]) }
            }
        }
    }

    // Rows `block` through the whole sequence, every layer advancing one step at a time.
    private func streamBlock(_ block: Range<Int>, workspace: InferenceWorkspace, input: [Float], initialState: LSTMState?,
                             batch: Int, time: Int, keepsOutputs: Bool) {
        let b = block.count, h = hiddenSize, stateCount = b * h, set = instructionSet
        workspace.reserve(time: time, batch: b, inputSize: inputSize, numLayers: numLayers, hiddenSize: h, keepsOutputs: keepsOutputs)
        // x, time-major [T, b, I]; every layer's h and c, [numLayers, b, H], from the initial state.
        swapOuterAxes(input, xOffset: block.lowerBound * time * inputSize, b, time, inputSize, into: &workspace.input)
        if let initialState {
            for k in 0..<numLayers {
                let source = (k * batch + block.lowerBound) * h
                copy(initialState.hidden.scalars, xOffset: source, into: &workspace.hidden, yOffset: k * stateCount, count: stateCount)
                copy(initialState.cell.scalars, xOffset: source, into: &workspace.cells, yOffset: k * stateCount, count: stateCount)
            }
        } else {
            workspace.clearState(count: numLayers * stateCount)
        }
        // Every step of every layer in one kernel call: gates = x_t·W_ihᵀ + h_{t−1}·W_hhᵀ + (b_ih + b_hh),
        // x_t being the input or the layer below's h_t, then c and h of the layer replaced by c_t and h_t.
        // (The outputs buffer is moved out of the workspace for the call, so that it is not copied.)
        var outputs: [Float]? = nil
        if keepsOutputs {
            outputs = workspace.outputs
            workspace.outputs = []
        }
        lstmStreamBlock(input: workspace.input, weights: prepared.map { ($0.inputTransposed, $0.hiddenTransposed, $0.bias) },
                        time: time, batch: b, inputSize: inputSize, hiddenSize: h,
                        hidden: &workspace.hidden, cells: &workspace.cells, gates: &workspace.gates,
                        tanhCells: &workspace.tanhCells, outputs: &outputs, using: set)
        if keepsOutputs { workspace.outputs = outputs ?? [] }
    }

    // MARK: - Backward

    /// Backpropagation through time for the last ``forward(_:initialState:)``, which must have run
    /// in training (``isTraining``). It uses up what that pass kept: a second backward pass needs
    /// another forward pass (as in PyTorch without `retain_graph`).
    ///
    /// Adds every parameter's gradient to its `gradient` and returns the gradients of the input and
    /// of the initial state.
    /// - Parameters:
    ///   - outputGradient: dL/d`output`, `[B, T, H]`; `nil` when the loss does not read the outputs.
    ///   - finalStateGradient: dL/d`finalState`, `[numLayers, B, H]` each; `nil` for zeros.
    public func backward(outputGradient: Tensor?, finalStateGradient: LSTMState? = nil)
        -> (inputGradient: Tensor, initialStateGradient: LSTMState)
    {
        guard let (batch, time) = trainedShape else {
            preconditionFailure("LSTM.backward needs a forward pass in training (isTraining) since the last backward pass")
        }
        if let outputGradient {
            precondition(outputGradient.shape == [batch, time, hiddenSize],
                         "LSTM.backward: output gradient shape \(outputGradient.shape)")
        }
        let result = backpropagate(outputGradient: outputGradient?.scalars, lastOutputGradient: nil,
                                   finalStateGradient: finalStateGradient, returnsInputGradients: true)
        return (result!.inputGradient, result!.initialStateGradient)
    }

    /// Backpropagation when the loss reads only the last layer's output after the last step
    /// (``lastOutput(_:initialState:)``): `lastOutputGradient` is dL/dh_{T−1}, `[B, H]`. The gradients
    /// of the input and of the initial state are computed only when asked for (training needs neither,
    /// which also spares each layer's last product, dh_{−1} = dGates_0·W_hh).
    @discardableResult
    func backward(lastOutputGradient: Tensor, returnsInputGradients: Bool) -> (inputGradient: Tensor, initialStateGradient: LSTMState)? {
        guard let (batch, _) = trainedShape else {
            preconditionFailure("LSTM.backward needs a forward pass in training (isTraining) since the last backward pass")
        }
        precondition(lastOutputGradient.shape == [batch, hiddenSize], "LSTM.backward: last output gradient shape \(lastOutputGradient.shape)")
        return backpropagate(outputGradient: nil, lastOutputGradient: lastOutputGradient.scalars,
                             finalStateGradient: nil, returnsInputGradients: returnsInputGradients)
    }

    private func backpropagate(outputGradient: [Float]?, lastOutputGradient: [Float]?, finalStateGradient: LSTMState?,
                               returnsInputGradients: Bool) -> (inputGradient: Tensor, initialStateGradient: LSTMState)? {
        let (batch, time) = trainedShape!
        trainedShape = nil  // the gradients replace the kept gate activations: one backward per forward
        if let finalStateGradient {
            precondition(finalStateGradient.hidden.shape == [numLayers, batch, hiddenSize],
                         "LSTM.backward: final state gradient shape \(finalStateGradient.hidden.shape)")
        }
        // W_hh is the right factor of dh_{t−1} = dGates_t·W_hh at every step: packed once here.
        let weights = layers.map { layer in
            (input: layer.weightIH.value.scalars,
             hidden: PackedMatrix(layer.weightHH.value.scalars, rows: 4 * hiddenSize, columns: hiddenSize, using: instructionSet))
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
                add(gradients.bias, to: &layer.biasIH.gradient.scalars, count: gradients.bias.count)
                add(gradients.bias, to: &layer.biasHH.gradient.scalars, count: gradients.bias.count)
            }
        }
        guard returnsInputGradients else { return nil }
        let h = hiddenSize
        var initialHidden = [Float](repeating: 0, count: numLayers * batch * h), initialCell = initialHidden
        var inputGradient = [Float](repeating: 0, count: batch * time * inputSize)
        for shard in shards {
            let b = shard.rows.count
            for k in 0..<numLayers {
                let target = (k * batch + shard.rows.lowerBound) * h
                copy(shard.initialHiddenGradient, xOffset: k * b * h, into: &initialHidden, yOffset: target, count: b * h)
                copy(shard.initialCellGradient, xOffset: k * b * h, into: &initialCell, yOffset: target, count: b * h)
            }
            // dL/dx of the share, time-major [T, b, I], into its rows of [B, T, I].
            swapOuterAxes(shard.inputGradient, time, b, inputSize, into: &inputGradient,
                          outOffset: shard.rows.lowerBound * time * inputSize)
        }
        let state = LSTMState(hidden: Tensor(shape: [numLayers, batch, h], scalars: initialHidden),
                              cell: Tensor(shape: [numLayers, batch, h], scalars: initialCell))
        return (Tensor(shape: [batch, time, inputSize], scalars: inputGradient), state)
    }

    // One share of rows backwards through every layer and step. outputGradient is the whole batch-first
    // [B, T, H]; lastOutputGradient the whole [B, H].
    private func backwardShard(_ shard: Shard, weights: [(input: [Float], hidden: PackedMatrix)],
                               outputGradient: [Float]?, lastOutputGradient: [Float]?, finalStateGradient: LSTMState?,
                               batch: Int, time: Int, returnsInputGradients: Bool) {
        let b = shard.rows.count, h = hiddenSize, h4 = 4 * hiddenSize, stateCount = b * h, set = instructionSet
        shard.reserveGradients(layers: layers, time: time, batch: b, hiddenSize: h)
        // dL/d(output of the layer being processed), time-major [T, b, H], when something reads every step.
        var readsEveryStep = false
        if let outputGradient {
            swapOuterAxes(outputGradient, xOffset: shard.rows.lowerBound * time * h, b, time, h, into: &shard.outputGradient)
            readsEveryStep = true
        }
        for k in stride(from: numLayers - 1, through: 0, by: -1) {
            let cache = shard.caches[k], layerInputSize = inputSize(ofLayer: k)
            // After the last step: dL/dh from the final state's gradient (and the head), dL/dc from the final state's.
            let stateOffset = (k * batch + shard.rows.lowerBound) * h
            if let finalStateGradient {
                copy(finalStateGradient.hidden.scalars, xOffset: stateOffset, into: &shard.hiddenGradient, count: stateCount)
                copy(finalStateGradient.cell.scalars, xOffset: stateOffset, into: &shard.cellGradient, count: stateCount)
            } else {
                shard.clearStateGradients(count: stateCount)
            }
            if k == numLayers - 1, let lastOutputGradient {
                add(lastOutputGradient, xOffset: shard.rows.lowerBound * h, to: &shard.hiddenGradient, count: stateCount)
            }
            for t in stride(from: time - 1, through: 0, by: -1) {
                // dL/dh_t = (from the output or the layer above at t) + (from step t+1, through W_hh).
                if readsEveryStep {
                    add(shard.outputGradient, xOffset: t * stateCount, to: &shard.hiddenGradient, count: stateCount)
                }
                // dGates_t replaces the gate activations of step t, read here for the last time.
                lstmCellBackward(replacingGates: &cache.gates, gatesOffset: t * b * h4,
                                 cells: cache.cells, previousOffset: t * stateCount,
                                 tanhCells: cache.tanhCells, tanhOffset: t * stateCount,
                                 hiddenGradient: shard.hiddenGradient, hiddenGradientOffset: 0,
                                 cellGradient: &shard.cellGradient,
                                 batch: b, hiddenSize: h, using: set)
                // In the forward pass: gates_t += h_{t−1}·W_hhᵀ; so dh_{t−1} = dGates_t·W_hh.
                guard t > 0 || returnsInputGradients else { break }
                matmul(cache.gates, aOffset: t * b * h4, weights[k].hidden, into: &shard.hiddenGradient,
                       m: b, mode: .overwrite)
            }
            if returnsInputGradients {
                copy(shard.hiddenGradient, into: &shard.initialHiddenGradient, yOffset: k * stateCount, count: stateCount)
                copy(shard.cellGradient, into: &shard.initialCellGradient, yOffset: k * stateCount, count: stateCount)
            }

            // Weight gradients for all time steps in one product each: dW = Σ_t dGates_tᵀ · (x_t or h_{t−1}),
            // dGates [T·b, 4H] being in the gate buffer now.
            let gradients = shard.gradients[k]
            let (x, xOffset) = k > 0 && dropoutMasks.isEmpty ? (shard.caches[k - 1].hidden, stateCount) : (cache.input, 0)
            matmulTransposedA(cache.gates, cache.hidden, into: &gradients.weightHH,
                              m: h4, n: h, k: time * b, mode: .overwrite, using: set)
            matmulTransposedA(cache.gates, x, bOffset: xOffset, into: &gradients.weightIH,
                              m: h4, n: layerInputSize, k: time * b, mode: .overwrite, using: set)
            gradients.clearBias()
            addColumnSums(of: cache.gates, rows: time * b, cols: h4, to: &gradients.bias)

            // dL/dx = dGates·W_ih: below the first layer, the gradient of the output of the layer below.
            guard k > 0 || returnsInputGradients else { continue }
            matmul(cache.gates, weights[k].input, into: &shard.inputGradient,
                   m: time * b, n: layerInputSize, k: h4, mode: .overwrite, using: set)
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

/// One layer's weights in the layout of the forward products.
private struct PreparedLayer {
    /// W_ihᵀ, [I, 4H].
    var inputTransposed: [Float]
    /// W_hhᵀ, [H, 4H].
    var hiddenTransposed: [Float]
    /// W_hhᵀ packed for the recurrent product of every step (``PackedMatrix``), in the instruction
    /// set of the last ``prepare(_:using:)``.
    var hiddenPanels: PackedMatrix
    /// W_ihᵀ packed too, when both weights are at most ``onePassGatesDepth`` rows deep: then the forward
    /// pass computes each step's gates in one pass (``packedGates(input:inputOffset:inputWeights:hidden:hiddenOffset:hiddenWeights:bias:into:gatesOffset:rows:)``)
    /// instead of projecting every step's input at once and adding the recurrent product step by step.
    var inputPanels: PackedMatrix?
    /// b_ih + b_hh, [4H].
    var bias: [Float]
    /// The deepest W_ihᵀ and W_hhᵀ (inputs and hidden units) whose steps take the one-pass gates: one
    /// packed panel's depth. Measured on Zen 3 (AVX2) with `scripts/forward_gates_ab.sh`, a layer's
    /// forward products for a 32-row share and 48 steps (docs/performance.md): the one pass is 1.0 to
    /// 1.3 times as fast as the projection of all steps at once for hidden 32 to 256, both layers.
    /// Deeper weights would be read again at every step, one depth block at a time.
    static let onePassGatesDepth = 256
    /// The parameter values (W_ih, W_hh, b_ih, b_hh) these were prepared from. Holding on to them
    /// makes any change to a parameter copy its storage first (copy-on-write), so a parameter still
    /// sharing its storage with these has not changed.
    private var sources: [[Float]] = []
    /// The layouts of a single window, by the number of threads sharing its units, each made when
    /// first needed: the chooser's trials switch between plans, and each keeps its layout.
    private var windows: [Int: LSTMWindowLayer] = [:]

    init(inputSize: Int, hiddenSize: Int) {
        inputTransposed = [Float](repeating: 0, count: inputSize * 4 * hiddenSize)
        hiddenTransposed = [Float](repeating: 0, count: hiddenSize * 4 * hiddenSize)
        hiddenPanels = PackedMatrix(hiddenTransposed, rows: hiddenSize, columns: 4 * hiddenSize)
        bias = [Float](repeating: 0, count: 4 * hiddenSize)
    }

    mutating func prepare(_ layer: LSTM.Layer, using instructionSet: InstructionSet) {
        let values = [layer.weightIH, layer.weightHH, layer.biasIH, layer.biasHH].map(\.value.scalars)
        if sources.count == values.count && zip(sources, values).allSatisfy(sharesStorage)
            && hiddenPanels.instructionSet == instructionSet { return }
        let h4 = layer.weightHH.shape[0]
        transpose(values[0], rows: h4, cols: layer.weightIH.shape[1], into: &inputTransposed, using: instructionSet)
        transpose(values[1], rows: h4, cols: layer.weightHH.shape[1], into: &hiddenTransposed, using: instructionSet)
        hiddenPanels = PackedMatrix(hiddenTransposed, rows: layer.weightHH.shape[1], columns: h4, using: instructionSet)
        let inputSize = layer.weightIH.shape[1]
        inputPanels = max(inputSize, layer.weightHH.shape[1]) <= Self.onePassGatesDepth
            ? PackedMatrix(inputTransposed, rows: inputSize, columns: h4, using: instructionSet) : nil
        copy(values[2], into: &bias, count: h4)
        add(values[3], to: &bias, count: h4)
        sources = values
        windows = [:]
    }

    /// The weights laid out for a single window split among `parties` threads, in the panels of `instructionSet`.
    mutating func windowLayout(parties: Int, using instructionSet: InstructionSet) -> LSTMWindowLayer {
        if let window = windows[parties], window.panelWidth == instructionSet.windowPanelWidth,
           window.inputPacking == instructionSet { return window }
        let hiddenSize = bias.count / 4
        let layout = LSTMWindowLayer(inputTransposed: inputTransposed, hiddenTransposed: hiddenTransposed, bias: bias,
                                     inputSize: inputTransposed.count / bias.count, hiddenSize: hiddenSize, parties: parties,
                                     using: instructionSet)
        windows[parties] = layout
        return layout
    }
}

/// What one layer's forward pass keeps for its backward pass, for one share of rows (all time-major).
private final class LayerCache {
    /// [T, b, I]: the first layer's input, or the dropped-out output of the layer below.
    var input: [Float] = []
    /// [T, b, 4H]: gate activations i, f, g, o; the backward pass replaces them by dL/d(pre-activation gates).
    var gates: [Float] = []
    /// [T+1, b, H]: c_{−1} (initial) … c_{T−1}.
    var cells: [Float] = []
    /// [T, b, H]: tanh(c_t).
    var tanhCells: [Float] = []
    /// [T+1, b, H]: h_{−1} (initial) … h_{T−1}.
    var hidden: [Float] = []

    func reserve(time: Int, batch: Int, inputSize: Int, hiddenSize: Int) {
        let stateCount = batch * hiddenSize
        ensureCount(&input, time * batch * inputSize)
        ensureCount(&gates, time * 4 * stateCount)
        ensureCount(&cells, (time + 1) * stateCount)
        ensureCount(&tanhCells, time * stateCount)
        ensureCount(&hidden, (time + 1) * stateCount)
    }

    func clearInitialState(count: Int) {
        fill(&cells, count: count, with: 0)
        fill(&hidden, count: count, with: 0)
    }
}

/// One layer's parameter gradients from one share of rows.
private final class LayerGradients {
    /// dW_ih, [4H, I].
    var weightIH: [Float] = []
    /// dW_hh, [4H, H].
    var weightHH: [Float] = []
    /// db, [4H]: the gradient of b_ih and of b_hh alike.
    var bias: [Float] = []

    func clearBias() { fill(&bias, count: bias.count, with: 0) }
}

/// One thread's share of a training batch: rows `rows` of every sequence, through every layer.
private final class Shard {
    var rows: Range<Int> = 0..<0
    let caches: [LayerCache]
    let gradients: [LayerGradients]
    /// [b, H]: dL/dh_t and dL/dc_t, carried from step t+1 to step t.
    var hiddenGradient: [Float] = []
    var cellGradient: [Float] = []
    /// [T, b, H]: dL/d(output) of the layer being processed.
    var outputGradient: [Float] = []
    /// [T, b, I or H]: dL/d(input) of the layer being processed.
    var inputGradient: [Float] = []
    /// [numLayers, b, H]: dL/dh_{−1} and dL/dc_{−1}.
    var initialHiddenGradient: [Float] = []
    var initialCellGradient: [Float] = []

    init(numLayers: Int) {
        caches = (0..<numLayers).map { _ in LayerCache() }
        gradients = (0..<numLayers).map { _ in LayerGradients() }
    }

    func reserveGradients(layers: [LSTM.Layer], time: Int, batch: Int, hiddenSize: Int) {
        let stateCount = batch * hiddenSize, inputSize = layers[0].weightIH.shape[1]
        ensureCount(&hiddenGradient, stateCount)
        ensureCount(&cellGradient, stateCount)
        // The two swap roles from layer to layer, so both hold the wider of [T, b, I] and [T, b, H].
        ensureCount(&outputGradient, time * batch * max(inputSize, hiddenSize))
        ensureCount(&inputGradient, time * batch * max(inputSize, hiddenSize))
        ensureCount(&initialHiddenGradient, layers.count * stateCount)
        ensureCount(&initialCellGradient, layers.count * stateCount)
        for (layer, gradients) in zip(layers, self.gradients) {
            ensureCount(&gradients.weightIH, layer.weightIH.value.count)
            ensureCount(&gradients.weightHH, layer.weightHH.value.count)
            ensureCount(&gradients.bias, layer.biasIH.value.count)
        }
    }

    func clearStateGradients(count: Int) {
        fill(&hiddenGradient, count: count, with: 0)
        fill(&cellGradient, count: count, with: 0)
    }
}

/// One thread's buffers for inference: one block of rows at the current step.
private final class InferenceWorkspace {
    /// [T, b, I]: the block's input, time-major.
    var input: [Float] = []
    /// [numLayers, b, H]: every layer's h and c.
    var hidden: [Float] = []
    var cells: [Float] = []
    /// [b, 4H] and [b, H]: the current layer's gates and tanh(c).
    var gates: [Float] = []
    var tanhCells: [Float] = []
    /// [T, b, H]: the last layer's h at every step, when the output is kept.
    var outputs: [Float] = []

    func reserve(time: Int, batch: Int, inputSize: Int, numLayers: Int, hiddenSize: Int, keepsOutputs: Bool) {
        ensureCount(&input, time * batch * inputSize)
        ensureCount(&hidden, numLayers * batch * hiddenSize)
        ensureCount(&cells, numLayers * batch * hiddenSize)
        ensureCount(&gates, 4 * batch * hiddenSize)
        ensureCount(&tanhCells, batch * hiddenSize)
        if keepsOutputs { ensureCount(&outputs, time * batch * hiddenSize) }
    }

    func clearState(count: Int) {
        fill(&hidden, count: count, with: 0)
        fill(&cells, count: count, with: 0)
    }
}

/// Grows `buffer` to at least `count` elements; a buffer never shrinks, so the next batch reuses it.
private func ensureCount(_ buffer: inout [Float], _ count: Int) {
    if buffer.count < count { buffer = [Float](repeating: 0, count: count) }
}
