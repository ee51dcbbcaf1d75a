import ArgumentParser
import Forecast
import Foundation

extension Scaler.Method: ExpressibleByArgument {}
extension Loss: ExpressibleByArgument {}
extension RecurrentCell: ExpressibleByArgument {}

/// The many-series protocol of ../shared/bench/PANEL.md: one model trained on every series of an
/// M4 set's train file with the default options (only the horizon and the season given), the
/// horizon after each series forecast, each series scored on its own against the test file, the
/// means over series beside the baselines and the peers' figures.
struct PanelAccuracyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "panel-accuracy",
        abstract: "Mean MASE and sMAPE over the series of M4 panels (PANEL.md's protocol), beside the baselines and peers.",
        discussion: """
        Reads <set>_train.csv and <set>_test.csv (unique_id,ds,y) from --data-directory, trains one \
        model on the train file with the defaults of `forecast train`, forecasts the h steps after \
        each series and scores them: MASE scaled by mean |y_t − y_(t−m)| of the series' train part \
        (m 24 hourly, 1 weekly), sMAPE 0–200; means over series.

        Examples:
          swift run -c release forecast-bench panel-accuracy --data-directory ../shared/data/m4
          swift run -c release forecast-bench panel-accuracy --sets m4_weekly --seeds 1,2,3
          swift run -c release forecast-bench panel-accuracy --seeds 1,2,3 --fallback --series-priors 1,0,4,16,inf
        """
    )

    /// A set of the protocol and what peers reached on it (PANEL.md).
    struct PanelSet {
        var name: String, horizon: Int, maseSeason: Int, modelSeason: Int
        /// Each peer's MASE, sMAPE and, where measured, its 80% and 95% coverage and MSIS.
        var peers: [(name: String, mase: Double, smape: Double, intervals: (coverage80: Double, coverage95: Double, msis: Double)?)]
    }

    static let sets = [
        PanelSet(name: "m4_hourly", horizon: 48, maseSeason: 24, modelSeason: 24, peers: [
            ("statsforecast AutoETS", 1.606, 17.192, (0.675, 0.815, 22.21)), ("statsforecast AutoTheta", 2.456, 18.156, (0.802, 0.917, 20.51)),
            ("NeuralForecast LSTM", 1.528, 14.270, (0.861, 0.975, 15.65)),
        ]),
        PanelSet(name: "m4_weekly", horizon: 13, maseSeason: 1, modelSeason: 52, peers: [
            ("statsforecast AutoETS", 2.548, 8.706, (0.868, 0.959, 20.34)), ("statsforecast AutoTheta", 2.604, 9.199, (0.812, 0.915, 24.14)),
            ("NeuralForecast LSTM", 3.607, 11.988, (0.782, 0.951, 31.42)),
        ]),
    ]

    @Option(help: "The folder holding <set>_train.csv and <set>_test.csv.")
    var dataDirectory = "../shared/data/m4"

    @Option(help: "The sets to run, comma-separated (default: m4_hourly,m4_weekly).")
    var sets: String?

    @Option(help: "The seeds, comma-separated; the model's figures are their mean.")
    var seeds = "1"

    @Option(help: "Override the lookback (default: the defaults' three seasons and two horizons).")
    var lookback: Int?

    @Option(help: "Override the most optimiser steps.")
    var maxSteps: Int?

    @Option(help: "Override the batch size.")
    var batchSize: Int?

    @Option(help: "Override the normalisation: one method, or several comma-separated to choose among by validation (to compare the choices).")
    var normalization: NormalizationChoice?

    @OptionGroup var intervalChoices: IntervalChoiceOptions

    @Option(help: "Override the scaling: standard, minmax or mase.")
    var scaling: Scaler.Method?

    @Option(help: "Override the loss: mse, mae or huber.")
    var loss: Loss?

    @Option(help: ArgumentHelp("Also write each series' figures of the last seed to this CSV.", valueName: "file.csv"))
    var perSeries: String?

    @Option(help: ArgumentHelp("Static covariates to give the model, comma-separated: level (the series' tercile of mean value over its training part, among the set's series) and length (its tercile of training points); labels, one-hot.", valueName: "level,length"))
    var statics: String?

    @Flag(inversion: .prefixedNo, help: "--fallback: train with the fallback and compare, from the same network, the network alone, the pooled combination and the per-series ones at each --series-priors value; --no-fallback: the network alone (default: the library's default, the fallback per series).")
    var fallback: Bool?

    /// Whether the variants of the fallback are compared (`--fallback`).
    private var comparesFallbacks: Bool { fallback == true }

    @Option(help: ArgumentHelp("With --fallback: the per-series priors to compare, comma-separated (the model itself uses the first; inf: the pooled combination).", valueName: "prior,…"))
    var seriesPriors = String(ForecastCombination.defaultSeriesPrior)

    @Option(help: ArgumentHelp("With --fallback: seasonal naive's shares of each series' combination to compare at the first prior, comma-separated (e.g. 0,0.2,0.4): each where the tolerance kept seasonal naive (the library's rule) and in every series' combination.", valueName: "share,…"))
    var seriesShares = ""

    @Option(help: ArgumentHelp("Seasonal naive's share each series' combination is trained with, where the tolerance kept seasonal naive (TrainingOptions.fallbackSeriesSeasonalNaiveShare; default: the library's, 0.4; 0 for none).", valueName: "share"))
    var seasonalNaiveShare: Double?

    private var shareList: [Double] {
        seriesShares.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }

    private var priorList: [Double] {
        seriesPriors.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }

    func validate() throws {
        let priorCells = seriesPriors.split(separator: ",")
        if priorCells.isEmpty || priorList.count != priorCells.count || priorList.contains(where: { !($0 >= 0) }) {
            throw ValidationError("--series-priors takes numbers of 0 or more (or inf), comma-separated (got '\(seriesPriors)')")
        }
        if !seriesShares.isEmpty && !(fallback == true && priorList.first?.isFinite == true) {
            throw ValidationError("--series-shares needs --fallback and a finite first --series-priors value")
        }
        if seasonalNaiveShare != nil && fallback == false {
            throw ValidationError("--seasonal-naive-share needs the fallback (leave out --no-fallback)")
        }
        if let seasonalNaiveShare, !(seasonalNaiveShare >= 0 && seasonalNaiveShare < 1) {
            throw ValidationError("--seasonal-naive-share takes a number from 0 up to (not including) 1 (got \(seasonalNaiveShare))")
        }
        if shareList.count != seriesShares.split(separator: ",").count || shareList.contains(where: { !($0 >= 0 && $0 < 1) }) {
            throw ValidationError("--series-shares takes numbers from 0 up to (not including) 1, comma-separated (got '\(seriesShares)')")
        }
        for name in staticNames where !["level", "length"].contains(name) {
            throw ValidationError("--statics takes level and length (got '\(name)')")
        }
    }

    private var staticNames: [String] {
        (statics ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Each series' band of `names` (level, length) among the panel's series: `low`, `mid` or
    /// `high` by terciles of the property over the series' training part (which the train file is).
    static func bands(_ names: [String], of panel: Panel) -> StaticTable {
        func terciles(_ values: [Double]) -> [String] {
            let sorted = values.sorted()
            let low = sorted[sorted.count / 3], high = sorted[(2 * sorted.count) / 3]
            return values.map { $0 < low ? "low" : $0 < high ? "mid" : "high" }
        }
        let columns = names.map { name in
            terciles(panel.series.map { series in
                name == "level" ? series.target.reduce(0, +) / Double(series.count) : Double(series.count)
            })
        }
        return StaticTable(names: names, values: panel.series.indices.map { s in columns.map { $0[s] } })
    }

    func run() throws {
        let seedList = seeds.split(separator: ",").compactMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        guard !seedList.isEmpty else { throw ValidationError("--seeds needs at least one seed, e.g. 1,2,3") }
        let chosen = sets.map { Set($0.split(separator: ",").map(String.init)) }
        var rows = [["set", "forecaster", "MASE", "sMAPE", "cov. 80", "cov. 95", "MSIS", "wQL", "per seed (MASE)", "seconds"]]
        var summaries: [[String]] = []
        for set in Self.sets where chosen?.contains(set.name) ?? true {
            let directory = URL(fileURLWithPath: dataDirectory)
            var train: Panel
            let test: Panel
            let loadStart = monotonicSeconds()
            do {
                train = try PanelLoader.load(path: directory.appendingPathComponent("\(set.name)_train.csv").path, options: SeriesOptions()).panel
                test = try PanelLoader.load(path: directory.appendingPathComponent("\(set.name)_test.csv").path, options: SeriesOptions()).panel
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(66)
            }
            let loadSeconds = monotonicSeconds() - loadStart
            if !staticNames.isEmpty { train.statics = Self.bands(staticNames, of: train) }
            var options = Forecaster.defaultOptions(for: train, lookback: lookback, horizon: set.horizon, season: set.modelSeason)
            options.testSize = .count(0)
            if let maxSteps { options.maxSteps = maxSteps }
            if let batchSize { options.batchSize = batchSize }
            if let normalization { options.useNormalization(normalization) }
            if let scaling { options.scaling = scaling }
            if let loss { options.loss = loss }
            try intervalChoices.apply(to: &options)
            if let fallback { options.fallback = fallback }
            if comparesFallbacks { options.fallbackSeriesPrior = priorList[0] }
            if let seasonalNaiveShare { options.fallbackSeriesSeasonalNaiveShare = seasonalNaiveShare }
            var variantRows: [String: [Double]] = [:], variantOrder: [String] = []
            var mase: [Double] = [], smape: [Double] = [], seconds: [Double] = [], intervals: [IntervalAccuracy] = []
            var baselines: [(String, Accuracy)] = []
            for seed in seedList {
                options.seed = seed
                let forecaster = Forecaster(options: options)
                let start = monotonicSeconds()
                let result = try forecaster.fit(train)
                let forecast = try forecaster.predict(train, levels: Forecaster.defaultLevels(for: result.model))
                seconds.append(monotonicSeconds() - start)
                let scored = try score(forecast: forecast, train: train, test: test, set: set)
                mase.append(scored.model.mase)
                smape.append(scored.model.smape)
                if let scoredIntervals = scored.evaluation.intervals {
                    intervals.append(scoredIntervals)
                    FileHandle.standardError.write(Data("\(set.name) seed \(seed): coverage 80 \(format(scoredIntervals.figures(level: 80)?.coverage ?? .nan)), 95 \(format(scoredIntervals.figures(level: 95)?.coverage ?? .nan)), MSIS \(format(scoredIntervals.msis)), wQL \(String(format: "%.4f", scoredIntervals.weightedQuantileLoss)); \(result.model.configuration.conformalIntervals?.windows ?? 0) calibration windows; scale: \(result.model.configuration.conformalIntervals?.scaleSummary ?? "none")\n".utf8))
                }
                baselines = [("naive", scored.baselines[.naive]!), ("seasonal naive, m \(set.modelSeason)", scored.seasonal)]
                FileHandle.standardError.write(Data("\(set.name) seed \(seed): MASE \(format(mase.last!)), sMAPE \(format(smape.last!)); \(result.history.count) epochs, \(result.steps) steps, best \(result.bestEpoch), \(result.model.configuration.windowNormalization.method.rawValue) (\((result.anchorErrors + result.normalizationErrors).map { "\($0.method.rawValue) \(format($0.error))" }.joined(separator: ", "))), \(String(format: "%.1f", seconds.last!)) s (loading \(String(format: "%.2f", loadSeconds)) s)\n".utf8))
                if comparesFallbacks {
                    let variants = try fallbackVariants(result: result, train: train, test: test, set: set)
                    for variant in variants {
                        if variantRows[variant.name] == nil { variantOrder.append(variant.name) }
                        variantRows[variant.name, default: []].append(variant.mase)
                        for line in variant.lines { FileHandle.standardError.write(Data("\(set.name) seed \(seed): \(line)\n".utf8)) }
                    }
                    summaries += variants.flatMap { variant in variant.halves.map { [set.name, "\(seed)", variant.name] + $0 } }
                }
                if let perSeries {
                    try ForecastTables.perSeriesCSV(scored.evaluation, idName: "unique_id")
                        .write(toFile: perSeries, atomically: true, encoding: .utf8)
                }
            }
            let mean = { (values: [Double]) in values.reduce(0, +) / Double(values.count) }
            let intervalCells = intervals.count == seedList.count
                ? [format(mean(intervals.map { $0.figures(level: 80)?.coverage ?? .nan })), format(mean(intervals.map { $0.figures(level: 95)?.coverage ?? .nan })),
                   format(mean(intervals.map(\.msis))), String(format: "%.4f", mean(intervals.map(\.weightedQuantileLoss)))]
                : ["", "", "", ""]
            rows.append([set.name, "LSTM (this project)", format(mean(mase)), format(mean(smape))] + intervalCells
                        + [mase.map(format).joined(separator: ", "), String(format: "%.0f", mean(seconds))])
            for name in variantOrder {
                let values = variantRows[name]!
                rows.append(["", name, format(mean(values)), "", "", "", "", "", values.map(format).joined(separator: ", "), ""])
            }
            for (name, accuracy) in baselines { rows.append(["", name, format(accuracy.mase), format(accuracy.smape), "", "", "", "", "", ""]) }
            for peer in set.peers {
                let cells = peer.intervals.map { [format($0.coverage80), format($0.coverage95), String(format: "%.2f", $0.msis), ""] } ?? ["", "", "", ""]
                rows.append(["", "\(peer.name) (PANEL.md)", format(peer.mase), format(peer.smape)] + cells + ["", ""])
            }
        }
        print(textTable(rows))
        if comparesFallbacks {
            print("\nper series, against seasonal naive with the model's season (even and odd: the series' numbers; the series where seasonal naive is exact on the test part are left out of the ratios and counted in the last column):")
            print(textTable([["set", "seed", "forecaster", "series of", "count", "beats s. naive", "share", "> 1.1 × s. naive", "worst ratio",
                              "geo. mean MASE", "vs s. naive", "s. naive exact"]] + summaries))
        }
    }

    /// One way of forecasting with the trained network, scored.
    private struct Variant {
        var name: String
        /// The mean MASE over the series (the protocol's m).
        var mase: Double
        /// Rows of the per-series summary: all, even, odd.
        var halves: [[String]]
        /// What to log.
        var lines: [String]
    }

    /// From the same trained network: the network alone, the pooled combination and the per-series
    /// combinations at each prior (chosen again on the result's validation table), each scored per
    /// series against seasonal naive with the model's season.
    private func fallbackVariants(result: TrainingResult, train: Panel, test: Panel, set: PanelSet) throws -> [Variant] {
        let model = result.model
        guard let validation = result.validation, model.configuration.combination != nil else {
            FileHandle.standardError.write(Data("\(set.name): the fallback made no combination (no validation window)\n".utf8))
            return []
        }
        var configurations: [(String, ModelConfiguration)] = []
        var alone = model.configuration
        alone.combination = nil
        alone.seriesCombinations = nil
        configurations.append(("network alone", alone))
        var pooled = model.configuration
        pooled.seriesCombinations = nil
        configurations.append(("fallback, pooled", pooled))
        // The model's share, for every prior.
        let modelShare = model.configuration.seriesSeasonalNaiveShare
        let tolerance = model.configuration.combination!.tolerance
        func withSeries(_ chosen: [Int: ForecastCombination]) -> ModelConfiguration {
            var configuration = model.configuration
            configuration.seriesCombinations = Dictionary(uniqueKeysWithValues: chosen.map { (train.ids[$0.key], $0.value) })
            return configuration
        }
        for prior in priorList where prior.isFinite {
            let chosen = ForecastCombination.choosePerSeries(on: validation, tolerance: tolerance, prior: prior, season: set.modelSeason,
                                                             seasonalNaiveShare: modelShare)
            configurations.append(("fallback, per series, prior \(prior)", withSeries(chosen)))
        }
        if let prior = priorList.first, prior.isFinite {
            for share in shareList {
                // The library's rule: the share where the tolerance kept seasonal naive.
                let chosen = ForecastCombination.choosePerSeries(on: validation, tolerance: tolerance, prior: prior, season: set.modelSeason,
                                                                 seasonalNaiveShare: share)
                configurations.append(("per series, prior \(prior), share \(share) where kept", withSeries(chosen)))
                // The share in every series' combination, as for one series (only the test part is
                // scored: the combinations' validation errors are left as chosen).
                let everywhere = ForecastCombination.choosePerSeries(on: validation, tolerance: tolerance, prior: prior, season: set.modelSeason)
                    .mapValues { combination in
                        var combination = combination
                        combination.seasonalNaiveShare = ForecastCombination.hedge(&combination.entries, share: share)
                        return combination
                    }
                configurations.append(("per series, prior \(prior), share \(share) everywhere", withSeries(everywhere)))
            }
        }
        let seasonal = try train.ids.enumerated().map { s, id in
            guard let t = test.index(of: id) else { throw ValidationError("series \(id) has no test points") }
            let actual = Array(test.series[t].target.prefix(set.horizon))
            let history = train.series[s].target
            let forecast = Baseline.seasonalNaive.forecast(history: history, horizon: set.horizon, season: set.modelSeason)
            return (actual: actual, mase: Accuracy(actual: actual, forecast: forecast, training: history, season: set.maseSeason).mase)
        }
        let number = train.ids.map { Int($0.filter(\.isNumber)) ?? 0 }
        return try configurations.map { name, configuration in
            let variant = try ForecastModel(configuration: configuration, network: model.network)
            let forecast = try variant.forecast(train)
            let mase = train.ids.indices.map { s in
                Accuracy(actual: seasonal[s].actual, forecast: forecast.forecasts[s].values, training: train.series[s].target,
                         season: set.maseSeason).mase
            }
            func summary(_ label: String, _ all: [Int]) -> [String] {
                // A series whose test part seasonal naive forecasts exactly (MASE 0) has no ratio: counted apart.
                let members = all.filter { seasonal[$0].mase > 0 && seasonal[$0].mase.isFinite }
                let ratios = members.map { mase[$0] / seasonal[$0].mase }
                let geo = { (values: [Double]) in exp(values.map(log).reduce(0, +) / Double(max(values.count, 1))) }
                let model = geo(members.map { mase[$0] }), reference = geo(members.map { seasonal[$0].mase })
                return [label, "\(members.count)", "\(ratios.count { $0 < 1 })",
                        String(format: "%.1f%%", 100 * Double(ratios.count { $0 < 1 }) / Double(max(members.count, 1))),
                        "\(ratios.count { $0 > 1.1 })", format(ratios.max() ?? .nan), format(model),
                        String(format: "%+.1f%%", 100 * (model / reference - 1)), "\(all.count - members.count)"]
            }
            let all = Array(train.ids.indices)
            var lines = ["\(name): MASE \(format(mase.reduce(0, +) / Double(mase.count)))"]
            if let chosen = configuration.seriesCombinations {
                var leading: [CombinationMember: Int] = [:]
                for combination in chosen.values { if let first = combination.used.first { leading[first.member, default: 0] += 1 } }
                lines.append("\(name): \(chosen.count) series with their own combination; heaviest member: "
                             + CombinationMember.allCases.compactMap { member in leading[member].map { "\(member.displayName) \($0)" } }.joined(separator: ", ")
                             + "; the network alone in \(chosen.values.count(where: \.isNetworkAlone))")
            }
            return Variant(name: name, mase: mase.reduce(0, +) / Double(mase.count),
                           halves: [summary("all", all), summary("even", all.filter { number[$0] % 2 == 0 }),
                                    summary("odd", all.filter { number[$0] % 2 == 1 })], lines: lines)
        }
    }

    /// Each series' forecast scored against its test points, MASE scaled on its train part with
    /// the protocol's m; the baselines forecast from the train part alike.
    private func score(forecast: PanelForecast, train: Panel, test: Panel, set: PanelSet) throws
        -> (model: Accuracy, baselines: [Baseline: Accuracy], seasonal: Accuracy, evaluation: PanelEvaluation)
    {
        var evaluations: [HoldoutEvaluation] = [], seasonal: [Accuracy] = []
        for (s, id) in train.ids.enumerated() {
            guard let t = test.index(of: id) else { throw ValidationError("series \(id) has no test points") }
            let actual = Array(test.series[t].target.prefix(set.horizon))
            guard actual.count == set.horizon else { throw ValidationError("series \(id) has \(actual.count) test points, not \(set.horizon)") }
            let history = train.series[s].target
            var origin = HoldoutEvaluation.Origin(index: history.count, actual: actual, model: forecast.forecasts[s].values, baselines: [:],
                                                  intervals: forecast.forecasts[s].intervals)
            for baseline in Baseline.allCases {
                origin.baselines[baseline] = baseline.forecast(history: history, horizon: set.horizon, season: set.maseSeason)
            }
            evaluations.append(HoldoutEvaluation(origins: [origin], season: set.maseSeason, training: history))
            let seasonalForecast = Baseline.seasonalNaive.forecast(history: history, horizon: set.horizon, season: set.modelSeason)
            seasonal.append(Accuracy(actual: actual, forecast: seasonalForecast, training: history, season: set.maseSeason))
        }
        let evaluation = PanelEvaluation(ids: train.ids, series: evaluations, season: set.maseSeason)
        return (evaluation.model, evaluation.baselines, Accuracy.mean(seasonal), evaluation)
    }

    private func format(_ value: Double) -> String { String(format: "%.3f", value) }
}
