// Reading back the markup the library writes, with Foundation's XML parser: if it parses, the
// document is well formed; what it holds is then checked element by element.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The elements of an XML document, in document order, with their attributes and text.
struct ParsedXML {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text: String
    }

    var elements: [Element]

    /// Parses `markup`; nil, with the parser's error recorded, when it is not well-formed XML.
    init?(_ markup: String) {
        let parser = XMLParser(data: Data(markup.utf8))
        let collector = Collector()
        parser.delegate = collector
        guard parser.parse() else { return nil }
        elements = collector.elements
    }

    func all(_ name: String) -> [Element] { elements.filter { $0.name == name } }

    /// The `<path>` drawing series `index` of a chart.
    func seriesPaths(_ index: Int) -> [Element] {
        all("path").filter { $0.attributes["data-series"] == "\(index)" }
    }

    /// The texts of every `<text>` element.
    var texts: [String] { all("text").map(\.text) }

    private final class Collector: NSObject, XMLParserDelegate {
        var elements: [Element] = []
        private var open: [Int] = []

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            open.append(elements.count)
            elements.append(Element(name: name, attributes: attributes, text: ""))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let index = open.last { elements[index].text += string }
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            open.removeLast()
        }
    }
}

/// The commands of SVG path data: each command letter with the numbers after it.
func pathCommands(_ data: String) -> [(command: Character, numbers: [Double])] {
    var commands: [(command: Character, numbers: [Double])] = []
    var number = ""
    func flush() {
        if !number.isEmpty, !commands.isEmpty { commands[commands.count - 1].numbers.append(Double(number)!) }
        number = ""
    }
    for character in data {
        if character.isLetter && character != "e" {
            flush()
            commands.append((character, []))
        } else if character == " " || character == "," {
            flush()
        } else {
            number.append(character)
        }
    }
    flush()
    return commands
}
