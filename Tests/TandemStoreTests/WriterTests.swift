import Foundation
import Synchronization
import Testing
@testable import TandemStore

@Suite struct WriterTests {
    @Test func groupCommitBatchesConcurrentJobs() throws {
        try withStore { store in
            try makeSession(store)
            let done = Mutex(0)
            let group = DispatchGroup()
            for i in 0..<2000 {
                group.enter()
                store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "t\(i)")]) { result in
                    if case .success = result { done.withLock { $0 += 1 } }
                    group.leave()
                }
            }
            group.wait()
            #expect(done.withLock { $0 } == 2000)
            // Far fewer transactions than jobs: the writer grouped them.
            #expect(store.writer.batches < 2000 / 4)
        }
    }

    @Test func aFailingJobRollsBackAloneInItsBatch() throws {
        try withStore { store in
            try makeSession(store)
            let results = Mutex<[String: Bool]>([:])
            let group = DispatchGroup()
            for (actor, session) in [("bob", "s1"), ("bob", "nope"), ("dave", "s1"), ("alice", "s1")] {
                group.enter()
                store.appendTurns(session: session, actor: actor, [NewTurn(role: .user, content: actor)]) { result in
                    results.withLock { $0["\(actor)@\(session)"] = (try? result.get()) != nil }
                    group.leave()
                }
            }
            group.wait()
            #expect(results.withLock { $0 } == ["bob@s1": true, "bob@nope": false, "dave@s1": false, "alice@s1": true])
            let turns = try store.lastTurns(session: "s1", actor: "alice", count: 10)
            #expect(turns.map(\.seq) == [1, 2])
            #expect(Set(turns.map(\.author)) == ["bob", "alice"])
        }
    }

    @Test func anSQLiteFailureInASavepointFreeJobAbortsItsWholeBatch() throws {
        try withStore { store in
            try makeSession(store)
            let before = try tableCounts(store)
            let gate = DispatchSemaphore(value: 0)
            let results = Mutex<[String]>([])
            let group = DispatchGroup()
            group.enter()
            // Holds the writer so the next jobs queue up and run in one batch.
            store.writer.submit({ _ throws(StoreError) in gate.wait() }) { _ in group.leave() }
            group.enter()
            store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "innocent")]) { r in
                results.withLock { $0.append("append:" + ((try? r.get()) == nil ? "failed" : "ok")) }
                group.leave()
            }
            group.enter()
            store.writer.enqueue(deferrable: true, savepoint: false, { ctx throws(StoreError) in
                try ctx.db.run("INSERT INTO users(id, display_name, created_at) VALUES ('half', 'written', 0)")
                throw StoreError(.sqlite, "simulated I/O error after a write")
            }, completion: { (r: Result<Void, StoreError>) in
                results.withLock { $0.append("broken:" + ((try? r.get()) == nil ? "failed" : "ok")) }
                group.leave()
            })
            usleep(50_000)
            gate.signal()
            group.wait()
            #expect(Set(results.withLock { $0 }) == ["append:failed", "broken:failed"])
            #expect(try tableCounts(store) == before)
            // The writer carries on.
            #expect(try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "next")).seq == 1)
        }
    }

    @Test func completionMeansCommittedAndVisibleToReaders() throws {
        try withStore { store in
            try makeSession(store)
            for i in 1...20 {
                let turn = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "x"))
                #expect(turn.seq == Int64(i))
                // A reader connection (another connection) sees it right away.
                #expect(try store.lastTurns(session: "s1", actor: "dave", count: 1).first?.seq == Int64(i))
            }
        }
    }

    @Test func closedStoreRefusesWrites() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let store = try Store(path: dir.dbPath)
        store.close()
        #expect(errorCode { _ = try store.createUser(id: "x", displayName: "X") } == "closed")
    }

    @Test func asyncPerformWorks() async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let store = try Store(path: dir.dbPath)
        defer { store.close() }
        let n = try await store.writer.perform { ctx throws(StoreError) in try ctx.db.scalar("SELECT 41 + 1") ?? 0 }
        #expect(n == 42)
    }
}
