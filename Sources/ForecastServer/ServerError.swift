import Hummingbird

/// An answer other than success: a status and a sentence saying what was wrong and where, sent as
/// `{"error": "…"}`. Every problem a client can cause is one of these (a 4xx, or a 503 when the
/// server is busy), never a 500.
public struct ServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// What was wrong, and where (which series, which field).
    public var message: String
    /// Seconds after which a retry may succeed (sent as `Retry-After`), for a 503.
    public var retryAfter: Int?

    /// Creates an error answer.
    public init(_ status: HTTPResponse.Status, _ message: String, retryAfter: Int? = nil) {
        self.status = status
        self.message = message
        self.retryAfter = retryAfter
    }

    /// A 400 Bad Request.
    static func badRequest(_ message: String) -> ServerError { ServerError(.badRequest, message) }
    /// A 404 Not Found naming the model and the models served.
    static func unknownModel(_ name: String, served: [String]) -> ServerError {
        ServerError(.notFound, "no model named '\(JSONText.printable(name))'; this server has \(served.map { "'\($0)'" }.joined(separator: ", "))")
    }

    /// The status code and the message, for logs.
    public var description: String { "\(status.code) \(message)" }
}
