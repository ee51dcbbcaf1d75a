import Foundation
import Testing
import Forecast

/// 96 points of a season of 4 with a trend and a wobble: Holt–Winters and the last season's level
/// read it differently.
private func seasonal(count: Int = 96) -> TimeSeries {
    let values = (0..<count).map { (t: Int) -> Double in
        let x = Double(t)
        return 50 + 0.3 * x + [6.0, -2, -5, 1][t % 4] + 1.5 * sin(x * x * 0.37)
    }
    return TimeSeries(source: "seasonal.csv", targetName: "y", featureNames: [], columns: [values])
}

/// A small network trained briefly, with the refit, so a fit takes a fraction of a second.
private func options(_ methods: [WindowNormalization.Method]) -> TrainingOptions {
    var options = TrainingOptions(lookback: 8, horizon: 4)
    options.hiddenSize = 6
    options.layers = 1
    options.epochs = 6
    options.batchSize = 8
    options.learningRate = 0.01
    options.season = 4
    options.testSize = .count(12)
    options.validationSize = .count(12)
    options.seed = 11
    options.validatedNormalizations = methods
    return options
}

private func weights(_ result: TrainingResult) -> [String: Tensor] {
    Dictionary(uniqueKeysWithValues: result.model.network.stateDict().map { ($0.name, $0.tensor) })
}

/// Choosing the window normalisation by validation (``TrainingOptions/validatedNormalizations``).
@Suite struct NormalizationChoiceTests {
    @Test func theCandidateWithTheLowerValidationErrorIsKeptAsIfTrainedAlone() throws {
        let chosen = try Trainer.fit(seasonal(), options: options([.season, .holtWinters]))
        #expect(chosen.normalizationErrors.map(\.method) == [.season, .holtWinters])
        let best = try #require(chosen.normalizationErrors.min { $0.error < $1.error })
        #expect(chosen.model.configuration.windowNormalization == WindowNormalization(method: best.method, period: 4))
        #expect(chosen.refitted)

        for (method, error) in chosen.normalizationErrors {
            // Each error is the validation MASE the fallback measures for a network trained with that method alone.
            var alone = options([])
            alone.normalization = method
            alone.fallback = true
            let single = try Trainer.fit(seasonal(), options: alone)
            #expect(single.normalizationErrors.isEmpty)
            let measured = try #require(single.validation?.memberErrors.first { $0.member == .network }?.error)
            #expect(abs(measured - error) <= 1e-12 * max(1, abs(error)))
            if method == best.method {
                // The kept network is the one that method trains alone: the same weights, history and refit.
                var plain = alone
                plain.fallback = false
                let same = try Trainer.fit(seasonal(), options: plain)
                #expect(weights(same) == weights(chosen))
                #expect(same.history == chosen.history)
                #expect(same.bestEpoch == chosen.bestEpoch)
            }
        }
        // The order the candidates are named in does not change the choice.
        let reversed = try Trainer.fit(seasonal(), options: options([.holtWinters, .season]))
        #expect(reversed.model.configuration.windowNormalization.method == best.method)
        #expect(weights(reversed) == weights(chosen))
    }

    @Test func progressNamesEachCandidateInTurn() throws {
        var seen: [TrainingProgress.Candidate?] = []
        _ = try Trainer.fit(seasonal(), options: options([.season, .holtWinters])) { progress in
            if progress.isEndOfEpoch && progress.phase == .training && seen.last != progress.candidate { seen.append(progress.candidate) }
        }
        #expect(seen == [TrainingProgress.Candidate(normalization: .season, number: 1, count: 2),
                         TrainingProgress.Candidate(normalization: .holtWinters, number: 2, count: 2)])
        // One normalisation: no candidates.
        var any = false
        _ = try Trainer.fit(seasonal(), options: options([])) { progress in any = any || progress.candidate != nil }
        #expect(!any)
    }

    @Test func withoutAValidationPartTheFirstCandidateTrainsAlone() throws {
        var noValidation = options([.holtWinters, .season])
        noValidation.validationSize = .count(0)
        let result = try Trainer.fit(seasonal(), options: noValidation)
        #expect(result.normalizationErrors.isEmpty)
        #expect(result.model.configuration.windowNormalization.method == .holtWinters)
        #expect(result.warnings.contains { $0.contains("no validation part to choose the normalisation on; holt_winters is used") })
    }

    @Test func oneMethodToValidateIsThatMethodAndOverridesTheOthers() throws {
        var one = options([.holtWinters])
        one.normalization = .revin
        one.choosesNormalization = true
        let result = try Trainer.fit(seasonal(), options: one)
        #expect(result.normalizationErrors.isEmpty && result.anchorErrors.isEmpty)
        #expect(result.model.configuration.windowNormalization.method == .holtWinters)
        var alone = options([])
        alone.normalization = .holtWinters
        #expect(weights(try Trainer.fit(seasonal(), options: alone)) == weights(result))
    }

    @Test func aChoiceIsParsedFromNamesSeparatedByCommas() {
        #expect(NormalizationChoice("season")?.methods == [.season])
        #expect(NormalizationChoice("season,holt_winters")?.methods == [.season, .holtWinters])
        #expect(NormalizationChoice("season, holt_winters")?.description == "season,holt_winters")
        for bad in ["", "season,", "season,season", "seasons", "season,,last"] { #expect(NormalizationChoice(bad) == nil, "\(bad)") }

        var options = TrainingOptions(lookback: 4, horizon: 2)
        options.choosesNormalization = true
        options.useNormalization(NormalizationChoice("last,revin")!)
        #expect(options.validatedNormalizations == [.last, .revin] && !options.choosesNormalization)
        options.useNormalization(NormalizationChoice("revin")!)
        #expect(options.validatedNormalizations.isEmpty && options.normalization == .revin)

        options.validatedNormalizations = [.season, .season]
        #expect(options.problems.contains { $0.contains("named once") })
        // A quantile head compares by its validation loss, which revin measures in other units.
        options.validatedNormalizations = [.season, .revin]
        #expect(options.problems.isEmpty)
        options.quantileLevels = [80]
        #expect(options.problems.contains { $0.contains("revin measures in other units") })
        options.validatedNormalizations = [.season, .holtWinters]
        #expect(options.problems.isEmpty)
    }

    @Test func oneSeriesValidatesSeasonAndHoltWintersByDefaultAndAPanelChoosesByAnchors() {
        let single = Forecaster.defaultOptions(for: Panel(seasonal()))
        #expect(single.validatedNormalizations == [.season, .holtWinters])
        #expect(!single.choosesNormalization)
        let series = (0..<2).map { id in
            TimeSeries(source: "p.csv", targetName: "y", featureNames: [], columns: [seasonal().target.map { $0 + Double(id) }])
        }
        let panel = Panel(source: "p.csv", idName: "id", ids: ["a", "b"], series: series)
        let many = Forecaster.defaultOptions(for: panel)
        #expect(many.validatedNormalizations.isEmpty)
        #expect(many.choosesNormalization)
    }
}
