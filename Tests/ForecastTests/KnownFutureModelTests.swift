import Foundation
import Testing
import Forecast

/// What the future is known to hold, through the library: the encoder–decoder learns a planned
/// promotion and a weekday effect that the tutorial's network cannot know, predict uses the future
/// values it is given, statics reach the network, and every missing piece is a clear error.
@Suite struct KnownFutureModelTests {
    static let start = Timestamp(year: 2023, month: 1, day: 2)!.seconds  // a Monday
    static let ids = ["north", "south", "east"]
    static let types = ["mall", "street", "mall"]

    /// Whether store `s` runs a promotion on day `t` (planned: about one day in six).
    static func promotion(_ s: Int, _ t: Int) -> Double {
        var state = UInt64(s * 7919 + t * 104_729 + 17)
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return (state >> 33) % 6 == 0 ? 1 : 0
    }

    /// Daily sales: the store's level (a mall sells more), +4 on weekends, +6 on promotion days,
    /// and a little noise.
    static func sales(_ s: Int, _ t: Int) -> Double {
        let weekend = t % 7 >= 5 ? 4.0 : 0
        let noise = Double((s * 31 + t * 17) % 11) / 10 - 0.5
        return (types[s] == "mall" ? 30 : 20) + Double(s) + weekend + 6 * promotion(s, t) + 0.4 * noise
    }

    static func panel(days: Int = 210, withPromotion: Bool = true, withStatics: Bool = true) -> Panel {
        let series = ids.indices.map { s in
            let timestamps = (0..<days).map { Timestamp(seconds: start + Int64($0) * 86_400) }
            let time = TimeAxis(name: "date", timestamps: timestamps, format: .date, frequency: .daily)
            var columns = [(0..<days).map { sales(s, $0) }]
            if withPromotion { columns.append((0..<days).map { promotion(s, $0) }) }
            return TimeSeries(source: "stores.csv", targetName: "sales", featureNames: withPromotion ? ["promo"] : [],
                              columns: columns, time: time)
        }
        return Panel(source: "stores.csv", idName: "store", ids: ids, series: series,
                     statics: withStatics ? StaticTable(names: ["type"], values: types.map { [$0] }) : nil)
    }

    static func options(future: Bool) -> TrainingOptions {
        var options = TrainingOptions(lookback: 14, horizon: 7)
        options.hiddenSize = 16
        options.layers = 1
        options.epochs = 60
        options.maxSteps = 350
        options.batchSize = 16
        options.learningRate = 3e-3
        options.seed = 7
        options.testSize = .count(28)
        options.intervals = .none
        if future {
            options.futureFeatures = ["promo"]
            options.calendar = .features([.dayofweek])
        }
        return options
    }

    /// The known future of the `steps` days after `panel`'s end, with promotions where `promoted` says.
    static func future(after panel: Panel, steps: Int, promoted: (Int, Int) -> Double) -> KnownFuture {
        var rows: [String: [Timestamp: [Double]]] = [:]
        for (s, id) in panel.ids.enumerated() {
            let end = panel.series[s].count
            for step in 0..<steps {
                rows[id, default: [:]][Timestamp(seconds: start + Int64(end + step) * 86_400)] = [promoted(s, end + step)]
            }
        }
        return KnownFuture(source: "plans.csv", names: ["promo"], rows: rows)
    }

    @Test func theEncoderDecoderLearnsThePromotionAndTheWeekdayByAClearMargin() throws {
        let data = Self.panel()
        let informed = try Trainer.fit(data, options: Self.options(future: true))
        #expect(informed.model.configuration.decoder != nil)
        #expect(informed.model.configuration.futureFeatures == ["promo"])
        let blindData = Self.panel(withPromotion: false, withStatics: false)
        let blind = try Trainer.fit(blindData, options: Self.options(future: false))
        #expect(blind.model.configuration.decoder == nil)

        let informedScore = try PanelEvaluation(model: informed.model, panel: data, testSize: .count(28), season: 7)
        let blindScore = try PanelEvaluation(model: blind.model, panel: blindData, testSize: .count(28), season: 7)
        // The blind network cannot know which days are promoted: its errors are about the lift's.
        #expect(informedScore.model.mae < 0.5 * blindScore.model.mae,
                "MAE with the future known \(informedScore.model.mae), without \(blindScore.model.mae)")
    }

    @Test func predictUsesTheFutureValuesItIsGivenAndNamesWhatIsMissing() throws {
        let data = Self.panel()
        let model = try Trainer.fit(data, options: Self.options(future: true)).model
        let none = try model.forecast(data, future: Self.future(after: data, steps: 7) { _, _ in 0 })
        let third = try model.forecast(data, future: Self.future(after: data, steps: 7) { _, t in t == data.series[0].count + 2 ? 1 : 0 })
        for s in data.ids.indices {
            let lift = third.forecasts[s].values[2] - none.forecasts[s].values[2]
            #expect(lift > 3, "series \(s): a planned promotion on day 3 lifts its forecast by \(lift) (the data's lift is 6)")
            for step in [0, 1, 3, 4, 5, 6] {
                #expect(third.forecasts[s].values[step] == none.forecasts[s].values[step], "only day 3's forecast reads day 3's plan")
            }
        }
        // Fewer steps need only their own future values.
        let short = try model.forecast(data, horizon: 3, future: Self.future(after: data, steps: 3) { _, _ in 0 })
        #expect(short.forecasts[1].values == Array(none.forecasts[1].values.prefix(3)))

        let missing = Self.future(after: data.subset([0, 1]), steps: 7) { _, _ in 0 }
        #expect(throws: DataError.self) { try model.forecast(data, future: missing) }
        do {
            _ = try model.forecast(data, future: missing)
        } catch {
            #expect(error.description.hasPrefix("plans.csv: series 'east' lacks the future values of 'promo' at '2023-07-31' (step 1 of 7)"))
        }
        do {
            _ = try model.forecast(data)
            Issue.record("a model with future-known features forecast without their future values")
        } catch {
            #expect(error.message == "the model reads the future-known features 'promo'; give their values over the forecast's 7 steps with --future FILE")
        }
        do {
            _ = try model.forecast(data, horizon: 8, future: Self.future(after: data, steps: 8) { _, _ in 0 })
            Issue.record("an encoder–decoder forecast past its horizon")
        } catch {
            #expect(error.message.contains("does not continue beyond them"))
        }
    }

    @Test func staticsReachTheNetworkAreStoredAndAnUnknownCategoryIsAnError() throws {
        var options = Self.options(future: true)
        options.maxSteps = 40
        let data = Self.panel()
        let model = try Trainer.fit(data, options: options).model
        let configuration = model.configuration
        #expect(configuration.staticFeatures?.inputNames == ["type=mall", "type=street"])
        #expect(configuration.inputFeatureNames == ["promo", "type=mall", "type=street", "dayofweek_sin", "dayofweek_cos"])
        #expect(configuration.decoderColumns == 1..<6)
        #expect(configuration.formatVersion == ModelConfiguration.knownFutureFormatVersion)
        let plan = Self.future(after: data, steps: 7) { _, _ in 0 }

        // The file holds everything prediction needs, and reads back to the same forecasts.
        let root = try ForecastModelTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try model.save(to: root.appendingPathComponent("model"))
        let loaded = try ForecastModel(contentsOf: root.appendingPathComponent("model"))
        #expect(loaded.configuration == configuration)
        #expect(try loaded.forecast(data, future: plan).forecasts.map(\.values) == (try model.forecast(data, future: plan)).forecasts.map(\.values))

        // The static column changes the forecast: the same history as a street store.
        var street = data
        street.statics = StaticTable(names: ["type"], values: [["street"], ["street"], ["mall"]])
        let moved = try model.forecast(street, future: plan)
        #expect(moved.forecasts[0].values != (try model.forecast(data, future: plan)).forecasts[0].values)

        var unknown = data
        unknown.statics = StaticTable(names: ["type"], values: [["mall"], ["kiosk"], ["mall"]])
        do {
            _ = try model.forecast(unknown, future: plan)
            Issue.record("an unknown category was forecast")
        } catch {
            #expect(error.description == "stores.csv: static feature 'type' of series 'south' is 'kiosk', a category the model has not seen (it knows 'mall', 'street')")
        }
        var bare = data
        bare.statics = nil
        #expect(throws: DataError.self) { try model.forecast(bare, future: plan) }
    }

    @Test func trainingIsRepeatableByteForByte() throws {
        var options = Self.options(future: true)
        options.maxSteps = 30
        let first = try Trainer.fit(Self.panel(), options: options).model
        let second = try Trainer.fit(Self.panel(), options: options).model
        let a = first.network.stateDict(), b = second.network.stateDict()
        #expect(a.map(\.name) == b.map(\.name))
        #expect(zip(a, b).allSatisfy { $0.tensor.scalars == $1.tensor.scalars })
        #expect(a.contains { $0.name == "decoder.0.weight" } && a.contains { $0.name == "context.weight" })
    }

    @Test func aRecursiveStrategyOrATutorialNetworkRefusesWhatItCannotRead() {
        var options = Self.options(future: true)
        options.decoder = .none
        #expect(options.problems.contains("future-known features need the encoder–decoder network (--decoder mlp or auto)"))
        options = Self.options(future: false)
        options.strategy = .recursive
        #expect(throws: DataError.self) { try Trainer.fit(Self.panel(withPromotion: false), options: options) }  // statics, recursive
    }

    @Test func aCalendarDecoderNeedsARegularStepAndCovariatesNeedWhatTheyDescribe() throws {
        // Daily dates with gaps of 2 and 3 days: no frequency, so no future dates for the calendar.
        var day: Int64 = 0
        let irregular = (0..<80).map { t -> Timestamp in day += t % 2 == 0 ? 2 : 3; return Timestamp(seconds: Self.start + day * 86_400) }
        let values = (0..<80).map { Double($0 % 7) + 10 }
        let series = TimeSeries(source: "gaps.csv", targetName: "sales", columns: [values],
                                time: TimeAxis(name: "date", timestamps: irregular, format: .date, frequency: nil))
        var options = TrainingOptions(lookback: 7, horizon: 3)
        options.calendar = .features([.dayofweek])
        options.maxSteps = 5
        options.hiddenSize = 4
        options.intervals = .none
        let model = try Trainer.fit(series, options: options).model
        #expect(model.configuration.decoder != nil)
        do {
            _ = try model.forecast(series)
            Issue.record("a calendar decoder forecast dates it cannot know")
        } catch {
            #expect(error.description == "gaps.csv: the series has no regular time step, so the calendar of its forecast steps is unknown")
        }
        // A panel model's series too short to show its step takes the model's step.
        let data = Self.panel()
        var small = Self.options(future: false)
        small.calendar = .features([.dayofweek])
        small.maxSteps = 5
        let panelModel = try Trainer.fit(Self.panel(withPromotion: false), options: small).model
        var short = Self.panel(withPromotion: false).subset([0])
        short.series[0] = short.series[0].prefix(1)
        short.series[0].time?.frequency = nil
        #expect(try panelModel.forecast(short).forecasts[0].values.count == 7)

        // Future-known features need dates to match their future values by; statics need series.
        var noTime = data.series[0]
        noTime.time = nil
        do {
            _ = try Trainer.fit(Panel(source: "one.csv", idName: "store", ids: ["a"], series: [noTime]), options: Self.options(future: true))
            Issue.record("future-known features were trained without a time column")
        } catch {
            #expect(error.message == "future-known features need a regular time column: their future values are matched by time")
        }
        var one = Panel(data.series[0])
        one.statics = StaticTable(names: ["type"], values: [["mall"]])
        do {
            _ = try Trainer.fit(one, options: Self.options(future: true))
            Issue.record("static features were trained on one series")
        } catch {
            #expect(error.message == "static features describe each series of a panel; this data is one series (no id column)")
        }
    }
}
