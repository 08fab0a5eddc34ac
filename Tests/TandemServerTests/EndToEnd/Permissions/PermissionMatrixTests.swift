import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// Issue #4: "permission matrix (every role x every operation, plus share-link viewer and
    /// unauthenticated) answered correctly", over the wire, against `PermissionTable`.
    @Suite("Permission matrix") struct PermissionMatrixTests {
        static let roleUsers: [Role: String] = [.owner: "olivia", .admin: "adam", .write: "wendy", .comment: "cole", .read: "rita"]

        @Test("every role, a share viewer and a non-member x every operation")
        func matrix() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let store = harness.store
            var tokens: [String: TestUser] = [:]
            for id in ["olivia", "adam", "wendy", "cole", "rita", "nora", "extra", "newbie"] { tokens[id] = try harness.user(id) }

            // A template and an export document for the operations outside one session.
            try prepareSession("base", store: store)
            // Templates are their author's: every caller has one named "base".
            for user in Self.roleUsers.values + ["nora"] {
                _ = try store.createSession(id: "tpl-\(user)", title: "T", owner: user)
                _ = try store.saveTemplate(session: "tpl-\(user)", actor: user, name: "base")
            }
            let document = try store.exportSession(id: "base", actor: "olivia")

            var connections: [String: TandemTestClient] = [:]
            for (role, user) in Self.roleUsers { connections[role.rawValue] = try harness.connect(tokens[user]!, viaQuery: role == .read) }
            connections["stranger"] = try harness.connect(tokens["nora"]!)

            let cases = PermissionCases.sessionScoped + PermissionCases.anyUser(document: document)
            var counter = 0
            var checked = 0
            var mismatches: [String] = []
            for testCase in cases {
                for caller in PermissionTable.Caller.allCases {
                    counter += 1
                    let sessionID = "m\(counter)"
                    var fixture = try prepareSession(sessionID, store: store)
                    fixture.unique = "u\(counter)"
                    if testCase.onBranch {
                        fixture.branch = try store.createBranch(session: sessionID, actor: "olivia", id: sessionID + "-b").id
                    }
                    let callerID: String? = switch caller {
                    case .member(let role): Self.roleUsers[role]
                    case .viewer: nil
                    case .stranger: "nora"
                    }
                    try testCase.prepare?(store, fixture, callerID)

                    let client: TandemTestClient
                    switch caller {
                    case .member(let role): client = connections[role.rawValue]!
                    case .stranger: client = connections["stranger"]!
                    case .viewer:
                        // Alternate the two viewer URLs.
                        client = try harness.connect(counter % 2 == 0 ? .sharePath(fixture.shareSecret) : .shareQuery(fixture.shareSecret),
                                                     label: "viewer")
                    }
                    defer { if case .viewer = caller { client.close() } }
                    let params = testCase.params(fixture, callerID)
                    if testCase.joinFirst { _ = try client.request("session.join", params) }
                    let answer = try client.request(testCase.op, params)
                    _ = client.takeBufferedEvents()
                    let got = answer["ok"] == .bool(true) ? nil : answer["error"]?["code"]?.stringValue ?? "?"
                    let want = PermissionTable.expected(testCase.name, for: caller)
                    checked += 1
                    if got != want {
                        mismatches.append("\(testCase.name) as \(caller): expected \(want ?? "ok"), got \(got ?? "ok") — \(answer)")
                    }
                    // The role the server reports is the caller's own.
                    if testCase.op == "session.get", got == nil {
                        let role = answer["result"]?["session"]?["role"]?.stringValue
                        let expectedRole = switch caller { case .member(let r): r.rawValue; default: "read" }
                        if role != expectedRole { mismatches.append("session.get as \(caller) reports role \(role ?? "none")") }
                    }
                }
            }
            for mismatch in mismatches { Issue.record(Comment(rawValue: mismatch)) }
            #expect(checked == cases.count * PermissionTable.Caller.allCases.count)
            #expect(cases.count == PermissionTable.minimumRole.count + PermissionTable.anyUser.count,
                    "every row of the table has a case")

            // A viewer sees only its own session; other sessions do not exist for it.
            let viewerFixture = try prepareSession("v-own", store: store)
            try prepareSession("v-other", store: store)
            let viewer = try harness.connect(.sharePath(viewerFixture.shareSecret), label: "viewer")
            #expect(try viewer.errorCode("session.get", ["session": "v-other"]) == "not_found")
            #expect(try viewer.errorCode("history", ["session": "v-other"]) == "not_found")
            #expect(try viewer.errorCode("session.get", ["session": "v-own"]) == nil)
            viewer.close()
            // A non-member gets not_found for a session that does not exist either: ids do not leak.
            #expect(try connections["stranger"]!.errorCode("session.get", ["session": "no-such-session"]) == "not_found")
            for client in connections.values { client.close() }
        }

        @Test("member.add / member.set_role check the caller's role before telling whether the target is a member")
        func memberOpsDoNotLeakMembership() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            var tokens: [String: TestUser] = [:]
            for id in ["olivia", "adam", "wendy", "cole", "rita", "nora", "extra", "newbie"] { tokens[id] = try harness.user(id) }
            try prepareSession("s-members", store: harness.store)
            let stranger = try harness.connect(tokens["nora"]!)
            let reader = try harness.connect(tokens["rita"]!)
            let admin = try harness.connect(tokens["adam"]!)
            let existing: [String: JSONValue] = ["session": "s-members", "user": "wendy", "role": "read"]
            let absent: [String: JSONValue] = ["session": "s-members", "user": "newbie", "role": "read"]
            #expect(try stranger.errorCode("member.add", existing) == "not_found")
            #expect(try stranger.errorCode("member.set_role", absent) == "not_found")
            #expect(try reader.errorCode("member.add", existing) == "forbidden")
            #expect(try reader.errorCode("member.set_role", absent) == "forbidden")
            #expect(try admin.errorCode("member.add", existing) == "already_exists")
            #expect(try admin.errorCode("member.set_role", absent) == "not_found")
            // An admin cannot touch the owner or make owners (protocol.md, member.add / member.set_role).
            #expect(try admin.errorCode("member.set_role", ["session": "s-members", "user": "olivia", "role": "read"]) == "forbidden")
            #expect(try admin.errorCode("member.set_role", ["session": "s-members", "user": "wendy", "role": "owner"]) == "forbidden")
        }

        @Test("handshakes without a valid credential are refused before the upgrade")
        func unauthenticated() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s", owner: alice)
            let link = try harness.store.createShareLink(session: "s", actor: "alice", expiresAt: wallMilliseconds() + 60_000)
            let port = harness.port
            #expect(TandemTestClient.handshakeStatus(port: port, .none) == 401)
            #expect(TandemTestClient.handshakeStatus(port: port, .bearer("tdm_not-a-token")) == 401)
            #expect(TandemTestClient.handshakeStatus(port: port, .queryToken("tdm_not-a-token")) == 401)
            #expect(TandemTestClient.handshakeStatus(port: port, .shareQuery("tds_not-a-secret")) == 401)
            #expect(TandemTestClient.handshakeStatus(port: port, .sharePath("tds_not-a-secret")) == 401)
            // A token is not a share secret and vice versa.
            #expect(TandemTestClient.handshakeStatus(port: port, .sharePath(alice.token)) == 401)
            #expect(TandemTestClient.handshakeStatus(port: port, .bearer(link.secret)) == 401)
            // Revoked token, revoked share link.
            let revoked = try harness.user("bob")
            try harness.store.revokeToken(id: revoked.tokenID)
            #expect(TandemTestClient.handshakeStatus(port: port, .bearer(revoked.token)) == 401)
            try harness.store.revokeShareLink(session: "s", actor: "alice", linkID: link.link.id)
            #expect(TandemTestClient.handshakeStatus(port: port, .sharePath(link.secret)) == 401)
            // Valid credentials are accepted — with the subprotocol only.
            #expect(TandemTestClient.handshakeStatus(port: port, .bearer(alice.token)) == nil)
            #expect(TandemTestClient.handshakeStatus(port: port, .queryToken(alice.token)) == nil)
            #expect(TandemTestClient.handshakeStatus(port: port, .bearer(alice.token), subprotocols: []) == 400)
            #expect(TandemTestClient.handshakeStatus(port: port, .bearer(alice.token), path: "/elsewhere") == 404)
        }

        /// A fresh session with every role, one turn, row `k` v1, checkpoint `cp` and a share link.
        @discardableResult
        private func prepareSession(_ id: String, store: Store) throws -> PermissionFixture {
            _ = try store.createSession(id: id, title: "Matrix hello", owner: "olivia")
            for (user, role) in [("adam", Role.admin), ("wendy", .write), ("cole", .comment), ("rita", .read), ("extra", .write)] {
                _ = try store.setMember(session: id, actor: "olivia", user: user, role: role)
            }
            _ = try store.appendTurn(session: id, actor: "olivia", NewTurn(role: .user, content: "hello world"))
            _ = try store.writeRow(session: id, actor: "olivia", key: "k", value: ["a": 1], baseVersion: 0)
            _ = try store.saveCheckpoint(session: id, actor: "olivia", name: "cp")
            let link = try store.createShareLink(session: id, actor: "olivia", expiresAt: wallMilliseconds() + 3_600_000)
            return PermissionFixture(session: id, branch: nil, shareID: link.link.id, shareSecret: link.secret, unique: id)
        }
    }
}
