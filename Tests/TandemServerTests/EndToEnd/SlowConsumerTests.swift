import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// Issue #4: "A slow consumer is cut off (documented close code) without slowing the session for
    /// the others; it can then reconnect and recover with `since`."
    @Suite("Slow consumer") struct SlowConsumerTests {
        @Test("a member that never reads is closed with 4408; the others keep up; it recovers with since")
        func slowConsumerIsCutOffAndRecovers() throws {
            let harness = try TestServer {
                $0.outboundQueueBytes = 256 << 10
                $0.requestsPerSecond = 100_000
                $0.requestBurst = 100_000
                // The cut-off member reads its 4408 only after the writer is done, and the server drops
                // its socket closeTimeout after the cut: the default 5 s made the outcome depend on the
                // writer's speed (under a sanitizer it took longer, and the frame was never read).
                $0.closeTimeoutSeconds = 30 * testTimeScale
            }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            let sam = try harness.user("sam")
            try harness.session("s-slow", owner: alice, members: [(bob, .read), (sam, .read)])
            let slow = try harness.connect(sam, label: "slow")
            let head = try slow.ok("session.join", ["session": "s-slow"]).int("head_eseq")
            let fast = try harness.connect(bob, label: "fast")
            try fast.ok("session.join", ["session": "s-slow"])
            let writer = try harness.connect(alice)

            // 6 MiB of turns: more than the kernel's socket buffers plus the 256 KiB queue hold.
            let turns = 384
            let body = String(repeating: "slow consumers must not slow anyone down. ", count: 16 << 10 / 42)
            let arrivals = Locked<[Int64: Double]>([:])
            let reading = Parallel.start {
                var count = 0
                while count < turns, let event = fast.nextEvent(timeout: 20) {
                    guard event.eventName == "turn", let eseq = event["eseq"]?.intValue else { continue }
                    count += 1
                    let now = monotonicSeconds()
                    arrivals.withLock { $0[eseq] = now }
                }
            }
            var acks: [Int64: Double] = [:]
            var posted = 0
            while posted < turns {
                var ids: [Int64] = []
                for _ in 0..<8 where posted < turns {
                    ids.append(try writer.send("turn.post", ["session": "s-slow", "content": .string("\(posted) " + body)]))
                    posted += 1
                }
                for id in ids {
                    let answer = try writer.response(to: id, timeout: 20)
                    acks[try answer["result"]?.int("eseq") ?? -1] = monotonicSeconds()
                }
            }
            try reading.wait(timeout: 30)
            let final = acks.keys.max() ?? 0
            #expect(acks.count == turns && final == head + Int64(turns))

            // The reading member got every turn, each soon after its acknowledgement.
            let arrived = arrivals.value
            #expect(arrived.count == turns, "the fast member received \(arrived.count) of \(turns)")
            let lags = acks.compactMap { eseq, acked in arrived[eseq].map { $0 - acked } }.sorted()
            let worst = lags.last ?? .infinity
            // Generous for two loaded cores; a session held up by its slow member would stall far longer.
            #expect(worst < 2.0, "the fast member lagged up to \(Int(worst * 1000)) ms behind the writer")

            // Counted at the cut: the slow member's socket stays open (it has read nothing, and the
            // close timeout is 30 s), yet the cut is already on /metrics.
            // (Awaited: the slow member's loop may enqueue its overflowing turn a moment after the
            // fast member's has delivered the last one.)
            #expect(eventually(timeout: 10) { harness.server.metrics.queueDrops.value == 1 },
                    "tandem_slow_consumer_closes_total = \(harness.server.metrics.queueDrops.value) before the socket closed")

            // The slow member: what it has is a gapless prefix, then close 4408.
            let closed = try #require(slow.waitForClose(timeout: 10), "the slow member was never cut off")
            #expect(closed.code == 4408, "\(closed)")
            // Its first join came at `head`: it has everything up to there.
            var ledger = EventLedger(last: head)
            for event in slow.takeBufferedEvents() { ledger.apply(event, from: "slow") }
            #expect(ledger.problems.isEmpty, "before the cut: \(ledger.problems)")
            #expect(ledger.last < final, "the slow member was cut off before the end")
            let cutAt = ledger.last

            // Recover: reconnect and rejoin with since, as protocol.md advises for 4408.
            var attempts = 0
            while ledger.last < final, attempts < 40 {
                attempts += 1
                let again = try harness.connect(sam, label: "slow-\(attempts)")
                let joined = try again.ok("session.join", ["session": "s-slow", "since": .integer(ledger.last)])
                #expect(try joined.int("backlog") == joined.int("head_eseq") - ledger.last)
                while ledger.last < final, let event = again.nextEvent(timeout: 5) { ledger.apply(event, from: again.label) }
                again.close()
            }
            #expect(ledger.problems.isEmpty, "\(ledger.problems)")
            #expect(ledger.applied == Array(1...final), "cut off after eseq \(cutAt) of \(final); recovered every event after \(attempts) rejoin(s)")
        }
    }
}
