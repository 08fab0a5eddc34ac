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

    /// members and contributions page by user id: a session of 231 members (an owner and 230
    /// writers, 46 of whom posted) is read whole by following "next", and sessions show lists only
    /// its first 100 members, saying there are more. (Before: every member in one document.)
    @Test func membersAndContributionsWalkEveryUserOnce() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        let ids = (0..<230).map { String(format: "user%03d", $0) }
        let posters = ids.filter { $0.hasSuffix("3") || $0.hasSuffix("8") }
        try f.seed { store in
            _ = try store.createUser(id: "owner", displayName: "Owner")
            _ = try store.createSession(id: "s1", title: "Crowd", owner: "owner")
            for id in ids.shuffled() {
                _ = try store.createUser(id: id, displayName: id)
                _ = try store.adminSetMember(session: "s1", user: id, role: .write)
            }
            for id in posters.shuffled() { _ = try store.appendTurn(session: "s1", actor: id, NewTurn(role: .user, content: "hi")) }
        }
        let members = try allPages(f, ["members", "s1", "--limit", "100"], key: "members", cursorFlag: "--after")
        #expect(members.compactMap { $0["user"]?.stringValue } == ["owner"] + ids)
        #expect(members.first?["role"] == "owner" && members.last?["role"] == "write")

        let contributions = try allPages(f, ["contributions", "s1", "--limit", "10"], key: "contributions", cursorFlag: "--after")
        #expect(contributions.compactMap { $0["user"]?.stringValue } == posters)
        #expect(contributions.allSatisfy { $0["turns"] == .integer(1) })

        // Piped: the rows on stdout, where to go on on stderr; the last page says nothing more.
        let piped = try f.run(["members", "s1", "--limit", "2"])
        #expect(piped.rows.map { $0[0] } == ["owner", "user000"])
        #expect(piped.stderr.contains("(more members: --after user000)"), "\(piped.stderr)")
        let lastPage = try f.run(["contributions", "s1", "--after", posters[posters.count - 2]])
        #expect(lastPage.rows.map { $0[0] } == [posters.last!] && !lastPage.stderr.contains("more"), "\(lastPage.stderr)")

        let shown = try f.run(["sessions", "show", "s1", "--json"])
        expectStatus(shown, 0)
        #expect(try shown.json()["members"]?.arrayValue?.count == 100 && shown.json()["members_more"] == .bool(true))
        #expect(shown.stderr.contains("tandem-admin members s1"), "\(shown.stderr)")

        expectStatus(try f.run(["members", "nosuchsession"]), 2)
        expectStatus(try f.run(["contributions", "nosuchsession"]), 2)
        expectStatus(try f.run(["members", "s1", "--limit", "0"]), 1)
        expectStatus(try f.run(["contributions", "s1", "--limit", "1001"]), 1)
    }
}
