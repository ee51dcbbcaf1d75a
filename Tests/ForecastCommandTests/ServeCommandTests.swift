import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `forecast serve` as a user runs it: bad arguments exit 64, a real server answers `forecast
/// predict`'s numbers, SIGHUP reloads, SIGTERM finishes and exits 0.
@Suite struct ServeCommandTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let model = repository.appendingPathComponent("Tests/ForecastServerTests/Fixtures/passengers")

    @Test func aModelThatDoesNotLoadOrNoModelIsAUsageError() throws {
        let dir = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = try CommandLineTests.run(["serve", "--model", "air=nowhere"], in: dir)
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("error: model 'air':") && missing.stderr.contains("nowhere"))
        let none = try CommandLineTests.run(["serve"], in: dir)
        #expect(none.status == 64 && none.stderr.contains("give at least one --model"))
        let badName = try CommandLineTests.run(["serve", "--model", "a b=\(Self.model.path)"], in: dir)
        #expect(badName.status == 64 && badName.stderr.contains("cannot name a model in a URL"))
    }

    /// Sends `body` to `url` and returns the status and the body.
    static func post(_ url: URL, _ body: String) async throws -> (Int, String) {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    @Test func aServedForecastIsPredictsOutputAndTheServerStopsCleanlyOnSIGTERM() async throws {
        let dir = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = Self.repository.appendingPathComponent("data/airpassengers.csv")
        let predicted = try CommandLineTests.run(["predict", "--model", Self.model.path, "--data", data.path], in: dir)
        #expect(predicted.status == 0)

        let process = Process()
        process.executableURL = CommandLineTests.executable
        process.arguments = ["serve", "--model", "air=\(Self.model.path)", "--port", "0"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // The port, from "listening on http://127.0.0.1:PORT".
        var text = ""
        var port: Int?
        let deadline = Date().addingTimeInterval(60)
        while port == nil && Date() < deadline && process.isRunning {
            let chunk = err.fileHandleForReading.availableData
            text += String(decoding: chunk, as: UTF8.self)
            if let range = text.range(of: "listening on http://127.0.0.1:") {
                port = Int(text[range.upperBound...].prefix { $0.isNumber })
            }
        }
        let base = try #require(port.map { URL(string: "http://127.0.0.1:\($0)")! }, "\(text)")

        let lines = try String(contentsOf: data, encoding: .utf8).split(whereSeparator: \.isNewline).dropFirst().map { $0.split(separator: ",") }
        let body = "{\"series\":[{\"timestamps\":[\(lines.map { "\"\($0[0])\"" }.joined(separator: ","))],\"values\":[\(lines.map { String($0[1]) }.joined(separator: ","))]}]}"
        let (status, answer) = try await Self.post(base.appendingPathComponent("v1/models/air/forecast"), body)
        #expect(status == 200, "\(answer)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any])
        let forecast = try #require((object["forecasts"] as? [[String: Any]])?.first)
        let stamps = try #require(forecast["timestamps"] as? [String]), numbers = try #require(forecast["forecast"] as? [Double])
        #expect("timestamp,forecast\n" + zip(stamps, numbers).map { "\($0),\(Float($1))\n" }.joined() == predicted.stdout)

        // SIGHUP: every model reloaded, still serving.
        kill(process.processIdentifier, SIGHUP)
        var version = ""
        let reloadDeadline = Date().addingTimeInterval(30)
        while !version.contains("\"versions\":[\"2\"]") && Date() < reloadDeadline {
            try await Task.sleep(for: .milliseconds(20))
            version = String(decoding: try await URLSession.shared.data(from: base.appendingPathComponent("v2/models/air")).0, as: UTF8.self)
        }
        #expect(version.contains("\"versions\":[\"2\"]"), "\(version)")
        let (again, _) = try await Self.post(base.appendingPathComponent("v1/models/air/forecast"), body)
        #expect(again == 200)

        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        text += String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("model reloaded") && text.contains("version=2"), "\(text)")
        #expect(text.contains("stopped"))
    }
}
