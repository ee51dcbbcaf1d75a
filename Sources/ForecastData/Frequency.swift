// The regular step of a series, and how it is read off the timestamps.

/// The regular step of a series: a number of seconds (minutes, hours, days, weeks) or of calendar
/// months (quarters, years).
///
/// Encoded as `{"unit": "second", "step": 86400}` or `{"unit": "month", "step": 3}`.
public struct Frequency: Codable, Hashable, Sendable {
    /// What ``step`` counts.
    public enum Unit: String, Codable, Sendable {
        /// Fixed lengths of time: a minute is 60, a day 86 400 (days and weeks of UTC time; there are
        /// no leap seconds and no daylight saving).
        case second
        /// Calendar months, which differ in length: a quarter is 3, a year 12.
        case month
        /// Integer time steps without a calendar (``TimeFormat/step``).
        case step
    }

    /// What ``step`` counts.
    public var unit: Unit
    /// The number of units between consecutive points; at least 1.
    public var step: Int

    /// Creates a frequency of `step` (≥ 1) units.
    public init(unit: Unit, step: Int) {
        precondition(step >= 1, "a frequency's step must be at least 1, got \(step)")
        self.unit = unit
        self.step = step
    }

    /// Decodes `{"unit": …, "step": …}`, rejecting a step below 1.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let unit = try container.decode(Unit.self, forKey: .unit)
        let step = try container.decode(Int.self, forKey: .step)
        guard step >= 1 else {
            throw DecodingError.dataCorruptedError(forKey: .step, in: container,
                                                   debugDescription: "a frequency's step must be at least 1, got \(step)")
        }
        self.init(unit: unit, step: step)
    }

    /// One minute.
    public static let minutely = Frequency(unit: .second, step: 60)
    /// One hour.
    public static let hourly = Frequency(unit: .second, step: 3600)
    /// One day of 86 400 seconds.
    public static let daily = Frequency(unit: .second, step: 86_400)
    /// Seven days.
    public static let weekly = Frequency(unit: .second, step: 604_800)
    /// One calendar month.
    public static let monthly = Frequency(unit: .month, step: 1)
    /// Three calendar months.
    public static let quarterly = Frequency(unit: .month, step: 3)
    /// Twelve calendar months.
    public static let yearly = Frequency(unit: .month, step: 12)

    /// `timestamp` moved forward by `count` steps (`count` may be 0 or negative).
    ///
    /// Seconds add `count · step` seconds to the instant. Months move the local calendar date
    /// (at the timestamp's UTC offset) by `count · step` months, keeping the time of day and the
    /// day of the month, clamped to the length of the new month (2020-01-30 + 1 month = 2020-02-29).
    /// When `monthEnd` is true, a date on the last day of its month lands on the last day of the new
    /// month (2020-02-29 + 1 month = 2020-03-31), as a month-end series needs.
    /// The result keeps the timestamp's UTC offset and fraction of a second.
    public func advance(_ timestamp: Timestamp, by count: Int, monthEnd: Bool = false) -> Timestamp {
        var result = timestamp
        switch unit {
        case .second, .step:
            result.seconds += Int64(count) * Int64(step)
        case .month:
            let localSeconds = timestamp.seconds + Int64(timestamp.utcOffsetSeconds)
            let (_, secondOfDay) = CivilCalendar.split(localSeconds)
            let date = CivilCalendar.DateTime(localSeconds: localSeconds)
            let monthIndex = date.monthIndex + count * step
            let year = monthIndex >= 0 ? monthIndex / 12 : (monthIndex - 11) / 12
            let month = monthIndex - year * 12 + 1
            let length = CivilCalendar.daysInMonth(year: year, month: month)
            let day = monthEnd && date.isMonthEnd ? length : min(date.day, length)
            let days = CivilCalendar.daysFromCivil(year: year, month: month, day: day)
            result.seconds = days * 86_400 + Int64(secondOfDay) - Int64(timestamp.utcOffsetSeconds)
        }
        return result
    }

    /// A human name: "1 minute", "15 minutes", "hourly", "every 6 hours", "daily",
    /// "weekly", "every 2 days", "monthly", "quarterly", "yearly", "every 2 years",
    /// else "every N seconds" or "every N months".
    public var name: String {
        switch (unit, step) {
        case (.step, 1): return "integer steps"
        case (.step, let s): return "every \(s) steps"
        case (.second, 1): return "every second"
        case (.second, 60): return "1 minute"
        case (.second, 3600): return "hourly"
        case (.second, 86_400): return "daily"
        case (.second, 604_800): return "weekly"
        case (.second, let s) where s % 86_400 == 0: return "every \(s / 86_400) days"
        case (.second, let s) where s % 3600 == 0: return "every \(s / 3600) hours"
        case (.second, let s) where s % 60 == 0 && s < 3600: return "\(s / 60) minutes"
        case (.second, let s): return "every \(s) seconds"
        case (.month, 1): return "monthly"
        case (.month, 3): return "quarterly"
        case (.month, 12): return "yearly"
        case (.month, let m) where m % 12 == 0: return "every \(m / 12) years"
        case (.month, let m): return "every \(m) months"
        }
    }

    /// The usual seasonal period, in steps: 12 for monthly data (a year), 4 quarterly, 1 yearly,
    /// 7 daily (a week), 24 hourly and 48 half-hourly (a day); 1, no seasonality assumed, otherwise.
    public var seasonalPeriod: Int {
        switch (unit, step) {
        case (.month, 1): 12
        case (.month, 3): 4
        case (.second, 86_400): 7
        case (.second, 3600): 24
        case (.second, 1800): 48
        default: 1
        }
    }
}

/// What the timestamps of a series say about its frequency.
///
/// Calendar months are tried first: when every timestamp has the same local time of day and either
/// the same day of the month or the last day of its month, the differences are counted in months
/// and the step is their greatest common divisor (1 monthly, 3 quarterly, 12 yearly, so `1949`,
/// `1950` is 12 months); the series is regular when at least half the differences equal the step.
/// Otherwise the differences are counted in seconds and the step is the most common one (the
/// smallest on a tie); the series is regular when every difference is a multiple of it. Either way
/// a difference of k steps (k > 1) is a gap of k − 1 missing points, so daily data missing a day is
/// daily with a gap, not "every 2 days".
public struct FrequencyInference: Equatable, Sendable {
    /// Points absent from a regular series.
    public struct Gap: Hashable, Sendable {
        /// The index of the point after which points are missing.
        public var after: Int
        /// How many points are missing there (≥ 1).
        public var missing: Int

        /// Creates a gap of `missing` points after index `after`.
        public init(after: Int, missing: Int) {
            self.after = after
            self.missing = missing
        }
    }

    /// The step; nil when the series is irregular or has fewer than 2 points.
    public var frequency: Frequency?
    /// Whether the unit is months and every date is the last day of its month (so steps should
    /// keep to month ends: see ``Frequency/advance(_:by:monthEnd:)``).
    public var monthEnd: Bool
    /// Where points are missing in a regular series, in increasing order of `after`; empty when it
    /// is irregular.
    public var gaps: [Gap]

    /// Creates an inference result.
    public init(frequency: Frequency?, monthEnd: Bool = false, gaps: [Gap] = []) {
        self.frequency = frequency
        self.monthEnd = monthEnd
        self.gaps = gaps
    }

    /// Infers the step of `timestamps`, which must be strictly increasing (the caller checks order
    /// and duplicates; a series that is not gives an irregular result).
    public static func infer(_ timestamps: [Timestamp]) -> FrequencyInference {
        let irregular = FrequencyInference(frequency: nil)
        guard timestamps.count >= 2 else { return irregular }

        let local = timestamps.map { $0.local }
        let first = local[0], firstFraction = timestamps[0].nanoseconds
        let sameTimeOfDay = zip(local, timestamps).allSatisfy { date, timestamp in
            date.hour == first.hour && date.minute == first.minute && date.second == first.second
                && timestamp.nanoseconds == firstFraction
        }
        let sameDay = local.allSatisfy { $0.day == first.day }
        let allMonthEnd = local.allSatisfy { $0.isMonthEnd }

        if sameTimeOfDay && (sameDay || allMonthEnd) {
            let differences = zip(local, local.dropFirst()).map { $1.monthIndex - $0.monthIndex }
            guard differences.allSatisfy({ $0 > 0 }) else { return irregular }
            let step = differences.reduce(0, greatestCommonDivisor)
            guard 2 * differences.count(where: { $0 == step }) >= differences.count else { return irregular }
            return FrequencyInference(frequency: Frequency(unit: .month, step: step), monthEnd: allMonthEnd,
                                      gaps: gaps(differences, step: step))
        }

        // Differences of whole seconds need the same fraction of a second throughout.
        guard timestamps.allSatisfy({ $0.nanoseconds == firstFraction }) else { return irregular }
        let differences = zip(timestamps, timestamps.dropFirst()).map { Int($1.seconds - $0.seconds) }
        guard differences.allSatisfy({ $0 > 0 }) else { return irregular }
        var counts: [Int: Int] = [:]
        for difference in differences { counts[difference, default: 0] += 1 }
        let step = counts.min { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }!.key
        guard differences.allSatisfy({ $0 % step == 0 }) else { return irregular }
        return FrequencyInference(frequency: Frequency(unit: .second, step: step), gaps: gaps(differences, step: step))
    }

    /// A gap of (difference / step − 1) points after each difference larger than `step`.
    private static func gaps(_ differences: [Int], step: Int) -> [Gap] {
        differences.enumerated().compactMap { index, difference in
            difference > step ? Gap(after: index, missing: difference / step - 1) : nil
        }
    }

    private static func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }
}
