import Testing
import ForecastData

/// |a − b| ≤ tolerance · max(1, |b|): relative error for large values, absolute near zero.
private func isClose(_ a: Double, _ b: Double, tolerance: Double = 1e-6) -> Bool {
    abs(a - b) <= tolerance * max(1, abs(b))
}

/// Statistics fitted on the training prefix only, exact round trips, and constant columns.
@Suite struct ScalerTests {
    /// Two columns whose last point (index 4) lies far outside the first four.
    let columns: [[Double]] = [[1, 2, 3, 4, 100], [10, 20, 30, 40, -500]]

    @Test func standardScalerUsesMeanAndPopulationDeviationOfTheFirstCountPoints() {
        let (scaler, constant) = Scaler.fit(.standard, columns: columns, count: 4)
        // Column 0 over [1, 2, 3, 4]: mean 2.5; squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5; 5 / 4 = 1.25.
        // Column 1 is ten times column 0: mean 25, variance 125.
        #expect(scaler.method == .standard)
        #expect(scaler.center == [2.5, 25])
        #expect(scaler.scale == [Float(1.25.squareRoot()), Float(125.0.squareRoot())])
        #expect(constant.isEmpty)
    }

    @Test func minmaxScalerUsesMinimumAndRangeOfTheFirstCountPoints() {
        let (scaler, constant) = Scaler.fit(.minmax, columns: columns, count: 4)
        // Column 0 over [1, 4]: center 1, scale 3; column 1 over [10, 40]: center 10, scale 30.
        #expect(scaler.center == [1, 10])
        #expect(scaler.scale == [3, 30])
        #expect(constant.isEmpty)
        // The fitted part spans [0, 1]; the later point may fall outside.
        let scaled = scaler.transform(columns[0], column: 0).map(Double.init)
        #expect(zip(scaled, [0, 1.0 / 3, 2.0 / 3, 1, 33]).allSatisfy { isClose($0, $1) }, "\(scaled)")
    }

    @Test func pointsAfterCountDoNotChangeTheStatistics() {
        for method in Scaler.Method.allCases {
            var changed = columns
            changed[0][4] = 1e9
            changed[1][4] = -1e9
            #expect(Scaler.fit(method, columns: changed, count: 4).scaler == Scaler.fit(method, columns: columns, count: 4).scaler)
            // …while a change inside the prefix does.
            changed[0][3] = 5
            #expect(Scaler.fit(method, columns: changed, count: 4).scaler != Scaler.fit(method, columns: columns, count: 4).scaler)
        }
    }

    @Test(arguments: Scaler.Method.allCases)
    func transformThenInverseIsTheIdentity(method: Scaler.Method) {
        let column = [1_250.5, 980.25, 1_410, 1_622.75, 1_105, 3_000, -40]
        let (scaler, _) = Scaler.fit(method, columns: [column], count: 5)
        let back = scaler.inverse(scaler.transform(column, column: 0), column: 0)
        // Float32 in the middle: relative error near 2⁻²⁴ of the values' size.
        #expect(zip(back, column).allSatisfy { isClose($0, $1, tolerance: 1e-6) }, "\(back) vs \(column)")
    }

    @Test func standardScaledTrainingPartHasMeanZeroAndDeviationOne() {
        let column = [3.0, 7, 1, 9, 4, 6, 1_000]
        let (scaler, _) = Scaler.fit(.standard, columns: [column], count: 6)
        let scaled = scaler.transform(Array(column.prefix(6)), column: 0).map(Double.init)
        let mean = scaled.reduce(0, +) / 6
        let variance = scaled.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 6
        #expect(abs(mean) < 1e-6)
        #expect(abs(variance - 1) < 1e-6)
    }

    @Test(arguments: Scaler.Method.allCases)
    func constantColumnGetsScaleOneAndIsReported(method: Scaler.Method) {
        // Column 1 is constant over the first three points (it changes only after them).
        let (scaler, constant) = Scaler.fit(method, columns: [[1, 2, 3, 4], [5, 5, 5, 9]], count: 3)
        #expect(constant == [1])
        #expect(scaler.center[1] == 5)
        #expect(scaler.scale[1] == 1)
        let scaled = scaler.transform([5, 5, 5, 9], column: 1)
        #expect(scaled == [0, 0, 0, 4])
        #expect(scaled.allSatisfy { $0.isFinite })
        #expect(scaler.inverse(scaled, column: 1) == [5, 5, 5, 9])
    }

    @Test func largeConstantColumnIsStillConstantDespiteRoundingInTheMean() {
        // The mean of many copies of 0.1 is not exactly 0.1 in binary; the deviation is tiny but not 0.
        let column = [Double](repeating: 0.1, count: 1_000) + [1]
        let (scaler, constant) = Scaler.fit(.standard, columns: [column], count: 1_000)
        #expect(constant == [0])
        #expect(scaler.scale == [1])
        #expect(scaler.transform(column, column: 0).allSatisfy { $0.isFinite })
    }

    @Test func eachColumnUsesItsOwnStatistics() {
        let scaler = Scaler(method: .standard, center: [10, -2], scale: [2, 0.5])
        #expect(scaler.transform([10, 14], column: 0) == [0, 2])
        #expect(scaler.transform([-2, -1], column: 1) == [0, 2])
        #expect(scaler.inverse([0, 2], column: 0) == [10, 14])
        #expect(scaler.inverse([0, 2], column: 1) == [-2, -1])
    }
}
