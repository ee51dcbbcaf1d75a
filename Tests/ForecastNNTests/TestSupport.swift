import Foundation
import Testing
import ForecastKernels
import ForecastNN

// Helpers shared by the layer tests: random tensors and gradient checks against central differences.

/// A tensor of `shape` with elements drawn from U(lower, upper).
func randomTensor(shape: [Int], in range: ClosedRange<Float> = -1...1, using generator: inout SeededGenerator) -> Tensor {
    let scalars = (0..<Tensor.elementCount(of: shape)).map { _ in
        generator.nextUniform(range.lowerBound, range.upperBound)
    }
    return Tensor(shape: shape, scalars: scalars)
}

/// Σ weights ⊙ x in Double: a scalar loss whose gradient with respect to x is `weights`.
func weightedSum(_ weights: Tensor, _ x: Tensor) -> Double {
    precondition(weights.shape == x.shape, "weightedSum: \(weights.shape) against \(x.shape)")
    var sum = 0.0
    for index in x.scalars.indices { sum += Double(weights.scalars[index]) * Double(x.scalars[index]) }
    return sum
}

/// How far an analytic gradient may be from its central difference: |analytic − numeric| ≤
/// `absolute` + `relative` · |numeric|.
struct GradientTolerance: Sendable {
    var absolute: Double
    var relative: Double

    func allows(analytic: Double, numeric: Double) -> Bool {
        abs(analytic - numeric) <= absolute + relative * abs(numeric)
    }
}

/// The outcome of comparing one tensor's analytic gradient with central differences.
struct GradientCheck {
    let name: String
    var checked = 0
    /// The largest |analytic − numeric| over the checked elements.
    var worstError = 0.0
    /// The largest |analytic − numeric| / (absolute + relative · |numeric|): above 1 fails.
    var worstRatio = 0.0
    var failures: [String] = []
}

/// dLoss/d`variable.value.scalars[index]` by a central difference with `step`, restoring the element.
///
/// Inputs and initial states are wrapped in a ``Parameter`` too, so that one routine perturbs them all.
/// The difference is divided by the step actually taken in Float, (x + h) − (x − h), not by 2h.
func centralDifference(of variable: Parameter, at index: Int, step: Float, loss: () -> Double) -> Double {
    let original = variable.value.scalars[index]
    let up = original + step, down = original - step
    variable.value.scalars[index] = up
    let lossUp = loss()
    variable.value.scalars[index] = down
    let lossDown = loss()
    variable.value.scalars[index] = original
    return (lossUp - lossDown) / (Double(up) - Double(down))
}

/// Compares `analytic` (dLoss/d`variable`) with central differences at `indices` (every element
/// when `nil`).
func checkGradient(_ name: String, analytic: Tensor, of variable: Parameter, indices: [Int]? = nil,
                   step: Float, tolerance: GradientTolerance, loss: () -> Double) -> GradientCheck {
    precondition(analytic.shape == variable.value.shape, "\(name): gradient \(analytic.shape) for value \(variable.value.shape)")
    var check = GradientCheck(name: name)
    for index in indices ?? Array(variable.value.scalars.indices) {
        let numeric = centralDifference(of: variable, at: index, step: step, loss: loss)
        let value = Double(analytic.scalars[index])
        let error = abs(value - numeric)
        check.checked += 1
        check.worstError = max(check.worstError, error)
        check.worstRatio = max(check.worstRatio, error / (tolerance.absolute + tolerance.relative * abs(numeric)))
        if !tolerance.allows(analytic: value, numeric: numeric) {
            check.failures.append("\(name)[\(index)]: analytic \(value), numeric \(numeric)")
        }
    }
    return check
}

/// Records an issue for every tensor with an element out of tolerance (its first few elements
/// listed). Set GRADIENT_CHECK_REPORT=1 to print the worst error of every tensor.
func expectGradientsMatch(_ checks: [GradientCheck], sourceLocation: SourceLocation = #_sourceLocation) {
    if ProcessInfo.processInfo.environment["GRADIENT_CHECK_REPORT"] != nil {
        for check in checks {
            print("gradient check \(check.name): \(check.checked) elements, worst |analytic − numeric| = "
                  + "\(check.worstError), worst error / allowed = \(check.worstRatio)")
        }
    }
    for check in checks {
        #expect(check.checked > 0, "\(check.name): no element checked", sourceLocation: sourceLocation)
        #expect(check.failures.isEmpty,
                "\(check.name): \(check.failures.count) of \(check.checked) elements out of tolerance, e.g. \(check.failures.prefix(3))",
                sourceLocation: sourceLocation)
    }
}
