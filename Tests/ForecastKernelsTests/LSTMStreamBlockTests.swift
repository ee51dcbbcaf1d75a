import Testing
import ForecastKernels

/// The batch-inference kernel (a block of rows through every layer and step in one call) against the
/// same steps made one kernel at a time, and against the plain Swift reference kernels.
///
/// Shapes: the tutorial's (32 rows, hidden 64), rows that are not a multiple of any tile, 4H not a
/// multiple of a tile's width (a narrow last block of gate columns, computed from the weights in place
/// while the whole blocks read copied panels on AVX2), and 4H narrower than one tile.
@Suite struct LSTMStreamBlockTests {
    static let shapes: [(layers: Int, time: Int, batch: Int, inputSize: Int, hiddenSize: Int)] = [
        (2, 6, 32, 1, 64), (2, 5, 7, 3, 13), (1, 4, 9, 2, 3), (2, 3, 40, 1, 20), (1, 3, 13, 5, 33),
    ]

    @Test(arguments: InstructionSet.supported)
    func aBlockGivesTheBitsOfItsStepsMadeOneKernelAtATime(set: InstructionSet) {
        var random = TestRandom(seed: 0x5B10)
        for shape in Self.shapes {
            let model = Model(shape, random: &random)
            let (blockOutputs, blockHidden, blockCells) = model.block(using: set)
            let (outputs, hidden, cells) = model.stepByStep(fast: set)
            let what = "\(set) \(shape)"
            #expect(blockOutputs.map(\.bitPattern) == outputs.map(\.bitPattern), "outputs, \(what)")
            #expect(blockHidden.map(\.bitPattern) == hidden.map(\.bitPattern), "h, \(what)")
            #expect(blockCells.map(\.bitPattern) == cells.map(\.bitPattern), "c, \(what)")
        }
    }

    @Test(arguments: InstructionSet.supported)
    func aBlockMatchesTheReferenceKernels(set: InstructionSet) {
        // The fast activations are within a few 1e-7 of the exact ones (FastActivationAccuracy); over
        // a few steps and layers the states stay within 1e-5 · (1 + |reference|).
        var random = TestRandom(seed: 0x5B11)
        for shape in Self.shapes {
            let model = Model(shape, random: &random)
            let (blockOutputs, blockHidden, blockCells) = model.block(using: set)
            let (outputs, hidden, cells) = model.stepByStep(fast: nil)
            for (name, fast, reference) in [("outputs", blockOutputs, outputs), ("h", blockHidden, hidden), ("c", blockCells, cells)] {
                let worst = zip(fast, reference).map { abs(Double($0) - Double($1)) / (1 + abs(Double($1))) }.max() ?? 0
                #expect(worst <= 1e-5, "\(name), \(set) \(shape): worst relative error \(worst)")
            }
        }
    }

    /// An LSTM's prepared weights, an input block and a non-zero initial state.
    struct Model {
        let layers: Int, time: Int, batch: Int, inputSize: Int, hiddenSize: Int
        let weights: [(inputTransposed: [Float], hiddenTransposed: [Float], bias: [Float])]
        let input: [Float], initialHidden: [Float], initialCells: [Float]

        init(_ shape: (layers: Int, time: Int, batch: Int, inputSize: Int, hiddenSize: Int), random: inout TestRandom) {
            (layers, time, batch, inputSize, hiddenSize) = shape
            let h4 = 4 * shape.hiddenSize
            var weights: [(inputTransposed: [Float], hiddenTransposed: [Float], bias: [Float])] = []
            for k in 0..<shape.layers {
                weights.append((random.floats((k == 0 ? shape.inputSize : shape.hiddenSize) * h4, -0.4, 0.4),
                                random.floats(shape.hiddenSize * h4, -0.4, 0.4), random.floats(h4, -0.5, 0.5)))
            }
            self.weights = weights
            input = random.floats(time * batch * inputSize)
            initialHidden = random.floats(layers * batch * hiddenSize, -0.5, 0.5)
            initialCells = random.floats(layers * batch * hiddenSize, -1, 1)
        }

        func block(using set: InstructionSet) -> (outputs: [Float], hidden: [Float], cells: [Float]) {
            var hidden = initialHidden, cells = initialCells
            var gates = [Float](repeating: 0, count: batch * 4 * hiddenSize)
            var tanhCells = [Float](repeating: 0, count: batch * hiddenSize)
            var outputs: [Float]? = [Float](repeating: 0, count: time * batch * hiddenSize)
            lstmStreamBlock(input: input, weights: weights, time: time, batch: batch, inputSize: inputSize,
                            hiddenSize: hiddenSize, hidden: &hidden, cells: &cells, gates: &gates, tanhCells: &tanhCells,
                            outputs: &outputs, using: set)
            return (outputs!, hidden, cells)
        }

        /// Each step and layer with lstmGates and lstmCellForward of `fast`, or with the reference kernels.
        func stepByStep(fast set: InstructionSet?) -> (outputs: [Float], hidden: [Float], cells: [Float]) {
            let h = hiddenSize, state = batch * h
            var hidden = initialHidden, cells = initialCells, outputs = [Float]()
            var gates = [Float](repeating: 0, count: batch * 4 * h), tanhCells = [Float](repeating: 0, count: state)
            var layerHidden = [Float](repeating: 0, count: state)
            for t in 0..<time {
                for k in 0..<layers {
                    let x = k == 0 ? Array(input[(t * batch * inputSize) ..< ((t + 1) * batch * inputSize)])
                                   : Array(hidden[((k - 1) * state) ..< (k * state)])
                    let xSize = k == 0 ? inputSize : h
                    let w = weights[k]
                    if let set {
                        lstmGates(input: x, inputWeightsTransposed: w.inputTransposed, hidden: hidden, hiddenOffset: k * state,
                                  hiddenWeightsTransposed: w.hiddenTransposed, bias: w.bias, into: &gates,
                                  batch: batch, inputSize: xSize, hiddenSize: h, using: set)
                        lstmCellForward(gates: &gates, gatesOffset: 0, cells: &cells, previousOffset: k * state,
                                        currentOffset: k * state, tanhCells: &tanhCells, tanhOffset: 0,
                                        hidden: &layerHidden, hiddenOffset: 0, batch: batch, hiddenSize: h, using: set)
                    } else {
                        ReferenceKernels.lstmGates(input: x, inputWeightsTransposed: w.inputTransposed, hidden: hidden,
                                                   hiddenOffset: k * state, hiddenWeightsTransposed: w.hiddenTransposed,
                                                   bias: w.bias, into: &gates, batch: batch, inputSize: xSize, hiddenSize: h)
                        ReferenceKernels.lstmCellForward(gates: &gates, gatesOffset: 0, cells: &cells, previousOffset: k * state,
                                                         currentOffset: k * state, tanhCells: &tanhCells, tanhOffset: 0,
                                                         hidden: &layerHidden, hiddenOffset: 0, batch: batch, hiddenSize: h)
                    }
                    hidden.replaceSubrange((k * state) ..< ((k + 1) * state), with: layerHidden)
                }
                outputs += hidden[((layers - 1) * state) ..< (layers * state)]
            }
            return (outputs, hidden, cells)
        }
    }
}
