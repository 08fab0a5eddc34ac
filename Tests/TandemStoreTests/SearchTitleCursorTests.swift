import Testing
@testable import TandemStore

/// Title hits of `session.search` page by key (newest session first, below the cursor's session):
/// sessions created, renamed or deleted between pages neither repeat a hit nor skip one.
@Suite struct SearchTitleCursorTests {
    @Test func pagesNeitherSkipNorRepeatWhileSessionsAreAdded() throws {
        try withStore { store in
            // Titles of different lengths and word counts: relevance would order them, and change
            // as titles are added.
            var before: [String] = []
            for i in 0..<25 {
                let id = "o\(i)"
                _ = try store.createSession(id: id, title: "orchid" + String(repeating: " orchid", count: i % 4) + String(repeating: " leaf", count: i % 7),
                                            owner: "alice")
                before.append(id)
            }
            var seen: [String] = []
            var cursor: String?
            var added = 0
            repeat {
                let page = try store.searchPage("orchid", cursor: cursor, limit: 4)
                #expect(page.hits.allSatisfy { $0.turnSeq == nil })
                seen += page.hits.map(\.sessionID)
                cursor = page.nextCursor
                // Between pages: two more matching sessions, one that ranks best of all.
                _ = try store.createSession(id: "n\(added)", title: "orchid orchid orchid", owner: "alice")
                _ = try store.createSession(id: "n\(added + 1)", title: "orchid \(added) " + String(repeating: "stem ", count: added), owner: "alice")
                added += 2
            } while cursor != nil
            #expect(seen == before.reversed(), "\(seen)")
            // A later search from the start finds the added ones first.
            let fresh = try store.searchPage("orchid", limit: 2)
            #expect(fresh.hits.map(\.sessionID) == ["n\(added - 1)", "n\(added - 2)"])
        }
    }

    @Test func pagesSkipSessionsDeletedOrRenamedAwayAndGoOnToTurns() throws {
        try withStore { store in
            for i in 0..<6 { _ = try store.createSession(id: "s\(i)", title: "tulip \(i)", owner: "alice") }
            _ = try store.appendTurn(session: "s0", actor: "alice", NewTurn(role: .user, content: "a tulip bulb"))
            let first = try store.searchPage("tulip", member: "alice", limit: 2)
            #expect(first.hits.map(\.sessionID) == ["s5", "s4"])
            // Deleting or renaming one not yet given takes it out; one already given changes nothing.
            _ = try store.deleteSession(id: "s2", actor: "alice")
            _ = try store.updateSession(id: "s4", actor: "alice", title: "rose")
            _ = try store.updateSession(id: "s1", actor: "alice", title: "rose")
            let second = try store.searchPage("tulip", member: "alice", cursor: first.nextCursor, limit: 2)
            #expect(second.hits.map { "\($0.sessionID):\($0.turnSeq.map(String.init) ?? "title")" } == ["s3:title", "s0:title"])
            let third = try store.searchPage("tulip", member: "alice", cursor: second.nextCursor, limit: 2)
            #expect(third.hits.map { "\($0.sessionID):\($0.turnSeq.map(String.init) ?? "title")" } == ["s0:1"])
            #expect(third.nextCursor == nil)
        }
    }

    @Test func cursorsOfEarlierBuildsAreTakenAndBadOnesRefused() throws {
        try withStore { store in
            for i in 0..<5 { _ = try store.createSession(id: "s\(i)", title: "lily \(i)", owner: "alice") }
            // "T<n>": the first n title hits were given (the count cursor of earlier builds).
            #expect(try store.searchPage("lily", cursor: "T2", limit: 2).hits.map(\.sessionID) == ["s2", "s1"])
            #expect(try store.searchPage("lily", cursor: "U9223372036854775807", limit: 2).hits.isEmpty)
            for bad in ["junk", "S", "S-1", "S+3", "Sx", "T", "T-2", "U", "U1.5", "X12", "S99999999999999999999"] {
                #expect(errorCode { _ = try store.searchPage("lily", cursor: bad) } == "invalid_argument", "\(bad)")
            }
            for cursor in [SearchCursor.titles(below: 42), .turns(below: 7), .titleOffset(3)] {
                #expect(try SearchCursor(cursor.text) == cursor)
            }
        }
    }

    /// Many full pages: each starts below the last session the one before gave.
    @Test func manyTitlePagesComeInSessionOrder() throws {
        try withStore { store in
            for i in 0..<300 { _ = try store.createSession(id: "s\(i)", title: "poppy \(i)", owner: "alice") }
            var cursor: String?
            var pages = 0
            var ids: [String] = []
            repeat {
                let page = try store.searchPage("poppy", cursor: cursor, limit: 50)
                ids += page.hits.map(\.sessionID)
                cursor = page.nextCursor
                pages += 1
            } while cursor != nil
            #expect(pages == 6)
            #expect(ids == (0..<300).reversed().map { "s\($0)" })
        }
    }

    /// A title page reads the title index backwards from the cursor and joins each hit's session
    /// by its key: nothing sorts the matches.
    @Test func aTitlePageSortsNothing() throws {
        try withStore { store in
            _ = try store.createSession(id: "s", title: "daisy", owner: "alice")
            let filter = " AND EXISTS (SELECT 1 FROM members m WHERE m.sid = s.sid AND m.user_id = ?)"
            let plan = try store.read { db throws(StoreError) in
                try db.query("EXPLAIN QUERY PLAN " + Store.titleHitsSQL(filter: filter),
                             [.text("alice"), .text("\"daisy\""), .integer(.max), .int(10)]) { $0.text(3) }
            }
            #expect(plan.first?.hasPrefix("SCAN f VIRTUAL TABLE") == true, "\(plan)")
            #expect(plan.contains { $0.contains("SEARCH s USING INTEGER PRIMARY KEY") }, "\(plan)")
            #expect(!plan.joined(separator: "\n").contains("TEMP B-TREE"), "\(plan)")
        }
    }

    /// A deep page costs what the first does (steps of SQLite's virtual machine, not time): by
    /// count, a page 280 hits deep ran the join for every hit it skipped.
    @Test func aDeepTitlePageCostsWhatTheFirstDoes() throws {
        // One reader: every search runs on the connection whose steps are read around it.
        try withStore(configure: { $0.readerCount = 1 }) { store in
            for i in 0..<300 { _ = try store.createSession(id: "s\(i)", title: "aster \(i)", owner: "alice") }
            func steps(cursor: String?) throws -> (Int64, SearchPage) {
                let before = try store.read { db throws(StoreError) in db.virtualMachineSteps }
                let page = try store.searchPage("aster", member: "alice", cursor: cursor, limit: 10)
                return (try store.read { db throws(StoreError) in db.virtualMachineSteps } - before, page)
            }
            let (first, firstPage) = try steps(cursor: nil)
            var cursor = firstPage.nextCursor
            for _ in 0..<27 { cursor = try store.searchPage("aster", member: "alice", cursor: cursor, limit: 10).nextCursor }
            let (deep, deepPage) = try steps(cursor: cursor)
            #expect(deepPage.hits.map(\.sessionID) == (10..<20).map { "s\($0)" }.reversed())
            #expect(deep < first * 2, "first page \(first) steps, 280 hits deep \(deep)")
        }
    }
}
