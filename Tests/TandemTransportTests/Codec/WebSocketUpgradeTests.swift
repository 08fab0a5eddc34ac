import Testing
@testable import TandemTransport

@Suite("WebSocketUpgrade and client handshake")
struct WebSocketUpgradeTests {
    static let defaultHeaders: [(String, String)] = [
        ("Host", "server.example.com"),
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ("Sec-WebSocket-Version", "13"),
    ]

    static func request(method: String = "GET", version: String = "HTTP/1.1", replacing: [String: String?] = [:], extra: [(String, String)] = []) throws -> HTTPRequest {
        var headers: [(String, String)] = []
        for (n, v) in defaultHeaders {
            if let r = replacing[n] {
                if let r { headers.append((n, r)) }
            } else {
                headers.append((n, v))
            }
        }
        return try #require(try parseRequest(upgradeRequestText(method: method, version: version, headers: headers, extra: extra)))
    }

    static func status(_ r: HTTPRequest, _ config: UpgradeConfiguration = .init()) -> Int {
        switch WebSocketUpgrade.validate(r, config: config) {
        case .success: return 101
        case .failure(let e): return e.status
        }
    }

    @Test func rfcAcceptKeyExample() {
        #expect(WebSocketUpgrade.acceptKey(for: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test func validUpgradeGives101() throws {
        let r = try Self.request()
        let acceptance = try WebSocketUpgrade.validate(r, config: .init()).get()
        #expect(acceptance.subprotocol == nil)
        #expect(acceptance.deflate == nil)
        #expect(acceptance.response.status == 101)
        #expect(acceptance.response.header("Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        let text = String(decoding: acceptance.response.serialized(), as: UTF8.self)
        #expect(text == "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
    }

    @Test func tokensAreCaseInsensitiveLists() throws {
        let r = try Self.request(replacing: ["Upgrade": "WebSocket", "Connection": "keep-alive,  UPGRADE "])
        #expect(Self.status(r) == 101)
    }

    @Test func wrongMethodIs405() throws {
        #expect(Self.status(try Self.request(method: "POST")) == 405)
    }

    @Test func oldHTTPVersionIs400() throws {
        #expect(Self.status(try Self.request(version: "HTTP/1.0")) == 400)
        #expect(Self.status(try Self.request(version: "HTTP/2.0")) == 101)
    }

    @Test func wrongWebSocketVersionIs426WithVersionHeader() throws {
        for v in ["8", "12", "14", "13, 8", ""] {
            let r = try Self.request(replacing: ["Sec-WebSocket-Version": v])
            guard case .failure(let e) = WebSocketUpgrade.validate(r, config: .init()) else {
                Issue.record("version \(v) accepted")
                continue
            }
            #expect(e.status == 426)
            #expect(e.response.header("Sec-WebSocket-Version") == "13")
        }
        #expect(Self.status(try Self.request(replacing: ["Sec-WebSocket-Version": nil])) == 426)
    }

    @Test func keyMustBeBase64OfSixteenBytes() throws {
        #expect(Self.status(try Self.request(replacing: ["Sec-WebSocket-Key": nil])) == 400)
        for bad in ["", "short", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZQ=", "dGhlIHNhbXBsZSBub25jZSE=", "dGhlIHNhbXBsZSBub25j*Q==", "dGhlIHNhbXBsZSBub25jZQ==AAAA"] {
            #expect(Self.status(try Self.request(replacing: ["Sec-WebSocket-Key": bad])) == 400, "\(bad)")
        }
        #expect(Self.status(try Self.request(extra: [("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAA==")])) == 400)
    }

    @Test func hostIsRequired() throws {
        // The parser already refuses an HTTP/1.1 head without Host; a request built some other way is checked too.
        #expect(parseError(upgradeRequestText(headers: Self.defaultHeaders.filter { $0.0 != "Host" }))?.status == 400)
        var r = try Self.request()
        r.headers.removeAll { $0.name == "Host" }
        #expect(Self.status(r) == 400)
    }

    @Test func missingUpgradeHeaders() throws {
        let plain = try Self.request(replacing: ["Upgrade": nil, "Connection": nil])
        #expect(!WebSocketUpgrade.isUpgradeRequest(plain))
        #expect(Self.status(plain) == 426)
        #expect(Self.status(try Self.request(replacing: ["Connection": "keep-alive"])) == 400)
        #expect(Self.status(try Self.request(replacing: ["Upgrade": "h2c"])) == 426)
    }

    @Test func onlyAnUpgradeNamingWebSocketIsAWebSocketAttempt() throws {
        #expect(WebSocketUpgrade.asksForWebSocket(try Self.request()))
        #expect(WebSocketUpgrade.asksForWebSocket(try Self.request(replacing: ["Upgrade": "h2c, WebSocket", "Connection": nil])))
        for other: String? in [nil, "h2c", "", "websockets", "TLS/1.2"] {
            #expect(!WebSocketUpgrade.asksForWebSocket(try Self.request(replacing: ["Upgrade": other])), "\(other ?? "none")")
        }
    }

    @Test func originAllowList() throws {
        let config = UpgradeConfiguration(allowedOrigins: [WebOrigin(setting: "https://tandem.example")!])
        #expect(Self.status(try Self.request(extra: [("Origin", "https://evil.example")]), config) == 403)
        #expect(Self.status(try Self.request(extra: [("Origin", "https://TANDEM.example")]), config) == 101)
        // The default port written out is the same origin; another port or scheme is not.
        #expect(Self.status(try Self.request(extra: [("Origin", "https://tandem.example:443")]), config) == 101)
        #expect(Self.status(try Self.request(extra: [("Origin", "https://tandem.example:8443")]), config) == 403)
        #expect(Self.status(try Self.request(extra: [("Origin", "http://tandem.example")]), config) == 403)
        #expect(Self.status(try Self.request(), config) == 101)
        #expect(Self.status(try Self.request(), UpgradeConfiguration(allowedOrigins: [WebOrigin(setting: "https://tandem.example")!], requireOrigin: true)) == 403)
        #expect(Self.status(try Self.request(extra: [("Origin", "https://evil.example")])) == 101)
        // A page this server served (its own viewer) is same-origin whatever the list says.
        for origin in ["https://server.example.com", "http://SERVER.example.com", "https://server.example.com:443"] {
            #expect(Self.status(try Self.request(extra: [("Origin", origin)]), config) == 101, "\(origin)")
        }
        for origin in ["https://server.example.com:8443", "https://server.example.com.evil.example", "null",
                       "https://server.example.com/path", "ftp://server.example.com"] {
            #expect(Self.status(try Self.request(extra: [("Origin", origin)]), config) == 403, "\(origin)")
        }
        let withPort = try Self.request(replacing: ["Host": "127.0.0.1:9354"], extra: [("Origin", "http://127.0.0.1:9354")])
        #expect(Self.status(withPort, config) == 101)
    }

    @Test func subprotocolChoiceFollowsServerPreference() throws {
        let config = UpgradeConfiguration(subprotocols: ["tandem.v2", "tandem.v1"])
        let both = try WebSocketUpgrade.validate(try Self.request(extra: [("Sec-WebSocket-Protocol", "tandem.v1, tandem.v2")]), config: config).get()
        #expect(both.subprotocol == "tandem.v2")
        #expect(both.response.header("Sec-WebSocket-Protocol") == "tandem.v2")
        #expect(both.offeredSubprotocols == ["tandem.v1", "tandem.v2"])
        let split = try WebSocketUpgrade.validate(try Self.request(extra: [("Sec-WebSocket-Protocol", "x"), ("Sec-WebSocket-Protocol", "tandem.v1")]), config: config).get()
        #expect(split.subprotocol == "tandem.v1")
        let none = try WebSocketUpgrade.validate(try Self.request(extra: [("Sec-WebSocket-Protocol", "mqtt")]), config: config).get()
        #expect(none.subprotocol == nil)
        #expect(none.response.header("Sec-WebSocket-Protocol") == nil)
        #expect(none.offeredSubprotocols == ["mqtt"])
    }

    @Test func deflateIsNegotiatedOnlyWhenConfigured() throws {
        let r = try Self.request(extra: [("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")])
        let refused = try WebSocketUpgrade.validate(r, config: .init()).get()
        #expect(refused.deflate == nil)
        #expect(refused.response.header("Sec-WebSocket-Extensions") == nil)
        let accepted = try WebSocketUpgrade.validate(r, config: .init(deflate: .init())).get()
        #expect(accepted.deflate == DeflateParameters(serverNoContextTakeover: true))
        #expect(accepted.response.header("Sec-WebSocket-Extensions") == "permessage-deflate; server_no_context_takeover")
    }

    @Test func clientServerHandshakeRoundTrip() throws {
        let key = ClientHandshake.newKey()
        #expect(WebSocketUpgrade.isValidKey(key))
        #expect(ClientHandshake.newKey() != key)
        let requestBytes = ClientHandshake.request(host: "localhost:8080", path: "/s?t=1", key: key, subprotocols: ["tandem.v1"], deflate: true, extraHeaders: [("Authorization", "Bearer x")])
        var parser = HTTPRequestParser()
        let request = try #require(try parser.feed(requestBytes))
        #expect(request.header("Authorization") == "Bearer x")
        let acceptance = try WebSocketUpgrade.validate(request, config: .init(subprotocols: ["tandem.v1"], deflate: .init())).get()

        var responseParser = HTTPResponseParser()
        let trailing = FrameEncoder.encode(opcode: .text, payload: Array("welcome".utf8))
        let response = try #require(try responseParser.feed(acceptance.response.serialized() + trailing))
        #expect(response.status == 101)
        #expect(responseParser.leftover == trailing)
        let result = try ClientHandshakeValidation.validate(response, key: key, offeredSubprotocols: ["tandem.v1"], offeredDeflate: true).get()
        #expect(result.subprotocol == "tandem.v1")
        #expect(result.deflate == acceptance.deflate)
    }

    @Test func clientRejectsBadResponses() throws {
        let key = "dGhlIHNhbXBsZSBub25jZQ=="
        func check(_ head: String, subprotocols: [String] = [], deflate: Bool = false) throws -> Int? {
            var p = HTTPResponseParser()
            let response = try #require(try p.feed(Array(head.utf8)))
            switch ClientHandshakeValidation.validate(response, key: key, offeredSubprotocols: subprotocols, offeredDeflate: deflate) {
            case .success: return nil
            case .failure(let e): return e.status
            }
        }
        let good = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
        #expect(try check(good + "\r\n") == nil)
        #expect(try check("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n") == 403)
        #expect(try check(good.replacingAccept("wrongwrongwrongwrongwrong=") + "\r\n") == 101)
        #expect(try check(good + "Sec-WebSocket-Protocol: other\r\n\r\n", subprotocols: ["mine"]) == 101)
        #expect(try check(good + "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n") == 101)
        #expect(try check(good + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n", deflate: true) == 101)
        #expect(try check(good + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10\r\n\r\n", deflate: true) == nil)
        var p = HTTPResponseParser()
        #expect(throws: HTTPError.self) { try p.feed(Array("HTTP/1.1 abc nope\r\n\r\n".utf8)) }
    }
}

extension String {
    fileprivate func replacingAccept(_ value: String) -> String {
        split(separator: "\r\n", omittingEmptySubsequences: false).map {
            $0.hasPrefix("Sec-WebSocket-Accept:") ? "Sec-WebSocket-Accept: \(value)" : String($0)
        }.joined(separator: "\r\n")
    }
}
