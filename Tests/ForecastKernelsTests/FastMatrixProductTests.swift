import Testing
import ForecastKernels

/// The fast products (C kernels, every instruction set this CPU supports) against the plain Swift
/// reference kernels.
///
/// Shapes cover the tile's edges (rows and columns that are not multiples of the tile or of any
/// vector width), the single-row product (M = 1), B packed through the stack panel (Bᵀ, narrow
/// column blocks, K deeper than a panel) and A packed into row panels (Aᵀ with rows ≥ 512 apart), with
/// every matrix at an offset inside a larger buffer. Tolerance: |fast − reference| ≤ 1e-5 ·
/// (Σ_p |a_ip · b_pj| + |c before|) per element (Float accumulation of K ≤ 300 terms in another order
/// errs by a few 1e-7 of that; measured worst: below 2e-7).
@Suite struct FastMatrixProductTests {
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (1, 1, 1), (1, 7, 3), (1, 300, 17), (2, 33, 5), (3, 16, 64), (7, 31, 9), (8, 32, 8), (9, 65, 33),
        (13, 3, 70), (17, 130, 2), (33, 47, 257), (40, 256, 64), (70, 1, 19), (5, 2, 300),
    ]
    static let relativeTolerance = 1e-5

    @Test(arguments: InstructionSet.supported, MatrixProductTests.Form.allCases)
    func fastProductMatchesTheReferenceOnOddShapesAtOffsets(set: InstructionSet, form: MatrixProductTests.Form) {
        var random = TestRandom(seed: 0xFA57)
        for (m, n, k) in Self.shapes {
            for mode in [ProductMode.overwrite, .accumulate] {
                check(set, form, mode, m: m, n: n, k: k, random: &random)
            }
        }
    }

    @Test(arguments: InstructionSet.supported)
    func transposedAWithDistantRowsIsPackedAndStillRight(set: InstructionSet) {
        // Aᵀ·B with A's rows 600 floats apart (≥ 512: packed into panels), depth 300 (several depth
        // blocks), a partial last block of rows and a narrow and a wide C.
        var random = TestRandom(seed: 0xBA7C)
        for n in [5, 37] {
            check(set, .transposedA, .accumulate, m: 600, n: n, k: 300, random: &random)
        }
    }

    @Test(arguments: InstructionSet.supported)
    func productWithDistantRowsOfBIsPackedAndStillRight(set: InstructionSet) {
        // A·B with B's rows 520 and 513 floats apart (≥ 512: AVX2 copies B in blocks of 128 columns
        // into panels and takes A in blocks of 252 rows): 259 rows (a partial last block of rows and
        // of a tile), a depth of 300 (two depth blocks), narrow last blocks of columns; and B's rows 300
        // apart (≥ 256: read in place, 256 rows deep at a time, on AVX2).
        var random = TestRandom(seed: 0xFA4B)
        for mode in [ProductMode.overwrite, .accumulate] {
            check(set, .plain, mode, m: 259, n: 520, k: 40, random: &random)
            check(set, .plain, mode, m: 20, n: 513, k: 300, random: &random)
            check(set, .plain, mode, m: 13, n: 300, k: 270, random: &random)
        }
    }

    @Test(arguments: InstructionSet.supported)
    func rowMajorAWithDistantRowsPackedByVectorsIsRight(set: InstructionSet) {
        // A·B with A row-major, its rows 603 floats apart (≥ 512: AVX2 takes the blocked route and packs
        // whole panels of A 8 steps of p at a time in registers): 131 rows (a block of 120, then a whole
        // panel and a partial one of 5 rows) and depths of 256, 256 and 91 (91 = 11·8 + 3 steps left).
        var random = TestRandom(seed: 0xD8A6)
        for mode in [ProductMode.overwrite, .accumulate] {
            check(set, .plain, mode, m: 131, n: 40, k: 603, random: &random)
        }
    }

    @Test(arguments: InstructionSet.supported)
    func transposedAWithRowsAKibibyteApartIsRight(set: InstructionSet) {
        // Aᵀ·B with A's rows 300 floats apart (AVX2 packs Aᵀ from 256 on, the others from 512).
        var random = TestRandom(seed: 0xA256)
        check(set, .transposedA, .accumulate, m: 300, n: 37, k: 270, random: &random)
    }

    @Test(arguments: InstructionSet.supported, MatrixProductTests.Form.allCases)
    func aRowOfTheProductDoesNotDependOnTheOtherRows(set: InstructionSet, form: MatrixProductTests.Form) {
        // What lets a batch be split across threads, and one window be predicted alone, without changing
        // a bit: each row of C computed inside a 37-row product equals the same row computed alone
        // (M = 1, the single-row kernel) and inside a 5-row product that starts elsewhere in the tile.
        var random = TestRandom(seed: 37)
        let (m, n, k) = (37, 70, 45)
        let a = random.floats(m * k), b = random.floats(k * n), start = random.floats(m * n)
        var whole = start
        multiply(set, form, a, 0, b, 0, &whole, 0, m: m, n: n, k: k, mode: .accumulate)
        for (first, count) in [(0, 1), (36, 1), (11, 1), (3, 5), (30, 7)] {
            // A's rows first ..< first+count: contiguous for A [M×K]; for Aᵀ, a [K×count] copy.
            var part = Array(start[(first * n) ..< ((first + count) * n)])
            let aPart: [Float] = form == .transposedA
                ? (0..<k).flatMap { p in a[(p * m + first) ..< (p * m + first + count)] }
                : Array(a[(first * k) ..< ((first + count) * k)])
            multiply(set, form, aPart, 0, b, 0, &part, 0, m: count, n: n, k: k, mode: .accumulate)
            let same = zip(part, whole[(first * n) ..< ((first + count) * n)]).allSatisfy { $0.bitPattern == $1.bitPattern }
            #expect(same, "\(set) \(form): rows \(first) ..< \(first + count) differ from the whole product's")
        }
    }

    @Test(arguments: InstructionSet.supported)
    func aRowVectorStartsEveryRowAsFillingAndAccumulatingWould(set: InstructionSet) {
        // C = A·B + v in one pass is, bit for bit, v copied into every row and then C += A·B.
        var random = TestRandom(seed: 41)
        for (m, n, k) in [(1, 300, 7), (1, 5, 3), (9, 70, 33), (40, 256, 1), (3, 17, 0)] {
            let a = random.floats(m * k), b = random.floats(k * n), v = random.floats(n)
            var once = random.floats(2 + m * n), twice = once
            matmul(a, b, into: &once, cOffset: 2, m: m, n: n, k: k, mode: .overwrite, plusRowVector: v, using: set)
            fillRows(of: &twice, xOffset: 2, rows: m, cols: n, with: v)
            matmul(a, b, into: &twice, cOffset: 2, m: m, n: n, k: k, mode: .accumulate, using: set)
            #expect(once.map(\.bitPattern) == twice.map(\.bitPattern), "\(set) M=\(m) N=\(n) K=\(k)")
        }
    }

    /// B packed once (``PackedMatrix``) gives the same bits as B in place: the odd shapes, depths of
    /// several panel blocks (300, 1030), the recurrent shapes of hidden 64 and 256, a single row, a
    /// row vector, accumulating, A and C at offsets, and B packed from its transpose.
    @Test(arguments: InstructionSet.supported)
    func aPackedRightFactorGivesTheSameBitsAsInPlace(set: InstructionSet) {
        var random = TestRandom(seed: 0x9AC6)
        let shapes = Self.shapes + [(32, 256, 64), (32, 64, 256), (32, 1024, 256), (13, 37, 1030), (1, 96, 300)]
        for (m, n, k) in shapes {
            let a = random.floats(m * k + 3), b = random.floats(k * n), rowVector = random.floats(n)
            let packed = PackedMatrix(b, rows: k, columns: n, using: set)
            var bTransposed = [Float](repeating: 0, count: k * n)
            transpose(b, rows: k, cols: n, into: &bTransposed)
            let packedFromTransposed = PackedMatrix(bTransposed, rows: k, columns: n, transposed: true, using: set)
            for mode in [ProductMode.overwrite, .accumulate] {
                for vector in mode == .overwrite ? [nil, rowVector] : [nil] {
                    let start = random.floats(m * n + 5)
                    var inPlace = start, fromPanels = start, fromTransposed = start
                    matmul(a, aOffset: 3, b, into: &inPlace, cOffset: 5, m: m, n: n, k: k, mode: mode, plusRowVector: vector, using: set)
                    matmul(a, aOffset: 3, packed, into: &fromPanels, cOffset: 5, m: m, mode: mode, plusRowVector: vector)
                    matmul(a, aOffset: 3, packedFromTransposed, into: &fromTransposed, cOffset: 5, m: m, mode: mode,
                           plusRowVector: vector)
                    let label = "\(set) \(m)×\(n)×\(k) \(mode) row vector \(vector != nil)"
                    #expect(fromPanels == inPlace, "\(label)")
                    #expect(fromTransposed == inPlace, "\(label), packed from Bᵀ")
                    #expect(fromPanels[..<5] == start[..<5], "\(label): wrote before C")
                }
            }
        }
    }

    /// An LSTM step's gates from both weights packed (``packedGates(input:inputOffset:inputWeights:hidden:hiddenOffset:hiddenWeights:bias:into:gatesOffset:rows:)``)
    /// give the bits of the two packed products, bias then x·W_ihᵀ, then accumulating h·W_hhᵀ: the
    /// one-pass shapes of the training at hidden 64 (32 rows, 1 or 64 inputs) and 16, partial tiles of
    /// rows (5, 13, 37) and a single row, and the shapes it hands to the two products (columns not a whole
    /// number of panels, 40 for hidden 10; a weight deeper than one panel, 300); x, h and the gates at offsets.
    @Test(arguments: InstructionSet.supported)
    func packedGatesGiveTheBitsOfTwoPackedProducts(set: InstructionSet) {
        var random = TestRandom(seed: 0x6A7E)
        let shapes: [(m: Int, inputs: Int, hidden: Int)] = [
            (32, 1, 64), (32, 64, 64), (5, 3, 16), (13, 16, 16), (37, 7, 32), (1, 64, 64), (9, 4, 10), (6, 300, 16), (4, 2, 70),
        ]
        for (m, inputs, hidden) in shapes {
            let n = 4 * hidden
            let x = random.floats(2 + m * inputs), h = random.floats(1 + m * hidden), bias = random.floats(n)
            let wih = random.floats(inputs * n), whh = random.floats(hidden * n)
            let inputWeights = PackedMatrix(wih, rows: inputs, columns: n, using: set)
            let hiddenWeights = PackedMatrix(whh, rows: hidden, columns: n, using: set)
            let start = random.floats(3 + m * n)
            var onePass = start, twoProducts = start
            packedGates(input: x, inputOffset: 2, inputWeights: inputWeights, hidden: h, hiddenOffset: 1, hiddenWeights: hiddenWeights,
                        bias: bias, into: &onePass, gatesOffset: 3, rows: m)
            matmul(x, aOffset: 2, inputWeights, into: &twoProducts, cOffset: 3, m: m, mode: .overwrite, plusRowVector: bias)
            matmul(h, aOffset: 1, hiddenWeights, into: &twoProducts, cOffset: 3, m: m, mode: .accumulate)
            let label = "\(set) m \(m), inputs \(inputs), hidden \(hidden)"
            #expect(onePass.map(\.bitPattern) == twoProducts.map(\.bitPattern), "\(label)")
            #expect(onePass[..<3] == start[..<3], "\(label): wrote before the gates")
            // And the right numbers: the plain sums in double precision, to within float rounding.
            var worst = 0.0
            for i in 0..<m {
                for j in 0..<n {
                    var sum = Double(bias[j]), scale = abs(sum)
                    for p in 0..<inputs {
                        let term = Double(x[2 + i * inputs + p]) * Double(wih[p * n + j])
                        sum += term; scale += abs(term)
                    }
                    for p in 0..<hidden {
                        let term = Double(h[1 + i * hidden + p]) * Double(whh[p * n + j])
                        sum += term; scale += abs(term)
                    }
                    worst = max(worst, abs(Double(onePass[3 + i * n + j]) - sum) / scale)
                }
            }
            #expect(worst < 1e-5, "\(label): relative error \(worst)")
        }
    }

    @Test(arguments: InstructionSet.supported)
    func largeProductsWithDistantOperandsGiveTheBitsOfSmallOnes(set: InstructionSet) {
        // On AVX2, products of 64 rows or more with B's rows ≥ 512 floats apart, Aᵀ's rows ≥ 256 apart or
        // A's rows ≥ 512 apart (A row-major: dX = dGates·W_ih at hidden 256, 130×40×600 and 131×40×603 here)
        // take the blocked route (both operands packed: 120-row blocks of A, 256-deep blocks, 1024-column
        // blocks of B); products of fewer rows never do. So each large product here is compared, bit for
        // bit, with the same rows computed in parts of at most 50 rows: partial blocks of rows, of depth
        // (270 = 256 + 14, 600 = 2·256 + 88) and of columns (1030 = 1024 + 6: a narrow last panel), a
        // partial last tile, a row vector, overwriting and accumulating.
        var random = TestRandom(seed: 0xB10C)
        let cases: [(MatrixProductTests.Form, m: Int, n: Int, k: Int)] = [
            (.plain, 130, 1030, 270), (.transposedA, 300, 37, 600), (.transposedA, 130, 1030, 40),
            (.plain, 130, 40, 600), (.plain, 131, 40, 603),
        ]
        for (form, m, n, k) in cases {
            let a = random.floats(m * k), b = random.floats(k * n), rowVector = random.floats(n)
            // A row vector only for A·B (the form that takes one).
            let modes: [(ProductMode, [Float]?)] = [(.overwrite, nil), (.accumulate, nil)] + (form == .plain ? [(.overwrite, rowVector)] : [])
            for (mode, vector) in modes {
                let start = random.floats(m * n)
                var whole = start
                if let vector {
                    matmul(a, b, into: &whole, m: m, n: n, k: k, mode: mode, plusRowVector: vector, using: set)
                } else {
                    multiply(set, form, a, 0, b, 0, &whole, 0, m: m, n: n, k: k, mode: mode)
                }
                for first in stride(from: 0, to: m, by: 50) {
                    let count = min(50, m - first)
                    var part = Array(start[(first * n) ..< ((first + count) * n)])
                    let aPart: [Float] = form == .transposedA
                        ? (0..<k).flatMap { p in a[(p * m + first) ..< (p * m + first + count)] }
                        : Array(a[(first * k) ..< ((first + count) * k)])
                    if let vector {
                        matmul(aPart, b, into: &part, m: count, n: n, k: k, mode: mode, plusRowVector: vector, using: set)
                    } else {
                        multiply(set, form, aPart, 0, b, 0, &part, 0, m: count, n: n, k: k, mode: mode)
                    }
                    let same = zip(part, whole[(first * n) ..< ((first + count) * n)]).allSatisfy { $0.bitPattern == $1.bitPattern }
                    #expect(same, "\(set) \(form) \(m)×\(n)×\(k) \(mode) row vector \(vector != nil): rows \(first) ..< \(first + count)")
                }
            }
        }
    }

    @Test(arguments: InstructionSet.supported)
    func transposeMovesEveryElement(set: InstructionSet) {
        var random = TestRandom(seed: 3)
        for (rows, cols) in [(1, 1), (3, 17), (40, 33), (256, 64), (1024, 256)] {
            let source = random.floats(rows * cols)
            var fast = [Float](repeating: .nan, count: rows * cols), reference = fast
            transpose(source, rows: rows, cols: cols, into: &fast, using: set)
            ReferenceKernels.transpose(source, rows: rows, cols: cols, into: &reference)
            #expect(fast == reference, "\(set) \(rows)×\(cols)")
        }
    }

    @Test func everyInstructionSetTheCPUSupportsIsListedAndAutomaticIsOne() {
        #expect(InstructionSet.supported.contains(.baseline))
        #expect(InstructionSet.automatic.isSupported)
        #expect(InstructionSet.supported.contains(InstructionSet.automatic))
    }

    private func check(_ set: InstructionSet, _ form: MatrixProductTests.Form, _ mode: ProductMode,
                       m: Int, n: Int, k: Int, random: inout TestRandom) {
        let aOffset = random.int(in: 1...5), bOffset = random.int(in: 1...5), cOffset = random.int(in: 1...5)
        let a = random.floats(aOffset + m * k + random.int(in: 0...4))
        let b = random.floats(bOffset + k * n + random.int(in: 0...4))
        let c = random.floats(cOffset + m * n + random.int(in: 0...4))
        var fast = c, reference = c
        multiply(set, form, a, aOffset, b, bOffset, &fast, cOffset, m: m, n: n, k: k, mode: mode)
        multiplyReference(form, a, aOffset, b, bOffset, &reference, cOffset, m: m, n: n, k: k, mode: mode)
        let (_, magnitude) = MatrixProductTests.reference(form, a, aOffset, b, bOffset, m: m, n: n, k: k)
        var worst = 0.0, untouched = true
        for index in c.indices {
            let window = index - cOffset
            guard window >= 0 && window < m * n else {
                untouched = untouched && fast[index].bitPattern == c[index].bitPattern
                continue
            }
            let old = mode == .accumulate ? abs(Double(c[index])) : 0
            let error = abs(Double(fast[index]) - Double(reference[index]))
            worst = max(worst, error / (magnitude[window] + old + .leastNormalMagnitude))
        }
        #expect(worst <= Self.relativeTolerance, "\(set) \(form) \(mode) M=\(m) N=\(n) K=\(k): relative error \(worst)")
        #expect(untouched, "\(set) \(form) \(mode) M=\(m) N=\(n) K=\(k) wrote outside its output window")
    }

    private func multiply(_ set: InstructionSet, _ form: MatrixProductTests.Form, _ a: [Float], _ aOffset: Int,
                          _ b: [Float], _ bOffset: Int, _ c: inout [Float], _ cOffset: Int,
                          m: Int, n: Int, k: Int, mode: ProductMode) {
        switch form {
        case .plain:
            matmul(a, aOffset: aOffset, b, bOffset: bOffset, into: &c, cOffset: cOffset, m: m, n: n, k: k, mode: mode, using: set)
        case .transposedB:
            matmulTransposedB(a, aOffset: aOffset, b, bOffset: bOffset, into: &c, cOffset: cOffset, m: m, n: n, k: k,
                              mode: mode, using: set)
        case .transposedA:
            matmulTransposedA(a, aOffset: aOffset, b, bOffset: bOffset, into: &c, cOffset: cOffset, m: m, n: n, k: k,
                              mode: mode, using: set)
        }
    }

    private func multiplyReference(_ form: MatrixProductTests.Form, _ a: [Float], _ aOffset: Int,
                                   _ b: [Float], _ bOffset: Int, _ c: inout [Float], _ cOffset: Int,
                                   m: Int, n: Int, k: Int, mode: ProductMode) {
        switch form {
        case .plain:
            ReferenceKernels.matmul(a, aOffset: aOffset, b, bOffset: bOffset, into: &c, cOffset: cOffset, m: m, n: n, k: k, mode: mode)
        case .transposedB:
            ReferenceKernels.matmulTransposedB(a, aOffset: aOffset, b, bOffset: bOffset, into: &c, cOffset: cOffset,
                                               m: m, n: n, k: k, mode: mode)
        case .transposedA:
            ReferenceKernels.matmulTransposedA(a, aOffset: aOffset, b, bOffset: bOffset, into: &c, cOffset: cOffset,
                                               m: m, n: n, k: k, mode: mode)
        }
    }
}
