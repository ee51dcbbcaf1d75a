import Testing
import ForecastKernels
import ForecastNN

/// Loading named tensors into an LSTMModel follows PyTorch's `load_state_dict(strict=True)`.
@Suite struct StateDictTests {
    @Test func namesAndShapesAreThoseOfPyTorchsStateDict() {
        let model = LSTMModel(inputSize: 3, hiddenSize: 5, numLayers: 2, outputSize: 4)
        let entries = model.stateDict().map { "\($0.name) \($0.tensor.shape)" }
        #expect(entries == [
            "lstm.weight_ih_l0 [20, 3]", "lstm.weight_hh_l0 [20, 5]", "lstm.bias_ih_l0 [20]", "lstm.bias_hh_l0 [20]",
            "lstm.weight_ih_l1 [20, 5]", "lstm.weight_hh_l1 [20, 5]", "lstm.bias_ih_l1 [20]", "lstm.bias_hh_l1 [20]",
            "fc.weight [4, 5]", "fc.bias [4]",
        ])
    }

    @Test func loadingCopiesEveryTensor() throws {
        let source = LSTMModel(inputSize: 2, hiddenSize: 3, numLayers: 2, outputSize: 1, seed: 1)
        let target = LSTMModel(inputSize: 2, hiddenSize: 3, numLayers: 2, outputSize: 1, seed: 2)
        try target.loadStateDict(source.stateDict())
        #expect(target.stateDict().map(\.tensor) == source.stateDict().map(\.tensor))
    }

    @Test func missingExtraAndMisshapenTensorsAreRejected() {
        let model = LSTMModel(inputSize: 1, hiddenSize: 2, numLayers: 1, outputSize: 1)
        let before = model.stateDict().map(\.tensor)
        var tensors = model.stateDict()
        tensors.removeLast()
        #expect(throws: StateDictError.missing(["fc.bias"])) { try model.loadStateDict(tensors) }
        tensors = model.stateDict() + [("lstm.weight_ih_l1", Tensor(shape: [8, 2]))]
        #expect(throws: StateDictError.unexpected(["lstm.weight_ih_l1"])) { try model.loadStateDict(tensors) }
        tensors = model.stateDict()
        tensors[1].tensor = Tensor(shape: [8, 3])
        #expect(throws: StateDictError.shapeMismatch(name: "lstm.weight_hh_l0", expected: [8, 2], found: [8, 3])) {
            try model.loadStateDict(tensors)
        }
        #expect(model.stateDict().map(\.tensor) == before)
    }
}
