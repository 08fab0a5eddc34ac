import Foundation
import Synchronization
import TandemJSON
@testable import TandemServer
import TandemStore
import Testing

extension EndToEnd {
    /// A join reads its backlog (or its view) before it takes the session's fan-out lock: while a
    /// join holds it, every publish of the session waits, so every member's live delivery stalls.
    @Suite("JoinReadOutsideLock") struct JoinReadOutsideLockTests {
        @Test("a since-join over 5,000 events and a view join make at most one store read each under the fan-out lock")
        func heavyReadsAreOutsideTheLock() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-long", owner: alice)
            for chunk in stride(from: 0, to: 5_000, by: 1_000) {
                _ = try harness.store.appendTurns(session: "s-long", actor: "alice",
                                                  (chunk..<chunk + 1_000).map { NewTurn(role: .user, content: "turn \($0)") })
            }
            let metrics = harness.server.metrics
            func reads() -> Int { metrics.joinLockedReads.value }

            let resuming = try harness.connect(alice, label: "resuming")
            let before = reads()
            let joined = try resuming.ok("session.join", ["session": "s-long", "since": 0], timeout: 30)
            #expect(joined["backlog"] == 5_000 && joined["head_eseq"] == 5_000)
            var ledger = EventLedger()
            while ledger.last < 5_000, let event = resuming.nextDurableEvent(timeout: 10) { ledger.apply(event, from: "resuming") }
            #expect(ledger.problems.isEmpty && ledger.applied == Array(1...5_000), "\(ledger.problems)")
            let sinceReads = reads() - before
            #expect(sinceReads <= 1, "store reads under the fan-out lock for a 5,000-event since-join: \(sinceReads)")

            let viewing = try harness.connect(alice, label: "viewing")
            let start = reads()
            let view = try viewing.ok("session.join", ["session": "s-long", "last": 50, "state": true])
            #expect(view["turns"]?.arrayValue?.count == 50 && view["head_eseq"] == 5_000 && view["backlog"] == 0)
            let viewReads = reads() - start
            #expect(viewReads <= 1, "store reads under the fan-out lock for a join without since: \(viewReads)")
        }

        @Test("a member removed between the join's read and its subscription is refused, with or without since",
              arguments: [true, false])
        func removedWhileJoiningIsRefused(withSince: Bool) throws {
            // Written straight to the store: nothing publishes it before the join subscribes.
            let removeBob = Locked<Store?>(nil)
            let harness = try TestServer {
                $0.joinTuning.afterRead = { _ = try? removeBob.value?.removeMember(session: "s-rm", actor: "alice", user: "bob") }
            }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            try harness.session("s-rm", owner: alice, members: [(bob, .write)])
            _ = try harness.store.appendTurns(session: "s-rm", actor: "alice", (0..<20).map { NewTurn(role: .user, content: "t\($0)") })
            removeBob.withLock { $0 = harness.store }
            let client = try harness.connect(bob)
            let params: [String: JSONValue] = withSince ? ["session": "s-rm", "since": 5] : ["session": "s-rm"]
            let answer = try client.request("session.join", params)
            #expect(answer["ok"] == false, "a removed member's join: \(answer)")
            #expect(client.nextDurableEvent(timeout: 0.3) == nil, "nothing of the session reaches them")
        }

        /// Deleted and made again under its id by someone else between the join's read and its
        /// subscription, with more events than the old head: the page read under the lock is of
        /// another session, whatever its event numbers.
        @Test("a session deleted and made again while joining is never taken for the one read",
              arguments: [(withSince: true, bobInNew: false), (withSince: false, bobInNew: false), (withSince: false, bobInNew: true)])
        func madeAgainWhileJoiningIsNotTheSessionRead(withSince: Bool, bobInNew: Bool) throws {
            let store = Locked<Store?>(nil)
            let harness = try TestServer {
                $0.joinTuning.afterRead = {
                    guard let store = store.value else { return }
                    _ = try? store.deleteSession(id: "s-re", actor: "alice")
                    _ = try? store.createSession(id: "s-re", title: "carol's", owner: "carol")
                    if bobInNew { _ = try? store.setMember(session: "s-re", actor: "carol", user: "bob", role: .read) }
                    _ = try? store.appendTurns(session: "s-re", actor: "carol", (0..<60).map { NewTurn(role: .user, content: "carol \($0)") })
                }
            }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            _ = try harness.user("carol")
            try harness.session("s-re", owner: alice, members: [(bob, .write)])
            _ = try harness.store.appendTurns(session: "s-re", actor: "alice", (0..<20).map { NewTurn(role: .user, content: "alice \($0)") })
            store.withLock { $0 = harness.store }
            let client = try harness.connect(bob)
            let answer = try client.request("session.join", withSince ? ["session": "s-re", "since": 5] : ["session": "s-re", "last": 100])
            if bobInNew {
                // Without since the join reads the new session's view under the lock: its head, its turns.
                let head = try harness.store.session(id: "s-re").lastEventSeq
                #expect(answer["ok"] == true && answer["result"]?["head_eseq"] == .integer(head), "\(answer)")
                #expect(answer["result"]?["turns"]?.arrayValue?.allSatisfy { $0["author"] == "carol" } == true)
            } else {
                #expect(answer["ok"] == false, "\(answer)")
                if withSince { #expect(answer["error"]?["code"] == "resync_required", "\(answer)") }
            }
            while let event = client.nextDurableEvent(timeout: 0.3) {
                #expect(bobInNew && event["session"] == "s-re", "nothing of carol's session reaches bob unless he is its member: \(event)")
            }
        }

        @Test("joins with and without since racing a steady poster each see every eseq once, in order",
              arguments: [(100, 3), (1, 3), (1, 0)])
        func joinsRacingAPosterAreGaplessAndDuplicateFree(pageUnderLock: Int, catchUps: Int) throws {
            // With a page of 1, any two events committed while a join read make it leave the lock,
            // catch up outside and come back; with no catch-ups, read the rest under the lock.
            let harness = try TestServer {
                $0.requestsPerSecond = 100_000
                $0.requestBurst = 100_000
                $0.joinTuning = JoinTuning(pageUnderLock: pageUnderLock, catchUps: catchUps)
            }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            try harness.session("s-race", owner: alice, members: [(bob, .read)])
            // A backlog to replay, so that posts land while joins read it.
            _ = try harness.store.appendTurns(session: "s-race", actor: "alice",
                                              (0..<2_000).map { NewTurn(role: .user, content: "old \($0)") })
            let writer = try harness.connect(alice, label: "writer")
            let stop = Locked<Bool>(false)
            let lastAck = Locked<Int64>(0)
            let writing = Parallel.start {
                var n = 0
                while !stop.value && n < 6_000 {
                    var ids: [Int64] = []
                    for _ in 0..<8 {
                        ids.append(try writer.send("turn.post", ["session": "s-race", "content": .string("new \(n)")]))
                        n += 1
                    }
                    for id in ids {
                        let answer = try writer.response(to: id, timeout: 20)
                        guard let eseq = answer["result"]?["eseq"]?.intValue else { throw TestFailure("post failed: \(answer)") }
                        lastAck.withLock { $0 = max($0, eseq) }
                    }
                }
            }
            let problems = Locked<[String]>([])
            let joins = Locked<(since: Int, view: Int)>((0, 0))
            try Parallel.run(8) { index in
                var ledger = EventLedger()
                for round in 0..<5 {
                    let reader = try harness.connect(bob, label: "reader-\(index)-\(round)")
                    // Odd readers start with a view join; every later round resumes with since (from 0
                    // for even readers: the whole backlog).
                    if round == 0 && index % 2 == 1 {
                        let joined = try reader.ok("session.join", ["session": "s-race", "last": 5], timeout: 30)
                        ledger = EventLedger(last: try joined.int("head_eseq"))
                        joins.withLock { $0.view += 1 }
                    } else {
                        let since = ledger.last
                        let joined = try reader.ok("session.join", ["session": "s-race", "since": .integer(since)], timeout: 30)
                        if try joined.int("backlog") != joined.int("head_eseq") - since {
                            problems.withLock { $0.append("\(reader.label): backlog \(joined) after since \(since)") }
                        }
                        joins.withLock { $0.since += 1 }
                    }
                    let target = ledger.last + 300
                    while ledger.last < target, let event = reader.nextDurableEvent(timeout: 10) { ledger.apply(event, from: reader.label) }
                    reader.disconnect()
                }
                problems.withLock { $0 += ledger.problems }
                if ledger.applied != Array(1...max(1, ledger.last)) {
                    problems.withLock { $0.append("reader \(index): not every eseq 1...\(ledger.last) once, in order") }
                }
            }
            stop.withLock { $0 = true }
            try writing.wait()
            #expect(problems.value.isEmpty, "\(problems.value)")
            #expect(joins.value.since == 36 && joins.value.view == 4)
            #expect(lastAck.value > 2_300, "the writer really was posting throughout (head \(lastAck.value))")
        }
    }
}
