/// Limits on an HTTP/1.1 request or response head. Exceeding any of them gives 431.
public struct HTTPLimits: Sendable, Equatable {
    /// Longest request line (or status line), in bytes without the line ending (default 8 KiB).
    public var maxRequestLineLength: Int
    /// Most header fields (default 64).
    public var maxHeaderCount: Int
    /// Most bytes in the header block after the first line, line endings included (default 16 KiB).
    public var maxHeaderBytes: Int

    public init(maxRequestLineLength: Int = 8 * 1024, maxHeaderCount: Int = 64, maxHeaderBytes: Int = 16 * 1024) {
        self.maxRequestLineLength = maxRequestLineLength
        self.maxHeaderCount = maxHeaderCount
        self.maxHeaderBytes = maxHeaderBytes
    }
}

/// An HTTP-level refusal: the status to answer with and a short explanation for the body.
/// 400 malformed, 403 origin refused, 404 unknown path, 405 wrong method, 426 not a WebSocket
/// upgrade or unsupported Sec-WebSocket-Version, 431 head too large. On the client side the
/// status is the server's (or 0 when the server's response itself was malformed).
public struct HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
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

/// A parsed HTTP/1.1 request head.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The request target exactly as sent.
    public var target: String
    /// The path part of the target (no query), still percent-encoded so that an encoded "/"
    /// cannot fake a path segment. For an absolute-form target the scheme and authority are dropped.
    public var path: String
    /// Query parameters, percent-decoded ("+" means space). When a name repeats, the first wins.
    public var query: [String: String]
    /// "HTTP/1.1" etc.
    public var version: String
    /// Header fields in arrival order, names as sent, values with surrounding whitespace trimmed.
    public var headers: [(name: String, value: String)]

    public init(method: String, target: String, path: String, query: [String: String], version: String, headers: [(name: String, value: String)]) {
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
    }

    /// The first value of a header (case-insensitive name), or nil.
    public func header(_ name: String) -> String? {
        headers.first { asciiCaseInsensitiveEquals($0.name, name) }?.value
    }

    /// Every value of a header (case-insensitive name), in order.
    public func headerValues(_ name: String) -> [String] {
        headers.filter { asciiCaseInsensitiveEquals($0.name, name) }.map(\.value)
    }
}

/// An HTTP/1.1 response (our 101 or an error), or the head of one received by a client.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var reason: String
    public var headers: [(String, String)]
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
        case 426: return "Upgrade Required"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        default: return "Status \(status)"
        }
    }
}

/// ASCII case-insensitive comparison (header names and tokens are ASCII).
@usableFromInline
func asciiCaseInsensitiveEquals(_ a: String, _ b: String) -> Bool {
    var ia = a.utf8.makeIterator()
    var ib = b.utf8.makeIterator()
    while true {
        switch (ia.next(), ib.next()) {
        case (nil, nil): return true
        case let (x?, y?):
            if asciiLower(x) != asciiLower(y) { return false }
        default: return false
        }
    }
}

@inline(__always)
func asciiLower(_ c: UInt8) -> UInt8 {
    (c >= 0x41 && c <= 0x5A) ? c | 0x20 : c
}

/// Splits comma-separated header values (across repeated headers) into trimmed, non-empty items.
func commaSeparatedTokens(_ values: [String]) -> [String] {
    values.flatMap { $0.split(separator: ",") }
        .map { trimOWS(Substring($0)) }
        .filter { !$0.isEmpty }
}

/// Trims spaces and tabs (HTTP "optional whitespace").
func trimOWS(_ s: Substring) -> String {
    var utf8 = s.utf8[...]
    while let f = utf8.first, f == 0x20 || f == 0x09 { utf8 = utf8.dropFirst() }
    while let l = utf8.last, l == 0x20 || l == 0x09 { utf8 = utf8.dropLast() }
    return String(Substring(utf8))
}

/// RFC 9110 token characters.
func isTokenByte(_ c: UInt8) -> Bool {
    switch c {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        return true
    case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
         UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
         UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
        return true
    default:
        return false
    }
}

func isToken(_ s: some StringProtocol) -> Bool {
    !s.isEmpty && s.utf8.allSatisfy(isTokenByte)
}
