import Foundation
import Testing
import TandemJSON
@testable import TandemStore

/// `member.list` and `contributions` read a page at a time: every member or row once, in the key
/// order, each page within its limit and its byte budget, and a page one seek from the key before.
@Suite struct MemberPageTests {
    /// Adds `count` users (`m0000` ...) with `nameBytes`-byte names as readers of `sid`, and gives
    /// each a row of counters there, in one transaction (the API would take a write per member).
    private func addReaders(_ store: Store, sid: Int64, count: Int, nameBytes: Int = 10) throws -> [String] {
        let ids = (0..<count).map { String(format: "m%04d", $0) }
        let name = String(repeating: "n", count: nameBytes)
        try store.write { ctx throws(StoreError) in
            for id in ids {
                try ctx.db.run("INSERT INTO users(id, display_name, created_at) VALUES (?, ?, 1)", [.text(id), .text(name + id)])
                try ctx.db.run("INSERT INTO members(sid, user_id, role, added_at) VALUES (?, ?, 'read', 1)", [.integer(sid), .text(id)])
                try ctx.db.run("INSERT INTO contributions(sid, user_id, turns) VALUES (?, ?, 1)", [.integer(sid), .text(id)])
            }
        }
        return ids
    }

    /// Every page `fetch` gives, from the first, following the last item of each.
    private func pages<Item>(_ fetch: (Item?) throws -> ([Item], Bool)) throws -> [[Item]] {
        var out: [[Item]] = []
        var after: Item?
        for _ in 0..<1000 {
            let (page, more) = try fetch(after)
            out.append(page)
            guard more else { return out }
            guard let last = page.last else {
                Issue.record("an empty page said more were left")
                return out
            }
            after = last
        }
        Issue.record("more than 1000 pages")
        return out
    }

    @Test func twoThousandFiveHundredMembersComeInPagesByUserIDEachOnce() throws {
        try withStore { store in
            try makeSession(store)
            let added = try addReaders(store, sid: 1, count: 2500)
            let expected = (added + ["alice", "bob", "carol", "dave"]).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            let byLimit = try pages { (last: ListedMember?) in
                try store.memberPage(session: "s1", actor: "dave", after: last?.member.userID, limit: 1000, budget: .unlimited)
            }
            #expect(byLimit.map(\.count) == [1000, 1000, 504])
            #expect(byLimit.joined().map(\.member.userID) == expected)
            let bob = try #require(byLimit.joined().first { $0.member.userID == "bob" })
            #expect(bob.displayName == "Bob" && bob.member.role == .write)
            #expect(byLimit.joined().first { $0.member.userID == "m0421" }?.displayName == "nnnnnnnnnnm0421")

            // An `after` that is no member starts after where it would be.
            let fromGap = try store.memberPage(session: "s1", actor: "dave", after: "c", limit: 2, budget: .unlimited)
            #expect(fromGap.members.map(\.member.userID) == ["carol", "dave"] && fromGap.more)
            // A non-member learns nothing: the session is not found.
            #expect(throws: StoreError.self) { try store.memberPage(session: "s1", actor: "erin", limit: 10, budget: .unlimited) }
        }
    }

    @Test func aMemberPageEndsWhereItFillsTheByteBudget() throws {
        try withStore { store in
            try makeSession(store)
            // Names of 1,000 bytes: a member costs about 1.1 KB, so 10 KB holds 9 of them.
            let added = try addReaders(store, sid: 1, count: 100, nameBytes: 1000)
            let cut = try pages { (last: ListedMember?) in
                try store.memberPage(session: "s1", actor: "alice", after: last?.member.userID, limit: 1000, budget: PageBudget(maxBytes: 10_000))
            }
            #expect(Set(cut.joined().map(\.member.userID)) == Set(added + ["alice", "bob", "carol", "dave"]))
            #expect(cut.joined().count == 104)
            // alice, bob, carol and dave (about 100 bytes each) and 8 others fill the first page.
            #expect(cut.map(\.count) == [12] + Array(repeating: 9, count: 10) + [2])
            // One member bigger than the budget still goes, alone.
            let one = try store.memberPage(session: "s1", actor: "alice", limit: 1000, budget: PageBudget(maxBytes: 10))
            #expect(one.members.count == 1 && one.more)
        }
    }

    @Test func aSessionsContributionsPageByUserIDRemovedMembersIncluded() throws {
        try withStore { store in
            try makeSession(store)
            let added = try addReaders(store, sid: 1, count: 1500)
            _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "hi")])
            try store.removeMember(session: "s1", actor: "alice", user: "bob")
            let all = try pages { (last: Contribution?) in
                try store.contributionPage(session: "s1", actor: "dave", after: last?.userID, limit: 400, budget: .unlimited)
            }
            #expect(all.map(\.count) == [400, 400, 400, 301])
            #expect(all.joined().map(\.userID) == (added + ["bob"]).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
            #expect(all.joined().allSatisfy { $0.sessionID == "s1" })
            // One user's row of the session, however the page is asked for.
            let bob = try store.contributionPage(session: "s1", actor: "dave", user: "bob", limit: 1, budget: .unlimited)
            #expect(bob.contributions.map(\.userID) == ["bob"] && bob.contributions.first?.counts.turns == 1 && !bob.more)
            #expect(try store.contributionPage(session: "s1", actor: "dave", user: "bob", after: "bob", limit: 5, budget: .unlimited)
                .contributions.isEmpty)
            // Small budget: pages of 3 (a row costs its ids and 256 bytes).
            let cut = try store.contributionPage(session: "s1", actor: "dave", limit: 1000, budget: PageBudget(maxBytes: 800))
            #expect(cut.contributions.count == 3 && cut.more)
        }
    }

    @Test func aUsersContributionsPageInSessionCreationOrderFromTheIndex() throws {
        try withStore { store in
            // Ids in an order unlike creation order: the list follows creation (the sid).
            let ids = (0..<260).map { "z\(String(format: "%03d", 259 - $0))" }
            for id in ids {
                _ = try store.createSession(id: id, title: "", owner: "alice")
                try store.setMember(session: id, actor: "alice", user: "bob", role: .write)
                _ = try store.appendTurns(session: id, actor: "bob", [NewTurn(role: .user, content: "x")])
            }
            // Removed from one: it leaves the list, and a page may go on after it all the same.
            try store.removeMember(session: "z200", actor: "alice", user: "bob")
            let all = try pages { (last: Contribution?) in
                try store.contributionPage(user: "bob", after: last?.sessionID, limit: 100, budget: .unlimited)
            }
            #expect(all.map(\.count) == [100, 100, 59])
            #expect(all.joined().map(\.sessionID) == ids.filter { $0 != "z200" })
            let afterRemoved = try store.contributionPage(user: "bob", after: "z200", limit: 1, budget: .unlimited)
            #expect(afterRemoved.contributions.map(\.sessionID) == ["z199"])

            // A session bob has no counters in (or none at all) is not_found, naming `after`.
            _ = try store.createSession(id: "other", title: "", owner: "carol")
            for unknown in ["other", "nosuch"] {
                do throws(StoreError) {
                    _ = try store.contributionPage(user: "bob", after: unknown, limit: 10, budget: .unlimited)
                    Issue.record("after \(unknown) was taken")
                } catch {
                    #expect(error.kind == .notFound && error.field == "after")
                }
            }
            // A page is one range of `contributions_user` (user_id, sid): no sort of all the user's rows.
            let query = try store.read { db throws(StoreError) in
                try db.query("""
                    EXPLAIN QUERY PLAN SELECT s.id, c.user_id, \(Contributions.counterColumns) FROM contributions c
                    JOIN sessions s ON s.sid = c.sid
                    WHERE c.user_id = ?1 AND c.sid > ?2 AND EXISTS (SELECT 1 FROM members m WHERE m.sid = c.sid AND m.user_id = ?1)
                    ORDER BY c.sid LIMIT ?3
                    """, [.text("bob"), .integer(0), .integer(10)]) { $0.text(3) }.joined(separator: "; ")
            }
            #expect(query.contains("contributions_user (user_id=? AND sid>?)") && !query.contains("TEMP B-TREE"), "\(query)")
        }
    }
}
