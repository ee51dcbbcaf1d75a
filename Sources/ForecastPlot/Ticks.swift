// Where the ticks of a numeric axis go, and how their values are written: steps of 1, 2 or 5
// times a power of ten on a linear axis, powers of ten (with 2 and 5 between when there is room)
// on a logarithmic one. Date axes are in DateTicks.swift.
import Foundation

/// Tick positions and labels for chart axes.
public enum Ticks {
    /// At most `count` (≥ 2) evenly spaced ticks, a step of 1, 2 or 5 × 10ᵏ apart, from the
    /// largest multiple of the step at or below `min` to the smallest at or above `max`, so that
    /// the ticks cover the range: the smallest such step that needs no more than `count` ticks
    /// (three when the range holds zero and `count` is 2).
    ///
    /// An empty range (min = max) is widened by 10% of the value (by 1 at zero); non-finite
    /// bounds give `[0, 1]`.
    public static func nice(min: Double, max: Double, count: Int = 6) -> [Double] {
        guard min.isFinite, max.isFinite else { return [0, 1] }
        var (low, high) = (Swift.min(min, max), Swift.max(min, max))
        if low == high {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            (low, high) = (low - pad, high + pad)
        }
        let count = Swift.max(count, 2)
        // The covering ticks of a step number at most one more than the range holds steps, so
        // the search starts a little below range / count and moves up through 1, 2, 5, 10, ….
        // It stops once a step exceeds the whole range, beyond which the count no longer falls
        // (a range across zero always needs three ticks).
        var step = NiceStep(atLeast: (high - low) / Double(count))
        while true {
            let first = Self.multipleIndex(low / step.value, rounding: .down)
            let last = Self.multipleIndex(high / step.value, rounding: .up)
            if last - first + 1 <= count || step.value > 2 * Swift.max(abs(low), abs(high)) {
                return (first...last).map(step.multiple)
            }
            step = step.next
        }
    }

    /// `quotient` rounded as asked, but to the nearest whole number when within a millionth of
    /// it, so that 0.3 / 0.1 = 2.9999… counts as 3.
    private static func multipleIndex(_ quotient: Double, rounding: FloatingPointRoundingRule) -> Int {
        let nearest = quotient.rounded()
        return Int(abs(quotient - nearest) < 1e-6 ? nearest : quotient.rounded(rounding))
    }

    /// Ticks for a base-10 logarithmic axis over `min ... max` (both > 0), covering the range:
    /// the powers of ten, every few decades when there are more than `count` of them, or with
    /// 2 × and 5 × between when the range spans fewer than three decades.
    /// A range that is not positive and finite gives `[1, 10]`.
    public static func logarithmic(min: Double, max: Double, count: Int = 6) -> [Double] {
        guard min > 0, max > 0, min.isFinite, max.isFinite else { return [1, 10] }
        let (low, high) = (Swift.min(min, max), Swift.max(min, max))
        let lowExponent = decimalExponent(low)
        let highExponent = Swift.max(Int((log10(high) - 1e-9).rounded(.up)), lowExponent + 1)
        let decades = highExponent - lowExponent
        if decades > Swift.max(count - 1, 1) {
            let stride = Int(NiceStep(atLeast: Double(decades) / Double(Swift.max(count - 1, 1))).value.rounded(.up))
            let first = Int((Double(lowExponent) / Double(stride)).rounded(.down)) * stride
            let last = Int((Double(highExponent) / Double(stride)).rounded(.up)) * stride
            return Swift.stride(from: first, through: last, by: stride).map { NiceStep(mantissa: 1, exponent: $0).value }
        }
        let mantissas = decades < 3 ? [1, 2, 5] : [1]
        let candidates = (lowExponent...highExponent).flatMap { exponent in
            mantissas.map { NiceStep(mantissa: $0, exponent: exponent).value }
        }
        let start = candidates.lastIndex { $0 <= low * (1 + 1e-9) } ?? 0
        let end = candidates.firstIndex { $0 >= high * (1 - 1e-9) } ?? candidates.count - 1
        return Array(candidates[start...end])
    }

    /// The labels of evenly spaced ticks: as many decimals as the step needs ("0.25", "0.5"
    /// become "0.25", "0.50"), thousands and millions shortened when the step allows ("15k",
    /// "2.5M"), and very small steps in scientific notation.
    public static func labels(_ ticks: [Double]) -> [String] {
        guard ticks.count >= 2 else { return ticks.map(label) }
        let step = abs(ticks[1] - ticks[0])
        let stepExponent = decimalExponent(step)
        let largest = ticks.map(abs).max() ?? 0
        let largestExponent = largest > 0 ? decimalExponent(largest) : 0
        if stepExponent < -4 {
            let digits = Swift.max(0, largestExponent - stepExponent)
            return ticks.map { $0 == 0 ? "0" : String(format: "%.\(digits)e", $0) }
        }
        if largestExponent >= 4 {
            let suffixExponent = Swift.min(largestExponent / 3 * 3, 12)
            if stepExponent >= suffixExponent - 1 {
                let suffix = ["k", "M", "G", "T"][suffixExponent / 3 - 1]
                let decimals = Swift.max(0, suffixExponent - stepExponent)
                return ticks.map { fixed($0 / powerOfTen(suffixExponent), decimals: decimals) + ($0 == 0 ? "" : suffix) }
            }
        }
        return ticks.map { fixed($0, decimals: Swift.max(0, -stepExponent)) }
    }

    /// One value written alone, as a logarithmic axis labels its ticks: "0.002", "50", "1e+06".
    public static func label(_ value: Double) -> String {
        guard value != 0, value.isFinite else { return value.isFinite ? "0" : "\(value)" }
        let exponent = decimalExponent(value)
        if exponent >= 6 || exponent < -4 { return String(format: "%g", value) }
        // Up to three significant digits, without trailing zeros.
        let decimals = Swift.max(0, 2 - exponent)
        var text = fixed(value, decimals: decimals)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    /// `value` with `decimals` digits after the point; never "-0".
    private static func fixed(_ value: Double, decimals: Int) -> String {
        let text = String(format: "%.\(decimals)f", value)
        return text.hasPrefix("-") && text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) ? String(text.dropFirst()) : text
    }

    /// The power of ten of `value`'s leading digit: 2 for 500, −3 for 0.002 (within a rounding
    /// error of an exact power, the power itself).
    static func decimalExponent(_ value: Double) -> Int {
        Int((log10(abs(value)) + 1e-9).rounded(.down))
    }

    /// 10ⁿ, exact for every n a Double can hold exactly.
    static func powerOfTen(_ exponent: Int) -> Double {
        exponent >= 0 ? pow(10, Double(exponent)) : 1 / pow(10, Double(-exponent))
    }
}

/// A step of `mantissa` × 10^`exponent` with mantissa 1, 2 or 5.
struct NiceStep {
    var mantissa: Int
    var exponent: Int

    /// The smallest nice step at least `minimum` (> 0; anything else gives 1).
    init(atLeast minimum: Double) {
        guard minimum > 0, minimum.isFinite else { (mantissa, exponent) = (1, 0); return }
        var exponent = Ticks.decimalExponent(minimum)
        let fraction = minimum / Ticks.powerOfTen(exponent)
        let mantissa: Int
        switch fraction {
        case ...1.000_000_001: mantissa = 1
        case ...2.000_000_001: mantissa = 2
        case ...5.000_000_001: mantissa = 5
        default: mantissa = 1; exponent += 1
        }
        (self.mantissa, self.exponent) = (mantissa, exponent)
    }

    var value: Double { multiple(1) }

    /// The next larger nice step: 1 → 2 → 5 → 10.
    var next: NiceStep {
        switch mantissa {
        case 1: NiceStep(mantissa: 2, exponent: exponent)
        case 2: NiceStep(mantissa: 5, exponent: exponent)
        default: NiceStep(mantissa: 1, exponent: exponent + 1)
        }
    }

    init(mantissa: Int, exponent: Int) {
        (self.mantissa, self.exponent) = (mantissa, exponent)
    }

    /// k steps, computed so that 3 × 0.1 is written 0.3 and not 0.30000000000000004.
    func multiple(_ k: Int) -> Double {
        let units = Double(k * mantissa)
        return exponent >= 0 ? units * Ticks.powerOfTen(exponent) : units / Ticks.powerOfTen(-exponent)
    }
}
