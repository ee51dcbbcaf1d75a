import Foundation
import Testing
import Forecast

/// Model directories: saving, loading, and an error naming the file for each malformed case.
@Suite struct ForecastModelTests {
    static func configuration(hidden: Int = 4, layers: Int = 2, horizon: Int = 3) -> ModelConfiguration {
        ModelConfiguration(
            model: .init(inputSize: 2, hiddenSize: hidden, numLayers: layers, outputSize: horizon, dropout: 0.1),
            lookback: 6, horizon: horizon, target: "load", features: ["temperature"],
            scaling: Scaler(method: .standard, center: [100, 15], scale: [20, 5]),
            frequency: Frequency(unit: .second, step: 3600),
            training: .init(epochs: 10, batchSize: 32, learningRate: 1e-3, loss: "mse", optimizer: "adam", seed: 7))
    }

    static func makeModel(seed: UInt64 = 3) throws -> ForecastModel {
        let configuration = configuration()
        let network = LSTMModel(inputSize: 2, hiddenSize: 4, numLayers: 2, outputSize: 3, dropout: 0.1, seed: seed)
        network.isTraining = false
        return try ForecastModel(configuration: configuration, network: network)
    }

    /// A fresh directory under the system's temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("forecast-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Saves a valid model, lets `damage` change its files, and returns the load error.
    func loadError(damage: (URL) throws -> Void) throws -> ModelFileError? {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("model")
        try Self.makeModel().save(to: directory)
        try damage(directory)
        do {
            _ = try ForecastModel(contentsOf: directory)
            return nil
        } catch {
            return error
        }
    }

    func editConfiguration(_ directory: URL, _ edit: (inout [String: Any]) -> Void) throws {
        let url = directory.appendingPathComponent("config.json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
    }

    func editTensors(_ directory: URL, _ edit: (inout SafeTensors) -> Void) throws {
        let url = directory.appendingPathComponent("model.safetensors")
        var tensors = try SafeTensors(contentsOf: url)
        edit(&tensors)
        try tensors.encoded().write(to: url)
    }

    @Test func savedModelLoadsWithTheSameConfigurationWeightsAndForecasts() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let model = try Self.makeModel()
        let directory = root.appendingPathComponent("model")
        try model.save(to: directory)
        let loaded = try ForecastModel(contentsOf: directory)
        #expect(loaded.configuration == model.configuration)
        #expect(loaded.network.stateDict().map(\.tensor) == model.network.stateDict().map(\.tensor))
        #expect(loaded.network.stateDict().map(\.name) == model.network.stateDict().map(\.name))
        let window: [[Float]] = (0..<6).map { [100 + Float($0), 14 + Float($0) / 2] }
        let forecast = loaded.predict(window: window)
        #expect(forecast.count == 3)
        #expect(forecast == model.predict(window: window))
    }

    @Test func configurationFileIsSnakeCaseWithNullsForUnknowns() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        var configuration = Self.configuration()
        configuration.frequency = nil
        configuration.training = nil
        let network = LSTMModel(inputSize: 2, hiddenSize: 4, numLayers: 2, outputSize: 3)
        try ForecastModel(configuration: configuration, network: network).save(to: root.appendingPathComponent("m"))
        let text = try String(contentsOf: root.appendingPathComponent("m/config.json"), encoding: .utf8)
        for key in ["\"format_version\" : 2", "\"hidden_size\" : 4", "\"strategy\" : \"direct\"", "\"window_normalization\" : {", "\"num_layers\" : 2", "\"input_size\" : 2",
                    "\"output_size\" : 3", "\"frequency\" : null", "\"training\" : null", "\"method\" : \"standard\""] {
            #expect(text.contains(key), "config.json lacks \(key)")
        }
    }

    @Test func savingReplacesAnEarlierModelAndLeavesNoTemporaryFiles() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("model")
        try Self.makeModel(seed: 1).save(to: directory)
        let second = try Self.makeModel(seed: 2)
        try second.save(to: directory)
        let loaded = try ForecastModel(contentsOf: directory)
        #expect(loaded.network.stateDict().map(\.tensor) == second.network.stateDict().map(\.tensor))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["model"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["config.json", "model.safetensors"])
    }

    @Test func savingOverAFileFailsAndLeavesTheFile() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let path = root.appendingPathComponent("taken")
        try Data("keep".utf8).write(to: path)
        #expect(throws: ModelFileError.self) { try Self.makeModel().save(to: path) }
        #expect(try String(contentsOf: path, encoding: .utf8) == "keep")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["taken"])
    }

    @Test func missingDirectoryAndFilesAreNamed() throws {
        let nowhere = URL(fileURLWithPath: "/nonexistent/model")
        #expect(throws: ModelFileError(file: nowhere.path, problem: "no such model directory")) {
            try ForecastModel(contentsOf: nowhere)
        }
        let noConfig = try loadError { try FileManager.default.removeItem(at: $0.appendingPathComponent("config.json")) }
        #expect(noConfig?.file.hasSuffix("model/config.json") == true)
        #expect(noConfig?.problem == "does not exist")
        let noWeights = try loadError { try FileManager.default.removeItem(at: $0.appendingPathComponent("model.safetensors")) }
        #expect(noWeights?.file.hasSuffix("model/model.safetensors") == true)
        #expect(noWeights?.problem == "does not exist")
    }

    @Test func invalidJSONAndMissingKeysAreNamed() throws {
        let invalid = try loadError { try Data("{\"lookback\": 6,".utf8).write(to: $0.appendingPathComponent("config.json")) }
        #expect(invalid?.file.hasSuffix("config.json") == true)
        #expect(invalid?.problem == "is not valid JSON")
        let missing = try loadError { try editConfiguration($0) { var m = $0["model"] as! [String: Any]; m["hidden_size"] = nil; $0["model"] = m } }
        #expect(missing?.problem == "missing key 'model.hidden_size'")
        let wrongType = try loadError { try editConfiguration($0) { $0["lookback"] = "six" } }
        #expect(wrongType?.problem.contains("'lookback'") == true)
    }

    @Test func inconsistentConfigurationIsNamed() throws {
        let version = try loadError { try editConfiguration($0) { $0["format_version"] = 99 } }
        #expect(version?.problem == "format_version 99 is not supported (this version reads 1 to 5)")
        let features = try loadError { try editConfiguration($0) { $0["features"] = [String]() } }
        #expect(features?.problem == "model.input_size 2 does not match 1 target + 0 features")
        let scale = try loadError { try editConfiguration($0) { $0["scaling"] = ["method": "standard", "center": [0, 0], "scale": [1, 0]] } }
        #expect(scale?.problem == "scaling.scale must be positive and finite")
    }

    @Test func malformedWeightsAreNamed() throws {
        let truncated = try loadError { url in
            let file = url.appendingPathComponent("model.safetensors")
            try Data(try Data(contentsOf: file).prefix(100)).write(to: file)
        }
        #expect(truncated?.file.hasSuffix("model.safetensors") == true)
        #expect(truncated?.problem.contains("past the end") == true || truncated?.problem.contains("outside") == true)
        let pastEnd = try loadError { url in
            let file = url.appendingPathComponent("model.safetensors")
            var data = try Data(contentsOf: file)
            data.replaceSubrange(0..<8, with: [0xFF, 0xFF, 0, 0, 0, 0, 0, 0])
            try data.write(to: file)
        }
        #expect(pastEnd?.problem.contains("header length 65535 runs past the end") == true)
        let dtype = try loadError { url in
            let file = url.appendingPathComponent("model.safetensors")
            var data = try Data(contentsOf: file)
            let range = try #require(data.range(of: Data("\"F32\"".utf8)))
            data.replaceSubrange(range, with: Data("\"F16\"".utf8))
            try data.write(to: file)
        }
        #expect(dtype?.problem.contains("has dtype F16; only F32 is supported") == true)
    }

    @Test func missingExtraAndMisshapenTensorsAreNamed() throws {
        let missing = try loadError { try editTensors($0) { $0.tensors.removeAll { $0.name == "fc.bias" } } }
        #expect(missing?.file.hasSuffix("model.safetensors") == true)
        #expect(missing?.problem.hasPrefix("missing tensor fc.bias") == true)
        let extra = try loadError { try editTensors($0) { $0.tensors.append(("lstm.weight_ih_l2", Tensor(shape: [16, 4]))) } }
        #expect(extra?.problem.hasPrefix("unexpected tensor lstm.weight_ih_l2") == true)
        let shape = try loadError { try editTensors($0) { $0.tensors[0].tensor = Tensor(shape: [16, 3]) } }
        #expect(shape?.problem.hasPrefix("tensor lstm.weight_ih_l0 has shape [16, 3], the model needs [16, 2]") == true)
    }

    @Test func configurationThatDisagreesWithTheTensorsIsNamed() throws {
        let hidden = try loadError { try editConfiguration($0) { var m = $0["model"] as! [String: Any]; m["hidden_size"] = 8; $0["model"] = m } }
        #expect(hidden?.file.hasSuffix("model.safetensors") == true)
        #expect(hidden?.problem.contains("the model needs [32, 2]") == true)
        #expect(hidden?.problem.contains("hidden_size 8") == true)
        let layers = try loadError { try editConfiguration($0) { var m = $0["model"] as! [String: Any]; m["num_layers"] = 1; $0["model"] = m } }
        #expect(layers?.problem.hasPrefix("unexpected tensors lstm.weight_ih_l1") == true)
    }
}
