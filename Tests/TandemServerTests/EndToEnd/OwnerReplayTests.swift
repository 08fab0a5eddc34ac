import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// protocol.md, Events: a replayed `session` event shows the session as its change left it, its
    /// owner included. A client rebuilding the session from its events must find, at each one, the
    /// owner the live event named, not whoever owns the session when it replays.
    @Suite("Owner in replay") struct OwnerReplayTests {
        @Test("session events before and after ownership passed: replayed with the owner each had live")
        func replayShowsTheOwnerAtEachEvent() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let (alice, bob) = (try harness.user("alice"), try harness.user("bob"))
            try harness.session("s1", owner: alice, members: [(bob, .write)])
            let owner = try harness.connect(alice)
            let follower = try harness.connect(bob)
            let head = try follower.ok("session.join", ["session": "s1"])["head_eseq"]?.intValue ?? -1

            try owner.ok("session.update", ["session": "s1", "title": "under alice"])
            try owner.ok("member.set_role", ["session": "s1", "user": "bob", "role": "owner"])
            try owner.ok("member.remove", ["session": "s1", "user": "alice"])  // alice leaves: bob owns it
            try harness.connect(bob).ok("session.update", ["session": "s1", "title": "under bob"])

            var live: [JSONValue] = []
            while live.count < 2, let event = follower.nextEvent(named: "session") { live.append(event) }
            #expect(live.map { $0["info"]?["owner"] } == ["alice", "bob"], "\(live)")

            let reader = try harness.connect(bob)
            try reader.ok("session.join", ["session": "s1", "since": .integer(head)])
            var replayed: [JSONValue] = []
            while replayed.count < 2, let event = reader.nextEvent(named: "session") { replayed.append(event) }
            #expect(replayed.count == 2)
            for (a, b) in zip(live, replayed) {
                #expect(a == b, "replayed as it was live:\n\(a)\n\(b)")
            }
        }
    }
}
