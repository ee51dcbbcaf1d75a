import Testing
import ForecastKernels

/// The vectorised Adam update against the plain loop, on every instruction set this CPU supports.
@Suite struct FastAdamUpdateTests {
    @Test(arguments: InstructionSet.supported)
    func fastAdamUpdateMatchesTheReferenceLoop(set: InstructionSet) {
        // Adam, Adam with L2 decay and AdamW; lengths that leave a partial vector. The fast update may
        // fuse multiply-adds, so values agree to a few ulps: 1e-6 relative to the step taken plus 1e-7.
        var random = TestRandom(seed: 17)
        for (decay, decoupled) in [(Float(0), false), (0.1, false), (0.01, true)] {
            for count in [1, 15, 16, 17, 1000] {
                let step = AdamStep(stepSize: 1e-2 / (1 - 0.9 * 0.9), biasCorrection2Root: (1 - 0.999 * 0.999).squareRoot(),
                                    learningRate: 1e-2, beta1: 0.9, beta2: 0.999, epsilon: 1e-8,
                                    weightDecay: decay, decoupledWeightDecay: decoupled)
                let values = random.floats(count), gradients = random.floats(count)
                let first = random.floats(count, -0.1, 0.1), second = random.floats(count, 0, 0.01)
                var (p1, m1, v1) = (values, first, second), (p2, m2, v2) = (values, first, second)
                adamUpdate(values: &p1, gradients: gradients, firstMoments: &m1, secondMoments: &v1, step: step, using: set)
                ReferenceKernels.adamUpdate(values: &p2, gradients: gradients, firstMoments: &m2, secondMoments: &v2, step: step)
                for j in 0..<count {
                    let moved = abs(Double(p2[j]) - Double(values[j]))
                    #expect(abs(Double(p1[j]) - Double(p2[j])) <= 1e-6 * moved + 1e-7, "\(set) value \(j) of \(count)")
                    // m = β1·m + (1 − β1)·g may cancel: relative to the terms.
                    let terms = 0.9 * abs(first[j]) + 0.1 * abs(gradients[j] + (decoupled ? 0 : decay * values[j]))
                    #expect(abs(m1[j] - m2[j]) <= 1e-6 * terms + 1e-12, "\(set) m \(j) of \(count)")
                    #expect(abs(v1[j] - v2[j]) <= 1e-6 * abs(v2[j]) + 1e-12, "\(set) v \(j) of \(count)")
                }
            }
        }
    }
}
