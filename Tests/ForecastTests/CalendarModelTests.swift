import Foundation
import Testing
import Forecast

/// Calendar features through the library: the trainer adds them as input columns, the model file
/// stores them, and every forecast computes them again from the timestamps it is given.
@Suite struct CalendarModelTests {
    /// 10 days of hourly points with a daily cycle and a weekend lift, from Monday 2024-01-01.
    static func hourly(count: Int = 240, shiftHours: Int = 0, steps: Bool = false) -> TimeSeries {
        let start = Timestamp(year: 2024, month: 1, day: 1)!.seconds + Int64(shiftHours * 3600)
        let timestamps = (0..<count).map { Timestamp(seconds: steps ? Int64($0 + 1) : start + Int64($0 * 3600)) }
        let values = timestamps.enumerated().map { (t: Int, stamp: Timestamp) -> Double in
            let hour = Double(t % 24), weekend = (t / 24) % 7 >= 5 ? 5.0 : 0.0
            return 20 + 3 * sin(2 * Double.pi * hour / 24) + weekend
        }
        let time = TimeAxis(name: "date", timestamps: timestamps, format: steps ? .step : .dateTime(separator: " ", hasSeconds: false, fractionDigits: 0, zone: .none),
                            frequency: steps ? Frequency(unit: .step, step: 1) : .hourly)
        return TimeSeries(source: "load.csv", targetName: "load", columns: [values], time: time)
    }

    static func options(_ calendar: CalendarSelection) -> TrainingOptions {
        var options = TrainingOptions(lookback: 12, horizon: 6)
        options.calendar = calendar
        options.hiddenSize = 6
        options.layers = 1
        options.epochs = 2
        options.batchSize = 16
        options.seed = 4
        options.fallback = false  // the network's own forecasts, which read the calendar
        return options
    }

    @Test func modelStoresItsCalendarAndForecastsRegenerateIt() throws {
        let result = try Trainer.fit(Self.hourly(), options: Self.options(.automatic))
        let model = result.model
        #expect(model.configuration.calendar == [.hour, .dayofweek])
        #expect(model.configuration.features.isEmpty)
        #expect(model.configuration.model.inputSize == 5)
        #expect(model.configuration.inputFeatureNames == ["hour_sin", "hour_cos", "dayofweek_sin", "dayofweek_cos"])

        let root = try ForecastModelTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try model.save(to: root.appendingPathComponent("model"))
        let text = try String(contentsOf: root.appendingPathComponent("model/config.json"), encoding: .utf8)
        #expect(text.contains("\"calendar\" : ["))
        let loaded = try ForecastModel(contentsOf: root.appendingPathComponent("model"))
        #expect(loaded.configuration == model.configuration)

        // The raw series (target only) forecasts; the same values three hours later forecast
        // differently, because the calendar columns are made from the timestamps.
        let forecast = try loaded.forecast(Self.hourly())
        #expect(forecast.values.count == 6 && forecast.values.allSatisfy(\.isFinite))
        #expect(forecast.values == (try model.forecast(Self.hourly())).values)
        let shifted = try loaded.forecast(Self.hourly(shiftHours: 3))
        #expect(shifted.values != forecast.values)
        // And the same numbers from a series that carries the calendar columns already.
        let explicit = loaded.forecast([try Self.hourly().addingCalendar([.hour, .dayofweek])],
                                       requests: [ForecastRequest(series: 0, end: 240)], steps: 6)
        #expect(explicit.values[0] == forecast.values)
    }

    @Test func aCalendarModelRefusesIntegerTimeAndStepsBeyondItsOutput() throws {
        let model = try Trainer.fit(Self.hourly(), options: Self.options(.features([.hour]))).model
        let steps = #expect(throws: DataError.self) { try model.forecast(Self.hourly(steps: true)) }
        #expect(steps?.description == "load.csv: calendar features need dates; the time column 'date' holds integer steps")
        let beyond = #expect(throws: DataError.self) { try model.forecast(Self.hourly(), horizon: 7) }
        #expect(beyond?.description.contains("reads calendar features; it does not continue beyond them") == true)
        let training = #expect(throws: DataError.self) { try Trainer.fit(Self.hourly(steps: true), options: Self.options(.features([.month]))) }
        #expect(training?.description == "load.csv: calendar features need dates; the time column 'date' holds integer steps")
    }

    @Test func aModelWithoutCalendarWritesNoCalendarKey() throws {
        let model = try ForecastModelTests.makeModel()
        #expect(model.configuration.calendar.isEmpty)
        let data = try JSONEncoder().encode(model.configuration)
        #expect(!String(decoding: data, as: UTF8.self).contains("calendar"))
    }
}
