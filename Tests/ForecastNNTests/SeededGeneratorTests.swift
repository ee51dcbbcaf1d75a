import Testing
import ForecastKernels
import ForecastNN

/// The generator repeats exactly from a seed, is uniform, and initialises layers as PyTorch does.
@Suite struct SeededGeneratorTests {
    @Test func sameSeedGivesTheSameSequence() {
        var first = SeededGenerator(seed: 12345), second = SeededGenerator(seed: 12345)
        let a = (0..<1000).map { _ in first.next() }, b = (0..<1000).map { _ in second.next() }
        #expect(a == b)
    }

    @Test func differentSeedsGiveDifferentSequences() {
        let sequences = [0, 1, 2, 42, UInt64.max].map { seed in
            var generator = SeededGenerator(seed: seed)
            return (0..<16).map { _ in generator.next() }
        }
        #expect(Set(sequences).count == sequences.count)
        // Not merely shifted: no value of one sequence appears in another.
        #expect(Set(sequences.joined()).count == 16 * sequences.count)
    }

    @Test func outputsMatchReferenceXoshiro256StarStarSeededBySplitMix64() {
        // Computed by a transcription of Vigna's splitmix64.c and xoshiro256starstar.c into Python
        // (the state is four SplitMix64 outputs; SplitMix64 from 0 starts 0xE220A8397B1DCDAF).
        let reference: [UInt64: [UInt64]] = [
            0: [0x99EC_5F36_CB75_F2B4, 0xBF6E_1F78_4956_452A, 0x1A5F_849D_4933_E6E0,
                0x6AA5_94F1_262D_2D2C, 0xBBA5_AD4A_1F84_2E59],
            42: [0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1,
                 0xECB8_AD47_03B3_60A1, 0xFDE6_DC7F_E2EC_5E64],
        ]
        for (seed, expected) in reference {
            var generator = SeededGenerator(seed: seed)
            #expect((0..<expected.count).map { _ in generator.next() } == expected, "seed \(seed)")
        }
    }

    @Test func unitFloatsLieInZeroOneAndAreUniform() {
        // 200 000 samples: the mean's standard error is √(1/12/n) ≈ 6.5e-4 and the variance's ≈ 1.9e-4,
        // so the bounds below sit at about 8 and 10 standard errors; each tenth of [0, 1) holds 10% ± 0.5%
        // of the samples (7 standard errors).
        var generator = SeededGenerator(seed: 99)
        let count = 200_000
        var sum = 0.0, sumOfSquares = 0.0, bins = [Int](repeating: 0, count: 10)
        var inRange = true
        for _ in 0..<count {
            let x = generator.nextUnitFloat()
            inRange = inRange && x >= 0 && x < 1
            sum += Double(x)
            sumOfSquares += Double(x) * Double(x)
            bins[min(Int(x * 10), 9)] += 1
        }
        #expect(inRange)
        let mean = sum / Double(count), variance = sumOfSquares / Double(count) - mean * mean
        #expect(abs(mean - 0.5) < 5e-3, "mean \(mean)")
        #expect(abs(variance - 1.0 / 12) < 2e-3, "variance \(variance)")
        for (bin, hits) in bins.enumerated() {
            #expect(abs(Double(hits) / Double(count) - 0.1) < 5e-3, "bin \(bin): \(hits)")
        }
    }

    @Test func uniformValuesStayInsideTheirBounds() {
        var generator = SeededGenerator(seed: 3)
        var low = Float.infinity, high = -Float.infinity
        for _ in 0..<10_000 {
            let x = generator.nextUniform(-0.25, 0.75)
            low = min(low, x); high = max(high, x)
        }
        #expect(low >= -0.25 && high <= 0.75)
        #expect(low < -0.24 && high > 0.74, "the samples should fill the interval: [\(low), \(high)]")
    }

    // MARK: Initialisation

    @Test func lstmParametersLieWithinPyTorchsBound() {
        // nn.LSTM draws every parameter from U(−1/√H, 1/√H).
        var generator = SeededGenerator(seed: 17)
        let hiddenSize = 8
        let lstm = LSTM(inputSize: 3, hiddenSize: hiddenSize, numLayers: 2, using: &generator)
        let bound = 1 / Float(hiddenSize).squareRoot()
        for (name, parameter) in lstm.namedParameters {
            let largest = parameter.value.scalars.map(abs).max() ?? 0
            #expect(largest <= bound, "\(name): |x| = \(largest) above \(bound)")
            #expect(largest > 0.8 * bound, "\(name): |x| at most \(largest), not spread over ±\(bound)")
        }
    }

    @Test func linearParametersLieWithinPyTorchsBound() {
        // nn.Linear: Kaiming-uniform weight with a = √5 and the bias both give U(−1/√in, 1/√in).
        var generator = SeededGenerator(seed: 18)
        let inFeatures = 5
        let linear = Linear(inFeatures: inFeatures, outFeatures: 7, using: &generator)
        let bound = 1 / Float(inFeatures).squareRoot()
        for (name, parameter) in linear.namedParameters {
            let largest = parameter.value.scalars.map(abs).max() ?? 0
            #expect(largest <= bound, "\(name): |x| = \(largest) above \(bound)")
            #expect(largest > 0.5 * bound, "\(name): |x| at most \(largest), not spread over ±\(bound)")
        }
    }

    @Test func modelsWithTheSameSeedHaveIdenticalParameters() {
        let first = LSTMModel(inputSize: 3, hiddenSize: 6, numLayers: 2, outputSize: 2, dropout: 0.2, seed: 77)
        let second = LSTMModel(inputSize: 3, hiddenSize: 6, numLayers: 2, outputSize: 2, dropout: 0.2, seed: 77)
        #expect(first.parameters.map(\.value) == second.parameters.map(\.value))
    }

    @Test func modelsWithDifferentSeedsHaveDifferentParameters() {
        let first = LSTMModel(inputSize: 3, hiddenSize: 6, numLayers: 2, outputSize: 2, seed: 77)
        let second = LSTMModel(inputSize: 3, hiddenSize: 6, numLayers: 2, outputSize: 2, seed: 78)
        for (a, b) in zip(first.namedParameters, second.namedParameters) {
            #expect(a.parameter.value != b.parameter.value, "\(a.name) is the same under both seeds")
        }
    }
}
