import Foundation
import TandemJSON
import Testing

extension EndToEnd {
    /// protocol.md, `session.export`: the document answered over the wire is bounded by `max-export`.
    @Suite("Export limit") struct ExportLimitTests {
        @Test("an export over max-export is too_large and names the setting; the connection stays usable")
        func exportOverTheLimitIsRefused() throws {
            let harness = try TestServer { $0.maxExportBytes = 64 << 10 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-small", owner: alice, members: [])
            try harness.session("s-big", owner: alice, members: [])
            let client = try harness.connect(alice)
            try client.ok("turn.post", ["session": "s-small", "content": "short"])
            let body = String(repeating: "x", count: 10 << 10)
            for _ in 0..<8 { try client.ok("turn.post", ["session": "s-big", "content": .string(body)]) }
            let refused = try client.request("session.export", ["session": "s-big"])
            #expect(refused["error"]?["code"] == "too_large")
            #expect(refused["error"]?["message"]?.stringValue?.contains("max-export") == true)
            let small = try client.ok("session.export", ["session": "s-small"])
            #expect(try small["document"]?.array("turns").count == 1)
            // Under the limit, the same big session exports once it fits: a limit, not a failure.
            let roomy = try TestServer { $0.maxExportBytes = 1 << 20 }
            defer { roomy.stop() }
            let bob = try roomy.user("bob")
            try roomy.session("s-big", owner: bob, members: [])
            let other = try roomy.connect(bob)
            for _ in 0..<8 { try other.ok("turn.post", ["session": "s-big", "content": .string(body)]) }
            let whole = try other.ok("session.export", ["session": "s-big"])
            #expect(try whole["document"]?.array("turns").count == 8)
        }
    }
}
