import Foundation

/// A feature of the calendar, computed from a point's timestamp (its local wall time) and encoded
/// cyclically as two input columns, sin(2π·phase) and cos(2π·phase), so that the last value of a
/// cycle sits next to the first (23:00 beside 00:00, December beside January).
///
/// | feature | phase | cycle |
/// | --- | --- | --- |
/// | ``hour`` | (hour + minute/60 + second/3600) / 24 | a day |
/// | ``dayofweek`` | (weekday − Monday) / 7 | a week |
/// | ``dayofmonth`` | (day − 1) / the days of that month | a month |
/// | ``month`` | (month − 1) / 12 | a year |
/// | ``weekofyear`` | (ISO 8601 week − 1) / the ISO weeks of that year (52 or 53) | a year |
public enum CalendarFeature: String, Codable, CaseIterable, Sendable {
    case hour, dayofweek, dayofmonth, month, weekofyear

    /// Where `timestamp` falls in this feature's cycle, in [0, 1).
    public func phase(of timestamp: Timestamp) -> Double {
        let local = timestamp.local
        switch self {
        case .hour:
            return (Double(local.hour) + Double(local.minute) / 60 + Double(local.second) / 3600) / 24
        case .dayofweek:
            return Double(CalendarFeature.weekday(of: timestamp)) / 7
        case .dayofmonth:
            return Double(local.day - 1) / Double(CivilCalendar.daysInMonth(year: local.year, month: local.month))
        case .month:
            return Double(local.month - 1) / 12
        case .weekofyear:
            let (week, weeks) = CalendarFeature.isoWeek(of: timestamp)
            return Double(week - 1) / Double(weeks)
        }
    }

    /// The names of the two input columns this feature adds (`hour_sin`, `hour_cos`).
    public var columnNames: [String] { ["\(rawValue)_sin", "\(rawValue)_cos"] }

    /// sin and cos of 2π·phase for every timestamp: the feature's two input columns.
    public func columns(for timestamps: [Timestamp]) -> [[Double]] {
        let angles = timestamps.map { 2 * Double.pi * phase(of: $0) }
        return [angles.map { sin($0) }, angles.map { cos($0) }]
    }

    /// The features that vary from point to point at `frequency` and repeat within a year: for data
    /// finer than daily the hour and the weekday, daily the weekday, the day of the month and the
    /// month, weekly the week of the year, monthly and quarterly the month; none for yearly data or
    /// steps of a year or more.
    public static func automatic(for frequency: Frequency) -> [CalendarFeature] {
        switch (frequency.unit, frequency.step) {
        case (.second, let s) where s < 86_400: [.hour, .dayofweek]
        case (.second, let s) where s < 604_800: [.dayofweek, .dayofmonth, .month]
        case (.second, let s) where s < 31_536_000: [.weekofyear]
        case (.month, let m) where m < 12: [.month]
        default: []
        }
    }

    /// The day of the week, Monday 0 … Sunday 6, of the timestamp's local date.
    static func weekday(of timestamp: Timestamp) -> Int {
        let (days, _) = CivilCalendar.split(timestamp.seconds + Int64(timestamp.utcOffsetSeconds))
        // 1970-01-01 was a Thursday (3 counting from Monday).
        return Int(((days + 3) % 7 + 7) % 7)
    }

    /// The ISO 8601 week (weeks start on Monday; week 1 holds the year's first Thursday) of the
    /// timestamp's local date, and the number of ISO weeks of its ISO year.
    static func isoWeek(of timestamp: Timestamp) -> (week: Int, weeks: Int) {
        let (days, _) = CivilCalendar.split(timestamp.seconds + Int64(timestamp.utcOffsetSeconds))
        // The Thursday of this date's week decides its ISO year.
        let thursday = days - Int64(weekday(of: timestamp)) + 3
        let isoYear = CivilCalendar.civilFromDays(thursday).year
        let firstOfYear = CivilCalendar.daysFromCivil(year: isoYear, month: 1, day: 1)
        let week = Int((thursday - firstOfYear) / 7) + 1
        // A year has 53 ISO weeks when it starts on a Thursday, or is a leap year starting on a Wednesday.
        let startWeekday = Int(((firstOfYear + 3) % 7 + 7) % 7)
        let weeks = startWeekday == 3 || (startWeekday == 2 && CivilCalendar.isLeapYear(isoYear)) ? 53 : 52
        return (week, weeks)
    }
}

/// Which calendar features a model reads: the ones named, or those the data's frequency makes
/// meaningful (``CalendarFeature/automatic(for:)``).
public enum CalendarSelection: Equatable, Sendable {
    /// These features (none: no calendar input).
    case features([CalendarFeature])
    /// The features of the data's frequency.
    case automatic

    /// No calendar input.
    public static let none = CalendarSelection.features([])

    /// Reads `--calendar`: `auto`, or feature names separated by commas
    /// (`hour,dayofweek,dayofmonth,month,weekofyear`); a failure with a sentence when it is neither.
    public static func parse(_ text: String) -> Result<CalendarSelection, CalendarParseError> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "auto" { return .success(.automatic) }
        var features: [CalendarFeature] = []
        for name in trimmed.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
            guard let feature = CalendarFeature(rawValue: name) else {
                return .failure(CalendarParseError(description: "'\(name)' is not a calendar feature; give auto or some of "
                    + CalendarFeature.allCases.map(\.rawValue).joined(separator: ",")))
            }
            guard !features.contains(feature) else {
                return .failure(CalendarParseError(description: "'\(name)' is given twice"))
            }
            features.append(feature)
        }
        return .success(.features(features))
    }

    /// The features for data with this time axis.
    ///
    /// - Throws: ``DataError`` (usage) naming `source` when features are asked for and the data has
    ///   no dates (no time column, or integer steps), or `auto` finds none for its frequency.
    public func resolved(for time: TimeAxis?, source: String) throws(DataError) -> [CalendarFeature] {
        if case .features(let features) = self, features.isEmpty { return [] }
        try Self.checkDates(time, source: source)
        switch self {
        case .features(let features):
            return features
        case .automatic:
            guard let frequency = time?.frequency else {
                throw DataError(.usage, file: source, "--calendar auto needs a regular time step; the time column '\(time?.name ?? "")' has none, so name the features (e.g. --calendar hour,dayofweek)")
            }
            let features = CalendarFeature.automatic(for: frequency)
            guard !features.isEmpty else {
                throw DataError(.usage, file: source, "--calendar auto finds no calendar feature that varies in \(frequency.name) data")
            }
            return features
        }
    }

    /// Throws unless `time` holds dates: calendar features cannot be computed from integer steps.
    public static func checkDates(_ time: TimeAxis?, source: String) throws(DataError) {
        guard let time else {
            throw DataError(.usage, file: source, "calendar features need dates, and the data has no time column")
        }
        if time.format == .step {
            throw DataError(.usage, file: source, "calendar features need dates; the time column '\(time.name)' holds integer steps")
        }
    }
}

/// Why a `--calendar` value cannot be read.
public struct CalendarParseError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

extension TimeSeries {
    /// The series with two more feature columns per calendar feature (sin and cos of its phase,
    /// ``CalendarFeature/columns(for:)``), after the existing ones, named `hour_sin`, `hour_cos`, ….
    ///
    /// - Throws: ``DataError`` (usage) when `features` is not empty and the series has no dates.
    public func addingCalendar(_ features: [CalendarFeature]) throws(DataError) -> TimeSeries {
        guard !features.isEmpty else { return self }
        try CalendarSelection.checkDates(time, source: source)
        var copy = self
        let timestamps = time?.timestamps ?? []
        copy.ahead = []
        for feature in features {
            copy.featureNames += feature.columnNames
            copy.columns += feature.columns(for: timestamps)
        }
        return copy
    }
}

extension Panel {
    /// Every series with the calendar columns of `features` (``TimeSeries/addingCalendar(_:)``).
    public func addingCalendar(_ features: [CalendarFeature]) throws(DataError) -> Panel {
        guard !features.isEmpty else { return self }
        var copy = self
        for index in series.indices { copy.series[index] = try series[index].addingCalendar(features) }
        return copy
    }
}
