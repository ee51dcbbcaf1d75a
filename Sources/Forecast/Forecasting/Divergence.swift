import ForecastData

/// Where training produced a NaN or an infinity: the loss of a batch, or a weight at the end.
struct Divergence: Sendable {
    /// The phase, epoch and batch (from 1) whose loss was not finite; nil when only the final weights were.
    var phase: TrainingProgress.Phase
    var epoch: Int?
    var batch: Int?

    /// The error ``Trainer/fit(_:options:progress:)`` throws: no model is returned, so none is saved.
    func error(file: String, options: TrainingOptions) -> DataError {
        let place = epoch.map { "at epoch \($0), batch \(batch ?? 0)" } ?? "in the final weights"
        let pass = phase == .refitting ? " while refitting" : ""
        return DataError(.usage, file: file,
                         "training diverged: the loss became NaN or infinite \(place)\(pass) (learning rate \(options.learningRate)); "
                         + "no model was written; try a lower --learning-rate or --clip-norm 1")
    }

    /// Whether every weight of `network` is finite.
    static func isFinite(_ network: any ForecastNetwork) -> Bool {
        network.stateDict().allSatisfy { $0.tensor.scalars.allSatisfy(\.isFinite) }
    }
}
