import Testing
import TandemProtocol
@testable import TandemClientKit

/// A reconnecting client acts only on its current connection's end: the late echo of the close it
/// sent on a connection it gave up on (a failed join) must not end the next one with 1000.
@Suite struct ConnectionEndsTests {
    @Test func anEarlierConnectionsLateEndDoesNotCount() {
        var ends = ConnectionEnds()
        let failedJoin = ends.begin()
        // The join failed (resync_required); the client closed it and connects again at once.
        let next = ends.begin()
        // Only now does the old connection's reader see the echo of its own close 1000.
        let r1 = ends.report(failedJoin, .init(code: CloseCode.normal.rawValue, reason: ""))
        #expect(!r1)
        #expect(ends.ended == nil)
        let stale = ends.take()
        #expect(stale == nil)
        // The current connection's end (a server restart) counts, with its code.
        let r2 = ends.report(next, .init(code: CloseCode.goingAway.rawValue, reason: "server shutting down"))
        #expect(r2)
        let end = ends.take()
        #expect(end?.code == 1001)
        #expect(CloseCode(rawValue: end?.code ?? 0)?.advice == .reconnectWithBackoff)
    }

    @Test func theFirstEndOfTheCurrentConnectionStands() {
        var ends = ConnectionEnds()
        let number = ends.begin()
        let r3 = ends.report(number, .init(code: 1001, reason: "server shutting down"))
        #expect(r3)
        // The reader's drop after the close frame does not replace the server's word.
        let r4 = ends.report(number, .init(code: nil, reason: ""))
        #expect(!r4)
        let taken = ends.take()
        #expect(taken?.code == 1001)
        // Taken: the connection is finished with; a later report for it is stale.
        let r5 = ends.report(number, .init(code: 1000, reason: ""))
        #expect(!r5)
        let none = ends.take()
        #expect(none == nil)
    }

    @Test func anEndDuringTheJoinCountsForTheConnectionBeingJoined() {
        var ends = ConnectionEnds()
        _ = ends.begin()
        let number = ends.begin()
        let r6 = ends.report(number, .init(code: nil, reason: ""))
        #expect(r6)
        #expect(ends.ended == .init(code: nil, reason: ""))
        // The next attempt starts clean.
        _ = ends.begin()
        #expect(ends.ended == nil)
    }
}
