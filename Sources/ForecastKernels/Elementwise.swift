import CForecastKernels

// Row-wise bias updates, reductions, layout changes and the optimiser's update: the small loops
// around the products. Plain Swift over buffer pointers, which the compiler vectorises for any
// target; they are a small part of the time next to the products.

/// x[rows × cols] += bias[cols] broadcast over rows (bias read at `biasOffset`).
public func addRowVector(_ bias: [Float], biasOffset: Int = 0,
                         to x: inout [Float], xOffset: Int = 0, rows: Int, cols: Int) {
    checkBounds(bias.count, biasOffset, cols, "bias")
    checkBounds(x.count, xOffset, rows * cols, "x")
    guard rows * cols > 0 else { return }
    bias.withUnsafeBufferPointer { bias in
        x.withUnsafeMutableBufferPointer { x in
            let bias = bias.baseAddress! + biasOffset
            for r in 0..<rows {
                let row = x.baseAddress! + xOffset + r * cols
                for c in 0..<cols { row[c] += bias[c] }
            }
        }
    }
}

/// x[rows × cols] = bias[cols] in every row: the starting value of a gate tile before its products
/// are accumulated onto it.
public func fillRows(of x: inout [Float], xOffset: Int = 0, rows: Int, cols: Int, with bias: [Float]) {
    checkBounds(bias.count, 0, cols, "bias")
    checkBounds(x.count, xOffset, rows * cols, "x")
    guard rows * cols > 0 else { return }
    bias.withUnsafeBufferPointer { bias in
        x.withUnsafeMutableBufferPointer { x in
            for r in 0..<rows {
                (x.baseAddress! + xOffset + r * cols).update(from: bias.baseAddress!, count: cols)
            }
        }
    }
}

/// x[xOffset ..< xOffset + count] = value.
public func fill(_ x: inout [Float], xOffset: Int = 0, count: Int, with value: Float) {
    checkBounds(x.count, xOffset, count, "x")
    guard count > 0 else { return }
    x.withUnsafeMutableBufferPointer { x in (x.baseAddress! + xOffset).update(repeating: value, count: count) }
}

/// sums[cols] += Σ_rows x[rows × cols]: the bias gradient of a layer that broadcast a bias over rows.
public func addColumnSums(of x: [Float], xOffset: Int = 0, rows: Int, cols: Int,
                          to sums: inout [Float], sumsOffset: Int = 0) {
    checkBounds(x.count, xOffset, rows * cols, "x")
    checkBounds(sums.count, sumsOffset, cols, "sums")
    guard rows * cols > 0 else { return }
    x.withUnsafeBufferPointer { x in
        sums.withUnsafeMutableBufferPointer { sums in
            let sums = sums.baseAddress! + sumsOffset
            for r in 0..<rows {
                let row = x.baseAddress! + xOffset + r * cols
                for c in 0..<cols { sums[c] += row[c] }
            }
        }
    }
}

/// y[count] += x[count] (x read at `xOffset`, y written at `yOffset`).
public func add(_ x: [Float], xOffset: Int = 0, to y: inout [Float], yOffset: Int = 0, count: Int) {
    checkBounds(x.count, xOffset, count, "x")
    checkBounds(y.count, yOffset, count, "y")
    guard count > 0 else { return }
    x.withUnsafeBufferPointer { x in
        y.withUnsafeMutableBufferPointer { y in
            let x = x.baseAddress! + xOffset, y = y.baseAddress! + yOffset
            for i in 0..<count { y[i] += x[i] }
        }
    }
}

/// y[count] = x[count] ⊙ mask[count] (each read at its offset): dropout with a drawn mask, and its backward pass.
public func multiply(_ x: [Float], xOffset: Int = 0, by mask: [Float], maskOffset: Int = 0,
                     into y: inout [Float], yOffset: Int = 0, count: Int) {
    checkBounds(x.count, xOffset, count, "x")
    checkBounds(mask.count, maskOffset, count, "mask")
    checkBounds(y.count, yOffset, count, "y")
    guard count > 0 else { return }
    x.withUnsafeBufferPointer { x in
        mask.withUnsafeBufferPointer { mask in
            y.withUnsafeMutableBufferPointer { y in
                let x = x.baseAddress! + xOffset, mask = mask.baseAddress! + maskOffset, y = y.baseAddress! + yOffset
                for i in 0..<count { y[i] = x[i] * mask[i] }
            }
        }
    }
}

/// y[count] = x[count] (read at `xOffset`, written at `yOffset`).
public func copy(_ x: [Float], xOffset: Int = 0, into y: inout [Float], yOffset: Int = 0, count: Int) {
    checkBounds(x.count, xOffset, count, "x")
    checkBounds(y.count, yOffset, count, "y")
    guard count > 0 else { return }
    x.withUnsafeBufferPointer { x in
        y.withUnsafeMutableBufferPointer { y in
            (y.baseAddress! + yOffset).update(from: x.baseAddress! + xOffset, count: count)
        }
    }
}

/// Whether two arrays share one storage (and so, arrays being copy-on-write, hold the same values).
public func sharesStorage(_ a: [Float], _ b: [Float]) -> Bool {
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress && a.count == b.count }
    }
}

/// Σ x², accumulated in Double so that long vectors keep their precision.
public func sumOfSquares(_ x: [Float]) -> Double {
    x.withUnsafeBufferPointer { x in
        var sum = 0.0
        for value in x { sum += Double(value) * Double(value) }
        return sum
    }
}

/// Swaps the two outer axes of a [A, B, C] tensor: out[b, a, c] = x[a, b, c].
///
/// Converts batch-first [B, T, F] sequences to the time-major [T, B, F] layout the recurrence walks
/// through (each time step then a contiguous [B, F] tile), and back.
public func swapOuterAxes(_ x: [Float], _ a: Int, _ b: Int, _ c: Int) -> [Float] {
    precondition(x.count == a * b * c, "swapOuterAxes: \(x.count) elements, expected \(a)×\(b)×\(c)")
    var out = [Float](repeating: 0, count: x.count)
    swapOuterAxes(x, a, b, c, into: &out)
    return out
}

/// out[b, a, c] = x[a, b, c] for a [A, B, C] tensor read at `xOffset`, written at `outOffset`.
public func swapOuterAxes(_ x: [Float], xOffset: Int = 0, _ a: Int, _ b: Int, _ c: Int,
                          into out: inout [Float], outOffset: Int = 0) {
    checkBounds(x.count, xOffset, a * b * c, "x")
    checkBounds(out.count, outOffset, a * b * c, "out")
    guard a * b * c > 0 else { return }
    x.withUnsafeBufferPointer { x in
        out.withUnsafeMutableBufferPointer { out in
            for i in 0..<a {
                for j in 0..<b {
                    (out.baseAddress! + outOffset + (j * a + i) * c)
                        .update(from: x.baseAddress! + xOffset + (i * b + j) * c, count: c)
                }
            }
        }
    }
}

/// The hyperparameters of one Adam step (see ``adamUpdate(values:gradients:firstMoments:secondMoments:step:using:)``).
public struct AdamStep: Sendable {
    /// lr / (1 − β1ᵗ)
    public var stepSize: Float
    /// √(1 − β2ᵗ)
    public var biasCorrection2Root: Float
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    /// AdamW: decay the value instead of adding λp to the gradient.
    public var decoupledWeightDecay: Bool

    public init(stepSize: Float, biasCorrection2Root: Float, learningRate: Float, beta1: Float, beta2: Float,
                epsilon: Float, weightDecay: Float, decoupledWeightDecay: Bool) {
        self.stepSize = stepSize
        self.biasCorrection2Root = biasCorrection2Root
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
    }
}

/// One Adam (or AdamW) update of every element, PyTorch's rule in PyTorch's order of operations:
/// ```
/// Adam: g ← g + λp     AdamW: p ← p − lr·λ·p
/// m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  p ← p − stepSize · m / (√v / √(1 − β2ᵗ) + ε)
/// ```
/// Vectorised in C (``ReferenceKernels/adamUpdate(values:gradients:firstMoments:secondMoments:step:)``
/// is the plain loop); with FMA the multiply-adds round once, so the last bit can differ from it.
public func adamUpdate(values: inout [Float], gradients: [Float], firstMoments: inout [Float],
                       secondMoments: inout [Float], step: AdamStep, using instructionSet: InstructionSet = .automatic) {
    let count = values.count
    precondition(gradients.count == count && firstMoments.count == count && secondMoments.count == count,
                 "adamUpdate: buffers of different sizes")
    guard count > 0 else { return }
    let s = step
    values.withUnsafeMutableBufferPointer { p in
        gradients.withUnsafeBufferPointer { g in
            firstMoments.withUnsafeMutableBufferPointer { m in
                secondMoments.withUnsafeMutableBufferPointer { v in
                    fk_adam_update(instructionSet.kernelValue, count, p.baseAddress, g.baseAddress, m.baseAddress, v.baseAddress,
                                   s.stepSize, s.biasCorrection2Root, s.learningRate, s.beta1, s.beta2, s.epsilon,
                                   s.weightDecay, s.decoupledWeightDecay ? 1 : 0)
                }
            }
        }
    }
}
