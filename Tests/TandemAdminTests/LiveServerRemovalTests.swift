import Foundation
import Testing
import TandemJSON
import TandemServer
import TandemStore
import TandemTransport

/// The rest of what tandem-admin changes under a running server, through the binary: removing a
/// member, removing a user, archiving a session. Each reaches live connections within a second, with
/// the documented event or close code (docs/protocol.md: `member` with `removed: true`, close 4401,
/// `session` with `change: status`). The second is `testTimeScale` seconds under a sanitizer (5x).
@Suite struct LiveServerRemovalTests {
    /// A connection of `user` joined to s1.
    private func joined(_ f: AdminFixture, port: UInt16, _ secret: String) throws -> WebSocketClient {
        let client = try f.connect(port: port, secret: secret)
        try client.send(text: #"{"id":1,"op":"session.join","session":"s1"}"#)
        let answer = try #require(nextJSON(client) { $0["id"]?.intValue == 1 })
        #expect(answer["ok"] == .bool(true), "join answered \(answer.serialized())")
        return client
    }

    @Test func removalsAndArchivingReachLiveConnectionsWithinASecond() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let secrets = try f.seed { store in
            try ["alice", "bob", "carol"].map { try store.createToken(userID: $0, label: "live").secret }
        }
        let (server, port) = try f.startServer()
        defer { server.shutdown(grace: 0.5) }
        let alice = try joined(f, port: port, secrets[0]), bob = try joined(f, port: port, secrets[1])
        let carol = try joined(f, port: port, secrets[2])
        defer { [alice, bob, carol].forEach { $0.disconnect() } }

        // revoke: the removed member and the others get `member` removed; then the removed one is refused.
        var started = Date()
        expectStatus(try f.run(["revoke", "bob", "s1"]), 0)
        for client in [bob, alice] {
            let event = nextJSON(client, timeout: 1.0 * testTimeScale) { $0["event"] == "member" }
            #expect(event?["user"] == "bob" && event?["removed"] == .bool(true) && event?["by"] == "admin",
                    "no member removal within 1 s: \(event?.serialized() ?? "nil")")
        }
        print("revoke reached the members in \(Int(Date().timeIntervalSince(started) * 1000)) ms (includes the CLI run)")
        try bob.send(text: #"{"id":2,"op":"turn.post","session":"s1","role":"user","content":"still here?"}"#)
        let refused = try #require(nextJSON(bob) { $0["id"]?.intValue == 2 })
        #expect(refused["ok"] == .bool(false), "a removed member posted: \(refused.serialized())")

        // users remove: the user's connections close with 4401, saying the account is gone (not "token
        // revoked", whose advice is to ask for a new one); the session's members see them leave it.
        started = Date()
        expectStatus(try f.run(["users", "remove", "carol", "--yes"]), 0)
        let closed = closeFrame(carol, within: 1.0 * testTimeScale)
        #expect(closed?.code == 4401 && closed?.reason == "account removed", "\(String(describing: closed))")
        let gone = nextJSON(alice, timeout: 1.0 * testTimeScale) { $0["event"] == "member" }
        #expect(gone?["user"] == "carol" && gone?["removed"] == .bool(true), "\(gone?.serialized() ?? "nil")")
        print("users remove reached the members in \(Int(Date().timeIntervalSince(started) * 1000)) ms (includes the CLI run)")

        // sessions archive: a `session` status event with the archived session; then posting is refused.
        expectStatus(try f.run(["sessions", "archive", "s1", "--yes"]), 0)
        let archived = nextJSON(alice, timeout: 1.0 * testTimeScale) { $0["event"] == "session" }
        #expect(archived?["change"] == "status" && archived?["info"]?["status"] == "archived" && archived?["by"] == "admin",
                "\(archived?.serialized() ?? "nil")")
        try alice.send(text: #"{"id":3,"op":"turn.post","session":"s1","role":"user","content":"after"}"#)
        let afterArchive = try #require(nextJSON(alice) { $0["id"]?.intValue == 3 })
        #expect(afterArchive["ok"] == .bool(false), "\(afterArchive.serialized())")
    }
}
