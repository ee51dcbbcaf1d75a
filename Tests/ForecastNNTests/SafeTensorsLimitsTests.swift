import Foundation
import Testing
import ForecastKernels
import ForecastNN

/// A safetensors header may claim anything: sizes that overflow, or a header of gigabytes. Each is
/// refused with a message before anything that size is allocated.
@Suite struct SafeTensorsLimitsTests {
    /// A header and data assembled by hand, as the codec's own tests build them.
    func file(header: String, declaredLength: UInt64? = nil) -> Data {
        SafeTensorsTests().file(header: header, dataBytes: 0, declaredLength: declaredLength)
    }

    func problem(_ data: Data) -> String? {
        do {
            _ = try SafeTensors(data: data, file: "huge.safetensors")
            return nil
        } catch {
            return error.problem
        }
    }

    /// A shape whose byte count overflows Int used to trap (`* 4` on 2^62 elements), or wrap to 0 and
    /// then trap in Tensor's shape check.
    @Test func shapeWhoseSizeOverflowsIsRefused() {
        for shape in ["[4611686018427387904]", "[4294967296,4294967296]", "[4294967296,4294967296,0]"] {
            let header = #"{"w":{"dtype":"F32","shape":\#(shape),"data_offsets":[0,0]}}"#
            let problem = problem(file(header: header))
            #expect(problem != nil, "shape \(shape) accepted")
            #expect(problem?.contains("needs") == true || problem == nil)
        }
        // A zero dimension is an empty tensor, whatever the others.
        let empty = #"{"w":{"dtype":"F32","shape":[0,4294967296],"data_offsets":[0,0]}}"#
        #expect(problem(file(header: empty)) == nil)
    }

    @Test func headerLongerThanTheLimitIsRefusedBeforeReadingIt() {
        let problem = problem(file(header: "{}", declaredLength: 1 << 40))
        #expect(problem == "header length 1099511627776 is more than the 100000000 bytes a header may have")
    }
}
