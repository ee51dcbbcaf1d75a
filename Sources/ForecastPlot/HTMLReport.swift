// One self-contained HTML page for a forecasting run: what the data is, how the model was set up,
// how accurate it was, and the charts, inline. Nothing is fetched when the page is opened: the CSS
// is in the page, the charts are inline SVG, and the fonts are the reader's own.

/// A report of a forecasting run as one HTML page.
public enum HTMLReport {
    /// A table of metrics: a header row, then one row per metric (its name, then its values).
    public struct MetricTable: Sendable, Hashable {
        /// The column titles, e.g. `["metric", "model", "seasonal naive"]`.
        public var header: [String]
        /// The rows, e.g. `["MAE", "12.3", "18.9"]`.
        public var rows: [[String]]

        /// Creates a table.
        public init(header: [String], rows: [[String]]) {
            self.header = header
            self.rows = rows
        }
    }

    /// A self-contained HTML5 page: the title, then sections for the data summary, the model's
    /// settings, the metrics and the plots, each left out when it has nothing to show.
    ///
    /// The page fetches nothing (inline CSS, the reader's own fonts, inline SVG) and is written
    /// as XHTML-compatible markup, so an XML parser reads it too. All text is escaped; the SVG
    /// documents are placed as they are and must be well formed, as ``Chart/svg(width:height:)``
    /// writes them (an XML declaration at their start is removed).
    ///
    /// - Parameters:
    ///   - title: the page's title and heading.
    ///   - data: the data summary, as (name, value) rows: source, points, frequency, split.
    ///   - model: the model's settings, as (name, value) rows.
    ///   - metrics: the accuracy table.
    ///   - plots: the charts, each with a caption, in order.
    public static func page(title: String, data: [(String, String)], model: [(String, String)],
                            metrics: MetricTable, plots: [(caption: String, svg: String)]) -> String {
        let head = Markup.element("head", [], [.lines([
            .element("meta", [("charset", "utf-8")]),
            .element("meta", [("name", "viewport"), ("content", "width=device-width, initial-scale=1")]),
            .element("title", text: title),
            .element("style", [], [.trusted(stylesheet)]),
        ])])
        var sections: [Markup] = [.element("h1", text: title)]
        if !data.isEmpty { sections.append(section("Data", [keyValueTable(data)])) }
        if !model.isEmpty { sections.append(section("Model", [keyValueTable(model)])) }
        if !metrics.rows.isEmpty { sections.append(section("Accuracy", [metricTable(metrics)])) }
        if !plots.isEmpty { sections.append(section("Plots", plots.map(figure))) }
        let body = Markup.element("body", [], [.element("main", [], [.lines(sections)])])
        return "<!DOCTYPE html>\n" + Markup.element("html", [("lang", "en")], [.lines([head, body])]).string + "\n"
    }

    private static func section(_ heading: String, _ content: [Markup]) -> Markup {
        .element("section", [], [.lines([.element("h2", text: heading)] + content)])
    }

    private static func keyValueTable(_ rows: [(String, String)]) -> Markup {
        let lines = rows.map { key, value in
            Markup.element("tr", [], [.element("th", [("scope", "row")], text: key), .element("td", text: value)])
        }
        return .element("table", [("class", "pairs")], [.element("tbody", [], [.lines(lines)])])
    }

    private static func metricTable(_ table: MetricTable) -> Markup {
        let header = Markup.element("tr", [], table.header.map { .element("th", [("scope", "col")], text: $0) })
        let rows = table.rows.map { row in
            Markup.element("tr", [], row.enumerated().map { column, cell in
                column == 0 ? .element("th", [("scope", "row")], text: cell) : .element("td", text: cell)
            })
        }
        return .element("table", [("class", "metrics")], [
            .element("thead", [], [header]),
            .element("tbody", [], [.lines(rows)]),
        ])
    }

    private static func figure(_ plot: (caption: String, svg: String)) -> Markup {
        .element("figure", [], [.lines([.trusted(withoutXMLDeclaration(plot.svg)), .element("figcaption", text: plot.caption)])])
    }

    /// `svg` without a leading `<?xml …?>`, which may not appear inside an HTML document.
    private static func withoutXMLDeclaration(_ svg: String) -> String {
        let trimmed = svg.drop { $0.isWhitespace }
        guard trimmed.hasPrefix("<?xml"), let end = trimmed.range(of: "?>") else { return svg }
        return String(trimmed[end.upperBound...])
    }

    /// The page's CSS: system fonts, a readable measure, plain tables with numbers aligned.
    /// (It holds neither `<` nor `&`, so it is placed in the page as is.)
    static let stylesheet = """

        body { margin: 0; background: #F6F6F6; color: #222222;
               font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; line-height: 1.45; }
        main { max-width: 960px; margin: 0 auto; padding: 24px 20px 48px; background: #FFFFFF; }
        h1 { font-size: 1.6em; margin: 0.2em 0 0.8em; }
        h2 { font-size: 1.2em; margin: 1.6em 0 0.6em; border-bottom: 1px solid #DDDDDD; padding-bottom: 0.2em; }
        table { border-collapse: collapse; font-size: 0.95em; }
        th, td { padding: 4px 14px 4px 0; text-align: left; vertical-align: top; }
        table.pairs th { font-weight: 600; color: #444444; }
        table.metrics td { text-align: right; font-variant-numeric: tabular-nums; }
        table.metrics thead th { border-bottom: 1px solid #BBBBBB; }
        table.metrics thead th + th { text-align: right; }
        figure { margin: 1.2em 0 2em; }
        figure svg { display: block; width: 100%; height: auto; }
        figcaption { color: #555555; font-size: 0.95em; margin-top: 0.4em; }

    """
}
