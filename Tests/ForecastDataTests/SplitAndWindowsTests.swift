import Testing
import ForecastData

// MARK: - Helpers

/// The error `Split.init` throws for these sizes, or nil when it splits.
private func splitError(count: Int, test: PartSize, validation: PartSize, lookback: Int, horizon: Int) -> DataError? {
    do {
        _ = try Split(count: count, testSize: test, validationSize: validation, lookback: lookback, horizon: horizon,
                      file: "series.csv")
        return nil
    } catch {
        return error
    }
}

/// A column whose value at t is `offset + t`, so a window's values say which points it read.
private func indexColumn(_ count: Int, offset: Float = 0) -> [Float] {
    (0..<count).map { offset + Float($0) }
}

/// Part sizes, the chronological split, the windows of each part, and the shuffled batch order.
@Suite struct SplitAndWindowsTests {
    // MARK: PartSize

    @Test func partSizeParsesFractionsBelowOneAndWholeCounts() {
        #expect(PartSize("0.2") == .fraction(0.2))
        #expect(PartSize("0") == .count(0))
        #expect(PartSize("0.0") == .fraction(0))
        #expect(PartSize("24") == .count(24))
        #expect(PartSize("1") == .count(1))
    }

    @Test(arguments: ["-1", "1.5", "abc", "", "1.0", "-0.2", "nan", " 24", "24 points"])
    func partSizeRejectsNegativeFractionalAboveOneAndText(text: String) {
        #expect(PartSize(text) == nil)
    }

    @Test func partSizePointsRoundFractionsAndKeepCounts() {
        #expect(PartSize.fraction(0.2).points(of: 100) == 20)
        #expect(PartSize.fraction(0.2).points(of: 101) == 20)   // 20.2
        #expect(PartSize.fraction(0.25).points(of: 10) == 3)    // 2.5 rounds away from zero
        #expect(PartSize.fraction(0).points(of: 10) == 0)
        #expect(PartSize.count(24).points(of: 10) == 24)
        #expect(PartSize.fraction(0.2).description == "0.2")
        #expect(PartSize.count(24).description == "24")
    }

    // MARK: Split

    @Test func splitByFractionsTakesTheTestThenTheValidationFromTheEnd() throws {
        let split = try Split(count: 100, testSize: .fraction(0.2), validationSize: .fraction(0.1),
                              lookback: 5, horizon: 2, file: "series.csv")
        // 100 − 20 test − 10 validation = 70.
        #expect(split.trainEnd == 70)
        #expect(split.validationEnd == 80)
        #expect(split.training == 0..<70)
        #expect(split.validation == 70..<80)
        #expect(split.test == 80..<100)
    }

    @Test func splitByCountsTakesExactlyThoseCounts() throws {
        let split = try Split(count: 100, testSize: .count(24), validationSize: .count(12),
                              lookback: 5, horizon: 2, file: "series.csv")
        #expect(split.training == 0..<64)
        // 100 − 24 − 12 = 64.
        #expect(split.validation == 64..<76)
        #expect(split.test == 76..<100)
    }

    @Test func emptyValidationOrTestPartIsAllowed() throws {
        let split = try Split(count: 30, testSize: .count(0), validationSize: .count(0),
                              lookback: 5, horizon: 2, file: "series.csv")
        #expect(split.training == 0..<30)
        #expect(split.validation.isEmpty)
        #expect(split.test.isEmpty)
    }

    @Test func seriesShorterThanLookbackPlusHorizonIsUsageErrorSayingNeededAndHad() throws {
        let error = try #require(splitError(count: 5, test: .count(0), validation: .count(0), lookback: 4, horizon: 2))
        #expect(error.kind == .usage)
        #expect(error.file == "series.csv")
        #expect(error.message == "the series has 5 points; lookback 4 + horizon 2 needs at least 6")
    }

    @Test func trainingPartTooShortAfterHoldingOutIsUsageErrorWithTheCounts() throws {
        // 20 − 10 test − 6 validation leaves 4 training points; a window needs 6.
        let error = try #require(splitError(count: 20, test: .fraction(0.5), validation: .count(6), lookback: 4, horizon: 2))
        #expect(error.kind == .usage)
        #expect(error.message.contains("holding out 10 test and 6 validation points"))
        #expect(error.message.contains("the training part has 4 points"))
        #expect(error.message.contains("needs at least 6"))
        #expect(error.message.contains("the series has 20"))
    }

    @Test func testPartSmallerThanTheHorizonIsUsageError() throws {
        let error = try #require(splitError(count: 50, test: .count(2), validation: .count(0), lookback: 4, horizon: 3))
        #expect(error.kind == .usage)
        #expect(error.message.contains("the test part has 2 points, fewer than the horizon 3"))
    }

    @Test func validationPartSmallerThanTheHorizonIsUsageError() throws {
        let error = try #require(splitError(count: 50, test: .count(5), validation: .count(1), lookback: 4, horizon: 3))
        #expect(error.kind == .usage)
        #expect(error.message.contains("the validation part has 1 points, fewer than the horizon 3"))
    }

    // MARK: WindowSet

    /// 40 points; lookback 5, horizon 3; test 8 and validation 6 points: train [0, 26), validation [26, 32), test [32, 40).
    func windowsOfEachPart() throws -> (split: Split, training: WindowSet, validation: WindowSet, test: WindowSet) {
        let split = try Split(count: 40, testSize: .count(8), validationSize: .count(6), lookback: 5, horizon: 3,
                              file: "series.csv")
        let columns = [indexColumn(40)]
        return (split,
                WindowSet(columns: columns, lookback: 5, horizon: 3, targetRange: split.training),
                WindowSet(columns: columns, lookback: 5, horizon: 3, targetRange: split.validation),
                WindowSet(columns: columns, lookback: 5, horizon: 3, targetRange: split.test))
    }

    @Test func trainingWindowsStartAfterOneLookbackAndTheirTargetsStopBeforeTrainEnd() throws {
        let (split, training, _, _) = try windowsOfEachPart()
        #expect(split.trainEnd == 26)
        // Origins 5 … 26 − 3 = 23: 19 windows.
        #expect(training.count == 19)
        #expect(training.origins.first == 5)
        #expect(training.origins.last == 23)
        let (input, target, _) = training.batch(0..<training.count)
        // Inputs and targets hold point indices: nothing at or after trainEnd.
        #expect(target.scalars.allSatisfy { $0 < Float(split.trainEnd) })
        #expect(input.scalars.allSatisfy { $0 < Float(split.trainEnd) })
        #expect(Array(target.scalars.suffix(3)) == [23, 24, 25])
        #expect(Array(input.scalars.prefix(5)) == [0, 1, 2, 3, 4])
    }

    @Test func firstValidationWindowReadsTheLookbackRightBeforeTrainEnd() throws {
        let (split, _, validation, _) = try windowsOfEachPart()
        // Origins 26 … 32 − 3 = 29.
        #expect(validation.origins == [26, 27, 28, 29])
        let (input, target, _) = validation.batch([0])
        #expect(input.scalars == [21, 22, 23, 24, 25])
        #expect(input.scalars.last == Float(split.trainEnd - 1))
        #expect(target.scalars == [26, 27, 28])
        let (_, lastTarget, _) = validation.batch([validation.count - 1])
        #expect(lastTarget.scalars == [29, 30, 31])
        #expect(lastTarget.scalars.last == Float(split.validationEnd - 1))
    }

    @Test func testWindowsCoverTheTestPartToItsLastPoint() throws {
        let (split, _, _, test) = try windowsOfEachPart()
        #expect(test.origins.first == split.validationEnd)
        #expect(test.origins.last == 37)
        #expect(test.count == 6)
        let (input, target, _) = test.batch([0, test.count - 1])
        #expect(Array(input.scalars.prefix(5)) == [27, 28, 29, 30, 31])
        #expect(Array(target.scalars.suffix(3)) == [37, 38, 39])
    }

    @Test func windowsNeverStartBeforeOneLookbackEvenWhenThePartDoes() {
        let windows = WindowSet(columns: [indexColumn(10)], lookback: 4, horizon: 2, targetRange: 0..<10)
        #expect(windows.origins == [4, 5, 6, 7, 8])
        let tooShort = WindowSet(columns: [indexColumn(10)], lookback: 4, horizon: 2, targetRange: 8..<9)
        #expect(tooShort.count == 0)
    }

    @Test func batchIsBatchByTimeByColumnWithFeaturesInterleavedPerStep() {
        let columns = [indexColumn(12), indexColumn(12, offset: 100), indexColumn(12, offset: 200)]
        let windows = WindowSet(columns: columns, lookback: 3, horizon: 2, targetRange: 0..<12)
        #expect(windows.columnCount == 3)
        let (input, target, _) = windows.batch([0, 4])
        #expect(input.shape == [2, 3, 3])
        #expect(target.shape == [2, 2])
        // Window 0 (origin 3) reads t = 0, 1, 2; window 4 (origin 7) reads t = 4, 5, 6; each step: target, feature 1, feature 2.
        #expect(input.scalars == [
            0, 100, 200, 1, 101, 201, 2, 102, 202,
            4, 104, 204, 5, 105, 205, 6, 106, 206,
        ])
        // Targets come from column 0 only.
        #expect(target.scalars == [3, 4, 7, 8])
    }
}
