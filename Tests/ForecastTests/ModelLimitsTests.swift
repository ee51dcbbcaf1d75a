import Foundation
import Testing
@testable import Forecast

/// A config.json claiming a huge network is refused before the network is allocated.
@Suite struct ModelLimitsTests {
    @Test func parameterCountIsPyTorchs() throws {
        // LSTMModel(2, 4, 2 layers, 3 outputs): l0 16·2 + 16·4 + 32, l1 16·4 + 16·4 + 32, fc 3·4 + 3.
        let model = try ForecastModelTests.makeModel()
        #expect(model.configuration.parameterCount == 128 + 160 + 15)
        #expect(model.configuration.parameterCount == model.network.stateDict().reduce(0) { $0 + $1.tensor.count })
    }

    @Test func hugeHiddenSizeIsRefusedBeforeAllocation() throws {
        let tests = ForecastModelTests()
        for hidden in [1 << 20, 1 << 40, Int.max / 2] {
            let error = try tests.loadError { directory in
                try tests.editConfiguration(directory) { object in
                    var model = object["model"] as! [String: Any]
                    model["hidden_size"] = hidden
                    object["model"] = model
                }
            }
            #expect(error?.file.hasSuffix("model.safetensors") == true)
            #expect(error?.problem.contains("not loaded") == true || error?.problem.contains("too large to count") == true,
                    "hidden_size \(hidden): \(String(describing: error))")
        }
    }
}
