import Foundation
import Synchronization
import Testing
import TandemJSON
@testable import TandemStore

/// Full-text indexing happens off the commit path (a thread of its own indexes into the search
/// file); these check that search still sees every committed turn and that the index stays exact.
@Suite struct SearchIndexTests {
    /// With background indexing off, nothing indexes turns but a search: every search after an
    /// acknowledged append must still find it (the search makes the writer catch up first).
    @Test(arguments: [false, true])
    func searchSeesATurnAsSoonAsItsAppendIsAcknowledged(background: Bool) throws {
        try withStore(configure: { $0.indexTurnsForSearch = background }) { store in
            try makeSession(store)
            for i in 0..<40 {
                let word = "marker\(i)x"
                let acknowledged = DispatchSemaphore(value: 0)
                let ok = Atomic<Bool>(false)
                store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "note \(word) here")]) { result in
                    if case .success = result { ok.store(true, ordering: .relaxed) }
                    acknowledged.signal()
                }
                acknowledged.wait()
                let succeeded = ok.load(ordering: .relaxed)
                #expect(succeeded)
                if !background && i == 0 { #expect(try !store.searchIndexProgress().isCaughtUp) }
                #expect(try store.search(word).map(\.turnSeq) == [Int64(i + 1)], "turn \(i + 1)")
            }
            // A batch append is seen whole.
            let batch = (0..<500).map { NewTurn(role: .assistant, content: "bulk line \($0) walrus") }
            _ = try store.appendTurns(session: "s1", actor: "bob", batch)
            #expect(try store.search("walrus", limit: 1000).count == 500)
            #expect(try store.searchIndexProgress().isCaughtUp)
            let audit = try auditSearchIndex(store.configuration.path)
            #expect(audit.differences == 0 && audit.turnsCovered == 540)
        }
    }

    /// Without any search, everything gets indexed in the background, in bounded steps.
    @Test func turnsAreIndexedInTheBackground() throws {
        try withStore(configure: { $0.searchIndexBatchTurns = 300 }) { store in
            try makeSession(store)
            for chunk in 0..<5 {
                _ = try store.appendTurns(session: "s1", actor: "bob", (0..<1000).map {
                    NewTurn(role: .user, content: "chunk \(chunk) line \($0) idle")
                })
            }
            let progress = try waitForIndex(store, seconds: 20)
            #expect(progress.isCaughtUp && progress.indexedThrough == 5000)
            let audit = try auditSearchIndex(store.configuration.path)
            #expect(audit == SearchIndexAudit(mark: 5000, turnsCovered: 5000, differences: 0))
        }
    }

    /// Turns that arrive other than by append (a branch's copies, an import) are indexed in the
    /// background too, without a search asking.
    @Test func branchAndImportTurnsAreIndexedInTheBackground() throws {
        try withStore(configure: { $0.searchIndexQuietMilliseconds = 20 }) { store in
            try makeSession(store)
            _ = try store.appendTurns(session: "s1", actor: "bob", (0..<30).map { NewTurn(role: .user, content: "plover \($0)") })
            #expect(try waitForIndex(store, seconds: 10).isCaughtUp)
            _ = try store.createBranch(session: "s1", actor: "alice", atSeq: 30, id: "b1")
            #expect(try waitForIndex(store, seconds: 10).isCaughtUp, "a branch's copies were left unindexed")
            _ = try store.importSession(try store.exportSession(id: "s1", actor: "alice"), asID: "imp")
            #expect(try waitForIndex(store, seconds: 10).isCaughtUp, "imported turns were left unindexed")
            #expect(try store.searchIndexProgress().indexedThrough == 90)
        }
    }

    /// A trickle of posts is indexed in one step once the oldest has waited the quiet time, not a
    /// step per commit; a full step's worth is indexed at once.
    @Test func fewWaitingTurnsWaitForQuietAFullStepDoesNot() throws {
        try withStore(configure: {
            $0.searchIndexMinStepTurns = 100
            $0.searchIndexQuietMilliseconds = 800
        }) { store in
            try makeSession(store)
            try store.catchUpSearchIndex()
            let start = try store.searchIndexProgress()
            let began = Date()
            for i in 0..<10 {
                _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "trickle \(i)")])
                usleep(20_000)
            }
            let progress = try store.searchIndexProgress()
            // On a machine too loaded to post 10 turns within the quiet time this proves nothing.
            if Date().timeIntervalSince(began) < 0.7 {
                #expect(progress.indexedThrough == start.indexedThrough, "indexed a few turns before the quiet time")
                #expect(store.searchIndexBacklog == 10)
            }
            #expect(try waitForIndex(store, seconds: 10).isCaughtUp, "not indexed after the quiet time")
            #expect(store.searchIndexBacklog == 0)
            // And a search never waits for the schedule: it sees a trickle at once.
            _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "findme quickly")])
            #expect(try store.search("findme", member: "bob").filter { $0.turnSeq != nil }.count == 1)
        }
        // 150 at once: a full step's worth, indexed without waiting for the quiet time. The quiet
        // time is a minute here, so that being caught up within 10 s proves it, however loaded the
        // host (a bound of 0.6 s against a quiet time of 0.8 s was the scheduler's to break).
        try withStore(configure: {
            $0.searchIndexMinStepTurns = 100
            $0.searchIndexQuietMilliseconds = 60_000
        }) { store in
            try makeSession(store)
            try store.catchUpSearchIndex()
            _ = try store.appendTurns(session: "s1", actor: "bob", (0..<150).map { NewTurn(role: .user, content: "burst \($0)") })
            #expect(try waitForIndex(store, seconds: 10 * testTimeScale).isCaughtUp, "a full step waited for the quiet time")
        }
    }

    /// A steady stream of posts is indexed while it lasts: the quiet time counts from the oldest
    /// waiting turn, not from the last post. (With a quiet time longer than the stream, the same
    /// stream leaves the index where it was.)
    @Test func aStreamWithoutPausesIsIndexedWhileItLasts() throws {
        for (quiet, expectProgress) in [(100, true), (60_000, false)] {
            try withStore(configure: {
                $0.searchIndexQuietMilliseconds = quiet
                $0.searchIndexMinStepTurns = 100_000
            }) { store in
                try makeSession(store)
                try store.catchUpSearchIndex()
                let start = try store.searchIndexProgress()
                let began = Date()
                var posted = 0
                while Date().timeIntervalSince(began) < 0.6 { // one commit per post, ~2 ms apart
                    _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "stream \(posted)")])
                    posted += 1
                    usleep(2_000)
                }
                let indexed = try store.searchIndexProgress().indexedThrough - start.indexedThrough
                if expectProgress {
                    #expect(indexed > 0, "\(posted) posts over 0.6 s and nothing indexed")
                } else {
                    #expect(indexed == 0, "indexed before the quiet time or a full step")
                }
                #expect(try store.search("stream", member: "bob", limit: 1000).filter { $0.turnSeq != nil }.count == posted) // searches never wait for it
            }
        }
    }

    /// The index has a file and a write lock of its own: while indexing is held up (here another
    /// connection holds the search file's write lock), appends still commit at once, and the
    /// index catches up when the lock goes.
    @Test func appendsNeverWaitForIndexing() throws {
        try withStore(configure: { $0.searchIndexMinStepTurns = 1; $0.searchIndexQuietMilliseconds = 1 }) { store in
            try makeSession(store)
            try store.catchUpSearchIndex()
            let blocker = try Database(path: SearchFile.path(forDatabase: store.configuration.path))
            try blocker.run("BEGIN IMMEDIATE")
            let began = Date()
            for i in 0..<50 {
                _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "blocked \(i)")])
            }
            let took = Date().timeIntervalSince(began)
            // An append that waited for the index's lock would wait out the busy timeout (5 s) each:
            // 250 s. Alone the 50 take ~0.1 s; the bound is not a latency bound (a loaded host).
            #expect(took < 10 * testTimeScale, "50 appends took \(took) s behind a held index lock")
            #expect(try !store.searchIndexProgress().isCaughtUp, "the index moved while its file was locked")
            try blocker.run("COMMIT")
            #expect(try waitForIndex(store, seconds: 20 * testTimeScale).isCaughtUp)
            #expect(try store.search("blocked", limit: 100).count == 50)
        }
    }

    /// Large turns are indexed exactly once, in steps of a few turns each.
    @Test func largeTurnsAreIndexedExactly() throws {
        try withStore(configure: { $0.searchIndexBatchTurns = 8; $0.searchIndexMinStepTurns = 1 }) { store in
            try makeSession(store)
            let filler = String(repeating: "lorem ipsum dolor sit amet ", count: 1_000) // ~27 KB
            for i in 0..<40 {
                _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "big\(i)x " + filler))
            }
            #expect(try waitForIndex(store, seconds: 30).isCaughtUp)
            #expect(try store.search("big37x").map(\.turnSeq) == [38])
            #expect(try store.search("lorem", limit: 100).count == 40)
            let audit = try auditSearchIndex(store.configuration.path)
            #expect(audit == SearchIndexAudit(mark: 40, turnsCovered: 40, differences: 0))
        }
    }

    /// Undo, clear and restore change turn states (search filters on them, the index keeps the
    /// text); branch, import, merge, delete and purge add or remove turns. After each, search
    /// answers as an index rebuilt from scratch would, and the index is exact.
    @Test func theIndexStaysExactThroughEveryOperationThatTouchesTurns() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            let path = store.configuration.path
            func check(_ label: String) throws {
                // A delete or purge removes its rows in the background, and the index forgets them
                // after: compared while the rows were going, the index still held them (18
                // differences once, the purged branch's 9 term instances counted twice).
                try store.finishDeletes()
                try store.catchUpSearchIndex()
                let audit = try auditSearchIndex(path)
                let progress = try store.searchIndexProgress()
                #expect(audit.differences == 0, "\(label): index differs from a fresh one")
                #expect(progress.isCaughtUp && audit.mark == progress.indexedThrough, "\(label)")
            }
            func seqs(_ word: String, _ session: String? = nil) throws -> [String] {
                try store.search(word, limit: 1000).filter { session == nil || $0.sessionID == session }
                    .map { "\($0.sessionID):\($0.turnSeq.map(String.init) ?? "title")" }.sorted()
            }
            try makeSession(store)
            _ = try store.appendTurns(session: "s1", actor: "bob", (1...6).map { NewTurn(role: .user, content: "otter \($0)") })
            try check("append")
            _ = try store.undoLastTurn(session: "s1", actor: "bob")
            #expect(try seqs("otter") == ["s1:1", "s1:2", "s1:3", "s1:4", "s1:5"])
            try check("undo")
            _ = try store.saveCheckpoint(session: "s1", actor: "alice", name: "three")
            _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "otter after")])
            _ = try store.restoreCheckpoint(session: "s1", actor: "alice", name: "three")
            #expect(try seqs("otter") == ["s1:1", "s1:2", "s1:3", "s1:4", "s1:5"])
            #expect(try seqs("after").isEmpty)
            try check("restore")

            _ = try store.createBranch(session: "s1", actor: "alice", atSeq: 3, id: "b1")
            #expect(try seqs("otter", "b1") == ["b1:1", "b1:2", "b1:3"])
            _ = try store.appendTurns(session: "b1", actor: "bob", [NewTurn(role: .user, content: "otter from branch")])
            try check("branch")
            _ = try store.mergeBranch(branch: "b1", actor: "alice")
            #expect(try seqs("branch") == ["b1:4", "b1:title", "s1:8"]) // its title is "Planning (branch)"
            try check("merge")

            let exported = try store.exportSession(id: "s1", actor: "alice")
            _ = try store.importSession(exported, asID: "imp")
            #expect(try seqs("otter", "imp") == ["imp:1", "imp:2", "imp:3", "imp:4", "imp:5", "imp:8"])
            try check("import")

            _ = try store.clearTurns(session: "s1", actor: "alice")
            #expect(try seqs("otter", "s1").isEmpty)
            #expect(try seqs("otter", "imp").count == 6)
            try check("clear")

            // The session holding the highest turn ids goes: new turns then reuse those ids, and
            // must still be indexed (the mark follows the delete down).
            let before = try store.searchIndexProgress()
            try store.deleteSession(id: "imp", actor: "alice")
            #expect(try seqs("otter", "imp").isEmpty)
            // The rows go in the background; then the index applies their forget notes.
            try store.finishDeletes()
            try store.catchUpSearchIndex()
            let afterDelete = try store.searchIndexProgress()
            #expect(afterDelete.indexedThrough < before.indexedThrough && afterDelete.isCaughtUp)
            _ = try store.appendTurns(session: "s1", actor: "bob", (1...3).map { NewTurn(role: .user, content: "heron \($0)") })
            #expect(try store.searchIndexProgress().latestTurn <= before.indexedThrough) // ids were reused
            #expect(try seqs("heron") == ["s1:10", "s1:11", "s1:9"])
            try check("delete")
            // The indexing thread knows it is caught up too: with the highest ids gone it must not
            // keep stepping toward ids that no longer exist.
            let settle = Date().addingTimeInterval(5)
            while store.searchIndexBacklog != 0 && Date() < settle { usleep(10_000) }
            #expect(store.searchIndexBacklog == 0, "the indexing thread still sees a backlog after the delete")

            // A merged branch is archived: purge removes it with its turns.
            clock.advance(10_000)
            #expect(try store.purgeArchived(olderThan: 1000) == ["b1"])
            #expect(try seqs("otter", "b1").isEmpty)
            try check("purge")
            try store.rebuildSearchIndex()
            try check("rebuild")
        }
    }

    /// A version-4 database (index written inline at commit, or not at all with indexing off)
    /// migrates to an index in the search file, rebuilt with a correct high-water mark.
    @Test func aVersion4DatabaseComesOutWithAnExactIndex() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        do {
            let db = try legacyDatabase(at: dir.dbPath, version: 4, title: "Old walrus notes", lastTurn: 300, lastEvent: 300)
            for seq in 1...300 {
                try db.run("INSERT INTO turns(sid, seq, role, author, content, created_at, event_seq) VALUES (1,?,'user','alice',?,1,?)",
                           [.int(seq), .text("legacy walrus \(seq)"), .int(seq)])
                // Version 4 indexed at commit; turns written with indexing off (the last 50) were not.
                if seq <= 250 {
                    try db.run("INSERT INTO turns_fts(rowid, content) VALUES (?, ?)", [.integer(db.lastInsertRowID), .text("legacy walrus \(seq)")])
                }
            }
            #expect(try db.scalar("SELECT count(*) FROM schema_migrations") == 4)
        }
        var config = StoreConfiguration(path: dir.dbPath)
        config.indexTurnsForSearch = false // only the search below may index
        let store = try Store(config)
        defer { store.close() }
        let applied = try store.read { db throws(StoreError) in try Migrations.applied(db).map(\.name) }
        // Every migration after version 4 ran (named from the list: one added later keeps this true).
        #expect(applied == Migrations.all.map(\.name) && applied.contains("search-file"))
        #expect(try store.searchIndexProgress() == SearchIndexProgress(indexedThrough: 0, latestTurn: 300))
        #expect(try store.search("walrus", limit: 1000).count == 301) // the title and every turn
        #expect(try store.search("legacy 300").map(\.turnSeq) == [300])
        let audit = try auditSearchIndex(dir.dbPath)
        #expect(audit == SearchIndexAudit(mark: 300, turnsCovered: 300, differences: 0))
    }
}
