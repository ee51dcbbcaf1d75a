import Forecast
import Foundation
import Logging

/// A model to serve: the name clients use and the directory to read it from.
public struct ModelSource: Sendable, Equatable {
    /// The name in routes (`/v1/models/{name}/forecast`).
    public var name: String
    /// The model directory (config.json, model.safetensors).
    public var directory: URL

    /// Creates a source.
    public init(name: String, directory: URL) {
        self.name = name
        self.directory = directory
    }

    /// Reads `NAME=DIR`, or `DIR` (named after the directory's last component).
    public init(argument: String) {
        if let equals = argument.firstIndex(of: "="), equals != argument.startIndex {
            name = String(argument[..<equals])
            directory = URL(fileURLWithPath: String(argument[argument.index(after: equals)...]))
        } else {
            directory = URL(fileURLWithPath: argument)
            name = directory.standardizedFileURL.lastPathComponent
        }
    }

    /// Whether `name` is usable in a route: letters, digits, `-`, `_` and `.`, 1 to 64 of them.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name != "." && name != ".."
            && name.unicodeScalars.allSatisfy { ($0.isASCII && (CharacterSet.alphanumerics.contains($0))) || "-_.".unicodeScalars.contains($0) }
    }
}

/// A model that could not be loaded: which, from where, and why.
public struct ModelLoadError: Error, Sendable, CustomStringConvertible {
    /// The model's name.
    public var name: String
    /// The reason, naming the file.
    public var reason: String

    /// `model 'air': …/config.json: …`.
    public var description: String { "model '\(name)': \(reason)" }
}

/// The models being served, by name. A reload reads and checks the new model before it replaces the
/// old one; a model that fails to load leaves the old one serving.
public final class ModelStore: @unchecked Sendable {
    private let lock = NSLock()
    /// Held through a whole reload, so that reloads (a route, SIGHUP) run one at a time.
    private let reloading = NSLock()
    private var models: [String: ServedModel] = [:]
    private let sources: [ModelSource]
    private let metrics: ServerMetrics
    private let logger: Logger

    /// Loads every model; throws the first that fails (a server does not start half-configured).
    init(sources: [ModelSource], metrics: ServerMetrics, logger: Logger) throws(ModelLoadError) {
        self.sources = sources
        self.metrics = metrics
        self.logger = logger
        for source in sources {
            do {
                models[source.name] = try ServedModel.load(name: source.name, directory: source.directory, version: 1)
                metrics.modelLoaded(source.name, success: true)
            } catch {
                metrics.modelLoaded(source.name, success: false)
                throw ModelLoadError(name: source.name, reason: error.description)
            }
        }
        metrics.setModelsLoaded(models.count)
    }

    /// The model named `name`, if served.
    public func model(named name: String) -> ServedModel? {
        lock.withLock { models[name] }
    }

    /// The names served, sorted.
    public var names: [String] { sources.map(\.name).sorted() }

    /// Reads the model `name` again from its directory and, if it loads and passes its check,
    /// serves it in place of the old one (requests already queued finish on the old one).
    ///
    /// - Returns: the new model.
    /// - Throws: ``ModelLoadError`` (the old model still serving); logged and counted.
    @discardableResult
    public func reload(_ name: String) throws(ModelLoadError) -> ServedModel {
        reloading.lock()
        defer { reloading.unlock() }
        guard let source = sources.first(where: { $0.name == name }), let current = model(named: name) else {
            throw ModelLoadError(name: name, reason: "is not served")
        }
        do {
            let fresh = try ServedModel.load(name: name, directory: source.directory, version: current.version + 1)
            lock.withLock { models[name] = fresh }
            metrics.modelLoaded(name, success: true)
            logger.info("model reloaded", metadata: ["model": "\(name)", "version": "\(fresh.version)", "directory": "\(source.directory.path)"])
            return fresh
        } catch {
            metrics.modelLoaded(name, success: false)
            logger.error("model reload failed; the previous version keeps serving",
                         metadata: ["model": "\(name)", "version": "\(current.version)", "error": "\(error.description)"])
            throw ModelLoadError(name: name, reason: "\(error.description); version \(current.version) keeps serving")
        }
    }

    /// Reloads every model (as on SIGHUP), each independently of the others.
    func reloadAll() {
        for source in sources { _ = try? reload(source.name) }
    }
}
