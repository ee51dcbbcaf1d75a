import ArgumentParser
import Forecast

extension IntervalScale: ExpressibleByArgument {}

/// The interval choices the accuracy benchmarks compare: a quantile head instead of conformal
/// intervals, and the scale conformal errors are measured in.
struct IntervalChoiceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Train a quantile head for these levels (pinball loss; intervals from the head) instead of the MSE head with conformal intervals.", valueName: "80,95"))
    var quantileLevels: String?

    @Option(help: "The scale of conformal errors: auto (the default), model or steps (to compare the choices).")
    var intervalScale: IntervalScale = .automatic

    @Option(help: "Measure conformal errors in each series' mean |y_t − y_(t−k)| with this k instead (to compare the choices).")
    var intervalScaleLag: Int?

    @Option(help: "Measure that scale over each series' last this many points only (to compare the choices).")
    var intervalScaleWindow: Int?

    /// Sets the choices in `options`.
    func apply(to options: inout TrainingOptions) throws {
        options.intervalScale = intervalScale
        options.intervalScaleLag = intervalScaleLag
        options.intervalScaleWindow = intervalScaleWindow
        if let quantileLevels {
            guard case .success(let levels) = PredictionInterval.parse(levels: quantileLevels) else { throw ValidationError("--quantile-levels: give levels such as 80,95") }
            options.quantileLevels = levels
            options.intervals = .quantile
        }
    }
}
