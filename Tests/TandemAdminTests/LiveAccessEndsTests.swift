import Foundation
import Testing
import TandemJSON
import TandemServer
import TandemStore
import TandemTransport

/// Access that ends without a removal, through the tandem-admin binary while a server runs on the
/// database: a token's expiry, a user's suspension, a rotation's grace. Each refuses the handshake
/// (401) and closes live connections (4401, the reason saying which) on time.
@Suite struct LiveAccessEndsTests {
    /// The HTTP status the handshake with `secret` is refused with (nil: it was accepted).
    private func refusal(port: UInt16, _ secret: String) -> Int? {
        do {
            let client = try WebSocketClient(url: "ws://127.0.0.1:\(port)/ws", options: .init(
                subprotocols: ["tandem.v1"], headers: [("Authorization", "Bearer \(secret)")]))
            client.disconnect()
            return nil
        } catch {
            if case .rejected(let status, _, _) = error { return status }
            return -1
        }
    }

    @Test func anExpiredTokenIsRefusedAndItsLiveConnectionClosedAtItsExpiry() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let (server, port) = try f.startServer()
        defer { server.shutdown(grace: 0.5) }
        let issued = try f.run(["tokens", "issue", "bob", "--label", "ci", "--expires", "2s", "--json"])
        expectStatus(issued, 0)
        let secret = try #require(try issued.json()["secret"]?.stringValue)
        let expiresAt = try #require(try issued.json()["expires_at"]?.intValue)
        #expect(issued.stderr.contains("expires "))
        let client = try f.connect(port: port, secret: secret)
        defer { client.disconnect() }
        // Cut at its expiry (the watcher's tick is timed to it), not a polling interval later.
        let closed = closeFrame(client, within: 5)
        let late = Int64(Date().timeIntervalSince1970 * 1000) - expiresAt
        #expect(closed?.code == 4401 && closed?.reason == "token expired", "\(String(describing: closed))")
        #expect(late >= 0 && late < 500, "closed \(late) ms after the expiry")
        #expect(refusal(port: port, secret) == 401)
        // Refusing a real but expired token is not charged to the address: more attempts than the
        // budget (10 a minute by default) are all answered 401, never 429.
        #expect((0..<15).map { _ in refusal(port: port, secret) }.allSatisfy { $0 == 401 })

        // tokens list: the expiry and the state, in the table's last columns and in JSON.
        let listed = try f.run(["tokens", "list", "bob", "--json"])
        let token = try #require(try listed.json()["tokens"]?.arrayValue?.first { $0["label"] == "ci" })
        #expect(token["state"] == "expired" && token["expires_at"]?.intValue == expiresAt)
        let tsv = try f.run(["tokens", "list", "bob"]).stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(tsv.first { $0[2] == "ci" }?.last == "expired")
        // Bad durations are usage errors (exit 1), as for share links.
        expectStatus(try f.run(["tokens", "issue", "bob", "--expires", "-5m"]), 1)
        expectStatus(try f.run(["users", "add", "Zoe", "--expires", "90"]), 1)
        expectStatus(try f.run(["tokens", "issue", "nobody", "--expires", "1d"]), 2)
    }

    @Test func aDisabledUserIsCutAndRefusedAndEnablingRestoresTheSameToken() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let secret = try f.seed { store in try store.createToken(userID: "alice", label: "laptop").secret }
        let (server, port) = try f.startServer()
        defer { server.shutdown(grace: 0.5) }
        let client = try f.connect(port: port, secret: secret)
        defer { client.disconnect() }
        try client.send(text: #"{"id":1,"op":"session.join","session":"s1"}"#)
        #expect(try #require(nextJSON(client) { $0["id"]?.intValue == 1 })["ok"] == .bool(true))

        let disabled = try f.run(["users", "disable", "alice"])
        expectStatus(disabled, 0)
        // alice owns s1: the operator is warned, and goes ahead.
        #expect(disabled.stderr.contains("owns session(s) s1"), "\(disabled.stderr)")
        let closed = closeFrame(client, within: 1.0)
        #expect(closed?.code == 4401 && closed?.reason == "account disabled", "\(String(describing: closed))")
        #expect(refusal(port: port, secret) == 401)
        expectStatus(try f.run(["users", "disable", "alice"]), 0) // already: says so, succeeds
        let users = try f.run(["users", "list", "--json"]).json()["users"]?.arrayValue ?? []
        #expect(users.first { $0["id"] == "alice" }?["status"] == "disabled")
        #expect(users.first { $0["id"] == "bob" }?["status"] == "active")
        // Kept: the membership and the ownership.
        #expect(try f.seed { store in try store.role(session: "s1", user: "alice") } == .owner)

        expectStatus(try f.run(["users", "enable", "alice"]), 0)
        // The watcher has emptied its token cache by the next tick: the same secret is let in again.
        var readmitted = false
        for _ in 0..<40 where !readmitted {
            readmitted = refusal(port: port, secret) == nil
            if !readmitted { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(readmitted, "alice's token still refused after users enable")
        expectStatus(try f.run(["users", "disable", "zed"]), 2)
        expectStatus(try f.run(["users", "enable"]), 1)
    }

    /// The warning names at most five owned sessions, with "..." only when there are more: five
    /// owned are all named, and nothing suggests a sixth.
    @Test func theDisableWarningSaysMoreOnlyWhenASixthSessionIsOwned() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        try f.seed { store in for id in ["s2", "s3", "s4", "s5"] { _ = try store.createSession(id: id, title: id, owner: "alice") } }
        let five = try f.run(["users", "disable", "alice"])
        expectStatus(five, 0)
        #expect(five.stderr.contains("owns session(s) s1, s2, s3, s4, s5: "), "\(five.stderr)")
        #expect(!five.stderr.contains("..."), "\(five.stderr)")
        expectStatus(try f.run(["users", "enable", "alice"]), 0)
        try f.seed { store in _ = try store.createSession(id: "s6", title: "s6", owner: "alice") }
        let six = try f.run(["users", "disable", "alice"])
        expectStatus(six, 0)
        #expect(six.stderr.contains("owns session(s) s1, s2, s3, s4, s5, ...: "), "\(six.stderr)")
        #expect(!six.stderr.contains("s6"), "\(six.stderr)")
    }

    @Test func aRotatedTokenWorksAtOnceAndTheOldOneEndsAfterItsGrace() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let old = try f.seed { store in try store.createToken(userID: "bob", label: "deploy") }
        let (server, port) = try f.startServer()
        defer { server.shutdown(grace: 0.5) }
        let client = try f.connect(port: port, secret: old.secret)
        defer { client.disconnect() }

        let rotated = try f.run(["tokens", "rotate", "--grace", "2s", "--json", "--", old.token.id])
        expectStatus(rotated, 0)
        let json = try rotated.json()
        let secret = try #require(json["secret"]?.stringValue)
        #expect(json["replaces"]?.stringValue == old.token.id && json["label"] == "deploy" && json["user"] == "bob")
        #expect(refusal(port: port, secret) == nil)
        #expect(refusal(port: port, old.secret) == nil) // within the grace
        // The grace given after the connection opened still cuts it when it ends.
        let closed = closeFrame(client, within: 5)
        #expect(closed?.code == 4401 && closed?.reason == "token expired", "\(String(describing: closed))")
        #expect(refusal(port: port, old.secret) == 401)

        // No grace: the old one is revoked at once, and its connection closed within a second.
        let second = try f.connect(port: port, secret: secret)
        defer { second.disconnect() }
        let newID = try #require(json["id"]?.stringValue)
        expectStatus(try f.run(["tokens", "rotate", "--", newID]), 0)
        let cut = closeFrame(second, within: 1.0)
        #expect(cut?.code == 4401 && cut?.reason == "token revoked", "\(String(describing: cut))")
        // Rotating an ended token is a conflict (3); an unknown one not found (2).
        expectStatus(try f.run(["tokens", "rotate", "--", newID]), 3)
        expectStatus(try f.run(["tokens", "rotate", "nope"]), 2)
        expectStatus(try f.run(["tokens", "rotate", "--grace", "soon", "--", newID]), 1)
        let audit = try f.run(["audit", "--json"]).stdout
        #expect(audit.contains("token.rotate"))
    }
}
