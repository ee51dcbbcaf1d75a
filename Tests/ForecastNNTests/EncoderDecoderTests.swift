import Foundation
import Testing
import ForecastKernels
import ForecastNN

/// ``EncoderDecoderModel`` against central finite differences, against PyTorch
/// (Tests/ForecastNNTests/Fixtures/encoder_decoder_parity.safetensors, written by
/// `python3 scripts/make_parity_fixtures.py --only I`), against a hand-run decoder for its output
/// layout, and against itself for determinism.
@Suite struct EncoderDecoderTests {
    /// One shape of the network: the encoder's cell, known-future features F and outputs per step Q.
    struct Configuration: Sendable, CustomTestStringConvertible {
        let cell: RecurrentCell
        let futureSize: Int
        let outputsPerStep: Int
        var testDescription: String { "\(cell), F=\(futureSize), Q=\(outputsPerStep)" }
    }

    static let configurations: [Configuration] = RecurrentCell.allCases.flatMap { cell in
        [2, 0].flatMap { futureSize in [1, 3].map { Configuration(cell: cell, futureSize: futureSize, outputsPerStep: $0) } }
    }

    // Small sizes for the gradient checks: B 3, T 5, I 2, H 4, 2 layers, horizon 3, C 3, D 5.
    static let (batch, time, inputSize, hiddenSize, numLayers, horizon, contextSize, decoderHiddenSize) = (3, 5, 2, 4, 2, 3, 3, 5)

    static func makeModel(_ configuration: Configuration, seed: UInt64 = 21) -> EncoderDecoderModel {
        EncoderDecoderModel(cell: configuration.cell, inputSize: inputSize, futureSize: configuration.futureSize,
                            hiddenSize: hiddenSize, numLayers: numLayers, horizon: horizon,
                            outputsPerStep: configuration.outputsPerStep, contextSize: contextSize,
                            decoderHiddenSize: decoderHiddenSize, seed: seed)
    }

    /// The encoder's last hidden state `[B, H]`, through the encoder's public full-sequence forward.
    static func lastHiddenState(_ model: EncoderDecoderModel, _ input: Tensor) -> Tensor {
        let output = if let lstm = model.lstm { lstm.forward(input).output } else { model.gru!.forward(input).output }
        let (batch, time, h) = (output.shape[0], output.shape[1], output.shape[2])
        var last: [Float] = []
        for b in 0..<batch { last += output.scalars[((b * time + time - 1) * h)..<((b * time + time) * h)] }
        return Tensor(shape: [batch, h], scalars: last)
    }

    /// The decoder run by hand in Double from the model's weights: the outputs `[Q]` of step `h` of
    /// window `b`, and the decoder's pre-activations `[D]` there.
    static func decoderByHand(_ model: EncoderDecoderModel, last: Tensor, future: Tensor?, window b: Int, step h: Int)
        -> (outputs: [Double], preActivations: [Double]) {
        let c = model.contextSize, f = model.futureSize, hiddenSize = model.hiddenSize
        let contextWeight = model.context.weight.value.scalars, contextBias = model.context.bias.value.scalars
        // The step's context: rows h·C ..< (h + 1)·C of the context layer's output.
        var decoderInput = (0..<c).map { j in
            let row = h * c + j
            return Double(contextBias[row])
                + (0..<hiddenSize).reduce(0.0) { $0 + Double(contextWeight[row * hiddenSize + $1]) * Double(last.scalars[b * hiddenSize + $1]) }
        }
        if let future { decoderInput += (0..<f).map { Double(future.scalars[(b * model.horizon + h) * f + $0]) } }
        func dense(_ layer: Linear, _ x: [Double]) -> [Double] {
            (0..<layer.outFeatures).map { o in
                Double(layer.bias.value.scalars[o])
                    + x.indices.reduce(0.0) { $0 + Double(layer.weight.value.scalars[o * layer.inFeatures + $1]) * x[$1] }
            }
        }
        let preActivations = dense(model.decoderHidden, decoderInput)
        return (dense(model.decoderOutput, preActivations.map { max($0, 0) }), preActivations)
    }

    // MARK: gradient checks

    /// As GradientCheckTests: step 1e-2, loss summed in Double, |analytic − numeric| ≤ 2e-4 + 2e-3·|numeric|,
    /// every element of every parameter, of the input and of the future values. Loss Σ W ⊙ prediction.
    /// Measured worst |analytic − numeric| over the eight configurations: 9.9e-6 (lstm.bias_hh_l1).
    @Test(arguments: configurations)
    func everyGradientMatchesFiniteDifferences(_ configuration: Configuration) throws {
        let (batch, horizon, f, q) = (Self.batch, Self.horizon, configuration.futureSize, configuration.outputsPerStep)
        // A step of 1e-2 moves a decoder pre-activation by up to about 1e-2: the differences are only
        // meaningful if none is that close to ReLU's kink at 0. The model (seed s) and the inputs
        // (seed s + 1) are those of the first s from 21 whose pre-activations all stay 0.03 away from it.
        func nearestToKink(_ model: EncoderDecoderModel, _ input: Tensor, _ future: Tensor?) -> Double {
            let last = Self.lastHiddenState(model, input)
            return (0..<batch).flatMap { b in
                (0..<horizon).flatMap { h in Self.decoderByHand(model, last: last, future: future, window: b, step: h).preActivations }
            }.map(abs).min()!
        }
        let seed = try #require((UInt64(21)..<61).first { seed in
            var generator = SeededGenerator(seed: seed + 1)
            let input = randomTensor(shape: [batch, Self.time, Self.inputSize], using: &generator)
            let future = randomTensor(shape: [batch, horizon, f], using: &generator)
            return nearestToKink(Self.makeModel(configuration, seed: seed), input, f > 0 ? future : nil) > 0.03
        }, "no model and inputs with every decoder pre-activation 0.03 away from the kink")
        let model = Self.makeModel(configuration, seed: seed)
        var generator = SeededGenerator(seed: seed + 1)
        let input = Parameter(randomTensor(shape: [batch, Self.time, Self.inputSize], using: &generator))
        let future = Parameter(randomTensor(shape: [batch, horizon, f], using: &generator))
        let outputWeights = randomTensor(shape: [batch, q * horizon], using: &generator)
        func futureValue() -> Tensor? { f > 0 ? future.value : nil }
        func loss() -> Double { weightedSum(outputWeights, model.forward(input.value, future: futureValue())) }

        for parameter in model.parameters { parameter.zeroGradient() }
        _ = model.forward(input.value, future: futureValue())
        let (inputGradient, futureGradient) = model.backward(outputWeights)
        #expect(futureGradient.shape == [batch, horizon, f])

        var checks = model.namedParameters.map { name, parameter in
            checkGradient(name, analytic: parameter.gradient, of: parameter, step: 1e-2,
                          tolerance: GradientTolerance(absolute: 2e-4, relative: 2e-3), loss: loss)
        }
        checks.append(checkGradient("input", analytic: inputGradient, of: input, step: 1e-2,
                                    tolerance: GradientTolerance(absolute: 2e-4, relative: 2e-3), loss: loss))
        if f > 0 {
            checks.append(checkGradient("future", analytic: futureGradient, of: future, step: 1e-2,
                                        tolerance: GradientTolerance(absolute: 2e-4, relative: 2e-3), loss: loss))
        }
        #expect(checks.count == 4 * Self.numLayers + 6 + 1 + (f > 0 ? 1 : 0))
        expectGradientsMatch(checks)
    }

    @Test(arguments: RecurrentCell.allCases)
    func accumulateParameterGradientsGivesBackwardsParameterGradients(cell: RecurrentCell) {
        let model = Self.makeModel(Configuration(cell: cell, futureSize: 2, outputsPerStep: 3))
        var generator = SeededGenerator(seed: 23)
        let input = randomTensor(shape: [Self.batch, Self.time, Self.inputSize], using: &generator)
        let future = randomTensor(shape: [Self.batch, Self.horizon, 2], using: &generator)
        let outputGradient = randomTensor(shape: [Self.batch, 3 * Self.horizon], using: &generator)
        for parameter in model.parameters { parameter.zeroGradient() }
        _ = model.forward(input, future: future)
        model.backward(outputGradient)
        let viaBackward = model.parameters.map(\.gradient)
        for parameter in model.parameters { parameter.zeroGradient() }
        _ = model.forward(input, future: future)
        model.accumulateParameterGradients(outputGradient)
        for ((name, parameter), expected) in zip(model.namedParameters, viaBackward) {
            #expect(expected.scalars.contains { $0 != 0 }, "\(name) got no gradient")
            #expect(parameter.gradient == expected, "\(name)")
        }
    }

    // MARK: PyTorch parity

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let parityCases = ["lstm_q1", "gru_q1", "lstm_q3", "gru_q3_nofuture"]

    /// The fixture's model of `name` (B 4, T 6, I 3, H 5, 2 layers, horizon 4, C 3, D 7) with its
    /// weights, and its tensor of each name (`<case>.<name>`).
    static func parityModel(_ name: String) throws -> (EncoderDecoderModel, (String) -> Tensor) {
        let f = try SafeTensors(contentsOf: fixtures.appendingPathComponent("encoder_decoder_parity.safetensors"))
        func tensor(_ key: String) -> Tensor {
            guard let tensor = f["\(name).\(key)"] else { preconditionFailure("fixture has no \(name).\(key)") }
            return tensor
        }
        let cell: RecurrentCell = name.hasPrefix("gru") ? .gru : .lstm
        // The fixture leaves out the empty future tensors of F = 0.
        let futureSize = f["\(name).future"]?.shape[2] ?? 0
        let model = EncoderDecoderModel(cell: cell, inputSize: 3, futureSize: futureSize, hiddenSize: 5,
                                        numLayers: 2, horizon: 4, outputsPerStep: tensor("prediction").shape[1] / 4,
                                        contextSize: 3, decoderHiddenSize: 7)
        try model.loadStateDict(model.namedParameters.map { ($0.name, tensor($0.name)) })
        return (model, tensor)
    }

    /// Tolerance as PyTorchParityTests: |swift − torch| ≤ 1e-6 + 1e-5·|torch|.
    @Test(arguments: parityCases)
    func predictionMSEAndEveryGradientMatchPyTorch(case name: String) throws {
        let (model, tensor) = try Self.parityModel(name)
        let future: Tensor? = model.futureSize > 0 ? tensor("future") : nil
        for parameter in model.parameters { parameter.zeroGradient() }
        let prediction = model.forward(tensor("input"), future: future)
        expectClose(prediction, tensor("prediction"), "\(name).prediction")
        let (loss, gradient) = Loss.mse.evaluate(prediction: prediction, target: tensor("target"))
        expectClose(Tensor(shape: [1], scalars: [loss]), tensor("loss.mse"), "\(name).loss.mse")
        let (inputGradient, futureGradient) = model.backward(gradient)
        for (parameterName, parameter) in model.namedParameters {
            expectClose(parameter.gradient, tensor("grad.\(parameterName)"), "\(name).grad.\(parameterName)")
        }
        expectClose(inputGradient, tensor("grad.input"), "\(name).grad.input")
        if model.futureSize > 0 {
            expectClose(futureGradient, tensor("grad.future"), "\(name).grad.future")
        } else {
            #expect(futureGradient.shape == [4, 4, 0])
        }

        // Inference (no activations kept) gives the same forecast.
        model.isTraining = false
        expectClose(model.forward(tensor("input"), future: future), tensor("prediction"), "\(name).prediction, inference")
    }

    @Test(arguments: ["lstm_q3", "gru_q3_nofuture"])
    func pinballLossGradientsThroughTheQuantileLayoutMatchPyTorch(case name: String) throws {
        let (model, tensor) = try Self.parityModel(name)
        let future: Tensor? = model.futureSize > 0 ? tensor("future") : nil
        let loss = PinballLoss(quantiles: [0.1, 0.5, 0.9])
        for parameter in model.parameters { parameter.zeroGradient() }
        let (value, gradient) = loss.evaluate(prediction: model.forward(tensor("input"), future: future),
                                              target: tensor("quantile_target"))
        expectClose(Tensor(shape: [1], scalars: [value]), tensor("loss.pinball"), "\(name).loss.pinball")
        model.accumulateParameterGradients(gradient)
        for (parameterName, parameter) in model.namedParameters {
            expectClose(parameter.gradient, tensor("grad_pinball.\(parameterName)"), "\(name).grad_pinball.\(parameterName)")
        }
    }

    @Test func aTrainStepWithFutureValuesIsPyTorchsGradientStep() throws {
        // Plain SGD: after one step every parameter is p − 0.1 · (PyTorch's dMSE/dp).
        let (model, tensor) = try Self.parityModel("lstm_q1")
        let before = model.namedParameters.map { ($0.name, $0.parameter.value) }
        let optimizer = SGD(parameters: model.parameters, learningRate: 0.1)
        let loss = model.trainStep(input: tensor("input"), future: tensor("future"), target: tensor("target"),
                                   loss: .mse, optimizer: optimizer)
        expectClose(Tensor(shape: [1], scalars: [loss]), tensor("loss.mse"), "loss")
        for ((name, value), (_, parameter)) in zip(before, model.namedParameters) {
            let gradient = tensor("grad.\(name)")
            let expected = Tensor(shape: value.shape, scalars: zip(value.scalars, gradient.scalars).map { $0 - 0.1 * $1 })
            expectClose(parameter.value, expected, "\(name) after one step")
            #expect(parameter.value != value, "\(name) did not change")
        }
    }

    // MARK: layout, initialisation, determinism

    @Test(arguments: configurations)
    func outputIsQuantileMajorOverTheHorizonAsTheDecoderRunByHand(_ configuration: Configuration) {
        let model = Self.makeModel(configuration, seed: 31)
        let (horizon, q, f) = (Self.horizon, configuration.outputsPerStep, configuration.futureSize)
        #expect(model.outputSize == horizon * q)
        var generator = SeededGenerator(seed: 32)
        let input = randomTensor(shape: [Self.batch, Self.time, Self.inputSize], using: &generator)
        let future: Tensor? = f > 0 ? randomTensor(shape: [Self.batch, horizon, f], using: &generator) : nil
        let last = Self.lastHiddenState(model, input)
        let prediction = model.forward(input, future: future)
        #expect(prediction.shape == [Self.batch, horizon * q])
        for b in 0..<Self.batch {
            for h in 0..<horizon {
                let outputs = Self.decoderByHand(model, last: last, future: future, window: b, step: h).outputs
                for k in 0..<q {
                    let value = Double(prediction.scalars[b * horizon * q + k * horizon + h])
                    #expect(abs(value - outputs[k]) <= 1e-5 * (1 + abs(outputs[k])), "window \(b), step \(h), output \(k)")
                }
            }
        }
        if f == 0 {
            // Without future values, forward(_:) is the same pass, and an empty future is nil.
            #expect(model.forward(input) == prediction)
            #expect(model.forward(input, future: Tensor(shape: [Self.batch, horizon, 0])) == prediction)
        }
    }

    @Test(arguments: RecurrentCell.allCases)
    func parametersAreDrawnInPyTorchsOrderFromTheSeed(cell: RecurrentCell) {
        // The encoder first, then context, decoder.0 and decoder.2, each as the layers alone draw them.
        let model = EncoderDecoderModel(cell: cell, inputSize: 3, futureSize: 2, hiddenSize: 5, numLayers: 2, horizon: 4,
                                        outputsPerStep: 3, contextSize: 3, decoderHiddenSize: 7, dropout: 0.2, seed: 41)
        var generator = SeededGenerator(seed: 41)
        let encoder: [(name: String, parameter: Parameter)] = switch cell {
        case .lstm: LSTM(inputSize: 3, hiddenSize: 5, numLayers: 2, dropout: 0.2, using: &generator).namedParameters
        case .gru: GRU(inputSize: 3, hiddenSize: 5, numLayers: 2, dropout: 0.2, using: &generator).namedParameters
        }
        let context = Linear(inFeatures: 5, outFeatures: 12, using: &generator)
        let decoderHidden = Linear(inFeatures: 5, outFeatures: 7, using: &generator)
        let decoderOutput = Linear(inFeatures: 7, outFeatures: 3, using: &generator)
        let expected = encoder.map { ("\(cell.rawValue).\($0.name)", $0.parameter) }
            + context.namedParameters.map { ("context.\($0.name)", $0.parameter) }
            + decoderHidden.namedParameters.map { ("decoder.0.\($0.name)", $0.parameter) }
            + decoderOutput.namedParameters.map { ("decoder.2.\($0.name)", $0.parameter) }
        #expect(model.namedParameters.map(\.name) == expected.map(\.0))
        #expect(model.namedParameters.map(\.name).suffix(6) == ["context.weight", "context.bias", "decoder.0.weight",
                                                                 "decoder.0.bias", "decoder.2.weight", "decoder.2.bias"])
        for ((name, parameter), (_, reference)) in zip(model.namedParameters, expected) {
            #expect(parameter.value == reference.value, "\(name)")
        }
    }

    @Test(arguments: RecurrentCell.allCases)
    func theSameSeedGivesTheSameNetworkAndForecastsBitForBit(cell: RecurrentCell) {
        let configuration = Configuration(cell: cell, futureSize: 2, outputsPerStep: 3)
        let (a, b, other) = (Self.makeModel(configuration, seed: 51), Self.makeModel(configuration, seed: 51),
                             Self.makeModel(configuration, seed: 52))
        #expect(a.stateDict().map(\.tensor) == b.stateDict().map(\.tensor))
        #expect(a.stateDict().map(\.tensor) != other.stateDict().map(\.tensor))
        var generator = SeededGenerator(seed: 53)
        let input = randomTensor(shape: [Self.batch, Self.time, Self.inputSize], using: &generator)
        let future = randomTensor(shape: [Self.batch, Self.horizon, 2], using: &generator)
        #expect(a.forward(input, future: future) == b.forward(input, future: future))
        #expect(a.forward(input, future: future) != other.forward(input, future: future))
        // And through training steps with dropout's masks from the same seed.
        let dropoutA = EncoderDecoderModel(cell: cell, inputSize: 2, futureSize: 2, hiddenSize: 4, numLayers: 2, horizon: 3,
                                           outputsPerStep: 3, contextSize: 3, decoderHiddenSize: 5, dropout: 0.3, seed: 54)
        let dropoutB = EncoderDecoderModel(cell: cell, inputSize: 2, futureSize: 2, hiddenSize: 4, numLayers: 2, horizon: 3,
                                           outputsPerStep: 3, contextSize: 3, decoderHiddenSize: 5, dropout: 0.3, seed: 54)
        let target = randomTensor(shape: [Self.batch, 9], using: &generator)
        for model in [dropoutA, dropoutB] {
            let optimizer = Adam(parameters: model.parameters, learningRate: 1e-2)
            for _ in 0..<3 { model.trainStep(input: input, future: future, target: target, loss: .mse, optimizer: optimizer) }
        }
        #expect(dropoutA.stateDict().map(\.tensor) == dropoutB.stateDict().map(\.tensor))
    }

    @Test func settingsPassThroughToTheEncoderAndTheLinearLayers() {
        let model = Self.makeModel(Configuration(cell: .gru, futureSize: 1, outputsPerStep: 1))
        model.instructionSet = .baseline
        #expect(model.gru!.instructionSet == .baseline && model.lstm == nil)
        #expect([model.context, model.decoderHidden, model.decoderOutput].allSatisfy { $0.instructionSet == .baseline })
        model.threadCount = 1
        #expect(model.gru!.threadCount == 1)
        model.isTraining = false
        #expect(!model.gru!.isTraining)
        #expect(model.cell == .gru && model.inputSize == Self.inputSize && model.hiddenSize == Self.hiddenSize
                && model.numLayers == Self.numLayers && model.futureSize == 1)
    }

    @Test func factoryBuildsTheEncoderDecoderOfTheCell() throws {
        let network = makeForecastNetwork(cell: .lstm, inputSize: 2, futureSize: 3, hiddenSize: 4, numLayers: 1, horizon: 5,
                                          outputsPerStep: 2, contextSize: 3, decoderHiddenSize: 6, seed: 7)
        let model = try #require(network as? EncoderDecoderModel)
        #expect(model.cell == .lstm && model.futureSize == 3 && model.horizon == 5 && model.outputsPerStep == 2)
        #expect(network.outputSize == 10)
        let direct = EncoderDecoderModel(cell: .lstm, inputSize: 2, futureSize: 3, hiddenSize: 4, numLayers: 1, horizon: 5,
                                         outputsPerStep: 2, contextSize: 3, decoderHiddenSize: 6, seed: 7)
        #expect(network.stateDict().map(\.tensor) == direct.stateDict().map(\.tensor))
    }

    // MARK: the tutorial networks through the same calls

    @Test(arguments: RecurrentCell.allCases)
    func tutorialNetworksTakeNoFutureValuesThroughTheCommonCalls(cell: RecurrentCell) {
        let (a, b) = (makeForecastNetwork(cell: cell, inputSize: 2, hiddenSize: 4, numLayers: 2, outputSize: 3, seed: 61),
                      makeForecastNetwork(cell: cell, inputSize: 2, hiddenSize: 4, numLayers: 2, outputSize: 3, seed: 61))
        #expect(a.futureSize == 0)
        var generator = SeededGenerator(seed: 62)
        let input = randomTensor(shape: [3, 5, 2], using: &generator)
        let target = randomTensor(shape: [3, 3], using: &generator)
        #expect(a.forward(input, future: nil) == a.forward(input))
        #expect(a.forward(input, future: Tensor(shape: [3, 4, 0])) == a.forward(input))
        let (optimizerA, optimizerB) = (SGD(parameters: a.parameters, learningRate: 0.1), SGD(parameters: b.parameters, learningRate: 0.1))
        let lossA = a.trainStep(input: input, future: nil, target: target, loss: .mse, optimizer: optimizerA)
        let lossB = b.trainStep(input: input, target: target, loss: .mse, optimizer: optimizerB)
        #expect(lossA == lossB)
        #expect(a.stateDict().map(\.tensor) == b.stateDict().map(\.tensor))
    }

    // MARK: misuse

    @Test func forwardWithoutFutureValuesIsRefusedWhenTheModelReadsThem() async {
        await #expect(processExitsWith: .failure) {
            let model = EncoderDecoderModel(cell: .lstm, inputSize: 1, futureSize: 1, hiddenSize: 2, numLayers: 1, horizon: 2,
                                            outputsPerStep: 1, contextSize: 2, decoderHiddenSize: 2)
            _ = model.forward(Tensor(shape: [1, 3, 1]))
        }
    }

    @Test func futureValuesOfTheWrongShapeAreRefused() async {
        await #expect(processExitsWith: .failure) {
            let model = EncoderDecoderModel(cell: .gru, inputSize: 1, futureSize: 1, hiddenSize: 2, numLayers: 1, horizon: 2,
                                            outputsPerStep: 1, contextSize: 2, decoderHiddenSize: 2)
            _ = model.forward(Tensor(shape: [1, 3, 1]), future: Tensor(shape: [1, 3, 1]))
        }
    }

    @Test func backwardAfterInferenceIsRefused() async {
        await #expect(processExitsWith: .failure) {
            let model = EncoderDecoderModel(cell: .lstm, inputSize: 1, futureSize: 0, hiddenSize: 2, numLayers: 1, horizon: 2,
                                            outputsPerStep: 1, contextSize: 2, decoderHiddenSize: 2)
            model.isTraining = false
            _ = model.forward(Tensor(shape: [1, 3, 1]))
            model.accumulateParameterGradients(Tensor(shape: [1, 2]))
        }
    }
}
