import Foundation
import Testing
import ForecastKernels
import ForecastNN

/// Forward outputs, every gradient, losses and optimiser steps agree with values PyTorch wrote
/// (scripts/make_parity_fixtures.py: references computed in float64 from float32 inputs).
///
/// Tolerance: |swift − torch| ≤ 1e-6 + 1e-5·|torch|. Swift computes in Float32, so a few ulps of
/// rounding in sums of up to 4H products are expected; the references are exact float64 answers.
@Suite struct PyTorchParityTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func fixture(_ name: String) throws -> SafeTensors {
        try SafeTensors(contentsOf: fixtures.appendingPathComponent(name))
    }

    /// The tutorial's model (input 3, hidden 5, 2 layers, output 2) with the fixture's weights.
    static func model(from tensors: SafeTensors) throws -> LSTMModel {
        let model = LSTMModel(inputSize: 3, hiddenSize: 5, numLayers: 2, outputSize: 2)
        try model.loadStateDict(model.namedParameters.map { ($0.name, tensors[$0.name]!) })
        return model
    }

    @Test func forwardMatchesPyTorchWithGivenAndZeroInitialState() throws {
        let f = try Self.fixture("lstm_parity.safetensors")
        let model = try Self.model(from: f)
        let state = LSTMState(hidden: try #require(f["h0"]), cell: try #require(f["c0"]))
        let (output, final) = model.lstm.forward(try #require(f["input"]), initialState: state)
        expectClose(output, f["lstm.output"]!, "lstm.output")
        expectClose(final.hidden, f["lstm.h_n"]!, "h_n")
        expectClose(final.cell, f["lstm.c_n"]!, "c_n")
        expectClose(model.forward(f["input"]!, initialState: state), f["prediction"]!, "prediction")
        expectClose(model.lstm.forward(f["input"]!).output, f["lstm.output_zero_state"]!, "output, zero state")
        expectClose(model.forward(f["input"]!), f["prediction_zero_state"]!, "prediction, zero state")
    }

    @Test func everyGradientOfTheMSELossMatchesPyTorch() throws {
        let f = try Self.fixture("lstm_parity.safetensors")
        let model = try Self.model(from: f)
        let state = LSTMState(hidden: f["h0"]!, cell: f["c0"]!)
        let prediction = model.forward(f["input"]!, initialState: state)
        let (loss, gradient) = Loss.mse.evaluate(prediction: prediction, target: f["target"]!)
        expectClose(Tensor(shape: [1], scalars: [loss]), f["loss.mse"]!, "loss")
        let (inputGradient, stateGradient) = model.backward(gradient)
        for (name, parameter) in model.namedParameters {
            expectClose(parameter.gradient, f["grad.\(name)"]!, "grad.\(name)")
        }
        expectClose(inputGradient, f["grad.input"]!, "grad.input")
        expectClose(stateGradient.hidden, f["grad.h0"]!, "grad.h0")
        expectClose(stateGradient.cell, f["grad.c0"]!, "grad.c0")
    }

    @Test func gradientsThroughEveryTimeStepAndTheFinalStateMatchPyTorch() throws {
        let f = try Self.fixture("lstm_parity.safetensors")
        let model = try Self.model(from: f)
        let state = LSTMState(hidden: f["h0"]!, cell: f["c0"]!)
        _ = model.lstm.forward(f["input"]!, initialState: state)
        // loss2 = Σ output ⊙ W + Σ h_n ⊙ Wh + Σ c_n ⊙ Wc, so the upstream gradients are the weights.
        let (inputGradient, stateGradient) = model.lstm.backward(
            outputGradient: f["lstm_output_weights"]!,
            finalStateGradient: LSTMState(hidden: f["h_n_weights"]!, cell: f["c_n_weights"]!))
        for (name, parameter) in model.lstm.namedParameters {
            expectClose(parameter.gradient, f["grad2.lstm.\(name)"]!, "grad2.lstm.\(name)")
        }
        expectClose(inputGradient, f["grad2.input"]!, "grad2.input")
        expectClose(stateGradient.hidden, f["grad2.h0"]!, "grad2.h0")
        expectClose(stateGradient.cell, f["grad2.c0"]!, "grad2.c0")
    }

    @Test func lossesAndTheirGradientsMatchPyTorch() throws {
        let f = try Self.fixture("loss_parity.safetensors")
        for loss in Loss.allCases {
            let (value, gradient) = loss.evaluate(prediction: f["prediction"]!, target: f["target"]!)
            expectClose(Tensor(shape: [1], scalars: [value]), f[loss.rawValue]!, loss.rawValue)
            expectClose(gradient, f["grad.\(loss.rawValue)"]!, "grad.\(loss.rawValue)")
        }
    }

    /// Five steps of each optimiser from the fixture's initial weights, on its batch, zero initial state, MSE.
    func runFiveSteps(_ name: String, clipNorm: Float? = nil,
                      makeOptimizer: ([Parameter]) -> any Optimizer) throws -> (LSTMModel, [Float], SafeTensors) {
        let f = try Self.fixture("optim_parity.safetensors")
        let model = try Self.model(from: f)
        let optimizer = makeOptimizer(model.parameters)
        var losses: [Float] = []
        for _ in 0..<5 {
            losses.append(model.trainStep(input: f["input"]!, target: f["target"]!, loss: .mse,
                                          optimizer: optimizer, clipNorm: clipNorm))
        }
        return (model, losses, f)
    }

    func expectParametersMatch(_ name: String, _ model: LSTMModel, _ losses: [Float], _ f: SafeTensors,
                               relative: Float = 1e-5, absolute: Float = 1e-6) {
        expectClose(Tensor(shape: [5], scalars: losses), f["\(name).losses"]!, "\(name).losses")
        for (parameter, tensor) in model.namedParameters {
            expectClose(tensor.value, f["\(name).\(parameter)"]!, "\(name).\(parameter)", relative: relative, absolute: absolute)
        }
    }

    @Test func fiveAdamStepsMatchPyTorch() throws {
        let (model, losses, f) = try runFiveSteps("adam") { Adam(parameters: $0, learningRate: 1e-2) }
        expectParametersMatch("adam", model, losses, f)
    }

    @Test func fiveAdamStepsWithWeightDecayMatchPyTorch() throws {
        let (model, losses, f) = try runFiveSteps("adam_wd") { Adam(parameters: $0, learningRate: 1e-2, weightDecay: 0.1) }
        expectParametersMatch("adam_wd", model, losses, f)
    }

    @Test func fiveAdamWStepsMatchPyTorch() throws {
        let (model, losses, f) = try runFiveSteps("adamw") {
            Adam(parameters: $0, learningRate: 1e-2, weightDecay: 0.1, decoupledWeightDecay: true)
        }
        expectParametersMatch("adamw", model, losses, f)
    }

    @Test func fiveSGDMomentumStepsMatchPyTorch() throws {
        let (model, losses, f) = try runFiveSteps("sgd") { SGD(parameters: $0, learningRate: 0.1, momentum: 0.9) }
        expectParametersMatch("sgd", model, losses, f)
    }

    @Test func fiveClippedAdamStepsMatchPyTorch() throws {
        let (model, losses, f) = try runFiveSteps("adam_clip", clipNorm: 0.1) { Adam(parameters: $0, learningRate: 1e-2) }
        expectParametersMatch("adam_clip", model, losses, f)
        // Adam barely notices a uniform scaling of the gradient, so check the clipping itself too:
        // the norms before clipping at each step, and that clipping leaves the norm at max_norm.
        let model2 = try Self.model(from: f)
        let optimizer = Adam(parameters: model2.parameters, learningRate: 1e-2)
        var norms: [Float] = []
        for _ in 0..<5 {
            optimizer.zeroGradients()
            let (_, gradient) = Loss.mse.evaluate(prediction: model2.forward(f["input"]!), target: f["target"]!)
            model2.backward(gradient)
            norms.append(clipGradientNorm(model2.parameters, maxNorm: 0.1))
            let clipped = Float(model2.parameters.reduce(0.0) { $0 + sumOfSquares($1.gradient.scalars) }.squareRoot())
            #expect(abs(clipped - 0.1) < 1e-6)
            optimizer.step()
        }
        expectClose(Tensor(shape: [5], scalars: norms), f["adam_clip.grad_norms"]!, "adam_clip.grad_norms")
    }
}

/// Expects every element of `actual` within `absolute + relative·|expected|` of `expected`, with the same shape.
func expectClose(_ actual: Tensor, _ expected: Tensor, _ name: String, relative: Float = 1e-5, absolute: Float = 1e-6,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.shape == expected.shape, "\(name): shape \(actual.shape) vs \(expected.shape)", sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    var worst: (index: Int, error: Float, allowed: Float)?
    for index in actual.scalars.indices {
        let error = abs(actual.scalars[index] - expected.scalars[index])
        let allowed = absolute + relative * abs(expected.scalars[index])
        if !(error <= allowed), worst == nil || error / allowed > worst!.error / worst!.allowed {
            worst = (index, error, allowed)
        }
    }
    if let worst {
        Issue.record("\(name)[\(worst.index)]: \(actual.scalars[worst.index]) vs \(expected.scalars[worst.index]), error \(worst.error) > \(worst.allowed)",
                     sourceLocation: sourceLocation)
    }
}
