import Foundation
import Testing
import ForecastKernels

/// The activations and the fused LSTM cell against the equations written out in Double.
@Suite struct ActivationsTests {
    // MARK: sigmoid

    @Test func sigmoidMatchesTheDoubleFormulaFromMinus100To100() {
        // |σ(x) − 1/(1 + e^−x)| ≤ 1e-6 · σ(x) + 1e-38: a few ulps relative, plus an absolute floor for
        // x < −88, where e^−x overflows Float and σ returns 0 instead of a value below 1e-38.
        var inputs = stride(from: -100.0, through: 100.0, by: 0.125).map { Float($0) }
        inputs += [-1e-3, 1e-3, -88, 88, -89, 89, 15.5, 16.7, 17, -17]
        for x in inputs {
            let y = sigmoid(x)
            let reference = 1 / (1 + exp(-Double(x)))
            #expect(!y.isNaN && y >= 0 && y <= 1, "σ(\(x)) = \(y)")
            #expect(abs(Double(y) - reference) <= 1e-6 * reference + 1e-38, "σ(\(x)) = \(y), expected \(reference)")
        }
    }

    @Test func sigmoidSaturatesWithoutNaNForHugeInputs() {
        for x: Float in [-1e30, -1000, -100, -Float.infinity] {
            #expect(sigmoid(x) == 0, "σ(\(x))")
        }
        for x: Float in [1e30, 1000, 100, Float.infinity] {
            #expect(sigmoid(x) == 1, "σ(\(x))")
        }
        #expect(sigmoid(0) == 0.5)
    }

    @Test func activationDerivativesMatchTheDoubleDerivatives() {
        // σ'(x) = e^−x / (1 + e^−x)², tanh'(x) = 1 / cosh²(x); tolerance 1e-6 absolute.
        for x in stride(from: -8.0, through: 8.0, by: 0.25) {
            let sigmoidSlope = exp(-x) / ((1 + exp(-x)) * (1 + exp(-x)))
            let tanhSlope = 1 / (cosh(x) * cosh(x))
            #expect(abs(Double(sigmoidDerivative(output: sigmoid(Float(x)))) - sigmoidSlope) <= 1e-6, "σ'(\(x))")
            #expect(abs(Double(tanhDerivative(output: tanh(Float(x)))) - tanhSlope) <= 1e-6, "tanh'(\(x))")
        }
    }

    // MARK: LSTM cell

    static let batch = 3, hiddenSize = 5
    static let stateCount = batch * hiddenSize, gateCount = batch * 4 * hiddenSize
    /// Kernel against Double: |kernel − reference| ≤ 2e-6 + 1e-5 · |reference| (a few Float ulps of O(1) values).
    static func close(_ value: Float, _ reference: Double) -> Bool {
        abs(Double(value) - reference) <= 2e-6 + 1e-5 * abs(reference)
    }

    @Test func cellForwardMatchesTheLSTMEquationsInDouble() {
        var random = TestRandom(seed: 5)
        let (b, h) = (Self.batch, Self.hiddenSize)
        let preActivations = random.floats(Self.gateCount, -3, 3)
        let previousCells = random.floats(Self.stateCount, -2, 2)

        // Every tile at an offset inside a larger buffer; c(t−1) and c(t) in one buffer with a gap between.
        let gatesOffset = 7, previousOffset = 2, currentOffset = 2 + Self.stateCount + 3, tanhOffset = 4, hiddenOffset = 1
        var gates = random.floats(gatesOffset + Self.gateCount + 5)
        gates.replaceSubrange(gatesOffset ..< gatesOffset + Self.gateCount, with: preActivations)
        var cells = random.floats(currentOffset + Self.stateCount + 2)
        cells.replaceSubrange(previousOffset ..< previousOffset + Self.stateCount, with: previousCells)
        var tanhCells = random.floats(tanhOffset + Self.stateCount + 3)
        var hidden = random.floats(hiddenOffset + Self.stateCount + 4)
        let (gatesBefore, cellsBefore, tanhBefore, hiddenBefore) = (gates, cells, tanhCells, hidden)

        lstmCellForward(gates: &gates, gatesOffset: gatesOffset,
                        cells: &cells, previousOffset: previousOffset, currentOffset: currentOffset,
                        tanhCells: &tanhCells, tanhOffset: tanhOffset,
                        hidden: &hidden, hiddenOffset: hiddenOffset,
                        batch: b, hiddenSize: h)

        for row in 0..<b {
            let cell = ReferenceCell(
                preActivations: preActivations[row * 4 * h ..< (row + 1) * 4 * h].map(Double.init),
                previousCell: previousCells[row * h ..< (row + 1) * h].map(Double.init))
            for j in 0..<h {
                for (gate, activation) in [cell.i, cell.f, cell.g, cell.o].enumerated() {
                    let index = gatesOffset + row * 4 * h + gate * h + j
                    #expect(Self.close(gates[index], activation[j]), "row \(row) gate \(gate) unit \(j)")
                }
                #expect(Self.close(cells[currentOffset + row * h + j], cell.c[j]), "c row \(row) unit \(j)")
                #expect(Self.close(tanhCells[tanhOffset + row * h + j], cell.tanhC[j]), "tanh c row \(row) unit \(j)")
                #expect(Self.close(hidden[hiddenOffset + row * h + j], cell.h[j]), "h row \(row) unit \(j)")
            }
        }
        // Nothing outside the four windows changes, and c(t−1) is only read.
        #expect(Self.outside(gatesOffset, Self.gateCount, of: gates) == Self.outside(gatesOffset, Self.gateCount, of: gatesBefore))
        #expect(Self.outside(currentOffset, Self.stateCount, of: cells) == Self.outside(currentOffset, Self.stateCount, of: cellsBefore))
        #expect(Self.outside(tanhOffset, Self.stateCount, of: tanhCells) == Self.outside(tanhOffset, Self.stateCount, of: tanhBefore))
        #expect(Self.outside(hiddenOffset, Self.stateCount, of: hidden) == Self.outside(hiddenOffset, Self.stateCount, of: hiddenBefore))
    }

    @Test func cellBackwardMatchesTheLSTMDerivativesInDouble() {
        var random = TestRandom(seed: 6)
        let (b, h) = (Self.batch, Self.hiddenSize)
        let preActivations = random.floats(Self.gateCount, -3, 3)
        let previousCells = random.floats(Self.stateCount, -2, 2)
        let hiddenGradient = random.floats(Self.stateCount)
        let nextCellGradient = random.floats(Self.stateCount)

        // The forward pass supplies the saved activations, as in the layer.
        var gates = preActivations, cells = previousCells + [Float](repeating: 0, count: Self.stateCount)
        var tanhCells = [Float](repeating: 0, count: Self.stateCount), hidden = tanhCells
        lstmCellForward(gates: &gates, gatesOffset: 0, cells: &cells, previousOffset: 0, currentOffset: Self.stateCount,
                        tanhCells: &tanhCells, tanhOffset: 0, hidden: &hidden, hiddenOffset: 0, batch: b, hiddenSize: h)

        // Backward reads from and writes to offsets inside larger buffers.
        let gatesOffset = 3, previousOffset = 5, tanhOffset = 2, hiddenGradientOffset = 4, gateGradientsOffset = 6
        let savedGates = random.floats(gatesOffset) + gates + random.floats(2)
        let savedCells = random.floats(previousOffset) + previousCells + random.floats(2)
        let savedTanh = random.floats(tanhOffset) + tanhCells + random.floats(2)
        let dh = random.floats(hiddenGradientOffset) + hiddenGradient + random.floats(2)
        var cellGradient = nextCellGradient
        var gateGradients = random.floats(gateGradientsOffset + Self.gateCount + 4)
        let gateGradientsBefore = gateGradients

        lstmCellBackward(gates: savedGates, gatesOffset: gatesOffset,
                         cells: savedCells, previousOffset: previousOffset,
                         tanhCells: savedTanh, tanhOffset: tanhOffset,
                         hiddenGradient: dh, hiddenGradientOffset: hiddenGradientOffset,
                         cellGradient: &cellGradient,
                         gateGradients: &gateGradients, gateGradientsOffset: gateGradientsOffset,
                         batch: b, hiddenSize: h)

        for row in 0..<b {
            let cell = ReferenceCell(
                preActivations: preActivations[row * 4 * h ..< (row + 1) * 4 * h].map(Double.init),
                previousCell: previousCells[row * h ..< (row + 1) * h].map(Double.init))
            let (dPre, dPrevious) = cell.backward(
                hiddenGradient: hiddenGradient[row * h ..< (row + 1) * h].map(Double.init),
                cellGradient: nextCellGradient[row * h ..< (row + 1) * h].map(Double.init))
            for index in 0..<(4 * h) {
                #expect(Self.close(gateGradients[gateGradientsOffset + row * 4 * h + index], dPre[index]),
                        "dgates row \(row) index \(index)")
            }
            for j in 0..<h {
                #expect(Self.close(cellGradient[row * h + j], dPrevious[j]), "dc(t−1) row \(row) unit \(j)")
            }
        }
        #expect(Self.outside(gateGradientsOffset, Self.gateCount, of: gateGradients)
                == Self.outside(gateGradientsOffset, Self.gateCount, of: gateGradientsBefore))
    }

    @Test func doubleReferenceCellBackwardMatchesFiniteDifferences() {
        // The reference the kernel is compared with, checked in turn: L = Σ dh ⊙ h + Σ dc ⊙ c, central
        // differences with step 1e-6 in Double; |analytic − numeric| ≤ 1e-8 (measured worst ≈ 1e-10).
        var random = TestRandom(seed: 8)
        let h = Self.hiddenSize
        let pre = (0..<(4 * h)).map { _ in random.double(-3, 3) }
        let previous = (0..<h).map { _ in random.double(-2, 2) }
        let dh = (0..<h).map { _ in random.double() }, dc = (0..<h).map { _ in random.double() }
        func loss(_ pre: [Double], _ previous: [Double]) -> Double {
            let cell = ReferenceCell(preActivations: pre, previousCell: previous)
            return zip(dh, cell.h).map(*).reduce(0, +) + zip(dc, cell.c).map(*).reduce(0, +)
        }
        let (dPre, dPrevious) = ReferenceCell(preActivations: pre, previousCell: previous)
            .backward(hiddenGradient: dh, cellGradient: dc)
        let step = 1e-6
        for index in pre.indices {
            var plus = pre, minus = pre
            plus[index] += step; minus[index] -= step
            let numeric = (loss(plus, previous) - loss(minus, previous)) / (2 * step)
            #expect(abs(dPre[index] - numeric) <= 1e-8, "d pre-activation \(index)")
        }
        for index in previous.indices {
            var plus = previous, minus = previous
            plus[index] += step; minus[index] -= step
            let numeric = (loss(pre, plus) - loss(pre, minus)) / (2 * step)
            #expect(abs(dPrevious[index] - numeric) <= 1e-8, "dc(t−1) \(index)")
        }
    }

    /// The elements of `buffer` outside `count` elements at `offset`.
    static func outside(_ offset: Int, _ count: Int, of buffer: [Float]) -> [UInt32] {
        (Array(buffer[..<offset]) + Array(buffer[(offset + count)...])).map(\.bitPattern)
    }
}

/// One row of an LSTM cell step written out in Double, straight from the equations:
/// i, f, o = σ(z), g = tanh(z) over the pre-activations z = [z_i, z_f, z_g, z_o];
/// c = f ⊙ c_prev + i ⊙ g; h = o ⊙ tanh(c).
struct ReferenceCell {
    let previousCell: [Double]
    let i: [Double], f: [Double], g: [Double], o: [Double]
    let c: [Double], tanhC: [Double], h: [Double]

    init(preActivations z: [Double], previousCell: [Double]) {
        let n = previousCell.count
        func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
        self.previousCell = previousCell
        i = (0..<n).map { sigmoid(z[$0]) }
        f = (0..<n).map { sigmoid(z[n + $0]) }
        g = (0..<n).map { tanh(z[2 * n + $0]) }
        o = (0..<n).map { sigmoid(z[3 * n + $0]) }
        let (i, f, g, o) = (i, f, g, o)
        c = (0..<n).map { f[$0] * previousCell[$0] + i[$0] * g[$0] }
        tanhC = c.map { tanh($0) }
        let tanhC = tanhC
        h = (0..<n).map { o[$0] * tanhC[$0] }
    }

    /// Given dL/dh and dL/dc from above, dL/dz [4H] (order i, f, g, o) and dL/dc_prev [H].
    func backward(hiddenGradient dh: [Double], cellGradient dcNext: [Double]) -> ([Double], [Double]) {
        let n = previousCell.count
        var dz = [Double](repeating: 0, count: 4 * n), dPrevious = [Double](repeating: 0, count: n)
        for j in 0..<n {
            let dc = dcNext[j] + dh[j] * o[j] * (1 - tanhC[j] * tanhC[j])
            dz[j] = dc * g[j] * i[j] * (1 - i[j])
            dz[n + j] = dc * previousCell[j] * f[j] * (1 - f[j])
            dz[2 * n + j] = dc * i[j] * (1 - g[j] * g[j])
            dz[3 * n + j] = dh[j] * tanhC[j] * o[j] * (1 - o[j])
            dPrevious[j] = dc * f[j]
        }
        return (dz, dPrevious)
    }
}
