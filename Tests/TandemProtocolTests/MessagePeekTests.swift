import Testing
import TandemJSON
@testable import TandemProtocol

@Suite struct MessagePeekTests {
    @Test(arguments: Fixtures.events)
    func peekAgreesWithFullDecodeOnEvents(_ event: Event) throws {
        let peek = try #require(MessagePeek.peek(event.encode()))
        #expect(peek.event == event.name.rawValue)
        #expect(peek.session == event.session)
        #expect(peek.eseq == event.eseq)
        if case .turn(let turn) = event.payload {
            #expect(peek.seq == turn.seq)
            #expect(peek.nonce == turn.nonce)
        }
        #expect(peek.id == nil && peek.ok == nil)
    }

    @Test func peekReadsResponses() throws {
        let ok = try #require(MessagePeek.peek(Response.success(id: "a\"b", PongResult(time: 1)).encode()))
        #expect(ok.id == "a\"b" && ok.ok == true && ok.event == nil)
        let failed = try #require(MessagePeek.peek(Request.decode("nope").failure!.response.encode()))
        #expect(failed.id == nil && failed.ok == false)
        let post = try #require(MessagePeek.peek(Response.encodePostTurn(id: -3, PostTurnResult(turn: Fixtures.turn, eseq: 9))))
        #expect(post.id == -3 && post.ok == true && post.eseq == nil, "nested fields are not top-level fields")
    }

    @Test func peekToleratesWhitespaceAndKeyOrder() throws {
        let text = " { \"tokens\" : { \"input\" : 1 } ,\n \"seq\" : 7 , \"event\" : \"turn\" , \"x\" : [ 1 , { \"a\" : \"}\" } , null, -2.5e3 ] , \"eseq\" : 12, \"session\":\"s\\u0041\" } "
        let peek = try #require(MessagePeek.peek(Array(text.utf8)))
        #expect(peek.event == "turn" && peek.seq == 7 && peek.eseq == 12 && peek.session == "sA")
    }

    @Test func peekRefusesMalformedInput() {
        for text in ["", "[]", "{", "{\"event\":}", "{\"eseq\":1.5}", "{\"a\":1} x", "{\"eseq\":1234567890123456789012}", "{\"seq\":-}", "{\"a\":\"unterminated}",
                     String(repeating: "{\"a\":", count: 1000) + "1" + String(repeating: "}", count: 1000)] {
            #expect(MessagePeek.peek(Array(text.utf8)) == nil, "\(text.prefix(40))")
        }
    }
}
