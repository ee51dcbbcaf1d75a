import Foundation
import Testing
import ForecastKernels
import ForecastNN

/// The GRU layer and GRUModel: outputs and every gradient against values PyTorch's `nn.GRU` wrote
/// (scripts/make_parity_fixtures.py, section G: float64 references from float32 inputs), backward
/// passes against central differences (the step and tolerance of ``GradientCheckTests``), and
/// thread splits that change no prediction.
@Suite struct GRUTests {
    static func fixture() throws -> SafeTensors {
        try PyTorchParityTests.fixture("gru_parity.safetensors")
    }

    /// GRUModel(input 3, hidden 5, 2 layers, output 2) with the fixture's weights.
    static func model(from tensors: SafeTensors) throws -> GRUModel {
        let model = GRUModel(inputSize: 3, hiddenSize: 5, numLayers: 2, outputSize: 2)
        try model.loadStateDict(model.namedParameters.map { ($0.name, tensors[$0.name]!) })
        return model
    }

    @Test func parametersAreNamedAndShapedAsPyTorchsGRUModel() throws {
        let f = try Self.fixture()
        let model = GRUModel(inputSize: 3, hiddenSize: 5, numLayers: 2, outputSize: 2)
        let expected = ["gru.weight_ih_l0", "gru.weight_hh_l0", "gru.bias_ih_l0", "gru.bias_hh_l0",
                        "gru.weight_ih_l1", "gru.weight_hh_l1", "gru.bias_ih_l1", "gru.bias_hh_l1", "fc.weight", "fc.bias"]
        #expect(model.namedParameters.map(\.name) == expected)
        for (name, parameter) in model.namedParameters {
            #expect(parameter.shape == f[name]?.shape, "\(name)")
        }
        // PyTorch's initialisation: every GRU parameter in U(−1/√H, 1/√H).
        let bound = 1 / Float(5).squareRoot()
        for (name, parameter) in model.gru.namedParameters {
            #expect(parameter.value.scalars.allSatisfy { abs($0) <= bound }, "\(name)")
        }
    }

    @Test func forwardMatchesPyTorchWithGivenAndZeroInitialState() throws {
        let f = try Self.fixture()
        let model = try Self.model(from: f)
        let h0 = try #require(f["h0"])
        let (output, final) = model.gru.forward(try #require(f["input"]), initialState: h0)
        expectClose(output, f["gru.output"]!, "gru.output")
        expectClose(final, f["gru.h_n"]!, "h_n")
        expectClose(model.forward(f["input"]!, initialState: h0), f["prediction"]!, "prediction")
        expectClose(model.gru.forward(f["input"]!).output, f["gru.output_zero_state"]!, "output, zero state")
        expectClose(model.forward(f["input"]!), f["prediction_zero_state"]!, "prediction, zero state")
        model.isTraining = false
        expectClose(model.forward(f["input"]!), f["prediction_zero_state"]!, "prediction in inference")
    }

    @Test func everyGradientOfTheMSELossMatchesPyTorch() throws {
        let f = try Self.fixture()
        let model = try Self.model(from: f)
        let prediction = model.forward(f["input"]!, initialState: f["h0"]!)
        let (loss, gradient) = Loss.mse.evaluate(prediction: prediction, target: f["target"]!)
        expectClose(Tensor(shape: [1], scalars: [loss]), f["loss.mse"]!, "loss")
        let (inputGradient, stateGradient) = model.backward(gradient)
        for (name, parameter) in model.namedParameters {
            expectClose(parameter.gradient, f["grad.\(name)"]!, "grad.\(name)")
        }
        expectClose(inputGradient, f["grad.input"]!, "grad.input")
        expectClose(stateGradient, f["grad.h0"]!, "grad.h0")
    }

    @Test func gradientsThroughEveryTimeStepAndTheFinalStateMatchPyTorch() throws {
        let f = try Self.fixture()
        let model = try Self.model(from: f)
        _ = model.gru.forward(f["input"]!, initialState: f["h0"]!)
        // loss2 = Σ output ⊙ W + Σ h_n ⊙ Wh, so the upstream gradients are the weights.
        let (inputGradient, stateGradient) = model.gru.backward(outputGradient: f["gru_output_weights"]!,
                                                                finalStateGradient: f["h_n_weights"]!)
        for (name, parameter) in model.gru.namedParameters {
            expectClose(parameter.gradient, f["grad2.gru.\(name)"]!, "grad2.gru.\(name)")
        }
        expectClose(inputGradient, f["grad2.input"]!, "grad2.input")
        expectClose(stateGradient, f["grad2.h0"]!, "grad2.h0")
    }

    @Test func twoLayerGRUWithInitialStateMatchesFiniteDifferences() {
        // L = Σ Wo ⊙ output + Σ Wh ⊙ h_n: every step's output and the final state get gradient.
        var generator = SeededGenerator(seed: 2025)
        let (batch, time, inputSize, hiddenSize, numLayers) = (3, 5, 3, 4, 2)
        let gru = GRU(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, using: &generator)
        let input = Parameter(randomTensor(shape: [batch, time, inputSize], using: &generator))
        let h0 = Parameter(randomTensor(shape: [numLayers, batch, hiddenSize], using: &generator))
        let outputWeights = randomTensor(shape: [batch, time, hiddenSize], using: &generator)
        let hiddenWeights = randomTensor(shape: [numLayers, batch, hiddenSize], using: &generator)
        func loss() -> Double {
            let (output, finalState) = gru.forward(input.value, initialState: h0.value)
            return weightedSum(outputWeights, output) + weightedSum(hiddenWeights, finalState)
        }
        for (_, parameter) in gru.namedParameters { parameter.zeroGradient() }
        _ = gru.forward(input.value, initialState: h0.value)
        let (inputGradient, initialStateGradient) = gru.backward(outputGradient: outputWeights, finalStateGradient: hiddenWeights)

        var checks = gru.namedParameters.map { name, parameter in
            GradientCheckTests.check(name, parameter.gradient, parameter, loss: loss)
        }
        checks.append(GradientCheckTests.check("input", inputGradient, input, loss: loss))
        checks.append(GradientCheckTests.check("h0", initialStateGradient, h0, loss: loss))
        #expect(checks.count == 10)
        expectGradientsMatch(checks)
    }

    @Test func gruModelWithMSEMatchesFiniteDifferences() {
        // forward → MSE → backward through Linear, the last time step and two GRU layers, with
        // dropout off and a non-zero initial state; three threads split the batch of 5.
        let (batch, time, inputSize, hiddenSize, numLayers, outputSize) = (5, 6, 2, 5, 2, 3)
        let model = GRUModel(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, outputSize: outputSize, seed: 5)
        model.threadCount = 3
        var generator = SeededGenerator(seed: 6)
        let input = Parameter(randomTensor(shape: [batch, time, inputSize], using: &generator))
        let h0 = Parameter(randomTensor(shape: [numLayers, batch, hiddenSize], using: &generator))
        let target = randomTensor(shape: [batch, outputSize], using: &generator)
        func loss() -> Double {
            let prediction = model.forward(input.value, initialState: h0.value)
            var sum = 0.0
            for index in prediction.scalars.indices {
                let d = Double(prediction.scalars[index]) - Double(target.scalars[index])
                sum += d * d
            }
            return sum / Double(prediction.count)
        }
        for parameter in model.parameters { parameter.zeroGradient() }
        let prediction = model.forward(input.value, initialState: h0.value)
        let (inputGradient, initialStateGradient) = model.backward(Loss.mse.evaluate(prediction: prediction, target: target).gradient)
        var checks = model.namedParameters.map { name, parameter in
            GradientCheckTests.check(name, parameter.gradient, parameter, loss: loss)
        }
        checks.append(GradientCheckTests.check("input", inputGradient, input, loss: loss))
        checks.append(GradientCheckTests.check("h0", initialStateGradient, h0, loss: loss))
        expectGradientsMatch(checks)
    }

    @Test func predictionsDoNotDependOnThreadsOrModeAndTrainingRepeats() {
        var generator = SeededGenerator(seed: 3)
        let input = randomTensor(shape: [11, 7, 2], using: &generator)
        let model = GRUModel(inputSize: 2, hiddenSize: 9, numLayers: 2, outputSize: 3, seed: 7)
        var predictions: [[Float]] = []
        for threads in [1, 2, 3] {
            model.threadCount = threads
            for training in [true, false] {
                model.isTraining = training
                predictions.append(model.forward(input).scalars)
            }
        }
        #expect(predictions.allSatisfy { $0 == predictions[0] })

        func trained(threads: Int) -> [[Float]] {
            let model = GRUModel(inputSize: 2, hiddenSize: 9, numLayers: 2, outputSize: 1, dropout: 0.2, seed: 42)
            model.threadCount = threads
            let optimizer = Adam(parameters: model.parameters, learningRate: 1e-2)
            var generator = SeededGenerator(seed: 1)
            for _ in 0..<4 {
                model.trainStep(input: randomTensor(shape: [13, 7, 2], using: &generator),
                                target: randomTensor(shape: [13, 1], using: &generator), loss: .mse, optimizer: optimizer)
            }
            return model.stateDict().map(\.tensor.scalars)
        }
        #expect(trained(threads: 2) == trained(threads: 2))
        let one = trained(threads: 1), two = trained(threads: 2)
        for (a, b) in zip(one.joined(), two.joined()) { #expect(abs(a - b) <= 1e-4 * (1 + abs(a))) }
    }

    @Test func inferenceInBlocksOfRowsGivesTheWholeBatchsNumbers() {
        // 600 windows: three blocks of at most 256 rows in inference, one pass in training mode.
        var generator = SeededGenerator(seed: 11)
        let input = randomTensor(shape: [600, 5, 2], using: &generator)
        let model = GRUModel(inputSize: 2, hiddenSize: 6, numLayers: 2, outputSize: 2, seed: 12)
        model.isTraining = true
        let whole = model.forward(input).scalars
        model.isTraining = false
        #expect(model.forward(input).scalars == whole)
    }
}
