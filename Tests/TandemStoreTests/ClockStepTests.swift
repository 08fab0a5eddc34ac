import Foundation
import TandemJSON
import Testing
@testable import TandemStore

/// The store stamps records with the wall clock, which NTP or a resumed VM may step back: the
/// stamps then hold at the last one until the clock passes it (`WriteStamps`; what pollers of
/// `updated_since` see: UpdatedSinceClockTests). Nothing may be refused or reordered for it, and
/// a document whose times go backwards (another server's, an edited one) imports as it is.
@Suite("Store: a wall clock stepped back")
struct ClockStepTests {
    @Test func recordsWrittenAfterAStepBackKeepTheirOrderAndTheirExportImports() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            try makeSession(store)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "before"))
            _ = try store.writeRow(session: "s1", actor: "bob", key: "doc", value: ["a": 1], baseVersion: 0)
            _ = try store.saveCheckpoint(session: "s1", actor: "bob", name: "early")
            clock.advance(-3_600_000)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "after"))
            _ = try store.addComment(session: "s1", actor: "carol", turnSeq: 2, body: "c")
            _ = try store.writeRow(session: "s1", actor: "alice", key: "doc", value: ["a": 2], baseVersion: 1)
            _ = try store.saveCheckpoint(session: "s1", actor: "bob", name: "late")

            let turns = try store.turns(session: "s1", actor: "alice", limit: 10)
            #expect(turns.map(\.content) == ["before", "after"], "turns come by seq")
            #expect(turns[1].createdAt == turns[0].createdAt, "the second turn carries the held stamp, not the stepped-back time")

            // The export carries times going backwards; an import takes it as it is, time for time.
            let document = try store.exportSession(id: "s1", actor: "alice")
            let copy = try store.importSession(document, asID: "copy", claimedBy: "alice")
            #expect(copy.lastTurnSeq == 2)
            let copied = try store.turns(session: "copy", actor: "alice", limit: 10)
            #expect(copied.map(\.createdAt) == turns.map(\.createdAt))
            #expect(try store.restoreCheckpoint(session: "copy", actor: "alice", name: "early").checkpoint.turnSeq == 1)
            // And the imported session takes writes at the stepped-back time.
            #expect(try store.appendTurn(session: "copy", actor: "alice", NewTurn(role: .user, content: "next")).seq == 3)
        }
    }

    /// A session deleted and made again under its id in the millisecond the first one was made (a
    /// quick client, or the stamps held there after a step back) is still another incarnation: a
    /// client resuming with the old `created` must not take the new one for it.
    @Test func aSessionMadeAgainAtItsPredecessorsInstantIsAnotherIncarnation() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            let first = try store.createSession(id: "s1", title: "one", owner: "alice")
            _ = try store.deleteSession(id: "s1", actor: "alice")
            clock.advance(-60_000)
            let again = try store.createSession(id: "s1", title: "two", owner: "alice")
            #expect(again.createdAt != first.createdAt)
        }
    }
}
