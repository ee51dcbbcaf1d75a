import Testing
@testable import ForecastPlot

/// Escaping and element writing, and the coordinates written into path data.
@Suite struct MarkupTests {
    @Test func theFiveSpecialCharactersAreEscapedAndForbiddenControlsDropped() {
        #expect(Markup.escape("a < b & c > \"d\" 'e'") == "a &lt; b &amp; c &gt; &quot;d&quot; &#39;e&#39;")
        #expect(Markup.escape("tab\there\u{0}\u{7}") == "tab\there")
        #expect(Markup.escape("café — 東京") == "café — 東京")
    }

    @Test func elementsEscapeAttributesAndText() {
        let element = Markup.element("text", [("x", "1"), ("data-name", "<a>")], text: "R&D")
        #expect(element.string == "<text x=\"1\" data-name=\"&lt;a&gt;\">R&amp;D</text>")
        #expect(Markup.element("line", [("x1", "0")]).string == "<line x1=\"0\" />")
        #expect(Markup.element("g", [], [.element("rect")]).string == "<g><rect /></g>")
    }

    @Test func coordinatesHaveOneDecimalAtMostAndNoNegativeZero() {
        #expect(coordinate(12) == "12")
        #expect(coordinate(12.34) == "12.3")
        #expect(coordinate(12.96) == "13")
        #expect(coordinate(-0.04) == "0")
        #expect(coordinate(-0.5) == "-0.5")
        #expect(coordinate(-12.25) == "-12.3")
    }
}
