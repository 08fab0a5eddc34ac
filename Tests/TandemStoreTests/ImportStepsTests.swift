import Foundation
import Testing
import TandemJSON
@testable import TandemStore

/// Imports in steps (`SessionImport`): written in chunks of transactions into a hidden session
/// that appears whole at the end; a failed or abandoned one is removed like a deleted session.
@Suite struct ImportStepsTests {
    @Test func anImportIsWrittenInStepsAndIsTheSameSession() throws {
        try withStore(configure: { $0.importStepRows = 2 }) { store in
            try makeRichSession(store)
            for i in 0..<9 { _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "more \(i)")) }
            let text = try store.exportSessionText(id: "s1", actor: "alice")
            let document = try JSONValue(parsing: text)
            let records = SessionImport.lists.reduce(0) { $0 + (document[$1]?.arrayValue?.count ?? 0) }
            let before = store.writer.batches
            let copy = try store.importSession(json: text, asID: "copy")
            // begin, one transaction per two records of each list (rounded up), publish.
            #expect(store.writer.batches - before >= 2 + records / 2)
            #expect(copy.id == "copy" && copy.status == .active)
            let exported = try store.exportSession(id: "copy", actor: "alice")
            var session = document["session"]?.objectValue ?? [:]
            session["id"] = "copy"
            // `updated_at` is the import's own stamp, that of the step that made it appear.
            session["updated_at"] = .integer(copy.updatedAt)
            #expect(exported["session"] == .object(session))
            for part in ["format", "version", "users", "members"] + SessionImport.lists {
                #expect(exported[part] == document[part], "\(part)")
            }
            // A document names a comment by its place in `comments`; the copy's comments have ids of
            // their own, and its replayed comment events name those.
            let copyComments = try store.comments(session: "copy", actor: "alice")
            #expect(!copyComments.isEmpty)
            #expect(document["events"]?.arrayValue?.filter { $0["kind"] == "comment" }.map { $0["data"]?["id"] }
                    == copyComments.indices.map { .integer(Int64($0 + 1)) })
            let replayed = try store.changes(session: "copy", actor: "alice", since: 0).events.compactMap(\.comment)
            #expect(replayed.map(\.id) == copyComments.map(\.id) && replayed.map(\.body) == copyComments.map(\.body))
            #expect(try store.listSessions(SessionFilter()).sessions.map(\.id).sorted() == ["copy", "s1"])
        }
    }

    @Test func anImportIsHiddenUntilItsLastStep() throws {
        try withStore { store in
            try makeRichSession(store)
            let document = try store.exportSession(id: "s1", actor: "alice")
            let header = try SessionImport.header(ImportTree(document: document), asID: "copy", store.configuration)
            let sid = try store.write { ctx throws(StoreError) in try SessionImport.begin(ctx, header) }
            let turns = document["turns"]?.arrayValue ?? []
            for list in SessionImport.lists {
                let records = document[list]?.arrayValue ?? []
                try store.write { ctx throws(StoreError) in try SessionImport.insert(ctx, sid: sid, list: list, records, header.bounds) }
            }
            #expect(errorCode { _ = try store.session(id: "copy") } == "not_found")
            #expect(try store.listSessions(SessionFilter()).sessions.map(\.id) == ["s1"])
            #expect(try store.listSessions(SessionFilter(member: "alice")).sessions.map(\.id) == ["s1"])
            #expect(try Set(store.search("héllo").map(\.sessionID)) == ["s1"])
            #expect(try Set(store.search("Planning").map(\.sessionID)) == ["s1"]) // the title, too
            try store.write { ctx throws(StoreError) in try SessionImport.publish(ctx, sid: sid, header) }
            #expect(try store.session(id: "copy").title == "Planning")
            #expect(try Set(store.search("héllo").map(\.sessionID)) == ["s1", "copy"])
            #expect(try store.lastTurns(session: "copy", actor: "bob", count: 10).count == turns.count)
        }
    }

    @Test func anImportWhoseIdIsTakenMeanwhileIsRemoved() throws {
        try withStore { store in
            try makeRichSession(store)
            let header = try SessionImport.header(ImportTree(document: try store.exportSession(id: "s1", actor: "alice")), asID: "copy", store.configuration)
            let sid = try store.write { ctx throws(StoreError) in try SessionImport.begin(ctx, header) }
            _ = try store.createSession(id: "copy", title: "Taken", owner: "erin")
            #expect(errorCode { try store.write { ctx throws(StoreError) in try SessionImport.publish(ctx, sid: sid, header) } } == "already_exists")
            try store.write { ctx throws(StoreError) in try SessionImport.abandon(ctx, sid: sid) }
            try store.finishDeletes()
            #expect(try tableCounts(store)["sessions"] == 2)
            #expect(try store.session(id: "copy").title == "Taken")
        }
    }

    @Test func aFailedImportLeavesNoRowsOnceRemoved() throws {
        try withStore(configure: { $0.importStepRows = 1 }) { store in
            try makeRichSession(store)
            let text = try store.exportSessionText(id: "s1", actor: "alice")
            let before = try tableCounts(store)
            // The last event is bad: every other record was written, a transaction each, before it.
            let badLastEvent = text.replacingOccurrences(of: #""kind":"restore""#, with: #""kind":7"#)
            let document = try JSONValue(parsing: text)
            let lastKind = document["events"]?.arrayValue?.last?["kind"]?.stringValue
            let bad = badLastEvent != text ? badLastEvent
                : text.replacingOccurrences(of: "\"kind\":\"\(lastKind ?? "")\"", with: #""kind":7"#)
            #expect(bad != text)
            #expect(errorCode { _ = try store.importSession(json: bad, asID: "copy") } == "invalid_argument")
            #expect(errorCode { _ = try store.session(id: "copy") } == "not_found")
            try store.finishDeletes()
            #expect(try tableCounts(store) == before)
            // The id is free: the good document imports under it.
            _ = try store.importSession(json: text, asID: "copy")
        }
    }

    @Test func aUserOwningASessionBeingImportedIsNotRemovedMeanwhile() throws {
        try withStore { store in
            _ = try store.createSession(id: "e1", title: "Erin's", owner: "erin")
            let document = try store.exportSession(id: "e1", actor: "erin")
            try store.deleteSession(id: "e1", actor: "erin")
            try store.finishDeletes()
            let header = try SessionImport.header(ImportTree(document: document), asID: nil, store.configuration)
            let sid = try store.write { ctx throws(StoreError) in try SessionImport.begin(ctx, header) }
            #expect(errorCode { try store.adminRemoveUser(id: "erin") } == "invalid_state")
            try store.write { ctx throws(StoreError) in try SessionImport.publish(ctx, sid: sid, header) }
            #expect(try store.session(id: "e1").owner == "erin")
        }
    }

    @Test func anImportNotHeardFromIsRemovedWhenTheDatabaseIsNextOpened() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let clock = TestClock()
        var config = StoreConfiguration(path: dir.dbPath)
        config.clock = { clock.now }
        var before: [String: Int64] = [:]
        do {
            let store = try Store(config)
            defer { store.close() }
            try createTestUsers(store)
            try makeRichSession(store)
            before = try tableCounts(store)
            let header = try SessionImport.header(ImportTree(document: try store.exportSession(id: "s1", actor: "alice")), asID: "copy", store.configuration)
            let sid = try store.write { ctx throws(StoreError) in try SessionImport.begin(ctx, header) }
            let turns = try store.exportSession(id: "s1", actor: "alice")["turns"]?.arrayValue ?? []
            try store.write { ctx throws(StoreError) in try SessionImport.insert(ctx, sid: sid, list: "turns", turns, header.bounds) }
            #expect(try tableCounts(store)["turns"]! > before["turns"]!)
        } // the importer is gone
        // As a build before the lock slot named it (this process: alive, hung for all anyone can
        // tell): closed, a store that recorded its slot is provably gone at once (WriterLockTests).
        try Database(path: dir.dbPath).run("UPDATE sessions SET importer = ? WHERE status = 'importing'",
                                           [.text(try #require(LocalProcesses.current).token)])
        func hidden(_ store: Store) throws -> [String] {
            try store.read { db throws(StoreError) in
                try db.query("SELECT status FROM sessions WHERE status IN \(SessionReaper.hiddenStatuses)") { $0.text(0) }
            }
        }
        clock.advance(SessionImport.abandonedAfterMilliseconds - 1_000)
        do {
            let store = try Store(config) // too soon to tell: it could still be running
            defer { store.close() }
            #expect(try hidden(store) == ["importing"])
        }
        clock.advance(2_000)
        let store = try Store(config)
        defer { store.close() }
        try store.finishDeletes()
        #expect(try hidden(store).isEmpty)
        #expect(try tableCounts(store) == before)
    }

    @Test func aRunningStoreHandsOverAnImportNotHeardFromWhenAsked() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            try makeRichSession(store)
            let before = try tableCounts(store)
            let header = try SessionImport.header(ImportTree(document: try store.exportSession(id: "s1", actor: "alice")), asID: "copy", store.configuration)
            let sid = try store.write { ctx throws(StoreError) in try SessionImport.begin(ctx, header) }
            clock.advance(SessionImport.abandonedAfterMilliseconds - 1_000)
            try store.abandonStaleImports()
            try store.write { ctx throws(StoreError) in try SessionImport.keepAlive(ctx, sid: sid) } // still its own
            clock.advance(SessionImport.abandonedAfterMilliseconds + 1_000)
            try store.abandonStaleImports()
            #expect(errorCode { try store.write { ctx throws(StoreError) in try SessionImport.keepAlive(ctx, sid: sid) } } == "closed")
            try store.finishDeletes()
            #expect(try tableCounts(store) == before)
        }
    }
}
