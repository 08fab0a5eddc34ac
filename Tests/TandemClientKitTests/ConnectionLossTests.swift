import Testing
@testable import TandemClientKit

/// The line shown before a reconnect names what happened, not only the close code.
@Suite struct ConnectionLossTests {
    @Test func eachCloseSaysWhatItMeans() {
        #expect(ConnectionLoss.describe(code: nil, reason: "") == "connection lost")
        let slow = ConnectionLoss.describe(code: 4408, reason: "slow consumer: outbound queue overflowed; reconnect and rejoin with since")
        #expect(slow.contains("4408") && slow.contains("fell behind") && slow.contains("nothing is lost"))
        #expect(ConnectionLoss.describe(code: 1001, reason: "server shutting down") == "the server is restarting or shutting down (1001)")
        #expect(ConnectionLoss.describe(code: 1011, reason: "") == "connection lost (1011: internal server error)")
        #expect(ConnectionLoss.describe(code: 1013, reason: "busy") == "connection lost (1013: busy)")
        // A close reason is the server's text: escaped like any other.
        #expect(ConnectionLoss.describe(code: 4999, reason: "x\u{1B}[2J") == "connection lost (4999: x^[[2J)")
    }
}
