import Foundation
import Testing
import Forecast

/// A GRU forecaster through the library: trained by the trainer, saved with `model.type` "gru" and
/// PyTorch's `gru.*` tensor names, loaded again, and loaded from a model PyTorch exported
/// (scripts/export_pytorch.py; fixtures by scripts/make_parity_fixtures.py, section H).
@Suite struct GRUModelFileTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// 80 points of a wave with a trend.
    static func wave() -> TimeSeries {
        let values = (0..<80).map { (t: Int) -> Double in
            let x = Double(t)
            return 10 + 3 * sin(x * 0.5) + 0.05 * x
        }
        return TimeSeries(source: "wave.csv", targetName: "sales", featureNames: [], columns: [values])
    }

    static func options(cell: RecurrentCell) -> TrainingOptions {
        var options = TrainingOptions(lookback: 6, horizon: 2)
        options.cell = cell
        options.hiddenSize = 5
        options.layers = 2
        options.epochs = 4
        options.batchSize = 8
        options.testSize = .count(10)
        options.validationSize = .count(8)
        options.seed = 3
        return options
    }

    @Test func trainerBuildsAGRUThatSavesAndLoadsWithItsTypeAndNames() throws {
        let result = try Trainer.fit(Self.wave(), options: Self.options(cell: .gru))
        let model = result.model
        #expect(model.configuration.model.type == "gru")
        #expect(model.network is GRUModel)
        #expect(model.network.stateDict().map(\.name).first == "gru.weight_ih_l0")
        #expect(model.network.stateDict()[0].tensor.shape == [15, 1])
        #expect(model.configuration.parameterCount == model.network.parameters.reduce(0) { $0 + $1.value.count })

        let root = try ForecastModelTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("model")
        try model.save(to: directory)
        let text = try String(contentsOf: directory.appendingPathComponent("config.json"), encoding: .utf8)
        #expect(text.contains("\"type\" : \"gru\""))
        let loaded = try ForecastModel(contentsOf: directory)
        #expect(loaded.network is GRUModel)
        #expect(loaded.configuration == model.configuration)
        let window: [[Float]] = (0..<6).map { [10 + Float($0)] }
        #expect(loaded.predict(window: window) == model.predict(window: window))

        // The same options with the LSTM give another network, as before.
        let lstm = try Trainer.fit(Self.wave(), options: Self.options(cell: .lstm))
        #expect(lstm.model.network is LSTMModel)
        #expect(lstm.model.configuration.model.type == "lstm")
    }

    @Test func aTypeThatDisagreesWithTheTensorsOrIsUnknownIsNamed() throws {
        let tests = ForecastModelTests()
        let gru = try tests.loadError { try tests.editConfiguration($0) { var m = $0["model"] as! [String: Any]; m["type"] = "gru"; $0["model"] = m } }
        #expect(gru?.file.hasSuffix("model.safetensors") == true)
        #expect(gru?.problem.hasPrefix("missing tensors gru.weight_ih_l0") == true)
        let rnn = try tests.loadError { try tests.editConfiguration($0) { var m = $0["model"] as! [String: Any]; m["type"] = "rnn"; $0["model"] = m } }
        #expect(rnn?.file.hasSuffix("config.json") == true)
        #expect(rnn?.problem == "model.type 'rnn' is not supported (only 'lstm' and 'gru')")
    }

    @Test func gruExportedFromPyTorchLoadsAndForecastsAsPyTorchDoes() throws {
        let model = try ForecastModel(contentsOf: Self.fixtures.appendingPathComponent("pytorch_export_gru"))
        #expect(model.network is GRUModel)
        #expect(model.configuration.lookback == 10)
        let io = try SafeTensors(contentsOf: Self.fixtures.appendingPathComponent("pytorch_export_gru_io.safetensors"))
        expectClose(model.network.forward(try #require(io["input"])).scalars, try #require(io["output"]).scalars, "output")
        let raw = try #require(io["raw_input"]), rawOutput = try #require(io["raw_output"])
        for window in 0..<3 {
            let rows = (0..<10).map { [raw.scalars[window * 10 + $0]] }
            expectClose(model.predict(window: rows), Array(rawOutput.scalars[(window * 3)..<(window * 3 + 3)]), "raw window \(window)")
        }
    }

    @Test func gruTrainedHereGivesInPyTorchWhatItGivesHere() throws {
        // Trained by `forecast train --cell gru` on data/airpassengers.csv; PyTorch's GRUModel loaded
        // model.safetensors with load_state_dict(strict=True) and wrote its outputs on three windows.
        let model = try ForecastModel(contentsOf: Self.fixtures.appendingPathComponent("swift_trained_gru"))
        #expect(model.network is GRUModel)
        let io = try SafeTensors(contentsOf: Self.fixtures.appendingPathComponent("swift_trained_gru_io.safetensors"))
        expectClose(model.network.forward(try #require(io["input"])).scalars, try #require(io["output"]).scalars, "output")
    }
}
