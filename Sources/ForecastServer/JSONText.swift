import Forecast

/// Writes JSON by hand: numbers as the command line writes them (the shortest text that reads back
/// as the same Float, so a response holds the very numbers `forecast predict` prints), strings escaped.
struct JSONText {
    private(set) var text = ""

    init(capacity: Int = 256) {
        text.reserveCapacity(capacity)
    }

    mutating func raw(_ piece: String) { text += piece }

    /// A string literal, escaped as RFC 8259 requires.
    mutating func string(_ value: String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }

    /// A number: the shortest text of its Float (as the CSV output), `null` if not finite.
    mutating func number(_ value: Double) {
        text += value.isFinite ? "\(Float(value))" : "null"
    }

    /// `[1.5,2.25]`.
    mutating func numbers(_ values: some Sequence<Double>) {
        text += "["
        var first = true
        for value in values {
            if !first { text += "," }
            first = false
            number(value)
        }
        text += "]"
    }

    /// `{"error":"…"}`.
    static func error(_ message: String) -> String {
        var json = JSONText()
        json.raw("{\"error\":")
        json.string(message)
        json.raw("}")
        return json.text
    }

    /// Text a client sent, made safe and short for a message.
    static func printable(_ text: String, limit: Int = 64) -> String {
        let short = text.count > limit ? String(text.prefix(limit)) + "…" : text
        return String(String.UnicodeScalarView(short.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : $0 }))
    }
}
