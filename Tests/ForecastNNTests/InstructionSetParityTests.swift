import Testing
import ForecastKernels
import ForecastNN

/// The PyTorch parity checks of PyTorchParityTests, forward and every gradient, repeated with the
/// kernels of each instruction set this CPU supports (the tests there use the automatic choice):
/// the AVX2 and baseline paths a binary falls back to elsewhere are held to the same tolerance,
/// 1e-6 + 1e-5 relative, with the fast activations.
@Suite struct InstructionSetParityTests {
    @Test(arguments: InstructionSet.supported)
    func forwardAndGradientsMatchPyTorch(set: InstructionSet) throws {
        let f = try PyTorchParityTests.fixture("lstm_parity.safetensors")
        let model = try PyTorchParityTests.model(from: f)
        model.instructionSet = set
        let state = LSTMState(hidden: try #require(f["h0"]), cell: try #require(f["c0"]))
        let (output, final) = model.lstm.forward(try #require(f["input"]), initialState: state)
        expectClose(output, f["lstm.output"]!, "\(set) lstm.output")
        expectClose(final.hidden, f["lstm.h_n"]!, "\(set) h_n")
        expectClose(final.cell, f["lstm.c_n"]!, "\(set) c_n")

        for parameter in model.parameters { parameter.zeroGradient() }
        let prediction = model.forward(f["input"]!, initialState: state)
        expectClose(prediction, f["prediction"]!, "\(set) prediction")
        let (_, gradient) = Loss.mse.evaluate(prediction: prediction, target: f["target"]!)
        let (inputGradient, stateGradient) = model.backward(gradient)
        for (name, parameter) in model.namedParameters {
            expectClose(parameter.gradient, f["grad.\(name)"]!, "\(set) grad.\(name)")
        }
        expectClose(inputGradient, f["grad.input"]!, "\(set) grad.input")
        expectClose(stateGradient.hidden, f["grad.h0"]!, "\(set) grad.h0")
        expectClose(stateGradient.cell, f["grad.c0"]!, "\(set) grad.c0")

        model.isTraining = false
        expectClose(model.forward(f["input"]!), f["prediction_zero_state"]!, "\(set) prediction in inference, zero state")
    }
}
