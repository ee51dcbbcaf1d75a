import Testing
@testable import ForecastPlot

/// The report is one well-formed, self-contained page: its text escaped, its charts inline, nothing fetched.
@Suite struct HTMLReportTests {
    private func chart(_ title: String) -> Chart {
        Chart(title: title, xAxis: .steps(label: "step"), yLabel: "y", series: [
            ChartSeries(name: "s", xs: [0, 1, 2], values: [1, 3, 2], color: 0),
        ])
    }

    private func report(title: String = "AirPassengers <LSTM> & co") -> String {
        HTMLReport.page(
            title: title,
            data: [("source", "data/airpassengers.csv"), ("points", "144"), ("split", "train < 0.8")],
            model: [("hidden size", "64"), ("lookback", "24")],
            metrics: .init(header: ["metric", "model", "seasonal naive"], rows: [["MAE", "21.4", "35.1"], ["RMSE", "26.0", "40.2"]]),
            plots: [("The forecast & its interval", chart("forecast").svg()), ("Training", chart("training").svg())])
    }

    @Test func theReportIsWellFormedAndEscapesItsText() throws {
        let html = report()
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        let document = try #require(ParsedXML(html))
        #expect(document.all("title").first?.text == "AirPassengers <LSTM> & co")
        #expect(document.all("h1").first?.text == "AirPassengers <LSTM> & co")
        #expect(document.all("h2").map(\.text) == ["Data", "Model", "Accuracy", "Plots"])
        #expect(document.all("td").map(\.text).contains("train < 0.8"))
        #expect(document.all("figcaption").map(\.text) == ["The forecast & its interval", "Training"])
    }

    @Test func theTablesHoldEveryRow() throws {
        let document = try #require(ParsedXML(report()))
        #expect(document.all("th").map(\.text).starts(with: ["source", "points", "split", "hidden size", "lookback",
                                                             "metric", "model", "seasonal naive", "MAE"]))
        #expect(document.all("td").map(\.text).suffix(4) == ["21.4", "35.1", "26.0", "40.2"])
    }

    @Test func thePlotsAreInlineAndNothingIsFetched() throws {
        let html = report()
        let document = try #require(ParsedXML(html))
        #expect(document.all("svg").count == 2)
        #expect(document.all("figure").count == 2)
        // No element that loads something, and no address but the SVG namespace's name.
        for name in ["script", "link", "img", "iframe", "object", "embed"] {
            #expect(document.all(name).isEmpty, "<\(name)> in the report")
        }
        #expect(document.elements.allSatisfy { $0.attributes["href"] == nil && $0.attributes["src"] == nil })
        let addresses = html.components(separatedBy: "http").count - 1
        let namespaces = html.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1
        #expect(addresses == namespaces)
        #expect(!html.contains("url(") && !html.contains("@import"))
    }

    @Test func emptySectionsAreLeftOutAndAnXMLDeclarationIsDropped() throws {
        let html = HTMLReport.page(title: "t", data: [], model: [], metrics: .init(header: [], rows: []),
                                   plots: [("c", "<?xml version=\"1.0\"?>\n" + chart("x").svg())])
        let document = try #require(ParsedXML(html))
        #expect(document.all("h2").map(\.text) == ["Plots"])
        #expect(!html.contains("<?xml"))
    }
}
