import Forecast
import Foundation

/// The development pool of `forecast-bench accuracy --pool` (docs/accuracy.md, "The development
/// pool"): the three monthly tasks, ETTh1's oil temperature, and series drawn with a fixed seed
/// from the M4 hourly and weekly sets, each run alone with ACCURACY.md's single-series protocol
/// (train once before the first of K origins, forecast each origin from the real history).
///
/// One training per series gives both the network alone (what the defaults forecast without the
/// fallback) and the default's combination: the combination is a post-process of the validation
/// forecasts the training made (``TrainingResult/validation``), so every tolerance is scored on the
/// same network.
enum AccuracyPool {
    /// One series of the pool and its protocol.
    struct Entry {
        var name: String, kind: String, series: TimeSeries, horizon: Int, season: Int, origins: Int, lookback: Int?
    }

    /// The tolerances scored beside the default (1: the best member alone; 1e9: every member).
    static let tolerances: [Double] = [1, 1.1, 1.25, 1.5, 2, 1e9]

    /// The tolerances scored with every member measured on the validation windows alone (the
    /// rule before the simple forecasters were measured over the history; 1.5 was its default).
    static let windowsOnlyTolerances: [Double] = [1.5, 2, 1e9]

    /// The tolerances scored with the network's error on the history's footing (``ForecastCombination/ChoiceBasis/seasonalNaiveRatio``).
    static let relativeTolerances: [Double] = [1, 1.1, 1.25, 1.5, 2]

    /// Seasonal naive's shares scored with the default tolerance and gate (``ForecastCombination/seasonalNaiveShare``).
    static let seasonalNaiveShares: [Double] = [0, 0.2, 0.25, 0.3, 1.0 / 3, 0.4, 0.5]

    /// The network gates scored with the default tolerance (``ForecastCombination/choose(on:tolerance:season:holtWinters:candidates:networkGate:seasonalNaiveShare:)``).
    static let networkGates: [Double] = [0, 1, 1.645, 2, 3]

    /// The pool: the monthly tasks, ETTh1 (OT, hourly: h 48, m 24, K 4), and `perSet` series of
    /// each M4 set (hourly h 48, m 24; weekly h 13, m 52; K 1: the M4 test part), drawn with
    /// `seed` among those with at least `minimumLength` points (train and test together).
    static func load(dataDirectory: String, sharedDirectory: String, perSet: Int, seed: UInt64,
                     minimumLength: Int) throws -> [Entry] {
        var pool: [Entry] = []
        for task in AccuracyCommand.tasks {
            let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent(task.file).path
            let series = try SeriesLoader.load(path: path, options: SeriesOptions(target: task.column, missing: .interpolate)).series
            pool.append(Entry(name: task.name, kind: "monthly", series: series, horizon: task.horizon, season: task.season,
                              origins: task.origins, lookback: task.lookback))
        }
        let ett = URL(fileURLWithPath: sharedDirectory).appendingPathComponent("ett/ETTh1.csv").path
        let oil = try SeriesLoader.load(path: ett, options: SeriesOptions(target: "OT", missing: .interpolate)).series
        pool.append(Entry(name: "ETTh1_OT", kind: "hourly (ETT)", series: oil, horizon: 48, season: 24, origins: 4, lookback: nil))
        for (set, horizon, season) in [("m4_hourly", 48, 24), ("m4_weekly", 13, 52)] {
            let directory = URL(fileURLWithPath: sharedDirectory).appendingPathComponent("m4")
            let options = SeriesOptions(target: "y", missing: .interpolate, id: "unique_id")
            let train = try PanelLoader.load(path: directory.appendingPathComponent("\(set)_train.csv").path, options: options).panel
            let test = try PanelLoader.load(path: directory.appendingPathComponent("\(set)_test.csv").path, options: options).panel
            var candidates: [(id: String, values: [Double])] = []
            for (id, series) in zip(train.ids, train.series) {
                guard let t = test.index(of: id) else { continue }
                let values = series.target + test.series[t].target.prefix(horizon)
                if values.count >= minimumLength && test.series[t].count >= horizon { candidates.append((id, values)) }
            }
            // Fisher–Yates with the seed: the first `perSet` of a fixed random order.
            var generator = SeededGenerator(seed: seed)
            for i in candidates.indices.dropLast() {
                let j = i + Int(generator.next() % UInt64(candidates.count - i))
                candidates.swapAt(i, j)
            }
            for (id, values) in candidates.prefix(perSet) {
                let series = TimeSeries(source: "\(set):\(id)", targetName: "y", columns: [values])
                pool.append(Entry(name: "\(set):\(id)", kind: set, series: series, horizon: horizon, season: season, origins: 1, lookback: nil))
            }
        }
        return pool
    }

    /// The figures of one series: each forecaster's MASE over the K·h test points.
    struct Result: Codable {
        var name: String, kind: String, count: Int, horizon: Int, season: Int, origins: Int, seconds: Double
        /// MASE of: the network alone, the default (fallback), each baseline, Holt–Winters alone,
        /// and the combination at each tolerance ("tolerance 1.1"…).
        var mase: [String: Double]
        /// The default's members and weights, e.g. "LSTM 0.55 + seasonal naive 0.45".
        var combination: String
        /// Each member's validation error.
        var validation: [String: Double]
        /// Each simple forecaster's error over the rolling origins of the history (absent in lines
        /// written before it was measured).
        var history: [String: Double]?
        /// What rescoring needs without training again: the network's forecasts of the test
        /// origins and of the validation windows (ending at `validationEnds`), the start of the
        /// validation part, and Holt–Winters' parameters.
        var testNetwork: [[Double]]?
        var validationEnds: [Int]?
        var validationNetwork: [[Double]]?
        var validationStart: Int?
        var holtWinters: HoltWinters?
        /// The window normalisation the network used, and when it was chosen by validation each
        /// candidate's network's validation error (absent in lines written before they were recorded).
        var normalization: String?
        var normalizationErrors: [String: Double]?
    }

    /// Trains on the points before the first origin with the defaults and the fallback on
    /// (`maxSteps` overriding the step budget, `normalization` the window normalisation), and
    /// scores every forecaster on the test origins.
    static func run(_ entry: Entry, seed: UInt64, maxSteps: Int?, normalization: NormalizationChoice? = nil) throws -> Result {
        let series = entry.series, h = entry.horizon, m = entry.season
        var options = entry.lookback.map { TrainingOptions(lookback: $0, horizon: h) }
            ?? Forecaster.defaultOptions(for: Panel(series), horizon: h, season: m)
        if entry.lookback == nil { options.season = m }
        // One series' default normalisation, also where the entry fixes the lookback.
        options.validatedNormalizations = TrainingOptions.defaultValidatedNormalizations
        options.seed = seed
        // The fallback on whatever the default is: it does not change the network, and its
        // validation forecasts give the network alone and every combination from one training.
        options.fallback = true
        options.testSize = .count(0)
        if let maxSteps { options.maxSteps = maxSteps }
        if let normalization { options.useNormalization(normalization) }
        let first = series.count - entry.origins * h
        let result = try Trainer.fit(Panel(series).prefixes([first]), options: options)
        let model = result.model
        let requests = (0..<entry.origins).map { ForecastRequest(series: 0, end: first + $0 * h) }
        let network = model.networkForecast([series], requests: requests, steps: h).values
        let final = model.forecast([series], requests: requests, steps: h).values
        let actual = requests.flatMap { Array(series.target[$0.end..<($0.end + h)]) }
        let training = Array(series.target[..<first])
        func mase(_ forecasts: [[Double]]) -> Double {
            Accuracy(actual: actual, forecast: forecasts.flatMap { $0 }, training: training, season: m).mase
        }
        var figures = ["network": mase(network), "default": mase(final)]
        let histories = requests.map { Array(series.target[..<$0.end]) }
        for baseline in Baseline.allCases {
            figures[baseline.rawValue] = mase(histories.map { baseline.forecast(history: $0, horizon: h, season: m) })
        }
        let combination = model.configuration.combination
        let period = combination?.season ?? options.season ?? m
        let smoothing = combination?.holtWinters ?? HoltWinters.fit(training, season: period)
        figures["holt_winters"] = mase(histories.map { smoothing.forecast(history: $0, horizon: h) })
        var validation: [String: Double] = [:], history: [String: Double]?
        if let table = result.validation {
            for (member, error) in table.memberErrors { validation[member.rawValue] = error }
            history = table.history.map { Dictionary(uniqueKeysWithValues: $0.errors.map { ($0.key.rawValue, $0.value) }) }
            for tolerance in tolerances {
                guard let chosen = ForecastCombination.choose(on: table, tolerance: tolerance, season: period, holtWinters: combination?.holtWinters)
                else { continue }
                figures["tolerance \(tolerance)"] = mase(zip(network, histories).map { chosen.combine(network: $0, history: $1) })
            }
        }
        let described = combination.map { $0.used.map { "\($0.member.displayName) \(String(format: "%.2f", $0.weight))" }.joined(separator: " + ") }
            ?? "LSTM (no validation windows)"
        return Result(name: entry.name, kind: entry.kind, count: series.count, horizon: h, season: m, origins: entry.origins,
                      seconds: result.seconds, mase: figures, combination: described, validation: validation, history: history,
                      testNetwork: network, validationEnds: result.validation?.requests.map(\.end),
                      validationNetwork: result.validation?.forecasts[.network], validationStart: result.split.trainEnd,
                      holtWinters: combination?.holtWinters, normalization: model.configuration.windowNormalization.method.rawValue,
                      normalizationErrors: result.normalizationErrors.isEmpty ? nil
                        : Dictionary(result.normalizationErrors.map { ($0.method.rawValue, $0.error) }, uniquingKeysWith: { a, _ in a }))
    }

    /// Scores `cached` again from its stored network forecasts, without training: every figure of
    /// ``run(_:seed:maxSteps:)`` but the default's, which is the combination at `tolerance` with
    /// the library's network gate for one series.
    static func rescore(_ entry: Entry, cached: Result, tolerance: Double) -> Result {
        guard let network = cached.testNetwork, let ends = cached.validationEnds, let validationNetwork = cached.validationNetwork,
              let start = cached.validationStart else { return cached }
        let series = entry.series, h = entry.horizon, m = entry.season
        let first = series.count - entry.origins * h
        let requests = (0..<entry.origins).map { ForecastRequest(series: 0, end: first + $0 * h) }
        let actual = requests.flatMap { Array(series.target[$0.end..<($0.end + h)]) }
        let training = Array(series.target[..<first])
        func mase(_ forecasts: [[Double]]) -> Double {
            Accuracy(actual: actual, forecast: forecasts.flatMap { $0 }, training: training, season: m).mase
        }
        let period = cached.holtWinters?.season ?? (entry.lookback == nil ? m : entry.series.time?.frequency?.seasonalPeriod ?? m)
        let histories = requests.map { Array(series.target[..<$0.end]) }
        let validationRequests = ends.map { ForecastRequest(series: 0, end: $0) }
        let table = ValidationForecasts(series: [series], requests: validationRequests, network: validationNetwork,
                                        horizon: h, season: period, holtWinters: [cached.holtWinters], scaleEnds: [start])
        var result = cached
        for member in CombinationMember.allCases { if let error = table.memberErrors.first(where: { $0.member == member })?.error { result.validation[member.rawValue] = error } }
        result.history = table.history.map { Dictionary(uniqueKeysWithValues: $0.errors.map { ($0.key.rawValue, $0.value) }) }
        // The rule before: every member on the validation windows alone.
        let windowsOnly = ValidationForecasts(series: [series], requests: validationRequests, network: validationNetwork, horizon: h,
                                              season: period, holtWinters: [cached.holtWinters], scaleEnds: [start], historyLimit: 0)
        for candidate in windowsOnlyTolerances {
            guard let chosen = ForecastCombination.choose(on: windowsOnly, tolerance: candidate, season: period, holtWinters: cached.holtWinters)
            else { continue }
            result.mase["windows only \(candidate)"] = mase(zip(network, histories).map { chosen.combine(network: $0, history: $1) })
        }
        for candidate in relativeTolerances {
            guard let chosen = ForecastCombination.choose(on: table, tolerance: candidate, season: period, holtWinters: cached.holtWinters,
                                                          basis: .seasonalNaiveRatio) else { continue }
            result.mase["relative \(candidate)"] = mase(zip(network, histories).map { chosen.combine(network: $0, history: $1) })
        }
        for gate in networkGates {
            guard let chosen = ForecastCombination.choose(on: table, tolerance: tolerance, season: period, holtWinters: cached.holtWinters,
                                                          networkGate: gate) else { continue }
            result.mase["gate \(gate)"] = mase(zip(network, histories).map { chosen.combine(network: $0, history: $1) })
        }
        // Not a forecaster: the best of the other members on the test part itself, an upper bound
        // on what choosing one member per series could reach against seasonal naive.
        let others = ["network", "naive", "drift", "mean", "holt_winters"].compactMap { result.mase[$0] }
        if let best = others.min() { result.mase["oracle"] = best }
        for candidate in tolerances {
            guard let chosen = ForecastCombination.choose(on: table, tolerance: candidate, season: period, holtWinters: cached.holtWinters) else { continue }
            result.mase["tolerance \(candidate)"] = mase(zip(network, histories).map { chosen.combine(network: $0, history: $1) })
        }
        for share in seasonalNaiveShares {
            guard let chosen = ForecastCombination.choose(on: table, tolerance: tolerance, season: period, holtWinters: cached.holtWinters,
                                                          networkGate: ForecastCombination.defaultNetworkGate, seasonalNaiveShare: share)
            else { continue }
            result.mase["share \(String(format: "%.3g", share))"] = mase(zip(network, histories).map { chosen.combine(network: $0, history: $1) })
            // The share only where the tolerance kept seasonal naive (a panel's rule), with one
            // series' gate (a gate that passes leaves seasonal naive at weight 0).
            guard let unhedged = ForecastCombination.choose(on: table, tolerance: tolerance, season: period, holtWinters: cached.holtWinters,
                                                            networkGate: ForecastCombination.defaultNetworkGate) else { continue }
            var kept = unhedged
            if kept.entries.contains(where: { $0.member == .seasonalNaive && $0.weight > 0 }) {
                _ = ForecastCombination.hedge(&kept.entries, share: share)
            }
            result.mase["share \(String(format: "%.3g", share)) where kept"] = mase(zip(network, histories).map { kept.combine(network: $0, history: $1) })
            // Seasonal naive's weight raised to at least the share, the others scaled down to make
            // room (unless the gate kept the network alone): the same bound on a wrong choice, at a
            // lower cost where the tolerance already gave seasonal naive a weight.
            var least = unhedged
            if !least.networkPassesGate, let i = least.entries.firstIndex(where: { $0.member == .seasonalNaive }), least.entries[i].weight < share {
                let scale = (1 - share) / (1 - least.entries[i].weight)
                for j in least.entries.indices where j != i { least.entries[j].weight *= scale }
                least.entries[i].weight = share
            }
            result.mase["share \(String(format: "%.3g", share)) at least"] = mase(zip(network, histories).map { least.combine(network: $0, history: $1) })
            // The share graded by the network's lead on the validation windows: all of it where the
            // network does not lead every other member (or its lead was not measured), none where it
            // passes the gate, in proportion between.
            var graded = unhedged
            if !graded.networkPassesGate {
                let lead = graded.networkLead ?? 0, gate = ForecastCombination.defaultNetworkGate
                _ = ForecastCombination.hedge(&graded.entries, share: share * min(max(1 - lead / gate, 0), 1))
            }
            result.mase["share \(String(format: "%.3g", share)) graded"] = mase(zip(network, histories).map { graded.combine(network: $0, history: $1) })
        }
        // The default: the library's choice for one series, at `tolerance`, with its network gate
        // and seasonal naive's share.
        if let chosen = ForecastCombination.choose(on: table, tolerance: tolerance, season: period, holtWinters: cached.holtWinters,
                                                   networkGate: ForecastCombination.defaultNetworkGate,
                                                   seasonalNaiveShare: ForecastCombination.defaultSeasonalNaiveShare) {
            result.mase["default"] = mase(zip(network, histories).map { chosen.combine(network: $0, history: $1) })
            result.combination = chosen.used.map { "\($0.member.displayName) \(String(format: "%.2f", $0.weight))" }.joined(separator: " + ")
        }
        return result
    }

    /// One Markdown row per series: the network alone, the default, seasonal naive, the default's
    /// ratio to seasonal naive, and what the default combined.
    static func markdownRows(_ results: [Result]) -> String {
        var lines = ["| series | points | h | m | K | network alone (MASE) | default (MASE) | seasonal naive (MASE) | default ÷ s. naive | default's members (weights) |",
                     "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for r in results {
            let network = r.mase["network"] ?? .nan, chosen = r.mase["default"] ?? .nan, reference = r.mase["seasonal_naive"] ?? .nan
            lines.append("| \(r.name) | \(r.count) | \(r.horizon) | \(r.season) | \(r.origins) | \(String(format: "%.3f", network)) | "
                         + "\(String(format: "%.3f", chosen)) | \(String(format: "%.3f", reference)) | \(String(format: "%.3f", chosen / reference)) | \(r.combination) |")
        }
        return lines.joined(separator: "\n")
    }

    /// The summary of `results` for each forecaster: how often it beats seasonal naive, how often
    /// it loses to it by more than 10% (issue 18's two targets), its worst ratio to seasonal naive,
    /// and its geometric-mean MASE beside seasonal naive's.
    static func summary(_ results: [Result]) -> String {
        let keys = ["default", "network", "seasonal_naive", "naive", "holt_winters"] + tolerances.map { "tolerance \($0)" }
            + windowsOnlyTolerances.map { "windows only \($0)" } + relativeTolerances.map { "relative \($0)" }
            + networkGates.map { "gate \($0)" } + ["oracle"]
            + seasonalNaiveShares.flatMap { share in
                ["", " where kept", " at least", " graded"].map { "share \(String(format: "%.3g", share))\($0)" }
            }
        var rows = [["forecaster", "series", "beats s. naive", "share", "> 1.1 × s. naive", "worst ratio", "geo. mean MASE", "vs s. naive"]]
        for key in keys {
            let pairs = results.compactMap { r -> (Double, Double)? in
                guard let value = r.mase[key], let reference = r.mase["seasonal_naive"], value.isFinite, reference.isFinite,
                      value > 0, reference > 0 else { return nil }
                return (value, reference)
            }
            guard !pairs.isEmpty else { continue }
            let wins = pairs.count { $0.0 < $0.1 }, losses = pairs.count { $0.0 > 1.1 * $0.1 }
            let worst = pairs.map { $0.0 / $0.1 }.max() ?? .nan
            let geometric = exp(pairs.reduce(0) { $0 + log($1.0) } / Double(pairs.count))
            let reference = exp(pairs.reduce(0) { $0 + log($1.1) } / Double(pairs.count))
            rows.append([key, "\(pairs.count)", "\(wins)", String(format: "%.1f%%", 100 * Double(wins) / Double(pairs.count)), "\(losses)",
                         String(format: "%.3f", worst), String(format: "%.3f", geometric), String(format: "%+.1f%%", 100 * (geometric / reference - 1))])
        }
        return textTable(rows)
    }

    /// The two halves of the M4 series, by the parity of their number (H370 even, W191 odd), and
    /// the four other series: rules are chosen on the even half and checked on the odd one.
    static func group(of name: String) -> String {
        guard name.hasPrefix("m4_"), let id = name.split(separator: ":").last, let number = Int(id.dropFirst()) else {
            return "the monthly tasks and ETTh1"
        }
        return number % 2 == 0 ? "M4, even numbers (choosing)" : "M4, odd numbers (checking)"
    }

    /// ``summary(_:)`` of each ``group(of:)``, headed by its name.
    static func groupSummaries(_ results: [Result]) -> String {
        let groups = ["M4, even numbers (choosing)", "M4, odd numbers (checking)", "the monthly tasks and ETTh1"]
        return groups.map { name in
            "\(name):\n" + summary(results.filter { group(of: $0.name) == name })
        }.joined(separator: "\n")
    }
}
