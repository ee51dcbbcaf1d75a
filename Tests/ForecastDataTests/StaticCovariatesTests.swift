import Foundation
import Testing
@testable import ForecastData

private func loadPanel(_ text: String, _ options: SeriesOptions) throws(DataError) -> Panel {
    try PanelLoader.load(bytes: Array(text.utf8), source: "stores.csv", options: options).panel
}

private func options(statics: [String], features: [String] = [], id: String? = "store") -> SeriesOptions {
    var options = SeriesOptions(target: "sales", features: features, id: id)
    options.staticFeatures = statics
    return options
}

/// Static covariates: read from the long table or from a table of one row per id, encoded once
/// (numbers standardised across series, labels one-hot), and every bad value named with its series.
struct StaticCovariatesTests {
    static let stores = """
        store,ds,sales,type,size
        A,1,10,mall,120
        A,2,11,mall,120
        B,1,30,street,40
        B,2,31,street,40
        C,1,5,mall,80
        C,2,6,mall,80
        """

    @Test func staticColumnsOfTheTableGiveEachSeriesItsValuesAndAreNotTargetCandidates() throws {
        var options = SeriesOptions(id: "store")
        options.staticFeatures = ["type", "size"]
        // Without a target: 'size' is numeric but is a static feature, so 'sales' is the only candidate.
        let panel = try loadPanel(Self.stores, options)
        #expect(panel.targetName == "sales")
        #expect(panel.featureNames.isEmpty)
        #expect(panel.statics == StaticTable(names: ["type", "size"], values: [["mall", "120"], ["street", "40"], ["mall", "80"]]))
        // A subset keeps each series' statics.
        #expect(panel.subset([2, 0]).statics?.values == [["mall", "80"], ["mall", "120"]])
    }

    @Test func aStaticThatVariesWithinASeriesIsAnErrorNamingTheSeriesLineAndColumn() {
        let text = Self.stores.replacingOccurrences(of: "B,2,31,street,40", with: "B,2,31,mall,40")
        let failure = thrownDataError { _ = try loadPanel(text, options(statics: ["type", "size"])) }
        #expect(failure?.description == "stores.csv, line 5, column 4: static feature 'type' of series 'B' is 'mall' here but 'street' on line 4; a static feature is constant within a series")
        let empty = Self.stores.replacingOccurrences(of: "C,1,5,mall,80", with: "C,1,5,,80")
        #expect(thrownDataError { _ = try loadPanel(empty, options(statics: ["type"])) }?.description
                == "stores.csv, line 6, column 4: static feature 'type' of series 'C' is empty")
        #expect(thrownDataError { _ = try loadPanel(Self.stores, options(statics: ["colour"])) }?.message.hasPrefix("no static column 'colour'") == true)
    }

    @Test func aTableOfOneSeriesHasOneRowOfStaticsAndRefusesOneThatVaries() throws {
        let text = "ds,sales,type\n1,10,mall\n2,11,mall\n"
        let panel = try loadPanel(text, options(statics: ["type"], id: nil))
        #expect(panel.statics == StaticTable(names: ["type"], values: [["mall"]]))
        let varying = thrownDataError { _ = try loadPanel("ds,sales,type\n1,10,mall\n2,11,street\n", options(statics: ["type"], id: nil)) }
        #expect(varying?.description == "stores.csv, line 3, column 3: static feature 'type' is 'street' here but 'mall' on line 2; a static feature is constant within a series")
    }

    @Test func aStaticFileGivesOneRowPerIDAndNamesWhatIsMissingOrRepeated() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("statics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func write(_ text: String) throws -> String {
            let path = directory.appendingPathComponent("statics.csv").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let describe = { (s: Int) in "series '\(["A", "B"][s])'" }
        let good = try write("store,type,size\nB,street,40\nA,mall,120\nZ,kiosk,3\n")
        let table = try StaticTable.load(path: good, idName: "store", names: ["size", "type"], ids: ["A", "B"], describe: describe)
        #expect(table == StaticTable(names: ["size", "type"], values: [["120", "mall"], ["40", "street"]]))

        let missing = try write("store,type\nA,mall\n")
        #expect(thrownDataError { _ = try StaticTable.load(path: missing, idName: "store", names: ["type"], ids: ["A", "B"], describe: describe) }?.description
                == "\(missing): series 'B' has no row (id column 'store')")
        let twice = try write("store,type\nA,mall\nB,street\nA,kiosk\n")
        #expect(thrownDataError { _ = try StaticTable.load(path: twice, idName: "store", names: ["type"], ids: ["A", "B"], describe: describe) }?.description
                == "\(twice), line 4, column 1: id 'A' has a second row (the first is on line 2); a static table has one row per series")
    }

    @Test func numbersAreStandardisedAcrossSeriesAndLabelsOneHotInSortedOrder() throws {
        let table = StaticTable(names: ["type", "size"], values: [["mall", "120"], ["street", "40"], ["mall", "80"]])
        let encoding = StaticEncoding.fit(table)
        #expect(encoding.columns[0].kind == .categorical && encoding.columns[0].categories == ["mall", "street"])
        #expect(encoding.columns[1].kind == .numeric)
        // Mean 80, population standard deviation √(1600·2/3) = 32.66.
        let deviation = (3200.0 / 3).squareRoot()
        #expect(encoding.inputNames == ["type=mall", "type=street", "size"])
        let encoded = try encoding.encode(["street", "120"], series: "series 'B'", source: "stores.csv")
        #expect(encoded[0] == 0 && encoded[1] == 1)
        #expect(abs(encoded[2] - 40 / deviation) < 1e-12)
        #expect(encoding.problems.isEmpty)
        // Stored in a model file and read back.
        let decoded = try JSONDecoder().decode(StaticEncoding.self, from: JSONEncoder().encode(encoding))
        #expect(decoded == encoding)
    }

    @Test func anUnknownCategoryOrANonNumberIsAnErrorNamingTheSeries() {
        let encoding = StaticEncoding.fit(StaticTable(names: ["type", "size"], values: [["mall", "120"], ["street", "40"]]))
        #expect(thrownDataError { _ = try encoding.encode(["kiosk", "3"], series: "series 'Q'", source: "new.csv") }?.description
                == "new.csv: static feature 'type' of series 'Q' is 'kiosk', a category the model has not seen (it knows 'mall', 'street')")
        #expect(thrownDataError { _ = try encoding.encode(["mall", "big"], series: "series 'Q'", source: "new.csv") }?.description
                == "new.csv: static feature 'size' of series 'Q' is 'big', not a number (the model read it as numeric)")
    }

    @Test func addingStaticsAppendsConstantColumnsOrSaysHowToGiveThem() throws {
        let panel = try loadPanel(Self.stores, options(statics: ["type", "size"]))
        let encoding = StaticEncoding.fit(try #require(panel.statics))
        let encoded = try panel.addingStatics(encoding)
        #expect(encoded.featureNames == ["type=mall", "type=street", "size"])
        #expect(encoded.series[1].columns[1] == [0, 0] && encoded.series[1].columns[2] == [1, 1])
        var bare = panel
        bare.statics = nil
        #expect(thrownDataError { _ = try bare.addingStatics(encoding) }?.message
                == "the model reads the static features 'type', 'size'; give them as columns (--static-features) or with --static FILE")
    }
}
