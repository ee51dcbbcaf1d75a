import CForecastKernels

// One window (batch 1) through a stack of LSTM layers, on one thread or shared among the threads of
// a ``WorkerTeam``: the path of a single forecast on demand.
//
// A single window is a chain of matrix-vector products, each bound by reading its weights (W_hhᵀ of
// hidden 64 is 64 KiB, more than a core's L1), so more cores help only by reading more caches at
// once. Two ways to share it (``LSTMWindowPlan``):
// - split by hidden units: each thread reads its share's gate columns, and the threads meet at a
//   barrier after every step, when every unit of h_t is written;
// - layers pipelined: each thread runs whole layers, a layer following the one below as soon as it
//   has finished a chunk of steps, so that no thread ever waits for one above it.
// Every element is computed by the same chain of operations whatever the plan, so the result does
// not depend on it.

/// How a single window is shared among threads.
public enum LSTMWindowPlan: Hashable, Sendable, CustomStringConvertible {
    /// The calling thread alone.
    case oneThread
    /// The hidden units of every layer split among `threads` threads, which meet after every step.
    case unitsSplit(threads: Int)
    /// Layer k on thread k mod `threads`, each following the layer below a chunk of steps behind.
    case layersPipelined(threads: Int)

    /// The threads the plan runs on.
    public var threads: Int {
        switch self {
        case .oneThread: 1
        case .unitsSplit(let threads), .layersPipelined(let threads): threads
        }
    }

    /// The unit shares each layer must be laid out for (``LSTMWindowLayer/parties``).
    public var unitShares: Int {
        if case .unitsSplit(let threads) = self { return threads }
        return 1
    }

    public var description: String {
        switch self {
        case .oneThread: "one thread"
        case .unitsSplit(let threads): "units split among \(threads) threads"
        case .layersPipelined(let threads): "layers pipelined on \(threads) threads"
        }
    }

    /// Steps of a layer's input projected in one product when layers are pipelined: a few, so that
    /// the layer above starts early, enough that the product runs at the speed of a matrix product.
    static let pipelineChunk = 8
}

/// One LSTM layer's weights laid out for ``lstmWindowForward(layers:input:time:initialState:keepsOutputs:plan:workspace:team:using:)``:
/// the gate columns of each party's share of the hidden units side by side.
public struct LSTMWindowLayer: Sendable {
    /// The features the layer reads at each step (I).
    public let inputSize: Int
    /// The hidden units (H).
    public let hiddenSize: Int
    /// The width of the panels W_hhᵀ is laid out in (columns of a share; see ``init(inputTransposed:hiddenTransposed:bias:inputSize:hiddenSize:parties:using:)``).
    public let panelWidth: Int
    /// The instruction set whose matrix product W_ihᵀ is packed for (the set the layer was laid out
    /// for, or ``InstructionSet/baseline`` when that set cannot run here): a window run with another
    /// set reads W_ihᵀ in place, with the same bits.
    public let inputPacking: InstructionSet
    /// One share per party, for a split among ``parties`` threads.
    let shares: [Share]
    /// The whole layer as one share, for a single thread.
    let whole: Share

    /// A share of the units and its columns of the weights, gate by gate (i, f, g, o, `units.count` each).
    struct Share: Sendable {
        let units: Range<Int>
        /// [I, 4u] and [4u]. Kept beside the packed copy for a window run with another instruction set.
        let inputWeights: [Float]
        let bias: [Float]
        /// `inputWeights` packed for the matrix product of ``LSTMWindowLayer/inputPacking`` (`fk_pack_b`),
        /// contiguous panels of one tile width that the input projection reads at every call (on AVX2 the
        /// product would otherwise copy W_ihᵀ into such panels at every call once 4u ≥ 512).
        let packedInputWeights: [Float]
        /// [H, 4u] in panels of ``LSTMWindowLayer/panelWidth`` columns, each panel's rows contiguous.
        let hiddenWeights: [Float]

        /// `inputWeights` holds at least `inputRows` rows and `hiddenWeights` at least `rows` rows of 4u
        /// columns; only those are laid out (the projection reads `inputRows` rows).
        init(units: Range<Int>, inputWeights: [Float], inputRows: Int, hiddenWeights: [Float], rows: Int, bias: [Float],
             panelWidth: Int, inputPacking: InstructionSet) {
            self.units = units
            self.inputWeights = inputWeights
            self.bias = bias
            let columns = 4 * units.count, floats = rows * columns
            precondition(inputWeights.count >= inputRows * columns, "LSTMWindowLayer: W_ihᵀ holds fewer than \(inputRows) rows")
            let packedFloats = fk_packed_b_floats(inputPacking.kernelValue, inputRows, columns)
            self.packedInputWeights = [Float](unsafeUninitializedCapacity: max(packedFloats, 1)) { packed, count in
                inputWeights.withUnsafeBufferPointer {
                    fk_pack_b(inputPacking.kernelValue, inputRows, columns, $0.baseAddress, columns, 1, packed.baseAddress)
                }
                count = packedFloats
            }
            precondition(hiddenWeights.count >= floats, "LSTMWindowLayer: W_hhᵀ holds fewer than \(rows) rows")
            self.hiddenWeights = [Float](unsafeUninitializedCapacity: max(floats, 1)) { panels, count in
                hiddenWeights.withUnsafeBufferPointer {
                    fk_window_panels(rows, columns, $0.baseAddress, panelWidth, panels.baseAddress)
                }
                count = floats
            }
        }
    }

    /// The number of threads the layer is laid out for.
    public var parties: Int { shares.count }

    /// Lays out a layer for `parties` threads.
    ///
    /// Each step of a single window reads all of W_hhᵀ, which is larger than a core's L1 (64 KiB at
    /// hidden 64), so the layout keeps each share's columns in panels as wide as the instruction
    /// set's single-row product (96 columns on AVX2), each panel's rows contiguous: a step then reads
    /// each panel as one stream in address order (the panels in alternating order from step to
    /// step, so that those read last are still in cache), which the caches fetch ahead better than
    /// the rows of a wide matrix read a block of columns at a time. The panels only change the order of
    /// reading: the result is the same bit for bit with any instruction set.
    ///
    /// - Parameters:
    ///   - inputTransposed: W_ihᵀ, [I, 4H].
    ///   - hiddenTransposed: W_hhᵀ, [H, 4H].
    ///   - bias: b_ih + b_hh, [4H].
    ///   - parties: the threads to split the units among; each gets a whole number of 16-unit blocks
    ///     when H allows, so that its columns fill whole vectors.
    ///   - instructionSet: the instruction set whose panel width to lay W_hhᵀ out in, and whose
    ///     matrix product to pack W_ihᵀ for (when this CPU supports it; otherwise the baseline's).
    public init(inputTransposed: [Float], hiddenTransposed: [Float], bias: [Float],
                inputSize: Int, hiddenSize: Int, parties: Int, using instructionSet: InstructionSet = .automatic) {
        self.init(inputTransposed: inputTransposed, hiddenTransposed: hiddenTransposed, bias: bias, inputSize: inputSize,
                  hiddenSize: hiddenSize, parties: parties, panelWidth: instructionSet.windowPanelWidth, inputPacking: instructionSet)
    }

    /// Lays out a layer for `parties` threads with W_hhᵀ in panels of `panelWidth` columns (any
    /// width gives the same results; 0 or a width of 4u or more, the plain layout) and W_ihᵀ packed
    /// for `inputPacking`'s product.
    init(inputTransposed: [Float], hiddenTransposed: [Float], bias: [Float],
         inputSize: Int, hiddenSize: Int, parties: Int, panelWidth: Int, inputPacking: InstructionSet = .automatic) {
        let h4 = 4 * hiddenSize
        checkBounds(inputTransposed.count, 0, inputSize * h4, "W_ihᵀ")
        checkBounds(hiddenTransposed.count, 0, hiddenSize * h4, "W_hhᵀ")
        checkBounds(bias.count, 0, h4, "bias")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.panelWidth = panelWidth
        // Packing runs the set's own code: a set this CPU lacks packs for the baseline instead.
        let inputPacking = inputPacking.isSupported ? inputPacking : .baseline
        self.inputPacking = inputPacking
        whole = Share(units: 0 ..< hiddenSize, inputWeights: inputTransposed, inputRows: inputSize, hiddenWeights: hiddenTransposed,
                      rows: hiddenSize, bias: bias, panelWidth: panelWidth, inputPacking: inputPacking)
        let count = max(1, min(parties, hiddenSize))
        guard count > 1 else {
            shares = [whole]
            return
        }
        let block = hiddenSize >= 16 * count ? 16 : 1
        let bounds = (0...count).map { s in s == count ? hiddenSize : s * (hiddenSize / block) / count * block }
        shares = (0..<count).map { s in
            let units = bounds[s] ..< bounds[s + 1]
            // Row p of a share: the share's columns of gate i, then of f, g and o.
            func columns(of matrix: [Float], rows: Int) -> [Float] {
                var packed = [Float]()
                packed.reserveCapacity(rows * 4 * units.count)
                for p in 0..<rows {
                    for gate in 0..<4 {
                        let start = p * h4 + gate * hiddenSize
                        packed += matrix[start + units.lowerBound ..< start + units.upperBound]
                    }
                }
                return packed
            }
            return Share(units: units, inputWeights: columns(of: inputTransposed, rows: inputSize), inputRows: inputSize,
                         hiddenWeights: columns(of: hiddenTransposed, rows: hiddenSize), rows: hiddenSize,
                         bias: columns(of: bias, rows: 1), panelWidth: panelWidth, inputPacking: inputPacking)
        }
    }
}

/// The buffers of ``lstmWindowForward(layers:input:time:initialState:keepsOutputs:workspace:team:using:)``,
/// kept from call to call: every layer's h and c at every step, shared by the threads, and each
/// thread's gates. Rows of the shared states start on cache lines, and so does every thread's share
/// of a row, so that no two threads write to one cache line.
public final class LSTMWindowWorkspace: @unchecked Sendable {
    /// [L, T + 1, stride] each: h and c of every layer, row 0 the initial state.
    fileprivate private(set) var hidden: UnsafeMutablePointer<Float>
    fileprivate private(set) var cells: UnsafeMutablePointer<Float>
    /// Per party: its gates at every step, [T, 4u], then tanh(c), [u].
    fileprivate private(set) var gates: [UnsafeMutablePointer<Float>] = []
    private var stateCapacity = 0, gateCapacity = 0
    /// The chooser's state: the last few times per step of each plan (newest last), the plan of the
    /// last call, the trial under way, and when to start the next.
    private var recentTimes: [LSTMWindowPlan: [Double]] = [:]
    private var lastTried: [LSTMWindowPlan: Int] = [:]
    /// The plan of the last window.
    public private(set) var lastPlan: LSTMWindowPlan?
    private var trial: LSTMWindowPlan?
    private var trialCallsLeft = 0
    private var calls = 0
    private var nextTrial = LSTMWindowWorkspace.shortestTrialInterval
    private var trialInterval = LSTMWindowWorkspace.shortestTrialInterval
    /// One per layer, for pipelined plans.
    fileprivate private(set) var counters: [OpaquePointer] = []
    /// The barrier of the units split, for the number of threads it was last made for.
    private var splitBarrier: Barrier?

    /// Calls between two trials of a plan that is not the fastest, at first and after the choice
    /// changed; doubled after every trial that confirms the choice, up to ``longestTrialInterval``.
    public static let shortestTrialInterval = 16
    public static let longestTrialInterval = 1024

    public init() {
        hidden = Self.allocate(0)
        cells = Self.allocate(0)
    }

    deinit {
        hidden.deallocate()
        cells.deallocate()
        gates.forEach { $0.deallocate() }
        counters.forEach { fk_step_counter_destroy($0) }
    }

    /// Zeroed floats on a 64-byte boundary (a cache line).
    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(count, 16) * MemoryLayout<Float>.stride, alignment: 64)
        let floats = memory.bindMemory(to: Float.self, capacity: max(count, 16))
        floats.initialize(repeating: 0, count: max(count, 16))
        return floats
    }

    /// The plan for the next window, among `candidates`: the one timed fastest lately.
    ///
    /// Which plan is fastest is measured rather than assumed: a barrier costs about 30 ns between
    /// neighbouring cores but 200 ns between distant ones (measured on this project's 2-vCPU virtual
    /// machine, whose CPUs are moved between the two kinds of placement while a program runs), and a
    /// window of hidden 64 split by units passes 96 of them. So every plan is timed at first, and the
    /// others are tried again now and then, one at a time, for two calls: the first call after a
    /// switch is not timed (its caches are cold and a thread may be waking up), the second is. The
    /// results are the same bit for bit whatever the plan.
    public func plan(among candidates: [LSTMWindowPlan]) -> LSTMWindowPlan {
        guard let first = candidates.first else { return .oneThread }
        guard candidates.count > 1 else { return first }
        // Each plan is timed twice before choosing.
        if let untried = candidates.first(where: { (recentTimes[$0]?.count ?? 0) < 2 }) { return untried }
        if let trial, trialCallsLeft > 0, candidates.contains(trial) {
            trialCallsLeft -= 1
            return trial
        }
        calls += 1
        let best = fastest(of: candidates)
        guard calls >= nextTrial else { return best }
        // The plan tried longest ago.
        let next = candidates.filter { $0 != best }.min { lastTried[$0, default: 0] < lastTried[$1, default: 0] }!
        (trial, trialCallsLeft, lastTried[next]) = (next, 1, calls)
        return next
    }

    /// The plan with the lowest median of its recent times.
    private func fastest(of plans: [LSTMWindowPlan]) -> LSTMWindowPlan {
        func median(_ plan: LSTMWindowPlan) -> Double {
            let times = recentTimes[plan, default: []].sorted()
            return times.isEmpty ? .infinity : times[times.count / 2]
        }
        return plans.min { median($0) < median($1) }!
    }

    /// Records how long a window took with `plan`, per step, unless it was the first call after a
    /// switch. When the fastest plan changes, the others are tried again soon; after a trial that
    /// confirms the choice, later than the last time.
    func record(_ plan: LSTMWindowPlan, secondsPerStep: Double) {
        defer { lastPlan = plan }
        guard plan == lastPlan else { return }
        let before = recentTimes.isEmpty ? plan : fastest(of: Array(recentTimes.keys))
        recentTimes[plan, default: []].append(secondsPerStep)
        if recentTimes[plan]!.count > Self.timesKept { recentTimes[plan]!.removeFirst() }
        let changed = fastest(of: Array(recentTimes.keys)) != before
        let trialEnded = plan == trial && trialCallsLeft == 0
        if trialEnded { trial = nil }
        if changed || trialEnded {
            trialInterval = changed ? Self.shortestTrialInterval : min(2 * trialInterval, Self.longestTrialInterval)
            nextTrial = calls + trialInterval
        }
    }

    /// Times kept per plan: the median of a few resists the odd slow call (another program running).
    static let timesKept = 5

    /// The kernels' barrier for `parties` threads sharing a layer's units, kept from call to call; nil for one.
    fileprivate func barrier(parties: Int) -> OpaquePointer? {
        guard parties > 1 else { return nil }
        if splitBarrier?.parties != parties { splitBarrier = Barrier(parties: parties) }
        return splitBarrier?.kernelBarrier
    }

    /// One step counter per layer, each at 0.
    fileprivate func resetCounters(layers: Int) {
        while counters.count < layers {
            guard let counter = fk_step_counter_create() else { fatalError("LSTMWindowWorkspace: out of memory") }
            counters.append(counter)
        }
        counters.forEach { fk_step_counter_reset($0) }
    }

    fileprivate func reserve(states: Int, parties: Int, gates count: Int) {
        if stateCapacity < states {
            hidden.deallocate()
            cells.deallocate()
            hidden = Self.allocate(states)
            cells = Self.allocate(states)
            stateCapacity = states
        }
        if gates.count < parties || gateCapacity < count {
            gates.forEach { $0.deallocate() }
            gateCapacity = max(gateCapacity, count)
            gates = (0 ..< max(parties, gates.count)).map { _ in Self.allocate(gateCapacity) }
        }
    }
}

/// What ``lstmWindowForward(layers:input:time:initialState:keepsOutputs:workspace:team:using:)`` returns.
public struct LSTMWindowResult: Sendable {
    /// The last layer's h_0 … h_{T−1}, [T, H]; empty unless outputs were asked for.
    public var output: [Float]
    /// Every layer's h_{T−1} and c_{T−1}, [L, H].
    public var finalHidden: [Float]
    public var finalCell: [Float]

    public init(output: [Float], finalHidden: [Float], finalCell: [Float]) {
        self.output = output
        self.finalHidden = finalHidden
        self.finalCell = finalCell
    }
}

/// One window through every layer, as `plan` shares it among members of `team` (or on the calling
/// thread alone when the team is busy).
///
/// - Parameters:
///   - layers: laid out for `plan.unitShares` shares of units.
///   - input: [T, I] for the first layer.
///   - initialState: every layer's h_{−1} and c_{−1}, [L, H] each; zeros when `nil`.
///   - keepsOutputs: whether to return the last layer's h at every step, or only the final states.
///   - workspace: the buffers, reused across calls; it also records how long the plan took (see
///     ``LSTMWindowWorkspace/plan(among:)``).
public func lstmWindowForward(layers: [LSTMWindowLayer], input: [Float], time: Int,
                              initialState: (hidden: [Float], cell: [Float])? = nil, keepsOutputs: Bool,
                              plan: LSTMWindowPlan = .oneThread, workspace: LSTMWindowWorkspace,
                              team: WorkerTeam = .shared, using instructionSet: InstructionSet = .automatic) -> LSTMWindowResult {
    guard let first = layers.first else { return LSTMWindowResult(output: [], finalHidden: [], finalCell: []) }
    let h = first.hiddenSize, count = layers.count
    precondition(time > 0, "lstmWindowForward needs at least one time step")
    precondition(layers.allSatisfy { $0.hiddenSize == h && $0.parties == plan.unitShares },
                 "lstmWindowForward: the layers differ in hidden size, or are not laid out for \(plan)")
    checkBounds(input.count, 0, time * first.inputSize, "input")
    if let initialState {
        checkBounds(initialState.hidden.count, 0, count * h, "initial h")
        checkBounds(initialState.cell.count, 0, count * h, "initial c")
    }
    // Rows a whole number of cache lines long (16 floats).
    let stride = (h + 15) / 16 * 16, block = (time + 1) * stride
    let widest = layers.flatMap(\.shares).map(\.units.count).max() ?? h
    workspace.reserve(states: count * block, parties: max(plan.threads, 1), gates: time * 4 * max(widest, h) + max(widest, h))
    workspace.resetCounters(layers: count)
    let (hidden, cells, gates, counters) = (workspace.hidden, workspace.cells, workspace.gates, workspace.counters)
    for k in 0..<count {
        if let initialState {
            initialState.hidden.withUnsafeBufferPointer { (hidden + k * block).update(from: $0.baseAddress! + k * h, count: h) }
            initialState.cell.withUnsafeBufferPointer { (cells + k * block).update(from: $0.baseAddress! + k * h, count: h) }
        } else {
            (hidden + k * block).update(repeating: 0, count: h)
            (cells + k * block).update(repeating: 0, count: h)
        }
    }
    let barrier = workspace.barrier(parties: plan.unitShares)
    let clock = ContinuousClock(), start = clock.now
    var planUsed = plan
    input.withUnsafeBufferPointer { input in
        team.run(parties: plan.threads, unlessAsleep: true) { member, parties in
            // Alone (the team was busy, or its threads asleep), a thread takes every layer whole, in order.
            let effective = parties < plan.threads ? LSTMWindowPlan.oneThread : plan
            if member == 0 { planUsed = effective }
            for (k, layer) in layers.enumerated() {
                let (x, xStride) = k == 0 ? (input.baseAddress!, layer.inputSize)
                                          : (UnsafePointer(hidden + (k - 1) * block + stride), stride)
                let (layerHidden, layerCells) = (hidden + k * block, cells + k * block)
                // Split, every member takes its share of every layer; pipelined, layer k is member
                // k mod threads's, following layer k − 1 through that layer's step counter; alone,
                // every layer is the member's, whole.
                let (share, chunk, below): (LSTMWindowLayer.Share, Int, OpaquePointer?)
                switch effective {
                case .unitsSplit: (share, chunk, below) = (layer.shares[member], time, nil)
                case .layersPipelined:
                    if k % parties != member { continue }
                    (share, chunk, below) = (layer.whole, LSTMWindowPlan.pipelineChunk, k > 0 ? counters[k - 1] : nil)
                case .oneThread: (share, chunk, below) = (layer.whole, time, nil)
                }
                // W_ihᵀ packed for this set's product, or read in place when the layer was packed for another set.
                let readsPacked = layer.inputPacking == instructionSet
                share.inputWeights.withUnsafeBufferPointer { inputWeights in
                    share.packedInputWeights.withUnsafeBufferPointer { packedInputWeights in
                        share.hiddenWeights.withUnsafeBufferPointer { hiddenWeights in
                            share.bias.withUnsafeBufferPointer { bias in
                                fk_lstm_window_layer(instructionSet.kernelValue, time, layer.inputSize, x, xStride, h,
                                                     share.units.lowerBound, share.units.count,
                                                     inputWeights.baseAddress, readsPacked ? packedInputWeights.baseAddress : nil,
                                                     hiddenWeights.baseAddress, layer.panelWidth, bias.baseAddress,
                                                     gates[member], gates[member] + time * 4 * share.units.count,
                                                     layerHidden, layerCells, stride, chunk, below, counters[k],
                                                     effective.unitShares > 1 ? barrier : nil)
                            }
                        }
                    }
                }
            }
        }
    }
    let elapsed = clock.now - start
    workspace.record(planUsed, secondsPerStep: (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18) / Double(time))
    var result = LSTMWindowResult(output: [], finalHidden: [], finalCell: [])
    result.finalHidden.reserveCapacity(count * h)
    result.finalCell.reserveCapacity(count * h)
    for k in 0..<count {
        let last = k * block + time * stride
        result.finalHidden += UnsafeBufferPointer(start: hidden + last, count: h)
        result.finalCell += UnsafeBufferPointer(start: cells + last, count: h)
    }
    if keepsOutputs {
        result.output.reserveCapacity(time * h)
        for t in 1...time { result.output += UnsafeBufferPointer(start: hidden + (count - 1) * block + t * stride, count: h) }
    }
    return result
}
