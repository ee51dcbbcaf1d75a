import Foundation

// Elementwise activations and the fused LSTM cell update.
//
// The cell kernels work on one time step of a batch: a gate tile of shape [B, 4H] whose rows hold
// the four gates in PyTorch's order i, f, g, o (each H wide), and state tiles of shape [B, H].
// Reference: https://pytorch.org/docs/stable/generated/torch.nn.LSTM.html

/// The logistic function 1 / (1 + e^−x).
@inlinable
public func sigmoid(_ x: Float) -> Float {
    1 / (1 + exp(-x))
}

/// The derivative of the sigmoid, written in terms of its output y = σ(x): y (1 − y).
@inlinable
public func sigmoidDerivative(output y: Float) -> Float {
    y * (1 - y)
}

/// The derivative of tanh, written in terms of its output y = tanh(x): 1 − y².
@inlinable
public func tanhDerivative(output y: Float) -> Float {
    1 - y * y
}

/// One LSTM time step after the gate products, fused in one pass over the gate tile.
///
/// - gates: [B, 4H] pre-activations (x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) in; activations out:
///   i = σ, f = σ, g = tanh, o = σ. The backward pass reads them.
/// - cells: c_{t−1} [B, H] read at `previousOffset`, c_t = f ⊙ c_{t−1} + i ⊙ g written at `currentOffset`.
/// - tanhCells: tanh(c_t) [B, H] written at `tanhOffset` (kept for the backward pass).
/// - hidden: h_t = o ⊙ tanh(c_t) [B, H] written at `hiddenOffset`.
public func lstmCellForward(
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

/// The backward pass of ``lstmCellForward``, for one time step.
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
public func lstmCellBackward(
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
