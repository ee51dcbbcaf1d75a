/// Maps each column to the network's scale, x′ = (x − center) / scale, with statistics fitted on
/// the training part only; stored in the model's `config.json` as `scaling`.
public struct Scaler: Codable, Equatable, Sendable {
    /// How the statistics are chosen.
    public enum Method: String, Codable, CaseIterable, Sendable {
        /// center = mean, scale = population standard deviation.
        case standard
        /// center = minimum, scale = maximum − minimum (the training part then spans [0, 1]).
        case minmax
        /// center = mean, scale = mean |x_t − x_(t−m)| over the part, m the seasonal period (1 when
        /// the part is not longer than a season): MASE's denominator, so that a squared error in
        /// scaled units is a squared scaled error, and series whose seasonal changes are small
        /// weigh as much as the measure gives them.
        case mase
    }

    /// How `center` and `scale` were computed.
    public var method: Method
    /// One value per column.
    public var center: [Float]
    /// One positive value per column.
    public var scale: [Float]

    /// Creates a scaler from known statistics.
    public init(method: Method, center: [Float], scale: [Float]) {
        self.method = method
        self.center = center
        self.scale = scale
    }

    /// Fits one center and scale per column on `columns[c][0 ..< count]`.
    ///
    /// A column that is constant there gets scale 1 (not 0), so scaling never divides by zero;
    /// its name is returned in `constantColumns` so the caller can say so.
    /// - Parameter season: the seasonal period m of ``Method/mase``.
    public static func fit(_ method: Method, columns: [[Double]], count: Int, season: Int = 1)
        -> (scaler: Scaler, constantColumns: [Int])
    {
        var center: [Float] = [], scale: [Float] = [], constant: [Int] = []
        for (index, column) in columns.enumerated() {
            let part = column[0..<count]
            var c: Double, s: Double
            switch method {
            case .standard:
                let mean = part.reduce(0, +) / Double(part.count)
                c = mean
                s = (part.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(part.count)).squareRoot()
            case .minmax:
                let low = part.min() ?? 0
                c = low
                s = (part.max() ?? 0) - low
            case .mase:
                c = part.reduce(0, +) / Double(part.count)
                let m = part.count > season ? max(season, 1) : 1
                var sum = 0.0
                for t in (part.startIndex + m)..<max(part.endIndex, part.startIndex + m) { sum += abs(part[t] - part[t - m]) }
                s = part.count > m ? sum / Double(part.count - m) : 0
            }
            if !(s > 1e-12 * max(1, abs(c))) {
                s = 1
                constant.append(index)
            }
            center.append(Float(c))
            scale.append(Float(s))
        }
        return (Scaler(method: method, center: center, scale: scale), constant)
    }

    /// This scaler leaving `columns` as they are (center 0, scale 1): columns already encoded on a
    /// common scale, such as static features.
    public func leavingUnscaled(_ columns: Range<Int>) -> Scaler {
        var copy = self
        for column in columns {
            copy.center[column] = 0
            copy.scale[column] = 1
        }
        return copy
    }

    /// Column `column` of raw values, scaled.
    public func transform(_ values: [Double], column: Int) -> [Float] {
        values.map { Float(($0 - Double(center[column])) / Double(scale[column])) }
    }

    /// Scaled values of column `column` mapped back to the data's units.
    public func inverse(_ values: [Float], column: Int) -> [Double] {
        values.map { Double($0) * Double(scale[column]) + Double(center[column]) }
    }
}
