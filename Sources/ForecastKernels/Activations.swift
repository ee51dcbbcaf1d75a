import CForecastKernels
import Foundation

// Activations and the fused LSTM cell update.
//
// The cell kernels work on one time step of a batch: a gate tile of shape [B, 4H] whose rows hold
// the four gates in PyTorch's order i, f, g, o (each H wide), and state tiles of shape [B, H].
// Reference: https://pytorch.org/docs/stable/generated/torch.nn.LSTM.html

/// The logistic function 1 / (1 + e^−x), exact to the platform's `exp`.
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

// MARK: - Fast activations

/// The accuracy of the fast σ and tanh the LSTM cell kernels use, against the exact functions.
///
/// Both come from one range-reduced exponential (Cephes' `expf` polynomial, < 1 ulp) and one
/// division: σ(x) = 1 / (1 + e^−x) (or e^x / (1 + e^x) below 0), tanh(x) = ±(1 − e) / (1 + e) with
/// e = e^−2|x|. Near 0, 1 − e cancels, so tanh's error is absolute there: about one ulp of 1, which is
/// what counts in the cell, where tanh values are scaled by gates in (0, 1) and added to O(1) states.
/// FastActivationsTests checks these bounds on every multiple of 1/512 in [−100, 100], on a log scale
/// down to 2⁻⁴⁰ and at the branch points, for every instruction set. That is accurate enough for the
/// PyTorch parity tests to pass with their tolerance unchanged (1e−6 + 1e−5 relative), so the fast
/// kernels are the only path, in training and in inference alike.
public enum FastActivationAccuracy {
    /// |fast σ(x) − σ(x)| ≤ this · σ(x) (4 × 2⁻²⁴; measured worst 1.7e−7), for every Float x ≥ −87.33.
    /// Below, where σ(x) < 1.2e−38, the fast σ returns 0, as the exact one does in Float from −88.7 on.
    public static let sigmoidRelativeError: Double = 2.5e-7
    /// |fast tanh(x) − tanh(x)| ≤ ``tanhRelativeError`` · |tanh(x)| + ``tanhAbsoluteError``, for every Float x.
    public static let tanhRelativeError: Double = 2.5e-7
    /// The absolute part of the tanh bound (2 × 2⁻²⁴), which matters near 0.
    public static let tanhAbsoluteError: Double = 1.2e-7
}

/// y[i] = σ(x[i]) with the fast sigmoid of ``lstmCellForward(gates:gatesOffset:cells:previousOffset:currentOffset:tanhCells:tanhOffset:hidden:hiddenOffset:batch:hiddenSize:using:)``
/// (error bound: ``FastActivationAccuracy/sigmoidRelativeError``).
public func fastSigmoid(_ x: [Float], using instructionSet: InstructionSet = .automatic) -> [Float] {
    var y = [Float](repeating: 0, count: x.count)
    x.withUnsafeBufferPointer { x in
        y.withUnsafeMutableBufferPointer { y in
            fk_sigmoid(instructionSet.kernelValue, x.count, x.baseAddress, y.baseAddress)
        }
    }
    return y
}

/// y[i] = tanh(x[i]) with the fast tanh of the cell kernels (error bound: ``FastActivationAccuracy/tanhRelativeError``).
public func fastTanh(_ x: [Float], using instructionSet: InstructionSet = .automatic) -> [Float] {
    var y = [Float](repeating: 0, count: x.count)
    x.withUnsafeBufferPointer { x in
        y.withUnsafeMutableBufferPointer { y in
            fk_tanh(instructionSet.kernelValue, x.count, x.baseAddress, y.baseAddress)
        }
    }
    return y
}

// MARK: - LSTM cell

/// One LSTM time step after the gate products, fused in one pass over the gate tile while it is
/// in cache.
///
/// - gates: [B, 4H] pre-activations (x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) in; activations out:
///   i = σ, f = σ, g = tanh, o = σ. The backward pass reads them.
/// - cells: c_{t−1} [B, H] read at `previousOffset`, c_t = f ⊙ c_{t−1} + i ⊙ g written at `currentOffset`
///   (the two may be the same window: each element is read before it is written).
/// - tanhCells: tanh(c_t) [B, H] written at `tanhOffset` (kept for the backward pass).
/// - hidden: h_t = o ⊙ tanh(c_t) [B, H] written at `hiddenOffset`.
///
/// σ and tanh are the fast ones (``FastActivationAccuracy``); the plain version with the exact
/// functions is ``ReferenceKernels/lstmCellForward(gates:gatesOffset:cells:previousOffset:currentOffset:tanhCells:tanhOffset:hidden:hiddenOffset:batch:hiddenSize:)``.
public func lstmCellForward(
    gates: inout [Float], gatesOffset: Int,
    cells: inout [Float], previousOffset: Int, currentOffset: Int,
    tanhCells: inout [Float], tanhOffset: Int,
    hidden: inout [Float], hiddenOffset: Int,
    batch: Int, hiddenSize: Int,
    using instructionSet: InstructionSet = .automatic
) {
    let h4 = 4 * hiddenSize, stateCount = batch * hiddenSize
    checkBounds(gates.count, gatesOffset, batch * h4, "gates")
    checkBounds(cells.count, previousOffset, stateCount, "c(t-1)")
    checkBounds(cells.count, currentOffset, stateCount, "c(t)")
    checkBounds(tanhCells.count, tanhOffset, stateCount, "tanh c")
    checkBounds(hidden.count, hiddenOffset, stateCount, "h")
    guard stateCount > 0 else { return }
    gates.withUnsafeMutableBufferPointer { gates in
        cells.withUnsafeMutableBufferPointer { cells in
            tanhCells.withUnsafeMutableBufferPointer { tanhCells in
                hidden.withUnsafeMutableBufferPointer { hidden in
                    fk_lstm_cell_forward(instructionSet.kernelValue, batch, hiddenSize,
                                         gates.baseAddress! + gatesOffset,
                                         cells.baseAddress! + previousOffset, cells.baseAddress! + currentOffset,
                                         tanhCells.baseAddress! + tanhOffset, hidden.baseAddress! + hiddenOffset)
                }
            }
        }
    }
}

/// The backward pass of ``lstmCellForward(gates:gatesOffset:cells:previousOffset:currentOffset:tanhCells:tanhOffset:hidden:hiddenOffset:batch:hiddenSize:using:)``, for one time step.
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
    batch: Int, hiddenSize: Int,
    using instructionSet: InstructionSet = .automatic
) {
    let h4 = 4 * hiddenSize, stateCount = batch * hiddenSize
    checkBounds(gates.count, gatesOffset, batch * h4, "gates")
    checkBounds(cells.count, previousOffset, stateCount, "c(t-1)")
    checkBounds(tanhCells.count, tanhOffset, stateCount, "tanh c")
    checkBounds(hiddenGradient.count, hiddenGradientOffset, stateCount, "dh")
    checkBounds(cellGradient.count, 0, stateCount, "dc")
    checkBounds(gateGradients.count, gateGradientsOffset, batch * h4, "dgates")
    guard stateCount > 0 else { return }
    gates.withUnsafeBufferPointer { gates in
        cells.withUnsafeBufferPointer { cells in
            tanhCells.withUnsafeBufferPointer { tanhCells in
                hiddenGradient.withUnsafeBufferPointer { hiddenGradient in
                    cellGradient.withUnsafeMutableBufferPointer { cellGradient in
                        gateGradients.withUnsafeMutableBufferPointer { gateGradients in
                            fk_lstm_cell_backward(instructionSet.kernelValue, batch, hiddenSize,
                                                  gates.baseAddress! + gatesOffset,
                                                  cells.baseAddress! + previousOffset,
                                                  tanhCells.baseAddress! + tanhOffset,
                                                  hiddenGradient.baseAddress! + hiddenGradientOffset,
                                                  cellGradient.baseAddress!,
                                                  gateGradients.baseAddress! + gateGradientsOffset)
                        }
                    }
                }
            }
        }
    }
}

/// ``lstmCellBackward(gates:gatesOffset:cells:previousOffset:tanhCells:tanhOffset:hiddenGradient:hiddenGradientOffset:cellGradient:gateGradients:gateGradientsOffset:batch:hiddenSize:using:)``
/// with the pre-activation gradients written over the saved activations they are computed from
/// ([B, 4H] at `gatesOffset`), which the backward pass reads for the last time: one buffer instead
/// of two, and half the memory traffic. The same numbers as writing them elsewhere.
public func lstmCellBackward(
    replacingGates gates: inout [Float], gatesOffset: Int,
    cells: [Float], previousOffset: Int,
    tanhCells: [Float], tanhOffset: Int,
    hiddenGradient: [Float], hiddenGradientOffset: Int,
    cellGradient: inout [Float],
    batch: Int, hiddenSize: Int,
    using instructionSet: InstructionSet = .automatic
) {
    let stateCount = batch * hiddenSize
    checkBounds(gates.count, gatesOffset, batch * 4 * hiddenSize, "gates")
    checkBounds(cells.count, previousOffset, stateCount, "c(t-1)")
    checkBounds(tanhCells.count, tanhOffset, stateCount, "tanh c")
    checkBounds(hiddenGradient.count, hiddenGradientOffset, stateCount, "dh")
    checkBounds(cellGradient.count, 0, stateCount, "dc")
    guard stateCount > 0 else { return }
    gates.withUnsafeMutableBufferPointer { gates in
        cells.withUnsafeBufferPointer { cells in
            tanhCells.withUnsafeBufferPointer { tanhCells in
                hiddenGradient.withUnsafeBufferPointer { hiddenGradient in
                    cellGradient.withUnsafeMutableBufferPointer { cellGradient in
                        // The kernel reads a vector of all four gates before writing their gradients.
                        let tile = gates.baseAddress! + gatesOffset
                        fk_lstm_cell_backward(instructionSet.kernelValue, batch, hiddenSize, tile,
                                              cells.baseAddress! + previousOffset, tanhCells.baseAddress! + tanhOffset,
                                              hiddenGradient.baseAddress! + hiddenGradientOffset, cellGradient.baseAddress!, tile)
                    }
                }
            }
        }
    }
}

/// A block of B rows through every layer of an LSTM, one step at a time, keeping only each layer's
/// state: inference of a batch (``lstmGates(input:inputOffset:inputWeightsTransposed:hidden:hiddenOffset:hiddenWeightsTransposed:bias:into:gatesOffset:batch:inputSize:hiddenSize:using:)``
/// then ``lstmCellForward(gates:gatesOffset:cells:previousOffset:currentOffset:tanhCells:tanhOffset:hidden:hiddenOffset:batch:hiddenSize:using:)``
/// per layer and step, in one kernel call).
///
/// - Parameters:
///   - input: [T, B, I], time-major.
///   - weights: per layer W_ihᵀ [I or H, 4H], W_hhᵀ [H, 4H] and b_ih + b_hh [4H].
///   - hidden, cells: [L, B, H]: the initial state in, the final state out.
///   - gates, tanhCells: scratch of at least [B, 4H] and [B, H].
///   - outputs: [T, B, H], the last layer's h at every step, when given.
public func lstmStreamBlock(input: [Float], weights: [(inputTransposed: [Float], hiddenTransposed: [Float], bias: [Float])],
                            time: Int, batch: Int, inputSize: Int, hiddenSize: Int,
                            hidden: inout [Float], cells: inout [Float], gates: inout [Float], tanhCells: inout [Float],
                            outputs: inout [Float]?, using instructionSet: InstructionSet = .automatic) {
    let h4 = 4 * hiddenSize, layers = weights.count, state = batch * hiddenSize
    guard layers > 0, time > 0, batch > 0 else { return }
    checkBounds(input.count, 0, time * batch * inputSize, "input")
    for (k, layer) in weights.enumerated() {
        checkBounds(layer.inputTransposed.count, 0, (k == 0 ? inputSize : hiddenSize) * h4, "W_ihᵀ")
        checkBounds(layer.hiddenTransposed.count, 0, hiddenSize * h4, "W_hhᵀ")
        checkBounds(layer.bias.count, 0, h4, "bias")
    }
    checkBounds(hidden.count, 0, layers * state, "h")
    checkBounds(cells.count, 0, layers * state, "c")
    checkBounds(gates.count, 0, batch * h4, "gates")
    checkBounds(tanhCells.count, 0, state, "tanh c")
    if let outputs { checkBounds(outputs.count, 0, time * state, "outputs") }
    // Every layer's weight pointers, each taken inside its array's access, nested layer by layer.
    func withWeightPointers(from k: Int, _ collected: [[UnsafePointer<Float>?]], _ body: ([[UnsafePointer<Float>?]]) -> Void) {
        guard k < layers else { return body(collected) }
        weights[k].inputTransposed.withUnsafeBufferPointer { wih in
            weights[k].hiddenTransposed.withUnsafeBufferPointer { whh in
                weights[k].bias.withUnsafeBufferPointer { bias in
                    withWeightPointers(from: k + 1, [collected[0] + [wih.baseAddress], collected[1] + [whh.baseAddress],
                                                     collected[2] + [bias.baseAddress]], body)
                }
            }
        }
    }
    withWeightPointers(from: 0, [[], [], []]) { pointers in
        input.withUnsafeBufferPointer { input in
            hidden.withUnsafeMutableBufferPointer { hidden in
                cells.withUnsafeMutableBufferPointer { cells in
                    gates.withUnsafeMutableBufferPointer { gates in
                        tanhCells.withUnsafeMutableBufferPointer { tanhCells in
                            func run(_ outputs: UnsafeMutablePointer<Float>?) {
                                fk_lstm_stream_block(instructionSet.kernelValue, layers, time, batch, inputSize, hiddenSize,
                                                     input.baseAddress, pointers[0], pointers[1], pointers[2],
                                                     hidden.baseAddress, cells.baseAddress, gates.baseAddress,
                                                     tanhCells.baseAddress, outputs)
                            }
                            if outputs != nil {
                                outputs!.withUnsafeMutableBufferPointer { run($0.baseAddress) }
                            } else {
                                run(nil)
                            }
                        }
                    }
                }
            }
        }
    }
}
