import Forecast
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServiceLifecycle
import Testing
@testable import ForecastServer

/// Every route, every error a client can cause, batching, the bounded queue, reload and shutdown,
/// through HummingbirdTesting (the router directly, and a live server on a free port).
@Suite struct ForecastServerTests {
    typealias Fixtures = ServerFixtures

    // MARK: The numbers are `forecast predict`'s

    @Test func aForecastEqualsForecastPredictOnTheSameDataToTheBit() async throws {
        // What `forecast predict --model M --data data/airpassengers.csv --horizon 3` computes and writes.
        let forecaster = try Forecaster(contentsOf: Fixtures.passengersModel)
        let model = try #require(forecaster.model)
        var options = SeriesOptions()
        options.preferredTarget = model.configuration.target
        let (panel, _) = try Forecaster.load(path: Fixtures.airPassengersCSV.path, options: options)
        let expected = try forecaster.predict(panel, horizon: 3)
        let csv = ForecastTables.forecastCSV(expected, panel: panel, model: model)

        let (times, values) = try Fixtures.csvCells(Fixtures.airPassengersCSV)
        let server = try Fixtures.server()
        try await server.makeApplication().test(.router) { client in
            try await client.execute(uri: "/v1/models/air/forecast", method: .post,
                                     body: ByteBuffer(string: Fixtures.forecastBody(id: "air", times: times, values: values, horizon: 3))) { response in
                #expect(response.status == .ok)
                let body = Fixtures.object(response)
                let forecasts = try #require(body["forecasts"] as? [[String: Any]])
                let numbers = try #require(forecasts.first?["forecast"] as? [Double])
                #expect(numbers.map { Float($0).bitPattern } == expected.forecasts[0].values.map { Float($0).bitPattern })
                // The response's text is the CSV's: the same timestamps, the same digits.
                let stamps = try #require(forecasts.first?["timestamps"] as? [String])
                let rows = zip(stamps, numbers).map { "\($0),\(Float($1))" }
                #expect("timestamp,forecast\n" + rows.joined(separator: "\n") + "\n" == csv)
                #expect(body["model"] as? String == "air" && body["version"] as? Int == 1 && body["horizon"] as? Int == 3)
            }
        }
        await server.shutdown()
    }

    @Test func aPanelModelForecastsEverySeriesAsPredictDoesAndFeaturesAreRead() async throws {
        // A global model over 3 series with a feature, trained here; its forecasts through the server
        // equal the orchestrator's on the same long table, series by series, to the bit.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("serve-panel-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var lines = ["unique_id,ds,y,price"]
        var bodies: [String] = []
        for s in 0..<3 {
            let n = 40 - 5 * s
            let steps = (1...n).map { $0 + s }
            let y = (0..<n).map { t in String(format: "%.2f", Double(s + 1) * (50 + 10 * sin(Double(t) * .pi / 3)) + 0.1 * Double(t)) }
            let price = (0..<n).map { t in "\(Double((t * 7 + s) % 5) + 1.5)" }
            for t in 0..<n { lines.append("S\(s),\(steps[t]),\(y[t]),\(price[t])") }
            bodies.append("{\"id\":\"S\(s)\",\"timestamps\":[\(steps.map(String.init).joined(separator: ","))],\"values\":[\(y.joined(separator: ","))],\"price\":[\(price.joined(separator: ","))]}")
        }
        let csvURL = directory.appendingPathComponent("panel.csv")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n").write(to: csvURL, atomically: true, encoding: .utf8)
        var seriesOptions = SeriesOptions(target: "y", features: ["price"])
        seriesOptions.preferredID = "unique_id"
        let (panel, _) = try Forecaster.load(path: csvURL.path, options: seriesOptions)
        var options = Forecaster.defaultOptions(for: panel, lookback: 12, horizon: 6, season: 6)
        options.hiddenSize = 6
        options.layers = 1
        options.epochs = 2
        options.seed = 3
        let forecaster = Forecaster(options: options)
        try forecaster.fit(panel)
        let modelURL = directory.appendingPathComponent("model")
        try forecaster.save(to: modelURL)
        let expected = try forecaster.predict(panel, horizon: 4)

        let server = try Fixtures.server([ModelSource(name: "stores", directory: modelURL)])
        let body = "{\"series\":[\(bodies.joined(separator: ","))],\"horizon\":4}"
        let expectedBands = try forecaster.predict(panel, horizon: 4, levels: [80, 95])
        let withLevels = "{\"series\":[\(bodies.joined(separator: ","))],\"horizon\":4,\"level\":[80,95]}"
        let repeatedLevel = "{\"series\":[\(bodies[0])],\"horizon\":4,\"level\":[80,80]}"
        try await server.makeApplication().test(.router) { client in
            try await client.execute(uri: "/v1/models/stores/forecast", method: .post, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let forecasts = try #require(Fixtures.object(response)["forecasts"] as? [[String: Any]])
                #expect(forecasts.count == 3)
                for (s, forecast) in forecasts.enumerated() {
                    #expect(forecast["id"] as? String == "S\(s)")
                    let numbers = try #require(forecast["forecast"] as? [Double])
                    #expect(numbers.map { Float($0).bitPattern } == expected.forecasts[s].values.map { Float($0).bitPattern })
                    // Integer steps continue as integers.
                    let last = 40 - 5 * s + s
                    #expect(forecast["timestamps"] as? [Int] == Array((last + 1)...(last + 4)))
                }
            }
            // Prediction intervals: the bounds `predict(_:horizon:levels:)` gives, to the bit, after the point forecast.
            try await client.execute(uri: "/v1/models/stores/forecast", method: .post, body: ByteBuffer(string: withLevels)) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                #expect(String(buffer: response.body).contains("\"forecast\":[") && String(buffer: response.body).contains("],\"lo-80\":["))
                let forecasts = try #require(Fixtures.object(response)["forecasts"] as? [[String: Any]])
                for (s, forecast) in forecasts.enumerated() {
                    let bands = expectedBands.forecasts[s].intervals
                    #expect(bands.map(\.level) == [80, 95])
                    for band in bands {
                        let name = band.level == 80 ? "80" : "95"
                        let lower = try #require(forecast["lo-\(name)"] as? [Double]), upper = try #require(forecast["hi-\(name)"] as? [Double])
                        #expect(lower.map { Float($0).bitPattern } == band.lower.map { Float($0).bitPattern })
                        #expect(upper.map { Float($0).bitPattern } == band.upper.map { Float($0).bitPattern })
                    }
                }
            }
            try await client.execute(uri: "/v1/models/stores/forecast", method: .post,
                                     body: ByteBuffer(string: repeatedLevel)) { response in
                #expect(response.status == .badRequest)
                #expect(Fixtures.errorMessage(response).hasPrefix("level: "))
            }
            let noPrice = "{\"series\":[{\"values\":[1,2,3,4,5,6,7,8,9,10,11,12]}]}"
            try await client.execute(uri: "/v1/models/stores/forecast", method: .post, body: ByteBuffer(string: noPrice)) { response in
                #expect(response.status == .badRequest)
                #expect(Fixtures.errorMessage(response).contains("series[0]: the feature 'price' is missing"))
            }
        }
        await server.shutdown()
    }

    // MARK: Routes

    @Test func everyRouteAnswersWithItsDocumentedBody() async throws {
        let server = try Fixtures.server()
        try await server.makeApplication().test(.router) { client in
            try await client.execute(uri: "/v2/health/live", method: .get) { response in
                #expect(response.status == .ok && String(buffer: response.body) == "{\"live\":true}")
            }
            try await client.execute(uri: "/v2/health/ready", method: .get) { response in
                #expect(response.status == .ok && String(buffer: response.body) == "{\"ready\":true}")
            }
            try await client.execute(uri: "/v2/models/air/ready", method: .get) { response in
                #expect(response.status == .ok && String(buffer: response.body) == "{\"name\":\"air\",\"ready\":true}")
            }
            try await client.execute(uri: "/v2/models/air", method: .get) { response in
                let body = Fixtures.object(response)
                #expect(body["name"] as? String == "air" && body["versions"] as? [String] == ["1"])
                let inputs = try #require(body["inputs"] as? [[String: Any]])
                #expect(inputs.first?["shape"] as? [Int] == [-1, 12] && inputs.first?["datatype"] as? String == "FP32")
                let outputs = try #require(body["outputs"] as? [[String: Any]])
                #expect(outputs.first?["shape"] as? [Int] == [-1, 3])
            }
            try await client.execute(uri: "/v1/models", method: .get) { response in
                let models = Fixtures.object(response)["models"] as? [[String: Any]]
                #expect(models?.first?["name"] as? String == "air" && models?.first?["lookback"] as? Int == 12)
            }
            try await client.execute(uri: "/v2/repository/index", method: .post) { response in
                #expect(String(buffer: response.body) == "[{\"name\":\"air\",\"version\":\"1\",\"state\":\"READY\"}]")
            }
            // Without timestamps: no timestamps in the answer, the model's horizon by default.
            try await client.execute(uri: "/v1/models/air/forecast", method: .post,
                                     body: ByteBuffer(string: "{\"series\":[{\"values\":[1,2,3,4,5,6,7,8,9,10,11,12,13]}]}")) { response in
                let forecast = (Fixtures.object(response)["forecasts"] as? [[String: Any]])?.first
                #expect(forecast?["id"] as? String == "0" && forecast?["timestamps"] == nil && (forecast?["forecast"] as? [Double])?.count == 3)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                #expect(text.contains("forecast_http_requests_total{method=\"POST\",route=\"/v1/models/{name}/forecast\",status=\"200\"} 1"))
                #expect(text.contains("forecast_models_loaded 1"))
                #expect(text.contains("forecast_series_total{model=\"air\"} 1"))
                #expect(text.contains("forecast_http_request_duration_seconds_bucket"))
                #expect(text.contains("forecast_model_loads_total{model=\"air\",result=\"success\"} 1"))
            }
        }
        await server.shutdown()
    }

    @Test func inferTakesWindowsOfTheLookbackAndGivesTheForecastOfEach() async throws {
        let forecaster = try Forecaster(contentsOf: Fixtures.passengersModel)
        let windows = (0..<3).map { b in (0..<12).map { t in 100 + Double(10 * b + t) } }
        let expected = try windows.map { window in
            try forecaster.predict(Panel(TimeSeries(source: "w", targetName: "passengers", columns: [window]))).forecasts[0].values
        }
        let server = try Fixtures.server()
        try await server.makeApplication().test(.router) { client in
            let data = windows.flatMap { $0 }.map { "\(Int($0))" }.joined(separator: ",")
            let body = "{\"id\":\"r1\",\"inputs\":[{\"name\":\"windows\",\"shape\":[3,12],\"datatype\":\"FP32\",\"data\":[\(data)]}]}"
            try await client.execute(uri: "/v2/models/air/infer", method: .post, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let object = Fixtures.object(response)
                #expect(object["model_name"] as? String == "air" && object["id"] as? String == "r1" && object["model_version"] as? String == "1")
                let output = try #require((object["outputs"] as? [[String: Any]])?.first)
                #expect(output["shape"] as? [Int] == [3, 3] && output["datatype"] as? String == "FP32")
                let numbers = try #require(output["data"] as? [Double])
                #expect(numbers.map { Float($0).bitPattern } == expected.flatMap { $0 }.map { Float($0).bitPattern })
            }
            // Nested rows are the same tensor.
            let nested = "{\"inputs\":[{\"name\":\"windows\",\"shape\":[3,12],\"datatype\":\"FP32\",\"data\":[\(windows.map { "[" + $0.map { "\(Int($0))" }.joined(separator: ",") + "]" }.joined(separator: ","))]}]}"
            try await client.execute(uri: "/v2/models/air/infer", method: .post, body: ByteBuffer(string: nested)) { response in
                let output = (Fixtures.object(response)["outputs"] as? [[String: Any]])?.first
                #expect((output?["data"] as? [Double])?.map { Float($0).bitPattern } == expected.flatMap { $0 }.map { Float($0).bitPattern })
            }
        }
        await server.shutdown()
    }

    // MARK: Bad input: a 4xx naming the place, never a 500

    static let series13 = "[1,2,3,4,5,6,7,8,9,10,11,12,13]"

    /// A request that must be refused: its route, body, status and words the error must contain.
    struct BadRequest: Sendable, CustomTestStringConvertible {
        var route: String, body: String, status: Int, words: String
        init(_ route: String, _ body: String, _ status: Int, _ words: String) {
            (self.route, self.body, self.status, self.words) = (route, body, status, words)
        }
        var testDescription: String { "\(status) \(words)" }
    }

    static let badRequests: [BadRequest] = [
        .init("/v1/models/air/forecast", "{\"series\": [", 400, "not valid JSON"),
        .init("/v1/models/air/forecast", "", 400, "the body is empty"),
        .init("/v1/models/air/forecast", "[1,2]", 400, "expected an object"),
        .init("/v1/models/air/forecast", "{\"series\":[{\"values\":[1,2,\"x\"]}]}", 400, "series[0].values[2]: expected a number"),
        .init("/v1/models/air/forecast", "{\"series\":[{\"values\":[1,null,3]}]}", 400, "series[0].values[1]: is null"),
        .init("/v1/models/air/forecast", "{\"series\":[{\"values\":[1,NaN,3]}]}", 400, "not valid JSON"),
        .init("/v1/models/air/forecast", "{\"series\":[{\"values\":[1,2,3,4,5,6,7,8,9,10,11,1e999]}]}", 400, "not valid JSON"),
        .init("/v1/models/air/forecast", "{\"series\":[]}", 400, "series: is empty"),
        .init("/v1/models/air/forecast", "{\"series\":[{\"values\":[]}]}", 400, "series[0].values: is empty"),
        .init("/v1/models/air/forecast", "{\"series\":[{\"id\":\"a\",\"values\":[1,2,3]}]}", 400, "the model reads the last 12 points; series 'a' has 3"),
        .init("/v1/models/air/forecast", "{\"series\":[{\"values\":\(series13)}],\"horizon\":4}", 400, "horizon: 4 is more than model 'air' forecasts (3)"),
        .init("/v1/models/air/forecast", "{\"series\":[{\"values\":\(series13)}],\"horizon\":0}", 400, "horizon: must be at least 1"),
        .init("/v1/models/air/forecast", "{\"series\":[{\"values\":\(series13)}],\"horizon\":\"3\"}", 400, "horizon: expected an integer"),
        .init("/v1/models/air/forecast", "{\"series\":[{\"values\":\(series13)}],\"level\":[80,95]}", 400, "model 'air' has no prediction intervals"),
        .init("/v1/models/air/forecast", "{\"series\":[{\"values\":\(series13)}],\"level\":[150]}", 400, "level[0]: a level is a percentage"),
        .init("/v1/models/air/forecast", "{\"series\":[{\"values\":\(series13)}],\"horizn\":3}", 400, "horizn: unknown field"),
        .init("/v1/models/air/forecast", "{\"series\":[{\"values\":\(series13),\"price\":[1]}]}", 400, "series[0].price: unknown field; model 'air' has no such feature"),
        .init("/v1/models/air/forecast", "{\"series\":[{\"id\":\"a\"}]}", 400, "series[0]: the field 'values' is missing"),
        .init("/v1/models/air/forecast", "{\"series\":[{\"id\":7,\"values\":\(series13)}]}", 400, "series[0].id: expected a string"),
        .init("/v1/models/air/forecast", "{\"series\":[{\"id\":\"a\",\"values\":\(series13)},{\"id\":\"a\",\"values\":\(series13)}]}", 400, "series[1] ('a').id: is also the id of series[0]"),
        .init("/v1/models/air/forecast", "{\"series\":[{\"timestamps\":[\"2020-01\"],\"values\":\(series13)}]}", 400, "series[0].timestamps: has 1 entries; 'values' has 13"),
        .init("/v1/models/air/forecast", "{\"series\":[{\"timestamps\":[\"2020-01\",\"2020-13\"],\"values\":[1,2]}]}", 400, "series[0].timestamps[1]: is not a date"),
        .init("/v1/models/air/forecast", "{\"series\":[{\"timestamps\":[\"2020-02\",\"2020-01\"],\"values\":[1,2]}]}", 400, "series[0].timestamps[1]: comes before"),
        .init("/v1/models/air/forecast", "{\"series\":[{\"timestamps\":[\"2020-01\",\"2020-02\",\"2020-04\",\"2020-05\"],\"values\":[1,2,3,4]}]}", 400, "series[0].timestamps[2]: leaves 1 monthly point out"),
        .init("/v1/models/air/forecast", "{\"series\":[{\"timestamps\":[true],\"values\":[1]}]}", 400, "series[0].timestamps[0]: expected a date (a string) or an integer step"),
        .init("/v1/models/nope/forecast", "{\"series\":[{\"values\":\(series13)}]}", 404, "no model named 'nope'; this server has 'air'"),
        .init("/v1/models/air/predict", "{}", 404, "no route POST /v1/models/air/predict"),
        .init("/v2/models/nope", "", 404, "no model named 'nope'"),
        .init("/v2/models/air/infer", "{\"inputs\":[{\"name\":\"w\",\"shape\":[1,12],\"datatype\":\"FP64\",\"data\":\(series13)}]}", 400, "inputs[0].datatype: expected FP32"),
        .init("/v2/models/air/infer", "{\"inputs\":[{\"name\":\"w\",\"shape\":[1,12,2],\"datatype\":\"FP32\",\"data\":\(series13)}]}", 400, "inputs[0].shape: [1, 12, 2] is not [B, T]"),
        .init("/v2/models/air/infer", "{\"inputs\":[{\"name\":\"w\",\"shape\":[2,12],\"datatype\":\"FP32\",\"data\":\(series13)}]}", 400, "inputs[0].data: has 13 values; the shape [2, 12] needs 24"),
        .init("/v2/models/air/infer", "{\"inputs\":[{\"name\":\"w\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}", 400, "the model reads the last 12 points"),
        .init("/v2/models/air/infer", "{\"inputs\":[]}", 400, "inputs: expected one tensor"),
        .init("/v2/models/air/infer", "{\"inputs\":[{\"name\":\"w\",\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[[[[1]]]]}]}", 400, "inputs[0].data: expected"),
        .init("/v2/models/air/infer", "{\"inputs\":[{\"name\":\"w\",\"shape\":[0,12],\"datatype\":\"FP32\",\"data\":[]}]}", 400, "has an empty dimension"),
    ]

    @Test(arguments: badRequests)
    func everyBadRequestIsA4xxWithAJSONErrorNamingThePlace(_ bad: BadRequest) async throws {
        let (route, body, status, words) = (bad.route, bad.body, bad.status, bad.words)
        let server = try Fixtures.server()
        try await server.makeApplication().test(.router) { client in
            let method: HTTPRequest.Method = route.hasPrefix("/v2/models/nope") ? .get : .post
            try await client.execute(uri: route, method: method, body: ByteBuffer(string: body)) { response in
                #expect(response.status.code == status, "\(String(buffer: response.body))")
                #expect(response.headers[.contentType] == "application/json")
                #expect(Fixtures.errorMessage(response).contains(words), "\(Fixtures.errorMessage(response))")
            }
        }
        await server.shutdown()
    }

    @Test func limitsOnBodySeriesCountAndLengthNameTheLimit() async throws {
        let limits = RequestLimits(maxBodyBytes: 2048, maxSeries: 2, maxSeriesLength: 20)
        let server = try Fixtures.server(configuration: ServeConfiguration(port: 0, limits: limits))
        try await server.makeApplication().test(.router) { client in
            let big = "{\"series\":[{\"values\":[" + Array(repeating: "1.5", count: 1000).joined(separator: ",") + "]}]}"
            try await client.execute(uri: "/v1/models/air/forecast", method: .post, body: ByteBuffer(string: big)) { response in
                #expect(response.status == .contentTooLarge)
                #expect(Fixtures.errorMessage(response).contains("larger than the limit of 2048 bytes"))
            }
            let three = "{\"series\":[" + Array(repeating: "{\"values\":\(Self.series13)}", count: 3).joined(separator: ",") + "]}"
            try await client.execute(uri: "/v1/models/air/forecast", method: .post, body: ByteBuffer(string: three)) { response in
                #expect(response.status == .badRequest)
                #expect(Fixtures.errorMessage(response).contains("series: 3 series; the limit is 2 per request"))
            }
            let long = "{\"series\":[{\"values\":\(Self.series13)},{\"values\":[" + (1...21).map(String.init).joined(separator: ",") + "]}]}"
            try await client.execute(uri: "/v1/models/air/forecast", method: .post, body: ByteBuffer(string: long)) { response in
                #expect(response.status == .badRequest)
                #expect(Fixtures.errorMessage(response).contains("series[1].values: 21 points; the limit is 20 per series"))
            }
        }
        await server.shutdown()
    }

    // MARK: Concurrency: batching and the bounded queue

    @Test func requestsArrivingTogetherShareANetworkPassAndKeepTheirOwnNumbers() async throws {
        let forecaster = try Forecaster(contentsOf: Fixtures.passengersModel)
        let histories = (0..<6).map { r in (0..<(12 + r)).map { t in Double(100 + 3 * t + 7 * r) } }
        let expected = try histories.map { values in
            try forecaster.predict(Panel(TimeSeries(source: "s", targetName: "passengers", columns: [values]))).forecasts[0].values
        }
        // A 200 ms window: the six requests, sent at once, go through the network together.
        let server = try Fixtures.server(configuration: ServeConfiguration(port: 0, threads: 1, batchWindow: .milliseconds(200)))
        try await server.makeApplication().test(.router) { client in
            try await withThrowingTaskGroup(of: (Int, [Double]).self) { group in
                for (r, values) in histories.enumerated() {
                    group.addTask {
                        let body = "{\"series\":[{\"values\":[\(values.map { "\(Int($0))" }.joined(separator: ","))]}]}"
                        return try await client.execute(uri: "/v1/models/air/forecast", method: .post, body: ByteBuffer(string: body)) { response in
                            (r, ((Fixtures.object(response)["forecasts"] as? [[String: Any]])?.first?["forecast"] as? [Double]) ?? [])
                        }
                    }
                }
                for try await (r, numbers) in group {
                    #expect(numbers.map { Float($0).bitPattern } == expected[r].map { Float($0).bitPattern }, "request \(r)")
                }
            }
        }
        let metrics = server.metrics.text()
        // Fewer passes than requests: at least one pass carried several series.
        let passes = metrics.split(separator: "\n").first { $0.hasPrefix("forecast_batch_series_count") }.flatMap { $0.split(separator: " ").last }.flatMap { Int($0) }
        #expect(passes != nil && passes! < 6, "\(metrics)")
        await server.shutdown()
    }

    @Test func aFullQueueAnswers503WithRetryAfterAndTheQueuedRequestStillSucceeds() async throws {
        // One thread waiting 500 ms for company, a queue of one: the first request waits in the queue,
        // the others find it full.
        let server = try Fixtures.server(configuration: ServeConfiguration(port: 0, threads: 1, queueLimit: 1, batchWindow: .milliseconds(500)))
        try await server.makeApplication().test(.router) { client in
            let statuses = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?, String).self) { group in
                group.addTask {
                    try await client.execute(uri: "/v1/models/air/forecast", method: .post,
                                             body: ByteBuffer(string: "{\"series\":[{\"values\":\(Self.series13)}]}")) { ($0.status, $0.headers[.retryAfter], Fixtures.errorMessage($0)) }
                }
                try await Task.sleep(for: .milliseconds(100))
                for _ in 0..<3 {
                    group.addTask {
                        try await client.execute(uri: "/v1/models/air/forecast", method: .post,
                                                 body: ByteBuffer(string: "{\"series\":[{\"values\":\(Self.series13)}],\"horizon\":2}")) { ($0.status, $0.headers[.retryAfter], Fixtures.errorMessage($0)) }
                    }
                }
                var all: [(HTTPResponse.Status, String?, String)] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(statuses.filter { $0.0 == .ok }.count == 1)
            let refused = statuses.filter { $0.0 == .serviceUnavailable }
            #expect(refused.count == 3)
            #expect(refused.allSatisfy { $0.1 == "1" && $0.2.contains("1 requests are waiting") })
        }
        #expect(server.metrics.text().contains("forecast_queue_rejected_total 3"))
        await server.shutdown()
    }

    // MARK: Reload

    @Test func aReloadServesTheNewModelAndAFailedOneLeavesTheOldServing() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("serve-reload-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(at: Fixtures.passengersModel, to: directory)
        let log = LogCapture()
        let server = try Fixtures.server([ModelSource(name: "air", directory: directory)], log: log)
        let body = ByteBuffer(string: "{\"series\":[{\"values\":\(Self.series13)}]}")
        try await server.makeApplication().test(.router) { client in
            let before = try await client.execute(uri: "/v1/models/air/forecast", method: .post, body: body) { String(buffer: $0.body) }
            try await client.execute(uri: "/v2/repository/models/air/load", method: .post) { response in
                #expect(response.status == .ok && String(buffer: response.body) == "{\"name\":\"air\",\"version\":\"2\",\"loaded\":true}")
            }
            // A broken configuration: the load is refused, version 2 keeps serving the same numbers.
            try "{\"lookback\": ".write(to: directory.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
            try await client.execute(uri: "/v2/repository/models/air/load", method: .post) { response in
                #expect(response.status == .unprocessableContent)
                #expect(Fixtures.errorMessage(response).contains("config.json"))
                #expect(Fixtures.errorMessage(response).contains("version 2 keeps serving"))
            }
            // Weights of the wrong size: refused too.
            try FileManager.default.removeItem(at: directory.appendingPathComponent("config.json"))
            try FileManager.default.copyItem(at: Fixtures.passengersModel.appendingPathComponent("config.json"), to: directory.appendingPathComponent("config.json"))
            try Data(repeating: 0, count: 100).write(to: directory.appendingPathComponent("model.safetensors"))
            try await client.execute(uri: "/v2/repository/models/air/load", method: .post) { response in
                #expect(response.status == .unprocessableContent)
                #expect(Fixtures.errorMessage(response).contains("model.safetensors"))
            }
            try await client.execute(uri: "/v1/models/air/forecast", method: .post, body: body) { response in
                #expect(response.status == .ok)
                let after = String(buffer: response.body)
                #expect(after == before.replacingOccurrences(of: "\"version\":1", with: "\"version\":2"))
            }
            try await client.execute(uri: "/v2/repository/models/nope/load", method: .post) { response in
                #expect(response.status == .notFound)
            }
        }
        let metrics = server.metrics.text()
        #expect(metrics.contains("forecast_model_loads_total{model=\"air\",result=\"failure\"} 2"))
        #expect(metrics.contains("forecast_model_loads_total{model=\"air\",result=\"success\"} 2"))
        #expect(log.all.filter { $0.message.contains("model reload failed") }.count == 2)
        await server.shutdown()
    }

    @Test func aModelThatDoesNotLoadStopsTheServerFromStarting() throws {
        #expect(throws: ModelLoadError.self) {
            try Fixtures.server([ModelSource(name: "air", directory: URL(fileURLWithPath: "/nonexistent/model"))])
        }
    }

    // MARK: Logging, live server and shutdown

    @Test func oneLogLinePerRequestWithTheRequestIDEchoed() async throws {
        let log = LogCapture()
        let server = try Fixtures.server(log: log)
        try await server.makeApplication().test(.live) { client in
            try await client.execute(uri: "/v2/health/live", method: .get, headers: [.requestID: "client-42"]) { response in
                #expect(response.headers[.requestID] == "client-42")
            }
            try await client.execute(uri: "/v1/models/air/forecast", method: .post, body: ByteBuffer(string: "{")) { response in
                #expect(response.status == .badRequest)
                let id = try #require(response.headers[.requestID])
                #expect(id.count == 24)
                let lines = log.all.filter { $0.message == "request" }
                #expect(lines.count == 2)
                #expect(lines.last?.metadata["request_id"]?.description == id)
                #expect(lines.last?.metadata["status"]?.description == "400")
                #expect(lines.last?.metadata["route"]?.description == "/v1/models/{name}/forecast")
                #expect(lines.first?.metadata["request_id"]?.description == "client-42")
            }
            // An unusable id (spaces, too long) is replaced.
            try await client.execute(uri: "/v2/health/live", method: .get, headers: [.requestID: "a b"]) { response in
                #expect(response.headers[.requestID] != "a b")
            }
        }
        await server.shutdown()
    }

    @Test func aGracefulShutdownFinishesTheRequestInFlight() async throws {
        // The pool waits 3 s for company, so the request is in flight when the shutdown starts.
        let server = try Fixtures.server(configuration: ServeConfiguration(port: 0, threads: 1, batchWindow: .seconds(3)))
        let port = PortBox()
        let group = server.makeServiceGroup(shutdownSignals: []) { channel in port.set(channel.localAddress?.port ?? 0) }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while port.value == 0 { try await Task.sleep(for: .milliseconds(10)) }
            let client = TestClient(host: "127.0.0.1", port: port.value)
            client.connect()
            async let answer = client.post("/v1/models/air/forecast", body: ByteBuffer(string: "{\"series\":[{\"values\":\(Self.series13)}]}"))
            // Wait until the request is in the pool's queue (the machine may be slow).
            let deadline = ContinuousClock.now + .seconds(20)
            while server.pool.waiting == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            #expect(server.pool.waiting == 1)
            await group.triggerGracefulShutdown()
            let response = try await answer
            #expect(response.status == .ok)
            #expect(String(buffer: response.body ?? ByteBuffer()).contains("\"forecast\":["))
            #expect(!server.isReady)
            try await tasks.waitForAll()
            try? await client.shutdown()
        }
    }
}

/// The port a live server listens on, once known.
final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var port = 0
    var value: Int { lock.withLock { port } }
    func set(_ value: Int) { lock.withLock { port = value } }
}
