import Foundation
import TandemJSON
import Testing

extension EndToEnd {
    /// protocol.md, "Idempotent posting": a retried post with the same nonce is not written twice.
    @Suite("Idempotent posting") struct IdempotentPostTests {
        @Test("same nonce twice: duplicate with the same seq and one event; different content: conflict")
        func nonceMakesPostsIdempotent() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            try harness.session("s-nonce", owner: alice, members: [(bob, .write)])
            let client = try harness.connect(alice)
            let watcher = try harness.connect(bob)
            try client.ok("session.join", ["session": "s-nonce"])
            try watcher.ok("session.join", ["session": "s-nonce"])

            let post: [String: JSONValue] = ["session": "s-nonce", "content": "exactly once", "role": "assistant",
                                             "metadata": ["model": "m-1"], "tokens": ["input": 12, "output": 3], "nonce": "7f3a9c2e-1"]
            let first = try client.ok("turn.post", post)
            #expect(first["duplicate"] == false)
            #expect(first["turn"]?["nonce"] == "7f3a9c2e-1")
            let retry = try client.ok("turn.post", post)
            #expect(retry["duplicate"] == true)
            #expect(retry["turn"]?["seq"] == first["turn"]?["seq"] && retry["eseq"] == first["eseq"])
            #expect(retry["turn"] == first["turn"], "the original turn comes back")

            // The same nonce with anything different is a conflict, and writes nothing.
            for change in [("content", JSONValue.string("something else")), ("role", "user"),
                           ("metadata", ["model": "m-2"]), ("tokens", ["input": 12, "output": 4])] {
                var altered = post
                altered[change.0] = change.1
                #expect(try client.errorCode("turn.post", altered) == "conflict", "nonce reused with a different \(change.0)")
            }
            // The nonce is unique per (session, author): bob may use the same one.
            let bobs = try watcher.ok("turn.post", post)
            #expect(bobs["duplicate"] == false && bobs["turn"]?["author"] == "bob")
            let next = try client.ok("turn.post", ["session": "s-nonce", "content": "next", "nonce": "7f3a9c2e-2"])
            let firstSeq = try first["turn"]?.int("seq") ?? -1
            #expect(try next["turn"]?.int("seq") == firstSeq + 2, "duplicates and conflicts use no seq")

            // Both members saw exactly three turn events: alice's once, bob's, alice's next.
            let lastEseq = try next.int("eseq")
            for member in [client, watcher] {
                var turns: [JSONValue] = []
                while let event = member.nextEvent(timeout: 5) {
                    if event.eventName == "turn" { turns.append(event) }
                    if event["eseq"]?.intValue == lastEseq { break }
                }
                #expect(turns.map { $0["author"]?.stringValue ?? "?" } == ["alice", "bob", "alice"], "\(member.label): \(turns)")
                #expect(turns.first?["nonce"] == "7f3a9c2e-1", "the event carries the nonce")
                #expect(member.nextEvent(named: "turn", timeout: 0.2) == nil)
            }
            let history = try client.ok("history", ["session": "s-nonce", "last": 10]).array("turns")
            #expect(history.count == 3)
            #expect(history.first?["nonce"] == "7f3a9c2e-1")
        }
    }
}
