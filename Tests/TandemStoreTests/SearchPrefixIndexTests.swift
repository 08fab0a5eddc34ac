import Foundation
import Testing
@testable import TandemStore

/// The turn index keeps prefix indexes (`searchPrefixIndex`): they must change what `prefix*`
/// costs, never what any search finds; an index made without them (by an earlier build) is
/// rebuilt beside the one in use, answering all along, through crashes and session deletes.
@Suite struct SearchPrefixIndexTests {
    /// Words sharing prefixes of every length, a few with diacritics (the tokenizer folds them:
    /// `café` is indexed as `cafe`, so `caf*` must find it with and without a prefix index).
    private static let vocabulary = [
        "co", "cod", "code", "coder", "config", "configure", "confirm", "conflict", "connect", "content", "context",
        "control", "cost", "kite", "kernel", "key", "keep", "kind", "knot", "kayak", "session", "search", "server",
        "set", "sea", "table", "tab", "the", "then", "there", "a", "an", "and", "café", "cafeteria", "naïve", "über",
        "uber", "zebra", "x1", "x10", "x100", "walrus", "whale", "what",
    ]

    /// Appends `count` random turns of `vocabulary` words, spread over sessions s1 (bob writes),
    /// s2 and s3 (erin's: bob is not in it) in batches, so each session's ids are spread out.
    /// A database at `dir` filled with 1,200 turns and indexed as the builds before prefix
    /// indexes did (no prefix lengths); `body` runs on it before it is closed.
    @discardableResult
    private static func oldIndex<T>(_ dir: TempDir, _ body: (Store) throws -> T) throws -> T {
        var old = StoreConfiguration(path: dir.dbPath)
        old.searchPrefixIndex = []
        old.searchIndexCJKWords = false
        let store = try Store(old)
        defer { store.close() }
        try createTestUsers(store)
        try fill(store, count: 1200, seed: 3)
        try store.catchUpSearchIndex()
        return try body(store)
    }

    private static func fill(_ store: Store, count: Int, seed: UInt64) throws {
        if (try? store.session(id: "s1")) == nil {
            try makeSession(store, id: "s1")
            try makeSession(store, id: "s2", title: "Kite config")
            _ = try store.createSession(id: "s3", title: "Connect", owner: "erin")
        }
        var random = SeededRandom(seed: seed)
        var done = 0
        while done < count {
            let n = min(count - done, Int.random(in: 20...90, using: &random))
            let turns = (0..<n).map { _ in
                NewTurn(role: .user, content: (0..<Int.random(in: 2...10, using: &random)).map { _ in random.pick(vocabulary) }
                    .joined(separator: random.chance(20) ? ", " : " "))
            }
            let session = random.pick(["s1", "s1", "s2", "s3"])
            _ = try store.appendTurns(session: session, actor: session == "s3" ? "erin" : "alice", turns)
            done += n
        }
    }

    /// Random searches of every kind the grammar has: prefixes of 1-4 letters, words, phrases
    /// (prefixed too), exclusions, OR, NOT and mixes of them.
    private static func queries(seed: UInt64, count: Int) -> [String] {
        var random = SeededRandom(seed: seed)
        func prefix() -> String {
            let word = random.pick(vocabulary)
            return String(word.prefix(Int.random(in: 1...min(4, word.count), using: &random))) + "*"
        }
        func word() -> String { random.pick(vocabulary) }
        func phrase() -> String { "\"\(word()) \(word())\"" + (random.chance(30) ? "*" : "") }
        let shapes: [() -> String] = [
            { prefix() }, { word() }, { phrase() }, { "\(prefix()) -\(word())" }, { "\(prefix()) OR \(word())" },
            { "\(word()) NOT \(prefix())" }, { "\(prefix()) \(prefix())" }, { "\(phrase()) \(prefix()) -\(word())" },
            { "\(prefix()) OR \(phrase()) -\(prefix())" }, { "\(word()) AND \(prefix()) OR \(prefix())" },
        ]
        return (0..<count).map { _ in random.pick(shapes)() }
    }

    /// Every hit of `text`, page after page (small pages: cursors are part of what must agree).
    private static func allHits(_ store: Store, _ text: String, member: String?) throws -> [SearchHit] {
        var hits: [SearchHit] = []
        var cursor: String?
        repeat {
            let page = try store.searchPage(text, member: member, cursor: cursor, limit: 37)
            hits += page.hits
            cursor = page.nextCursor
        } while cursor != nil
        return hits
    }

    @Test func aPrefixLengthOutOfRangeIsRefused() throws {
        for lengths in [[0], [1, 9], [-2]] {
            var config = StoreConfiguration(path: ":memory:")
            config.searchPrefixIndex = lengths
            #expect(errorCode { _ = try Store(config) } == "invalid_argument", "\(lengths)")
        }
        var config = StoreConfiguration(path: ":memory:")
        config.searchPrefixIndex = [3, 1, 3, 8]
        #expect(config.searchIndexLayout.arguments == "content_ordered, content='', columnsize=0, \(SearchText.tokenizeOption), prefix='1 3 8'")
        let store = try Store(config)
        store.close()
    }

    @Test func prefixIndexesChangeNoResult() throws {
        let plain = TempDir(), prefixed = TempDir()
        defer { plain.cleanup(); prefixed.cleanup() }
        var stores: [Store] = []
        defer { stores.forEach { $0.close() } }
        for (dir, lengths) in [(plain, [Int]()), (prefixed, [1, 2, 3])] {
            var config = StoreConfiguration(path: dir.dbPath)
            config.searchPrefixIndex = lengths
            let store = try Store(config)
            try createTestUsers(store)
            try Self.fill(store, count: 1500, seed: 7)
            try store.catchUpSearchIndex()
            stores.append(store)
        }
        // Not two copies of one index: the layouts differ as configured.
        #expect(try turnIndexSQL(plain.dbPath) == "CREATE VIRTUAL TABLE turns_fts USING fts5(content_ordered, content='', columnsize=0, \(SearchText.tokenizeOption))")
        #expect(try turnIndexSQL(prefixed.dbPath)?.hasSuffix("prefix='1 2 3')") == true)
        var nonEmpty = 0
        for (i, query) in Self.queries(seed: 11, count: 120).enumerated() {
            let member: String? = i % 3 == 0 ? "bob" : nil
            let expected = try Self.allHits(stores[0], query, member: member)
            let found = try Self.allHits(stores[1], query, member: member)
            #expect(found == expected, "query \(i): \(query) (member \(member ?? "-"))")
            if expected.contains(where: { $0.turnSeq != nil }) { nonEmpty += 1 }
        }
        // The queries find things (identical empty answers would prove nothing).
        #expect(nonEmpty >= 80)
    }

    /// An index from a build before prefix indexes: searches answer from it, the same as before,
    /// while the new one is built beside it; a crash half-way through a rebuild step, appends and
    /// a session delete meanwhile leave the rebuilt index exact.
    @Test func anOldIndexIsRebuiltBesideTheOneInUse() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let queries = Self.queries(seed: 5, count: 40)
        let before = try Self.oldIndex(dir) { store in try queries.map { try Self.allHits(store, $0, member: nil) } }
        // Byte for byte the statement the builds before prefix indexes wrote.
        #expect(try turnIndexSQL(dir.dbPath) == "CREATE VIRTUAL TABLE turns_fts USING fts5(content, content='', columnsize=0)")

        // Two rebuild steps, then a process that dies in the middle of the third.
        let layout = StoreConfiguration(path: dir.dbPath).searchIndexLayout
        do {
            let db = try Database(path: dir.dbPath)
            try SearchFile.attach(db, databasePath: dir.dbPath)
            try SearchFile.prepare(db, inMemory: false, automerge: 16, layout: layout)
            #expect(try SearchIndexRebuild.isUnderway(db))
            for _ in 0..<2 { _ = try SearchIndexer.step(db, maxTurns: 300) }
            #expect(try db.scalar("SELECT turns_through FROM search.rebuild") == 600)
            #expect(try db.scalar("SELECT count(*) FROM search.turns_fts_next WHERE turns_fts_next MATCH 'k*'") ?? 0 > 0)
            try db.execute("""
                BEGIN;
                INSERT INTO search.turns_fts_next(rowid, content_ordered) SELECT id, tandem_search_ordered(content) FROM main.turns WHERE id > 600 LIMIT 250;
                UPDATE search.rebuild SET turns_through = 850;
                """)
            // The connection goes without COMMIT: SQLite rolls the step back as after a kill.
        }
        #expect(!layout.describes(try turnIndexSQL(dir.dbPath)))

        // Background indexing off: the rebuild moves only with the steps searches ask for.
        var upgraded = StoreConfiguration(path: dir.dbPath)
        upgraded.indexTurnsForSearch = false
        upgraded.searchIndexBatchTurns = 100
        do {
            let store = try Store(upgraded)
            defer { store.close() }
            #expect(try store.searchIndexProgress().rebuilding)
            for (query, expected) in zip(queries, before) {
                #expect(try Self.allHits(store, query, member: nil) == expected, "\(query) during the rebuild")
            }
            // New turns, found at once (from the index in use), and a session deleted.
            try Self.fill(store, count: 300, seed: 4)
            let kayaks = try store.read { db throws(StoreError) in
                try db.scalar("SELECT count(*) FROM turns WHERE ' ' || content || ' ' LIKE '% kayak %' OR content LIKE '%kayak,%'")
            }
            #expect(try Int64(store.search("kayak", limit: 1000).filter { $0.turnSeq != nil }.count) == kayaks)
            try store.deleteSession(id: "s2", actor: "alice")
            try store.finishDeletes()
            #expect(try store.search("walrus", limit: 1000).allSatisfy { $0.sessionID != "s2" })
            #expect(try store.searchIndexProgress().rebuilding)
        }

        // Background indexing on: the rebuild finishes by itself and takes over.
        let store = try Store(StoreConfiguration(path: dir.dbPath))
        defer { store.close() }
        let deadline = Date().addingTimeInterval(30)
        while try store.searchIndexProgress().rebuilding && Date() < deadline { usleep(10_000) }
        #expect(try !store.searchIndexProgress().rebuilding)
        #expect(layout.describes(try turnIndexSQL(dir.dbPath)))
        let audit = try auditSearchIndex(dir.dbPath)
        let turns = try store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM turns") }
        #expect(audit.differences == 0 && audit.turnsCovered == turns, "\(audit), \(turns ?? -1) turns")
        let rebuiltInSteps = try queries.map { try Self.allHits(store, $0, member: nil) }
        // The same as an index built at once from the same turns.
        try store.rebuildSearchIndex()
        #expect(try queries.map { try Self.allHits(store, $0, member: nil) } == rebuiltInSteps)
        #expect(rebuiltInSteps.contains { $0.contains { $0.sessionID == "s1" } })
    }

    /// A build that knows no rebuild (an earlier one, started between two runs of this one)
    /// forgets deleted sessions in the index in use only: the half-built index, which still holds
    /// some of their turns, is not trusted but started again.
    @Test func aRebuildAnEarlierBuildWorkedBesideIsStartedAgain() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        try Self.oldIndex(dir) { _ in }
        let layout = StoreConfiguration(path: dir.dbPath).searchIndexLayout
        do {
            let db = try Database(path: dir.dbPath)
            try SearchFile.attach(db, databasePath: dir.dbPath)
            try SearchFile.prepare(db, inMemory: false, automerge: 16, layout: layout)
            for _ in 0..<2 { _ = try SearchIndexer.step(db, maxTurns: 300) }
            #expect(try db.scalar("SELECT turns_through FROM search.rebuild") == 600)
        }
        // s2 deleted with the search file left alone: its turns go, their notes stay.
        do {
            var config = StoreConfiguration(path: dir.dbPath)
            config.opensSearchFile = false
            let store = try Store(config)
            defer { store.close() }
            try store.deleteSession(id: "s2", actor: "alice")
            try store.finishDeletes()
        }
        // What an earlier build's indexing step does with the notes: the index in use only.
        do {
            let db = try Database(path: dir.dbPath)
            try SearchFile.attach(db, databasePath: dir.dbPath)
            try db.transaction(immediate: false) { () throws(StoreError) in
                var mark = try db.scalar("SELECT turns_through FROM search.progress") ?? 0
                let notes = try db.query("SELECT seq, keep_through FROM main.search_forget ORDER BY seq") { ($0.int(0), $0.int(1)) }
                #expect(!notes.isEmpty)
                for (seq, keepThrough) in notes {
                    try db.run("""
                        INSERT INTO search.turns_fts(turns_fts, rowid, content)
                        SELECT 'delete', id, content FROM main.search_forget_turns WHERE seq = ? AND id <= ?
                        """, [.integer(seq), .integer(mark)])
                    mark = min(mark, keepThrough)
                }
                try db.run("UPDATE search.progress SET turns_through = ?, forget_through = ?", [.integer(mark), .integer(notes.last?.0 ?? 0)])
            }
        }
        // The half-built index still holds s2's turns below its mark: it no longer matches the turns.
        let stale = try auditSearchIndex(dir.dbPath, table: SearchIndexRebuild.table, markSQL: "SELECT turns_through FROM search.rebuild")
        #expect(stale.mark == 600 && stale.differences > 0, "\(stale)")
        let store = try Store(StoreConfiguration(path: dir.dbPath))
        defer { store.close() }
        let (sql, audit, turns) = try finishRebuild(store, path: dir.dbPath, seconds: 30)
        #expect(layout.describes(sql))
        #expect(audit.differences == 0 && audit.turnsCovered == turns, "\(audit), \(turns ?? -1) turns")
    }
}
