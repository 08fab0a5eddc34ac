/// An HTTP/1.1 response (our 101 or an error), or the head of one received by a client.
public struct HTTPResponse: Sendable {
    /// Status code, e.g. 101.
    public var status: Int
    /// Reason phrase; defaults to the standard one for the status.
    public var reason: String
    /// Header fields (name, value) in order.
    public var headers: [(String, String)]
    /// Body bytes; `text(...)` sets Content-Length to match.
    public var body: [UInt8]

    public init(status: Int, reason: String? = nil, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.reason = reason ?? HTTPResponse.reasonPhrase(for: status)
        self.headers = headers
        self.body = body
    }

    /// The first value of a header (case-insensitive name), or nil.
    public func header(_ name: String) -> String? {
        headers.first { asciiCaseInsensitiveEquals($0.0, name) }?.1
    }

    /// Every value of a header (case-insensitive name), in order.
    public func headerValues(_ name: String) -> [String] {
        headers.filter { asciiCaseInsensitiveEquals($0.0, name) }.map(\.1)
    }

    /// Status line, headers, blank line and body, ready to write.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + headers.count * 32 + body.count)
        out.append(contentsOf: "HTTP/1.1 \(status) \(reason)\r\n".utf8)
        for (name, value) in headers {
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: value.utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        out.append(contentsOf: "\r\n".utf8)
        out.append(contentsOf: body)
        return out
    }

    /// A plain-text response that closes the connection: Content-Type text/plain; charset=utf-8,
    /// Content-Length and Connection: close, then `extraHeaders`.
    public static func text(_ status: Int, _ body: String, extraHeaders: [(String, String)] = []) -> HTTPResponse {
        let bytes = Array(body.utf8)
        var headers: [(String, String)] = [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", String(bytes.count)),
            ("Connection", "close"),
        ]
        headers.append(contentsOf: extraHeaders)
        return HTTPResponse(status: status, headers: headers, body: bytes)
    }

    /// The standard reason phrase for the statuses we use.
    public static func reasonPhrase(for status: Int) -> String {
        switch status {
        case 101: return "Switching Protocols"
        case 200: return "OK"
        case 204: return "No Content"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 426: return "Upgrade Required"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        default: return "Status \(status)"
        }
    }
}
