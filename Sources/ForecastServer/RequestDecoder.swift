import Forecast
import Foundation

/// The body of `POST /v1/models/{name}/forecast`:
/// `{"series": [{"id": "a", "timestamps": [...], "values": [...], "<feature>": [...]}], "horizon": H, "level": [80, 95]}`.
public struct ForecastRequestBody: Sendable, Equatable {
    /// One series of the request.
    public struct Series: Sendable, Equatable {
        /// Its id (default: its position, `"0"`, `"1"`, …).
        public var id: String?
        /// Dates (strings) or integer steps, one per value; nil when not given.
        public var timestamps: [TimeCell]?
        /// The target's values, oldest first.
        public var values: [Double]
        /// Every other field: a feature's values, by the feature's name.
        public var features: [String: [Double]]
    }

    /// The series to forecast.
    public var series: [Series]
    /// The number of points to forecast (default: the model's horizon).
    public var horizon: Int?
    /// The prediction interval levels asked for, in percent.
    public var level: [Double]?
}

/// The body of `POST /v2/models/{name}/infer` (the Open Inference Protocol): one FP32 input tensor
/// `[B, T]` (or `[B, T, C]` for a model with features), its data flat in row-major order or nested.
public struct InferenceRequestBody: Sendable, Equatable {
    /// One input tensor.
    public struct Tensor: Sendable, Equatable {
        /// The tensor's name.
        public var name: String
        /// Its shape.
        public var shape: [Int]
        /// Its datatype (`FP32`).
        public var datatype: String
        /// Its values, row-major.
        public var data: [Double]
    }

    /// The request's id, echoed in the response.
    public var id: String?
    /// The input tensors.
    public var inputs: [Tensor]
}

/// Turns request bodies into values, or into a 400 saying what is wrong and where (a JSON path such as
/// `series[2].values[5]`). Knows nothing of models: the checks against a model come after.
public enum RequestDecoder {
    /// Decodes a forecast request.
    ///
    /// - Throws: ``ServerError`` (400) naming the field.
    public static func forecastRequest(from bytes: [UInt8]) throws(ServerError) -> ForecastRequestBody {
        try decode(ForecastRequestWire.self, from: bytes).value
    }

    /// Decodes an inference request of the Open Inference Protocol.
    ///
    /// - Throws: ``ServerError`` (400) naming the field.
    public static func inferenceRequest(from bytes: [UInt8]) throws(ServerError) -> InferenceRequestBody {
        try decode(InferenceRequestWire.self, from: bytes).value
    }

    private static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(ServerError) -> T {
        guard bytes.contains(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) else {
            throw .badRequest("the body is empty; send a JSON object")
        }
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as ServerError {
            throw error
        } catch let error as DecodingError {
            throw .badRequest(message(for: error))
        } catch {
            throw .badRequest("the body is not valid JSON")
        }
    }

    /// A sentence for a decoding error: the JSON path, then what was expected there.
    static func message(for error: DecodingError) -> String {
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(describe(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): is null; expected \(describe(type))"
        case .keyNotFound(let key, let context):
            let parent = context.codingPath.isEmpty ? "the body" : path(context.codingPath)
            return "\(parent): the field '\(key.stringValue)' is missing"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                let detail = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
                return "the body is not valid JSON" + (detail.map { ": " + JSONText.printable($0, limit: 160) } ?? "")
            }
            return "\(path(context.codingPath)): \(JSONText.printable(context.debugDescription, limit: 160))"
        @unknown default:
            return "the body could not be read"
        }
    }

    /// `series[2].values[5]`.
    static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + JSONText.printable(key.stringValue)
            }
        }
        return text.isEmpty ? "the body" : text
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Double.Type, is Float.Type: return "a number"
        case is Int.Type, is Int64.Type: return "an integer"
        case is String.Type: return "a string"
        case is TimeCellWire.Type: return "a date (a string) or an integer step"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") || name.hasSuffix("Wire") { return "an object" }
            return "a value of another type"
        }
    }
}

/// A coding key of any name, for objects whose fields are checked one by one.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.stringValue = "\(intValue)"; self.intValue = intValue }
}

private func unknownField(_ key: AnyKey, in decoder: any Decoder, allowed: [String]) -> ServerError {
    let place = RequestDecoder.path(decoder.codingPath + [key])
    return .badRequest("\(place): unknown field; the fields are \(allowed.map { "'\($0)'" }.joined(separator: ", "))")
}

struct ForecastRequestWire: Decodable {
    var value: ForecastRequestBody

    static let fields = ["series", "horizon", "level"]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        for key in container.allKeys where !Self.fields.contains(key.stringValue) {
            throw unknownField(key, in: decoder, allowed: Self.fields)
        }
        let series = try container.decode([SeriesWire].self, forKey: AnyKey(stringValue: "series")).map(\.value)
        let horizon = try container.decodeIfPresent(Int.self, forKey: AnyKey(stringValue: "horizon"))
        let level = try container.decodeIfPresent([Double].self, forKey: AnyKey(stringValue: "level"))
        value = ForecastRequestBody(series: series, horizon: horizon, level: level)
    }
}

struct SeriesWire: Decodable {
    var value: ForecastRequestBody.Series

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        var id: String?, timestamps: [TimeCell]?, values: [Double]?, features: [String: [Double]] = [:]
        for key in container.allKeys {
            switch key.stringValue {
            case "id": id = try container.decode(String.self, forKey: key)
            case "timestamps": timestamps = try container.decode([TimeCellWire].self, forKey: key).map(\.value)
            case "values": values = try container.decode([Double].self, forKey: key)
            default: features[key.stringValue] = try container.decode([Double].self, forKey: key)
            }
        }
        guard let values else {
            throw DecodingError.keyNotFound(AnyKey(stringValue: "values"), .init(codingPath: decoder.codingPath, debugDescription: "no values"))
        }
        value = ForecastRequestBody.Series(id: id, timestamps: timestamps, values: values, features: features)
    }
}

struct TimeCellWire: Decodable {
    var value: TimeCell

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let step = try? container.decode(Int64.self) {
            value = .step(step)
        } else if let text = try? container.decode(String.self) {
            value = .date(text)
        } else {
            throw DecodingError.typeMismatch(TimeCellWire.self, .init(codingPath: decoder.codingPath, debugDescription: "not a time"))
        }
    }
}

struct InferenceRequestWire: Decodable {
    var value: InferenceRequestBody

    static let fields = ["id", "inputs", "outputs", "parameters"]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        for key in container.allKeys where !Self.fields.contains(key.stringValue) {
            throw unknownField(key, in: decoder, allowed: Self.fields)
        }
        let id = try container.decodeIfPresent(String.self, forKey: AnyKey(stringValue: "id"))
        let inputs = try container.decode([TensorWire].self, forKey: AnyKey(stringValue: "inputs")).map(\.value)
        value = InferenceRequestBody(id: id, inputs: inputs)
    }
}

struct TensorWire: Decodable {
    var value: InferenceRequestBody.Tensor

    static let fields = ["name", "shape", "datatype", "data", "parameters"]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        for key in container.allKeys where !Self.fields.contains(key.stringValue) {
            throw unknownField(key, in: decoder, allowed: Self.fields)
        }
        let name = try container.decode(String.self, forKey: AnyKey(stringValue: "name"))
        let shape = try container.decode([Int].self, forKey: AnyKey(stringValue: "shape"))
        let datatype = try container.decode(String.self, forKey: AnyKey(stringValue: "datatype"))
        let key = AnyKey(stringValue: "data")
        // Flat, or nested as deep as a [B, T, C] tensor: never deeper, so decoding stays bounded.
        let data: [Double]
        if let flat = try? container.decode([Double].self, forKey: key) {
            data = flat
        } else if let rows = try? container.decode([[Double]].self, forKey: key) {
            data = rows.flatMap { $0 }
        } else if let blocks = try? container.decode([[[Double]]].self, forKey: key) {
            data = blocks.flatMap { $0.flatMap { $0 } }
        } else {
            throw DecodingError.typeMismatch([Double].self, .init(codingPath: decoder.codingPath + [key], debugDescription: "not numbers"))
        }
        value = InferenceRequestBody.Tensor(name: name, shape: shape, datatype: datatype, data: data)
    }
}
