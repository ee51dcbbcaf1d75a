import Testing
import ForecastKernels
import ForecastNN

/// Every backward pass against central finite differences of its forward pass.
///
/// The layers compute in Float32, so the differences are taken with a large step, h = 1e-2, and the
/// loss is summed in Double: the Float rounding of the loss, divided by 2h, stays near 1e-6 and the
/// truncation error O(h²) below 2e-4 (h = 3e-3 trades one for the other and is no better overall).
/// An element passes when |analytic − numeric| ≤ 2e-4 + 2e-3 · |numeric|, about ten times the worst
/// error measured. Every element of every tensor is checked. The measured worst |analytic − numeric|
/// is noted in each test; GRADIENT_CHECK_REPORT=1 prints it for every tensor.
@Suite struct GradientCheckTests {
    static let step: Float = 1e-2
    static let tolerance = GradientTolerance(absolute: 2e-4, relative: 2e-3)

    /// `analytic` against central differences of `loss` over every element of `variable`.
    static func check(_ name: String, _ analytic: Tensor, _ variable: Parameter, loss: () -> Double) -> GradientCheck {
        checkGradient(name, analytic: analytic, of: variable, step: step, tolerance: tolerance, loss: loss)
    }

    @Test func twoLayerLSTMWithInitialStateMatchesFiniteDifferences() {
        // L = Σ Wo ⊙ output + Σ Wh ⊙ h_n + Σ Wc ⊙ c_n: every step's output and both final states get gradient.
        var generator = SeededGenerator(seed: 2024)
        let (batch, time, inputSize, hiddenSize, numLayers) = (3, 5, 3, 4, 2)
        let lstm = LSTM(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, using: &generator)
        let input = Parameter(randomTensor(shape: [batch, time, inputSize], using: &generator))
        let h0 = Parameter(randomTensor(shape: [numLayers, batch, hiddenSize], using: &generator))
        let c0 = Parameter(randomTensor(shape: [numLayers, batch, hiddenSize], using: &generator))
        let outputWeights = randomTensor(shape: [batch, time, hiddenSize], using: &generator)
        let hiddenWeights = randomTensor(shape: [numLayers, batch, hiddenSize], using: &generator)
        let cellWeights = randomTensor(shape: [numLayers, batch, hiddenSize], using: &generator)
        func loss() -> Double {
            let (output, finalState) = lstm.forward(input.value, initialState: LSTMState(hidden: h0.value, cell: c0.value))
            return weightedSum(outputWeights, output) + weightedSum(hiddenWeights, finalState.hidden)
                + weightedSum(cellWeights, finalState.cell)
        }

        for (_, parameter) in lstm.namedParameters { parameter.zeroGradient() }
        _ = lstm.forward(input.value, initialState: LSTMState(hidden: h0.value, cell: c0.value))
        let (inputGradient, initialStateGradient) = lstm.backward(
            outputGradient: outputWeights, finalStateGradient: LSTMState(hidden: hiddenWeights, cell: cellWeights))

        // Measured worst |analytic − numeric|: 2.0e-4 (b_ih_l0, b_hh_l0, whose gradients near 1 sum 15
        // rows), 3.1e-5 for the weights, below 1e-5 for the input and the initial states.
        var checks = lstm.namedParameters.map { name, parameter in
            Self.check(name, parameter.gradient, parameter, loss: loss)
        }
        checks.append(Self.check("input", inputGradient, input, loss: loss))
        checks.append(Self.check("h0", initialStateGradient.hidden, h0, loss: loss))
        checks.append(Self.check("c0", initialStateGradient.cell, c0, loss: loss))
        #expect(checks.count == 11)
        expectGradientsMatch(checks)
    }

    @Test func oneLayerLSTMFromZeroStateMatchesFiniteDifferences() {
        var generator = SeededGenerator(seed: 7)
        let (batch, time, inputSize, hiddenSize) = (2, 6, 3, 5)
        let lstm = LSTM(inputSize: inputSize, hiddenSize: hiddenSize, using: &generator)
        let input = Parameter(randomTensor(shape: [batch, time, inputSize], using: &generator))
        let outputWeights = randomTensor(shape: [batch, time, hiddenSize], using: &generator)
        func loss() -> Double { weightedSum(outputWeights, lstm.forward(input.value).output) }

        for (_, parameter) in lstm.namedParameters { parameter.zeroGradient() }
        _ = lstm.forward(input.value)
        let (inputGradient, _) = lstm.backward(outputGradient: outputWeights)

        // Measured worst |analytic − numeric|: 2.7e-5 (b_hh_l0).
        let checks = lstm.namedParameters.map { name, parameter in
            Self.check(name, parameter.gradient, parameter, loss: loss)
        } + [Self.check("input", inputGradient, input, loss: loss)]
        expectGradientsMatch(checks)
    }

    @Test func lstmFinalStateGradientAloneMatchesFiniteDifferences() {
        // The loss reads only h_n and c_n (outputGradient nil): the gradient enters through the last step.
        var generator = SeededGenerator(seed: 8)
        let (batch, time, inputSize, hiddenSize, numLayers) = (2, 4, 2, 3, 2)
        let lstm = LSTM(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, using: &generator)
        let input = Parameter(randomTensor(shape: [batch, time, inputSize], using: &generator))
        let hiddenWeights = randomTensor(shape: [numLayers, batch, hiddenSize], using: &generator)
        let cellWeights = randomTensor(shape: [numLayers, batch, hiddenSize], using: &generator)
        func loss() -> Double {
            let finalState = lstm.forward(input.value).finalState
            return weightedSum(hiddenWeights, finalState.hidden) + weightedSum(cellWeights, finalState.cell)
        }

        for (_, parameter) in lstm.namedParameters { parameter.zeroGradient() }
        _ = lstm.forward(input.value)
        let (inputGradient, _) = lstm.backward(outputGradient: nil,
                                               finalStateGradient: LSTMState(hidden: hiddenWeights, cell: cellWeights))

        // Measured worst |analytic − numeric|: 1.3e-5 (b_hh_l1).
        let checks = lstm.namedParameters.map { name, parameter in
            Self.check(name, parameter.gradient, parameter, loss: loss)
        } + [Self.check("input", inputGradient, input, loss: loss)]
        expectGradientsMatch(checks)
    }

    @Test func linearMatchesFiniteDifferences() {
        var generator = SeededGenerator(seed: 3)
        let linear = Linear(inFeatures: 5, outFeatures: 3, using: &generator)
        let input = Parameter(randomTensor(shape: [4, 5], using: &generator))
        let outputWeights = randomTensor(shape: [4, 3], using: &generator)
        func loss() -> Double { weightedSum(outputWeights, linear.forward(input.value)) }

        for (_, parameter) in linear.namedParameters { parameter.zeroGradient() }
        _ = linear.forward(input.value)
        let inputGradient = linear.backward(outputWeights)

        // Linear in every variable, so the differences are exact up to rounding: measured worst 1.2e-6.
        let checks = linear.namedParameters.map { name, parameter in
            Self.check(name, parameter.gradient, parameter, loss: loss)
        } + [Self.check("input", inputGradient, input, loss: loss)]
        expectGradientsMatch(checks)
    }

    @Test(arguments: Loss.allCases)
    func lossGradientMatchesFiniteDifferencesOfItsValue(loss: Loss) {
        // Differences d = ŷ − y with |d| in [0.2, 0.8] or [1.2, 2.5]: at least 0.2 from the kinks of
        // mae (0) and huber (0 and ±1), more than the step 0.05. The losses are piecewise quadratic, so
        // the central difference is exact but for the Float rounding of the value (≈ 1e-7 / 0.1).
        // Measured worst |analytic − numeric|: 1.6e-6 (mse). Tolerance 1e-5 + 1e-3 · |numeric|.
        var generator = SeededGenerator(seed: 4)
        let shape = [3, 4]
        let target = randomTensor(shape: shape, using: &generator)
        var differences: [Float] = []
        for index in 0..<Tensor.elementCount(of: shape) {
            let magnitude = index.isMultiple(of: 2) ? generator.nextUniform(0.2, 0.8) : generator.nextUniform(1.2, 2.5)
            differences.append(generator.nextUnitFloat() < 0.5 ? -magnitude : magnitude)
        }
        let prediction = Parameter(Tensor(shape: shape, scalars: zip(target.scalars, differences).map(+)))
        let analytic = loss.evaluate(prediction: prediction.value, target: target).gradient

        let check = checkGradient("\(loss)", analytic: analytic, of: prediction, step: 0.05,
                                  tolerance: GradientTolerance(absolute: 1e-5, relative: 1e-3)) {
            Double(loss.evaluate(prediction: prediction.value, target: target).value)
        }
        expectGradientsMatch([check])
    }

    @Test func pinballLossAndItsGradientMatchHandValuesAndFiniteDifferences() {
        // By hand: quantiles 0.1 and 0.9 of one step; y = 1, ŷ = (0, 3): d = 1 and −2;
        // ρ = 0.1 · 1 = 0.1 and (0.9 − 1) · (−2) = 0.2; mean 0.15; gradients −0.1 / 2, (1 − 0.9) / 2.
        let small = PinballLoss(quantiles: [0.1, 0.9])
        let (value, gradient) = small.evaluate(prediction: Tensor(shape: [1, 2], scalars: [0, 3]), target: Tensor(shape: [1, 1], scalars: [1]))
        #expect(abs(value - 0.15) < 1e-7)
        #expect(zip(gradient.scalars, [-0.05, 0.05]).allSatisfy { abs($0 - $1) < 1e-7 })

        // Finite differences on (B 3, Q 3 · H 2), every |y − ŷ| in [0.2, 1.5], away from the kink at 0
        // (the step is 0.05). The loss is linear on each side, so the central difference is exact
        // but for the Float rounding of the value. Tolerance 1e-5 + 1e-3 · |numeric|.
        let loss = PinballLoss(quantiles: [0.025, 0.5, 0.975])
        var generator = SeededGenerator(seed: 8)
        let target = randomTensor(shape: [3, 2], using: &generator)
        var scalars: [Float] = []
        for b in 0..<3 {
            for _ in 0..<3 {
                for h in 0..<2 {
                    let magnitude = generator.nextUniform(0.2, 1.5)
                    scalars.append(target.scalars[b * 2 + h] + (generator.nextUnitFloat() < 0.5 ? -magnitude : magnitude))
                }
            }
        }
        let prediction = Parameter(Tensor(shape: [3, 6], scalars: scalars))
        let analytic = loss.evaluate(prediction: prediction.value, target: target).gradient
        let check = checkGradient("pinball", analytic: analytic, of: prediction, step: 0.05,
                                  tolerance: GradientTolerance(absolute: 1e-5, relative: 1e-3)) {
            Double(loss.evaluate(prediction: prediction.value, target: target).value)
        }
        expectGradientsMatch([check])
    }

    @Test func lstmModelWithMSEMatchesFiniteDifferences() {
        // forward → MSE → backward through Linear, the last time step and two LSTM layers, from a
        // non-zero initial state. The loss for the differences is the MSE summed in Double.
        let (batch, time, inputSize, hiddenSize, numLayers, outputSize) = (4, 6, 2, 5, 2, 3)
        let model = LSTMModel(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers,
                              outputSize: outputSize, seed: 5)
        var generator = SeededGenerator(seed: 6)
        let input = Parameter(randomTensor(shape: [batch, time, inputSize], using: &generator))
        let h0 = Parameter(randomTensor(shape: [numLayers, batch, hiddenSize], using: &generator))
        let c0 = Parameter(randomTensor(shape: [numLayers, batch, hiddenSize], using: &generator))
        let target = randomTensor(shape: [batch, outputSize], using: &generator)
        func loss() -> Double {
            let prediction = model.forward(input.value, initialState: LSTMState(hidden: h0.value, cell: c0.value))
            var sum = 0.0
            for index in prediction.scalars.indices {
                let d = Double(prediction.scalars[index]) - Double(target.scalars[index])
                sum += d * d
            }
            return sum / Double(prediction.count)
        }

        for parameter in model.parameters { parameter.zeroGradient() }
        let prediction = model.forward(input.value, initialState: LSTMState(hidden: h0.value, cell: c0.value))
        let (inputGradient, initialStateGradient) = model.backward(Loss.mse.evaluate(prediction: prediction, target: target).gradient)

        // Measured worst |analytic − numeric|: 3.9e-6 (b_hh_l1).
        var checks = model.namedParameters.map { name, parameter in
            Self.check(name, parameter.gradient, parameter, loss: loss)
        }
        checks.append(Self.check("input", inputGradient, input, loss: loss))
        checks.append(Self.check("h0", initialStateGradient.hidden, h0, loss: loss))
        checks.append(Self.check("c0", initialStateGradient.cell, c0, loss: loss))
        expectGradientsMatch(checks)
    }

    @Test func parameterGradientsAccumulateAcrossBackwardPasses() {
        // Two forward/backward passes without zeroing leave twice the gradient of one, as in PyTorch.
        let model = LSTMModel(inputSize: 2, hiddenSize: 3, numLayers: 2, outputSize: 1, seed: 9)
        var generator = SeededGenerator(seed: 10)
        let input = randomTensor(shape: [2, 4, 2], using: &generator)
        let outputGradient = randomTensor(shape: [2, 1], using: &generator)
        for parameter in model.parameters { parameter.zeroGradient() }
        _ = model.forward(input)
        model.backward(outputGradient)
        let once = model.parameters.map(\.gradient)
        _ = model.forward(input)
        model.backward(outputGradient)
        for ((name, parameter), single) in zip(model.namedParameters, once) {
            // The second pass adds its terms one by one onto the first's sums, so the rounding differs
            // from 2 × once: allow 1e-5 of the tensor's largest gradient.
            let largest = single.scalars.map { abs(Double($0)) }.max() ?? 0
            let worst = zip(parameter.gradient.scalars, single.scalars).map { abs(Double($0) - 2 * Double($1)) }.max() ?? 0
            #expect(largest > 0, "\(name) got no gradient")
            #expect(worst <= 1e-5 * largest, "\(name): |twice − 2 × once| = \(worst), largest gradient \(largest)")
        }
    }
}
