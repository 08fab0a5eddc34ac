import Testing
@testable import TandemTransport

@Suite("Close codes, query strings, tokens")
struct SmallPartsTests {
    @Test func closeCodeValidityTable() {
        var valid: [UInt16] = []
        for code in UInt16(0)...UInt16(5100) where CloseCode.isValidReceived(code) { valid.append(code) }
        #expect(valid.count == 4 + 8 + 2000)
        for code: UInt16 in [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999] {
            #expect(CloseCode.isValidReceived(code))
        }
        for code: UInt16 in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, UInt16.max] {
            #expect(!CloseCode.isValidReceived(code))
        }
        let sent: [CloseCode] = [.normal, .goingAway, .protocolError, .unsupportedData, .invalidPayload, .policyViolation, .messageTooBig, .mandatoryExtension, .internalError, .tryAgainLater]
        #expect(sent.map(\.rawValue) == [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1013])
        #expect(sent.allSatisfy { CloseCode.isValidReceived($0.rawValue) })
    }

    @Test func percentDecoding() {
        #expect(QueryString.percentDecode("a%20b%2Fc") == "a b/c")
        #expect(QueryString.percentDecode("a+b") == "a+b")
        #expect(QueryString.percentDecode("a+b", plusIsSpace: true) == "a b")
        #expect(QueryString.percentDecode("%e2%82%ac") == "€")
        #expect(QueryString.percentDecode("%") == nil)
        #expect(QueryString.percentDecode("%4") == nil)
        #expect(QueryString.percentDecode("%G0") == nil)
        #expect(QueryString.percentDecode("%FF") == nil)
        #expect(QueryString.parse("") == [:])
        #expect(QueryString.parse("&&a=1&&") == ["a": "1"])
        #expect(QueryString.parse("a=1=2") == ["a": "1=2"])
        #expect(QueryString.parse("%61=x&a=y") == ["a": "x"])
    }

    @Test func headerTokenHelpers() {
        #expect(asciiCaseInsensitiveEquals("Sec-WebSocket-Key", "sec-websocket-key"))
        #expect(!asciiCaseInsensitiveEquals("Upgrade", "Upgrades"))
        #expect(commaSeparatedTokens([" a , b,,c ", "d"]) == ["a", "b", "c", "d"])
        #expect(isToken("permessage-deflate"))
        #expect(!isToken("a b"))
        #expect(!isToken(""))
    }

    @Test func responseSerialization() {
        let r = HTTPResponse.text(404, "not found\n", extraHeaders: [("X-Trace", "1")])
        #expect(String(decoding: r.serialized(), as: UTF8.self)
            == "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 10\r\nConnection: close\r\nX-Trace: 1\r\n\r\nnot found\n")
        #expect(HTTPResponse(status: 299).reason == "Status 299")
    }
}
