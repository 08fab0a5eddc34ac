import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// A session nobody stays in goes live with each join and is retired with each last leave.
    /// Joins and leaves racing that way crashed tandemd (a lock-order inversion between the map
    /// of live sessions and a session's fan-out, caught by the kernel as a deadlock: "Recursive
    /// call to lock Mutex"), and a join could subscribe to a session being retired, to receive
    /// nothing live ever after.
    @Suite("Join and leave churn") struct JoinLeaveChurnTests {
        @Test("joins and leaves racing on a session nobody stays in: tandemd serves on, and every join then hears live turns")
        func churnKeepsServingAndEveryJoinIsLive() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let users = try (0..<8).map { try harness.user("u\($0)") }
            try harness.session("s-churn", owner: users[0], members: users.dropFirst().map { ($0, .write) })
            let clients = try users.map { try harness.connect($0) }
            try Parallel.run(clients.count) { index in
                let client = clients[index]
                for _ in 0..<150 {
                    try client.ok("session.join", ["session": "s-churn"])
                    try client.ok("session.leave", ["session": "s-churn"])
                }
            }
            // Every client joins once more, at the same moment, and must hear a turn posted after.
            try Parallel.run(clients.count) { index in
                try clients[index].ok("session.join", ["session": "s-churn"])
            }
            let posted = try clients[0].ok("turn.post", ["session": "s-churn", "content": "after the churn"])
            let seq = try #require(posted["turn"]?["seq"])
            for client in clients {
                var heard = false
                while let event = client.nextEvent(named: "turn", timeout: 3) {
                    if event["seq"] == seq { heard = true; break }
                }
                #expect(heard, "\(client.label) joined but hears no live turn")
            }
            #expect(try harness.connect(users[1]).errorCode("ping") == nil, "tandemd still serves")
        }
    }
}
