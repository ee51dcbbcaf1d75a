// Timestamps, the ISO 8601 forms a time column is written in, and the proleptic Gregorian
// calendar arithmetic beneath them. No Foundation Calendar or DateFormatter: every result is the
// same whatever the machine's time zone and locale.

/// A point in time: seconds since 1970-01-01T00:00:00Z (UTC), plus the UTC offset it was written with.
///
/// Two timestamps are equal, and order, by the instant alone (``seconds`` then ``nanoseconds``):
/// `10:00+02:00` equals `08:00Z`. The offset only says how to write the instant back as local
/// wall time, and which calendar day a monthly step counts from.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Whole seconds since 1970-01-01T00:00:00Z; negative before 1970.
    public var seconds: Int64
    // Both below fit 32 bits, so a timestamp is 16 bytes: a panel of millions of points holds one each.
    private var storedNanoseconds: Int32
    private var storedUTCOffsetSeconds: Int32

    /// The fraction of the second, in nanoseconds (0 ..< 1_000_000_000); kept so that
    /// `10:00:00.5` is written back as it was read.
    public var nanoseconds: Int {
        get { Int(storedNanoseconds) }
        set {
            precondition((0..<1_000_000_000).contains(newValue), "nanoseconds must be in 0 ..< 1_000_000_000, got \(newValue)")
            storedNanoseconds = Int32(newValue)
        }
    }

    /// The UTC offset the timestamp was written with, in seconds east of UTC (`+05:30` is 19 800);
    /// 0 when written with `Z` or without a zone. At most a day either way.
    public var utcOffsetSeconds: Int {
        get { Int(storedUTCOffsetSeconds) }
        set {
            precondition(abs(newValue) <= 86_400, "a UTC offset is at most a day, got \(newValue) seconds")
            storedUTCOffsetSeconds = Int32(newValue)
        }
    }

    /// Creates a timestamp from an instant and the offset to write it with.
    public init(seconds: Int64, nanoseconds: Int = 0, utcOffsetSeconds: Int = 0) {
        precondition((0..<1_000_000_000).contains(nanoseconds), "nanoseconds must be in 0 ..< 1_000_000_000, got \(nanoseconds)")
        precondition(abs(utcOffsetSeconds) <= 86_400, "a UTC offset is at most a day, got \(utcOffsetSeconds) seconds")
        self.seconds = seconds
        storedNanoseconds = Int32(nanoseconds)
        storedUTCOffsetSeconds = Int32(utcOffsetSeconds)
    }

    /// Creates a timestamp from a local date and time of day at `utcOffsetSeconds` east of UTC
    /// (proleptic Gregorian calendar); nil for an impossible date or time (2021-02-29, hour 24).
    public init?(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0,
                 nanoseconds: Int = 0, utcOffsetSeconds: Int = 0) {
        guard (1...12).contains(month), (1...CivilCalendar.daysInMonth(year: year, month: month)).contains(day),
              (0..<24).contains(hour), (0..<60).contains(minute), (0..<60).contains(second),
              (0..<1_000_000_000).contains(nanoseconds)
        else { return nil }
        let days = CivilCalendar.daysFromCivil(year: year, month: month, day: day)
        let local = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        self.init(seconds: local - Int64(utcOffsetSeconds), nanoseconds: nanoseconds, utcOffsetSeconds: utcOffsetSeconds)
    }

    public static func == (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.seconds == rhs.seconds && lhs.nanoseconds == rhs.nanoseconds
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(seconds)
        hasher.combine(nanoseconds)
    }

    /// ISO 8601 at the timestamp's own offset, e.g. `2020-01-01T10:00:00+02:00` or `1949-01-01T00:00:00Z`.
    public var description: String {
        let digits = nanoseconds == 0 ? 0 : 9
        let zone: TimeFormat.Zone = utcOffsetSeconds == 0 ? .utc : .offset
        return TimeParser.format(self, as: .dateTime(separator: "T", hasSeconds: true, fractionDigits: digits, zone: zone))
    }

    /// The local (wall clock) date and time of day: the instant shifted by the UTC offset.
    var local: CivilCalendar.DateTime {
        CivilCalendar.DateTime(localSeconds: seconds + Int64(utcOffsetSeconds))
    }
}

/// How a time column's values are written, so forecast timestamps can be written the same way.
///
/// Every form is ISO 8601 (extended format for the date and the time of day):
///
/// | case | example |
/// | --- | --- |
/// | ``year`` | `1949` |
/// | ``yearMonth`` | `1949-01` |
/// | ``date`` | `1949-01-31` |
/// | ``dateTime(separator:hasSeconds:fractionDigits:zone:)`` | `2020-01-01T10:00`, `2020-01-01 10:00:00.5+02:00` |
public enum TimeFormat: Hashable, Sendable {
    /// A year alone, `1949`: the first instant of the year.
    case year
    /// A year and month, `1949-01`: the first instant of the month.
    case yearMonth
    /// A calendar date, `1949-01-31`: its first instant.
    case date
    /// A date and a time of day.
    ///
    /// - Parameters:
    ///   - separator: what stands between the date and the time: `T`, `t` or a space.
    ///   - hasSeconds: whether the time has seconds (`10:00:00`) or stops at minutes (`10:00`).
    ///   - fractionDigits: the digits after the seconds' decimal point (`10:00:00.500` has 3);
    ///     0 when there is no fraction. Only meaningful when `hasSeconds` is true.
    ///   - zone: how the UTC offset is written, if at all.
    case dateTime(separator: Character, hasSeconds: Bool, fractionDigits: Int, zone: Zone)
    /// An integer time step, `1`, `2`, … (the M3, M4 and Tourism competition data have no dates):
    /// stored as a ``Timestamp`` whose `seconds` are the step.
    case step

    /// How a date-time states its offset from UTC.
    public enum Zone: Hashable, Sendable {
        /// No zone: the time is local wall time, read as UTC (offset 0).
        case none
        /// `Z`: the time is UTC.
        case utc
        /// `±HH:MM` (ISO 8601 extended format), e.g. `+05:30`.
        case offset
        /// `±HHMM` (ISO 8601 basic format), e.g. `-0800`.
        case basicOffset
        /// `±HH`, hours only, e.g. `+02` as PostgreSQL writes; an offset that is not a whole
        /// number of hours is written `±HH:MM`.
        case hourOffset
    }
}

/// Reads and writes the cells of a time column.
public enum TimeParser {
    /// Parses one cell written in one of the ``TimeFormat`` forms (ISO 8601); nil when it is not one,
    /// or names an impossible date or time (2021-02-30, month 13, hour 25, minute 60).
    ///
    /// The cell must have no surrounding spaces. A year must have four digits; a fraction of a
    /// second may have any number of digits (the first nine are kept); an offset is
    /// `Z`, `±HH:MM`, `±HHMM` or `±HH`, with hours below 24 and minutes below 60.
    /// Forms without a zone, and `Z`, give a UTC offset of 0.
    public static func parse(_ text: String) -> (Timestamp, TimeFormat)? {
        var text = text
        return text.withUTF8 { parse(utf8: $0) }
    }

    /// Parses one cell given as UTF-8 bytes, as ``parse(_:)`` does (a loader's path, without a `String`).
    static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>) -> (Timestamp, TimeFormat)? {
        var reader = Reader(bytes)
        guard let year = reader.digits(4) else { return nil }
        if reader.isAtEnd { return (Timestamp(year: year, month: 1, day: 1)!, .year) }

        guard reader.skip("-"), let month = reader.digits(2), (1...12).contains(month) else { return nil }
        if reader.isAtEnd { return (Timestamp(year: year, month: month, day: 1)!, .yearMonth) }

        guard reader.skip("-"), let day = reader.digits(2),
              (1...CivilCalendar.daysInMonth(year: year, month: month)).contains(day)
        else { return nil }
        if reader.isAtEnd { return (Timestamp(year: year, month: month, day: day)!, .date) }

        guard let separatorByte = reader.next(), [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(separatorByte),
              let hour = reader.digits(2), hour < 24, reader.skip(":"), let minute = reader.digits(2), minute < 60
        else { return nil }

        var second = 0, hasSeconds = false, fractionDigits = 0, nanoseconds = 0
        if reader.skip(":") {
            guard let value = reader.digits(2), value < 60 else { return nil }
            second = value
            hasSeconds = true
            if reader.skip(".") {
                while let digit = reader.peekDigit() {
                    reader.advance()
                    if fractionDigits < 9 { nanoseconds = nanoseconds * 10 + digit }
                    fractionDigits += 1
                }
                guard fractionDigits > 0 else { return nil }
                for _ in min(fractionDigits, 9)..<9 { nanoseconds *= 10 }
            }
        }

        var zone = TimeFormat.Zone.none, offset = 0
        if reader.skip("Z") {
            zone = .utc
        } else if let signByte = reader.peek(), signByte == UInt8(ascii: "+") || signByte == UInt8(ascii: "-") {
            reader.advance()
            guard let offsetHours = reader.digits(2), offsetHours < 24 else { return nil }
            var offsetMinutes = 0
            if reader.isAtEnd {
                zone = .hourOffset
            } else {
                zone = reader.skip(":") ? .offset : .basicOffset
                guard let value = reader.digits(2), value < 60 else { return nil }
                offsetMinutes = value
            }
            offset = (offsetHours * 3600 + offsetMinutes * 60) * (signByte == UInt8(ascii: "-") ? -1 : 1)
        }
        guard reader.isAtEnd else { return nil }

        let timestamp = Timestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                                  nanoseconds: nanoseconds, utcOffsetSeconds: offset)!
        return (timestamp, .dateTime(separator: Character(Unicode.Scalar(separatorByte)), hasSeconds: hasSeconds,
                                     fractionDigits: fractionDigits, zone: zone))
    }

    /// Parses an integer time step (`1`, `702`, `-3`); nil for anything else.
    public static func parseStep(_ text: String) -> Timestamp? {
        guard let value = Int64(text) else { return nil }
        return Timestamp(seconds: value)
    }

    /// Parses an integer time step given as UTF-8 bytes, exactly as ``parseStep(_:)`` reads text:
    /// an optional sign, then decimal digits, within `Int64`.
    static func parseStep(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        var index = 0, negative = false
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            index = 1
        }
        guard index < bytes.count else { return nil }
        // Accumulated as a negative number, whose range reaches Int64.min.
        var value: Int64 = 0
        while index < bytes.count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times10, overflow) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = times10.subtractingReportingOverflow(Int64(digit))
            guard !overflow, !overflow2 else { return nil }
            value = next
            index += 1
        }
        if negative { return Timestamp(seconds: value) }
        guard value != .min else { return nil }
        return Timestamp(seconds: -value)
    }

    /// Whether a column of cells (missing ones left out) is integer time steps rather than dates:
    /// at least 90% of the cells are integers (so that a bad cell is reported where it is) and not
    /// all of those are four-digit years (which read as years, `1949`).
    public static func isStepColumn(_ cells: some Sequence<String>) -> Bool {
        var integers = 0, others = 0, allYears = true
        for cell in cells {
            guard let value = Int64(cell) else { others += 1; continue }
            integers += 1
            if allYears && !(cell.utf8.count == 4 && value >= 1000) { allYears = false }
        }
        return integers > 0 && !allYears && Double(integers) >= 0.9 * Double(integers + others)
    }

    /// Writes `timestamp` in `format`.
    ///
    /// The date and time written are the local wall time at `timestamp.utcOffsetSeconds`, except for
    /// the ``TimeFormat/Zone/utc`` zone, which writes the UTC time. Forms coarser than the timestamp
    /// drop what they cannot show (`.year` writes only the year), and a fraction longer than nine
    /// digits is padded with zeros.
    public static func format(_ timestamp: Timestamp, as format: TimeFormat) -> String {
        var wall = timestamp.local
        if case .dateTime(_, _, _, .utc) = format {
            wall = CivilCalendar.DateTime(localSeconds: timestamp.seconds)
        }
        let year = wall.year < 0 ? "-" + padded(-wall.year, 4) : padded(wall.year, 4)
        switch format {
        case .step:
            return String(timestamp.seconds)
        case .year:
            return year
        case .yearMonth:
            return "\(year)-\(padded(wall.month, 2))"
        case .date:
            return "\(year)-\(padded(wall.month, 2))-\(padded(wall.day, 2))"
        case let .dateTime(separator, hasSeconds, fractionDigits, zone):
            var text = "\(year)-\(padded(wall.month, 2))-\(padded(wall.day, 2))\(separator)"
            text += "\(padded(wall.hour, 2)):\(padded(wall.minute, 2))"
            if hasSeconds {
                text += ":\(padded(wall.second, 2))"
                if fractionDigits > 0 {
                    let nine = padded(timestamp.nanoseconds, 9)
                    text += "." + (fractionDigits <= 9 ? String(nine.prefix(fractionDigits))
                                                       : nine + String(repeating: "0", count: fractionDigits - 9))
                }
            }
            let offset = timestamp.utcOffsetSeconds
            let sign = offset < 0 ? "-" : "+"
            let hours = padded(abs(offset) / 3600, 2), minutes = padded(abs(offset) % 3600 / 60, 2)
            switch zone {
            case .none: break
            case .utc: text += "Z"
            case .offset: text += "\(sign)\(hours):\(minutes)"
            case .basicOffset: text += "\(sign)\(hours)\(minutes)"
            case .hourOffset: text += abs(offset) % 3600 == 0 ? "\(sign)\(hours)" : "\(sign)\(hours):\(minutes)"
            }
            return text
        }
    }

    /// `value` (≥ 0) in decimal, with leading zeros up to `width` digits.
    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// A cursor over the UTF-8 bytes of a cell.
    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        var isAtEnd: Bool { index == bytes.count }

        func peek() -> UInt8? { isAtEnd ? nil : bytes[index] }

        mutating func advance() { index += 1 }

        mutating func next() -> UInt8? {
            defer { if !isAtEnd { index += 1 } }
            return peek()
        }

        /// The value of the next byte if it is an ASCII digit, without consuming it.
        func peekDigit() -> Int? {
            guard let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            return Int(byte - UInt8(ascii: "0"))
        }

        /// Consumes `character` if it comes next.
        mutating func skip(_ character: Unicode.Scalar) -> Bool {
            guard peek() == UInt8(ascii: character) else { return false }
            index += 1
            return true
        }

        /// Consumes exactly `count` digits and returns their value; nil (consuming nothing useful) otherwise.
        mutating func digits(_ count: Int) -> Int? {
            var value = 0
            for _ in 0..<count {
                guard let digit = peekDigit() else { return nil }
                value = value * 10 + digit
                index += 1
            }
            return value
        }
    }
}

/// The proleptic Gregorian calendar on day numbers counted from 1970-01-01, after Howard Hinnant,
/// "chrono-Compatible Low-Level Date Algorithms" (https://howardhinnant.github.io/date_algorithms.html).
enum CivilCalendar {
    /// A date and time of day on the wall clock.
    struct DateTime: Equatable {
        var year: Int, month: Int, day: Int
        var hour: Int, minute: Int, second: Int

        /// Splits seconds since 1970-01-01T00:00:00 of some wall clock into date and time of day.
        init(localSeconds: Int64) {
            let (days, secondOfDay) = CivilCalendar.split(localSeconds)
            (year, month, day) = CivilCalendar.civilFromDays(days)
            hour = secondOfDay / 3600
            minute = secondOfDay % 3600 / 60
            second = secondOfDay % 60
        }

        /// Months since January of year 0: (year · 12 + month − 1).
        var monthIndex: Int { year * 12 + month - 1 }

        /// Whether `day` is the last day of its month.
        var isMonthEnd: Bool { day == CivilCalendar.daysInMonth(year: year, month: month) }
    }

    /// (days since 1970-01-01, second of that day in 0 ..< 86 400), rounding days toward −∞.
    static func split(_ seconds: Int64) -> (days: Int64, secondOfDay: Int) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        return (days, Int(seconds - days * 86_400))
    }

    static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to year-month-day (month 1...12, day 1...31).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        // The year is shifted to start in March, so that the leap day is the last day of the year.
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400                                                   // [0, 399]
        let dayOfYear = Int64((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1)  // [0, 365]
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear    // [0, 146096]
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The year-month-day `days` after 1970-01-01; the inverse of ``daysFromCivil(year:month:day:)``.
    static func civilFromDays(_ days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468                                                          // days since 0000-03-01
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097                                                // [0, 146096]
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365  // [0, 399]
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // [0, 365]
        let shiftedMonth = (5 * dayOfYear + 2) / 153                                    // [0, 11], March = 0
        let day = Int(dayOfYear - (153 * shiftedMonth + 2) / 5 + 1)                     // [1, 31]
        let month = Int(shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9)        // [1, 12]
        let year = Int(yearOfEra + era * 400) + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}
