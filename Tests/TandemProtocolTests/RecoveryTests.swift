import Testing
@testable import TandemProtocol

@Suite struct RecoveryTests {
    static func turnEvent(_ eseq: Int64) -> Event {
        Event(session: "s", eseq: eseq, payload: .turn(TurnDTO(seq: eseq, author: "a", role: .user, content: "\(eseq)", created: 0)))
    }

    static func joinResult(head: Int64, backlog: Int64) -> JoinResult {
        JoinResult(session: Fixtures.info, role: .write, online: [], headSeq: head, headEseq: head, backlog: backlog)
    }

    @Test func freshJoinThenLiveThenResumeWithoutGapOrDuplicate() {
        var cursor = EventCursor(session: "s")
        #expect(cursor.joinParams() == JoinParams(session: "s", last: 100, includeState: true))
        cursor.joined(Self.joinResult(head: 10, backlog: 0), resumed: false)
        #expect(cursor.lastEseq == 10 && cursor.isLive)
        #expect(cursor.accept(Self.turnEvent(11)) == .apply)
        #expect(cursor.accept(Self.turnEvent(11)) == .duplicate)
        #expect(cursor.accept(Self.turnEvent(5)) == .duplicate)
        #expect(cursor.accept(Self.turnEvent(13)) == .gap(expected: 12, got: 13))
        #expect(cursor.lastEseq == 11, "a gap does not move the cursor")
        // Reconnect: resume from 11; three events were missed (12, 13, 14).
        // The resume names the session it knew: one deleted and made again answers resync_required.
        #expect(cursor.joinParams() == JoinParams(session: "s", since: 11, created: Fixtures.info.created))
        cursor.joined(Self.joinResult(head: 14, backlog: 3), resumed: true)
        #expect(!cursor.isLive)
        for eseq: Int64 in 12...14 { #expect(cursor.accept(Self.turnEvent(eseq)) == .apply) }
        #expect(cursor.isLive && cursor.lastEseq == 14)
        let presence = Event(session: "s", eseq: nil, payload: .presence(PresenceChange(user: "a", action: .left, onlineCount: 0)))
        #expect(cursor.accept(presence) == .ephemeral)
        #expect(cursor.lastEseq == 14)
        cursor.reset()
        #expect(cursor.joinParams(last: 5, includeState: false) == JoinParams(session: "s", last: 5))
        #expect(cursor.created == nil)
    }

    /// A session deleted by another process right after a change the server never published: the
    /// `deleted` event is numbered after that change and may follow a gap, which the client takes
    /// (the log went with the session: nothing is left to rejoin for). Any other event still gaps.
    @Test func deletedMayFollowAGapAndEndsTheSession() {
        var cursor = EventCursor(session: "s")
        cursor.joined(Self.joinResult(head: 10, backlog: 0), resumed: false)
        let deleted = Event(session: "s", eseq: 12, payload: .session(SessionChange(change: .deleted, info: Fixtures.info, by: "admin")))
        let updated = Event(session: "s", eseq: 12, payload: .session(SessionChange(change: .updated, info: Fixtures.info, by: "admin")))
        #expect(cursor.accept(updated) == .gap(expected: 11, got: 12))
        #expect(cursor.accept(deleted) == .apply)
        #expect(cursor.lastEseq == 12)
        #expect(cursor.accept(deleted) == .duplicate)
    }

    @Test func backoffFollowsTheDocumentedPolicy() {
        var backoff = ReconnectBackoff()
        let middle = { 0.5 }
        #expect(backoff.nextDelay(after: .goingAway, random: middle) == 1)
        #expect(backoff.nextDelay(after: nil, random: middle) == 2)
        #expect(backoff.nextDelay(after: .tryAgainLater, random: middle) == 4)
        for _ in 0..<10 { _ = backoff.nextDelay(after: .internalError, random: middle) }
        #expect(backoff.nextDelay(after: .internalError, random: middle) == 60)
        #expect(backoff.nextDelay(after: .internalError, random: { 0 }) == 48)
        #expect(abs(backoff.nextDelay(after: .internalError, random: { 1 })! - 72) < 1e-9)
        #expect(backoff.nextDelay(after: .slowConsumer) == 0)
        #expect(backoff.attempts == 0)
        #expect(backoff.nextDelay(after: .rateAbuse, random: middle) == 5)
        #expect(backoff.nextDelay(after: .shareExpired) == nil)
        #expect(backoff.nextDelay(after: .credentialRevoked) == nil)
        backoff.connectionEnded(afterLasting: 9.9)
        #expect(backoff.nextDelay(after: .goingAway, random: middle) == 2)
        backoff.connectionEnded(afterLasting: ReconnectBackoff.healthySeconds)
        #expect(backoff.nextDelay(after: .goingAway, random: middle) == 1)
    }
}
