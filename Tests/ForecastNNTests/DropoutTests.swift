import Foundation
import Testing
import ForecastKernels
import ForecastNN

/// Inverted dropout on its own and between the layers of an LSTM.
@Suite struct DropoutTests {
    @Test(arguments: [Float(0.5), 0.3])
    func trainingDropsAboutPOfTheElementsAndScalesSurvivorsByOneOverOneMinusP(probability: Float) {
        // 100 000 elements: the dropped fraction has a standard error of √(p(1−p)/n) ≤ 1.6e-3; allow 1e-2.
        var dropout = Dropout(probability: probability, seed: 1)
        var generator = SeededGenerator(seed: 2)
        let input = (0..<100_000).map { _ in generator.nextUniform(0.5, 1.5) }  // never zero
        let output = dropout.forward(input)
        let scale = 1 / (1 - probability)
        var dropped = 0, survivorsScaled = true
        for (x, y) in zip(input, output) {
            if y == 0 { dropped += 1 } else { survivorsScaled = survivorsScaled && y == x * scale }
        }
        let fraction = Double(dropped) / Double(input.count)
        #expect(abs(fraction - Double(probability)) < 1e-2, "dropped \(fraction), expected \(probability)")
        #expect(survivorsScaled)
    }

    @Test func backwardZeroesTheDroppedElementsAndScalesTheRestByTwo() {
        var dropout = Dropout(probability: 0.5, seed: 3)
        var generator = SeededGenerator(seed: 4)
        let input = (0..<10_000).map { _ in generator.nextUniform(0.5, 1.5) }
        let outputGradient = (0..<10_000).map { _ in generator.nextUniform(0.5, 1.5) }
        let output = dropout.forward(input)
        let inputGradient = dropout.backward(outputGradient)
        for index in input.indices {
            let expected: Float = output[index] == 0 ? 0 : 2 * outputGradient[index]
            if inputGradient[index] != expected {
                Issue.record("element \(index): gradient \(inputGradient[index]), expected \(expected)")
                return
            }
        }
    }

    @Test func eachForwardDrawsANewMaskAndTheSeedFixesTheSequenceOfMasks() {
        let input = [Float](repeating: 1, count: 256)
        var first = Dropout(probability: 0.5, seed: 5), second = Dropout(probability: 0.5, seed: 5)
        let a1 = first.forward(input), a2 = first.forward(input)
        let b1 = second.forward(input), b2 = second.forward(input)
        #expect(a1 != a2)
        #expect(a1 == b1 && a2 == b2)
        var other = Dropout(probability: 0.5, seed: 6)
        #expect(other.forward(input) != a1)
    }

    @Test func zeroProbabilityIsTheIdentity() {
        var dropout = Dropout(probability: 0, seed: 7)
        let input: [Float] = [-2, -0.5, 0, 0.25, 3]
        #expect(dropout.forward(input) == input)
        #expect(dropout.backward(input) == input)
    }

    // MARK: Dropout inside the LSTM

    @Test func lstmInInferenceIgnoresDropout() {
        // isTraining = false: two forwards agree, and agree with the same weights without dropout.
        var generator = SeededGenerator(seed: 8)
        let lstm = LSTM(inputSize: 3, hiddenSize: 4, numLayers: 3, dropout: 0.5, using: &generator)
        let plain = LSTM(inputSize: 3, hiddenSize: 4, numLayers: 3, using: &generator)
        for ((_, source), (_, target)) in zip(lstm.namedParameters, plain.namedParameters) { target.value = source.value }
        let input = randomTensor(shape: [2, 5, 3], using: &generator)
        lstm.isTraining = false
        let first = lstm.forward(input), second = lstm.forward(input)
        #expect(first.output == second.output && first.finalState == second.finalState)
        #expect(first.output == plain.forward(input).output)
    }

    @Test func lstmInTrainingDropsBetweenLayers() {
        var generator = SeededGenerator(seed: 9)
        let lstm = LSTM(inputSize: 3, hiddenSize: 4, numLayers: 2, dropout: 0.5, using: &generator)
        let input = randomTensor(shape: [2, 5, 3], using: &generator)
        #expect(lstm.forward(input).output != lstm.forward(input).output)
    }

    @Test func singleLayerLSTMHasNoDropoutEvenInTraining() {
        // As in PyTorch, dropout applies to the outputs of every layer but the last.
        var generator = SeededGenerator(seed: 10)
        let lstm = LSTM(inputSize: 3, hiddenSize: 4, numLayers: 1, dropout: 0.5, using: &generator)
        let input = randomTensor(shape: [2, 5, 3], using: &generator)
        #expect(lstm.forward(input).output == lstm.forward(input).output)
    }

    @Test func lstmBackwardAppliesTheMaskOfItsForward() throws {
        // Each forward draws a new mask, so finite differences cannot hold it fixed. Instead the top
        // layer is made into a probe that shows the mask: with b_i = b_o = 100 and b_f = −100 the
        // gates saturate to exactly i = o = 1, f = 0 in Float; with W_hh = 0 and the g rows of W_ih
        // the identity, h_t = tanh(tanh(d_t)) elementwise, where d = mask ⊙ (layer 0's output). So
        // h is exactly 0 where the mask dropped and d = atanh(atanh(h)) where it kept. The gradient
        // of L = Σ Wo ⊙ h is then computed by hand with that mask, pushed through a dropout-free copy
        // of layer 0, and compared with the two-layer LSTM's own backward.
        let (batch, time, inputSize, hiddenSize) = (3, 4, 2, 5)
        let probability: Float = 0.3, scale = 1 / (1 - probability)
        var generator = SeededGenerator(seed: 11)
        let lstm = LSTM(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: 2, dropout: probability, using: &generator)
        let top = lstm.layers[1], h = hiddenSize
        top.weightHH.value.zero()
        top.weightIH.value.zero()
        for j in 0..<h { top.weightIH.value.scalars[(2 * h + j) * h + j] = 1 }
        top.biasIH.value = Tensor(shape: [4 * h], scalars: [Float](repeating: 100, count: h) + [Float](repeating: -100, count: h)
                                  + [Float](repeating: 0, count: h) + [Float](repeating: 100, count: h))
        top.biasHH.value.zero()
        let bottom = LSTM(inputSize: inputSize, hiddenSize: hiddenSize, using: &generator)
        for ((_, source), (_, target)) in zip(lstm.namedParameters.prefix(4), bottom.namedParameters) { target.value = source.value }
        let input = randomTensor(shape: [batch, time, inputSize], in: -2...2, using: &generator)
        let outputWeights = randomTensor(shape: [batch, time, hiddenSize], using: &generator)
        let layer0 = bottom.forward(input).output.scalars  // [B, T, H], the same in every forward

        // The probe itself, with dropout off: h = tanh(tanh(layer 0's output)).
        lstm.isTraining = false
        let probe = lstm.forward(input).output.scalars
        for index in probe.indices {
            #expect(abs(Double(probe[index]) - tanh(tanh(Double(layer0[index])))) <= 1e-6, "probe at \(index)")
        }

        lstm.isTraining = true
        for (_, parameter) in lstm.namedParameters + bottom.namedParameters { parameter.zeroGradient() }
        let output = lstm.forward(input).output.scalars
        let (inputGradient, _) = lstm.backward(outputGradient: outputWeights)

        var mask = [Double](repeating: 0, count: output.count)
        for index in output.indices {
            try #require(abs(layer0[index]) > 1e-4, "layer 0 output \(index) too close to 0 to read the mask")
            if output[index] != 0 {
                let kept = atanh(atanh(Double(output[index]))) / Double(layer0[index])
                #expect(abs(kept - Double(scale)) <= 1e-4 * Double(scale), "element \(index) scaled by \(kept), not \(scale)")
                mask[index] = Double(scale)
            }
        }
        let droppedCount = mask.filter { $0 == 0 }.count
        try #require(droppedCount > 0 && droppedCount < mask.count, "the mask should drop some elements and keep others")

        // By hand: d = mask ⊙ layer0, g = c = tanh(d), h = tanh(c); dL/dd = Wo (1 − h²)(1 − g²); dL/dlayer0 = mask ⊙ dL/dd.
        var layer0Gradient = [Float](repeating: 0, count: output.count)
        for index in output.indices {
            let g = tanh(mask[index] * Double(layer0[index])), hidden = tanh(g)
            layer0Gradient[index] = Float(mask[index] * Double(outputWeights.scalars[index]) * (1 - hidden * hidden) * (1 - g * g))
        }
        _ = bottom.forward(input)
        let (expectedInputGradient, _) = bottom.backward(outputGradient: Tensor(shape: [batch, time, hiddenSize], scalars: layer0Gradient))

        // The two paths differ only in Float rounding: 1e-6 + 1e-4 relative.
        func close(_ a: Float, _ b: Float) -> Bool { abs(Double(a) - Double(b)) <= 1e-6 + 1e-4 * abs(Double(b)) }
        for index in inputGradient.scalars.indices {
            #expect(close(inputGradient.scalars[index], expectedInputGradient.scalars[index]), "input gradient \(index)")
        }
        for ((name, parameter), (_, expected)) in zip(lstm.namedParameters.prefix(4), bottom.namedParameters) {
            let matches = zip(parameter.gradient.scalars, expected.gradient.scalars).allSatisfy(close)
            #expect(matches, "\(name) gradient differs from the hand-computed one")
        }
    }
}
