/// An HTTP-level refusal: the status to answer with and a short explanation for the body.
/// 400 malformed, 403 origin refused, 404 unknown path, 405 wrong method, 426 not a WebSocket
/// upgrade or unsupported Sec-WebSocket-Version, 414 request line too long, 431 headers too large. On the client side the
/// status is the server's (or 0 when the server's response itself was malformed).
public struct HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status to answer with (0 on the client side for a malformed response).
    public var status: Int
    /// A short explanation, sent as the plain-text body.
    public var message: String

    public init(status: Int, message: String) {
        self.status = status
        self.message = message
    }

    /// The response to send for this error, with the headers the status calls for
    /// (`Sec-WebSocket-Version: 13` and `Upgrade: websocket` for 426, `Allow: GET` for 405).
    public var response: HTTPResponse {
        var extra: [(String, String)] = []
        switch status {
        case 426: extra = [("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13")]
        case 405: extra = [("Allow", "GET")]
        default: break
        }
        return .text(status, message + "\n", extraHeaders: extra)
    }

    public var description: String { "HTTP \(status): \(message)" }
}
