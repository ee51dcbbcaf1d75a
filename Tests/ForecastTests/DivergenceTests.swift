import Foundation
import Testing
import Forecast

/// NaN or infinity inside training stops it with a message, instead of returning (and saving) NaN weights.
@Suite struct DivergenceTests {
    /// A wave whose scale makes a huge learning rate blow the weights up within a few steps.
    func wave() -> TimeSeries {
        let values = (0..<80).map { 100 + 30 * sin(Double($0) * 0.5) + Double($0) }
        return TimeSeries(source: "wave.csv", targetName: "y", featureNames: [], columns: [values])
    }

    func options(learningRate: Float, refit: Bool) -> TrainingOptions {
        var options = TrainingOptions(lookback: 8, horizon: 2)
        options.hiddenSize = 8
        options.layers = 1
        options.epochs = 20
        options.batchSize = 8
        options.learningRate = learningRate
        options.testSize = .count(10)
        options.validationSize = .count(10)
        options.seed = 3
        options.refit = refit
        return options
    }

    @Test(arguments: [false, true])
    func explodingLossStopsTrainingWithAMessage(refit: Bool) throws {
        let error = #expect(throws: DataError.self) {
            try Trainer.fit(wave(), options: options(learningRate: 1e30, refit: refit))
        }
        #expect(error?.kind == .usage)
        #expect(error?.description.hasPrefix("wave.csv: training diverged: the loss became NaN or infinite at epoch ") == true,
                "\(String(describing: error))")
        #expect(error?.description.hasSuffix("no model was written; try a lower --learning-rate or --clip-norm 1") == true)
    }

    @Test func whenEveryNormalisationToValidateDivergesTheErrorIsTheFirstOnes() throws {
        var both = options(learningRate: 1e30, refit: true)
        both.validatedNormalizations = [.season, .holtWinters]
        let error = #expect(throws: DataError.self) { try Trainer.fit(wave(), options: both) }
        #expect(error?.description.hasPrefix("wave.csv: training diverged: the loss became NaN or infinite at epoch ") == true,
                "\(String(describing: error))")
    }

    @Test func ordinaryLearningRateStillTrains() throws {
        let result = try Trainer.fit(wave(), options: options(learningRate: 1e-2, refit: true))
        #expect(result.model.network.stateDict().allSatisfy { $0.tensor.scalars.allSatisfy(\.isFinite) })
    }
}
