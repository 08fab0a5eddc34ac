import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// Requests other than `turn.post` run on the server's work pool and wait there for their write.
    /// A write to a session a branch merge holds waits for the whole merge; enough of them must not
    /// take every work-pool thread, or every other session's requests wait for the merge too.
    @Suite("Merge hold and the work pool") struct MergeHoldPoolTests {
        @Test("writes to a held parent do not take every work-pool thread: another session's requests answer meanwhile")
        func heldWritesLeaveThePoolFree() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            try harness.session("main", owner: alice)
            try harness.session("other", owner: bob)
            let store = harness.store
            _ = try store.appendTurn(session: "main", actor: "alice", NewTurn(role: .user, content: "base"))
            _ = try store.createBranch(session: "main", actor: "alice", id: "big")
            // A merge under way, as another process (tandem-admin finishing one at its open) would
            // leave it while it runs: the parent and the branch held, nothing advancing here.
            let database = try Database(path: harness.databasePath)
            let sids = try (database.scalar("SELECT sid FROM sessions WHERE id = 'big'") ?? 0,
                            database.scalar("SELECT sid FROM sessions WHERE id = 'main'") ?? 0)
            _ = try database.run("""
                INSERT INTO branch_merges(branch_sid, parent_sid, actor, phase, turn_cursor, resolutions, started_at, updated_at)
                VALUES (?, ?, 'alice', 'turns', 1, '{}', ?, ?)
                """, [.integer(sids.0), .integer(sids.1), .integer(Int64(Date().timeIntervalSince1970 * 1000)),
                      .integer(Int64(Date().timeIntervalSince1970 * 1000))])
            // Lifted before the server stops (deferred after its stop, so run first): its stop
            // waits for the work threads, and those waiting would wait for the hold forever.
            var lifted = false
            defer { if !lifted { _ = try? database.run("DELETE FROM branch_merges") } }
            let writer = try harness.connect(alice)
            // More writes to the held parent than the work pool has threads (max(4, 4 per core)).
            let poolThreads = max(4, ProcessInfo.processInfo.activeProcessorCount * 4)
            var waiting: [Int64] = []
            for n in 0..<poolThreads + 2 {
                waiting.append(try writer.send("state.put", ["session": "main", "key": .string("k\(n)"), "value": .integer(Int64(n)), "base": 0]))
            }
            Thread.sleep(forTimeInterval: 0.5)
            // Bob's own session has nothing to do with the merge: his answers come at once.
            let reader = try harness.connect(bob)
            let started = Date()
            // Behind the held writes it would wait as long as the hold (lifted after this answer): the
            // 10 s bound is a backstop, not a latency bound (a loaded host takes its time).
            let answer = try? reader.request("state.put", ["session": "other", "key": "k", "value": 1, "base": 0], timeout: 30 * testTimeScale)
            let elapsed = Date().timeIntervalSince(started)
            #expect(answer?["ok"] == .bool(true), "another session's write got no answer: \(String(describing: answer))")
            #expect(elapsed < 10 * testTimeScale, "another session's write waited \(elapsed) s for a merge it has nothing to do with")
            // The writes to main that waited (not refused) land once the hold is lifted; those
            // refused say why, with a retry hint.
            _ = try database.run("DELETE FROM branch_merges")
            lifted = true
            var landed = 0
            for id in waiting {
                let response = try writer.response(to: id, timeout: 10)
                if response["ok"] == .bool(true) {
                    landed += 1
                } else {
                    #expect(response["error"]?["code"] == "unavailable", "\(response)")
                    #expect(response["error"]?["message"]?.stringValue?.contains("merge") == true, "\(response)")
                }
            }
            #expect(landed > 0)
            print("held writes: \(landed) of \(waiting.count) waited and landed; another session's write answered in \(Int(elapsed * 1000)) ms")
        }
    }
}

extension EndToEnd {
    /// A server stopping while requests wait for a merge that nobody advances here (a process
    /// that died left it; the pickup that would finish it stops with the server) stops anyway.
    @Suite("Stop with parked writes") struct StopWithParkedWritesTests {
        @Test("the server stops while a request waits for a merge nobody advances")
        func stopsWhileARequestWaitsForAMerge() throws {
            let harness = try TestServer()
            let alice = try harness.user("alice")
            try harness.session("main", owner: alice)
            _ = try harness.store.appendTurn(session: "main", actor: "alice", NewTurn(role: .user, content: "base"))
            _ = try harness.store.createBranch(session: "main", actor: "alice", id: "big")
            let database = try Database(path: harness.databasePath)
            _ = try database.run("""
                INSERT INTO branch_merges(branch_sid, parent_sid, actor, phase, turn_cursor, resolutions, started_at, updated_at)
                SELECT b.sid, p.sid, 'alice', 'turns', b.fork_seq, '{}', 0, 0 FROM sessions b, sessions p WHERE b.id = 'big' AND p.id = 'main'
                """)
            let client = try harness.connect(alice)
            let put = try client.send("state.put", ["session": "main", "key": "k", "value": 1, "base": 0])
            let post = try client.send("turn.post", ["session": "main", "content": "waits"])
            Thread.sleep(forTimeInterval: 0.3)
            let stopped = DispatchSemaphore(value: 0)
            Thread { harness.stop(); stopped.signal() }.start()
            let inTime = stopped.wait(timeout: .now() + 10) == .success
            #expect(inTime, "the server did not stop within 10 s")
            if !inTime {
                _ = try? database.run("DELETE FROM branch_merges") // let it stop
                stopped.wait()
            }
            _ = (put, post)
        }
    }
}
