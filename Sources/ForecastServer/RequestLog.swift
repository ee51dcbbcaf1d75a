import Foundation
import HTTPTypes
import Hummingbird
import Logging

extension HTTPField.Name {
    /// `X-Request-ID`: the client's id for the request (echoed), or one the server made.
    static let requestID = HTTPField.Name("X-Request-ID")!
}

/// Around every request: the request id (the client's, when it sent a usable one, else a new one),
/// echoed in `X-Request-ID`; every error turned into its status and a JSON `{"error": "…"}`; one log
/// line and the metrics of the answer.
struct RequestLog<Context: RequestContext>: RouterMiddleware {
    let logger: Logger
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let id = request.headers[.requestID].flatMap(Self.usableID) ?? Self.newID()
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as ServerError {
            response = Self.response(error)
        } catch let error as HTTPError {
            let message = error.status == .notFound
                ? "no route \(request.method) \(JSONText.printable(request.uri.path, limit: 200)); see docs/serving.md for the routes"
                : (error.body ?? error.status.reasonPhrase)
            response = Self.response(ServerError(error.status, message))
        } catch {
            logger.error("unexpected error", metadata: ["request_id": "\(id)", "error": "\(error)"])
            response = Self.response(ServerError(.internalServerError, "internal error (request \(id)); the server's log has the details"))
        }
        response.headers[.requestID] = id
        let duration = ContinuousClock.now - start
        let route = context.endpointPath ?? "unmatched"
        metrics.request(method: request.method.rawValue, route: route, status: response.status.code, duration: duration)
        logger.info("request", metadata: [
            "request_id": "\(id)",
            "method": "\(request.method.rawValue)",
            "path": "\(JSONText.printable(request.uri.path, limit: 200))",
            "route": "\(route)",
            "status": "\(response.status.code)",
            "duration_ms": "\(String(format: "%.3f", Double(duration.nanoseconds) / 1e6))",
        ])
        return response
    }

    /// An error as its status, `Retry-After` when given, and `{"error": "…"}`.
    static func response(_ error: ServerError) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter = error.retryAfter { headers[.retryAfter] = "\(retryAfter)" }
        return Response(status: error.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: JSONText.error(error.message))))
    }

    /// A client's id when it is 1 to 128 letters, digits, `-`, `_`, `.` or `:`.
    static func usableID(_ text: String) -> String? {
        guard (1...128).contains(text.utf8.count),
              text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E || $0 == 0x3A })
        else { return nil }
        return text
    }

    static func newID() -> String {
        let high = UInt64.random(in: 0...UInt64.max), low = UInt32.random(in: 0...UInt32.max)
        let hex = String(high, radix: 16), tail = String(low, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex + String(repeating: "0", count: 8 - tail.count) + tail
    }
}
