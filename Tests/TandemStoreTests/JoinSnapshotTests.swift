import Foundation
import Synchronization
import Testing
@testable import TandemStore

/// A join without `since` and a history page each read from one snapshot. Read apart, a join showed
/// a row newer than the head it gave (the client then applied that write again when it came live:
/// 6 joins in 1,000 under writes), and a history page a head past its last turn (90 in 3,000).
@Suite struct JoinSnapshotTests {
    @Test func aJoinViewAndAHistoryPageAgreeWithTheirHeadUnderWrites() throws {
        try withStore { store in
            _ = try makeSession(store)
            let base = try store.session(id: "s1").lastEventSeq
            let stop = Atomic<Bool>(false)
            let done = DispatchSemaphore(value: 0)
            // Alternately a row write and a post: each is one event, so the row's version says which
            // event wrote it, and every turn stays live.
            let writer = Thread {
                var version: Int64 = 0
                while !stop.load(ordering: .relaxed) {
                    if case .applied(let row, _)? = try? store.writeRow(session: "s1", actor: "bob", key: "k", value: ["v": .integer(version + 1)],
                                                                         baseVersion: version) { version = row.version }
                    _ = try? store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "t"))
                }
                done.signal()
            }
            writer.start()
            defer { stop.store(true, ordering: .relaxed); done.wait() }
            var heads: Set<Int64> = []
            var joins = 0
            // At least 1,500 joins, and on until the writes moved the head 21 times meanwhile: on a
            // loaded machine the writing thread got so little CPU that 1,500 joins saw 19 heads.
            // 120 s only guards against a writer that never moves.
            let giveUp = Date().addingTimeInterval(120)
            while joins < 1500 || (heads.count <= 20 && Date() < giveUp) {
                joins += 1
                let view = try store.joinView(session: "s1", actor: "alice", lastTurns: 5, includeState: true,
                                              stateLimit: 100, budget: PageBudget(maxBytes: 1 << 20))
                let events = view.session.lastEventSeq - base
                heads.insert(events)
                // Row version v was written by the (2v - 1)th event after `base`.
                if let row = view.rows.first { #expect(2 * row.version - 1 <= events, "row v\(row.version) is newer than head \(events)") }
                #expect(view.turns.last?.seq ?? 0 == view.session.lastTurnSeq)
                let page = try store.turnPage(session: "s1", actor: "alice", newest: true, limit: 3, budget: PageBudget(maxBytes: 1 << 20))
                #expect(page.turns.last?.seq ?? 0 == page.headSeq)
            }
            #expect(heads.count > 20, "the writes went on while the joins read (\(heads.count) heads seen)")
        }
    }
}
