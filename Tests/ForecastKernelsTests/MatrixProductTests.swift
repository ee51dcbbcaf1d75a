import Testing
import ForecastKernels

/// The three product forms against a naive triple loop in Double.
///
/// Every (M, N, K) drawn from odd sizes that are not multiples of any vector width, with every
/// matrix at a non-zero offset inside a larger buffer. Tolerance: for each output element,
/// |c − reference| ≤ 1e-5 · (Σ_p |a_ip · b_pj| + |c before|), a bound relative to the terms summed
/// (Float accumulation of K ≤ 33 terms errs by at most about K · 2⁻²⁴ ≈ 2e-6 of that; measured
/// worst over all shapes, forms and modes: below 3e-7).
@Suite struct MatrixProductTests {
    enum Form: CaseIterable, Sendable, CustomStringConvertible {
        /// C = A[M×K] · B[K×N]
        case plain
        /// C = A[M×K] · B[N×K]ᵀ
        case transposedB
        /// C = A[K×M]ᵀ · B[K×N]
        case transposedA

        var description: String {
            switch self {
            case .plain: "matmul"
            case .transposedB: "matmulTransposedB"
            case .transposedA: "matmulTransposedA"
            }
        }
    }

    static let sizes = [1, 3, 7, 17, 33]
    static let relativeTolerance = 1e-5

    @Test(arguments: Form.allCases, [ProductMode.overwrite, .accumulate])
    func productMatchesDoubleReferenceOnOddShapesAtOffsets(form: Form, mode: ProductMode) {
        var random = TestRandom(seed: 0xC0FFEE)
        for m in Self.sizes {
            for n in Self.sizes {
                for k in Self.sizes {
                    checkProduct(form: form, mode: mode, m: m, n: n, k: k, random: &random)
                }
            }
        }
    }

    @Test(arguments: Form.allCases)
    func overwriteNeverReadsTheOldOutput(form: Form) {
        // A window full of NaN would poison any read; overwrite must produce the product regardless.
        var random = TestRandom(seed: 11)
        let (m, n, k) = (3, 7, 5)
        let a = random.floats(m * k), b = random.floats(k * n)
        var c = [Float](repeating: .nan, count: m * n)
        multiply(form, a, 0, b, 0, &c, 0, m: m, n: n, k: k, mode: .overwrite)
        let (product, magnitude) = Self.reference(form, a, 0, b, 0, m: m, n: n, k: k)
        for index in 0..<(m * n) {
            #expect(abs(Double(c[index]) - product[index]) <= Self.relativeTolerance * magnitude[index],
                    "\(form) element \(index): \(c[index]) against \(product[index])")
        }
    }

    @Test(arguments: [ProductMode.overwrite, .accumulate])
    func productsWithAnEmptyInnerDimensionAddNothing(mode: ProductMode) {
        // K = 0: the product is the zero matrix, so overwrite clears the window and accumulate keeps it.
        for form in Form.allCases {
            var c: [Float] = [1, 2, 3, 4, 5, 6]
            multiply(form, [], 0, [], 0, &c, 1, m: 2, n: 2, k: 0, mode: mode)
            let expected: [Float] = mode == .overwrite ? [1, 0, 0, 0, 0, 6] : [1, 2, 3, 4, 5, 6]
            #expect(c == expected, "\(form)")
        }
    }

    private func checkProduct(form: Form, mode: ProductMode, m: Int, n: Int, k: Int, random: inout TestRandom) {
        let aOffset = random.int(in: 1...5), bOffset = random.int(in: 1...5), cOffset = random.int(in: 1...5)
        let a = random.floats(aOffset + m * k + random.int(in: 0...4))
        let b = random.floats(bOffset + k * n + random.int(in: 0...4))
        var c = random.floats(cOffset + m * n + random.int(in: 0...4))
        let before = c
        multiply(form, a, aOffset, b, bOffset, &c, cOffset, m: m, n: n, k: k, mode: mode)

        let (product, magnitude) = Self.reference(form, a, aOffset, b, bOffset, m: m, n: n, k: k)
        var worst = 0.0, untouched = true
        for index in c.indices {
            let window = index - cOffset
            guard window >= 0 && window < m * n else {
                untouched = untouched && c[index].bitPattern == before[index].bitPattern
                continue
            }
            let old = mode == .accumulate ? Double(before[index]) : 0
            let error = abs(Double(c[index]) - (old + product[window]))
            worst = max(worst, error / (magnitude[window] + abs(old) + .leastNormalMagnitude))
        }
        #expect(worst <= Self.relativeTolerance, "\(form) \(mode) M=\(m) N=\(n) K=\(k): relative error \(worst)")
        #expect(untouched, "\(form) \(mode) M=\(m) N=\(n) K=\(k) wrote outside its output window")
    }

    private func multiply(_ form: Form, _ a: [Float], _ aOffset: Int, _ b: [Float], _ bOffset: Int,
                          _ c: inout [Float], _ cOffset: Int, m: Int, n: Int, k: Int, mode: ProductMode) {
        switch form {
        case .plain:
            matmul(a, aOffset: aOffset, b, bOffset: bOffset, into: &c, cOffset: cOffset, m: m, n: n, k: k, mode: mode)
        case .transposedB:
            matmulTransposedB(a, aOffset: aOffset, b, bOffset: bOffset, into: &c, cOffset: cOffset,
                              m: m, n: n, k: k, mode: mode)
        case .transposedA:
            matmulTransposedA(a, aOffset: aOffset, b, bOffset: bOffset, into: &c, cOffset: cOffset,
                              m: m, n: n, k: k, mode: mode)
        }
    }

    /// The product [M×N] and, per element, Σ_p |a_ip · b_pj|, in Double by the textbook triple loop.
    static func reference(_ form: Form, _ a: [Float], _ aOffset: Int, _ b: [Float], _ bOffset: Int,
                          m: Int, n: Int, k: Int) -> (product: [Double], magnitude: [Double]) {
        func left(_ i: Int, _ p: Int) -> Double {
            Double(form == .transposedA ? a[aOffset + p * m + i] : a[aOffset + i * k + p])
        }
        func right(_ p: Int, _ j: Int) -> Double {
            Double(form == .transposedB ? b[bOffset + j * k + p] : b[bOffset + p * n + j])
        }
        var product = [Double](repeating: 0, count: m * n), magnitude = product
        for i in 0..<m {
            for j in 0..<n {
                for p in 0..<k {
                    let term = left(i, p) * right(p, j)
                    product[i * n + j] += term
                    magnitude[i * n + j] += abs(term)
                }
            }
        }
        return (product, magnitude)
    }
}

/// A small seeded generator (SplitMix64) for the kernel tests, which cannot see ForecastNN's
/// `SeededGenerator`. Shared by every file of this test target.
struct TestRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [lower, upper).
    mutating func double(_ lower: Double = -1, _ upper: Double = 1) -> Double {
        lower + (upper - lower) * Double(next() >> 11) * 0x1p-53
    }

    mutating func float(_ lower: Float = -1, _ upper: Float = 1) -> Float {
        Float(double(Double(lower), Double(upper)))
    }

    /// `count` values uniform in [lower, upper).
    mutating func floats(_ count: Int, _ lower: Float = -1, _ upper: Float = 1) -> [Float] {
        (0..<count).map { _ in float(lower, upper) }
    }

    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
}
