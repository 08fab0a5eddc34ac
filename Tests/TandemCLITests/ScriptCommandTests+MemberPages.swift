import Foundation
import Testing
import TandemJSON
import TandemStore

/// `tandem members` and `tandem stats` read every page of `member.list` and `contributions` (the
/// server pages them by user id, or a user's by session): with a 1 KiB `max-page-bytes` each list
/// below takes many pages, and each member or row must come out once.
extension TandemCLIScriptTests {
    @Test func membersAndStatsReadEveryPage() throws {
        let f = try CLIFixture { $0.maxPageBytes = 1 << 10 }
        defer { f.shutdown() }
        let store = f.server.store
        // 60 members in user id order unlike their roles: the client orders them strongest first.
        var expected: [(String, String)] = [("alice", "owner")]
        for n in 0..<60 {
            let id = String(format: "m%02d", n)
            let role: Role = n % 3 == 0 ? .admin : (n % 3 == 1 ? .comment : .write)
            _ = try store.createUser(id: id, displayName: "Member \(n)")
            try store.setMember(session: "s1", actor: "alice", user: id, role: role)
            expected.append((id, role.rawValue))
        }
        expected += [("bob", "write"), ("carol", "read")]
        let rank = ["owner": 4, "admin": 3, "write": 2, "comment": 1, "read": 0]
        expected.sort { (rank[$0.1]!, $1.0) > (rank[$1.1]!, $0.0) }
        #expect(try store.memberPage(session: "s1", actor: "alice", limit: 1000, budget: PageBudget(maxBytes: 1 << 10)).more)
        let members = try lines(try f.run(["members", "s1", "--json"], as: "carol"))
        #expect(members.map { $0["user"]?.stringValue ?? "" } == expected.map(\.0))
        #expect(members.map { $0["role"]?.stringValue ?? "" } == expected.map(\.1))

        // bob posts once in each of 40 sessions: his own stats list them all and a total.
        for n in 0..<40 {
            let id = String(format: "z%02d", n)
            _ = try store.createSession(id: id, title: "", owner: "alice")
            try store.setMember(session: id, actor: "alice", user: "bob", role: .write)
            _ = try store.appendTurn(session: id, actor: "bob", NewTurn(role: .user, content: "x"))
        }
        #expect(try store.contributionPage(user: "bob", limit: 1000, budget: PageBudget(maxBytes: 1 << 10)).more)
        let mine = try lines(try f.run(["stats", "--json"], as: "bob"))
        #expect(mine.map { $0["session"]?.stringValue ?? "" } == (0..<40).map { String(format: "z%02d", $0) })
        let table = try f.run(["stats"], as: "bob").stdout.split(separator: "\n")
        #expect(table.count == 42 && table.last?.split(separator: " ").prefix(2) == ["total", "40"], "\(table.suffix(2))")
        // A session's stats, one row per member who posted, over several pages.
        for n in 0..<20 {
            _ = try store.appendTurn(session: "s1", actor: String(format: "m%02d", n * 3 + 2), NewTurn(role: .user, content: "y"))
        }
        let perUser = try lines(try f.run(["stats", "s1", "--json"]))
        #expect(perUser.map { $0["user"]?.stringValue ?? "" } == (0..<20).map { String(format: "m%02d", $0 * 3 + 2) })
    }
}
