import Synchronization
import Testing
@testable import TandemServer

/// Collects what a fanout delivers, per recipient.
final class DeliveryLog: Sendable {
    let received = Mutex<[String: [Int64]]>([:])
    func record(_ seq: Int64, _ to: [String]) {
        received.withLock { r in for name in to { r[name, default: []].append(seq) } }
    }
    func of(_ name: String) -> [Int64] { received.withLock { $0[name] ?? [] } }
}

/// A sequence number shared between test tasks.
final class SharedSequence: Sendable {
    let value = Atomic<Int64>(0)
}

@Suite struct SequencedFanoutTests {
    @Test func holdsBackUntilTheGapFills() {
        let log = DeliveryLog()
        let fanout = SequencedFanout<String, String, [String]>(delivered: 10) { _, seq, to in log.record(seq, to) }
        fanout.subscribe("a") { delivered in (delivered, ()) }
        #expect(fanout.publish(12, "m12") == true)
        #expect(fanout.publish(13, "m13") == true)
        #expect(log.of("a") == [])
        #expect(fanout.gap == 11)
        #expect(fanout.publish(11, "m11") == false)
        #expect(log.of("a") == [11, 12, 13])
        fanout.publish(12, "again")
        fanout.publish(9, "old")
        #expect(log.of("a") == [11, 12, 13], "old and repeated sequences are dropped")
    }

    @Test func floorsKeepBacklogAndLiveFromOverlapping() {
        let log = DeliveryLog()
        let fanout = SequencedFanout<String, String, [String]>(delivered: 0) { _, seq, to in log.record(seq, to) }
        fanout.subscribe("a") { d in (d, ()) }
        fanout.publish(1, "1")
        // "b" joins having read the store up to 3 (2 and 3 committed but not yet published).
        fanout.subscribe("b") { _ in (3, ()) }
        fanout.publish(3, "3")
        fanout.publish(2, "2")
        fanout.publish(4, "4")
        #expect(log.of("a") == [1, 2, 3, 4])
        #expect(log.of("b") == [4])
        #expect(fanout.unsubscribe("a") == 1)
        fanout.publish(5, "5")
        #expect(log.of("a") == [1, 2, 3, 4])
        #expect(log.of("b") == [4, 5])
    }

    /// A join whose backlog declines (more came than it reads under the lock) is not subscribed and
    /// gets nothing; when it comes back it gets what follows its floor, once.
    @Test func aDeclinedSubscriptionGetsNothingUntilItComesBack() {
        let log = DeliveryLog()
        let fanout = SequencedFanout<String, String, [String]>(delivered: 0) { _, seq, to in log.record(seq, to) }
        fanout.subscribe("a") { d in (d, ()) }
        let declined: Void? = fanout.trySubscribe("b") { _ in nil }
        #expect(declined == nil && fanout.subscriberCount == 1)
        fanout.publish(1, "1")
        fanout.publish(2, "2")
        #expect(log.of("b") == [])
        let joined: Int? = fanout.trySubscribe("b") { delivered in (floor: delivered, value: 7) }
        #expect(joined == 7 && fanout.subscriberCount == 2)
        fanout.publish(3, "3")
        #expect(log.of("a") == [1, 2, 3])
        #expect(log.of("b") == [3])
    }

    /// A removed member's connections hear the removal and nothing after it, even when a later event
    /// was offered first and only waited for the removal (a poster's turn racing the removal).
    @Test func silencedSubscribersGetTheEventAndNothingLater() {
        let log = DeliveryLog()
        let fanout = SequencedFanout<String, String, [String]>(delivered: 0) { _, seq, to in log.record(seq, to) }
        for name in ["alice", "bob-1", "bob-2"] { fanout.subscribe(name) { d in (d, ()) } }
        fanout.publish(1, "turn")
        #expect(fanout.publish(3, "turn after the removal") == true)
        fanout.publish(2, "bob removed", silencing: { $0.hasPrefix("bob") })
        fanout.publish(4, "another turn")
        #expect(log.of("alice") == [1, 2, 3, 4])
        #expect(log.of("bob-1") == [1, 2])
        #expect(log.of("bob-2") == [1, 2])
        #expect(Set(fanout.recipients) == ["alice", "bob-1", "bob-2"], "listed until unsubscribed")
        fanout.unsubscribe("bob-1")
        fanout.unsubscribe("bob-2")
        fanout.subscribe("carol") { d in (d, ()) }
        fanout.publish(5, "to everyone again")
        #expect(log.of("alice") == [1, 2, 3, 4, 5])
        #expect(log.of("carol") == [5])
        #expect(log.of("bob-1") == [1, 2])
    }

    /// A deleted session's last event: what waits goes first (numbers that can no longer come are
    /// skipped), the last one is numbered after everything known, and nobody is left subscribed. Its
    /// number used to be taken before a racing post, whose event then had the same one, and one of
    /// the two was dropped as a repeat: the followers never heard `deleted`.
    @Test func finishDeliversWhatWaitsThenTheLastEventAndDropsEveryone() {
        let log = DeliveryLog()
        let fanout = SequencedFanout<String, String, [String]>(delivered: 0) { message, seq, to in
            log.record(seq, to)
            if message == "deleted" { log.record(-seq, to) }
        }
        fanout.subscribe("a") { d in (d, ()) }
        fanout.subscribe("b") { d in (d, ()) }
        fanout.publish(1, "turn")
        fanout.publish(2, "turn committed before the delete")
        #expect(fanout.publish(4, "held back: 3 never comes") == true)
        let dropped = fanout.finish(after: 2) { _ in "deleted" }
        #expect(Set(dropped) == ["a", "b"])
        #expect(log.of("a") == [1, 2, 4, 5, -5] && log.of("b") == [1, 2, 4, 5, -5])
        #expect(fanout.subscriberCount == 0)
        fanout.publish(6, "late")
        #expect(log.of("a").count == 5, "nothing after the last event")
    }

    /// Many publishers racing with joiners: every subscriber sees a gapless, duplicate-free run
    /// that starts right after its floor.
    @Test func concurrentPublishersAndJoinersNeverGapOrRepeat() async {
        let log = DeliveryLog()
        let committed = SharedSequence()
        let fanout = SequencedFanout<String, Int64, [String]>(delivered: 0) { _, seq, to in log.record(seq, to) }
        let floors = DeliveryLog()
        let total: Int64 = 4_000
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    // Each worker "commits" sequences in its residue class, then publishes them.
                    var seq = Int64(worker + 1)
                    while seq <= total {
                        while committed.value.load(ordering: .acquiring) != seq - 1 { await Task.yield() }
                        committed.value.store(seq, ordering: .releasing)
                        if seq % 3 == 0 { await Task.yield() }
                        fanout.publish(seq, seq)
                        seq += 4
                    }
                }
            }
            for joiner in 0..<20 {
                group.addTask {
                    for _ in 0..<(joiner * 50) { await Task.yield() }
                    let name = "j\(joiner)"
                    fanout.subscribe(name) { delivered in
                        let head = max(delivered, committed.value.load(ordering: .acquiring))
                        floors.received.withLock { $0[name] = [head] }
                        return (head, ())
                    }
                }
            }
        }
        #expect(fanout.delivered == total)
        for joiner in 0..<20 {
            let name = "j\(joiner)"
            let floor = floors.of(name)[0]
            let expected = floor < total ? Array((floor + 1)...total) : []
            #expect(log.of(name) == expected, "\(name) from floor \(floor)")
        }
    }
}
