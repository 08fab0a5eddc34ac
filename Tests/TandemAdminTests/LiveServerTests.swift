import Foundation
import Testing
import TandemJSON
import TandemServer
import TandemStore
import TandemTransport

/// tandem-admin writes the database file while a server runs on it: its changes must reach live
/// connections within a second (the server's access watcher polls the audit log).
@Suite struct LiveServerTests {
    @Test func adminChangesReachALiveMemberWithinASecond() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let token = try f.seed { store in try store.createToken(userID: "bob", label: "live") }

        let (server, port) = try f.startServer()
        defer { server.shutdown(grace: 0.5) }

        let client = try f.connect(port: port, secret: token.secret)
        defer { client.disconnect() }
        #expect(client.subprotocol == "tandem.v1")
        try client.send(text: #"{"id":1,"op":"session.join","session":"s1"}"#)
        let joined = try #require(nextJSON(client) { $0["id"]?.intValue == 1 })
        #expect(joined["ok"] == .bool(true), "join answered \(joined.serialized())")

        // A role change by the CLI arrives as a `member` event.
        expectStatus(try f.run(["grant", "bob", "s1", "comment"]), 0)
        let member = nextJSON(client, timeout: 1.0) { $0["event"]?.stringValue == "member" }
        #expect(member?["user"]?.stringValue == "bob" && member?["role"]?.stringValue == "comment",
                "no member event within 1 s: \(member?.serialized() ?? "nil")")

        // Revoking the token closes the member's connection with 4401.
        let tokenID = try #require(try f.run(["tokens", "list", "bob", "--json"]).json()["tokens"]?.arrayValue?.first?["id"]?.stringValue)
        expectStatus(try f.run(["tokens", "revoke", "--", tokenID]), 0)
        let revoked = closeFrame(client, within: 1.0)
        #expect(revoked?.code == 4401 && revoked?.reason == "token revoked", "\(String(describing: revoked))")

        // A share link made by the CLI opens a viewer; revoking it closes the viewer with 4403.
        let created = try f.run(["share", "create", "s1", "--json"])
        let secret = try #require(try created.json()["url"]?.stringValue?.components(separatedBy: "/s/").last)
        let linkID = try #require(try created.json()["id"]?.stringValue)
        let viewer = try WebSocketClient(url: "ws://127.0.0.1:\(port)/ws?share=\(secret)", options: .init(subprotocols: ["tandem.v1"]))
        defer { viewer.disconnect() }
        try viewer.send(text: #"{"id":1,"op":"session.join","session":"s1"}"#)
        #expect(try #require(nextJSON(viewer) { $0["id"]?.intValue == 1 })["ok"] == .bool(true))
        expectStatus(try f.run(["share", "revoke", "--", linkID]), 0)
        #expect(closeCode(viewer, within: 1.0) == 4403)
    }
}

/// The next JSON text message matching `match`, skipping others; nil after `timeout` seconds.
func nextJSON(_ client: WebSocketClient, timeout: Double = 5, _ match: (JSONValue) -> Bool) -> JSONValue? {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        guard let message = client.receiveMessage(timeout: deadline.timeIntervalSinceNow) else { return nil }
        guard case .text(let bytes) = message, let value = try? JSONValue(parsing: String(decoding: bytes, as: UTF8.self)) else { continue }
        if match(value) { return value }
    }
    return nil
}

/// The close code the server sends within `seconds` (skipping other messages); nil when none came.
func closeCode(_ client: WebSocketClient, within seconds: Double) -> UInt16? {
    closeFrame(client, within: seconds)?.code
}

/// The code and reason of the close frame `client` receives within `seconds`, or nil.
func closeFrame(_ client: WebSocketClient, within seconds: Double) -> (code: UInt16, reason: String)? {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        switch client.receive(timeout: max(0.01, deadline.timeIntervalSinceNow)) {
        case .event(.close(let code, let reason)): return (code ?? 0, reason)
        case .event: continue
        case .timeout, .disconnected, .protocolError: return nil
        }
    }
    return nil
}
