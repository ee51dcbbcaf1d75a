import Foundation
import Testing
import ForecastKernels

/// The GRU cell kernel (fast σ and tanh) against its reference (exact functions), on every
/// instruction set this CPU supports and on sizes that are not multiples of any vector width.
@Suite struct GRUCellTests {
    /// Random gate tiles and a previous state, at offsets inside larger buffers.
    static func tiles(batch: Int, hiddenSize: Int, seed: UInt64) -> (input: [Float], hidden: [Float], state: [Float]) {
        var generator = TestRandom(seed: seed)
        let h3 = 3 * batch * hiddenSize
        let input = (0..<(h3 + 7)).map { _ in Float(generator.double(-4, 4)) }
        let hidden = (0..<(h3 + 5)).map { _ in Float(generator.double(-4, 4)) }
        let state = (0..<(2 * batch * hiddenSize + 3)).map { _ in Float(generator.double(-1, 1)) }
        return (input, hidden, state)
    }

    @Test(arguments: InstructionSet.supported)
    func fastCellMatchesTheReferenceWithinTheActivationsError(set: InstructionSet) {
        for (batch, hiddenSize) in [(1, 1), (3, 5), (2, 17), (4, 33), (1, 64)] {
            var (input, hidden, state) = Self.tiles(batch: batch, hiddenSize: hiddenSize, seed: UInt64(batch * 100 + hiddenSize))
            var (referenceInput, referenceState) = (input, state)
            let stateCount = batch * hiddenSize
            gruCellForward(inputGates: &input, inputGatesOffset: 7, hiddenGates: hidden, hiddenGatesOffset: 5,
                           hidden: &state, previousOffset: 3, currentOffset: 3 + stateCount,
                           batch: batch, hiddenSize: hiddenSize, using: set)
            ReferenceKernels.gruCellForward(inputGates: &referenceInput, inputGatesOffset: 7, hiddenGates: hidden, hiddenGatesOffset: 5,
                                            hidden: &referenceState, previousOffset: 3, currentOffset: 3 + stateCount,
                                            batch: batch, hiddenSize: hiddenSize)
            // r, z, n within a few ulps of 1 (σ and tanh are within 2.5e-7 relative, 1.2e-7 absolute, and n
            // reads r); h_t = n + z (h − n) adds a few more roundings of O(1) values.
            for (index, (fast, exact)) in zip(input, referenceInput).enumerated() {
                #expect(abs(fast - exact) <= 2e-6, "\(set) B=\(batch) H=\(hiddenSize): gate \(index) \(fast) vs \(exact)")
            }
            for (index, (fast, exact)) in zip(state, referenceState).enumerated() {
                #expect(abs(fast - exact) <= 4e-6, "\(set) B=\(batch) H=\(hiddenSize): h \(index) \(fast) vs \(exact)")
            }
            // Outside the tiles nothing moved.
            #expect(Array(input[0..<7]) == Array(referenceInput[0..<7]))
            #expect(Array(state[0..<3]) == Array(referenceState[0..<3]))
        }
    }

    @Test func backwardMatchesCentralDifferencesOfTheReferenceCell() {
        // L = Σ w ⊙ h_t; the kernel's dgx, dgh and dh ⊙ z against differences of the exact forward in
        // Double-summed loss, at one row of B = 2, H = 3.
        let (batch, hiddenSize) = (2, 3), h3 = 9
        let (input, hidden, state) = Self.tiles(batch: batch, hiddenSize: hiddenSize, seed: 99)
        var generator = TestRandom(seed: 5)
        let weights = (0..<(batch * hiddenSize)).map { _ in Float(generator.double(-1, 1)) }
        func loss(_ input: [Float], _ hidden: [Float], _ previous: [Float]) -> Double {
            var gates = input, next = previous + [Float](repeating: 0, count: batch * hiddenSize)
            ReferenceKernels.gruCellForward(inputGates: &gates, inputGatesOffset: 0, hiddenGates: hidden, hiddenGatesOffset: 0,
                                            hidden: &next, previousOffset: 0, currentOffset: batch * hiddenSize,
                                            batch: batch, hiddenSize: hiddenSize)
            return zip(weights, next[(batch * hiddenSize)...]).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        let gx = Array(input[0..<(batch * h3)]), gh = Array(hidden[0..<(batch * h3)]), previous = Array(state[0..<(batch * hiddenSize)])
        var gates = gx, next = previous + [Float](repeating: 0, count: batch * hiddenSize)
        ReferenceKernels.gruCellForward(inputGates: &gates, inputGatesOffset: 0, hiddenGates: gh, hiddenGatesOffset: 0,
                                        hidden: &next, previousOffset: 0, currentOffset: batch * hiddenSize,
                                        batch: batch, hiddenSize: hiddenSize)
        var hiddenGates = gh, dh = weights
        gruCellBackward(gates: &gates, gatesOffset: 0, hiddenGates: &hiddenGates, hiddenGatesOffset: 0,
                        hidden: previous, previousOffset: 0, hiddenGradient: &dh, hiddenGradientOffset: 0,
                        batch: batch, hiddenSize: hiddenSize)
        let step: Float = 1e-2
        func difference(_ perturb: (Float) -> Double) -> Double { (perturb(step) - perturb(-step)) / Double(2 * step) }
        for index in gx.indices {
            let numeric = difference { d in var x = gx; x[index] += d; return loss(x, gh, previous) }
            #expect(abs(Double(gates[index]) - numeric) <= 2e-4 + 2e-3 * abs(numeric), "dgx[\(index)]: \(gates[index]) vs \(numeric)")
        }
        for index in gh.indices {
            let numeric = difference { d in var x = gh; x[index] += d; return loss(gx, x, previous) }
            #expect(abs(Double(hiddenGates[index]) - numeric) <= 2e-4 + 2e-3 * abs(numeric), "dgh[\(index)]: \(hiddenGates[index]) vs \(numeric)")
        }
        // dh ⊙ z is the direct part of dL/dh_{t−1}: the whole of it when W_hh is absent, as here.
        for index in previous.indices {
            let numeric = difference { d in var x = previous; x[index] += d; return loss(gx, gh, x) }
            #expect(abs(Double(dh[index]) - numeric) <= 2e-4 + 2e-3 * abs(numeric), "dh[\(index)]: \(dh[index]) vs \(numeric)")
        }
    }
}
