import Foundation

/// The plain Swift version of every fast kernel: straightforward loops in the order of the
/// equations, with the exact `exp` and `tanh` of the platform. They are what the fast kernels
/// (C, dispatched by ``InstructionSet``) are tested against, and the place to read what a kernel
/// computes. Same signatures as the fast kernels, without the instruction set.
public enum ReferenceKernels {
    /// C[M×N] (+)= A[M×K] · B[K×N]
    ///
    /// Used for `dX = dGates · W` (the gradient flowing back through a weight of shape [out, in]).
    public static func matmul(
        _ a: [Float], aOffset: Int = 0,
        _ b: [Float], bOffset: Int = 0,
        into c: inout [Float], cOffset: Int = 0,
        m: Int, n: Int, k: Int, mode: ProductMode
    ) {
        checkBounds(a.count, aOffset, m * k, "A")
        checkBounds(b.count, bOffset, k * n, "B")
        checkBounds(c.count, cOffset, m * n, "C")
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    let a = a.baseAddress! + aOffset, b = b.baseAddress! + bOffset, c = c.baseAddress! + cOffset
                    for i in 0..<m {
                        let cRow = c + i * n
                        if mode == .overwrite { cRow.update(repeating: 0, count: n) }
                        for p in 0..<k {
                            let aip = a[i * k + p]
                            let bRow = b + p * n
                            for j in 0..<n { cRow[j] += aip * bRow[j] }
                        }
                    }
                }
            }
        }
    }

    /// C[M×N] (+)= A[M×K] · B[N×K]ᵀ
    ///
    /// The forward form of every layer: inputs [rows, in] times a PyTorch weight [out, in].
    public static func matmulTransposedB(
        _ a: [Float], aOffset: Int = 0,
        _ b: [Float], bOffset: Int = 0,
        into c: inout [Float], cOffset: Int = 0,
        m: Int, n: Int, k: Int, mode: ProductMode
    ) {
        checkBounds(a.count, aOffset, m * k, "A")
        checkBounds(b.count, bOffset, n * k, "B")
        checkBounds(c.count, cOffset, m * n, "C")
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    let a = a.baseAddress! + aOffset, b = b.baseAddress! + bOffset, c = c.baseAddress! + cOffset
                    for i in 0..<m {
                        let aRow = a + i * k
                        for j in 0..<n {
                            let bRow = b + j * k
                            var sum: Float = 0
                            for p in 0..<k { sum += aRow[p] * bRow[p] }
                            if mode == .overwrite { c[i * n + j] = sum } else { c[i * n + j] += sum }
                        }
                    }
                }
            }
        }
    }

    /// C[M×N] (+)= A[K×M]ᵀ · B[K×N]
    ///
    /// The weight-gradient form: `dW[out, in] += dY[rows, out]ᵀ · X[rows, in]`, summed over rows.
    public static func matmulTransposedA(
        _ a: [Float], aOffset: Int = 0,
        _ b: [Float], bOffset: Int = 0,
        into c: inout [Float], cOffset: Int = 0,
        m: Int, n: Int, k: Int, mode: ProductMode
    ) {
        checkBounds(a.count, aOffset, k * m, "A")
        checkBounds(b.count, bOffset, k * n, "B")
        checkBounds(c.count, cOffset, m * n, "C")
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    let a = a.baseAddress! + aOffset, b = b.baseAddress! + bOffset, c = c.baseAddress! + cOffset
                    if mode == .overwrite { c.update(repeating: 0, count: m * n) }
                    for p in 0..<k {
                        let aRow = a + p * m, bRow = b + p * n
                        for i in 0..<m {
                            let api = aRow[i]
                            let cRow = c + i * n
                            for j in 0..<n { cRow[j] += api * bRow[j] }
                        }
                    }
                }
            }
        }
    }

    /// One LSTM time step after the gate products, fused in one pass over the gate tile.
    ///
    /// - gates: [B, 4H] pre-activations (x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) in; activations out:
    ///   i = σ, f = σ, g = tanh, o = σ. The backward pass reads them.
    /// - cells: c_{t−1} [B, H] read at `previousOffset`, c_t = f ⊙ c_{t−1} + i ⊙ g written at `currentOffset`.
    /// - tanhCells: tanh(c_t) [B, H] written at `tanhOffset` (kept for the backward pass).
    /// - hidden: h_t = o ⊙ tanh(c_t) [B, H] written at `hiddenOffset`.
    public static func lstmCellForward(
        gates: inout [Float], gatesOffset: Int,
        cells: inout [Float], previousOffset: Int, currentOffset: Int,
        tanhCells: inout [Float], tanhOffset: Int,
        hidden: inout [Float], hiddenOffset: Int,
        batch: Int, hiddenSize: Int
    ) {
        let h4 = 4 * hiddenSize, stateCount = batch * hiddenSize
        checkBounds(gates.count, gatesOffset, batch * h4, "gates")
        checkBounds(cells.count, previousOffset, stateCount, "c(t-1)")
        checkBounds(cells.count, currentOffset, stateCount, "c(t)")
        checkBounds(tanhCells.count, tanhOffset, stateCount, "tanh c")
        checkBounds(hidden.count, hiddenOffset, stateCount, "h")
        gates.withUnsafeMutableBufferPointer { gates in
            cells.withUnsafeMutableBufferPointer { cells in
                tanhCells.withUnsafeMutableBufferPointer { tanhCells in
                    hidden.withUnsafeMutableBufferPointer { hidden in
                        for b in 0..<batch {
                            let g = gates.baseAddress! + gatesOffset + b * h4
                            let cPrev = cells.baseAddress! + previousOffset + b * hiddenSize
                            let c = cells.baseAddress! + currentOffset + b * hiddenSize
                            let tc = tanhCells.baseAddress! + tanhOffset + b * hiddenSize
                            let h = hidden.baseAddress! + hiddenOffset + b * hiddenSize
                            for j in 0..<hiddenSize {
                                let i = sigmoid(g[j])
                                let f = sigmoid(g[hiddenSize + j])
                                let gg = tanh(g[2 * hiddenSize + j])
                                let o = sigmoid(g[3 * hiddenSize + j])
                                g[j] = i; g[hiddenSize + j] = f; g[2 * hiddenSize + j] = gg; g[3 * hiddenSize + j] = o
                                let cell = f * cPrev[j] + i * gg
                                c[j] = cell
                                let tanhCell = tanh(cell)
                                tc[j] = tanhCell
                                h[j] = o * tanhCell
                            }
                        }
                    }
                }
            }
        }
    }

    /// The backward pass of ``lstmCellForward(gates:gatesOffset:cells:previousOffset:currentOffset:tanhCells:tanhOffset:hidden:hiddenOffset:batch:hiddenSize:)``, for one time step.
    ///
    /// In the forward pass this was: c_t = f ⊙ c_{t−1} + i ⊙ g, h_t = o ⊙ tanh(c_t); so now:
    /// - dc_t = dc (from step t+1) + dh ⊙ o ⊙ (1 − tanh²(c_t))
    /// - do = dh ⊙ tanh(c_t), di = dc_t ⊙ g, dg = dc_t ⊙ i, df = dc_t ⊙ c_{t−1}, dc_{t−1} = dc_t ⊙ f
    /// - and through the activations to the pre-activation gradients written to `gateGradients`.
    ///
    /// - gates: [B, 4H] activations saved by the forward pass.
    /// - cells: c_{t−1} [B, H] at `previousOffset`; tanhCells: tanh(c_t) [B, H] at `tanhOffset`.
    /// - hiddenGradient: dL/dh_t [B, H] (from the layer above and from step t+1) at `hiddenGradientOffset`.
    /// - cellGradient: [B, H], dL/dc_t from step t+1 in, dL/dc_{t−1} out.
    /// - gateGradients: [B, 4H] pre-activation gradients written at `gateGradientsOffset`.
    public static func lstmCellBackward(
        gates: [Float], gatesOffset: Int,
        cells: [Float], previousOffset: Int,
        tanhCells: [Float], tanhOffset: Int,
        hiddenGradient: [Float], hiddenGradientOffset: Int,
        cellGradient: inout [Float],
        gateGradients: inout [Float], gateGradientsOffset: Int,
        batch: Int, hiddenSize: Int
    ) {
        let h4 = 4 * hiddenSize, stateCount = batch * hiddenSize
        checkBounds(gates.count, gatesOffset, batch * h4, "gates")
        checkBounds(cells.count, previousOffset, stateCount, "c(t-1)")
        checkBounds(tanhCells.count, tanhOffset, stateCount, "tanh c")
        checkBounds(hiddenGradient.count, hiddenGradientOffset, stateCount, "dh")
        checkBounds(cellGradient.count, 0, stateCount, "dc")
        checkBounds(gateGradients.count, gateGradientsOffset, batch * h4, "dgates")
        gates.withUnsafeBufferPointer { gates in
            cells.withUnsafeBufferPointer { cells in
                tanhCells.withUnsafeBufferPointer { tanhCells in
                    hiddenGradient.withUnsafeBufferPointer { hiddenGradient in
                        cellGradient.withUnsafeMutableBufferPointer { cellGradient in
                            gateGradients.withUnsafeMutableBufferPointer { gateGradients in
                                for b in 0..<batch {
                                    let g = gates.baseAddress! + gatesOffset + b * h4
                                    let cPrev = cells.baseAddress! + previousOffset + b * hiddenSize
                                    let tc = tanhCells.baseAddress! + tanhOffset + b * hiddenSize
                                    let dh = hiddenGradient.baseAddress! + hiddenGradientOffset + b * hiddenSize
                                    let dc = cellGradient.baseAddress! + b * hiddenSize
                                    let dg = gateGradients.baseAddress! + gateGradientsOffset + b * h4
                                    for j in 0..<hiddenSize {
                                        let i = g[j], f = g[hiddenSize + j], gg = g[2 * hiddenSize + j], o = g[3 * hiddenSize + j]
                                        let tanhCell = tc[j]
                                        let dCell = dc[j] + dh[j] * o * tanhDerivative(output: tanhCell)
                                        dg[j] = dCell * gg * sigmoidDerivative(output: i)
                                        dg[hiddenSize + j] = dCell * cPrev[j] * sigmoidDerivative(output: f)
                                        dg[2 * hiddenSize + j] = dCell * i * tanhDerivative(output: gg)
                                        dg[3 * hiddenSize + j] = dh[j] * tanhCell * sigmoidDerivative(output: o)
                                        dc[j] = dCell * f
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// destination[cols × rows] = sourceᵀ for a row-major source[rows × cols].
    public static func transpose(_ source: [Float], rows: Int, cols: Int, into destination: inout [Float]) {
        checkBounds(source.count, 0, rows * cols, "source")
        checkBounds(destination.count, 0, rows * cols, "destination")
        for r in 0..<rows {
            for c in 0..<cols { destination[c * rows + r] = source[r * cols + c] }
        }
    }

    /// gates[B × 4H] = x[B × I] · W_ihᵀ + h[B × H] · W_hhᵀ + bias[4H], with the transposed weights
    /// W_ihᵀ [I × 4H] and W_hhᵀ [H × 4H]: the bias copied into every row, then two products added.
    public static func lstmGates(
        input: [Float], inputOffset: Int = 0, inputWeightsTransposed: [Float],
        hidden: [Float], hiddenOffset: Int = 0, hiddenWeightsTransposed: [Float],
        bias: [Float], into gates: inout [Float], gatesOffset: Int = 0,
        batch: Int, inputSize: Int, hiddenSize: Int
    ) {
        let h4 = 4 * hiddenSize
        checkBounds(bias.count, 0, h4, "bias")
        checkBounds(gates.count, gatesOffset, batch * h4, "gates")
        for row in 0..<batch {
            for j in 0..<h4 { gates[gatesOffset + row * h4 + j] = bias[j] }
        }
        matmul(input, aOffset: inputOffset, inputWeightsTransposed, into: &gates, cOffset: gatesOffset,
               m: batch, n: h4, k: inputSize, mode: .accumulate)
        matmul(hidden, aOffset: hiddenOffset, hiddenWeightsTransposed, into: &gates, cOffset: gatesOffset,
               m: batch, n: h4, k: hiddenSize, mode: .accumulate)
    }

    /// One Adam (or AdamW) update of every element, PyTorch's rule in PyTorch's order of operations,
    /// one element at a time:
    /// ```
    /// Adam: g ← g + λp     AdamW: p ← p − lr·λ·p
    /// m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  p ← p − stepSize · m / (√v / √(1 − β2ᵗ) + ε)
    /// ```
    public static func adamUpdate(values: inout [Float], gradients: [Float], firstMoments: inout [Float],
                                  secondMoments: inout [Float], step: AdamStep) {
        let count = values.count
        precondition(gradients.count == count && firstMoments.count == count && secondMoments.count == count,
                     "adamUpdate: buffers of different sizes")
        guard count > 0 else { return }
        let s = step
        values.withUnsafeMutableBufferPointer { p in
            gradients.withUnsafeBufferPointer { g in
                firstMoments.withUnsafeMutableBufferPointer { m in
                    secondMoments.withUnsafeMutableBufferPointer { v in
                        for j in 0..<count {
                            var gradient = g[j]
                            if s.weightDecay != 0 {
                                if s.decoupledWeightDecay { p[j] *= 1 - s.learningRate * s.weightDecay } else { gradient += s.weightDecay * p[j] }
                            }
                            let first = s.beta1 * m[j] + (1 - s.beta1) * gradient
                            let second = s.beta2 * v[j] + (1 - s.beta2) * gradient * gradient
                            m[j] = first
                            v[j] = second
                            p[j] -= s.stepSize * first / (second.squareRoot() / s.biasCorrection2Root + s.epsilon)
                        }
                    }
                }
            }
        }
    }
}
