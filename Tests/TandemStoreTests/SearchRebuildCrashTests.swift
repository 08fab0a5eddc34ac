import Foundation
import Testing
@testable import TandemStore

/// Kills a process that is rebuilding an old index (one without prefix indexes) in the background
/// while it appends, at random moments: after every kill both the index in use and the one being
/// built must hold exactly the turns up to their marks, the rebuild's mark must never go back, and
/// the rebuild must end exact.
@Suite struct SearchRebuildCrashTests {
    @Test func killsDuringARebuildLoseNothing() throws {
        let writer = try #require(CrashSafetyTests.crashWriterPath(), "tandem-store-crashwriter not built next to the tests")
        let dir = TempDir()
        defer { dir.cleanup() }
        // An index as the builds before prefix indexes (and CJK words) made it, over 40,000 turns.
        do {
            var config = StoreConfiguration(path: dir.dbPath)
            config.searchPrefixIndex = []
            config.searchIndexCJKWords = false
            let store = try Store(config)
            defer { store.close() }
            _ = try store.createUser(id: "writer", displayName: "Writer")
            _ = try store.createSession(id: "crash", title: "crash test", owner: "writer")
            var random = SeededRandom(seed: 9)
            let words = ["kayak", "kernel", "config", "connect", "the", "then", "search", "sea", "table", "tab"]
            for _ in 0..<40 {
                _ = try store.appendTurns(session: "crash", actor: "writer", (0..<1000).map { _ in
                    NewTurn(role: .user, content: (0..<6).map { _ in random.pick(words) }.joined(separator: " "))
                })
            }
            try store.catchUpSearchIndex()
        }
        let layout = StoreConfiguration(path: dir.dbPath).searchIndexLayout
        let rebuildMark = "SELECT turns_through FROM search.rebuild"
        var rng = SystemRandomNumberGenerator()
        var midway = 0 // kills that left a rebuild under way with part of it done
        var lastMark: Int64 = 0
        let started = Date()
        for iteration in 0..<40 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: writer)
            process.arguments = ["--rebuild", dir.dbPath]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            #expect(!out.fileHandleForReading.availableData.isEmpty, "the child exited before opening the store")
            usleep(UInt32.random(in: 2_000...30_000, using: &rng))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)

            // As the kill left the files, before any store opens them.
            let underway: Bool
            do {
                let db = try Database(path: dir.dbPath)
                try SearchFile.attach(db, databasePath: dir.dbPath)
                #expect(try db.query("PRAGMA search.integrity_check") { $0.text(0) } == ["ok"])
                underway = try SearchIndexRebuild.isUnderway(db)
                if !underway { #expect(layout.describes(try SearchIndexRebuild.tableSQL(db, "turns_fts"))) }
            }
            let live = try auditSearchIndex(dir.dbPath)
            #expect(live.differences == 0, "iteration \(iteration): the index in use \(live)")
            guard underway else { break }
            let rebuilt = try auditSearchIndex(dir.dbPath, table: SearchIndexRebuild.table, markSQL: rebuildMark)
            #expect(rebuilt.differences == 0, "iteration \(iteration): the index being built \(rebuilt)")
            #expect(rebuilt.mark >= lastMark, "iteration \(iteration): the rebuild went back from \(lastMark) to \(rebuilt.mark)")
            if rebuilt.mark > 0 && rebuilt.mark < live.mark { midway += 1 }
            lastMark = rebuilt.mark
            if Date().timeIntervalSince(started) > 20 { break }
        }
        #expect(midway >= 2, "too few kills landed during the rebuild (\(midway))")

        // Reopened, the rebuild goes on from its mark, ends, and leaves the index exact.
        let store = try Store(path: dir.dbPath)
        defer { store.close() }
        let (sql, audit, turns) = try finishRebuild(store, path: dir.dbPath, seconds: 60)
        #expect(layout.describes(sql))
        #expect(audit.differences == 0 && audit.turnsCovered == turns, "\(audit), \(turns ?? -1) turns")
        let kayaks = try store.read { db throws(StoreError) in
            try db.scalar("SELECT count(*) FROM turns WHERE ' ' || content || ' ' LIKE '% kayak %'")
        }
        var found = 0
        var cursor: String?
        repeat {
            let page = try store.searchPage("kay*", cursor: cursor, limit: 1000)
            found += page.hits.count
            cursor = page.nextCursor
        } while cursor != nil
        #expect(Int64(found) == kayaks)
    }

}
