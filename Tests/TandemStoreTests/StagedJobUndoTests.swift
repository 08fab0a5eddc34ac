import Dispatch
import Synchronization
import Testing
@testable import TandemStore

/// A write job stages its session counters and contributions straight into the batch's
/// (`WriteContext.jobChanges`); a job that fails after staging must leave the batch as if it had
/// never run, also where earlier and later jobs of the same batch staged the same session and
/// member.
@Suite struct StagedJobUndoTests {
    @Test func aJobFailingAfterStagingLeavesTheBatchsCountersAndContributions() throws {
        try withStore { store in
            try makeSession(store)
            let sid = try store.read { db throws(StoreError) in try db.sessionRef("s1", actor: "alice").sid }
            let before = try store.session(id: "s1")
            let failures = Mutex<[String]>([])
            let group = DispatchGroup()
            let writesBefore = store.writer.batches
            func post(_ text: String, tokensIn: Int64) {
                group.enter()
                store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: text, tokensIn: tokensIn)],
                                  wakeWriter: false) { result in
                    if case .failure(let error) = result { failures.withLock { $0.append("\(error)") } }
                    group.leave()
                }
            }
            post("one", tokensIn: 3)
            // Reserves numbers and counts for bob twice (a key the batch holds already, then its
            // session again), and for a member the batch has not counted yet, then fails its checks.
            group.enter()
            store.writer.enqueue(deferrable: true, savepoint: false, wake: false, { ctx throws(StoreError) -> Int in
                _ = try ctx.reserve(sid: sid, turns: 5, events: 5)
                ctx.count(sid: sid, user: "bob", ContributionCounts(turns: 5, tokensIn: 500))
                _ = try ctx.reserve(sid: sid, turns: 1, events: 1)
                ctx.count(sid: sid, user: "bob", ContributionCounts(turns: 1))
                ctx.count(sid: sid, user: "carol", ContributionCounts(comments: 9))
                throw StoreError(.conflict, "refused after staging")
            }, completion: { result in
                if case .success = result { failures.withLock { $0.append("the failing job succeeded") } }
                group.leave()
            })
            post("two", tokensIn: 4)
            store.writer.wakeForQueuedJobs()
            group.wait()
            #expect(failures.withLock { $0 } == [])
            #expect(store.writer.batches - writesBefore == 1, "the three jobs did not share one batch")

            let after = try store.session(id: "s1")
            #expect(after.lastTurnSeq == before.lastTurnSeq + 2)
            #expect(after.lastEventSeq == before.lastEventSeq + 2)
            #expect(try store.turns(session: "s1", actor: "bob", limit: 10).map(\.seq) == [before.lastTurnSeq + 1, before.lastTurnSeq + 2])
            let counts = try store.read { db throws(StoreError) in
                try db.query("SELECT user_id, turns, tokens_in, comments FROM contributions WHERE sid = ? ORDER BY user_id",
                             [.integer(sid)]) { row throws(StoreError) in
                    "\(row.text(0)) \(row.int(1)) \(row.int(2)) \(row.int(3))"
                }
            }
            #expect(counts.filter { $0.hasPrefix("bob ") } == ["bob 2 7 0"])
            #expect(counts.filter { $0.hasPrefix("carol ") }.isEmpty)
        }
    }
}
