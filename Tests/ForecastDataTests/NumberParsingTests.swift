import Testing
@testable import ForecastData

/// The loader's in-place readers of numbers and steps against the standard library's readers of text.
@Suite struct NumberParsingTests {
    private func plain(_ text: String) -> Double? {
        Array(text.utf8).withUnsafeBufferPointer { PlainDecimal.value($0) }
    }

    private func step(_ text: String) -> Timestamp? {
        Array(text.utf8).withUnsafeBufferPointer { TimeParser.parseStep(utf8: $0) }
    }

    @Test func plainDecimalsEqualDoubleBitForBit() {
        var generator = SystemRandomNumberGenerator()
        var cases = ["0", "-0", "0.0", "-0.0", "1", "007.50", "123456789012345", "0.1", "0.3", "2.675", "-1.5",
                     "999999999999999", "0.0000000000000000000001", "1234567.891", "900719925474.991"]
        for _ in 0..<20_000 {
            let integerDigits = Int.random(in: 1...7, using: &generator), decimals = Int.random(in: 0...8, using: &generator)
            var text = Bool.random(using: &generator) ? "-" : ""
            text += String((0..<integerDigits).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
            if decimals > 0 { text += "." + String((0..<decimals).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) }) }
            cases.append(text)
        }
        for text in cases {
            let expected = Double(text)!
            guard let value = plain(text) else { Issue.record("'\(text)' was not read in place"); continue }
            #expect(value.bitPattern == expected.bitPattern, "'\(text)': \(value) against \(expected)")
        }
    }

    @Test func anythingElseIsLeftToTheTextReader() {
        for text in ["", "-", ".5", "5.", "+1", "1e5", "1E-3", " 1", "1 ", "NA", "nan", "inf", "0x1A", "1.2.3",
                     "1234567890123456", "0.00000000000000000000001", "1,5", "١٢"] {
            #expect(plain(text) == nil, "'\(text)'")
        }
    }

    @Test func stepsEqualInt64OfText() {
        for text in ["0", "1", "-3", "+7", "702", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
                     "-9223372036854775809", "", "-", "+", "1.0", " 1", "1a", "00012"] {
            #expect(step(text) == TimeParser.parseStep(text), "'\(text)'")
        }
    }
}
