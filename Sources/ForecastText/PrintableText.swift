/// `text` made safe for one line of a terminal: control characters (a newline or carriage return
/// inside a quoted cell, an escape sequence, a NUL of a binary file) written as Swift escapes (`\n`,
/// `\u{1B}`), and a text longer than `limit` characters cut in its middle, with `…` where it was cut.
///
/// Error messages quote what the user's file holds; a binary file or a cell of a megabyte must
/// still give one readable line.
public func printableLine(_ text: String, limit: Int = 600) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.properties.generalCategory == .format:
            out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    guard out.count > limit else { return out }
    return String(out.prefix(limit / 2)) + " … " + String(out.suffix(limit / 2))
}
