import Foundation
import Testing
import TandemJSON
import TandemServer
import TandemStore
import TandemTransport

/// `tandem-admin sessions delete` while tandemd runs on the same file, right after another
/// tandem-admin change: the member following the session gets `deleted` numbered after every change
/// the log gave out (the delete records the log's last number), whether or not the server published
/// the change before it found the session gone.
@Suite struct LiveServerDeleteTests {
    @Test func adminDeleteRightAfterAnAdminChangeIsNumberedAfterIt() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        let (server, client, head) = try f.bobFollowingS1()
        defer { client.disconnect(); server.shutdown(grace: 0.5) }

        expectStatus(try f.run(["grant", "carol", "s1", "comment"]), 0)
        expectStatus(try f.run(["sessions", "delete", "s1", "--yes"]), 0)

        // The change (head + 1) if the watcher read it before the delete, then `deleted` (head + 2).
        var last = try #require(nextJSON(client, timeout: 3) { $0["eseq"] != nil })
        if last["event"] == "member" {
            #expect(last["eseq"]?.intValue == head + 1 && last["user"] == "carol")
            last = try #require(nextJSON(client, timeout: 3) { $0["eseq"] != nil })
        }
        #expect(last["event"] == "session" && last["change"] == "deleted" && last["by"] == "admin", "\(last.serialized())")
        #expect(last["eseq"]?.intValue == head + 2, "deleted after the admin's change, never under its number: \(last.serialized())")
    }
}

/// `tandem-admin sessions delete` after turns the server had not published (a second writer's here;
/// the server's own whose publication is still on its way are the same to it) and an admin change:
/// the delete keeps the log's last changes, turns included (`RetiredTail`), and the follower gets
/// every one of them, then `deleted`: no gap.
@Suite struct AdminTurnTailTests {
    @Test func turnsAndAnAdminChangeRightBeforeAnAdminDeleteReachTheFollower() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        // The server looks for other writers' changes every 5 s here (0.25 in tandemd): the turns,
        // the revoke and the delete all come before it has read them, as a fast script's do in
        // tandemd's 0.25 s. (It publishes such changes once their head is a look old: two looks.)
        let (server, client, head) = try f.bobFollowingS1(accessWatchInterval: 5)
        defer { client.disconnect(); server.shutdown(grace: 0.5) }

        // 200 KiB: past the 64 KiB a delete used to keep, within `max-turn` (256 KiB).
        let big = String(repeating: "b", count: 200 << 10)
        let writer = try Store(StoreConfiguration(path: f.db))
        _ = try writer.appendTurns(session: "s1", actor: "alice", [NewTurn(role: .user, content: "first"),
                                                                     NewTurn(role: .assistant, content: big)])
        writer.close()
        expectStatus(try f.run(["revoke", "carol", "s1"]), 0)
        expectStatus(try f.run(["sessions", "delete", "s1", "--yes"]), 0)

        var seen: [JSONValue] = []
        while let event = nextJSON(client, timeout: 10, { $0["eseq"] != nil }) {
            seen.append(event)
            if event["change"] == "deleted" { break }
        }
        let numbers = seen.map { $0["eseq"]?.intValue ?? -1 }
        #expect(numbers == [head + 1, head + 2, head + 3, head + 4], "every number, in order: \(numbers)")
        guard seen.count == 4 else { return }
        #expect(seen[0]["event"] == "turn" && seen[0]["content"] == "first" && seen[0]["author"] == "alice" && seen[0]["seq"] == 1)
        #expect(seen[1]["event"] == "turn" && seen[1]["content"]?.stringValue == big && seen[1]["role"] == "assistant")
        #expect(seen[2]["event"] == "member" && seen[2]["user"] == "carol" && seen[2]["removed"] == .bool(true) && seen[2]["by"] == "admin")
        #expect(seen[3]["event"] == "session" && seen[3]["change"] == "deleted" && seen[3]["by"] == "admin"
                && seen[3]["info"]?["head_seq"] == 2)
    }

    @Test func aTailThatDoesNotReachBackIsNotSent() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        let (server, client, head) = try f.bobFollowingS1(accessWatchInterval: 5)
        defer { client.disconnect(); server.shutdown(grace: 0.5) }

        // 1 MiB of content: past what a delete keeps, so the turn after it is kept alone. Sent after
        // the hole, a client would take it for a gap and rejoin a session that is gone.
        let writer = try Store(StoreConfiguration(path: f.db))
        _ = try writer.appendTurns(session: "s1", actor: "alice", [NewTurn(role: .user, content: String(repeating: "h", count: 1 << 20)),
                                                                     NewTurn(role: .user, content: "after")])
        writer.close()
        expectStatus(try f.run(["sessions", "delete", "s1", "--yes"]), 0)

        let last = try #require(nextJSON(client, timeout: 10) { $0["eseq"] != nil })
        #expect(last["event"] == "session" && last["change"] == "deleted" && last["eseq"]?.intValue == head + 3,
                "deleted alone after the gap: \(last.serialized())")
    }
}

extension AdminFixture {
    /// The standard seed, a server on it, and bob (a fresh token) following `s1`: the server, his
    /// connection and the `head_eseq` he joined at. The caller disconnects and stops them.
    func bobFollowingS1(accessWatchInterval: Double = 0.25) throws -> (server: TandemServer, client: WebSocketClient, head: Int64) {
        try seedStandard()
        let token = try seed { store in try store.createToken(userID: "bob", label: "live") }
        let (server, port) = try startServer(accessWatchInterval: accessWatchInterval)
        do {
            let client = try connect(port: port, secret: token.secret)
            try client.send(text: #"{"id":1,"op":"session.join","session":"s1"}"#)
            let joined = try #require(nextJSON(client) { $0["id"]?.intValue == 1 })
            let head = try #require(joined["result"]?["head_eseq"]?.intValue, "join answered \(joined.serialized())")
            return (server, client, head)
        } catch {
            server.shutdown(grace: 0)
            throw error
        }
    }
}
