import Testing
import ForecastKernels

/// The small loops around the products, against plain loops written in the test.
@Suite struct ElementwiseTests {
    @Test func addRowVectorAddsTheBiasToEveryRowInsideItsWindowOnly() {
        var random = TestRandom(seed: 21)
        for (rows, cols) in [(1, 1), (3, 7), (17, 5), (4, 33)] {
            let biasOffset = 2, xOffset = 3
            let bias = random.floats(biasOffset + cols + 1)
            var x = random.floats(xOffset + rows * cols + 2)
            let before = x
            addRowVector(bias, biasOffset: biasOffset, to: &x, xOffset: xOffset, rows: rows, cols: cols)
            var expected = before
            for r in 0..<rows {
                for c in 0..<cols { expected[xOffset + r * cols + c] = before[xOffset + r * cols + c] + bias[biasOffset + c] }
            }
            // One Float addition per element, so the results are identical, not merely close.
            #expect(x == expected, "rows \(rows) cols \(cols)")
        }
    }

    @Test func addColumnSumsAccumulatesEachColumnIntoItsWindowOnly() {
        var random = TestRandom(seed: 22)
        for (rows, cols) in [(1, 1), (3, 7), (17, 5), (33, 4)] {
            let xOffset = 4, sumsOffset = 1
            let x = random.floats(xOffset + rows * cols + 3)
            var sums = random.floats(sumsOffset + cols + 2)
            let before = sums
            addColumnSums(of: x, xOffset: xOffset, rows: rows, cols: cols, to: &sums, sumsOffset: sumsOffset)
            for index in sums.indices {
                let c = index - sumsOffset
                guard c >= 0 && c < cols else {
                    #expect(sums[index] == before[index], "sums[\(index)] outside the window changed")
                    continue
                }
                var reference = Double(before[index]), magnitude = abs(reference)
                for r in 0..<rows {
                    reference += Double(x[xOffset + r * cols + c])
                    magnitude += abs(Double(x[xOffset + r * cols + c]))
                }
                // Float summation of ≤ 34 terms: within 1e-5 of the sum of magnitudes.
                #expect(abs(Double(sums[index]) - reference) <= 1e-5 * magnitude, "rows \(rows) column \(c)")
            }
        }
    }

    @Test func sumOfSquaresKeepsDoublePrecision() {
        var random = TestRandom(seed: 23)
        let x = random.floats(10_001)
        var reference = 0.0
        for value in x { reference += Double(value) * Double(value) }
        #expect(abs(sumOfSquares(x) - reference) <= 1e-12 * reference)
        // Values whose squares a Float sum of this length would lose: 1 + 10⁴ · (1e-4)² = 1.0001.
        let mixed: [Float] = [1] + [Float](repeating: 1e-4, count: 10_000)
        #expect(abs(sumOfSquares(mixed) - 1.0001) <= 1e-9)
        #expect(sumOfSquares([]) == 0)
    }

    @Test func swapOuterAxesMovesEveryElementToItsTransposedPlace() {
        let (a, b, c) = (3, 5, 2)
        let x = (0..<(a * b * c)).map(Float.init)
        let swapped = swapOuterAxes(x, a, b, c)
        for i in 0..<a {
            for j in 0..<b {
                for k in 0..<c { #expect(swapped[(j * a + i) * c + k] == x[(i * b + j) * c + k], "(\(i), \(j), \(k))") }
            }
        }
    }

    @Test func swapOuterAxesTwiceGivesBackTheInput() {
        var random = TestRandom(seed: 24)
        for (a, b, c) in [(1, 1, 1), (1, 7, 3), (7, 1, 3), (4, 6, 1), (3, 17, 5)] {
            let x = random.floats(a * b * c)
            #expect(swapOuterAxes(swapOuterAxes(x, a, b, c), b, a, c) == x, "[\(a), \(b), \(c)]")
        }
    }
}
