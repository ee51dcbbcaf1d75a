import Testing
import ForecastKernels
import ForecastNN

/// Splitting batches across threads, and inference in blocks of rows, change no prediction and make
/// training repeatable bit for bit.
@Suite struct LSTMThreadingTests {
    /// `count` batches of `batch` windows [batch, time, 2] and targets [batch, 1], from a seed.
    static func batches(_ count: Int, batch: Int, time: Int, seed: UInt64) -> [(input: Tensor, target: Tensor)] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            (randomTensor(shape: [batch, time, 2], using: &generator), randomTensor(shape: [batch, 1], using: &generator))
        }
    }

    static func trainedWeights(threads: Int, dropout: Float = 0.2) -> [[UInt32]] {
        let model = LSTMModel(inputSize: 2, hiddenSize: 19, numLayers: 2, outputSize: 1, dropout: dropout, seed: 42)
        model.threadCount = threads
        let optimizer = Adam(parameters: model.parameters, learningRate: 1e-2)
        for (input, target) in batches(6, batch: 13, time: 7, seed: 1) {
            model.trainStep(input: input, target: target, loss: .mse, optimizer: optimizer, clipNorm: 1)
        }
        return model.stateDict().map { $0.tensor.scalars.map(\.bitPattern) }
    }

    @Test func sameSeedWithTwoThreadsTrainsToByteIdenticalWeights() {
        // The two shares of each batch finish in either order; their gradients are summed in share order.
        let first = Self.trainedWeights(threads: 2), second = Self.trainedWeights(threads: 2)
        #expect(first == second)
        #expect(Self.trainedWeights(threads: 1) == Self.trainedWeights(threads: 1))
        #expect(Self.trainedWeights(threads: 3) == Self.trainedWeights(threads: 3))
    }

    @Test func trainingWithOneOrTwoThreadsDiffersOnlyInRounding() {
        // With two threads each weight gradient is the sum of two partial sums over rows, so its
        // rounding differs from the one-thread sum; after six Adam steps the weights agree to 1e-4.
        let one = Self.trainedWeights(threads: 1), two = Self.trainedWeights(threads: 2)
        for (a, b) in zip(one, two) {
            for (x, y) in zip(a, b) {
                let (fx, fy) = (Float(bitPattern: x), Float(bitPattern: y))
                #expect(abs(fx - fy) <= 1e-4 * (1 + abs(fx)), "\(fx) vs \(fy)")
            }
        }
    }

    @Test func predictionsDoNotDependOnThreadsBatchOrMode() throws {
        // One model, the same 70 windows: in training mode (shares kept for backward) and in inference
        // (blocks of 32 rows), with 1, 2 and 3 threads, whole or one window at a time: every prediction
        // is the same Float.
        let model = LSTMModel(inputSize: 2, hiddenSize: 24, numLayers: 2, outputSize: 3, seed: 7)
        let (input, _) = Self.batches(1, batch: 70, time: 9, seed: 2)[0]
        model.threadCount = 1
        let reference = model.forward(input)
        for training in [true, false] {
            model.isTraining = training
            for threads in [1, 2, 3] {
                model.threadCount = threads
                #expect(model.forward(input) == reference, "training \(training), \(threads) threads")
            }
        }
        model.isTraining = false
        for window in [0, 31, 32, 69] {
            let one = Tensor(shape: [1, 9, 2], scalars: Array(input.scalars[(window * 18) ..< ((window + 1) * 18)]))
            #expect(model.forward(one).scalars == Array(reference.scalars[(window * 3) ..< ((window + 1) * 3)]), "window \(window)")
        }
    }

    @Test func aSingleWindowSplitAmongThreadsPredictsWhatItsBatchRowPredicts() {
        // Hidden 64: a single window's units are shared by two threads when that is timed faster, and
        // run on one otherwise; the first calls try both. Every call must give the batch's row.
        let model = LSTMModel(inputSize: 2, hiddenSize: 64, numLayers: 2, outputSize: 2, seed: 9)
        model.isTraining = false
        model.threadCount = 2
        let (input, _) = Self.batches(1, batch: 5, time: 12, seed: 6)[0]
        let reference = model.forward(input)
        for call in 0..<40 {
            let window = call % 5
            let one = Tensor(shape: [1, 12, 2], scalars: Array(input.scalars[(window * 24) ..< ((window + 1) * 24)]))
            #expect(model.forward(one).scalars == Array(reference.scalars[(window * 2) ..< ((window + 1) * 2)]), "call \(call)")
        }
        var generator = SeededGenerator(seed: 8)
        let lstm = LSTM(inputSize: 1, hiddenSize: 64, numLayers: 2, using: &generator)
        let state = LSTMState(hidden: randomTensor(shape: [2, 1, 64], using: &generator),
                              cell: randomTensor(shape: [2, 1, 64], using: &generator))
        let window = randomTensor(shape: [1, 10, 1], using: &generator)
        let training = lstm.forward(window, initialState: state)
        lstm.isTraining = false
        for _ in 0..<6 {
            let inference = lstm.forward(window, initialState: state)
            #expect(inference.output == training.output)
            #expect(inference.finalState == training.finalState)
        }
    }

    /// Without an initial state, inference leaves out the first step's h·W_hhᵀ (h is 0) and training
    /// computes it; with one, both compute it. Either way the outputs and final states are the same bits.
    @Test(arguments: [(hiddenSize: 10, startsFromAState: true), (hiddenSize: 17, startsFromAState: false)])
    func lstmOutputsAndFinalStatesAreTheSameInTrainingAndInference(hiddenSize: Int, startsFromAState: Bool) {
        var generator = SeededGenerator(seed: 12)
        let lstm = LSTM(inputSize: 3, hiddenSize: hiddenSize, numLayers: 3, using: &generator)
        let input = randomTensor(shape: [41, 6, 3], using: &generator)
        let state = LSTMState(hidden: randomTensor(shape: [3, 41, hiddenSize], using: &generator),
                              cell: randomTensor(shape: [3, 41, hiddenSize], using: &generator))
        lstm.threadCount = 2
        let training = lstm.forward(input, initialState: startsFromAState ? state : nil)
        lstm.isTraining = false
        let inference = lstm.forward(input, initialState: startsFromAState ? state : nil)
        #expect(training.output == inference.output)
        #expect(training.finalState == inference.finalState)
    }

    @Test func aSingleWindowUsesTheWeightsAsTheyAreNow() {
        // Single windows keep their weights laid out per plan; a changed parameter must reach every
        // layout, so a window after the change matches a training-mode forward, which lays out nothing.
        var generator = SeededGenerator(seed: 14)
        let lstm = LSTM(inputSize: 1, hiddenSize: 64, numLayers: 2, using: &generator)
        let window = randomTensor(shape: [1, 12, 1], using: &generator)
        lstm.isTraining = false
        for _ in 0..<12 { _ = lstm.forward(window) }  // every plan timed, so every layout made
        var changed = lstm.layers[1].weightHH.value.scalars
        for index in changed.indices { changed[index] *= 0.5 }
        lstm.layers[1].weightHH.value = Tensor(shape: lstm.layers[1].weightHH.value.shape, scalars: changed)
        lstm.isTraining = true
        let expected = lstm.forward(window).output
        lstm.isTraining = false
        for _ in 0..<12 { #expect(lstm.forward(window).output == expected, "\(lstm.lastWindowPlan.map { "\($0)" } ?? "")") }
    }

    @Test func gradientsWithTwoThreadsMatchOneThread() {
        // The same forward and backward with 1 and 2 threads: input and initial-state gradients are
        // per row, so identical; weight gradients are sums over rows, so equal up to rounding.
        func gradients(threads: Int) -> (parameters: [Tensor], input: Tensor, state: LSTMState) {
            let model = LSTMModel(inputSize: 2, hiddenSize: 9, numLayers: 2, outputSize: 2, seed: 3)
            model.threadCount = threads
            let (input, _) = Self.batches(1, batch: 11, time: 5, seed: 4)[0]
            var generator = SeededGenerator(seed: 5)
            let state = LSTMState(hidden: randomTensor(shape: [2, 11, 9], using: &generator),
                                  cell: randomTensor(shape: [2, 11, 9], using: &generator))
            _ = model.forward(input, initialState: state)
            let (inputGradient, stateGradient) = model.backward(randomTensor(shape: [11, 2], using: &generator))
            return (model.parameters.map(\.gradient), inputGradient, stateGradient)
        }
        let one = gradients(threads: 1), two = gradients(threads: 2)
        #expect(one.input == two.input)
        #expect(one.state == two.state)
        for (a, b) in zip(one.parameters, two.parameters) {
            expectClose(b, a, "parameter gradient")
        }
    }

    @Test func aSecondBackwardWithoutAForwardIsRefused() async {
        // The backward pass writes the gate gradients over the activations the forward pass kept.
        await #expect(processExitsWith: .failure) {
            var generator = SeededGenerator(seed: 1)
            let lstm = LSTM(inputSize: 1, hiddenSize: 2, using: &generator)
            _ = lstm.forward(Tensor(shape: [1, 2, 1]))
            _ = lstm.backward(outputGradient: Tensor(shape: [1, 2, 2]))
            _ = lstm.backward(outputGradient: Tensor(shape: [1, 2, 2]))
        }
    }

    @Test func backwardAfterInferenceIsRefused() async {
        // Inference keeps no activations: a backward pass must follow a forward pass in training.
        await #expect(processExitsWith: .failure) {
            var generator = SeededGenerator(seed: 1)
            let lstm = LSTM(inputSize: 1, hiddenSize: 2, using: &generator)
            lstm.isTraining = false
            _ = lstm.forward(Tensor(shape: [1, 2, 1]))
            _ = lstm.backward(outputGradient: Tensor(shape: [1, 2, 2]))
        }
    }
}
