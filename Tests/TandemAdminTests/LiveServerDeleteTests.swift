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
        try f.seedStandard()
        let token = try f.seed { store in try store.createToken(userID: "bob", label: "live") }

        let (server, port) = try f.startServer()
        defer { server.shutdown(grace: 0.5) }

        let client = try f.connect(port: port, secret: token.secret)
        defer { client.disconnect() }
        try client.send(text: #"{"id":1,"op":"session.join","session":"s1"}"#)
        let joined = try #require(nextJSON(client) { $0["id"]?.intValue == 1 })
        let head = try #require(joined["result"]?["head_eseq"]?.intValue, "join answered \(joined.serialized())")

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
