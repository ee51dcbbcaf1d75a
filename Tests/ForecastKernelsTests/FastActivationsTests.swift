import Foundation
import Testing
import ForecastKernels

/// The fast σ and tanh against the exact functions in Double, and the fast LSTM cell kernels against
/// the reference kernels (exact `exp` and `tanh`), on every instruction set this CPU supports.
@Suite struct FastActivationsTests {
    /// Every multiple of 1/512 in [−100, 100], values near 0 on a log scale, the branch points of the
    /// kernels (|x| = 0.625, the underflow at −87.33) and their neighbours, and huge values.
    static let inputs: [Float] = {
        var x = stride(from: -100.0, through: 100.0, by: 1.0 / 512).map { Float($0) }
        for exponent in stride(from: -40.0, through: 0.0, by: 0.01) {
            let magnitude = Float(pow(2, exponent))
            x += [magnitude, -magnitude]
        }
        for point: Float in [0.625, -0.625, 87.33, -87.33, 88.7, -88.7, 9, -9, 20, -20] {
            x += [point.nextDown, point, point.nextUp]
        }
        x += [0, -0.0, 1e-30, -1e-30, 1e30, -1e30, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        return x
    }()

    @Test(arguments: InstructionSet.supported)
    func fastSigmoidIsWithinItsDocumentedErrorOfTheExactOne(set: InstructionSet) {
        let y = fastSigmoid(Self.inputs, using: set)
        var worst = (error: 0.0, x: Float(0))
        for (x, value) in zip(Self.inputs, y) {
            let exact = 1 / (1 + exp(-Double(x)))
            #expect(value >= 0 && value <= 1, "\(set) σ(\(x)) = \(value)")
            if x < -87.33 {
                // Below the normal range of e^x the fast σ gives 0 (exact: below 1.2e-38).
                #expect(value == 0, "\(set) σ(\(x)) = \(value)")
                continue
            }
            let error = abs(Double(value) - exact) / exact
            if error > worst.error { worst = (error, x) }
        }
        report("σ \(set)", worst)
        #expect(worst.error <= FastActivationAccuracy.sigmoidRelativeError, "\(set): worst relative error \(worst.error) at x = \(worst.x)")
        #expect(fastSigmoid([0], using: set) == [0.5])
    }

    @Test(arguments: InstructionSet.supported)
    func fastTanhIsWithinItsDocumentedErrorOfTheExactOne(set: InstructionSet) {
        let y = fastTanh(Self.inputs, using: set)
        var worstAbsolute = (error: 0.0, x: Float(0)), worstRelative = (error: 0.0, x: Float(0))
        let relative = FastActivationAccuracy.tanhRelativeError, absolute = FastActivationAccuracy.tanhAbsoluteError
        for (x, value) in zip(Self.inputs, y) {
            let exact = tanh(Double(x)), error = abs(Double(value) - exact)
            #expect(abs(value) <= 1 && (value == 0 || (value < 0) == (x < 0)), "\(set) tanh(\(x)) = \(value)")
            #expect(error <= relative * abs(exact) + absolute, "\(set) tanh(\(x)) = \(value), exact \(exact)")
            if error > worstAbsolute.error { worstAbsolute = (error, x) }
            if abs(exact) >= 0.5 && error / abs(exact) > worstRelative.error { worstRelative = (error / abs(exact), x) }
        }
        report("tanh \(set), absolute", worstAbsolute)
        report("tanh \(set), relative where |tanh| ≥ 0.5", worstRelative)
        #expect(fastTanh([0, 30, -30], using: set) == [0, 1, -1])
    }

    // MARK: LSTM cell

    /// Fast against reference cell: |fast − reference| ≤ 1e-6 · (1 + |reference|). The fast activations
    /// are within a few ulps of the exact ones, and c, tanh c, h and the gradients combine a few of them
    /// (measured worst: about 4e-7).
    static func close(_ fast: Float, _ reference: Float) -> Bool {
        abs(Double(fast) - Double(reference)) <= 1e-6 * (1 + abs(Double(reference)))
    }

    @Test(arguments: InstructionSet.supported)
    func fastCellForwardMatchesTheReferenceForOddSizesAtOffsets(set: InstructionSet) {
        var random = TestRandom(seed: 51)
        for (batch, hiddenSize) in [(1, 1), (3, 5), (2, 16), (4, 17), (1, 64), (5, 33)] {
            let stateCount = batch * hiddenSize, gateCount = 4 * stateCount
            let gatesOffset = 3, previousOffset = 1, currentOffset = 2 + stateCount, tanhOffset = 2, hiddenOffset = 5
            let gates = random.floats(gatesOffset + gateCount + 3, -6, 6)
            let cells = random.floats(currentOffset + stateCount + 2, -3, 3)
            let tanhCells = random.floats(tanhOffset + stateCount + 1), hidden = random.floats(hiddenOffset + stateCount + 2)
            var (g1, c1, t1, h1) = (gates, cells, tanhCells, hidden)
            var (g2, c2, t2, h2) = (gates, cells, tanhCells, hidden)
            lstmCellForward(gates: &g1, gatesOffset: gatesOffset, cells: &c1, previousOffset: previousOffset,
                            currentOffset: currentOffset, tanhCells: &t1, tanhOffset: tanhOffset,
                            hidden: &h1, hiddenOffset: hiddenOffset, batch: batch, hiddenSize: hiddenSize, using: set)
            ReferenceKernels.lstmCellForward(gates: &g2, gatesOffset: gatesOffset, cells: &c2, previousOffset: previousOffset,
                                             currentOffset: currentOffset, tanhCells: &t2, tanhOffset: tanhOffset,
                                             hidden: &h2, hiddenOffset: hiddenOffset, batch: batch, hiddenSize: hiddenSize)
            for (name, fast, reference, original) in [("gates", g1, g2, gates), ("cells", c1, c2, cells),
                                                      ("tanh c", t1, t2, tanhCells), ("h", h1, h2, hidden)] {
                #expect(zip(fast, reference).allSatisfy(Self.close), "\(set) B=\(batch) H=\(hiddenSize): \(name) differs")
                // Outside the windows nothing changes: where the reference left the original, so does the kernel.
                let untouched = zip(zip(fast, reference), original).allSatisfy { pair, before in
                    pair.1.bitPattern != before.bitPattern || pair.0.bitPattern == before.bitPattern
                }
                #expect(untouched, "\(set) B=\(batch) H=\(hiddenSize): \(name) written outside its window")
            }
        }
    }

    @Test(arguments: InstructionSet.supported)
    func fastCellBackwardMatchesTheReferenceForOddSizesAtOffsets(set: InstructionSet) {
        var random = TestRandom(seed: 52)
        for (batch, hiddenSize) in [(1, 1), (3, 5), (2, 16), (4, 17), (1, 64), (5, 33)] {
            let stateCount = batch * hiddenSize, gateCount = 4 * stateCount
            // Saved activations as the forward pass leaves them: gates in (0, 1) or (−1, 1), tanh c in (−1, 1).
            let gates = random.floats(2 + gateCount, 0, 1), cells = random.floats(1 + stateCount, -3, 3)
            let tanhCells = random.floats(3 + stateCount), hiddenGradient = random.floats(4 + stateCount)
            let cellGradient = random.floats(stateCount), gateGradients = random.floats(6 + gateCount + 2)
            var (dc1, dg1) = (cellGradient, gateGradients), (dc2, dg2) = (cellGradient, gateGradients)
            lstmCellBackward(gates: gates, gatesOffset: 2, cells: cells, previousOffset: 1, tanhCells: tanhCells, tanhOffset: 3,
                             hiddenGradient: hiddenGradient, hiddenGradientOffset: 4, cellGradient: &dc1,
                             gateGradients: &dg1, gateGradientsOffset: 6, batch: batch, hiddenSize: hiddenSize, using: set)
            ReferenceKernels.lstmCellBackward(gates: gates, gatesOffset: 2, cells: cells, previousOffset: 1,
                                              tanhCells: tanhCells, tanhOffset: 3, hiddenGradient: hiddenGradient,
                                              hiddenGradientOffset: 4, cellGradient: &dc2, gateGradients: &dg2,
                                              gateGradientsOffset: 6, batch: batch, hiddenSize: hiddenSize)
            #expect(zip(dc1, dc2).allSatisfy(Self.close), "\(set) B=\(batch) H=\(hiddenSize): dc differs")
            #expect(zip(dg1, dg2).allSatisfy(Self.close), "\(set) B=\(batch) H=\(hiddenSize): dgates differ")
            #expect(dg1[..<6] == gateGradients[..<6] && dg1[(6 + gateCount)...] == gateGradients[(6 + gateCount)...],
                    "\(set) B=\(batch) H=\(hiddenSize): dgates written outside its window")
        }
    }

    @Test(arguments: InstructionSet.supported)
    func cellBackwardOverTheGatesGivesTheSameGradients(set: InstructionSet) {
        var random = TestRandom(seed: 53)
        for (batch, hiddenSize) in [(1, 1), (3, 5), (2, 16), (4, 17), (5, 33)] {
            let stateCount = batch * hiddenSize, gateCount = 4 * stateCount
            let gates = random.floats(2 + gateCount + 3, 0, 1), cells = random.floats(stateCount, -3, 3)
            let tanhCells = random.floats(stateCount), hiddenGradient = random.floats(stateCount), cellGradient = random.floats(stateCount)
            var (dc1, dg1) = (cellGradient, [Float](repeating: .nan, count: gates.count))
            lstmCellBackward(gates: gates, gatesOffset: 2, cells: cells, previousOffset: 0, tanhCells: tanhCells, tanhOffset: 0,
                             hiddenGradient: hiddenGradient, hiddenGradientOffset: 0, cellGradient: &dc1,
                             gateGradients: &dg1, gateGradientsOffset: 2, batch: batch, hiddenSize: hiddenSize, using: set)
            var (dc2, inPlace) = (cellGradient, gates)
            lstmCellBackward(replacingGates: &inPlace, gatesOffset: 2, cells: cells, previousOffset: 0, tanhCells: tanhCells,
                             tanhOffset: 0, hiddenGradient: hiddenGradient, hiddenGradientOffset: 0, cellGradient: &dc2,
                             batch: batch, hiddenSize: hiddenSize, using: set)
            #expect(dc1.map(\.bitPattern) == dc2.map(\.bitPattern), "\(set) B=\(batch) H=\(hiddenSize): dc")
            #expect(dg1[2 ..< 2 + gateCount].map(\.bitPattern) == inPlace[2 ..< 2 + gateCount].map(\.bitPattern),
                    "\(set) B=\(batch) H=\(hiddenSize): dgates")
            #expect(inPlace[..<2] == gates[..<2] && inPlace[(2 + gateCount)...] == gates[(2 + gateCount)...],
                    "\(set) B=\(batch) H=\(hiddenSize): written outside the tile")
        }
    }

    /// FAST_ACTIVATIONS_REPORT=1 prints the worst error measured (the figure behind the documented bound).
    private func report(_ name: String, _ worst: (error: Double, x: Float)) {
        if ProcessInfo.processInfo.environment["FAST_ACTIVATIONS_REPORT"] != nil {
            print("\(name): worst error \(worst.error) (\(worst.error / 0x1p-24) × 2⁻²⁴) at x = \(worst.x)")
        }
    }
}
