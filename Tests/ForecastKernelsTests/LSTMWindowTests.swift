import Testing
@testable import ForecastKernels

/// A single window through a stack of LSTM layers on one thread, with its hidden units split among
/// threads, or with its layers pipelined
/// (``lstmWindowForward(layers:input:time:initialState:keepsOutputs:plan:workspace:team:using:)``),
/// against the same window stepped through the batch kernels (`lstmGates` then `lstmCellForward`, as
/// inference of a batch streams it): every number must be the same Float, whatever the plan and the
/// number of threads and however the units fall into vectors; and against the plain reference
/// kernels within 1e-5.
@Suite struct LSTMWindowTests {
    /// A random stack: per layer W_ihᵀ [I, 4H], W_hhᵀ [H, 4H] and b [4H].
    struct Stack {
        let inputSize: Int, hiddenSize: Int
        let weights: [(input: [Float], hidden: [Float], bias: [Float])]

        init(inputSize: Int, hiddenSize: Int, layers: Int, random: inout TestRandom) {
            self.inputSize = inputSize
            self.hiddenSize = hiddenSize
            let bound = 1 / Float(hiddenSize).squareRoot()
            weights = (0..<layers).map { k in
                (random.floats((k == 0 ? inputSize : hiddenSize) * 4 * hiddenSize, -bound, bound),
                 random.floats(hiddenSize * 4 * hiddenSize, -bound, bound), random.floats(4 * hiddenSize, -bound, bound))
            }
        }

        func layout(parties: Int) -> [LSTMWindowLayer] {
            weights.enumerated().map { k, w in
                LSTMWindowLayer(inputTransposed: w.input, hiddenTransposed: w.hidden, bias: w.bias,
                                inputSize: k == 0 ? inputSize : hiddenSize, hiddenSize: hiddenSize, parties: parties)
            }
        }

        /// The window stepped through the batch kernels (batch 1), or through the plain reference ones.
        func stepped(_ input: [Float], time: Int, initial: (hidden: [Float], cell: [Float])?, reference: Bool,
                     set: InstructionSet) -> LSTMWindowResult {
            let h = hiddenSize
            var x = input, result = LSTMWindowResult(output: [], finalHidden: [], finalCell: [])
            for (k, w) in weights.enumerated() {
                let size = k == 0 ? inputSize : h
                var hidden = initial.map { Array($0.hidden[k * h ..< (k + 1) * h]) } ?? [Float](repeating: 0, count: h)
                var cells = initial.map { Array($0.cell[k * h ..< (k + 1) * h]) } ?? [Float](repeating: 0, count: h)
                var gates = [Float](repeating: 0, count: 4 * h), tanhCells = cells, outputs = [Float]()
                for t in 0..<time {
                    let previous = cells
                    var next = cells
                    if reference {
                        ReferenceKernels.lstmGates(input: x, inputOffset: t * size, inputWeightsTransposed: w.input,
                                                   hidden: hidden, hiddenWeightsTransposed: w.hidden, bias: w.bias,
                                                   into: &gates, batch: 1, inputSize: size, hiddenSize: h)
                        var both = previous + next
                        ReferenceKernels.lstmCellForward(gates: &gates, gatesOffset: 0, cells: &both, previousOffset: 0,
                                                         currentOffset: h, tanhCells: &tanhCells, tanhOffset: 0,
                                                         hidden: &hidden, hiddenOffset: 0, batch: 1, hiddenSize: h)
                        next = Array(both[h...])
                    } else {
                        lstmGates(input: x, inputOffset: t * size, inputWeightsTransposed: w.input,
                                  hidden: hidden, hiddenWeightsTransposed: w.hidden, bias: w.bias,
                                  into: &gates, batch: 1, inputSize: size, hiddenSize: h, using: set)
                        var both = previous + next
                        lstmCellForward(gates: &gates, gatesOffset: 0, cells: &both, previousOffset: 0, currentOffset: h,
                                        tanhCells: &tanhCells, tanhOffset: 0, hidden: &hidden, hiddenOffset: 0,
                                        batch: 1, hiddenSize: h, using: set)
                        next = Array(both[h...])
                    }
                    cells = next
                    outputs += hidden
                }
                result.finalHidden += hidden
                result.finalCell += cells
                x = outputs
                result.output = outputs
            }
            return result
        }
    }

    static let shapes: [(input: Int, hidden: Int, layers: Int, time: Int)] = [
        (1, 64, 2, 48), (3, 50, 2, 7), (2, 37, 3, 5), (1, 19, 1, 9), (5, 96, 1, 4), (1, 16, 2, 3),
        // Pipelined: several chunks of LSTMWindowPlan.pipelineChunk steps and a short last one; with
        // 3 and 4 layers a thread runs two of them.
        (2, 24, 3, 21), (1, 12, 4, 17),
    ]

    @Test(arguments: InstructionSet.supported)
    func splitWindowMatchesTheBatchKernelsBitForBit(set: InstructionSet) {
        var random = TestRandom(seed: 0x5717)
        let team = WorkerTeam(size: 4)
        for shape in Self.shapes {
            let stack = Stack(inputSize: shape.input, hiddenSize: shape.hidden, layers: shape.layers, random: &random)
            let input = random.floats(shape.time * shape.input)
            let count = shape.layers * shape.hidden
            for initial in [nil, (hidden: random.floats(count), cell: random.floats(count, -2, 2))] {
                let expected = stack.stepped(input, time: shape.time, initial: initial, reference: false, set: set)
                let plans: [LSTMWindowPlan] = [.oneThread, .unitsSplit(threads: 2), .unitsSplit(threads: 3),
                                               .unitsSplit(threads: 4), .layersPipelined(threads: 2), .layersPipelined(threads: 3)]
                for plan in plans {
                    let workspace = LSTMWindowWorkspace()
                    for keepsOutputs in [true, false] {
                        let result = lstmWindowForward(layers: stack.layout(parties: plan.unitShares), input: input,
                                                       time: shape.time, initialState: initial, keepsOutputs: keepsOutputs,
                                                       plan: plan, workspace: workspace, team: team, using: set)
                        let label = "\(set) \(shape) \(plan), initial state \(initial != nil)"
                        #expect(result.finalHidden == expected.finalHidden, "\(label)")
                        #expect(result.finalCell == expected.finalCell, "\(label)")
                        #expect(result.output == (keepsOutputs ? expected.output : []), "\(label)")
                    }
                }
            }
        }
    }

    /// W_hhᵀ laid out in panels of any width (the plain layout, each set's own width, widths that cut
    /// vectors and shares in odd places) gives the same bits with every instruction set: the panels
    /// change only the order in which the weights are read.
    @Test(arguments: InstructionSet.supported)
    func everyPanelWidthGivesTheSameBits(set: InstructionSet) {
        var random = TestRandom(seed: 0x9A7E1)
        let team = WorkerTeam(size: 2)
        let widths = [0, 1, 7, 8, 24, 40] + InstructionSet.allCases.map(\.windowPanelWidth)
        for shape in Self.shapes {
            let stack = Stack(inputSize: shape.input, hiddenSize: shape.hidden, layers: shape.layers, random: &random)
            let input = random.floats(shape.time * shape.input)
            let expected = stack.stepped(input, time: shape.time, initial: nil, reference: false, set: set)
            for plan in [LSTMWindowPlan.oneThread, .unitsSplit(threads: 2)] {
                for width in widths {
                    let layers = stack.weights.enumerated().map { k, w in
                        LSTMWindowLayer(inputTransposed: w.input, hiddenTransposed: w.hidden, bias: w.bias,
                                        inputSize: k == 0 ? shape.input : shape.hidden, hiddenSize: shape.hidden,
                                        parties: plan.unitShares, panelWidth: width)
                    }
                    let result = lstmWindowForward(layers: layers, input: input, time: shape.time, keepsOutputs: true,
                                                   plan: plan, workspace: LSTMWindowWorkspace(), team: team, using: set)
                    #expect(result.output == expected.output, "\(set) \(shape) \(plan) panels of \(width)")
                    #expect(result.finalCell == expected.finalCell, "\(set) \(shape) \(plan) panels of \(width)")
                }
            }
        }
        #expect(InstructionSet.baseline.windowPanelWidth == 32)
        #if arch(x86_64)
        #expect(InstructionSet.avx2.windowPanelWidth == 96 && InstructionSet.avx512.windowPanelWidth == 256)
        #elseif arch(arm64)
        #expect(InstructionSet.neon.windowPanelWidth == 64)
        #endif
    }

    /// W_ihᵀ packed once for the product of the set the window runs with (the input projection reads
    /// the panels instead of packing the weights at every call) gives the bits of the batch kernels,
    /// with inputs deeper than one packed panel and shares whose columns end inside a tile; laid out
    /// for another set, W_ihᵀ is read in place, with the same bits.
    @Test(arguments: InstructionSet.supported)
    func packedInputWeightsGiveTheSameBits(set: InstructionSet) {
        var random = TestRandom(seed: 0x1A9)
        let team = WorkerTeam(size: 2)
        for shape in [(input: 300, hidden: 20, layers: 2, time: 11), (input: 1, hidden: 136, layers: 2, time: 9)] {
            let stack = Stack(inputSize: shape.input, hiddenSize: shape.hidden, layers: shape.layers, random: &random)
            let input = random.floats(shape.time * shape.input)
            let expected = stack.stepped(input, time: shape.time, initial: nil, reference: false, set: set)
            for packing in InstructionSet.supported {
                for plan in [LSTMWindowPlan.oneThread, .unitsSplit(threads: 2), .layersPipelined(threads: 2)] {
                    let layers = stack.weights.enumerated().map { k, w in
                        LSTMWindowLayer(inputTransposed: w.input, hiddenTransposed: w.hidden, bias: w.bias,
                                        inputSize: k == 0 ? shape.input : shape.hidden, hiddenSize: shape.hidden,
                                        parties: plan.unitShares, panelWidth: set.windowPanelWidth, inputPacking: packing)
                    }
                    #expect(layers.allSatisfy { $0.inputPacking == packing })
                    let result = lstmWindowForward(layers: layers, input: input, time: shape.time, keepsOutputs: true,
                                                   plan: plan, workspace: LSTMWindowWorkspace(), team: team, using: set)
                    #expect(result.output == expected.output, "\(set) \(shape) \(plan), W_ih packed for \(packing)")
                    #expect(result.finalCell == expected.finalCell, "\(set) \(shape) \(plan), W_ih packed for \(packing)")
                }
            }
        }
    }

    /// A layout for an instruction set this CPU lacks (NEON on x86-64, AVX2 and AVX-512 on arm64, AVX-512
    /// on an AVX2 machine) packs W_ihᵀ for the baseline, since packing runs the set's own code, and a
    /// window run with the CPU's set still gives the batch kernels' bits.
    @Test func layoutForAnUnsupportedSetPacksForTheBaseline() {
        var random = TestRandom(seed: 0x51E7)
        let stack = Stack(inputSize: 3, hiddenSize: 40, layers: 2, random: &random)
        let input = random.floats(6 * 3)
        let expected = stack.stepped(input, time: 6, initial: nil, reference: false, set: .automatic)
        let unsupported = InstructionSet.allCases.filter { !$0.isSupported }
        let team = WorkerTeam(size: 2)
        #expect(!unsupported.isEmpty)
        for set in unsupported {
            let layers = stack.weights.enumerated().map { k, w in
                LSTMWindowLayer(inputTransposed: w.input, hiddenTransposed: w.hidden, bias: w.bias,
                                inputSize: k == 0 ? 3 : 40, hiddenSize: 40, parties: 2, using: set)
            }
            #expect(layers.allSatisfy { $0.inputPacking == .baseline }, "\(set)")
            let result = lstmWindowForward(layers: layers, input: input, time: 6, keepsOutputs: true, plan: .unitsSplit(threads: 2),
                                           workspace: LSTMWindowWorkspace(), team: team)
            #expect(result.output == expected.output, "laid out for \(set)")
        }
    }

    @Test func splitWindowAgreesWithThePlainReferenceKernels() {
        var random = TestRandom(seed: 0x9E7)
        let team = WorkerTeam(size: 2)
        for shape in Self.shapes {
            let stack = Stack(inputSize: shape.input, hiddenSize: shape.hidden, layers: shape.layers, random: &random)
            let input = random.floats(shape.time * shape.input)
            let reference = stack.stepped(input, time: shape.time, initial: nil, reference: true, set: .baseline)
            for plan in [LSTMWindowPlan.unitsSplit(threads: 2), .layersPipelined(threads: 2)] {
                let result = lstmWindowForward(layers: stack.layout(parties: plan.unitShares), input: input, time: shape.time,
                                               keepsOutputs: true, plan: plan, workspace: LSTMWindowWorkspace(), team: team)
                for (fast, exact) in zip(result.output + result.finalCell, reference.output + reference.finalCell) {
                    #expect(abs(fast - exact) <= 1e-5 * (1 + abs(exact)), "\(shape) \(plan): \(fast) vs \(exact)")
                }
            }
        }
    }

    @Test func unitsAreSharedInWholeVectorsWhenTheHiddenSizeAllows() {
        var random = TestRandom(seed: 3)
        let stack = Stack(inputSize: 1, hiddenSize: 100, layers: 1, random: &random)
        let layer = stack.layout(parties: 2)[0]
        #expect(layer.parties == 2)
        let small = Stack(inputSize: 1, hiddenSize: 3, layers: 1, random: &random).layout(parties: 8)[0]
        #expect(small.parties == 3)
    }

    @Test func theWorkspaceTimesEveryPlanThenPrefersTheFastestAndStillTriesTheOthers() {
        // Times fed by hand (1, 2 and 3 µs per step), so that the choices are exact.
        let workspace = LSTMWindowWorkspace()
        #expect(workspace.plan(among: [.oneThread]) == .oneThread)
        let plans: [LSTMWindowPlan] = [.unitsSplit(threads: 2), .oneThread, .layersPipelined(threads: 2)]
        var cost: [LSTMWindowPlan: Double] = [.unitsSplit(threads: 2): 1e-6, .oneThread: 2e-6, .layersPipelined(threads: 2): 3e-6]
        func calls(_ count: Int) -> [LSTMWindowPlan] {
            (0..<count).map { _ in
                let plan = workspace.plan(among: plans)
                workspace.record(plan, secondsPerStep: cost[plan]!)
                return plan
            }
        }
        // Each plan three times (the first after a switch is not timed), then the fastest.
        let first = calls(9 + 15)
        #expect(Array(first.prefix(9)) == plans.flatMap { [$0, $0, $0] })
        #expect(first.dropFirst(9).allSatisfy { $0 == .unitsSplit(threads: 2) })
        // Then a trial of another plan for two calls, the one tried longest ago first, in place of
        // the 16th, 32nd, 64th call of the fastest: the interval doubles while the choice holds.
        let trials = calls(16 + 2 + 32 + 2 + 64 + 2 + 10)
        let tried = trials.enumerated().filter { $0.element != .unitsSplit(threads: 2) }.map(\.offset)
        #expect(tried == [0, 1, 33, 34, 98, 99], "\(tried)")
        #expect(trials[0] != trials[34])
        // When the fastest plan slows down, a trial soon finds the new fastest and keeps it.
        cost[.unitsSplit(threads: 2)] = 5e-6
        let after = calls(60)
        // (The median of the last five times changes after three slow calls.)
        #expect(after.prefix(3).allSatisfy { $0 == .unitsSplit(threads: 2) }, "\(after)")
        #expect(after.suffix(40).filter { $0 == .oneThread }.count >= 36, "\(after)")
        #expect(!after.suffix(40).contains(.unitsSplit(threads: 2)) || after.suffix(40).filter { $0 == .unitsSplit(threads: 2) }.count == 2)
    }

    @Test func aRealRunIsTimedAndEveryPlanGetsItsTurn() {
        let workspace = LSTMWindowWorkspace()
        var random = TestRandom(seed: 1)
        let stack = Stack(inputSize: 1, hiddenSize: 64, layers: 2, random: &random)
        let team = WorkerTeam(size: 2)
        let plans: [LSTMWindowPlan] = [.oneThread, .unitsSplit(threads: 2), .layersPipelined(threads: 2)]
        var chosen: [LSTMWindowPlan] = [], ran: [LSTMWindowPlan] = []
        // Laid out before the calls, so that they follow each other within the team's spin.
        let layouts = [1: stack.layout(parties: 1), 2: stack.layout(parties: 2)], input = random.floats(20)
        func timedRuns(_ plan: LSTMWindowPlan) -> Int { zip(ran, ran.dropFirst()).filter { $0 == plan && $1 == plan }.count }
        while chosen.count < 40 && !plans.allSatisfy({ timedRuns($0) >= 2 }) {
            let plan = workspace.plan(among: plans)
            chosen.append(plan)
            _ = lstmWindowForward(layers: layouts[plan.unitShares]!, input: input, time: 20,
                                  keepsOutputs: false, plan: plan, workspace: workspace, team: team)
            ran.append(workspace.lastPlan ?? .oneThread)
        }
        // Each plan in turn, three calls each (one untimed, two timed). A shared plan whose call
        // finds the team's thread not spinning (not started yet, or descheduled on a busy machine)
        // runs alone, and is chosen again until it has been timed twice as itself.
        #expect(Array(chosen.prefix(3)) == [.oneThread, .oneThread, .oneThread])
        #expect(plans.allSatisfy { timedRuns($0) >= 2 }, "\(ran)")
        let firstChosen = plans.map { plan in chosen.firstIndex(of: plan) ?? .max }
        #expect(firstChosen == firstChosen.sorted(), "\(chosen)")
    }
}
