import Testing
import TandemJSON
@testable import TandemStore

/// Reads a paged list to its end: every page's items, and the pages' sizes. Fails the test
/// instead of looping when a page is empty yet says more are left.
private func allPages<Item>(_ fetch: (Item?) throws -> ([Item], Bool)) throws -> (items: [Item], sizes: [Int]) {
    var items: [Item] = []
    var sizes: [Int] = []
    var after: Item?
    while true {
        let (page, more) = try fetch(after)
        items += page
        sizes.append(page.count)
        guard more else { return (items, sizes) }
        guard let last = page.last else {
            Issue.record("an empty page said more were left")
            return (items, sizes)
        }
        after = last
    }
}

/// The plan SQLite picks for `sql`, as one line.
private func plan(_ store: Store, _ sql: String, _ values: [SQLValue]) throws -> String {
    try store.read { db throws(StoreError) in
        try db.query("EXPLAIN QUERY PLAN " + sql, values) { $0.text(3) }.joined(separator: "; ")
    }
}

@Suite struct ListPageTests {
    @Test func commentPagesHoldEveryCommentOnceAndStopAtTheLimitOrTheBudget() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.appendTurns(session: "s1", actor: "bob", (1...3).map { NewTurn(role: .user, content: "t\($0)") })
            var ids: [Int64] = []
            for i in 0..<25 {
                ids.append(try store.addComment(session: "s1", actor: "carol", turnSeq: Int64(i % 3 + 1), body: "comment \(i)").id)
            }
            let byLimit = try allPages { (last: TandemStore.Comment?) in
                try store.commentPage(session: "s1", actor: "dave", after: last?.id ?? 0, limit: 7, budget: .unlimited)
            }
            #expect(byLimit.items.map(\.id) == ids)
            #expect(byLimit.sizes == [7, 7, 7, 4])

            // One comment costs its text plus 128 bytes and its author: three fit in 450.
            let byBytes = try allPages { (last: TandemStore.Comment?) in
                try store.commentPage(session: "s1", actor: "dave", after: last?.id ?? 0, limit: 1000, budget: PageBudget(maxBytes: 450))
            }
            #expect(byBytes.items.map(\.id) == ids)
            #expect(byBytes.sizes.allSatisfy { $0 == 3 || $0 == 1 } && byBytes.sizes.count == 9, "\(byBytes.sizes)")

            // One turn's comments page the same way.
            let onTurn2 = try allPages { (last: TandemStore.Comment?) in
                try store.commentPage(session: "s1", actor: "dave", turnSeq: 2, after: last?.id ?? 0, limit: 2, budget: .unlimited)
            }
            #expect(onTurn2.items.map(\.id) == ids.enumerated().filter { $0.offset % 3 == 1 }.map(\.element))
            // A comment bigger than the budget still goes, alone: a page is never empty while comments are left.
            let big = try store.commentPage(session: "s1", actor: "dave", limit: 1000, budget: PageBudget(maxBytes: 10))
            #expect(big.comments.count == 1 && big.more)
        }
    }

    @Test func checkpointPagesListOldestFirstWithRowCountsAndWithoutTheRowMaps() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            try makeSession(store)
            var names: [String] = []
            for i in 0..<12 {
                _ = try store.writeRow(session: "s1", actor: "bob", key: "k\(i)", value: .integer(Int64(i)), baseVersion: 0)
                // Pairs saved in the same millisecond: the name orders them, as the cursor must.
                if i % 2 == 0 { clock.advance(1) }
                let name = i % 2 == 0 ? "z\(i)" : "a\(i)"
                _ = try store.saveCheckpoint(session: "s1", actor: "bob", name: name)
                names.append(name)
            }
            let expected = try store.checkpoints(session: "s1", actor: "dave")
            #expect(expected.count == 12)
            let pages = try allPages { (last: CheckpointSummary?) in
                try store.checkpointPage(session: "s1", actor: "dave", after: last?.name, limit: 5, budget: .unlimited)
            }
            #expect(pages.items.map(\.name) == expected.map(\.name))
            #expect(pages.items.map(\.rowCount) == expected.map(\.rowCount))
            // Saved in pairs within one millisecond, later one first by name; each held one row more.
            #expect(pages.items.map(\.name) == ["a1", "z0", "a3", "z2", "a5", "z4", "a7", "z6", "a9", "z8", "a11", "z10"])
            #expect(pages.items.map(\.rowCount) == [2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11])
            #expect(pages.sizes == [5, 5, 2])
            let byBytes = try allPages { (last: CheckpointSummary?) in
                try store.checkpointPage(session: "s1", actor: "dave", after: last?.name, limit: 1000, budget: PageBudget(maxBytes: 400))
            }
            #expect(byBytes.items.map(\.name) == expected.map(\.name) && byBytes.sizes.count > 1, "\(byBytes.sizes)")
            #expect(errorCode { _ = try store.checkpointPage(session: "s1", actor: "dave", after: "nope", limit: 5, budget: .unlimited) } == "not_found")
            // The listing reads the covering index alone: never the row maps.
            let query = try plan(store, """
                SELECT name, turn_seq, row_count, created_by, created_at FROM checkpoints
                WHERE sid = ?1 AND (created_at, name) > (?2, ?3) ORDER BY created_at, name LIMIT ?4
                """, [.integer(1), .integer(0), .text(""), .integer(6)])
            #expect(query.contains("COVERING INDEX checkpoints_listing") && !query.contains("TEMP B-TREE"), "\(query)")
        }
    }

    @Test func shareLinkPagesListWorkingLinksNewestFirstAndAllOnRequest() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            try makeSession(store)
            var links: [String] = []
            for i in 0..<10 {
                clock.advance(i % 3 == 0 ? 0 : 1) // some created in the same millisecond: the id orders them
                let expiry: Int64? = i == 4 || i == 5 ? clock.now + 1_000 : (i == 9 ? nil : clock.now + 3_600_000)
                links.append(try store.createShareLink(session: "s1", actor: "alice", expiresAt: expiry).link.id)
            }
            for i in [1, 2, 7] { try store.revokeShareLink(session: "s1", actor: "alice", linkID: links[i]) }
            clock.advance(2_000) // 4 and 5 expire
            let all = try store.shareLinks(session: "s1", actor: "alice").sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
            let everyPage = try allPages { (last: ShareLink?) in
                try store.shareLinkPage(session: "s1", actor: "alice", includeRevoked: true, after: last?.id, limit: 3, budget: .unlimited)
            }
            #expect(everyPage.items.map(\.id) == all.map(\.id))
            #expect(everyPage.sizes == [3, 3, 3, 1])
            let working = try allPages { (last: ShareLink?) in
                try store.shareLinkPage(session: "s1", actor: "alice", after: last?.id, limit: 2, budget: .unlimited)
            }
            let dead: Set = [links[1], links[2], links[7], links[4], links[5]]
            #expect(working.items.map(\.id) == all.map(\.id).filter { !dead.contains($0) })
            let byBytes = try allPages { (last: ShareLink?) in
                try store.shareLinkPage(session: "s1", actor: "alice", includeRevoked: true, after: last?.id, limit: 1000,
                                        budget: PageBudget(maxBytes: 600))
            }
            #expect(byBytes.items.map(\.id) == all.map(\.id) && byBytes.sizes.count > 1, "\(byBytes.sizes)")
            #expect(errorCode { _ = try store.shareLinkPage(session: "s1", actor: "alice", after: "nope", limit: 5, budget: .unlimited) } == "not_found")
            #expect(errorCode { _ = try store.shareLinkPage(session: "s1", actor: "bob", limit: 5, budget: .unlimited) } == "forbidden")
            // The operator's listing: working links unless asked for all.
            #expect(Set(try store.adminShareLinks(session: "s1").map(\.id)) == Set(links).subtracting(dead))
            #expect(try store.adminShareLinks(session: "s1", includeRevoked: true).count == 10)
        }
    }

    @Test func adminShareLinkPagesWalkEveryLinkOfEverySessionOldestFirst() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            try makeSession(store)
            try makeSession(store, id: "s2")
            var links: [ShareLink] = []
            for i in 0..<9 {
                if i % 2 == 0 { clock.advance(1) } // pairs made in the same millisecond: the id orders them
                links.append(try store.createShareLink(session: i % 3 == 0 ? "s2" : "s1", actor: "alice", expiresAt: clock.now + 60_000).link)
            }
            try store.revokeShareLink(session: "s1", actor: "alice", linkID: links[1].id)
            let oldestFirst = links.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }.map(\.id)
            let every = try allPages { (last: ShareLink?) in
                try store.adminShareLinkPage(includeRevoked: true, after: last?.id, limit: 2)
            }
            #expect(every.items.map(\.id) == oldestFirst)
            #expect(every.sizes == [2, 2, 2, 2, 1])
            let working = try allPages { (last: ShareLink?) in try store.adminShareLinkPage(after: last?.id, limit: 4) }
            #expect(working.items.map(\.id) == oldestFirst.filter { $0 != links[1].id })
            let s2 = try allPages { (last: ShareLink?) in try store.adminShareLinkPage(session: "s2", after: last?.id, limit: 1) }
            #expect(s2.items.map(\.id) == oldestFirst.filter { id in links.first { $0.id == id }?.sessionID == "s2" })
            #expect(s2.items.count == 3 && s2.sizes == [1, 1, 1])
            #expect(errorCode { _ = try store.adminShareLinkPage(after: "nope", limit: 5) } == "not_found")
            #expect(errorCode { _ = try store.adminShareLinkPage(session: "nope", limit: 5) } == "not_found")
        }
    }

    @Test func theShareLinkQuotaCountsWorkingLinksThroughThePartialIndex() throws {
        let clock = TestClock()
        try withStore(clock: clock, configure: { $0.maxShareLinksPerSession = 3 }) { store in
            try makeSession(store)
            for _ in 0..<20 {
                let id = try store.createShareLink(session: "s1", actor: "alice", expiresAt: clock.now + 60_000).link.id
                try store.revokeShareLink(session: "s1", actor: "alice", linkID: id)
            }
            _ = try store.createShareLink(session: "s1", actor: "alice", expiresAt: clock.now + 1_000)
            _ = try store.createShareLink(session: "s1", actor: "alice", expiresAt: nil)
            _ = try store.createShareLink(session: "s1", actor: "alice", expiresAt: clock.now + 60_000)
            #expect(errorCode { _ = try store.createShareLink(session: "s1", actor: "alice", expiresAt: clock.now + 60_000) } == "limit_exceeded")
            clock.advance(1_000) // one expires: room for one more
            _ = try store.createShareLink(session: "s1", actor: "alice", expiresAt: clock.now + 60_000)
            #expect(errorCode { _ = try store.createShareLink(session: "s1", actor: "alice", expiresAt: nil) } == "limit_exceeded")
            for (part, values) in [("expires_at > ?2", [SQLValue.integer(1), .integer(clock.now)]), ("expires_at IS NULL", [.integer(1)])] {
                let query = try plan(store, "SELECT count(*) FROM share_links WHERE sid = ?1 AND revoked_at IS NULL AND \(part)", values)
                #expect(query.contains("share_links_working"), "\(query)")
            }
        }
    }

    @Test func templatePagesListByNameWithoutReadingBodies() throws {
        try withStore { store in
            try makeSession(store)
            try makeSession(store, id: "s2")
            for name in ["e", "b", "d", "a", "c"] {
                _ = try store.saveTemplate(session: name < "c" ? "s1" : "s2", actor: "alice", name: name)
            }
            try store.setMember(session: "s1", actor: "alice", user: "bob", role: .admin)
            _ = try store.saveTemplate(session: "s1", actor: "bob", name: "b")
            let pages = try allPages { (last: TemplateSummary?) in
                try store.templatePage(of: "alice", after: last?.name, limit: 2, budget: .unlimited)
            }
            #expect(pages.items.map(\.name) == ["a", "b", "c", "d", "e"])
            #expect(pages.items.map(\.source) == ["s1", "s1", "s2", "s2", "s2"])
            #expect(pages.items.allSatisfy { $0.createdBy == "alice" })
            #expect(pages.sizes == [2, 2, 1])
            #expect(try store.templatePage(of: "bob", limit: 10, budget: .unlimited).templates.map(\.source) == ["s1"])
            let byBytes = try allPages { (last: TemplateSummary?) in
                try store.templatePage(of: "alice", after: last?.name, limit: 1000, budget: PageBudget(maxBytes: 300))
            }
            #expect(byBytes.items.map(\.name) == ["a", "b", "c", "d", "e"] && byBytes.sizes.count > 1, "\(byBytes.sizes)")
            let query = try plan(store, """
                SELECT name, source, created_by, created_at FROM templates WHERE created_by = ?1 AND name > ?2 ORDER BY name LIMIT ?3
                """, [.text("alice"), .text(""), .integer(3)])
            #expect(query.contains("COVERING INDEX templates_listing"), "\(query)")
        }
    }
}
