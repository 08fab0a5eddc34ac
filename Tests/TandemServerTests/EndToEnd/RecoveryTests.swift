import Foundation
import Synchronization
import TandemJSON
import TandemStore
import Testing

/// A client's view of one session's durable events, applied by the rules of protocol.md
/// ("Recovery"): each eseq exactly once, in order.
struct EventLedger {
    private(set) var applied: [Int64] = []
    private(set) var turns: [Int64: String] = [:]
    var last: Int64 { applied.last ?? 0 }
    private(set) var problems: [String] = []

    /// A ledger that already holds eseq 1...`last` (a first join's `head_eseq`).
    init(last: Int64 = 0) {
        applied = last > 0 ? Array(1...last) : []
    }

    /// Applies a durable event; records a gap or a duplicate as a problem. Ephemeral events are ignored.
    mutating func apply(_ event: JSONValue, from label: String) {
        guard let eseq = event["eseq"]?.intValue else { return }
        if eseq != last + 1 {
            problems.append("\(label): eseq \(eseq) after \(last) (\(eseq <= last ? "duplicate" : "gap"))")
            if eseq <= last { return }
        }
        applied.append(eseq)
        if event.eventName == "turn", let content = event["content"]?.stringValue { turns[eseq] = content }
    }
}

extension EndToEnd {
    /// Issue #4: "reconnect-with-since under load loses nothing" (protocol.md, "Recovery").
    @Suite("Recovery") struct RecoveryTests {
        @Test("a reader dropped 6 times while a writer keeps posting ends with every eseq once, in order")
        func reconnectWithSinceUnderLoad() throws {
            let harness = try TestServer { $0.requestsPerSecond = 100_000; $0.requestBurst = 100_000 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            try harness.session("s-rec", owner: alice, members: [(bob, .read)])
            let writer = try harness.connect(alice)

            let acked = Locked<[Int64: String]>([:])
            let stop = Locked<Bool>(false)
            let writing = Parallel.start {
                var n = 0
                // Keep posting (windows of 4 in flight) until the reader has done its rounds.
                while !stop.value && n < 4000 {
                    var ids: [(Int64, String)] = []
                    for _ in 0..<4 {
                        let content = "turn \(n)"
                        ids.append((try writer.send("turn.post", ["session": "s-rec", "content": .string(content)]), content))
                        n += 1
                    }
                    for (id, content) in ids {
                        let answer = try writer.response(to: id, timeout: 20)
                        guard let eseq = answer["result"]?["eseq"]?.intValue else { throw TestFailure("post failed: \(answer)") }
                        acked.withLock { $0[eseq] = content }
                    }
                    Thread.sleep(forTimeInterval: 0.001)
                }
            }
            // Let the session fill up a little before the reader first joins.
            #expect(eventually(timeout: 10) { acked.withLock { $0.count } >= 30 })

            var ledger = EventLedger()
            var joins = 0
            for round in 0..<6 {
                let reader = try harness.connect(bob, label: "reader-\(round)")
                let since = ledger.last
                let joined = try reader.ok("session.join", ["session": "s-rec", "since": .integer(since)])
                joins += 1
                let head = try joined.int("head_eseq")
                #expect(try joined.int("backlog") == head - since, "backlog = head_eseq - since")
                // Read some replayed and live events, then vanish without a close frame.
                let target = ledger.last + 25 + Int64(round * 15)
                while ledger.last < target, let event = reader.nextEvent(timeout: 10) {
                    ledger.apply(event, from: reader.label)
                }
                reader.disconnect()
            }
            stop.withLock { $0 = true }
            try writing.wait()
            let final = acked.withLock { $0.keys.max() ?? 0 }

            let reader = try harness.connect(bob, label: "reader-final")
            let joined = try reader.ok("session.join", ["session": "s-rec", "since": .integer(ledger.last)])
            #expect(try joined.int("head_eseq") == final, "nothing is posted any more: the head is the last ack")
            while ledger.last < final, let event = reader.nextEvent(timeout: 10) {
                ledger.apply(event, from: reader.label)
            }
            #expect(reader.nextDurableEvent(timeout: 0.2) == nil, "nothing after the head")
            reader.close()

            #expect(ledger.problems.isEmpty, "\(ledger.problems)")
            #expect(ledger.applied == Array(1...final), "every eseq 1...\(final) exactly once, in order")
            let posted = acked.withLock { $0 }
            #expect(ledger.turns == posted, "each turn arrived with the content acknowledged for its eseq")
            #expect(posted.count > 150, "the writer really was posting throughout (\(posted.count) turns)")
            #expect(joins == 6)
        }

        @Test("every durable event kind replays with since exactly as it was delivered live")
        func replayEqualsLiveStream() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            let carol = try harness.user("carol")
            try harness.session("s-kinds", owner: alice, members: [(bob, .comment)])
            let owner = try harness.connect(alice)
            let live = try harness.connect(bob, label: "live")
            let head = try live.ok("session.join", ["session": "s-kinds"]).int("head_eseq")
            let commenter = try harness.connect(bob, label: "commenter")
            // One of each: turn, state, comment, member, session (updated, status), turn.undone.
            try owner.ok("turn.post", ["session": "s-kinds", "content": "first"])
            try owner.ok("state.put", ["session": "s-kinds", "key": "plan", "value": ["a": 1], "base": 0])
            let comment = try commenter.ok("comment.add", ["session": "s-kinds", "seq": 1, "text": "nice"])
            try owner.ok("member.add", ["session": "s-kinds", "user": "carol", "role": "read"])
            try owner.ok("session.update", ["session": "s-kinds", "title": "Renamed"])
            try owner.ok("turn.post", ["session": "s-kinds", "content": "second"])
            let undo = try owner.ok("turn.undo", ["session": "s-kinds"])
            let final = try undo.int("eseq")

            var liveEvents: [JSONValue] = []
            while liveEvents.last?["eseq"]?.intValue != final, let event = live.nextDurableEvent(timeout: 5) { liveEvents.append(event) }
            #expect(liveEvents.map { $0.eventName ?? "?" } == ["turn", "state", "comment", "member", "session", "turn", "turn.undone"])
            #expect(liveEvents.map { $0["eseq"]?.intValue ?? -1 } == Array((head + 1)...final))
            let commentEvent = liveEvents.first { $0.eventName == "comment" }
            #expect(commentEvent?["comment"]?["text"] == "nice" && commentEvent?["comment"]?["author"] == "bob"
                    && commentEvent?["eseq"] == comment["eseq"], "comment event: \(String(describing: commentEvent))")

            let late = try harness.connect(carol, label: "late")
            let joined = try late.ok("session.join", ["session": "s-kinds", "since": .integer(head)])
            #expect(try joined.int("backlog") == final - head)
            var replayed: [JSONValue] = []
            while replayed.count < liveEvents.count, let event = late.nextDurableEvent(timeout: 5) { replayed.append(event) }
            // A replay reads the log as it is now: `session` events carry the session as it is now, and
            // a replayed `turn` that was undone since says `undone: true, state: "undone"` (the
            // `turn.undone` follows anyway). Everything else must be identical.
            func comparable(_ e: JSONValue) -> JSONValue {
                guard case .object(var o) = e else { return e }
                if e.eventName == "session" { o.removeValue(forKey: "info") }
                if e.eventName == "turn" {
                    o.removeValue(forKey: "undone")
                    o.removeValue(forKey: "state")
                }
                return .object(o)
            }
            #expect(replayed.map(comparable) == liveEvents.map(comparable), "replay differs from the live stream")
        }

        @Test("since beyond the head is resync_required; since = head replays nothing")
        func sinceEdges() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-edge", owner: alice)
            let client = try harness.connect(alice)
            for n in 0..<3 { try client.ok("turn.post", ["session": "s-edge", "content": .string("t\(n)")]) }
            #expect(try client.errorCode("session.join", ["session": "s-edge", "since": 99]) == "resync_required")
            let joined = try client.ok("session.join", ["session": "s-edge", "since": 3])
            #expect(joined["backlog"] == 0 && joined["head_eseq"] == 3)
            #expect(client.nextDurableEvent(timeout: 0.2) == nil)
            #expect(try client.errorCode("session.join", ["session": "s-edge"]) == "conflict", "already joined on this connection")
        }

        @Test("a resume naming the session's created is resync_required once the id names a session made again")
        func resumeAcrossADeleteAndARecreate() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let client = try harness.connect(alice)
            try client.ok("session.create", ["session": "s-again", "title": "first"])
            let first = try client.ok("session.join", ["session": "s-again"])
            let created = try #require(first["session"]?["created"]?.intValue)
            for n in 0..<4 { try client.ok("turn.post", ["session": "s-again", "content": .string("old \(n)")]) }
            client.close()
            // While the client is away the session is deleted and another made under its id.
            let other = try harness.connect(alice)
            try other.ok("session.delete", ["session": "s-again"])
            Thread.sleep(forTimeInterval: 0.01) // a later creation time, to the millisecond
            try other.ok("session.create", ["session": "s-again", "title": "second"])
            for n in 0..<7 { try other.ok("turn.post", ["session": "s-again", "content": .string("new \(n)")]) }
            let back = try harness.connect(alice)
            #expect(try back.errorCode("session.join", ["session": "s-again", "since": 4, "created": .integer(created)]) == "resync_required")
            // Naming the session it is, the resume works as ever.
            let fresh = try back.ok("session.join", ["session": "s-again"])
            let recreated = try #require(fresh["session"]?["created"]?.intValue)
            #expect(recreated != created)
            try back.ok("session.leave", ["session": "s-again"])
            let resumed = try back.ok("session.join", ["session": "s-again", "since": 4, "created": .integer(recreated)])
            #expect(resumed["backlog"] == .integer(try #require(fresh["head_eseq"]?.intValue) - 4))
        }

        @Test("a replayed session event shows the session as that change left it, as the live one did")
        func replayedSessionEventsShowTheSessionAfterTheirChange() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let owner = try harness.connect(alice)
            let live = try harness.connect(alice)
            try owner.ok("session.create", ["session": "s-then", "title": "v0"])
            try live.ok("session.join", ["session": "s-then"])
            try owner.ok("session.update", ["session": "s-then", "title": "v1"])
            try owner.ok("turn.post", ["session": "s-then", "content": "one"])
            try owner.ok("checkpoint.save", ["session": "s-then", "name": "start"])
            try owner.ok("session.pause", ["session": "s-then"])
            try owner.ok("session.resume", ["session": "s-then"])
            try owner.ok("turn.post", ["session": "s-then", "content": "two"])
            try owner.ok("checkpoint.restore", ["session": "s-then", "name": "start"])
            try owner.ok("session.update", ["session": "s-then", "title": "v2", "metadata": ["phase": 2]])
            var seen: [JSONValue] = []
            while seen.count < 5, let event = live.nextEvent(named: "session", timeout: 2) { seen.append(event) }
            #expect(seen.count == 5)

            let back = try harness.connect(alice)
            _ = try back.ok("session.join", ["session": "s-then", "since": 0])
            var replayed: [JSONValue] = []
            while replayed.count < 5, let event = back.nextEvent(named: "session", timeout: 2) { replayed.append(event) }
            #expect(replayed == seen, "replayed as they were sent live")
            let shown = replayed.map { e in
                "\(e["change"]?.stringValue ?? "?") \(e["info"]?["title"]?.stringValue ?? "?") \(e["info"]?["status"]?.stringValue ?? "?") "
                    + "#\(e["info"]?["head_seq"]?.intValue ?? -1) \(e["info"]?["head_eseq"] == e["eseq"]) \(e["detail"]?.stringValue ?? "-")"
            }
            #expect(shown == ["updated v1 active #0 true -", "status v1 paused #1 true -", "status v1 active #1 true -",
                              "restored v1 active #2 true start", "updated v2 active #2 true -"], "\(shown)")
            #expect(replayed.last?["info"]?["metadata"] == ["phase": 2] && replayed.first?["info"]?["metadata"] == [:])
        }

        @Test("made again at once, or imported from its own export, a session under a deleted one's id has another created")
        func resumeAcrossADeleteAndAnImportOfTheSameSession() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let client = try harness.connect(alice)
            try client.ok("session.create", ["session": "s-kept", "title": "kept"])
            for n in 0..<3 { try client.ok("turn.post", ["session": "s-kept", "content": .string("old \(n)")]) }
            let document = try client.ok("session.export", ["session": "s-kept"])["document"] ?? .null
            let first = try client.ok("session.join", ["session": "s-kept"])
            let created = try #require(first["session"]?["created"]?.intValue)
            for n in 3..<5 { try client.ok("turn.post", ["session": "s-kept", "content": .string("old \(n)")]) }
            _ = client.nextDurableEvent(timeout: 1)
            client.close()

            // Deleted and imported from the export under its own id: the document carries the old created.
            let other = try harness.connect(alice)
            try other.ok("session.delete", ["session": "s-kept"])
            let imported = try other.ok("session.import", ["document": document])["session"]
            #expect(imported?["id"] == "s-kept" && imported?["head_eseq"] == 3)
            let importedCreated = try #require(imported?["created"]?.intValue)
            #expect(importedCreated != created)
            for n in 0..<4 { try other.ok("turn.post", ["session": "s-kept", "content": .string("new \(n)")]) }
            let back = try harness.connect(alice)
            #expect(try back.errorCode("session.join", ["session": "s-kept", "since": 5, "created": .integer(created)]) == "resync_required",
                    "events 4 and 5 the client holds are not the new session's 4 and 5")

            // Deleted and created again in the same instant: another created still.
            try other.ok("session.delete", ["session": "s-kept"])
            let again = try other.ok("session.create", ["session": "s-kept", "title": "again"])["session"]
            try other.ok("session.delete", ["session": "s-kept"])
            let third = try other.ok("session.create", ["session": "s-kept", "title": "third"])["session"]
            let stamps = [created, importedCreated, try #require(again?["created"]?.intValue), try #require(third?["created"]?.intValue)]
            #expect(Set(stamps).count == 4, "\(stamps)")
        }

        @Test("a replay is bounded in bytes: over max-replay it is resync_required, under it complete")
        func replayByteBound() throws {
            let harness = try TestServer { $0.maxReplayBytes = 64 << 10 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-big", owner: alice)
            let poster = try harness.connect(alice)
            let body = String(repeating: "b", count: 10 << 10)
            for _ in 0..<10 { try poster.ok("turn.post", ["session": "s-big", "content": .string(body)]) }
            let late = try harness.connect(alice)
            let refused = try late.request("session.join", ["session": "s-big", "since": 0])
            #expect(refused["error"]?["code"] == "resync_required")
            #expect(refused["error"]?["message"]?.stringValue?.contains("max-replay") == true)
            // Refused means not joined: the same connection may join again, with a shorter replay.
            let joined = try late.ok("session.join", ["session": "s-big", "since": 5])
            #expect(joined["backlog"] == 5 && joined["head_eseq"] == 10)
            var ledger = EventLedger(last: 5)
            while let event = late.nextDurableEvent(timeout: 2) {
                ledger.apply(event, from: "late")
                if ledger.last == 10 { break }
            }
            #expect(ledger.last == 10 && ledger.problems.isEmpty)
            #expect(ledger.turns.values.allSatisfy { $0 == body })
        }
    }
}
