import CForecastKernels

// One window (batch 1) through a stack of LSTM layers, its hidden units shared out among the
// threads of a ``WorkerTeam``: the path of a single forecast on demand.
//
// A single window is a chain of matrix-vector products, each bound by reading its weights (W_hhᵀ of
// hidden 64 is 64 KiB, more than a core's L1). Split by hidden units, each thread reads only its
// share's gate columns, half the bytes from its own caches, and the threads meet at a barrier after
// every step, when every unit of h_t is written. Every element is computed by the same chain of
// operations whatever the split, so the result does not depend on the number of threads.

/// One LSTM layer's weights laid out for ``lstmWindowForward(layers:input:time:hidden:cells:workspace:team:using:)``:
/// the gate columns of each party's share of the hidden units side by side.
public struct LSTMWindowLayer: Sendable {
    /// The features the layer reads at each step (I).
    public let inputSize: Int
    /// The hidden units (H).
    public let hiddenSize: Int
    /// One share per party, for a split among ``parties`` threads.
    let shares: [Share]
    /// The whole layer as one share, for a single thread.
    let whole: Share

    /// A share of the units and its columns of the weights, gate by gate (i, f, g, o, `units.count` each).
    struct Share: Sendable {
        let units: Range<Int>
        /// [I, 4u], [H, 4u] and [4u].
        let inputWeights: [Float]
        let hiddenWeights: [Float]
        let bias: [Float]
    }

    /// The number of threads the layer is laid out for.
    public var parties: Int { shares.count }

    /// Lays out a layer for `parties` threads.
    ///
    /// - Parameters:
    ///   - inputTransposed: W_ihᵀ, [I, 4H].
    ///   - hiddenTransposed: W_hhᵀ, [H, 4H].
    ///   - bias: b_ih + b_hh, [4H].
    ///   - parties: the threads to split the units among; each gets a whole number of 16-unit blocks
    ///     when H allows, so that its columns fill whole vectors.
    public init(inputTransposed: [Float], hiddenTransposed: [Float], bias: [Float],
                inputSize: Int, hiddenSize: Int, parties: Int) {
        let h4 = 4 * hiddenSize
        checkBounds(inputTransposed.count, 0, inputSize * h4, "W_ihᵀ")
        checkBounds(hiddenTransposed.count, 0, hiddenSize * h4, "W_hhᵀ")
        checkBounds(bias.count, 0, h4, "bias")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        whole = Share(units: 0 ..< hiddenSize, inputWeights: inputTransposed, hiddenWeights: hiddenTransposed, bias: bias)
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
            return Share(units: units, inputWeights: columns(of: inputTransposed, rows: inputSize),
                         hiddenWeights: columns(of: hiddenTransposed, rows: hiddenSize), bias: columns(of: bias, rows: 1))
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
    /// The chooser's state: the last few times per step with each number of threads (newest last),
    /// the option of the last call, and when to try the other option next.
    private var recentTimes: [Int: [Double]] = [:]
    private var lastParties = 0
    private var calls = 0
    private var nextTrial = LSTMWindowWorkspace.shortestTrialInterval
    private var trialInterval = LSTMWindowWorkspace.shortestTrialInterval
    private var trialCallsLeft = 0

    /// Calls between two trials of the option that is not the fastest, at first and after the choice
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
    }

    /// Zeroed floats on a 64-byte boundary (a cache line).
    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(count, 16) * MemoryLayout<Float>.stride, alignment: 64)
        let floats = memory.bindMemory(to: Float.self, capacity: max(count, 16))
        floats.initialize(repeating: 0, count: max(count, 16))
        return floats
    }

    /// How many threads should share the next window, at most `maximum`: one or `maximum`, whichever
    /// was timed faster lately.
    ///
    /// Whether splitting pays is measured rather than assumed: a barrier costs about 30 ns between
    /// neighbouring cores but 200 ns between distant ones (measured on this project's 2-vCPU virtual
    /// machine, whose CPUs are moved between the two kinds of placement while a program runs), and a
    /// window of hidden 64 passes 96 of them. So the other option is tried now and then, for two
    /// calls: the first call after a switch is not timed (its caches are cold and a thread may be
    /// waking up), the second is. The results are the same bit for bit either way.
    public func parties(upTo maximum: Int) -> Int {
        guard maximum > 1 else { return 1 }
        let options = [1, maximum]
        // Each option is timed twice before choosing.
        if let untried = options.first(where: { (recentTimes[$0]?.count ?? 0) < 2 }) { return untried }
        let best = fastest(of: options), other = options.first { $0 != best }!
        if trialCallsLeft > 0 {
            trialCallsLeft -= 1
            return other
        }
        calls += 1
        guard calls >= nextTrial else { return best }
        trialCallsLeft = 1
        return other
    }

    /// The option with the lowest median of its recent times.
    private func fastest(of options: [Int]) -> Int {
        func median(_ option: Int) -> Double {
            let times = recentTimes[option, default: []].sorted()
            return times.isEmpty ? .infinity : times[times.count / 2]
        }
        return options.min { median($0) < median($1) }!
    }

    /// Records how long a window took with `parties` threads, per step, unless it was the first call
    /// after a switch; after a trial, schedules the next one.
    fileprivate func record(parties: Int, secondsPerStep: Double) {
        defer { lastParties = parties }
        guard parties == lastParties else { return }
        let options = Array(Set(recentTimes.keys).union([parties])).sorted()
        let before = options.count > 1 ? fastest(of: options) : parties
        var times = recentTimes[parties, default: []]
        times.append(secondsPerStep)
        if times.count > 3 { times.removeFirst() }
        recentTimes[parties] = times
        if parties != before && trialCallsLeft == 0 {
            // A trial ended: try again soon if it changed the choice, later and later if not.
            let changed = fastest(of: options) != before
            trialInterval = changed ? Self.shortestTrialInterval : min(2 * trialInterval, Self.longestTrialInterval)
            nextTrial = calls + trialInterval
        }
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

/// One window through every layer, the hidden units split among `layers[0].parties` members of
/// `team` (or computed by the calling thread alone when the team is busy).
///
/// - Parameters:
///   - input: [T, I] for the first layer.
///   - initialState: every layer's h_{−1} and c_{−1}, [L, H] each; zeros when `nil`.
///   - keepsOutputs: whether to return the last layer's h at every step, or only the final states.
///   - workspace: the buffers, reused across calls.
/// Every layer must be laid out for the same number of parties.
public func lstmWindowForward(layers: [LSTMWindowLayer], input: [Float], time: Int,
                              initialState: (hidden: [Float], cell: [Float])? = nil, keepsOutputs: Bool,
                              workspace: LSTMWindowWorkspace, team: WorkerTeam = .shared,
                              using instructionSet: InstructionSet = .automatic) -> LSTMWindowResult {
    guard let first = layers.first else { return LSTMWindowResult(output: [], finalHidden: [], finalCell: []) }
    let h = first.hiddenSize, count = layers.count
    precondition(time > 0, "lstmWindowForward needs at least one time step")
    precondition(layers.allSatisfy { $0.hiddenSize == h && $0.parties == first.parties },
                 "lstmWindowForward: the layers differ in hidden size or parties")
    checkBounds(input.count, 0, time * first.inputSize, "input")
    if let initialState {
        checkBounds(initialState.hidden.count, 0, count * h, "initial h")
        checkBounds(initialState.cell.count, 0, count * h, "initial c")
    }
    // Rows a whole number of cache lines long (16 floats).
    let stride = (h + 15) / 16 * 16, block = (time + 1) * stride
    let widest = layers.flatMap(\.shares).map(\.units.count).max() ?? h
    workspace.reserve(states: count * block, parties: first.parties, gates: time * 4 * max(widest, h) + max(widest, h))
    let (hidden, cells, gates) = (workspace.hidden, workspace.cells, workspace.gates)
    for k in 0..<count {
        if let initialState {
            initialState.hidden.withUnsafeBufferPointer { (hidden + k * block).update(from: $0.baseAddress! + k * h, count: h) }
            initialState.cell.withUnsafeBufferPointer { (cells + k * block).update(from: $0.baseAddress! + k * h, count: h) }
        } else {
            (hidden + k * block).update(repeating: 0, count: h)
            (cells + k * block).update(repeating: 0, count: h)
        }
    }
    let barrier = first.parties > 1 ? Barrier(parties: first.parties) : nil
    let clock = ContinuousClock(), start = clock.now
    var partiesUsed = 1
    input.withUnsafeBufferPointer { input in
        team.run(parties: barrier == nil ? 1 : first.parties) { member, parties in
            if member == 0 { partiesUsed = parties }
            for (k, layer) in layers.enumerated() {
                // Alone (the team was busy), a thread takes the whole layer and skips the barrier.
                let share = parties == layer.parties ? layer.shares[member] : layer.whole
                let (x, xStride) = k == 0 ? (input.baseAddress!, layer.inputSize)
                                          : (UnsafePointer(hidden + (k - 1) * block + stride), stride)
                share.inputWeights.withUnsafeBufferPointer { inputWeights in
                    share.hiddenWeights.withUnsafeBufferPointer { hiddenWeights in
                        share.bias.withUnsafeBufferPointer { bias in
                            fk_lstm_window_layer(instructionSet.kernelValue, time, layer.inputSize, x, xStride, h,
                                                 share.units.lowerBound, share.units.count,
                                                 inputWeights.baseAddress, hiddenWeights.baseAddress, bias.baseAddress,
                                                 gates[member], gates[member] + time * 4 * share.units.count,
                                                 hidden + k * block, cells + k * block, stride,
                                                 parties > 1 ? barrier?.kernelBarrier : nil)
                        }
                    }
                }
            }
        }
    }
    let elapsed = clock.now - start
    workspace.record(parties: partiesUsed,
                     secondsPerStep: (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18) / Double(time))
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
