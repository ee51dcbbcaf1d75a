// Row-wise bias updates, reductions and layout changes: the small loops around the products.

/// x[rows × cols] += bias[cols] broadcast over rows (bias read at `biasOffset`).
public func addRowVector(_ bias: [Float], biasOffset: Int = 0,
                         to x: inout [Float], xOffset: Int = 0, rows: Int, cols: Int) {
    checkBounds(bias.count, biasOffset, cols, "bias")
    checkBounds(x.count, xOffset, rows * cols, "x")
    for r in 0..<rows {
        let row = xOffset + r * cols
        for c in 0..<cols { x[row + c] += bias[biasOffset + c] }
    }
}

/// sums[cols] += Σ_rows x[rows × cols]: the bias gradient of a layer that broadcast a bias over rows.
public func addColumnSums(of x: [Float], xOffset: Int = 0, rows: Int, cols: Int,
                          to sums: inout [Float], sumsOffset: Int = 0) {
    checkBounds(x.count, xOffset, rows * cols, "x")
    checkBounds(sums.count, sumsOffset, cols, "sums")
    for r in 0..<rows {
        let row = xOffset + r * cols
        for c in 0..<cols { sums[sumsOffset + c] += x[row + c] }
    }
}

/// Σ x², accumulated in Double so that long vectors keep their precision.
public func sumOfSquares(_ x: [Float]) -> Double {
    var sum = 0.0
    for value in x { sum += Double(value) * Double(value) }
    return sum
}

/// Swaps the two outer axes of a [A, B, C] tensor: out[b, a, c] = x[a, b, c].
///
/// Converts batch-first [B, T, F] sequences to the time-major [T, B, F] layout the recurrence walks
/// through (each time step then a contiguous [B, F] tile), and back.
public func swapOuterAxes(_ x: [Float], _ a: Int, _ b: Int, _ c: Int) -> [Float] {
    precondition(x.count == a * b * c, "swapOuterAxes: \(x.count) elements, expected \(a)×\(b)×\(c)")
    var out = [Float](repeating: 0, count: x.count)
    for i in 0..<a {
        for j in 0..<b {
            let source = (i * b + j) * c, target = (j * a + i) * c
            for k in 0..<c { out[target + k] = x[source + k] }
        }
    }
    return out
}
