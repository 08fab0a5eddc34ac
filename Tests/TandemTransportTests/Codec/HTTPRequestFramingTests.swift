import Testing
@testable import TandemTransport

/// Feeds `head` one byte at a time; the error the parser throws (nil if it returned a request).
func parseErrorByteAtATime(_ head: String) -> HTTPError? {
    var parser = HTTPRequestParser()
    do {
        for b in Array(head.utf8) { _ = try parser.feed([b]) }
        return nil
    } catch {
        return error
    }
}

@Suite("HTTP request framing and Host")
struct HTTPRequestFramingTests {
    static let upgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"

    /// The heads the audit's repro sent (each was served 200 or 101), and other bodies Tandem never reads.
    @Test("ambiguous framing, a body or a bad Host is 400", arguments: [
        "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\ncontent-length: 0\r\nCONTENT-LENGTH: 0\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0, 0\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n",
        "GET /healthz HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -0\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: +0\r\n\r\n",
        "GET /healthz HTTP/1.1\r\n\r\n",
        "GET /healthz HTTP/2.0\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n",
        "GET /healthz HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET /ws?token=t HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 9\r\n" + upgrade + "\r\n",
        "GET /ws?token=t HTTP/1.1\r\n" + upgrade + "\r\n",
    ])
    func refused(_ head: String) {
        #expect(parseError(head)?.status == 400, "\(head.debugDescription)")
        #expect(parseErrorByteAtATime(head)?.status == 400, "\(head.debugDescription)")
    }

    @Test("no body and one Host (none on HTTP/1.0) is fine", arguments: [
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nhost: x\r\nContent-Length: 0\r\n\r\n",
        "HEAD /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 00\r\n\r\n",
        "GET /healthz HTTP/1.0\r\n\r\n",
        "GET /healthz HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
        "GET /ws?token=t HTTP/1.1\r\nHost: x\r\n" + upgrade + "\r\n",
    ])
    func accepted(_ head: String) throws {
        #expect(try parseRequest(head) != nil, "\(head.debugDescription)")
        #expect(parseErrorByteAtATime(head) == nil, "\(head.debugDescription)")
    }

    @Test func theRefusalComesWithTheBlankLineNotBefore() throws {
        // Nothing is decided on a half head: the fields are judged together once it is complete.
        var parser = HTTPRequestParser()
        #expect(try parser.feed(Array("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n".utf8)) == nil)
        #expect(throws: HTTPError(status: 400, message: "repeated Host header")) { try parser.feed(Array("\r\n".utf8)) }
    }
}
