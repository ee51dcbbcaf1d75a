import Foundation
import Testing
import Forecast

/// Models move between PyTorch and this library: a model exported from PyTorch by
/// scripts/export_pytorch.py loads here and gives PyTorch's outputs, and a model trained here
/// gives, once loaded into PyTorch with `load_state_dict`, the outputs it gives here.
/// Fixtures written by scripts/make_parity_fixtures.py. Tolerance: 1e-6 + 1e-5·|expected|.
@Suite struct PyTorchInteropTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    @Test func modelExportedFromPyTorchLoadsAndForecastsAsPyTorchDoes() throws {
        let model = try ForecastModel(contentsOf: Self.fixtures.appendingPathComponent("pytorch_export"))
        #expect(model.configuration.lookback == 10)
        #expect(model.configuration.horizon == 3)
        #expect(model.configuration.scaling.center == [5])
        #expect(model.configuration.scaling.scale == [2])
        let io = try SafeTensors(contentsOf: Self.fixtures.appendingPathComponent("pytorch_export_io.safetensors"))
        // On scaled windows, the network itself.
        let output = model.network.forward(try #require(io["input"]))
        expectClose(output.scalars, try #require(io["output"]).scalars, "output")
        // On raw values, through the stored scaling.
        let raw = try #require(io["raw_input"]), rawOutput = try #require(io["raw_output"])
        for window in 0..<3 {
            let rows = (0..<10).map { [raw.scalars[window * 10 + $0]] }
            expectClose(model.predict(window: rows), Array(rawOutput.scalars[(window * 3)..<(window * 3 + 3)]), "raw window \(window)")
        }
    }

    @Test func modelTrainedHereGivesInPyTorchWhatItGivesHere() throws {
        // Trained by `forecast train` on data/airpassengers.csv; PyTorch loaded model.safetensors with
        // load_state_dict(strict=True) and wrote its outputs on three random windows.
        let model = try ForecastModel(contentsOf: Self.fixtures.appendingPathComponent("swift_trained"))
        #expect(model.configuration.target == "passengers")
        #expect(model.configuration.frequency == Frequency(unit: .month, step: 1))
        let io = try SafeTensors(contentsOf: Self.fixtures.appendingPathComponent("swift_trained_io.safetensors"))
        let output = model.network.forward(try #require(io["input"]))
        expectClose(output.scalars, try #require(io["output"]).scalars, "output")
    }
}

func expectClose(_ actual: [Float], _ expected: [Float], _ name: String, relative: Float = 1e-5, absolute: Float = 1e-6,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(name): \(actual.count) values vs \(expected.count)", sourceLocation: sourceLocation)
    for (index, (a, e)) in zip(actual, expected).enumerated() where !(abs(a - e) <= absolute + relative * abs(e)) {
        Issue.record("\(name)[\(index)]: \(a) vs \(e)", sourceLocation: sourceLocation)
        return
    }
}
