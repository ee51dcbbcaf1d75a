import Foundation
import Testing
@testable import ForecastPlot

/// Numeric ticks: steps of 1, 2 or 5 × 10ᵏ that cover the data, and labels written as a reader expects.
@Suite struct TicksTests {
    /// Whether `step` is 1, 2 or 5 times a power of ten, within a rounding error.
    private func isNiceStep(_ step: Double) -> Bool {
        let mantissa = step / pow(10, (log10(step) + 1e-9).rounded(.down))
        return [1.0, 2, 5].contains { abs(mantissa - $0) < 1e-9 }
    }

    @Test func niceTicksAreEvenOneTwoFiveStepsThatCoverTheRange() {
        // Seeded, so a failure repeats (SplitMix64; the plot tests do not link the network layer's generator).
        var generator = SplitMix64(seed: 2026)
        var ranges: [(Double, Double)] = [(180, 622), (0, 1), (-3.7, 12.2), (0.0137, 0.0139), (1e6, 3.3e7), (-5e-5, 5e-5), (99, 101)]
        for _ in 0..<500 {
            let scale = pow(10, Double.random(in: -6...8, using: &generator))
            let a = Double.random(in: -1...1, using: &generator) * scale, b = Double.random(in: -1...1, using: &generator) * scale
            ranges.append((min(a, b), max(a, b)))
        }
        for (low, high) in ranges {
            for count in [2, 4, 7, 10] {
                let ticks = Ticks.nice(min: low, max: high, count: count)
                let step = ticks[1] - ticks[0]
                #expect(isNiceStep(step), "step \(step) for \(low) ... \(high)")
                #expect(ticks.count >= 2 && ticks.count <= max(count, 3), "\(ticks.count) ticks for at most \(count)")
                #expect(ticks.first! <= low && ticks.last! >= high, "\(ticks) do not cover \(low) ... \(high)")
                for (a, b) in zip(ticks, ticks.dropFirst()) {
                    #expect(abs((b - a) - step) <= 1e-9 * max(abs(step), abs(b)), "uneven ticks \(ticks)")
                }
                for tick in ticks {
                    let multiple = tick / step
                    #expect(abs(multiple - multiple.rounded()) < 1e-6, "\(tick) is not a multiple of \(step)")
                }
            }
        }
    }

    @Test func niceTicksTakeTheSmallestStepThatFitsTheCount() {
        // 180 ... 622 in at most 7 ticks: 100 needs 100 ... 700 (7), 50 would need 150 ... 650 (11).
        #expect(Ticks.nice(min: 180, max: 622, count: 7) == [100, 200, 300, 400, 500, 600, 700])
        #expect(Ticks.nice(min: 180, max: 622, count: 6) == [0, 200, 400, 600, 800])
        // Multiples of a decimal step are the decimals themselves, not 0.30000000000000004.
        #expect(Ticks.nice(min: 0.3, max: 0.7, count: 5) == [0.3, 0.4, 0.5, 0.6, 0.7])
        #expect(Ticks.nice(min: -0.05, max: 0.12, count: 5) == [-0.05, 0, 0.05, 0.1, 0.15])
    }

    @Test func anEmptyOrNonFiniteRangeStillGetsTicks() {
        #expect(Ticks.nice(min: 5, max: 5, count: 5) == [4.5, 5, 5.5])
        #expect(Ticks.nice(min: 0, max: 0, count: 3) == [-1, 0, 1])
        #expect(Ticks.nice(min: .nan, max: 1) == [0, 1])
    }

    @Test func logarithmicTicksArePowersOfTenWithTwoAndFiveOnShortRanges() {
        #expect(Ticks.logarithmic(min: 0.0137, max: 2.2) == [0.01, 0.1, 1, 10])
        #expect(Ticks.logarithmic(min: 0.12, max: 0.9) == [0.1, 0.2, 0.5, 1])
        #expect(Ticks.logarithmic(min: 0.003, max: 0.04) == [0.002, 0.005, 0.01, 0.02, 0.05])
        // Twelve decades in at most 6 ticks: every fifth power.
        #expect(Ticks.logarithmic(min: 1e-6, max: 1e6, count: 6) == [1e-10, 1e-5, 1, 1e5, 1e10])
        #expect(Ticks.logarithmic(min: 0, max: 1) == [1, 10])
    }

    @Test func labelsUseTheDecimalsTheStepNeedsAndShortenThousands() {
        #expect(Ticks.labels([0, 200, 400]) == ["0", "200", "400"])
        #expect(Ticks.labels([0, 0.5, 1]) == ["0.0", "0.5", "1.0"])
        #expect(Ticks.labels([-0.05, 0, 0.05]) == ["-0.05", "0.00", "0.05"])
        #expect(Ticks.labels([10_000, 15_000, 20_000]) == ["10k", "15k", "20k"])
        #expect(Ticks.labels([1_000_000, 1_500_000]) == ["1.0M", "1.5M"])
        // A step too fine for a suffix keeps every digit.
        #expect(Ticks.labels([10_000, 10_002, 10_004]) == ["10000", "10002", "10004"])
        #expect(Ticks.labels([0, 0.00001, 0.00002]) == ["0", "1e-05", "2e-05"])
    }

    @Test func logarithmicLabelsAreWrittenAlone() {
        #expect(Ticks.label(0.002) == "0.002")
        #expect(Ticks.label(0.5) == "0.5")
        #expect(Ticks.label(50) == "50")
        #expect(Ticks.label(20_000) == "20000")
        #expect(Ticks.label(1e6) == "1e+06")
        #expect(Ticks.label(1e-5) == "1e-05")
    }
}

/// A small seeded generator for the tests' random ranges (SplitMix64, Steele et al. 2014).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
