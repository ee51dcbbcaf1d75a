import ForecastKernels
import ForecastText
import Foundation

/// A named collection of tensors in the safetensors format, the format of `model.safetensors`.
///
/// The layout (https://github.com/huggingface/safetensors): an 8-byte little-endian unsigned
/// header length N; N bytes of UTF-8 JSON mapping each tensor name to
/// `{"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}` (byte offsets into the data
/// that follows the header), with an optional `"__metadata__"` object of strings; then the raw
/// little-endian data. Only `F32` tensors are read and written here.
public struct SafeTensors: Equatable, Sendable {
    /// The tensors, in the order of their data in the file.
    public var tensors: [(name: String, tensor: Tensor)]
    /// Free-form string metadata (`__metadata__`).
    public var metadata: [String: String]

    /// Creates a collection from named tensors, in the order they are to be written.
    public init(tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor called `name`, if present.
    public subscript(name: String) -> Tensor? {
        tensors.first { $0.name == name }?.tensor
    }

    /// The tensor names, in order.
    public var names: [String] { tensors.map(\.name) }

    public static func == (lhs: SafeTensors, rhs: SafeTensors) -> Bool {
        lhs.metadata == rhs.metadata && lhs.tensors.elementsEqual(rhs.tensors) { $0.name == $1.name && $0.tensor == $1.tensor }
    }

    // MARK: Writing

    /// The file's bytes: header padded with spaces to a multiple of 8 bytes, then the data.
    public func encoded() -> Data {
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for (name, tensor) in tensors {
            let end = offset + tensor.count * MemoryLayout<Float>.size
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        while (8 + header.count) % 8 != 0 { header.append(UInt8(ascii: " ")) }
        var data = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for (_, tensor) in tensors {
            for value in tensor.scalars {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            }
        }
        return data
    }

    // MARK: Reading

    /// The longest JSON header read, as in the reference implementation: 100 MB.
    public static let maximumHeaderBytes = 100_000_000
    /// The largest file read (it is read whole): 4 GiB, a billion Float32 weights.
    public static let maximumFileBytes = 1 << 32

    /// Reads the file at `url`.
    ///
    /// - Throws: ``SafeTensorsError`` naming the file and what is wrong with it.
    public init(contentsOf url: URL) throws(SafeTensorsError) {
        let data: Data
        if let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int, size > Self.maximumFileBytes {
            throw SafeTensorsError(file: url.path, problem: "is \(size) bytes, more than the \(Self.maximumFileBytes >> 30) GiB a model file may have")
        }
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw SafeTensorsError(file: url.path, problem: FileManager.default.fileExists(atPath: url.path)
                                   ? "cannot be read (\(error.localizedDescription))" : "does not exist")
        }
        try self.init(data: data, file: url.path)
    }

    /// Decodes safetensors bytes; `file` names the source in errors.
    public init(data: Data, file: String) throws(SafeTensorsError) {
        func fail(_ problem: String) -> SafeTensorsError { SafeTensorsError(file: file, problem: problem) }
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else {
            throw fail("is truncated: \(bytes.count) bytes, fewer than the 8-byte header length")
        }
        let headerLength = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(Self.maximumHeaderBytes) else {
            throw fail("header length \(headerLength) is more than the \(Self.maximumHeaderBytes) bytes a header may have")
        }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw fail("header length \(headerLength) runs past the end of the file (\(bytes.count) bytes)")
        }
        let dataStart = 8 + Int(headerLength)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart]))
        } catch {
            throw fail("header is not valid JSON")
        }
        guard let header = json as? [String: Any] else { throw fail("header is not a JSON object") }
        var metadata: [String: String] = [:]
        var entries: [(name: String, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let object = value as? [String: Any] else { throw fail("__metadata__ is not an object") }
                for (key, item) in object {
                    guard let text = item as? String else { throw fail("__metadata__ value '\(key)' is not a string") }
                    metadata[key] = text
                }
                continue
            }
            guard let entry = value as? [String: Any] else { throw fail("tensor '\(name)' has no description object") }
            guard let dtype = entry["dtype"] as? String else { throw fail("tensor '\(name)' has no dtype") }
            guard dtype == "F32" else { throw fail("tensor '\(name)' has dtype \(dtype); only F32 is supported") }
            guard let shape = integers(entry["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("tensor '\(name)' has no valid shape")
            }
            guard let offsets = integers(entry["data_offsets"]), offsets.count == 2 else {
                throw fail("tensor '\(name)' has no valid data_offsets")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end, end <= bytes.count - dataStart else {
                throw fail("tensor '\(name)' has data_offsets [\(begin), \(end)] outside the \(bytes.count - dataStart) data bytes (truncated?)")
            }
            // The shape's byte count, refused if it overflows: a header may claim any shape.
            let expected = shape.reduce(Optional(4)) { product, dimension in
                product.flatMap { let (value, overflow) = $0.multipliedReportingOverflow(by: dimension); return overflow ? nil : value }
            }
            guard let expected, end - begin == expected else {
                throw fail("tensor '\(name)' of shape \(shape) needs \(expected.map(String.init) ?? "more than \(Int.max)") bytes but data_offsets give \(end - begin)")
            }
            entries.append((name, shape, begin, end))
        }
        // By start, then end: an empty tensor (a dimension of 0) starts where the next one does.
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var expectedBegin = 0
        for entry in entries {
            guard entry.begin == expectedBegin else {
                throw fail("tensor '\(entry.name)' data starts at byte \(entry.begin), expected \(expectedBegin) (gap or overlap)")
            }
            expectedBegin = entry.end
        }
        guard expectedBegin == bytes.count - dataStart else {
            throw fail("has \(bytes.count - dataStart - expectedBegin) bytes after the last tensor")
        }
        self.metadata = metadata
        self.tensors = entries.map { entry in
            let count = (entry.end - entry.begin) / 4
            var scalars = [Float](repeating: 0, count: count)
            for index in 0..<count {
                let p = dataStart + entry.begin + 4 * index
                let bits = UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8 | UInt32(bytes[p + 2]) << 16 | UInt32(bytes[p + 3]) << 24
                scalars[index] = Float(bitPattern: bits)
            }
            return (entry.name, Tensor(shape: entry.shape, scalars: scalars))
        }
    }
}

/// A file that cannot be read or written, with the file's path and what is wrong with it.
public struct FileError: Error, Equatable, CustomStringConvertible {
    /// The file's path.
    public var file: String
    /// What is wrong, as a phrase that follows the file name.
    public var problem: String

    /// Creates an error about `file`.
    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { printableLine("\(file): \(problem)") }
}

/// A safetensors file that cannot be read.
public typealias SafeTensorsError = FileError

private func integers(_ value: Any?) -> [Int]? {
    guard let array = value as? [Any] else { return nil }
    var result: [Int] = []
    for item in array {
        // JSONSerialization gives NSNumber; reject fractions.
        guard let number = item as? NSNumber, let integer = Int(exactly: number.doubleValue) else { return nil }
        result.append(integer)
    }
    return result
}

/// A JSON string literal for `text`, with the escapes JSON requires.
func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
