import CForecastKernels
import Foundation

// The GRU cell update, one time step of a batch.
//
// A gate tile has shape [B, 3H]: each row holds the three gates in PyTorch's order r, z, n (each H
// wide). The input's part, x·W_ihᵀ + b_ih, and the hidden state's part, h·W_hhᵀ + b_hh, come from
// two matrix products and stay apart, because the reset gate multiplies only the hidden state's
// part of n:
// ```
// r = σ(gx_r + gh_r),  z = σ(gx_z + gh_z),  n = tanh(gx_n + r ⊙ gh_n),  h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
// ```
// Reference: https://pytorch.org/docs/stable/generated/torch.nn.GRU.html

/// One GRU time step after the gate products.
///
/// - inputGates: [B, 3H] at `inputGatesOffset`: gx = x·W_ihᵀ + b_ih in; the activations r, z, n out
///   (the backward pass reads them).
/// - hiddenGates: [B, 3H] at `hiddenGatesOffset`: gh = h_{t−1}·W_hhᵀ + b_hh (its n part is kept for
///   the backward pass).
/// - hidden: h_{t−1} [B, H] read at `previousOffset`, h_t = n + z ⊙ (h_{t−1} − n) written at
///   `currentOffset` (the same value as (1 − z) ⊙ n + z ⊙ h_{t−1}, in ATen's order of operations).
///
/// σ and tanh are the fast ones of the LSTM cell (``FastActivationAccuracy``), applied to each row's
/// r and z (2H contiguous values) and n (H values) in place; the rest is plain arithmetic. The
/// version with the exact functions is ``ReferenceKernels/gruCellForward(inputGates:inputGatesOffset:hiddenGates:hiddenGatesOffset:hidden:previousOffset:currentOffset:batch:hiddenSize:)``.
public func gruCellForward(
    inputGates: inout [Float], inputGatesOffset: Int,
    hiddenGates: [Float], hiddenGatesOffset: Int,
    hidden: inout [Float], previousOffset: Int, currentOffset: Int,
    batch: Int, hiddenSize: Int,
    using instructionSet: InstructionSet = .automatic
) {
    let h = hiddenSize, h3 = 3 * hiddenSize, stateCount = batch * hiddenSize
    checkBounds(inputGates.count, inputGatesOffset, batch * h3, "input gates")
    checkBounds(hiddenGates.count, hiddenGatesOffset, batch * h3, "hidden gates")
    checkBounds(hidden.count, previousOffset, stateCount, "h(t-1)")
    checkBounds(hidden.count, currentOffset, stateCount, "h(t)")
    guard stateCount > 0 else { return }
    let set = instructionSet.kernelValue
    inputGates.withUnsafeMutableBufferPointer { inputGates in
        hiddenGates.withUnsafeBufferPointer { hiddenGates in
            hidden.withUnsafeMutableBufferPointer { hidden in
                for row in 0..<batch {
                    let g = inputGates.baseAddress! + inputGatesOffset + row * h3
                    let gh = hiddenGates.baseAddress! + hiddenGatesOffset + row * h3
                    let previous = hidden.baseAddress! + previousOffset + row * h
                    let current = hidden.baseAddress! + currentOffset + row * h
                    for j in 0..<(2 * h) { g[j] += gh[j] }
                    fk_sigmoid(set, 2 * h, g, g)
                    for j in 0..<h { g[2 * h + j] += g[j] * gh[2 * h + j] }
                    fk_tanh(set, h, g + 2 * h, g + 2 * h)
                    for j in 0..<h {
                        let n = g[2 * h + j], z = g[h + j]
                        current[j] = n + z * (previous[j] - n)
                    }
                }
            }
        }
    }
}

/// The backward pass of ``gruCellForward(inputGates:inputGatesOffset:hiddenGates:hiddenGatesOffset:hidden:previousOffset:currentOffset:batch:hiddenSize:using:)``, for one time step.
///
/// In the forward pass this was h_t = n + z ⊙ (h_{t−1} − n), n = tanh(a_n) with
/// a_n = gx_n + r ⊙ gh_n, r = σ(gx_r + gh_r), z = σ(gx_z + gh_z); so now, with dh = dL/dh_t:
/// - dz = dh ⊙ (h_{t−1} − n), dn = dh ⊙ (1 − z), and dh_{t−1} gets dh ⊙ z directly
/// - da_n = dn ⊙ (1 − n²), da_z = dz ⊙ z (1 − z), da_r = da_n ⊙ gh_n ⊙ r (1 − r)
/// - dgx = (da_r, da_z, da_n): the gradient of x·W_ihᵀ + b_ih
/// - dgh = (da_r, da_z, da_n ⊙ r): the gradient of h_{t−1}·W_hhᵀ + b_hh
///
/// - gates: [B, 3H] the activations r, z, n in; dgx out.
/// - hiddenGates: [B, 3H] gh in (only its n part is read); dgh out.
/// - hidden: h_{t−1} [B, H] at `previousOffset`.
/// - hiddenGradient: [B, H] at `hiddenGradientOffset`: dL/dh_t in, dh_t ⊙ z out (the part of
///   dL/dh_{t−1} that does not pass through W_hh; the caller adds dgh·W_hh).
///
/// Plain arithmetic, no transcendental functions: this one loop is the kernel and its reference.
public func gruCellBackward(
    gates: inout [Float], gatesOffset: Int,
    hiddenGates: inout [Float], hiddenGatesOffset: Int,
    hidden: [Float], previousOffset: Int,
    hiddenGradient: inout [Float], hiddenGradientOffset: Int,
    batch: Int, hiddenSize: Int
) {
    let h = hiddenSize, h3 = 3 * hiddenSize, stateCount = batch * hiddenSize
    checkBounds(gates.count, gatesOffset, batch * h3, "gates")
    checkBounds(hiddenGates.count, hiddenGatesOffset, batch * h3, "hidden gates")
    checkBounds(hidden.count, previousOffset, stateCount, "h(t-1)")
    checkBounds(hiddenGradient.count, hiddenGradientOffset, stateCount, "dh")
    guard stateCount > 0 else { return }
    gates.withUnsafeMutableBufferPointer { gates in
        hiddenGates.withUnsafeMutableBufferPointer { hiddenGates in
            hidden.withUnsafeBufferPointer { hidden in
                hiddenGradient.withUnsafeMutableBufferPointer { hiddenGradient in
                    for row in 0..<batch {
                        let g = gates.baseAddress! + gatesOffset + row * h3
                        let gh = hiddenGates.baseAddress! + hiddenGatesOffset + row * h3
                        let previous = hidden.baseAddress! + previousOffset + row * h
                        let dh = hiddenGradient.baseAddress! + hiddenGradientOffset + row * h
                        for j in 0..<h {
                            let r = g[j], z = g[h + j], n = g[2 * h + j], d = dh[j]
                            let dn = d * (1 - z) * (1 - n * n)
                            let dz = d * (previous[j] - n) * (z * (1 - z))
                            let dr = dn * gh[2 * h + j] * (r * (1 - r))
                            g[j] = dr; g[h + j] = dz; g[2 * h + j] = dn
                            gh[j] = dr; gh[h + j] = dz; gh[2 * h + j] = dn * r
                            dh[j] = d * z
                        }
                    }
                }
            }
        }
    }
}

extension ReferenceKernels {
    /// ``gruCellForward(inputGates:inputGatesOffset:hiddenGates:hiddenGatesOffset:hidden:previousOffset:currentOffset:batch:hiddenSize:using:)``
    /// with the exact σ and tanh, in the order of the equations.
    public static func gruCellForward(
        inputGates: inout [Float], inputGatesOffset: Int,
        hiddenGates: [Float], hiddenGatesOffset: Int,
        hidden: inout [Float], previousOffset: Int, currentOffset: Int,
        batch: Int, hiddenSize: Int
    ) {
        let h = hiddenSize, h3 = 3 * hiddenSize
        checkBounds(inputGates.count, inputGatesOffset, batch * h3, "input gates")
        checkBounds(hiddenGates.count, hiddenGatesOffset, batch * h3, "hidden gates")
        checkBounds(hidden.count, previousOffset, batch * h, "h(t-1)")
        checkBounds(hidden.count, currentOffset, batch * h, "h(t)")
        for row in 0..<batch {
            let g = inputGatesOffset + row * h3, gh = hiddenGatesOffset + row * h3
            for j in 0..<h {
                let r = sigmoid(inputGates[g + j] + hiddenGates[gh + j])
                let z = sigmoid(inputGates[g + h + j] + hiddenGates[gh + h + j])
                let n = tanh(inputGates[g + 2 * h + j] + r * hiddenGates[gh + 2 * h + j])
                inputGates[g + j] = r; inputGates[g + h + j] = z; inputGates[g + 2 * h + j] = n
                let previous = hidden[previousOffset + row * h + j]
                hidden[currentOffset + row * h + j] = (1 - z) * n + z * previous
            }
        }
    }
}
