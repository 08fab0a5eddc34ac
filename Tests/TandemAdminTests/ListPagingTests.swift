import Foundation
import Testing
import TandemJSON
import TandemStore

/// users list, tokens list and audit come in pages like sessions list and share list: a script
/// follows "next" until "more" is false and sees every row once, in order.
@Suite struct ListPagingTests {
    /// Every page of `args` (JSON), following `cursorFlag` with each page's "next".
    private func allPages(_ f: AdminFixture, _ args: [String], key: String, cursorFlag: String) throws -> [JSONValue] {
        var rows: [JSONValue] = []
        var cursor: String? = nil
        for _ in 0..<100 {
            let result = try f.run(args + ["--json"] + (cursor.map { [cursorFlag, $0] } ?? []))
            expectStatus(result, 0)
            let doc = try result.json()
            rows += try #require(doc[key]?.arrayValue)
            guard doc["more"] == .bool(true) else {
                #expect(doc["next"] == nil)
                return rows
            }
            cursor = try #require(doc["next"]?.stringValue ?? doc["next"]?.intValue.map { String($0) })
        }
        Issue.record("more than 100 pages")
        return rows
    }

    @Test func usersTokensAndAuditWalkEveryRowOnce() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        let ids = (0..<230).map { String(format: "user%03d", $0) }
        try f.seed { store in
            for id in ids.shuffled() {
                _ = try store.createUser(id: id, displayName: id)
                let token = try store.createToken(userID: id, label: "t")
                if id.hasSuffix("7") { try store.adminRevokeToken(id: token.token.id) }
            }
        }
        let users = try allPages(f, ["users", "list", "--limit", "100"], key: "users", cursorFlag: "--after")
        #expect(users.compactMap { $0["id"]?.stringValue } == ids)
        #expect(users.first { $0["id"] == "user017" }?["active_tokens"] == .integer(0))
        #expect(users.first { $0["id"] == "user018" }?["active_tokens"] == .integer(1))

        let tokens = try allPages(f, ["tokens", "list", "--limit", "64"], key: "tokens", cursorFlag: "--after")
        #expect(tokens.count == 230 && Set(tokens.compactMap { $0["id"]?.stringValue }).count == 230)
        let created = tokens.compactMap { $0["created_at"]?.intValue }
        #expect(created == created.sorted(), "oldest first")
        #expect(try f.run(["tokens", "list", "user005", "--json"]).json()["tokens"]?.arrayValue?.count == 1)

        // 230 user.add + 230 token.issue + 23 token.revoke, newest first, by --before.
        let audit = try allPages(f, ["audit", "--limit", "200"], key: "audit", cursorFlag: "--before")
        let auditIDs = audit.compactMap { $0["id"]?.intValue }
        #expect(auditIDs.count == 483 && auditIDs == auditIDs.sorted(by: >) && Set(auditIDs).count == 483)

        // Piped: the rows on stdout, where to go on on stderr.
        let piped = try f.run(["users", "list", "--limit", "2"])
        #expect(piped.rows.map { $0[0] } == ["user000", "user001"])
        #expect(piped.stderr.contains("(more users: --after user001)"), "\(piped.stderr)")

        let badCursor = try f.run(["tokens", "list", "--after", "nosuchtoken"])
        expectStatus(badCursor, 2)
        #expect(badCursor.stderr.contains("no token 'nosuchtoken'"), "\(badCursor.stderr)")
        expectStatus(try f.run(["tokens", "list", "nobody"]), 2)
        expectStatus(try f.run(["users", "list", "--limit", "0"]), 1)
    }
}
