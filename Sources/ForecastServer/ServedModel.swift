import Forecast
import Foundation

/// A model as the server holds it: a name, the directory it was read from, a version that grows by
/// one with every successful load, and the forecaster around it.
///
/// The configuration is read by any request; the network is run only by ``InferencePool``, one pass
/// at a time per model (its weights' prepared copies are not shared between threads).
public final class ServedModel: @unchecked Sendable {
    /// The name clients use in routes.
    public let name: String
    /// The model directory.
    public let directory: URL
    /// 1 for the first load, then one more for each successful reload.
    public let version: Int
    /// The orchestrator holding the model.
    let forecaster: Forecaster
    /// The loaded model.
    public let model: ForecastModel

    init(name: String, directory: URL, version: Int, forecaster: Forecaster, model: ForecastModel) {
        self.name = name
        self.directory = directory
        self.version = version
        self.forecaster = forecaster
        self.model = model
    }

    /// The model's configuration.
    public var configuration: ModelConfiguration { model.configuration }

    /// Reads the model directory and checks the model before anyone uses it: it must forecast a
    /// series of its own lookback (a ramp) into finite numbers.
    ///
    /// - Throws: ``ModelFileError`` naming the file and the problem, or what the check found.
    static func load(name: String, directory: URL, version: Int) throws(ModelFileError) -> ServedModel {
        let forecaster = try Forecaster(contentsOf: directory)
        guard let model = forecaster.model else {
            throw ModelFileError(file: directory.path, problem: "holds no model")
        }
        let configuration = model.configuration
        if !configuration.futureFeatures.isEmpty || configuration.staticFeatures != nil {
            throw ModelFileError(file: directory.path, problem: "reads future-known or static features, which `forecast serve` does not take yet; forecast with it by `forecast predict --future FILE` / `--static FILE`")
        }
        let ramp = (0..<configuration.lookback).map { Double($0 + 1) }
        // A model with calendar features reads dates: the ramp gets some at the model's step.
        let frequency = configuration.frequency ?? .daily
        let start = Timestamp(year: 2000, month: 1, day: 1) ?? Timestamp(seconds: 946_684_800)
        let time = configuration.calendar.isEmpty ? nil
            : TimeAxis(name: "time", timestamps: (0..<configuration.lookback).map { frequency.advance(start, by: $0) },
                       format: .date, frequency: frequency)
        let series = TimeSeries(source: "load check", targetName: configuration.target, featureNames: configuration.features,
                                columns: Array(repeating: ramp, count: 1 + configuration.features.count), time: time)
        let check = forecaster.predict([Panel(series)], horizons: [configuration.horizon])
        let values = check[0].forecasts[0].values
        guard values.count == configuration.horizon, values.allSatisfy(\.isFinite) else {
            throw ModelFileError(file: directory.path, problem: "the model's check forecast is not finite (its weights may be corrupt)")
        }
        return ServedModel(name: name, directory: directory, version: version, forecaster: forecaster, model: model)
    }
}

/// Where a model's prediction intervals would come from: the one place that decides whether a
/// request's `level` can be answered.
///
/// Today no model file carries intervals, so any `level` is refused with a 400 that says how to get
/// them. When models carry calibrated intervals, `check` returns the levels to compute for a model
/// that has them, and the response writer adds `lo-<level>` and `hi-<level>` beside `forecast`.
enum IntervalSupport {
    /// The levels to answer for `model`'s forecast of `steps` points of `panel`, after checking them.
    ///
    /// - Throws: ``ServerError`` (400) for a level outside (0, 100) or repeated, for any level of a
    ///   model without intervals, or beyond what the model's intervals reach.
    static func check(levels: [Double]?, model: ServedModel, panel: Panel, steps: Int) throws(ServerError) -> [Double] {
        guard let levels, !levels.isEmpty else { return [] }
        if let bad = levels.firstIndex(where: { !($0 > 0 && $0 < 100) }) {
            throw .badRequest("level[\(bad)]: a level is a percentage between 0 and 100, exclusive (got \(levels[bad]))")
        }
        guard model.configuration.conformalIntervals != nil || model.configuration.quantileLevels != nil else {
            throw .badRequest("model '\(model.name)' has no prediction intervals, so it cannot give level \(levels.map(PredictionInterval.name(of:)).joined(separator: ", ")); leave out 'level' for point forecasts, or serve a model trained with prediction intervals (`forecast train --intervals conformal`, the default)")
        }
        do throws(DataError) {
            try model.forecaster.checkLevels(levels, steps: steps, panel: panel)
        } catch {
            throw .badRequest("level: \(error.message)")
        }
        return levels
    }
}
