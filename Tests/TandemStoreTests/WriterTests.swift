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
            // Hold the writer while the jobs queue up, as happens under load.
            let gate = DispatchSemaphore(value: 0)
            group.enter()
            store.writer.submit({ _ throws(StoreError) in gate.wait() }) { _ in group.leave() }
            let before = store.writer.batches
            for i in 0..<2000 {
                group.enter()
                store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "t\(i)")]) { result in
                    if case .success = result { done.withLock { $0 += 1 } }
                    group.leave()
                }
            }
            gate.signal()
            group.wait()
            #expect(done.withLock { $0 } == 2000)
            // One transaction (plus the gate's) for 2,000 appends: the writer grouped them.
            #expect(store.writer.batches - before <= 2)
            #expect(try store.session(id: "s1", actor: "bob").lastTurnSeq == 2000)
        }
    }

    /// A statement failing halfway through a job without a savepoint (an append) can only be undone
    /// with the whole transaction: that job fails alone, and the others of its batch run again. A
    /// session whose counters had gone wrong used to fail every post of other sessions batched with it.
    @Test func aJobFailingWithoutASavepointFailsAlone() throws {
        try withStore { store in
            try makeSession(store)
            try makeSession(store, id: "s2")
            for n in 1...3 { _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "t\(n)")) }
            _ = try store.writer.perform { ctx throws(StoreError) in
                try ctx.db.run("UPDATE sessions SET last_turn_seq = 1 WHERE id = 's1'") // seq 2 is taken
            }
            let outcomes = Mutex<[String: [String]]>([:])
            let group = DispatchGroup()
            let gate = DispatchSemaphore(value: 0)
            let gateRunning = DispatchSemaphore(value: 0)
            group.enter()
            // A batch of its own (it must not run again with the appends' batch).
            store.writer.submit({ _ throws(StoreError) in gateRunning.signal(); gate.wait() }) { _ in group.leave() }
            gateRunning.wait()
            let before = store.writer.batches
            for i in 0..<100 {
                let session = i % 2 == 0 ? "s1" : "s2"
                group.enter()
                store.appendTurns(session: session, actor: "bob", [NewTurn(role: .user, content: "p\(i)")]) { result in
                    let outcome = switch result { case .success: "ok"; case .failure(let e): e.kind.rawValue }
                    outcomes.withLock { $0[session, default: []].append(outcome) }
                    group.leave()
                }
            }
            gate.signal()
            group.wait()
            let seen = outcomes.withLock { $0 }
            #expect(seen["s2"] == Array(repeating: "ok", count: 50), "\(seen)")
            #expect(seen["s1"]?.first == "sqlite" && seen["s1"]?.count == 50, "\(seen)")
            #expect(store.writer.batches - before <= 60)
            #expect(try store.session(id: "s2", actor: "bob").lastTurnSeq == 50)
        }
    }

    /// An event loop queues one turn's posts with `wakeWriter: false` and wakes the writer once at
    /// the end of the turn: nothing runs before that, and then all of them commit together.
    @Test func heldAppendsWaitForTheWakeUpThenCommitTogether() throws {
        try withStore { store in
            try makeSession(store)
            let done = Mutex(0)
            let group = DispatchGroup()
            let before = store.writer.batches
            for i in 0..<500 {
                group.enter()
                store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "t\(i)")], wakeWriter: false) { result in
                    if case .success = result { done.withLock { $0 += 1 } }
                    group.leave()
                }
            }
            Thread.sleep(forTimeInterval: 0.2)
            #expect(done.withLock { $0 } == 0, "held appends ran before the wake-up")
            #expect(store.writer.batches == before)
            store.writer.wakeForQueuedJobs()
            group.wait()
            #expect(done.withLock { $0 } == 500)
            #expect(store.writer.batches - before == 1)
            #expect(try store.session(id: "s1", actor: "bob").lastTurnSeq == 500)
        }
    }

    /// Appends in one batch number from the counters read with the session lookup; a
    /// non-deferrable job between them that moves the counters is seen by the appends after it.
    @Test func countersReadWithTheSessionLookupStayExactAcrossABatch() throws {
        try withStore { store in
            try makeSession(store, id: "s1")
            try makeSession(store, id: "s2")
            let events1 = try store.session(id: "s1", actor: "bob").lastEventSeq
            let events2 = try store.session(id: "s2", actor: "bob").lastEventSeq
            let results = Mutex<[String: (seq: Int64, eseq: Int64)]>([:])
            let group = DispatchGroup()
            let gate = DispatchSemaphore(value: 0)
            group.enter()
            store.writer.submit({ _ throws(StoreError) in gate.wait() }) { _ in group.leave() }
            func append(_ session: String, _ content: String) {
                group.enter()
                store.appendTurns(session: session, actor: "bob", [NewTurn(role: .user, content: content)], wakeWriter: false) { result in
                    if case .success(let appended) = result {
                        results.withLock { $0[content] = (appended.turns[0].seq, appended.eventSeq) }
                    }
                    group.leave()
                }
            }
            append("s1", "a")
            append("s2", "b")
            // Takes five change-log numbers of s1 directly, as a non-deferrable job does.
            let sid1 = try store.read { db throws(StoreError) in try db.sessionRef("s1", actor: nil).sid }
            group.enter()
            store.writer.submit({ ctx throws(StoreError) in
                _ = try ctx.db.bumpCounters(sid: sid1, turns: 0, events: 5, now: ctx.now)
            }) { _ in group.leave() }
            append("s1", "c")
            append("s2", "d")
            store.writer.wakeForQueuedJobs()
            let before = store.writer.batches
            gate.signal()
            group.wait()
            #expect(store.writer.batches - before <= 2, "the appends and the bump did not share a batch")
            let r = results.withLock { $0 }
            #expect(r["a"]?.seq == 1 && r["a"]?.eseq == events1 + 1)
            #expect(r["c"]?.seq == 2 && r["c"]?.eseq == events1 + 7)
            #expect(r["b"]?.seq == 1 && r["b"]?.eseq == events2 + 1)
            #expect(r["d"]?.seq == 2 && r["d"]?.eseq == events2 + 2)
            let s1 = try store.session(id: "s1", actor: "bob")
            #expect(s1.lastTurnSeq == 2 && s1.lastEventSeq == events1 + 7)
            #expect(try store.session(id: "s2", actor: "bob").lastEventSeq == events2 + 2)
        }
    }

    /// A job submitted the ordinary way takes the held ones with it, ahead of itself (their order).
    @Test func anOrdinaryJobReleasesHeldOnesAheadOfItself() throws {
        try withStore { store in
            try makeSession(store)
            let order = Mutex<[String]>([])
            let group = DispatchGroup()
            for content in ["held-1", "held-2", "woken"] {
                group.enter()
                store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: content)],
                                  wakeWriter: content == "woken") { result in
                    if case .success(let appended) = result { order.withLock { $0.append("\(appended.turns[0].seq):\(content)") } }
                    group.leave()
                }
            }
            group.wait()
            #expect(order.withLock { $0 } == ["1:held-1", "2:held-2", "3:woken"])
        }
    }

    /// Closing the store runs what is held (nothing acknowledged is ever dropped).
    @Test func closeRunsHeldJobs() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let store = try Store(path: dir.dbPath)
        for id in ["alice", "bob", "carol", "dave"] { _ = try store.createUser(id: id, displayName: id) }
        try makeSession(store)
        let result = Mutex<Bool?>(nil)
        store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "held")], wakeWriter: false) { outcome in
            result.withLock { $0 = (try? outcome.get()) != nil }
        }
        store.close()
        #expect(result.withLock { $0 } == true)
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

    /// The failing job's half-written row goes with the rolled-back transaction; the job batched
    /// with it runs again and commits.
    @Test func anSQLiteFailureInASavepointFreeJobRollsItBackAndFailsItAlone() throws {
        try withStore { store in
            try makeSession(store)
            let before = try tableCounts(store)
            let gate = DispatchSemaphore(value: 0)
            let holding = DispatchSemaphore(value: 0)
            let results = Mutex<[String]>([])
            let group = DispatchGroup()
            group.enter()
            // Holds the writer so the next jobs queue up and run in one batch. Wait until it holds:
            // on a loaded machine the writer may otherwise wake late and take the append with it.
            store.writer.submit({ _ throws(StoreError) in holding.signal(); gate.wait() }) { _ in group.leave() }
            holding.wait()
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
            #expect(Set(results.withLock { $0 }) == ["append:ok", "broken:failed"])
            let after = try tableCounts(store)
            #expect(after["turns"] == (before["turns"] ?? 0) + 1)
            #expect(after["users"] == before["users"], "the half-written user row is rolled back")
            // The writer carries on.
            #expect(try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "next")).seq == 2)
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

    @Test func aFullQueueAnswersBusy() throws {
        try withStore(configure: { $0.maxQueuedJobs = 2 }) { store in
            try makeSession(store)
            let gate = DispatchSemaphore(value: 0)
            let started = DispatchSemaphore(value: 0)
            let group = DispatchGroup()
            group.enter()
            store.writer.submit({ _ throws(StoreError) in started.signal(); gate.wait() }) { _ in group.leave() }
            started.wait() // the writer has taken the gate job; the queue is empty again
            let codes = Mutex<[String]>([])
            for _ in 0..<3 {
                group.enter()
                store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "x")]) { r in
                    let code: String
                    switch r {
                    case .success: code = "ok"
                    case .failure(let e): code = e.code
                    }
                    codes.withLock { $0.append(code) }
                    group.leave()
                }
            }
            gate.signal()
            group.wait()
            #expect(codes.withLock { $0 }.sorted() == ["busy", "ok", "ok"])
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
