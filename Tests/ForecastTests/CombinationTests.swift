import Foundation
import Testing
@testable import Forecast

/// A seasonal random walk: y_t = y_(t−12) + ε_t, ε standard normal from a seeded generator, started
/// from a monthly wave. Seasonal naive is the best forecast there is.
private func seasonalNaivePlusNoise(count: Int, seed: UInt64) -> TimeSeries {
    var generator = SeededGenerator(seed: seed)
    func normal() -> Double {
        let u1 = (Double(generator.next() >> 11) + 0.5) / Double(1 << 53), u2 = Double(generator.next() >> 11) / Double(1 << 53)
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
    var values = (0..<12).map { 100 + 20 * sin(2 * Double.pi * Double($0) / 12) }
    while values.count < count { values.append(values[values.count - 12] + normal()) }
    return TimeSeries(source: "snaive.csv", targetName: "y", columns: [values])
}

/// A small network that trains in seconds in a debug build.
private func smallOptions() -> TrainingOptions {
    var options = TrainingOptions(lookback: 24, horizon: 6)
    options.hiddenSize = 8
    options.layers = 1
    options.epochs = 4
    options.batchSize = 32
    options.season = 12
    options.seed = 5
    options.fallback = true
    return options
}

/// The fallback: the choice on the validation windows, the model file, determinism, `--no-fallback`.
@Suite struct CombinationTests {
    @Test func seasonalNaivePlusNoiseChoosesSeasonalNaive() throws {
        let series = seasonalNaivePlusNoise(count: 400, seed: 11)
        let result = try Trainer.fit(series, options: smallOptions())
        let combination = try #require(result.model.configuration.combination)
        #expect(combination.used.first?.member == .seasonalNaive)
        // Its validation error is the lowest measured, and the table it was chosen on is the result's.
        let errors = try #require(result.validation).memberErrors
        #expect(errors.min { $0.error < $1.error }?.member == .seasonalNaive)
        #expect(combination.windows == result.validation?.requests.count)
        // One series: the network gate was measured, and the network did not pass it.
        #expect(combination.networkGate == ForecastCombination.defaultNetworkGate)
        #expect(!combination.networkPassesGate)
        // And seasonal naive's share went on top of what the tolerance chose: the weights are the
        // tolerance rule's on the same table, scaled by 1 − share, plus the share for seasonal naive.
        let share = ForecastCombination.defaultSeasonalNaiveShare
        #expect(combination.seasonalNaiveShare == share)
        let validation = try #require(result.validation)
        let chosen = try #require(ForecastCombination.choose(on: validation, season: combination.season, holtWinters: combination.holtWinters))
        for (entry, before) in zip(combination.entries, chosen.entries) {
            #expect(abs(entry.weight - (before.weight * (1 - share) + (entry.member == .seasonalNaive ? share : 0))) < 1e-12)
        }
    }

    @Test func aNetworkThatFitsExactlyIsChosenAloneAndForecastsUnchanged() {
        // The network's validation forecasts are the actual values: error 0, every other member's
        // is positive, so the network takes the whole weight.
        let series = seasonalNaivePlusNoise(count: 200, seed: 12)
        let requests = (150...170).map { ForecastRequest(series: 0, end: $0) }
        let exact = requests.map { Array(series.target[$0.end..<($0.end + 6)]) }
        let table = ValidationForecasts(series: [series], requests: requests, network: exact, horizon: 6, season: 12,
                                        holtWinters: [nil], scaleEnds: [150])
        let combination = try! #require(ForecastCombination.choose(on: table, season: 12, holtWinters: nil))
        #expect(combination.isNetworkAlone)
        #expect(combination.validationError == 0)
        let network: [Double] = [1.5, -2.25, 3.125, 7, 8, 9]
        let combined = combination.combine(network: network, history: Array(series.target[..<190]))
        #expect(combined.map(\.bitPattern) == network.map(\.bitPattern))
    }

    @Test func weightsAreInverseValidationErrorsOfTheMembersWithinTheTolerance() throws {
        // Two windows of one step: the network is off by 1 and 1 (error 1), seasonal naive by 1 and
        // 1.2 (1.1), naive by 3 (3); scale 1 (a series whose seasonal differences average 1).
        let values: [Double] = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1]
        let series = TimeSeries(source: "s.csv", targetName: "y", columns: [values])
        let requests = [ForecastRequest(series: 0, end: 8), ForecastRequest(series: 0, end: 9)]
        let table = ValidationForecasts(requests: requests, actual: [[0], [1]],
                                        forecasts: [.network: [[1], [0]], .seasonalNaive: [[1], [-0.2]], .naive: [[3], [-2]]],
                                        scales: [1, 1])
        _ = series
        let combination = try #require(ForecastCombination.choose(on: table, tolerance: 1.1, season: 1, holtWinters: nil))
        let weights = Dictionary(uniqueKeysWithValues: combination.entries.map { ($0.member, $0.weight) })
        // 1/1 and 1/1.1, normalised.
        let total = 1 + 1 / 1.1
        #expect(abs(weights[.network]! - 1 / total) < 1e-12)
        #expect(abs(weights[.seasonalNaive]! - (1 / 1.1) / total) < 1e-12)
        #expect(weights[.naive] == 0)
        // Tolerance 1: the best alone.
        let best = try #require(ForecastCombination.choose(on: table, tolerance: 1, season: 1, holtWinters: nil))
        #expect(best.isNetworkAlone)
    }

    @Test func theSimpleForecastersHistoryErrorsAreComputedByHand() throws {
        // Season 1, horizon 1, one validation window ending at 4: the history's origins run from
        // max(2·1, 1, 1) = 2 to 4. Naive misses by 3−1, 6−3, 10−6 (mean 3); drift forecasts
        // 1+1, 3+1.5, 6+2 and misses by 1, 1.5, 2 (mean 1.5). The scale is the mean first
        // difference before the validation part (point 4): (1+2+3)/3 = 2.
        let series = TimeSeries(source: "s.csv", targetName: "y", columns: [[0, 1, 3, 6, 10]])
        let table = ValidationForecasts(series: [series], requests: [ForecastRequest(series: 0, end: 4)], network: [[9]], horizon: 1,
                                        season: 1, holtWinters: [nil], scaleEnds: [4])
        let history = try #require(table.history)
        #expect(history.windows == 3)
        #expect(abs(try #require(history.errors[.naive]) - 1.5) < 1e-12)
        #expect(abs(try #require(history.errors[.drift]) - 0.75) < 1e-12)
        #expect(history.errors[.network] == nil)
        // The choice uses them; the validation window's own errors stay in memberErrors.
        let choice = Dictionary(uniqueKeysWithValues: table.choiceErrors.map { ($0.member, $0.error) })
        let window = Dictionary(uniqueKeysWithValues: table.memberErrors.map { ($0.member, $0.error) })
        #expect(abs(try #require(choice[.naive]) - 1.5) < 1e-12)
        #expect(abs(try #require(window[.naive]) - 2) < 1e-12)  // |10 − 6| / 2
        #expect(choice[.network] == window[.network])
        #expect(abs(try #require(window[.network]) - 0.5) < 1e-12)  // |10 − 9| / 2
        // With no history the choice is the validation windows' own.
        let windowsOnly = ValidationForecasts(series: [series], requests: [ForecastRequest(series: 0, end: 4)], network: [[9]], horizon: 1,
                                              season: 1, holtWinters: [nil], scaleEnds: [4], historyLimit: 0)
        #expect(windowsOnly.history == nil)
        #expect(windowsOnly.choiceErrors.map(\.error) == windowsOnly.memberErrors.map(\.error))
    }

    @Test func anUnusualValidationPartDoesNotHideSeasonalNaivesRecord() throws {
        // A wave repeated exactly for 15 seasons, then 10 points lifted by 50: on the validation
        // windows (which reach into the lift) seasonal naive misses badly, and a network that is
        // off by 3 everywhere looks better; over the history seasonal naive is exact but for those
        // 10 points, so it is chosen. (Between the two: Holt–Winters, refitted at each origin,
        // follows the lift in the history too.)
        var values = (0..<180).map { 10 * sin(2 * Double.pi * Double($0) / 12) }
        for t in 170..<180 { values[t] += 50 }
        let series = TimeSeries(source: "wave.csv", targetName: "y", columns: [values])
        let requests = (164...174).map { ForecastRequest(series: 0, end: $0) }
        let network = requests.map { request in (0..<6).map { values[request.end + $0] + 3 } }
        let table = ValidationForecasts(series: [series], requests: requests, network: network, horizon: 6, season: 12,
                                        holtWinters: [nil], scaleEnds: [164])
        let windowsOnly = ValidationForecasts(series: [series], requests: requests, network: network, horizon: 6, season: 12,
                                              holtWinters: [nil], scaleEnds: [164], historyLimit: 0)
        let pair: Set<CombinationMember> = [.network, .seasonalNaive]
        let before = try #require(ForecastCombination.choose(on: windowsOnly, tolerance: 1, season: 12, holtWinters: nil, candidates: pair))
        #expect(before.isNetworkAlone)
        #expect(before.historyWindows == nil)
        let after = try #require(ForecastCombination.choose(on: table, tolerance: 1, season: 12, holtWinters: nil, candidates: pair))
        #expect(after.used.map(\.member) == [.seasonalNaive])
        #expect(after.historyWindows == 174 - 24 + 1)
        #expect(after.summary.contains("over 151 origins of the history"))
    }

    @Test func theHistoryIsEvenlyThinnedToItsLimit() throws {
        let series = seasonalNaivePlusNoise(count: 400, seed: 19)
        let requests = (380...394).map { ForecastRequest(series: 0, end: $0) }
        let network = requests.map { _ in [Double](repeating: 100, count: 6) }
        let limited = ValidationForecasts(series: [series], requests: requests, network: network, horizon: 6, season: 12,
                                          holtWinters: [nil], scaleEnds: [380], historyLimit: 50)
        #expect(limited.history?.windows == 50)
        let whole = ValidationForecasts(series: [series], requests: requests, network: network, horizon: 6, season: 12,
                                        holtWinters: [nil], scaleEnds: [380], historyLimit: 10_000)
        #expect(whole.history?.windows == 394 - 24 + 1)
    }

    @Test func theCombinationIsSavedAndLoadedAndOldFilesLoadWithout() throws {
        let series = seasonalNaivePlusNoise(count: 300, seed: 13)
        let model = try Trainer.fit(series, options: smallOptions()).model
        #expect(model.configuration.combination != nil)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("combination-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try model.save(to: directory)
        let loaded = try ForecastModel(contentsOf: directory)
        #expect(loaded.configuration == model.configuration)
        let panel = Panel(series)
        #expect(try loaded.forecast(panel).forecasts[0].values == (try model.forecast(panel).forecasts[0].values))
        // A file written before the key existed: the network alone.
        let file = directory.appendingPathComponent(ForecastModel.configurationFileName)
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        json["combination"] = nil
        try JSONSerialization.data(withJSONObject: json).write(to: file)
        let old = try ForecastModel(contentsOf: directory)
        #expect(old.configuration.combination == nil)
        let requests = [ForecastRequest(series: 0, end: series.count)]
        #expect(old.forecast([series], requests: requests, steps: 6).values == old.networkForecast([series], requests: requests, steps: 6).values)
    }

    @Test func aCombinationWhoseWeightsDoNotSumToOneIsNamed() throws {
        let series = seasonalNaivePlusNoise(count: 300, seed: 17)
        let model = try Trainer.fit(series, options: smallOptions()).model
        try expectLoadingFails(model, message: "combination.members needs finite non-negative weights that sum to 1") { json in
            var combination = try #require(json["combination"] as? [String: Any])
            var members = try #require(combination["members"] as? [[String: Any]])
            members[0]["weight"] = 2.5
            combination["members"] = members
            json["combination"] = combination
        }
    }

    @Test func trainingTwiceWithTheSameSeedWritesTheSameBytes() throws {
        let series = seasonalNaivePlusNoise(count: 300, seed: 14)
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("determinism-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        var files: [[Data]] = []
        for run in 0..<2 {
            let directory = base.appendingPathComponent("\(run)")
            try Trainer.fit(series, options: smallOptions()).model.save(to: directory)
            files.append(try [ForecastModel.configurationFileName, ForecastModel.weightsFileName].map {
                try Data(contentsOf: directory.appendingPathComponent($0))
            })
        }
        #expect(files[0] == files[1])
    }

    @Test func withoutTheFallbackTheModelIsTheBareNetwork() throws {
        let series = seasonalNaivePlusNoise(count: 300, seed: 15)
        var options = smallOptions()
        options.fallback = false
        let result = try Trainer.fit(series, options: options)
        #expect(result.model.configuration.combination == nil)
        #expect(result.validation == nil)
        // The network itself is the same as with the fallback: the choice is made after training.
        let withFallback = try Trainer.fit(series, options: smallOptions()).model
        let requests = [ForecastRequest(series: 0, end: series.count)]
        #expect(result.model.forecast([series], requests: requests, steps: 6).values
                == withFallback.networkForecast([series], requests: requests, steps: 6).values)
    }

    @Test func conformalScoresAreTheCombinedForecastsErrors() throws {
        // Without refit the network that forecast the validation windows is the final one, so the
        // calibration recomputed with the final model (combination included) is the stored one.
        let series = seasonalNaivePlusNoise(count: 300, seed: 16)
        var options = smallOptions()
        options.refit = false
        let result = try Trainer.fit(series, options: options)
        let model = result.model
        let combination = try #require(model.configuration.combination)
        #expect(!combination.isNetworkAlone)
        let recomputed = model.conformalCalibration([series], validation: [result.split.validation])
        #expect(recomputed == model.configuration.conformalIntervals)
    }

    @Test func aToleranceBelowOneIsAProblem() {
        var options = smallOptions()
        options.fallbackTolerance = 0.5
        #expect(options.problems.contains { $0.contains("fallback tolerance") })
        options.fallbackTolerance = 2
        options.fallbackNetworkGate = -1
        #expect(options.problems.contains { $0.contains("network gate") })
        options.fallbackNetworkGate = nil
        #expect(options.problems.isEmpty)
        for share in [-0.1, 1, .nan] {
            options.fallbackSeasonalNaiveShare = share
            #expect(options.problems.contains { $0.contains("seasonal naive share") })
        }
        options.fallbackSeasonalNaiveShare = 0
        #expect(options.problems.isEmpty)
    }

    @Test func seasonalNaivesShareIsKeptWhateverTheToleranceChose() throws {
        let table = gateTable()
        let open = try #require(ForecastCombination.choose(on: table, tolerance: 1e9, season: 1, holtWinters: nil))
        // A blend: every weight scaled by 1 − 0.25, seasonal naive's raised by 0.25.
        let hedged = try #require(ForecastCombination.choose(on: table, tolerance: 1e9, season: 1, holtWinters: nil, seasonalNaiveShare: 0.25))
        for (entry, before) in zip(hedged.entries, open.entries) {
            #expect(entry.weight == before.weight * 0.75 + (entry.member == .seasonalNaive ? 0.25 : 0))
        }
        #expect(hedged.seasonalNaiveShare == 0.25 && abs(hedged.entries.map(\.weight).reduce(0, +) - 1) < 1e-12)
        #expect(hedged.summary.hasSuffix("over 4 windows; seasonal naive's share 0.250 kept whatever the tolerance chose"))  // no gate
        // Its validation error is the hedged forecast's: the network misses by 0.5 at every step,
        // seasonal naive by 1, 2, 3, 4, and the weights mix the two forecasts.
        let w = try #require(hedged.entries.first { $0.member == .network }).weight
        let expected = [[0.5, -0.5], [1, 1], [2, -2], [3, 3], [4, 4]]
        let windows = (1...4).map { k in zip(expected[0], expected[k]).map { abs(w * $0 + (1 - w) * $1) }.reduce(0, +) / 2 }
        #expect(abs(hedged.validationError - windows.reduce(0, +) / 4) < 1e-12)
        // With tolerance 1 the network alone was chosen; the share brings seasonal naive in.
        let best = try #require(ForecastCombination.choose(on: table, tolerance: 1, season: 1, holtWinters: nil, seasonalNaiveShare: 0.25))
        #expect(!best.isNetworkAlone && best.used.map(\.member) == [.network, .seasonalNaive] && best.used.map(\.weight) == [0.75, 0.25])
        // Not when the gate keeps the network alone: the evidence for it is clear. The share is
        // still recorded (the options that train the model again keep it), and not printed.
        let kept = try #require(ForecastCombination.choose(on: table, tolerance: 1e9, season: 1, holtWinters: nil, networkGate: 3,
                                                           seasonalNaiveShare: 0.25))
        #expect(kept.networkPassesGate && kept.isNetworkAlone && kept.seasonalNaiveShare == 0.25)
        #expect(!kept.summary.contains("share"))
        // A gate the network does not pass: the share applies.
        let held = try #require(ForecastCombination.choose(on: table, tolerance: 1e9, season: 1, holtWinters: nil, networkGate: 3.5,
                                                           seasonalNaiveShare: 0.25))
        #expect(!held.networkPassesGate && held.entries.map(\.weight) == hedged.entries.map(\.weight))
        #expect(held.summary.hasSuffix("(gate 3.500); seasonal naive's share 0.250 kept whatever the tolerance chose, as the network did not pass the gate"))
        let decoded = try JSONDecoder().decode(ForecastCombination.self, from: try JSONEncoder().encode(held))
        #expect(decoded == held)
        // No share (0, negative, 1 and more, not a number, or no seasonal naive measured): the
        // choice unchanged, none recorded.
        for share in [0, -0.25, 1, 2, .nan] as [Double] {
            let unchanged = try #require(ForecastCombination.choose(on: table, tolerance: 1e9, season: 1, holtWinters: nil, seasonalNaiveShare: share))
            #expect(unchanged == open)
        }
        let networkOnly = try #require(ForecastCombination.choose(on: table, tolerance: 1e9, season: 1, holtWinters: nil,
                                                                  candidates: [.network], seasonalNaiveShare: 0.25))
        #expect(networkOnly.isNetworkAlone && networkOnly.seasonalNaiveShare == nil)
    }

    /// Four windows of two steps, every actual value 0 and scale 1: the network misses each step by
    /// 0.5, seasonal naive by 1, 2, 3 and 4 in the four windows.
    private func gateTable() -> ValidationForecasts {
        ValidationForecasts(requests: (10..<14).map { ForecastRequest(series: 0, end: $0) }, actual: Array(repeating: [0, 0], count: 4),
                            forecasts: [.network: Array(repeating: [0.5, -0.5], count: 4),
                                        .seasonalNaive: [[1, 1], [2, -2], [3, 3], [4, 4]]],
                            scales: [1, 1, 1, 1])
    }

    @Test func theNetworksLeadIsComputedByHand() throws {
        // Differences 0.5, 1.5, 2.5, 3.5: mean 2; deviations −1.5, −0.5, 0.5, 1.5; lag 0
        // autocovariance 5/4, lag 1 (horizon − 1) (0.75 − 0.25 + 0.75)/4 = 0.3125 with Bartlett
        // weight 1/2: long-run variance 1.5625, standard error √(1.5625/4) = 0.625, lead 3.2.
        let table = gateTable()
        #expect(abs(try #require(table.networkLead(over: .seasonalNaive)) - 3.2) < 1e-12)
        // With one step the windows do not overlap: differences 0.5, 1.5, 2.5, 3.5 again (the
        // first steps), variance 5/4, standard error √(5/16), lead 2/√(5/16).
        let oneStep = ValidationForecasts(requests: table.requests, actual: table.actual.map { [$0[0]] },
                                          forecasts: table.forecasts.mapValues { $0.map { [$0[0]] } }, scales: table.scales)
        #expect(abs(try #require(oneStep.networkLead(over: .seasonalNaive)) - 2 / (5.0 / 16).squareRoot()) < 1e-12)
        // Behind: negative, the same size; equal differences: infinity; a missing member: nil.
        var behind = table
        behind.forecasts = [.network: table.forecasts[.seasonalNaive]!, .seasonalNaive: table.forecasts[.network]!]
        #expect(abs(try #require(behind.networkLead(over: .seasonalNaive)) + 3.2) < 1e-12)
        var constant = table
        constant.forecasts[.seasonalNaive] = Array(repeating: [1, 1], count: 4)
        #expect(constant.networkLead(over: .seasonalNaive) == .infinity)
        #expect(table.networkLead(over: .naive) == nil)
        // Rows that do not fit the windows (a step too many, a scale missing): nil, and an error of
        // infinity, not a trap.
        var long = table
        long.forecasts[.network]![1] = [0.5, -0.5, 0.5]
        #expect(long.networkLead(over: .seasonalNaive) == nil)
        #expect(long.error(of: long.forecasts[.network]!) == .infinity)
        var unscaled = table
        unscaled.scales.removeLast()
        #expect(unscaled.networkLead(over: .seasonalNaive) == nil)
        #expect(unscaled.error(of: unscaled.forecasts[.network]!) == .infinity)
    }

    @Test func theGateKeepsTheNetworkAloneOnlyWhenItLeadsClearly() throws {
        let table = gateTable()
        // Without a gate every member within the tolerance is combined.
        let open = try #require(ForecastCombination.choose(on: table, tolerance: 1e9, season: 1, holtWinters: nil))
        #expect(open.used.map(\.member) == [.network, .seasonalNaive])
        #expect(open.networkGate == nil && open.networkLead == nil)
        // A lead of 3.2 passes a gate of 3, and the choice says why.
        let passed = try #require(ForecastCombination.choose(on: table, tolerance: 1e9, season: 1, holtWinters: nil, networkGate: 3))
        #expect(passed.isNetworkAlone && passed.networkPassesGate)
        let lead = try #require(passed.networkLead)
        #expect(passed.networkGate == 3 && abs(lead - 3.2) < 1e-12)
        #expect(passed.validationError == 0.5)
        #expect(passed.summary.contains("the network alone: it leads every other member on the validation windows by 3.200 standard errors or more (gate 3.000)"))
        // Not a gate of 3.5: the tolerance decides, as without one.
        let held = try #require(ForecastCombination.choose(on: table, tolerance: 1e9, season: 1, holtWinters: nil, networkGate: 3.5))
        #expect(held.entries.map(\.weight) == open.entries.map(\.weight))
        #expect(!held.networkPassesGate && held.summary.contains("least lead over another member"))
        // Saved and read back with the model's coder.
        let decoded = try JSONDecoder().decode(ForecastCombination.self, from: try JSONEncoder().encode(passed))
        #expect(decoded == passed)
        // One window: no lead to measure, so the gate does not keep the network alone.
        let one = ValidationForecasts(requests: [table.requests[0]], actual: [table.actual[0]],
                                      forecasts: table.forecasts.mapValues { [$0[0]] }, scales: [1])
        let unmeasured = try #require(ForecastCombination.choose(on: one, tolerance: 1e9, season: 1, holtWinters: nil, networkGate: 0))
        #expect(unmeasured.networkGate == 0 && unmeasured.networkLead == nil && !unmeasured.networkPassesGate)
        #expect(unmeasured.used.count == 2 && unmeasured.summary.contains("not measured on 1 validation window (gate 0.000)"))
        // A gate that is not a finite number is no gate.
        let nan = try #require(ForecastCombination.choose(on: table, tolerance: 1e9, season: 1, holtWinters: nil, networkGate: .nan))
        #expect(nan.networkGate == nil && nan.entries.map(\.weight) == open.entries.map(\.weight))
    }

    @Test func aModelTheGateKeptAloneKeepsItsFormatVersionAndABadGateRecordIsNamed() throws {
        // The network alone at weight 1: older readers, which ignore the key, forecast the same.
        let series = risingWave(count: 240)
        let model = try Trainer.fit(series, options: smallOptions()).model
        let combination = try #require(model.configuration.combination)
        let stepScaled = model.configuration.conformalIntervals?.stepLags == true
        #expect(model.configuration.formatVersion == (combination.isNetworkAlone && !stepScaled ? ModelConfiguration.singleSeriesFormatVersion
                                                      : ModelConfiguration.stepScaledIntervalsFormatVersion))
        try expectLoadingFails(model, message: "combination.network_lead passes network_gate, so the network must be the only member") { json in
            var stored = try #require(json["combination"] as? [String: Any])
            stored["network_gate"] = 1.0
            stored["network_lead"] = 5.0
            var members = try #require(stored["members"] as? [[String: Any]])
            for i in members.indices { members[i]["weight"] = 1.0 / Double(members.count) }
            stored["members"] = members
            json["combination"] = stored
        }
        // A gate below 0 or a tolerance below 1 would make the options that retrain the model
        // (TrainingOptions(retraining:)) unusable: refused when the model is read.
        try expectLoadingFails(model, message: "combination.network_gate is -1.0; it must be 0 or more") { json in
            var stored = try #require(json["combination"] as? [String: Any])
            stored["network_gate"] = -1.0
            json["combination"] = stored
        }
        try expectLoadingFails(model, message: "combination.tolerance is 0.5; it must be a finite number of at least 1") { json in
            var stored = try #require(json["combination"] as? [String: Any])
            stored["tolerance"] = 0.5
            json["combination"] = stored
        }
        try expectLoadingFails(model, message: "combination.seasonal_naive_share is 1.0; it must be above 0 and below 1") { json in
            var stored = try #require(json["combination"] as? [String: Any])
            stored["seasonal_naive_share"] = 1.0
            json["combination"] = stored
        }
        // A share that the weights do not hold.
        try expectLoadingFails(model, message: "combination.seasonal_naive_share is 0.5, so seasonal_naive needs a weight of at least that") { json in
            var stored = try #require(json["combination"] as? [String: Any])
            stored["network_gate"] = nil
            stored["network_lead"] = nil
            stored["seasonal_naive_share"] = 0.5
            var members = try #require(stored["members"] as? [[String: Any]])
            for i in members.indices { members[i]["weight"] = members[i]["member"] as? String == "network" ? 1.0 : 0.0 }
            stored["members"] = members
            json["combination"] = stored
        }
    }
}

/// A wave on a straight rise: seasonal naive misses every point by 12 × 0.5, while a network can
/// be exact.
private func risingWave(count: Int) -> TimeSeries {
    TimeSeries(source: "wave.csv", targetName: "y", columns: [(0..<count).map { 50 + 0.5 * Double($0) + 10 * sin(2 * Double.pi * Double($0 % 12) / 12) }])
}

/// The fallback of a panel: each series' own combination, chosen on its own evidence shrunk
/// towards the pooled one, stored by id and applied when forecasting.
@Suite struct SeriesCombinationTests {
    /// One panel, two series, validation windows 150…170 of each (horizon 6): on the first, a
    /// seasonal random walk, the network is off by 3 scales at every point; on the second it is exact.
    private func table() -> (series: [TimeSeries], table: ValidationForecasts) {
        let noisy = seasonalNaivePlusNoise(count: 200, seed: 21), exact = risingWave(count: 200)
        let series = [noisy, exact]
        var requests: [ForecastRequest] = [], network: [[Double]] = []
        let noisyScale = Accuracy.naiveScale(Array(noisy.target[..<150]), season: 12)
        for s in 0..<2 {
            for end in 150...170 {
                requests.append(ForecastRequest(series: s, end: end))
                let actual = Array(series[s].target[end..<(end + 6)])
                network.append(s == 0 ? actual.map { $0 + 3 * noisyScale } : actual)
            }
        }
        let table = ValidationForecasts(series: series, requests: requests, network: network, horizon: 6, season: 12,
                                        holtWinters: [nil, nil], scaleEnds: [150, 150],
                                        seriesHistoryLimit: ValidationForecasts.seriesHistoryLimit)
        return (series, table)
    }

    @Test func inOnePanelTheNoisySeriesGetsSeasonalNaiveAndTheExactOneKeepsTheNetwork() throws {
        let (_, table) = table()
        #expect(table.seriesHistory.count == 2)
        #expect(table.seriesHistory[0]?.windows == ValidationForecasts.seriesHistoryLimit)
        let chosen = ForecastCombination.choosePerSeries(on: table, season: 12)
        let noisy = try #require(chosen[0]), exact = try #require(chosen[1])
        #expect(noisy.used.first?.member == .seasonalNaive)
        #expect(noisy.entries.first { $0.member == .network }?.weight == 0)
        #expect(exact.isNetworkAlone)
        #expect(exact.windows == 21)
        // The one pooled combination cannot do both: it gives both series the same weights.
        let pooled = try #require(ForecastCombination.choose(on: table, season: 12, holtWinters: nil))
        #expect(!(pooled.isNetworkAlone && pooled.used.first?.member == .seasonalNaive))
        // An infinite prior is the pooled evidence for every series: the same weights on both.
        let flat = ForecastCombination.choosePerSeries(on: table, prior: .infinity, season: 12)
        let first = try #require(flat[0]).entries.map(\.weight), second = try #require(flat[1]).entries.map(\.weight)
        #expect(first.count == second.count && zip(first, second).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func eachSeriesOfAPanelHedgesWithSeasonalNaivesShareWhereTheToleranceKeptIt() throws {
        let (_, table) = table()
        let plain = ForecastCombination.choosePerSeries(on: table, season: 12)
        let hedged = ForecastCombination.choosePerSeries(on: table, season: 12, seasonalNaiveShare: 0.4)
        #expect(hedged.keys.sorted() == [0, 1])
        // The noisy series kept seasonal naive: every weight × 0.6, seasonal naive's + 0.4.
        let noisy = try #require(hedged[0]), noisyBefore = try #require(plain[0])
        #expect((noisyBefore.entries.first { $0.member == .seasonalNaive }?.weight ?? 0) > 0)
        for (entry, original) in zip(noisy.entries, noisyBefore.entries) {
            let expected = original.weight * 0.6 + (entry.member == .seasonalNaive ? 0.4 : 0)
            #expect(abs(entry.weight - expected) < 1e-12)
        }
        // Its validation error is the hedged forecast's.
        let rows = table.requests.indices.filter { table.requests[$0].series == 0 }
        let combined = rows.map { w in noisy.combine(members: { table.forecasts[$0]?[w] ?? [] }) }
        let own = ValidationForecasts(requests: rows.map { table.requests[$0] }, actual: rows.map { table.actual[$0] },
                                      forecasts: [:], scales: rows.map { table.scales[$0] })
        #expect(abs(noisy.validationError - own.error(of: combined)) < 1e-12)
        #expect(abs(noisy.validationError - noisyBefore.validationError) > 1e-9)
        // The exact series kept the network alone, seasonal naive out: unchanged. Both record the share.
        let exact = try #require(hedged[1])
        #expect(exact.isNetworkAlone && exact.entries == plain[1]?.entries)
        #expect(noisy.seasonalNaiveShare == 0.4 && exact.seasonalNaiveShare == 0.4)
        // No share, a share of 0 or of 1: the choice unchanged and none recorded.
        for share in [nil, 0, 1] as [Double?] {
            let same = ForecastCombination.choosePerSeries(on: table, season: 12, seasonalNaiveShare: share)
            #expect(same.mapValues { $0.entries } == plain.mapValues { $0.entries })
            #expect(same.values.allSatisfy { $0.seasonalNaiveShare == nil })
        }
    }

    @Test func theSeriesHistoryIsComputedByHand() throws {
        // Season 1, horizon 1, two series, one validation window each at 4; limit 2 of the 3
        // origins 2, 3, 4 (evenly: 2 and 3). Series 0 [0, 1, 3, 6, 10]: naive misses 3−1, 6−3
        // (mean 2.5), scale (1+2+3)/3 = 2, so 1.25; span 4 − 2 + 1 = 3.
        let a = TimeSeries(source: "a.csv", targetName: "y", columns: [[0, 1, 3, 6, 10]])
        let b = TimeSeries(source: "b.csv", targetName: "y", columns: [[5, 5, 5, 5, 5]])
        let table = ValidationForecasts(series: [a, b], requests: [ForecastRequest(series: 0, end: 4), ForecastRequest(series: 1, end: 4)],
                                        network: [[9], [5]], horizon: 1, season: 1, holtWinters: [nil, nil], scaleEnds: [4, 4],
                                        seriesHistoryLimit: 2)
        let own = try #require(table.seriesHistory[0])
        #expect(own.windows == 2)
        #expect(own.span == 3)
        #expect(abs(try #require(own.errors[.naive]) - 1.25) < 1e-12)
    }

    private func panel() -> Panel {
        Panel(source: "panel.csv", idName: "id", ids: ["noisy", "wave"],
              series: [seasonalNaivePlusNoise(count: 260, seed: 22), risingWave(count: 260)])
    }

    @Test func aPanelModelStoresEachSeriesChoiceAndForecastsWithIt() throws {
        let panel = panel()
        let result = try Trainer.fit(panel, options: smallOptions())
        let configuration = result.model.configuration
        let chosen = try #require(configuration.seriesCombinations)
        #expect(Set(chosen.keys) == ["noisy", "wave"])
        #expect(configuration.combination != nil)
        // The forecast of each series is its own combination of the network's.
        let requests = panel.series.indices.map { ForecastRequest(series: $0, end: panel.series[$0].count) }
        let network = result.model.networkForecast(panel.series, requests: requests, steps: 6).values
        let forecast = try result.model.forecast(panel).forecasts
        for (s, id) in panel.ids.enumerated() {
            let own = try #require(chosen[id])
            #expect(forecast[s].values == own.combine(network: network[s], history: panel.series[s].target))
        }
        // A series unseen at training time uses the pooled combination.
        let unseen = Panel(source: "new.csv", idName: "id", ids: ["new"], series: [panel.series[0]])
        let pooled = try #require(configuration.combination)
        #expect(try result.model.forecast(unseen).forecasts[0].values == pooled.combine(network: network[0], history: panel.series[0].target))
        #expect(configuration.combination(forSeries: "new") == pooled)
    }

    @Test func theSeriesCombinationsRoundTripAndOldFilesForecastWithThePooledOne() throws {
        let panel = panel()
        let model = try Trainer.fit(panel, options: smallOptions()).model
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("series-combination-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try model.save(to: directory)
        let loaded = try ForecastModel(contentsOf: directory)
        #expect(loaded.configuration == model.configuration)
        #expect(try loaded.forecast(panel).forecasts.map(\.values) == (try model.forecast(panel).forecasts.map(\.values)))
        // A file written before the key existed: every series forecasts with the pooled combination.
        let file = directory.appendingPathComponent(ForecastModel.configurationFileName)
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        #expect(json["series_combinations"] != nil)
        json["series_combinations"] = nil
        try JSONSerialization.data(withJSONObject: json).write(to: file)
        let old = try ForecastModel(contentsOf: directory)
        #expect(old.configuration.seriesCombinations == nil)
        var pooled = model.configuration
        pooled.seriesCombinations = nil
        let expected = try ForecastModel(configuration: pooled, network: model.network)
        #expect(try old.forecast(panel).forecasts.map(\.values) == (try expected.forecast(panel).forecasts.map(\.values)))
    }

    @Test func aBadSeriesCombinationIsNamed() throws {
        let model = try Trainer.fit(panel(), options: smallOptions()).model
        // Series `id`'s combination in config.json, changed by `change`.
        func editSeries(_ id: String, of json: inout [String: Any], _ change: (inout [String: Any]) -> Void) throws {
            var all = try #require(json["series_combinations"] as? [String: Any])
            var combination = try #require(all[id] as? [String: Any])
            change(&combination)
            all[id] = combination
            json["series_combinations"] = all
        }
        // The noisy series given the network and seasonal naive at `seasonalWeight`, and `share`.
        func hedgeNoisy(seasonalWeight: Double, share: Double = 0.4, in json: inout [String: Any]) throws {
            try editSeries("noisy", of: &json) { noisy in
                noisy["members"] = [["member": "network", "weight": 1 - seasonalWeight, "validation_error": 1.0],
                                    ["member": "seasonal_naive", "weight": seasonalWeight, "validation_error": 1.0]]
                noisy["seasonal_naive_share"] = share
            }
        }
        try expectLoadingFails(model, message: "series_combinations[\"wave\"].season is 0") { json in
            try editSeries("wave", of: &json) { $0["season"] = 0 }
        }
        // Seasonal naive's share sits in each series' combination, not in a panel's pooled one; a
        // series that kept seasonal naive holds at least the share, one that did not holds 0.
        try expectLoadingFails(model, message: "combination.seasonal_naive_share: a panel's pooled combination has none (its series' combinations hold it)") { json in
            var pooled = try #require(json["combination"] as? [String: Any])
            pooled["seasonal_naive_share"] = 0.4
            json["combination"] = pooled
        }
        try expectLoadingFails(model, message: "series_combinations[\"noisy\"].seasonal_naive_share is 0.4, so seasonal_naive needs a weight of 0 (not kept) or at least that") { json in
            try hedgeNoisy(seasonalWeight: 0.1, in: &json)
        }
        // One series with another share than the other's (0.4 by default), or with none: the share must be the same for all.
        try expectLoadingFails(model, message: "series_combinations: every series must hold the same seasonal_naive_share, or none") { json in
            try hedgeNoisy(seasonalWeight: 0, share: 0.3, in: &json)
        }
        try expectLoadingFails(model, message: "series_combinations: every series must hold the same seasonal_naive_share, or none") { json in
            try editSeries("noisy", of: &json) { $0["seasonal_naive_share"] = nil }
        }
    }

    @Test func trainingAPanelTwiceWritesTheSameBytes() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("series-determinism-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        var files: [[Data]] = []
        for run in 0..<2 {
            let directory = base.appendingPathComponent("\(run)")
            try Trainer.fit(panel(), options: smallOptions()).model.save(to: directory)
            files.append(try [ForecastModel.configurationFileName, ForecastModel.weightsFileName].map {
                try Data(contentsOf: directory.appendingPathComponent($0))
            })
        }
        #expect(files[0] == files[1])
        #expect(String(decoding: files[0][0], as: UTF8.self).contains("\"series_combinations\""))
    }

    @Test func aPanelsSeriesHedgeWhereTheyKeptSeasonalNaiveAndTrainingAgainKeepsTheShare() throws {
        var options = smallOptions()
        options.fallbackSeriesSeasonalNaiveShare = 0.4
        let model = try Trainer.fit(panel(), options: options).model
        var unhedged = smallOptions()
        unhedged.fallbackSeriesSeasonalNaiveShare = nil
        let unhedgedModel = try Trainer.fit(panel(), options: unhedged).model.configuration
        let plain = try #require(unhedgedModel.seriesCombinations)
        // A model without the share (as every panel model before it was the default) trains again without it.
        #expect(TrainingOptions(retraining: unhedgedModel).fallbackSeriesSeasonalNaiveShare == nil)
        let chosen = try #require(model.configuration.seriesCombinations)
        #expect(model.configuration.combination?.seasonalNaiveShare == nil)
        var hedged = 0
        for (id, combination) in chosen {
            let before = try #require(plain[id])
            let kept = (before.entries.first { $0.member == .seasonalNaive }?.weight ?? 0) > 0
            hedged += kept ? 1 : 0
            #expect(combination.seasonalNaiveShare == 0.4 && before.seasonalNaiveShare == nil)
            for (entry, original) in zip(combination.entries, before.entries) {
                let expected = kept ? original.weight * 0.6 + (entry.member == .seasonalNaive ? 0.4 : 0) : original.weight
                #expect(abs(entry.weight - expected) < 1e-12)
            }
        }
        #expect(hedged >= 1)  // the noisy series keeps seasonal naive
        #expect(TrainingOptions(retraining: model.configuration).fallbackSeriesSeasonalNaiveShare == 0.4)
        #expect(TrainingOptions(retraining: model.configuration).problems.isEmpty)
        options.fallbackSeriesSeasonalNaiveShare = 1
        #expect(options.problems == ["the fallback's seasonal naive share per series must be at least 0 and below 1 (got 1.0)"])
    }

    @Test func byDefaultAPanelGetsTheFallbackPerSeriesAndSoDoesOneSeries() throws {
        var options = smallOptions()
        options.fallback = nil
        let panelModel = try Trainer.fit(panel(), options: options).model.configuration
        #expect(panelModel.combination != nil)
        #expect(panelModel.combination?.networkGate == nil)  // the gate is for one series
        // The share is in each series' combination, not the pooled one.
        #expect(panelModel.combination?.seasonalNaiveShare == nil)
        #expect(panelModel.seriesCombinations?.values.allSatisfy { $0.seasonalNaiveShare == ForecastCombination.defaultSeasonalNaiveShare } == true)
        #expect(Set(try #require(panelModel.seriesCombinations).keys) == ["noisy", "wave"])
        // One series: the fallback with the network gate.
        let single = try #require(try Trainer.fit(panel().series[0], options: options).model.configuration.combination)
        #expect(single.networkGate == ForecastCombination.defaultNetworkGate && single.networkLead != nil)
        #expect(single.seasonalNaiveShare == ForecastCombination.defaultSeasonalNaiveShare)
        // A table read without ids: the bare network.
        let withoutIDs = Panel(source: "panel.csv", idName: nil, ids: ["", ""], series: panel().series)
        #expect(try Trainer.fit(withoutIDs, options: options).model.configuration.combination == nil)
        // With an infinite prior the per-series choice is off, and so is the default fallback.
        options.fallbackSeriesPrior = .infinity
        #expect(try Trainer.fit(panel(), options: options).model.configuration.combination == nil)
        // An explicit choice holds for every input.
        options.fallback = false
        options.fallbackSeriesPrior = 1
        #expect(try Trainer.fit(panel(), options: options).model.configuration.combination == nil)
        options.fallback = true
        #expect(try Trainer.fit(panel().series[0], options: options).model.configuration.combination != nil)
    }

    @Test func aNegativeSeriesPriorIsAProblem() {
        var options = smallOptions()
        options.fallbackSeriesPrior = -1
        #expect(options.problems.contains { $0.contains("per-series prior") })
    }
}

/// Saves `model`, edits its config.json with `edit`, and expects loading it to fail with an
/// error that contains `message`.
private func expectLoadingFails(_ model: ForecastModel, message: String,
                                editing edit: (inout [String: Any]) throws -> Void) throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("combination-bad-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    try model.save(to: directory)
    let file = directory.appendingPathComponent(ForecastModel.configurationFileName)
    var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
    try edit(&json)
    try JSONSerialization.data(withJSONObject: json).write(to: file)
    #expect {
        _ = try ForecastModel(contentsOf: directory)
    } throws: { error in
        "\(error)".contains(message)
    }
}
