import Forecast
import Foundation
import HummingbirdTesting
import NIOCore
import Testing
@testable import ForecastServer

/// The request decoder: valid bodies read exactly, every malformed one a 400 naming the place, and
/// random and mutated bodies (a seeded fuzz run) never anything else: no crash, no 500.
@Suite struct RequestDecoderTests {
    static let valid = """
    {"series": [{"id": "a", "timestamps": ["2024-01", "2024-02", "2024-03"], "values": [1.5, 2, -3e2], "price": [1, 2, 3]},
                {"id": "b", "timestamps": [1, 2, 3], "values": [0.1, 0.2, 0.30000000000000004]}],
     "horizon": 2, "level": [80, 95]}
    """

    static let validInference = """
    {"id": "x", "inputs": [{"name": "windows", "shape": [2, 3], "datatype": "FP32", "data": [[1, 2, 3], [4, 5, 6]]}]}
    """

    @Test func aValidBodyIsReadExactly() throws {
        let body = try RequestDecoder.forecastRequest(from: Array(Self.valid.utf8))
        #expect(body.horizon == 2 && body.level == [80, 95])
        #expect(body.series[0] == .init(id: "a", timestamps: [.date("2024-01"), .date("2024-02"), .date("2024-03")],
                                        values: [1.5, 2, -300], features: ["price": [1, 2, 3]]))
        #expect(body.series[1].timestamps == [.step(1), .step(2), .step(3)])
        // Numbers are read as the CSV reader reads them: the nearest Double to the text.
        #expect(body.series[1].values[2] == Double("0.30000000000000004"))
        let inference = try RequestDecoder.inferenceRequest(from: Array(Self.validInference.utf8))
        #expect(inference.id == "x" && inference.inputs[0].shape == [2, 3] && inference.inputs[0].data == [1, 2, 3, 4, 5, 6])
    }

    @Test func errorsNameTheJSONPath() {
        func message(_ text: String) -> String {
            do {
                _ = try RequestDecoder.forecastRequest(from: Array(text.utf8))
                return "(decoded)"
            } catch {
                #expect(error.status == .badRequest)
                return error.message
            }
        }
        #expect(message("{\"series\":[{\"values\":[1]},{\"values\":[1,{}]}]}") == "series[1].values[1]: expected a number")
        #expect(message("{\"series\":{}}") == "series: expected an array")
        #expect(message("{}") == "the body: the field 'series' is missing")
        #expect(message("{\"series\":[],\"extra\":1}").hasPrefix("extra: unknown field; the fields are 'series', 'horizon', 'level'"))
        #expect(message("{\"series\":[{\"values\":[1],\"timestamps\":[1.5]}]}") == "series[0].timestamps[0]: expected a date (a string) or an integer step")
        #expect(message("  \n").hasPrefix("the body is empty"))
        #expect(message("{\"series\":[{\"values\":[1]}]").hasPrefix("the body is not valid JSON"))
    }

    /// A small generator with a fixed seed, so that a failure is replayed by running the test again.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    }

    /// `body` with a few random edits: a byte changed, deleted, duplicated, or a JSON token inserted.
    static func mutate(_ body: [UInt8], edits: Int? = nil, using generator: inout Generator) -> [UInt8] {
        var bytes = body
        let tokens = ["null", "true", "1e999", "-0", "NaN", "\"", "[", "]", "{", "}", ",", ":", "\"values\"", "\"\\u0000\"", "9223372036854775808", "[[[[[[", "\u{FFFF}", "\"timestamps\":[\"x\"]", "\"horizon\":-1", "\"level\":[0]"]
        for _ in 0..<(edits ?? 1 + generator.below(4)) {
            let at = generator.below(bytes.count + 1)
            switch generator.below(4) {
            case 0 where !bytes.isEmpty: bytes[min(at, bytes.count - 1)] = UInt8(truncatingIfNeeded: generator.next())
            case 1 where !bytes.isEmpty: bytes.remove(at: min(at, bytes.count - 1))
            case 2 where !bytes.isEmpty:
                let end = min(bytes.count, at + generator.below(16))
                bytes.insert(contentsOf: bytes[min(at, end)..<end], at: min(at, bytes.count))
            default: bytes.insert(contentsOf: Array(tokens[generator.below(tokens.count)].utf8), at: at)
            }
        }
        return bytes
    }

    @Test func randomAndMutatedBodiesAreDecodedOrRefusedWithA400() {
        var generator = Generator(state: 2026)
        var decoded = 0, refused = 0
        for round in 0..<6000 {
            let bytes: [UInt8]
            switch round % 3 {
            case 0: bytes = (0..<generator.below(64)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            case 1: bytes = Self.mutate(Array(Self.valid.utf8), using: &generator)
            default: bytes = Self.mutate(Array(Self.validInference.utf8), using: &generator)
            }
            for inference in [false, true] {
                do throws(ServerError) {
                    if inference {
                        _ = try RequestDecoder.inferenceRequest(from: bytes)
                    } else {
                        _ = try RequestDecoder.forecastRequest(from: bytes)
                    }
                    decoded += 1
                } catch {
                    refused += 1
                    #expect(error.status == .badRequest && !error.message.isEmpty, "\(bytes)")
                }
            }
        }
        // Both outcomes happen: the mutations keep some bodies valid.
        #expect(decoded > 100 && refused > 1000, "decoded \(decoded), refused \(refused)")
    }

    @Test func mutatedBodiesThroughTheWholeServerNeverGetA5xx() async throws {
        let server = try ServerFixtures.server()
        let (times, values) = try ServerFixtures.csvCells(ServerFixtures.airPassengersCSV)
        let seed = Array(ServerFixtures.forecastBody(id: "air", times: Array(times.suffix(24)), values: Array(values.suffix(24)), horizon: 3).utf8)
        let seedInference = Array("{\"inputs\":[{\"name\":\"w\",\"shape\":[2,12],\"datatype\":\"FP32\",\"data\":[\((1...24).map(String.init).joined(separator: ","))]}]}".utf8)
        try await server.makeApplication().test(.router) { client in
            var generator = Generator(state: 14)
            var statuses: [Int: Int] = [:]
            for round in 0..<400 {
                let inference = round % 2 == 1
                let bytes = Self.mutate(inference ? seedInference : seed, edits: 1 + round % 3 / 2, using: &generator)
                let route = inference ? "/v2/models/air/infer" : "/v1/models/air/forecast"
                try await client.execute(uri: route, method: .post, body: ByteBuffer(bytes: bytes)) { response in
                    statuses[Int(response.status.code), default: 0] += 1
                    #expect(response.status == .ok || response.status == .badRequest, "\(String(decoding: bytes, as: UTF8.self)) → \(String(buffer: response.body))")
                    if response.status == .badRequest { #expect(!ServerFixtures.errorMessage(response).hasPrefix("(no error")) }
                }
            }
            #expect(statuses[200, default: 0] > 10 && statuses[400, default: 0] > 100, "\(statuses)")
        }
        await server.shutdown()
    }
}
