// Ticks on a time axis, a whole number of calendar units apart (years, quarters, months, weeks,
// days, hours, minutes, seconds) and aligned the way a calendar is (January 1st, the first of a
// quarter, Mondays, midnight, whole hours), labelled on the data's own wall clock.
import ForecastData

/// One tick of a date axis.
public struct DateTick: Sendable, Hashable {
    /// Where the tick is.
    public var time: Timestamp
    /// Its label: "1958", "Jan 1958", "Mar 14", "14:00" or "14:00:30", by the step of the ticks.
    public var label: String
    /// The larger unit the label leaves out, written on a second line where it changes: the year
    /// under days ("2021"), the date under times of day ("Mar 14 2021"); nil when the label names
    /// the year.
    public var context: String?

    /// Creates a tick.
    public init(time: Timestamp, label: String, context: String? = nil) {
        self.time = time
        self.label = label
        self.context = context
    }
}

extension Ticks {
    /// Ticks from `start` to `end` (both included when they fall on a tick), a whole number of
    /// calendar units apart: the smallest step giving at most `maxTicks` ticks, among 1, 2, 5, 10,
    /// 15 and 30 seconds or minutes; 1, 2, 3, 6 and 12 hours; 1 and 2 days; 1 and 2 weeks
    /// (Mondays); 1, 2, 3 and 6 months; and 1, 2 or 5 × 10ᵏ years.
    ///
    /// Ticks sit on the wall clock of `start`'s UTC offset. Empty when `end` is before `start`
    /// or no step puts a tick in the range.
    public static func dates(from start: Timestamp, to end: Timestamp, maxTicks: Int) -> [DateTick] {
        guard start <= end, maxTicks >= 1 else { return [] }
        let span = Double(end.seconds - start.seconds)
        for step in CalendarStep.all where span / step.approximateSeconds <= Double(maxTicks) * 2 + 2 {
            let times = step.ticks(from: start, to: end)
            if !times.isEmpty && times.count <= maxTicks {
                return times.map(step.tick)
            }
        }
        return []
    }
}

/// A whole number of one calendar unit.
struct CalendarStep {
    enum Unit { case second, minute, hour, day, week, month, year }

    var unit: Unit
    var count: Int

    /// Every step ``Ticks/dates(from:to:maxTicks:)`` chooses from, shortest first.
    static let all: [CalendarStep] = {
        var steps: [CalendarStep] = []
        steps += [1, 2, 5, 10, 15, 30].map { CalendarStep(unit: .second, count: $0) }
        steps += [1, 2, 5, 10, 15, 30].map { CalendarStep(unit: .minute, count: $0) }
        steps += [1, 2, 3, 6, 12].map { CalendarStep(unit: .hour, count: $0) }
        steps += [1, 2].map { CalendarStep(unit: .day, count: $0) }
        steps += [1, 2].map { CalendarStep(unit: .week, count: $0) }
        steps += [1, 2, 3, 6].map { CalendarStep(unit: .month, count: $0) }
        for exponent in 0...5 {
            steps += [1, 2, 5].map { CalendarStep(unit: .year, count: $0 * Int(Ticks.powerOfTen(exponent))) }
        }
        return steps
    }()

    /// The length of the step, counting a month as 1/12 of a Gregorian year.
    var approximateSeconds: Double {
        let unitSeconds: Double = switch unit {
        case .second: 1
        case .minute: 60
        case .hour: 3600
        case .day: 86_400
        case .week: 604_800
        case .month: 2_629_746
        case .year: 31_556_952
        }
        return unitSeconds * Double(count)
    }

    /// The ticks in `start ... end` on the wall clock of `start`'s offset.
    func ticks(from start: Timestamp, to end: Timestamp) -> [Timestamp] {
        let offset = start.utcOffsetSeconds
        switch unit {
        case .second, .minute, .hour, .day:
            return fixedLengthTicks(from: start, to: end, length: Int64(approximateSeconds), phase: 0)
        case .week:
            // 1970-01-05, four days after the epoch, was a Monday.
            return fixedLengthTicks(from: start, to: end, length: Int64(approximateSeconds), phase: 4 * 86_400)
        case .month:
            let first = WallClock(start)
            var monthIndex = first.year * 12 + first.month - 1
            monthIndex += Self.modulo(-monthIndex, count)
            var ticks: [Timestamp] = []
            while let time = Timestamp(year: Self.floorDivide(monthIndex, 12), month: Self.modulo(monthIndex, 12) + 1,
                                       day: 1, utcOffsetSeconds: offset), time <= end {
                if time >= start { ticks.append(time) }
                monthIndex += count
            }
            return ticks
        case .year:
            var year = WallClock(start).year
            year += Self.modulo(-year, count)
            var ticks: [Timestamp] = []
            while let time = Timestamp(year: year, month: 1, day: 1, utcOffsetSeconds: offset), time <= end {
                if time >= start { ticks.append(time) }
                year += count
            }
            return ticks
        }
    }

    /// Ticks `length` seconds apart on the local wall clock, at `phase` seconds past a multiple
    /// of `length` counted from 1970-01-01T00:00 local time.
    private func fixedLengthTicks(from start: Timestamp, to end: Timestamp, length: Int64, phase: Int64) -> [Timestamp] {
        let offset = Int64(start.utcOffsetSeconds)
        let localStart = start.seconds + offset + (start.nanoseconds > 0 ? 1 : 0)
        let localEnd = end.seconds + offset
        var local = Self.floorDivide(localStart - phase + length - 1, length) * length + phase
        var ticks: [Timestamp] = []
        while local <= localEnd {
            ticks.append(Timestamp(seconds: local - offset, utcOffsetSeconds: Int(offset)))
            local += length
        }
        return ticks
    }

    /// The tick at `time`, labelled for this step.
    func tick(_ time: Timestamp) -> DateTick {
        let wall = WallClock(time)
        switch unit {
        case .year:
            return DateTick(time: time, label: "\(wall.year)")
        case .month:
            return DateTick(time: time, label: "\(wall.monthName) \(wall.year)")
        case .week, .day:
            return DateTick(time: time, label: "\(wall.monthName) \(wall.day)", context: "\(wall.year)")
        case .hour, .minute:
            return DateTick(time: time, label: "\(wall.twoDigits(wall.hour)):\(wall.twoDigits(wall.minute))",
                            context: "\(wall.monthName) \(wall.day) \(wall.year)")
        case .second:
            let label = "\(wall.twoDigits(wall.hour)):\(wall.twoDigits(wall.minute)):\(wall.twoDigits(wall.second))"
            return DateTick(time: time, label: label, context: "\(wall.monthName) \(wall.day) \(wall.year)")
        }
    }

    /// a / b rounded toward −∞ (b > 0).
    static func floorDivide<T: BinaryInteger>(_ a: T, _ b: T) -> T {
        let quotient = a / b
        return quotient * b > a ? quotient - 1 : quotient
    }

    static func modulo(_ a: Int, _ b: Int) -> Int {
        ((a % b) + b) % b
    }
}

/// The local date and time of day of a timestamp, read off ForecastData's ISO 8601 writer so that
/// the calendar arithmetic lives in one place.
struct WallClock {
    var year: Int, month: Int, day: Int
    var hour: Int, minute: Int, second: Int

    init(_ timestamp: Timestamp) {
        // "YYYY-MM-DDTHH:MM:SS", with a sign or more digits in the year when it needs them.
        let text = TimeParser.format(timestamp, as: .dateTime(separator: "T", hasSeconds: true, fractionDigits: 0, zone: .none))
        let yearText = text.dropLast("-MM-DDTHH:MM:SS".count)
        let fields = text.suffix("MM-DDTHH:MM:SS".count).split { $0 == "-" || $0 == "T" || $0 == ":" }.map { Int($0)! }
        year = Int(yearText)!
        (month, day, hour, minute, second) = (fields[0], fields[1], fields[2], fields[3], fields[4])
    }

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    var monthName: String { Self.monthNames[month - 1] }

    func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
