import Testing
import TandemJSON
@testable import TandemProtocol

/// Inputs the libFuzzer targets (Tests/fuzz) found, kept as bytes so each bug stays fixed.
@Suite("Fuzz regressions: protocol")
struct ProtocolFuzzRegressionTests {
    /// A message cut right after an integer field's colon: peek read the byte past the end of the
    /// buffer to look for a minus sign (a trap in debug builds, AddressSanitizer's
    /// heap-buffer-overflow in the fuzzer). It must simply not peek.
    @Test(arguments: [#"{"seq":"#, #"{"eseq":"#, #"{"id":"#, #"{"seq": "#, #"{"event":"turn","seq":-"#])
    func truncatedIntegerFieldIsRefused(_ text: String) {
        #expect(MessagePeek.peek(Array(text.utf8)) == nil)
    }

    /// `history` with a `limit` but no selector decoded as `last: 100` with the limit ignored (the
    /// server answered 100 turns), and re-encoded as `last` plus `limit`, which does not decode.
    /// `limit` alone now means the last `limit` turns.
    @Test func historyWithOnlyALimitMeansTheLastThatMany() throws {
        let input = #"{"id":14,"op":"history","session":"s-=1","limit":1}"#
        let request = try #require(Request.decode(input).success)
        #expect(request.operation == .history(HistoryParams(session: "s-=1", selector: .last(1))))
        let again = try #require(Request.decode(request.encode()).success)
        #expect(again == request)
    }

    @Test func signedIntegersStillPeek() throws {
        let peek = try #require(MessagePeek.peek(Array(#"{"id":-12,"seq":0,"eseq":-0}"#.utf8)))
        #expect(peek.id == -12 && peek.seq == 0 && peek.eseq == 0)
    }
}

@Suite("Fuzz regressions: error responses")
struct ErrorResponseFuzzRegressionTests {
    /// A request with a parameter named "" is refused with `field: ""`; the client's decoder refused
    /// that answer ("must not be empty"), so a client failed on a server's error response.
    @Test func unknownParameterWithAnEmptyNameGivesAReadableError() throws {
        let input = #"{"id":2,"op":"session.list","":"session.list","statstat,,limit":2}"#
        let error = try #require(Request.decode(input).failure)
        #expect(error.code == .invalidArgument && error.field == "")
        let message = try ServerMessage.decode(error.response.encode())
        #expect(message == .response(error.response))
    }
}
