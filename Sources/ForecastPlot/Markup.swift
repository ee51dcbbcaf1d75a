// Writing XML (SVG, and HTML written as XHTML-compatible markup): escaping, and elements built from
// a name, attributes in a fixed order, and children, so that no caller pastes angle brackets.

/// A piece of XML markup: an element, or text that is escaped when written.
struct Markup {
    private let text: String

    private init(raw text: String) { self.text = text }

    /// An element; attribute values are escaped, and children are written in order.
    /// An element without children is written self-closing (`<line … />`) unless `forceClose`.
    static func element(_ name: String, _ attributes: [(String, String)] = [], _ children: [Markup] = [],
                        forceClose: Bool = false) -> Markup {
        var open = "<" + name
        for (key, value) in attributes { open += " \(key)=\"\(escape(value))\"" }
        if children.isEmpty && !forceClose { return Markup(raw: open + " />") }
        return Markup(raw: open + ">" + children.map(\.text).joined() + "</\(name)>")
    }

    /// An element holding only text.
    static func element(_ name: String, _ attributes: [(String, String)] = [], text: String) -> Markup {
        element(name, attributes, [Markup.text(text)], forceClose: true)
    }

    /// Text, escaped.
    static func text(_ text: String) -> Markup { Markup(raw: escape(text)) }

    /// Markup written elsewhere and trusted to be well formed (an SVG inside an HTML page, or CSS
    /// holding neither `<` nor `&`).
    static func trusted(_ markup: String) -> Markup { Markup(raw: markup) }

    /// Children one per line, to keep the written file readable.
    static func lines(_ children: [Markup]) -> Markup {
        Markup(raw: "\n" + children.map(\.text).joined(separator: "\n") + "\n")
    }

    /// The markup as written.
    var string: String { text }

    /// `text` with the five XML special characters replaced by entities (valid in text and in
    /// attribute values alike), and control characters XML 1.0 forbids dropped.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: break
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}

/// A coordinate written with at most one decimal (a tenth of a viewBox unit is below a pixel at
/// any sensible size), without a trailing `.0`.
func coordinate(_ value: Double) -> String {
    let tenths = (value * 10).rounded()
    if tenths == 0 { return "0" }
    let whole = Int(tenths) / 10, fraction = abs(Int(tenths) % 10)
    let sign = tenths < 0 && whole == 0 ? "-" : ""
    return fraction == 0 ? "\(whole)" : "\(sign)\(whole).\(fraction)"
}
