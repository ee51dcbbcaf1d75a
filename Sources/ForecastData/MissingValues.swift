/// What to do with missing values (empty cells, `NA`, `NaN`, `null`, and points absent from a
/// regular time axis).
public enum MissingValuePolicy: String, CaseIterable, Codable, Sendable {
    /// Linear interpolation between the nearest known neighbours; leading and trailing gaps take
    /// the nearest known value.
    case interpolate
    /// The last known value carries forward; leading gaps take the first known value.
    case ffill
    /// Rows with a missing value are removed.
    case drop
    /// A missing value is an error.
    case error
}

/// Fills the NaN entries of `values` by interpolation or carrying forward.
///
/// - Precondition: at least one value is not NaN, and `policy` is `.interpolate` or `.ffill`.
public func fillMissing(_ values: [Double], policy: MissingValuePolicy) -> [Double] {
    precondition(policy == .interpolate || policy == .ffill, "fillMissing handles interpolate and ffill")
    guard let firstKnown = values.firstIndex(where: { !$0.isNaN }) else {
        preconditionFailure("fillMissing needs at least one known value")
    }
    var filled = values
    for index in 0..<firstKnown { filled[index] = values[firstKnown] }
    var lastKnown = firstKnown
    for index in (firstKnown + 1)..<max(values.count, firstKnown + 1) where !values[index].isNaN {
        let gap = index - lastKnown
        if gap > 1 {
            for k in 1..<gap {
                filled[lastKnown + k] = policy == .ffill
                    ? values[lastKnown]
                    : values[lastKnown] + (values[index] - values[lastKnown]) * Double(k) / Double(gap)
            }
        }
        lastKnown = index
    }
    for index in (lastKnown + 1)..<max(values.count, lastKnown + 1) { filled[index] = values[lastKnown] }
    return filled
}

/// The text of a cell that stands for a missing value: empty, `NA`, `N/A`, `NaN`, `null`, `None`
/// (any letter case).
public func isMissingCell(_ text: String) -> Bool {
    switch text.lowercased() {
    case "", "na", "n/a", "nan", "null", "none": true
    default: false
    }
}
