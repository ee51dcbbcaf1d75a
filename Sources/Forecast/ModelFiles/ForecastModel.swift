import Foundation

/// A trained network with everything needed to use it on raw data: its configuration (lookback,
/// horizon, scaling statistics, column names) and its weights.
///
/// On disk a model is a directory holding `config.json` and `model.safetensors`, with tensors
/// named as PyTorch's `state_dict()` of the tutorial's `LSTMModel`, or of `GRUModel`
/// (docs/model-format.md).
public final class ForecastModel {
    /// The file holding the configuration, inside a model directory.
    public static let configurationFileName = "config.json"
    /// The file holding the weights, inside a model directory.
    public static let weightsFileName = "model.safetensors"

    /// Lookback, horizon, scaling, names and architecture.
    public let configuration: ModelConfiguration
    /// The network, with its trained weights.
    public let network: any ForecastNetwork

    /// Pairs a network with its configuration.
    ///
    /// - Throws: ``ModelFileError`` when the configuration is inconsistent or does not describe the network.
    public init(configuration: ModelConfiguration, network: any ForecastNetwork) throws(ModelFileError) {
        let problems = configuration.problems
        if let first = problems.first { throw ModelFileError(file: Self.configurationFileName, problem: first) }
        let architecture = configuration.model
        guard architecture.inputSize == network.inputSize, architecture.hiddenSize == network.hiddenSize,
              architecture.numLayers == network.numLayers, architecture.outputSize == network.outputSize,
              architecture.cell == network.cell, network.futureSize == configuration.decoderColumns.count,
              (configuration.decoder == nil) == !(network is EncoderDecoderModel) else {
            throw ModelFileError(file: Self.configurationFileName, problem: "does not describe the network's sizes")
        }
        self.configuration = configuration
        self.network = network
    }

    /// Loads the model directory at `directory`.
    ///
    /// - Throws: ``ModelFileError`` naming the file and what is wrong: a missing file, invalid
    ///   JSON, a missing key, a truncated or malformed safetensors file, a missing, extra or
    ///   misshapen tensor, or a configuration that disagrees with the tensors.
    public convenience init(contentsOf directory: URL) throws(ModelFileError) {
        let configurationURL = directory.appendingPathComponent(Self.configurationFileName)
        let weightsURL = directory.appendingPathComponent(Self.weightsFileName)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            throw ModelFileError(file: directory.path, problem: "no such model directory")
        }
        guard isDirectory.boolValue else {
            throw ModelFileError(file: directory.path, problem: "is a file; a model is a directory holding \(Self.configurationFileName) and \(Self.weightsFileName)")
        }
        let configuration = try Self.readConfiguration(configurationURL)
        if let problem = configuration.problems.first {
            throw ModelFileError(file: configurationURL.path, problem: problem)
        }
        let tensors = try SafeTensors(contentsOf: weightsURL)
        if let problem = configuration.allocationProblem(fileWeights: tensors.tensors.reduce(0) { $0 + $1.tensor.count }) {
            throw ModelFileError(file: weightsURL.path, problem: problem)
        }
        let architecture = configuration.model
        // `problems` above refuses a type that names no cell.
        let network: any ForecastNetwork
        if let decoder = configuration.decoder {
            network = EncoderDecoderModel(cell: architecture.cell ?? .lstm, inputSize: architecture.inputSize,
                                          futureSize: configuration.decoderColumns.count, hiddenSize: architecture.hiddenSize,
                                          numLayers: architecture.numLayers, horizon: configuration.pointOutputSize,
                                          outputsPerStep: configuration.outputQuantiles.count, contextSize: decoder.contextSize,
                                          decoderHiddenSize: decoder.hiddenSize, dropout: architecture.dropout)
        } else {
            network = makeForecastNetwork(cell: architecture.cell ?? .lstm, inputSize: architecture.inputSize,
                                          hiddenSize: architecture.hiddenSize, numLayers: architecture.numLayers,
                                          outputSize: architecture.outputSize, dropout: architecture.dropout)
        }
        do {
            try network.loadStateDict(tensors.tensors)
        } catch {
            throw ModelFileError(file: weightsURL.path, problem: "\(error) (the architecture in \(Self.configurationFileName): "
                + "input_size \(architecture.inputSize), hidden_size \(architecture.hiddenSize), "
                + "num_layers \(architecture.numLayers), output_size \(architecture.outputSize))")
        }
        network.isTraining = false
        try self.init(configuration: configuration, network: network)
    }

    private static func readConfiguration(_ url: URL) throws(ModelFileError) -> ModelConfiguration {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ModelFileError(file: url.path, problem: FileManager.default.fileExists(atPath: url.path)
                                 ? "cannot be read" : "does not exist")
        }
        do {
            return try JSONDecoder().decode(ModelConfiguration.self, from: data)
        } catch let error as DecodingError {
            throw ModelFileError(file: url.path, problem: describe(error))
        } catch {
            throw ModelFileError(file: url.path, problem: "cannot be decoded (\(error))")
        }
    }

    /// Writes the model directory at `directory`, atomically: both files are written and flushed to
    /// disk in a temporary directory beside it, which then replaces an earlier model there in one
    /// step (``AtomicFile/writeDirectory(_:to:)``), so that a crash, a kill or a full disk leaves the
    /// old model or the new one, complete. A folder holding anything but an earlier model's files is
    /// not replaced.
    public func save(to directory: URL) throws(ModelFileError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json: Data
        do {
            json = try encoder.encode(configuration)
        } catch {
            throw ModelFileError(file: directory.path, problem: "cannot be written (\(error.localizedDescription))")
        }
        let weights = SafeTensors(tensors: network.stateDict(),
                                  metadata: ["format": "pt", "producer": "swift-forecast \(forecastVersion)"])
        try AtomicFile.writeDirectory([(Self.configurationFileName, json + Data("\n".utf8)),
                                       (Self.weightsFileName, weights.encoded())], to: directory)
    }

    /// The network's output for one window of raw values: `outputSize` values of the target, in
    /// the data's own units (`horizon` values for a direct model, one for a recursive one).
    ///
    /// - Parameter window: `lookback` rows, oldest first, each holding the target then the
    ///   features in the order of ``ModelConfiguration/features``, in the data's own units. A model
    ///   of many series scales the window by its own statistics.
    /// - Precondition: the model has no ``ModelConfiguration/decoder``: an encoder–decoder also
    ///   reads what is known of the horizon, which a window does not hold
    ///   (``forecast(_:horizon:levels:future:)`` takes it).
    public func predict(window: [[Float]]) -> [Float] {
        precondition(window.count == configuration.lookback, "predict(window:) needs \(configuration.lookback) rows")
        return predict(windows: [window], scalers: [windowScaler(window)])[0]
    }

    /// The forecast of `steps` points after a window of raw values, in the data's units: the
    /// network's output, continued recursively (each block reading the forecasts before it) when
    /// `steps` exceeds it.
    ///
    /// - Precondition: the model has no features when `steps` exceeds its output size, and no
    ///   ``ModelConfiguration/decoder`` (as ``predict(window:)``).
    public func forecast(window: [[Float]], steps: Int) -> (values: [Float], blocks: Int) {
        precondition(window.count == configuration.lookback, "forecast(window:steps:) needs \(configuration.lookback) rows")
        precondition(configuration.decoder == nil, "an encoder–decoder reads the horizon's known values too: forecast(_:horizon:levels:future:)")
        let columns = (0..<configuration.model.inputSize).map { c in window.map { Double($0[c]) } }
        let series = TimeSeries(source: "window", targetName: configuration.target, featureNames: configuration.inputFeatureNames,
                                columns: columns)
        let (values, blocks) = forecast([series], requests: [ForecastRequest(series: 0, end: window.count)], steps: steps)
        return (values[0].map(Float.init), blocks)
    }

    /// The model's scaler, or for a model of many series the window's own statistics.
    private func windowScaler(_ window: [[Float]]) -> Scaler {
        guard configuration.scalesPerSeries else { return configuration.scaling }
        let columns = (0..<configuration.model.inputSize).map { c in window.map { Double($0[c]) } }
        return Scaler.fit(configuration.scaling.method, columns: columns, count: window.count,
                          season: configuration.windowNormalization.period).scaler.leavingUnscaled(configuration.staticColumns)
    }
}

/// A model file (or directory) that cannot be read or written, with the path and what is wrong.
public typealias ModelFileError = FileError

/// A one-line account of a JSON decoding error: what is wrong and at which key path.
private func describe(_ error: DecodingError) -> String {
    func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
    switch error {
    case let .keyNotFound(key, context):
        let parent = path(context.codingPath)
        return "missing key '\(parent.isEmpty ? key.stringValue : parent + "." + key.stringValue)'"
    case let .typeMismatch(type, context):
        return "'\(path(context.codingPath))' is not a valid \(type)"
    case let .valueNotFound(type, context):
        return "'\(path(context.codingPath))' is null; a \(type) is needed"
    case let .dataCorrupted(context):
        return context.codingPath.isEmpty ? "is not valid JSON" : "'\(path(context.codingPath))' is invalid: \(context.debugDescription)"
    @unknown default:
        return "cannot be decoded"
    }
}
