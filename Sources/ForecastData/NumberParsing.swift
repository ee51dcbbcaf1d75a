// Reading the numbers of a table without making a `String` of each cell: the loader's fast path.

/// Reads plain decimal numbers straight from a cell's UTF-8 bytes.
enum PlainDecimal {
    /// Powers of ten that a `Double` holds exactly: 10⁰ … 10²².
    private static let exactPowersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// The value of `bytes` when they are a plain decimal, `[-]digits[.digits]`, of at most 15
    /// significant digits and 22 decimals; nil for anything else (signs `+`, exponents, spaces,
    /// more digits, missing-value markers), which the caller reads the slow way.
    ///
    /// Within those bounds the digits form an integer that a `Double` holds exactly, and so does
    /// the power of ten, so one division rounds correctly: the result is bit for bit what
    /// `Double(String)` (correctly rounded, as C's `strtod`) gives for the same text.
    @inline(__always)
    static func value(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        let count = bytes.count
        guard count > 0 else { return nil }
        var index = 0
        let negative = bytes[0] == UInt8(ascii: "-")
        if negative { index = 1 }
        var mantissa: UInt64 = 0, digits = 0, decimals = 0, sawPoint = false, digitsBeforePoint = 0
        while index < count {
            let byte = bytes[index]
            let digit = byte &- UInt8(ascii: "0")
            if digit < 10 {
                // Leading zeros add nothing; every other digit counts against the 15.
                if mantissa != 0 || digit != 0 { digits += 1 }
                mantissa = mantissa &* 10 &+ UInt64(digit)
                if sawPoint { decimals += 1 } else { digitsBeforePoint += 1 }
            } else if byte == UInt8(ascii: ".") && !sawPoint {
                sawPoint = true
            } else {
                return nil
            }
            index += 1
        }
        guard digitsBeforePoint > 0, !sawPoint || decimals > 0, digits <= 15, decimals <= 22 else { return nil }
        let magnitude = Double(mantissa) / exactPowersOfTen[decimals]
        return negative ? -magnitude : magnitude
    }
}
