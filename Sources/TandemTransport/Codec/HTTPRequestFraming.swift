/// The checks on a request head's framing and Host that must hold before anything reads the
/// request (RFC 9112 §3.2 and §6.3).
///
/// Tandem takes no request bodies: the parser stops at the blank line, and whatever follows is
/// taken as WebSocket frames (an upgrade) or discarded (a plain answer closes the connection). A
/// request that announces a body is therefore refused rather than half read, and so are the heads
/// a proxy in front could frame differently from us (duplicate or conflicting Content-Length,
/// Transfer-Encoding, several Host fields): one of them would otherwise see a second request
/// where the other sees a body.
enum HTTPRequestFraming {
    /// Throws 400 for any Transfer-Encoding, a repeated Content-Length or one other than 0, several
    /// Host fields, or none on HTTP/1.1 and later (HTTP/1.0 did not require it).
    static func check(version: String, headers: [(name: String, value: String)]) throws(HTTPError) {
        var contentLengths = 0
        var hosts = 0
        for header in headers {
            if asciiCaseInsensitiveEquals(header.name, "Transfer-Encoding") {
                throw HTTPError(status: 400, message: "request bodies are not accepted (Transfer-Encoding)")
            }
            if asciiCaseInsensitiveEquals(header.name, "Content-Length") {
                contentLengths += 1
                guard contentLengths == 1 else { throw HTTPError(status: 400, message: "repeated Content-Length") }
                // 1*DIGIT whose value is 0: anything else announces a body (or is malformed).
                guard !header.value.isEmpty, header.value.utf8.allSatisfy({ $0 == UInt8(ascii: "0") }) else {
                    throw HTTPError(status: 400, message: "request bodies are not accepted (Content-Length)")
                }
            }
            if asciiCaseInsensitiveEquals(header.name, "Host") {
                hosts += 1
                guard hosts == 1 else { throw HTTPError(status: 400, message: "repeated Host header") }
            }
        }
        if hosts == 0 && WebSocketUpgrade.versionAtLeast11(version) {
            throw HTTPError(status: 400, message: "missing Host header")
        }
    }
}
