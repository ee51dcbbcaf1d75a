// Matrix products in the three forms a layer's forward and backward passes use.
//
// Every matrix is dense and row-major, stored in a `[Float]` starting at an offset, so that a
// time step's rows inside a larger buffer can be used without copying. Each function either
// overwrites C or adds to it (`accumulate`). These are the reference kernels: plain loops in an
// order that walks memory contiguously. Faster versions go behind the same signatures.

/// Whether a product overwrites its output or adds to it.
public enum ProductMode: Sendable {
    /// C = A·B
    case overwrite
    /// C += A·B
    case accumulate
}

/// C[M×N] (+)= A[M×K] · B[K×N]
///
/// Used for `dX = dGates · W` (the gradient flowing back through a weight of shape [out, in]).
public func matmul(
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
public func matmulTransposedB(
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
public func matmulTransposedA(
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

@inline(__always)
func checkBounds(_ count: Int, _ offset: Int, _ needed: Int, _ name: StaticString) {
    precondition(offset >= 0 && needed >= 0 && offset + needed <= count,
                 "matrix \(name): \(needed) elements at offset \(offset) exceed a buffer of \(count)")
}
