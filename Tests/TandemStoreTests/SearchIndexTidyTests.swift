import Foundation
import Testing
@testable import TandemStore

/// Indexing lets FTS5 segments pile up (`searchIndexAutomerge`) and merges them once the store is
/// idle: the index must end up smaller and stay exact.
@Suite struct SearchIndexTidyTests {
    /// Rows of the index's b-tree table: each small segment is at least one, so merging shows.
    private func indexRows(_ path: String) throws -> Int64 {
        let db = try Database(path: path, readOnly: true)
        try SearchFile.attach(db, databasePath: path)
        return try db.scalar("SELECT count(*) FROM search.turns_fts_data") ?? 0
    }

    @Test func theConfiguredAutomergeIsWrittenToTheIndexOnceAndFollowsTheConfiguration() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        func automerge() throws -> Int64? {
            let db = try Database(path: dir.dbPath, readOnly: true)
            try SearchFile.attach(db, databasePath: dir.dbPath)
            return try db.scalar("SELECT v FROM search.turns_fts_config WHERE k = 'automerge'")
        }
        for value in [12, 12, 5] {
            var config = StoreConfiguration(path: dir.dbPath)
            config.searchIndexAutomerge = value
            try Store(config).close()
            #expect(try automerge() == Int64(value))
        }
    }

    @Test func segmentsAreMergedOnceTheStoreIsIdleAndTheIndexStaysExact() throws {
        try withStore(configure: {
            $0.searchIndexMinStepTurns = 1
            $0.searchIndexQuietMilliseconds = 1
            $0.searchIndexTidyIdleMilliseconds = 300
            $0.searchIndexTidyPages = 8
        }) { store in
            try makeSession(store)
            // One indexing step (one new segment) per append: the index waits for each.
            for i in 0..<40 {
                _ = try store.appendTurns(session: "s1", actor: "bob", (0..<5).map {
                    NewTurn(role: .user, content: "round \(i) line \($0) heron")
                })
                #expect(try waitForIndex(store, seconds: 10).isCaughtUp)
            }
            let path = store.configuration.path
            let piledUp = try indexRows(path)
            // Merging starts 300 ms after the last commit and goes on in small steps.
            let deadline = Date().addingTimeInterval(20)
            var rows = piledUp
            var stableSince = Date()
            while Date() < deadline && Date().timeIntervalSince(stableSince) < 1.5 {
                usleep(50_000)
                let now = try indexRows(path)
                if now != rows { rows = now; stableSince = Date() }
            }
            #expect(rows < piledUp, "idle merging left \(rows) of \(piledUp) index rows")
            #expect(try store.search("heron", limit: 1000).count == 200)
            let audit = try auditSearchIndex(path)
            #expect(audit == SearchIndexAudit(mark: 200, turnsCovered: 200, differences: 0))
            // Nothing left to merge: a merge step says so.
            let db = try Database(path: path)
            try SearchFile.attach(db, databasePath: path)
            #expect(try !SearchIndexer.tidy(db, pages: 1000))
        }
    }
}
