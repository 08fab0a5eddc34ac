import Testing
@testable import TandemTransport

func upgradeRequestText(
    method: String = "GET", target: String = "/chat?room=a%20b&x=1+2", version: String = "HTTP/1.1",
    headers: [(String, String)]? = nil, extra: [(String, String)] = []
) -> String {
    let base = headers ?? [
        ("Host", "server.example.com"),
        ("Upgrade", "websocket"),
        ("Connection", "keep-alive, Upgrade"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ("Origin", "http://example.com"),
        ("Sec-WebSocket-Protocol", "chat, superchat"),
        ("Sec-WebSocket-Version", "13"),
    ]
    var s = "\(method) \(target) \(version)\r\n"
    for (n, v) in base + extra { s += "\(n): \(v)\r\n" }
    return s + "\r\n"
}

func parseRequest(_ s: String, limits: HTTPLimits = .init()) throws(HTTPError) -> HTTPRequest? {
    var parser = HTTPRequestParser(limits: limits)
    return try parser.feed(Array(s.utf8))
}

func parseError(_ s: String, limits: HTTPLimits = .init()) -> HTTPError? {
    do {
        _ = try parseRequest(s, limits: limits)
        return nil
    } catch {
        return error
    }
}

@Suite("HTTPRequestParser")
struct HTTPRequestParserTests {
    @Test func parsesAValidUpgradeRequest() throws {
        let r = try #require(try parseRequest(upgradeRequestText()))
        #expect(r.method == "GET")
        #expect(r.target == "/chat?room=a%20b&x=1+2")
        #expect(r.path == "/chat")
        #expect(r.query == ["room": "a b", "x": "1 2"])
        #expect(r.version == "HTTP/1.1")
        #expect(r.headers.count == 7)
        #expect(r.header("sec-websocket-key") == "dGhlIHNhbXBsZSBub25jZQ==")
        #expect(r.header("CONNECTION") == "keep-alive, Upgrade")
        #expect(r.header("missing") == nil)
        #expect(WebSocketUpgrade.isUpgradeRequest(r))
    }

    @Test func byteAtATimeWithLeftover() throws {
        let frame = FrameEncoder.encode(opcode: .text, payload: Array("early".utf8), maskKey: 1)
        let bytes = Array(upgradeRequestText().utf8) + frame
        var parser = HTTPRequestParser()
        var request: HTTPRequest?
        var completedAt = -1
        for (i, b) in bytes.enumerated() {
            if let r = try parser.feed([b]) {
                #expect(request == nil)
                request = r
                completedAt = i
            }
        }
        #expect(completedAt == bytes.count - frame.count - 1)
        #expect(request?.path == "/chat")
        #expect(parser.leftover == frame)
        #expect(parser.isComplete)
    }

    @Test func headerValuesAndWhitespace() throws {
        let r = try #require(try parseRequest("GET / HTTP/1.1\r\nHost: a\r\nX-Multi:  one \r\nx-multi:two\t\r\nEmpty:\r\n\r\n"))
        #expect(r.headerValues("X-MULTI") == ["one", "two"])
        #expect(r.header("empty") == "")
        #expect(r.query.isEmpty)
    }

    @Test func bareLineFeedsAreAccepted() throws {
        let r = try #require(try parseRequest("GET /x HTTP/1.1\nHost: a\n\n"))
        #expect(r.path == "/x")
    }

    @Test func queryParsing() throws {
        let r = try #require(try parseRequest("GET /s/a%2Fb?token=abc%3D%3D&name=J%C3%BCrg&flag&empty=&token=second#frag HTTP/1.1\r\nHost: h\r\n\r\n"))
        #expect(r.path == "/s/a%2Fb")
        #expect(r.query == ["token": "abc==", "name": "Jürg", "flag": "", "empty": ""])
        #expect(parseError("GET /?a=%zz HTTP/1.1\r\nHost: h\r\n\r\n")?.status == 400)
        #expect(parseError("GET /?a=%C3 HTTP/1.1\r\nHost: h\r\n\r\n")?.status == 400)
        #expect(parseError("GET /?a=% HTTP/1.1\r\nHost: h\r\n\r\n")?.status == 400)
    }

    @Test func absoluteFormTarget() throws {
        let r = try #require(try parseRequest("GET ws://example.com/live?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n"))
        #expect(r.path == "/live")
        #expect(r.query == ["x": "1"])
    }

    @Test("malformed heads are 400", arguments: [
        "GET /\r\n\r\n",
        "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1 extra\r\nHost: a\r\n\r\n",
        "GET / HTTX/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/11\r\nHost: a\r\n\r\n",
        "G(T / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET nonsense HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost a\r\n\r\n",
        "GET / HTTP/1.1\r\n: empty-name\r\n\r\n",
        "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\u{01}b\r\n\r\n",
        "GET /\u{7F} HTTP/1.1\r\nHost: a\r\n\r\n",
    ])
    func malformed(_ head: String) {
        #expect(parseError(head)?.status == 400, "\(head.debugDescription)")
    }

    @Test func requestLineLimitIs414EvenBeforeTheLineEnds() throws {
        let limits = HTTPLimits(maxRequestLineLength: 100)
        var parser = HTTPRequestParser(limits: limits)
        #expect(try parser.feed(Array(("GET /" + String(repeating: "a", count: 90)).utf8)) == nil)
        #expect(throws: HTTPError.self) { try parser.feed(Array(String(repeating: "a", count: 20).utf8)) }
        #expect(parseError("GET /" + String(repeating: "a", count: 200) + " HTTP/1.1\r\n\r\n", limits: limits)?.status == 414)
        #expect(try parseRequest("GET /" + String(repeating: "a", count: 86) + " HTTP/1.1\r\nHost: h\r\n\r\n", limits: limits) != nil)
    }

    @Test func headerCountLimitIs431() throws {
        let limits = HTTPLimits(maxHeaderCount: 5)
        let five = "GET / HTTP/1.1\r\nHost: h\r\n" + (2...5).map { "H\($0): v\r\n" }.joined() + "\r\n"
        #expect(try parseRequest(five, limits: limits) != nil)
        let six = "GET / HTTP/1.1\r\nHost: h\r\n" + (2...6).map { "H\($0): v\r\n" }.joined() + "\r\n"
        #expect(parseError(six, limits: limits)?.status == 431)
    }

    @Test func headerBytesLimitIs431() throws {
        let limits = HTTPLimits(maxHeaderBytes: 1000)
        let big = "GET / HTTP/1.1\r\n" + (1...30).map { "Header-\($0): " + String(repeating: "v", count: 30) + "\r\n" }.joined() + "\r\n"
        #expect(parseError(big, limits: limits)?.status == 431)
        // One endless header line is refused while it is still arriving.
        var parser = HTTPRequestParser(limits: limits)
        #expect(try parser.feed(Array("GET / HTTP/1.1\r\nX: ".utf8)) == nil)
        #expect(throws: HTTPError(status: 431, message: "header block too large")) {
            for _ in 0..<100 { _ = try parser.feed(Array(String(repeating: "z", count: 50).utf8)) }
        }
    }

    @Test func errorResponsesCarryTheNeededHeaders() {
        let r426 = HTTPError(status: 426, message: "x").response
        #expect(r426.status == 426)
        #expect(r426.header("Sec-WebSocket-Version") == "13")
        #expect(HTTPError(status: 405, message: "x").response.header("allow") == "GET")
        let text = String(decoding: HTTPError(status: 400, message: "bad").response.serialized(), as: UTF8.self)
        #expect(text == "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbad\n")
    }
}

@Suite("HTTP edge cases")
struct HTTPEdgeCaseTests {
    @Test func endlessEmptyLinesBeforeTheRequestAreRefused() throws {
        #expect(try parseRequest("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n") != nil)
        #expect(parseError(String(repeating: "\r\n", count: 50))?.status == 400)
    }

    @Test func upgradeWithABodyIs400() throws {
        // The parser refuses it before the upgrade is looked at (HTTPRequestFramingTests).
        for extra in [("Content-Length", "5"), ("Transfer-Encoding", "chunked")] {
            #expect(parseError(upgradeRequestText(extra: [extra]))?.status == 400, "\(extra)")
        }
        let zero = try #require(try parseRequest(upgradeRequestText(extra: [("Content-Length", "0")])))
        #expect((try? WebSocketUpgrade.validate(zero, config: .init()).get()) != nil)
    }

    @Test func clientRequestCannotBeUsedForHeaderInjection() throws {
        let bytes = ClientHandshake.request(host: "h\r\nEvil: 1", path: "/a b", key: ClientHandshake.newKey(), subprotocols: [], deflate: false, extraHeaders: [("Authorization", "Bearer x\r\nX-Injected: yes")])
        var parser = HTTPRequestParser()
        let r = try #require(try parser.feed(bytes))
        #expect(r.header("Evil") == nil)
        #expect(r.header("X-Injected") == nil)
        #expect(r.header("Authorization") == "Bearer x  X-Injected: yes")
        #expect(r.path == "/a%20b")
        #expect(parser.leftover.isEmpty)
    }
}
