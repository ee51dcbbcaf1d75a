import Foundation
import Testing
import ForecastKernels
import ForecastNN

/// The safetensors codec: round trip, layout, and one error for each way a file can be malformed.
@Suite struct SafeTensorsTests {
    let sample = SafeTensors(
        tensors: [("a.weight", Tensor(shape: [2, 3], scalars: [1, -2, 3.5, 0, .pi, -1e-7])),
                  ("a.bias", Tensor(shape: [3], scalars: [0.25, 0.5, 0.75])),
                  ("scalar", Tensor(shape: [], scalars: [42]))],
        metadata: ["format": "pt", "note": "quote \" and slash \\"])

    @Test func roundTripKeepsNamesOrderShapesValuesAndMetadata() throws {
        let decoded = try SafeTensors(data: sample.encoded(), file: "sample.safetensors")
        #expect(decoded == sample)
        #expect(decoded.names == ["a.weight", "a.bias", "scalar"])
    }

    @Test func emptyTensorsAmongOthersRoundTrip() throws {
        // A dimension of 0 (an encoder–decoder's future of no columns): its offsets are [b, b],
        // where the next tensor begins, whichever order the writer put them in.
        let tensors = SafeTensors(tensors: [("before", Tensor(shape: [2], scalars: [1, 2])),
                                            ("empty", Tensor(shape: [4, 0], scalars: [])),
                                            ("after", Tensor(shape: [1], scalars: [3]))])
        let decoded = try SafeTensors(data: tensors.encoded(), file: "empty.safetensors")
        #expect(decoded == tensors)
        let header = #"{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        #expect(problem(file(header: header, dataBytes: 8)) == nil)
    }

    @Test func layoutIsLittleEndianLengthPaddedHeaderThenData() throws {
        let bytes = [UInt8](sample.encoded())
        let length = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect((8 + length) % 8 == 0)
        let header = try #require(String(bytes: bytes[8..<(8 + length)], encoding: .utf8))
        #expect(header.hasPrefix("{"))
        #expect(header.contains(#""a.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}"#))
        #expect(bytes.count == 8 + length + 4 * (6 + 3 + 1))
        // The first float, 1.0, little-endian.
        #expect(Array(bytes[(8 + length)..<(8 + length + 4)]) == [0x00, 0x00, 0x80, 0x3F])
    }

    /// A header and data assembled by hand, to build malformed files.
    func file(header: String, dataBytes: Int, declaredLength: UInt64? = nil) -> Data {
        var data = Data()
        withUnsafeBytes(of: (declaredLength ?? UInt64(header.utf8.count)).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8))
        data.append(contentsOf: [UInt8](repeating: 0, count: dataBytes))
        return data
    }

    func problem(_ data: Data) -> String? {
        do {
            _ = try SafeTensors(data: data, file: "bad.safetensors")
            return nil
        } catch {
            #expect(error.file == "bad.safetensors")
            #expect(error.description.hasPrefix("bad.safetensors: "))
            return error.problem
        }
    }

    @Test func fewerThanEightBytesIsTruncated() {
        #expect(problem(Data([1, 2, 3]))?.contains("truncated") == true)
    }

    @Test func headerLengthPastTheEndIsReported() {
        let data = file(header: "{}", dataBytes: 0, declaredLength: 1000)
        #expect(problem(data)?.contains("header length 1000 runs past the end") == true)
    }

    @Test func truncatedDataIsReported() {
        var data = sample.encoded()
        data.removeLast(5)
        #expect(problem(data)?.contains("outside") == true)
    }

    @Test func invalidJSONIsReported() {
        #expect(problem(file(header: "{\"a\": [1, 2", dataBytes: 0)) == "header is not valid JSON")
        #expect(problem(file(header: "[1, 2]", dataBytes: 0)) == "header is not a JSON object")
    }

    @Test func wrongDtypeIsReported() {
        let header = #"{"w":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}"#
        #expect(problem(file(header: header, dataBytes: 16)) == "tensor 'w' has dtype F64; only F32 is supported")
    }

    @Test func shapeThatDisagreesWithOffsetsIsReported() {
        let header = #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#
        #expect(problem(file(header: header, dataBytes: 8)) == "tensor 'w' of shape [3] needs 12 bytes but data_offsets give 8")
    }

    @Test func missingFieldsAreReported() {
        #expect(problem(file(header: #"{"w":{"shape":[1],"data_offsets":[0,4]}}"#, dataBytes: 4)) == "tensor 'w' has no dtype")
        #expect(problem(file(header: #"{"w":{"dtype":"F32","data_offsets":[0,4]}}"#, dataBytes: 4)) == "tensor 'w' has no valid shape")
        #expect(problem(file(header: #"{"w":{"dtype":"F32","shape":[1]}}"#, dataBytes: 4)) == "tensor 'w' has no valid data_offsets")
    }

    @Test func gapsOverlapsAndTrailingBytesAreReported() {
        let overlap = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        #expect(problem(file(header: overlap, dataBytes: 8))?.contains("gap or overlap") == true)
        let trailing = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        #expect(problem(file(header: trailing, dataBytes: 12)) == "has 8 bytes after the last tensor")
    }

    @Test func missingFileIsReported() {
        let url = URL(fileURLWithPath: "/nonexistent/model.safetensors")
        #expect(throws: SafeTensorsError(file: url.path, problem: "does not exist")) {
            try SafeTensors(contentsOf: url)
        }
    }
}
