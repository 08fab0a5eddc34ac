import Foundation
import Synchronization
import Testing
import TandemJSON
@testable import TandemStore

/// A client polling `session.list {updated_since: T}` with T the newest `updated` it saw must find
/// every later change, whatever the host's clock does (`WriteStamps`).
@Suite("Store: updated_since across clock steps")
struct UpdatedSinceClockTests {
    private static let hour: Int64 = 3_600_000

    /// The ids `updated_since: since` lists, every page of `limit` followed.
    private func poll(_ store: Store, since: Int64, limit: Int = 50) throws -> [String] {
        var ids: [String] = []
        var cursor: String?
        repeat {
            let page = try store.listSessions(SessionFilter(member: "alice", updatedSince: since, limit: limit, after: cursor))
            ids += page.sessions.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil
        return ids
    }

    /// A store of `dir` whose clock is `clock`, `ahead` ms ahead of it (another process's).
    private func clocked(_ dir: TempDir, _ clock: TestClock, ahead: Int64 = 0) -> StoreConfiguration {
        var config = StoreConfiguration(path: dir.dbPath)
        config.clock = { clock.now + ahead }
        return config
    }

    private func newest(_ store: Store) throws -> Int64 {
        try #require(store.listSessions(SessionFilter(member: "alice", limit: 1)).sessions.first).updatedAt
    }

    @Test func aPollerMissesNothingWrittenAfterTheClockSteppedBackAnHour() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            try makeSession(store, id: "old")
            clock.advance(10 * 60_000)
            try makeSession(store, id: "recent")
            _ = try store.appendTurn(session: "recent", actor: "bob", NewTurn(role: .user, content: "seen"))
            let seen = try newest(store)

            clock.advance(-Self.hour)
            // A deferrable post to a session last updated before T, a new session, and a row write
            // (a job that updates the session row at once): all stamped no earlier than T.
            _ = try store.appendTurn(session: "old", actor: "bob", NewTurn(role: .user, content: "after the step"))
            try makeSession(store, id: "new")
            _ = try store.writeRow(session: "new", actor: "bob", key: "k", value: ["v": 1], baseVersion: 0)

            let found = try poll(store, since: seen)
            #expect(Set(found) == ["old", "recent", "new"], "\(found)")
            let turn = try #require(store.turns(session: "old", actor: "alice", limit: 100).last)
            #expect(turn.createdAt == seen, "held at the last stamp while the clock is behind it")

            // Once the clock passes the last stamp, stamps are the clock again.
            clock.advance(Self.hour + 1)
            _ = try store.appendTurn(session: "old", actor: "bob", NewTurn(role: .user, content: "caught up"))
            #expect(try store.turns(session: "old", actor: "alice", limit: 100).last?.createdAt == clock.now)
            #expect(try poll(store, since: seen + 1) == ["old"])
        }
    }

    /// Many changes share one millisecond while the clock is behind: `updated_since` takes the
    /// millisecond itself (`>=`), and pages through ties by the session's place, each once.
    @Test func changesSharingTheHeldMillisecondAreAllListedOnceAcrossPages() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            try makeSession(store, id: "first")
            let seen = try newest(store)
            clock.advance(-Self.hour)
            for i in 0..<5 { try makeSession(store, id: "tie-\(i)") }
            _ = try store.appendTurn(session: "first", actor: "bob", NewTurn(role: .user, content: "again"))
            let all = try store.listSessions(SessionFilter(member: "alice", limit: 100)).sessions
            #expect(all.allSatisfy { $0.updatedAt == seen }, "\(all.map(\.updatedAt))")
            let paged = try poll(store, since: seen, limit: 2)
            #expect(paged.count == 6 && Set(paged).count == 6, "\(paged)")
            // The poller that already had "first" at `seen` tells the new change by its head_eseq.
            #expect(all.first { $0.id == "first" }.map(\.lastEventSeq) ?? 0 > 0)
        }
    }

    @Test func aStoreOpenedWithItsClockBehindTheDatabaseKeepsItsStamps() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let clock = TestClock()
        let config = clocked(dir, clock)
        var store = try Store(config)
        try createTestUsers(store)
        try makeSession(store, id: "before")
        let seen = try newest(store)
        try makeSession(store, id: "other")
        store.close()

        clock.advance(-Self.hour)
        store = try Store(config)
        defer { store.close() }
        _ = try store.appendTurn(session: "before", actor: "bob", NewTurn(role: .user, content: "after restart"))
        #expect(try poll(store, since: seen).contains("before"))
        #expect(try #require(store.turns(session: "before", actor: "alice", limit: 100).last).createdAt >= seen)
    }

    /// Another process (`tandem-admin`) writing meanwhile: its stamps count too.
    @Test func anotherWritersLaterStampsAreNotGoneBelow() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let clock = TestClock()
        let config = clocked(dir, clock)
        let server = try Store(config)
        defer { server.close() }
        try createTestUsers(server)
        try makeSession(server, id: "s1")
        let admin = try Store(clocked(dir, clock, ahead: Self.hour))
        try makeSession(admin, id: "from-admin")
        admin.close()
        let seen = try newest(server)
        #expect(seen == clock.now + Self.hour)
        _ = try server.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "later"))
        #expect(try poll(server, since: seen).contains("s1"))
    }

    /// Deadlines kept as wall-clock instants stay on the wall clock: the access watcher checks
    /// them against it, so a link made while the stamps are held lasts what it was given.
    @Test func expiriesAreSetAndCheckedOnTheWallClockWhileStampsAreHeld() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            try makeSession(store)
            clock.advance(-Self.hour)
            let link = try store.createShareLink(session: "s1", actor: "alice", expiry: .after(milliseconds: 60_000))
            #expect(link.link.expiresAt == clock.now + 60_000)
            #expect(link.link.createdAt == clock.now + Self.hour, "its creation is a stamp")
            clock.advance(59_999)
            #expect(try store.resolveShareLink(secret: link.secret).id == link.link.id)
            clock.advance(1)
            #expect(throws: StoreError.self) { try store.resolveShareLink(secret: link.secret) }
            let token = try store.createToken(userID: "bob", label: "t", lifetime: 1_000)
            #expect(token.token.expiresAt == clock.now + 1_000)
        }
    }

    /// One log line per step back, none for a sub-second one; a step back of up to an hour holds
    /// the stamps; a clock set a year ahead and put right does not freeze them at that year (nor
    /// retention with them): they follow the clock back, and the report says they were not held.
    @Test func aStepBackIsReportedOnceAndAForwardMistakeIsNotHeldForAYear() throws {
        let clock = TestClock()
        let reports = Mutex<[ClockStep]>([])
        try withStore(clock: clock, configure: { $0.onClockBehind = { step in reports.withLock { $0.append(step) } } }) { store in
            try makeSession(store)
            clock.advance(-500)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "small step"))
            #expect(reports.withLock { $0.count } == 0, "a sub-second step is held, not reported")
            clock.advance(1_000)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "caught up"))
            let before = clock.now
            clock.advance(-(Self.hour - 1_000))
            for i in 0..<3 { _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "\(i)")) }
            #expect(reports.withLock { $0 } == [ClockStep(behind: Self.hour - 1_000, stamp: before, held: true)],
                    "once for the step, whatever the writes")
            #expect(try store.turns(session: "s1", actor: "alice", limit: 100).last?.createdAt == before)

            let year: Int64 = 365 * 24 * Self.hour
            clock.set(before + year)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "a year ahead"))
            clock.set(before + 10)
            for i in 0..<3 { _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "back \(i)")) }
            #expect(reports.withLock { Array($0.dropFirst()) } == [ClockStep(behind: year - 10, stamp: before + 10, held: false)])
            #expect(try store.turns(session: "s1", actor: "alice", limit: 100).last?.createdAt == before + 10,
                    "the stamps follow the clock back, not held at the year")
            // Stepped back again, a little: held and reported anew.
            clock.advance(-2_000)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "back again"))
            #expect(reports.withLock { $0.last } == ClockStep(behind: 2_000, stamp: before + 10, held: true))
        }
    }

    /// The hold is the operator's (`clock-hold`): a step back within it is held, one past it
    /// follows the clock; 0 never holds, and reports only steps of a second or more.
    private static let holds: [(hold: Int64, step: Int64, held: Bool)] = [
        (2 * hour, 90 * 60_000, true), (10 * 60_000, 20 * 60_000, false), (0, 500, false), (0, 5_000, false),
    ]

    @Test("the hold is configurable", arguments: holds)
    func theHoldIsTheConfiguredOne(hold: Int64, step: Int64, held: Bool) throws {
        let clock = TestClock()
        let reports = Mutex<[ClockStep]>([])
        try withStore(clock: clock, configure: {
            $0.maxClockHoldMilliseconds = hold
            $0.onClockBehind = { step in reports.withLock { $0.append(step) } }
        }) { store in
            try makeSession(store)
            let before = clock.now
            clock.advance(-step)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "after the step"))
            let stamp = try #require(store.turns(session: "s1", actor: "alice", limit: 100).last).createdAt
            #expect(stamp == (held ? before : clock.now))
            let reported = reports.withLock { $0 }
            if step < 1_000 {
                #expect(reported.isEmpty, "a sub-second step is not reported")
            } else {
                #expect(reported == [ClockStep(behind: step, stamp: stamp, held: held)])
            }
        }
    }

    /// A document dated in the future would hold every later stamp at its date (stamps resume from
    /// the newest `updated_at` at open): an import takes at most the import's own stamp.
    @Test func anImportDatedInTheFutureDoesNotHoldTheStamps() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let clock = TestClock()
        let config = clocked(dir, clock)
        var store = try Store(config)
        try createTestUsers(store)
        try makeSession(store)
        var document = try store.exportSession(id: "s1", actor: "alice")
        guard case .object(var top) = document, case .object(var session)? = top["session"] else {
            Issue.record("no session in the document"); return
        }
        session["updated_at"] = .integer(clock.now + 100 * Self.hour)
        top["session"] = .object(session)
        document = .object(top)
        let imported = try store.importSession(document, asID: "copy", claimedBy: "alice")
        #expect(imported.updatedAt == clock.now)
        store.close()
        clock.advance(1)
        store = try Store(config)
        defer { store.close() }
        _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "now"))
        #expect(try store.turns(session: "s1", actor: "alice", limit: 100).last?.createdAt == clock.now)
    }

    /// The stamps resume at open from index maxima only: no table is scanned, however large.
    @Test func recoveringTheLastStampReadsIndexesOnly() throws {
        try withStore { store in
            let plan = try store.read { db throws(StoreError) in
                try db.query("EXPLAIN QUERY PLAN " + WriteStamps.recoverySQL) { $0.text(3) }
            }
            #expect(!plan.isEmpty)
            #expect(plan.allSatisfy { !$0.hasPrefix("SCAN") || $0 == "SCAN CONSTANT ROW" }, "\(plan)")
        }
    }
}
