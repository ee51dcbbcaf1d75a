import CForecastKernels

// Matrix products in the three forms a layer's forward and backward passes use.
//
// Every matrix is dense and row-major, stored in a `[Float]` starting at an offset, so that a
// time step's rows inside a larger buffer can be used without copying. Each function either
// overwrites C or adds to it (`accumulate`).
//
// These are the fast versions: register-blocked SIMD tiles in C (`CForecastKernels`), compiled for
// each ``InstructionSet`` and chosen at run time. ``ReferenceKernels`` holds the plain loops they
// are tested against. Each element of C is one chain of multiply-adds over p = 0 … K−1, whatever
// the shape and the element's position, so a row of C never depends on the other rows: splitting
// a batch into parts gives the same rows, bit for bit.

/// Whether a product overwrites its output or adds to it.
public enum ProductMode: Sendable {
    /// C = A·B
    case overwrite
    /// C += A·B
    case accumulate
}

/// C[M×N] (+)= A[M×K] · B[K×N], or with `plusRowVector`, C = A·B + v (v [N] added to every row).
///
/// Used for `dX = dGates · W` (the gradient flowing back through a weight of shape [out, in]), and
/// for the forward products with a transposed weight, `x · (Wᵀ) + b` (see ``transpose(_:rows:cols:into:using:)``).
/// With a row vector each element's chain of multiply-adds starts from v[j]: the same numbers as
/// filling the rows with v and accumulating, in one pass over C.
public func matmul(
    _ a: [Float], aOffset: Int = 0,
    _ b: [Float], bOffset: Int = 0,
    into c: inout [Float], cOffset: Int = 0,
    m: Int, n: Int, k: Int, mode: ProductMode,
    plusRowVector rowVector: [Float]? = nil,
    using instructionSet: InstructionSet = .automatic
) {
    checkBounds(a.count, aOffset, m * k, "A")
    checkBounds(b.count, bOffset, k * n, "B")
    checkBounds(c.count, cOffset, m * n, "C")
    checkRowVector(rowVector, columns: n, mode: mode)
    if let rowVector {
        rowVector.withUnsafeBufferPointer { rowVector in
            product(instructionSet, m: m, n: n, k: k, a, aOffset, rowStride: k, columnStride: 1,
                    b, bOffset, rowStride: n, columnStride: 1, into: &c, cOffset, mode: mode, startRow: rowVector.baseAddress)
        }
    } else {
        product(instructionSet, m: m, n: n, k: k, a, aOffset, rowStride: k, columnStride: 1,
                b, bOffset, rowStride: n, columnStride: 1, into: &c, cOffset, mode: mode)
    }
}

/// C[M×N] (+)= A[M×K] · B[N×K]ᵀ
///
/// The forward form of every layer: inputs [rows, in] times a PyTorch weight [out, in]. B is packed
/// into transposed panels on the way; a layer that multiplies by the same weight many times (the
/// recurrence) transposes it once and calls ``matmul(_:aOffset:_:bOffset:into:cOffset:m:n:k:mode:using:)``.
public func matmulTransposedB(
    _ a: [Float], aOffset: Int = 0,
    _ b: [Float], bOffset: Int = 0,
    into c: inout [Float], cOffset: Int = 0,
    m: Int, n: Int, k: Int, mode: ProductMode,
    using instructionSet: InstructionSet = .automatic
) {
    checkBounds(a.count, aOffset, m * k, "A")
    checkBounds(b.count, bOffset, n * k, "B")
    checkBounds(c.count, cOffset, m * n, "C")
    product(instructionSet, m: m, n: n, k: k, a, aOffset, rowStride: k, columnStride: 1,
            b, bOffset, rowStride: 1, columnStride: k, into: &c, cOffset, mode: mode)
}

/// C[M×N] (+)= A[K×M]ᵀ · B[K×N]
///
/// The weight-gradient form: `dW[out, in] += dY[rows, out]ᵀ · X[rows, in]`, summed over rows.
public func matmulTransposedA(
    _ a: [Float], aOffset: Int = 0,
    _ b: [Float], bOffset: Int = 0,
    into c: inout [Float], cOffset: Int = 0,
    m: Int, n: Int, k: Int, mode: ProductMode,
    using instructionSet: InstructionSet = .automatic
) {
    checkBounds(a.count, aOffset, k * m, "A")
    checkBounds(b.count, bOffset, k * n, "B")
    checkBounds(c.count, cOffset, m * n, "C")
    product(instructionSet, m: m, n: n, k: k, a, aOffset, rowStride: 1, columnStride: m,
            b, bOffset, rowStride: n, columnStride: 1, into: &c, cOffset, mode: mode)
}

/// B [K × N] laid out once for many products A·B with the same B (a recurrent weight, used at every
/// time step): the panels the product's tiles read, which ``matmul(_:aOffset:_:bOffset:into:cOffset:m:n:k:mode:plusRowVector:using:)``
/// would otherwise copy B into at every call when B's rows are far apart (W_hhᵀ of hidden 256: rows
/// 4 KiB apart, 1 MiB in all).
///
/// The layout belongs to the instruction set it was packed for; ``matmul(_:aOffset:_:into:cOffset:m:mode:plusRowVector:)``
/// uses that set. Each element of a product is the same chain of multiply-adds as with B in place,
/// so the results are the same bit for bit.
public struct PackedMatrix: Sendable {
    /// K, the rows of B.
    public let rows: Int
    /// N, the columns of B.
    public let columns: Int
    /// The instruction set whose tiles the panels are laid out for.
    public let instructionSet: InstructionSet
    let values: [Float]

    /// Packs B[K × N] = `matrix` (row-major, from `offset`), or, with `transposed`, B = `matrix`ᵀ for
    /// a row-major `matrix` [N × K] (a PyTorch weight [out, in] as the right factor of x·Wᵀ).
    public init(_ matrix: [Float], offset: Int = 0, rows: Int, columns: Int, transposed: Bool = false,
                using instructionSet: InstructionSet = .automatic) {
        checkBounds(matrix.count, offset, rows * columns, "B")
        self.rows = rows
        self.columns = columns
        self.instructionSet = instructionSet
        let count = fk_packed_b_floats(instructionSet.kernelValue, rows, columns)
        values = [Float](unsafeUninitializedCapacity: max(count, 1)) { packed, initialized in
            matrix.withUnsafeBufferPointer { b in
                fk_pack_b(instructionSet.kernelValue, rows, columns, b.baseAddress.map { $0 + offset },
                          transposed ? 1 : columns, transposed ? rows : 1, packed.baseAddress)
            }
            initialized = count
        }
    }
}

/// C[M×N] (+)= A[M×K] · B with B packed once (``PackedMatrix``), in B's instruction set; with
/// `plusRowVector`, C = A·B + v. The same numbers as ``matmul(_:aOffset:_:bOffset:into:cOffset:m:n:k:mode:plusRowVector:using:)``
/// with B in place.
public func matmul(
    _ a: [Float], aOffset: Int = 0,
    _ b: PackedMatrix,
    into c: inout [Float], cOffset: Int = 0,
    m: Int, mode: ProductMode,
    plusRowVector rowVector: [Float]? = nil
) {
    let (n, k) = (b.columns, b.rows)
    checkBounds(a.count, aOffset, m * k, "A")
    checkBounds(c.count, cOffset, m * n, "C")
    checkRowVector(rowVector, columns: n, mode: mode)
    a.withUnsafeBufferPointer { a in
        b.values.withUnsafeBufferPointer { packed in
            c.withUnsafeMutableBufferPointer { c in
                (rowVector ?? []).withUnsafeBufferPointer { row in
                    fk_packed_product(b.instructionSet.kernelValue, m, n, k, a.baseAddress.map { $0 + aOffset }, k,
                                      packed.baseAddress, c.baseAddress.map { $0 + cOffset }, n,
                                      mode == .accumulate ? 1 : 0, rowVector == nil ? nil : row.baseAddress)
                }
            }
        }
    }
}

/// The gates of one LSTM step with both weights packed once (``PackedMatrix``), in their instruction
/// set: gates[M × N] = x[M × K1] · B1 + h[M × K2] · B2 + bias[N] for M = `rows`, where B1 = W_ihᵀ
/// [K1 × N] and B2 = W_hhᵀ [K2 × N]; x and h read at their offsets with rows K1 and K2 apart, the
/// gates written at `gatesOffset`. Each tile's accumulators stay in registers from the bias to the store. Each element is
/// the chain bias, then x's multiply-adds, then h's: bit for bit
/// ``matmul(_:aOffset:_:into:cOffset:m:mode:plusRowVector:)`` with the bias as row vector followed by
/// an accumulating one.
public func packedGates(
    input: [Float], inputOffset: Int = 0, inputWeights: PackedMatrix,
    hidden: [Float], hiddenOffset: Int = 0, hiddenWeights: PackedMatrix,
    bias: [Float], into gates: inout [Float], gatesOffset: Int = 0, rows m: Int
) {
    precondition(inputWeights.columns == hiddenWeights.columns && inputWeights.instructionSet == hiddenWeights.instructionSet,
                 "packedGates: the two weights need the same columns and instruction set")
    let n = inputWeights.columns, (k1, k2) = (inputWeights.rows, hiddenWeights.rows)
    checkBounds(input.count, inputOffset, m * k1, "x")
    checkBounds(hidden.count, hiddenOffset, m * k2, "h")
    checkBounds(bias.count, 0, n, "bias")
    checkBounds(gates.count, gatesOffset, m * n, "gates")
    guard m > 0 && n > 0 else { return }
    input.withUnsafeBufferPointer { x in
        inputWeights.values.withUnsafeBufferPointer { p1 in
            hidden.withUnsafeBufferPointer { h in
                hiddenWeights.values.withUnsafeBufferPointer { p2 in
                    bias.withUnsafeBufferPointer { bias in
                        gates.withUnsafeMutableBufferPointer { c in
                            fk_packed_gates(inputWeights.instructionSet.kernelValue, m, n,
                                            k1, x.baseAddress.map { $0 + inputOffset }, k1, p1.baseAddress,
                                            k2, h.baseAddress.map { $0 + hiddenOffset }, k2, p2.baseAddress,
                                            bias.baseAddress, c.baseAddress.map { $0 + gatesOffset }, n)
                        }
                    }
                }
            }
        }
    }
}

/// The gates of one LSTM step in one pass over the gate tile, the accumulators held in registers:
/// gates[B × 4H] = x[B × I] · W_ihᵀ + h[B × H] · W_hhᵀ + bias[4H].
///
/// `inputWeightsTransposed` is W_ihᵀ [I × 4H] and `hiddenWeightsTransposed` W_hhᵀ [H × 4H] (see
/// ``transpose(_:rows:cols:into:using:)``); x and h are read at their offsets, the gates written at
/// `gatesOffset`. Each element is the chain bias, then x's multiply-adds, then h's: bit for bit
/// ``matmul(_:aOffset:_:bOffset:into:cOffset:m:n:k:mode:plusRowVector:using:)`` with the bias as row
/// vector followed by an accumulating one.
public func lstmGates(
    input: [Float], inputOffset: Int = 0, inputWeightsTransposed: [Float],
    hidden: [Float], hiddenOffset: Int = 0, hiddenWeightsTransposed: [Float],
    bias: [Float], into gates: inout [Float], gatesOffset: Int = 0,
    batch: Int, inputSize: Int, hiddenSize: Int,
    using instructionSet: InstructionSet = .automatic
) {
    let h4 = 4 * hiddenSize
    checkBounds(input.count, inputOffset, batch * inputSize, "x")
    checkBounds(inputWeightsTransposed.count, 0, inputSize * h4, "W_ihᵀ")
    checkBounds(hidden.count, hiddenOffset, batch * hiddenSize, "h")
    checkBounds(hiddenWeightsTransposed.count, 0, hiddenSize * h4, "W_hhᵀ")
    checkBounds(bias.count, 0, h4, "bias")
    checkBounds(gates.count, gatesOffset, batch * h4, "gates")
    guard batch > 0 && hiddenSize > 0 else { return }
    input.withUnsafeBufferPointer { x in
        inputWeightsTransposed.withUnsafeBufferPointer { wih in
            hidden.withUnsafeBufferPointer { h in
                hiddenWeightsTransposed.withUnsafeBufferPointer { whh in
                    bias.withUnsafeBufferPointer { bias in
                        gates.withUnsafeMutableBufferPointer { gates in
                            fk_lstm_gates(instructionSet.kernelValue, batch, h4,
                                          inputSize, x.baseAddress.map { $0 + inputOffset }, inputSize, wih.baseAddress,
                                          hiddenSize, h.baseAddress! + hiddenOffset, hiddenSize, whh.baseAddress,
                                          bias.baseAddress, gates.baseAddress! + gatesOffset)
                        }
                    }
                }
            }
        }
    }
}

/// destination[cols × rows] = sourceᵀ for a row-major source[rows × cols]: a PyTorch weight [out, in]
/// becomes [in, out], whose rows the product tiles read contiguously.
public func transpose(_ source: [Float], rows: Int, cols: Int, into destination: inout [Float],
                      using instructionSet: InstructionSet = .automatic) {
    checkBounds(source.count, 0, rows * cols, "source")
    checkBounds(destination.count, 0, rows * cols, "destination")
    source.withUnsafeBufferPointer { source in
        destination.withUnsafeMutableBufferPointer { destination in
            fk_transpose(instructionSet.kernelValue, rows, cols, source.baseAddress, destination.baseAddress)
        }
    }
}

// A(i, p) = a[aOffset + i·rowStride + p·columnStride], B likewise, C row-major with N columns.
@inline(__always)
private func product(
    _ instructionSet: InstructionSet, m: Int, n: Int, k: Int,
    _ a: [Float], _ aOffset: Int, rowStride aRowStride: Int, columnStride aColumnStride: Int,
    _ b: [Float], _ bOffset: Int, rowStride bRowStride: Int, columnStride bColumnStride: Int,
    into c: inout [Float], _ cOffset: Int, mode: ProductMode, startRow: UnsafePointer<Float>? = nil
) {
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            c.withUnsafeMutableBufferPointer { c in
                fk_matrix_product(instructionSet.kernelValue, m, n, k,
                                  a.baseAddress.map { $0 + aOffset }, aRowStride, aColumnStride,
                                  b.baseAddress.map { $0 + bOffset }, bRowStride, bColumnStride,
                                  c.baseAddress.map { $0 + cOffset }, n, mode == .accumulate ? 1 : 0, startRow)
            }
        }
    }
}

/// A row vector is added only when overwriting C, and holds a value for each of C's `n` columns.
@inline(__always)
private func checkRowVector(_ rowVector: [Float]?, columns n: Int, mode: ProductMode) {
    guard let rowVector else { return }
    precondition(mode == .overwrite, "matmul: a row vector is added only when overwriting C")
    checkBounds(rowVector.count, 0, n, "row vector")
}

@inline(__always)
func checkBounds(_ count: Int, _ offset: Int, _ needed: Int, _ name: StaticString) {
    precondition(offset >= 0 && needed >= 0 && offset + needed <= count,
                 "matrix \(name): \(needed) elements at offset \(offset) exceed a buffer of \(count)")
}
