import Testing
@testable import TandemStore

/// A search page examines at most `maxSearchScan` index entries: a user who belongs to few sessions
/// no longer walks every match on the server in one request. A page that ran out ends early, even
/// empty, with a cursor; reading on gives every hit once, in order.
@Suite struct SearchScanBudgetTests {
    /// Pages of `query` for `member` read to the end: the hits (session, seq) and the hit count of each page.
    private func readAll(_ store: Store, _ query: String, member: String, limit: Int) throws -> (hits: [String], pages: [Int]) {
        var hits: [String] = [], pages: [Int] = []
        var cursor: String?
        repeat {
            let page = try store.searchPage(query, member: member, cursor: cursor, limit: limit)
            hits += page.hits.map { "\($0.sessionID)#\($0.turnSeq.map(String.init) ?? "title")" }
            pages.append(page.hits.count)
            cursor = page.nextCursor
        } while cursor != nil
        return (hits, pages)
    }

    @Test func turnMatchesOfOtherSessionsCostAPageItsBudgetNotTheirNumber() throws {
        try withStore(configure: { $0.maxSearchScan = 100 }) { store in
            _ = try store.createSession(id: "mine", title: "notes", owner: "alice")
            _ = try store.createSession(id: "theirs", title: "notes", owner: "bob")
            // alice's two matches lie under 450 of bob's, then 3 more of hers among 450 more.
            _ = try store.appendTurns(session: "mine", actor: "alice", [NewTurn(role: .user, content: "walrus a"), NewTurn(role: .user, content: "walrus b")])
            _ = try store.appendTurns(session: "theirs", actor: "bob", (0..<450).map { NewTurn(role: .user, content: "walrus \($0)") })
            for i in 0..<3 {
                _ = try store.appendTurns(session: "mine", actor: "alice", [NewTurn(role: .user, content: "walrus \(i)")])
                _ = try store.appendTurns(session: "theirs", actor: "bob", (0..<150).map { NewTurn(role: .user, content: "walrus \($0)") })
            }
            try store.catchUpSearchIndex()

            let first = try store.searchPage("walrus", member: "alice", limit: 50)
            #expect(first.hits.isEmpty, "the newest 100 matches are all bob's")
            #expect(first.nextCursor != nil)

            let all = try readAll(store, "walrus", member: "alice", limit: 50)
            #expect(all.hits == ["mine#5", "mine#4", "mine#3", "mine#2", "mine#1"])
            #expect(all.pages.count >= 9, "905 matches, 100 a page: \(all.pages)")
            // bob sees his own 900 in pages of 50 (every page full but the last: the budget only
            // ends a page early when matches are not the caller's).
            let bobs = try readAll(store, "walrus", member: "bob", limit: 50)
            #expect(bobs.hits.count == 900 && Set(bobs.hits).count == 900)
            #expect(bobs.pages.dropLast().allSatisfy { $0 == 50 }, "\(bobs.pages)")
        }
    }

    @Test func titleMatchesOfOtherSessionsToo() throws {
        try withStore(configure: { $0.maxSearchScan = 100 }) { store in
            _ = try store.createSession(id: "a-old", title: "aster", owner: "alice")
            for i in 0..<250 { _ = try store.createSession(id: "b\(i)", title: "aster \(i)", owner: "bob") }
            _ = try store.createSession(id: "a-new", title: "aster", owner: "alice")
            for i in 250..<400 { _ = try store.createSession(id: "b\(i)", title: "aster \(i)", owner: "bob") }
            let first = try store.searchPage("aster", member: "alice", limit: 10)
            #expect(first.hits.isEmpty && first.nextCursor != nil)
            let all = try readAll(store, "aster", member: "alice", limit: 10)
            #expect(all.hits == ["a-new#title", "a-old#title"])
        }
    }

    @Test func aFullPageStillEndsBelowItsLastHit() throws {
        try withStore(configure: { $0.maxSearchScan = 100 }) { store in
            _ = try store.createSession(id: "mine", title: "notes", owner: "alice")
            _ = try store.appendTurns(session: "mine", actor: "alice", (0..<30).map { NewTurn(role: .user, content: "heron \($0)") })
            try store.catchUpSearchIndex()
            let all = try readAll(store, "heron", member: "alice", limit: 7)
            #expect(all.hits == (1...30).reversed().map { "mine#\($0)" })
            #expect(all.pages == [7, 7, 7, 7, 2])
        }
    }
}
