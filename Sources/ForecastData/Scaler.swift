/// Maps each column to the network's scale, x′ = (x − center) / scale, with statistics fitted on
/// the training part only; stored in the model's `config.json` as `scaling`.
public struct Scaler: Codable, Equatable, Sendable {
    /// How the statistics are chosen.
    public enum Method: String, Codable, CaseIterable, Sendable {
        /// center = mean, scale = population standard deviation.
        case standard
        /// center = minimum, scale = maximum − minimum (the training part then spans [0, 1]).
        case minmax
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
    public static func fit(_ method: Method, columns: [[Double]], count: Int)
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

    /// Column `column` of raw values, scaled.
    public func transform(_ values: [Double], column: Int) -> [Float] {
        values.map { Float(($0 - Double(center[column])) / Double(scale[column])) }
    }

    /// Scaled values of column `column` mapped back to the data's units.
    public func inverse(_ values: [Float], column: Int) -> [Double] {
        values.map { Double($0) * Double(scale[column]) + Double(center[column]) }
    }
}
