import Foundation
import Testing
@testable import TandemStore

/// Scripts written without spaces (Chinese, Japanese; Korean words with particles attached): each
/// Han, kana and Hangul-syllable character is a word, and a query's run of them is a phrase, so a
/// run is found inside a longer one, in order and adjacent (`SearchText`).
@Suite struct SearchCJKTests {
    private static let turns = [
        "東京都に行きます",          // 1
        "京都",                      // 2
        "Tokyo東京2024 trip",        // 3
        "東の京",                    // 4: 東 and 京, not adjacent
        "京東",                      // 5: the wrong order
        "서울에서 만나요",           // 6
        "plain English merge plan",  // 7
        "カタカナのテキストです",      // 8
    ]

    /// The seqs of turn hits and the ids of title hits for `query`.
    private static func found(_ store: Store, _ query: String) throws -> (turns: [Int64], titles: [String]) {
        let hits = try store.search(query, limit: 1000)
        return (hits.compactMap(\.turnSeq).sorted(), hits.filter { $0.turnSeq == nil }.map(\.sessionID).sorted())
    }

    private static func fill(_ store: Store) throws {
        try makeSession(store, id: "s1", title: "会議 notes")
        _ = try store.createSession(id: "tokyo", title: "東京オフィスの計画", owner: "alice")
        _ = try store.appendTurns(session: "s1", actor: "alice", turns.map { NewTurn(role: .user, content: $0) })
        try store.catchUpSearchIndex()
    }

    @Test func aRunIsFoundInsideALongerOneInOrderAndAdjacent() throws {
        try withStore { store in
            try Self.fill(store)
            #expect(try Self.found(store, "東京").turns == [1, 3])
            #expect(try Self.found(store, "京都").turns == [1, 2])
            #expect(try Self.found(store, "東").turns == [1, 3, 4, 5])
            #expect(try Self.found(store, "行きます").turns == [1])
            #expect(try Self.found(store, "서울").turns == [6])
            #expect(try Self.found(store, "テキスト").turns == [8])
            #expect(try Self.found(store, "京東京").turns.isEmpty)
            // Mixed text: the Latin and digit words around the run are words as before.
            #expect(try Self.found(store, "Tokyo東京2024").turns == [3])
            #expect(try Self.found(store, "tokyo").turns == [3])
            #expect(try Self.found(store, "2024").turns == [3])
            #expect(try Self.found(store, "\"東京 2024\"").turns == [3])
            // Operators, exclusion and prefixes combine with runs as with words.
            #expect(try Self.found(store, "東京 -tokyo").turns == [1])
            #expect(try Self.found(store, "京都 OR 서울").turns == [1, 2, 6])
            #expect(try Self.found(store, "京 NOT 東京").turns == [2, 4, 5])
            #expect(try Self.found(store, "tok* 東京").turns == [3])
            // English is matched as before.
            #expect(try Self.found(store, "merge").turns == [7])
            #expect(try Self.found(store, "\"merge plan\"").turns == [7])
            #expect(try Self.found(store, "engl*").turns == [7])
        }
    }

    @Test func titlesAreSearchedTheSameWay() throws {
        try withStore { store in
            try Self.fill(store)
            #expect(try Self.found(store, "東京").titles == ["tokyo"])
            #expect(try Self.found(store, "計画").titles == ["tokyo"])
            #expect(try Self.found(store, "会議").titles == ["s1"])
            #expect(try Self.found(store, "京東").titles.isEmpty)
            // A rename replaces the old title's words with the new ones (the index is contentless:
            // the trigger's delete must give exactly the words the insert gave).
            _ = try store.updateSession(id: "tokyo", actor: "alice", title: "大阪の計画")
            #expect(try Self.found(store, "東京").titles.isEmpty)
            #expect(try Self.found(store, "大阪").titles == ["tokyo"])
            let hit = try #require(try store.search("大阪").first)
            #expect(hit.snippet == "[大阪]の計画")
            _ = try store.deleteSession(id: "tokyo", actor: "alice")
            try store.finishDeletes()
            #expect(try Self.found(store, "計画").titles.isEmpty)
            #expect(try Self.titleIndexDifferences(store.configuration.path) == 0)
        }
    }

    /// Term instances in the title index that a fresh index of the sessions' spaced titles lacks,
    /// plus the reverse (0: exact), after FTS5's own structure check.
    static func titleIndexDifferences(_ path: String) throws -> Int64 {
        let db = try Database(path: path)
        try db.run("INSERT INTO sessions_fts(sessions_fts) VALUES ('integrity-check')")
        try db.execute("""
            CREATE VIRTUAL TABLE temp.real_terms USING fts5vocab(main, 'sessions_fts', 'instance');
            CREATE VIRTUAL TABLE temp.fresh USING fts5(title, \(SearchText.tokenizeOption));
            CREATE VIRTUAL TABLE temp.fresh_terms USING fts5vocab(temp, 'fresh', 'instance');
            INSERT INTO temp.fresh(rowid, title) SELECT sid, tandem_search_ordered(title) FROM sessions;
            """)
        return try db.scalar("""
            SELECT (SELECT count(*) FROM (SELECT term, doc, offset FROM temp.real_terms EXCEPT SELECT term, doc, offset FROM temp.fresh_terms))
                 + (SELECT count(*) FROM (SELECT term, doc, offset FROM temp.fresh_terms EXCEPT SELECT term, doc, offset FROM temp.real_terms))
                 + abs((SELECT count(*) FROM temp.real_terms) - (SELECT count(*) FROM temp.fresh_terms))
            """) ?? -1
    }

    @Test func snippetsMarkTheMatchedCharacters() throws {
        try withStore { store in
            try Self.fill(store)
            func snippets(_ query: String) throws -> [String] {
                try store.search(query, limit: 100).filter { $0.turnSeq != nil }.map(\.snippet)
            }
            #expect(try snippets("東京") == ["Tokyo[東京]2024 trip", "[東京]都に行きます"])
            #expect(try snippets("京都") == ["[京都]", "東[京都]に行きます"])
            #expect(try snippets("Tokyo東京2024") == ["[Tokyo][東京][2024] trip"])
            // Only where the run occurs: 東 alone in 東の京 is not marked for 東京 (no hit there anyway),
            // and the title's snippet is made the same way.
            #expect(try store.search("オフィス").first?.snippet == "東京[オフィス]の計画")
            #expect(try snippets("서울") == ["[서울]에서 만나요"])
        }
    }

    @Test func aCJKPrefixIsTheRunItselfAndNoPrefixTerm() throws {
        try withStore { store in
            try Self.fill(store)
            #expect(try Self.found(store, "東京*").turns == [1, 3])
            // Five such terms: more than maxPrefixTerms prefixes would be, but none is one.
            #expect(try Self.found(store, "東* 京* 都* に* 行*").turns == [1])
            #expect(errorCode { _ = try store.search("a* b* c* d* e*") } == "invalid_argument")
            // Each character of a run is a walk of the index: 64 in a search at most.
            let sixtyFour = String(repeating: "東京", count: 32)
            #expect(try Self.found(store, sixtyFour).turns.isEmpty)
            #expect(errorCode { _ = try store.search(sixtyFour + " -都") } == "invalid_argument")
            #expect(errorCode { _ = try store.search("東" + sixtyFour) } == "invalid_argument")
            let query = try SearchQuery("東京* tok*")
            #expect(query.match == "\"東 京\" AND \"tok\" *")
            #expect(query.match(for: .plain) == "\"東京\" AND \"tok\" *")
            #expect(query.runs == [["東", "京"]] && query.prefixes == ["tok"])
        }
    }

    @Test func spacingLeavesOtherTextAloneAndSplitsOnlyCJK() {
        #expect(SearchText.spaced("plain English, café") == "plain English, café")
        #expect(SearchText.spaced("東京都") == "東 京 都")
        #expect(SearchText.spaced("Tokyo東京2024 trip") == "Tokyo 東 京 2024 trip")
        #expect(SearchText.spaced("a 東 b") == "a 東 b")
        #expect(SearchText.spaced("서울에서") == "서 울 에 서")
        #expect(SearchText.spaced("「東京」") == "「 東 京 」")
        // Bytes that are not UTF-8 are copied, one at a time.
        let bytes: [UInt8] = [0xE6, 0x9D, 0xB1, 0xFF, 0xE4, 0xBA]
        // Safe: the pointer is lent to the call only and not kept.
        let spaced = bytes.withUnsafeBufferPointer { SearchText.spacedUTF8($0) }
        #expect(spaced == [0xE6, 0x9D, 0xB1, 0x20, 0xFF, 0xE4, 0xBA])
    }

    /// A database whose turn index an earlier build made (text as it is): searches answer from it
    /// while the new one is built beside it, then CJK runs are found inside longer runs.
    @Test func anIndexOfTheTextAsItIsIsRebuiltInTheBackground() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        do {
            var old = StoreConfiguration(path: dir.dbPath)
            old.searchIndexCJKWords = false
            let store = try Store(old)
            defer { store.close() }
            try createTestUsers(store)
            try Self.fill(store)
            _ = try store.appendTurns(session: "s1", actor: "alice", (0..<500).map { NewTurn(role: .user, content: "記録 \($0) 東京都") })
            try store.catchUpSearchIndex()
            #expect(try Self.found(store, "東京").turns == [])
        }
        #expect(try turnIndexSQL(dir.dbPath)?.contains("fts5(content,") == true)
        // Background indexing off: the rebuild moves only with the steps searches ask for.
        var upgraded = StoreConfiguration(path: dir.dbPath)
        upgraded.indexTurnsForSearch = false
        do {
            let store = try Store(upgraded)
            defer { store.close() }
            #expect(try store.searchIndexProgress().rebuilding)
            // Answered from the old index meanwhile, as before the upgrade (whole runs).
            #expect(try Self.found(store, "東京都に行きます").turns == [1])
            #expect(try Self.found(store, "京都").turns == [2])
            #expect(try Self.found(store, "merge").turns == [7])
            _ = try store.appendTurns(session: "s1", actor: "alice", [NewTurn(role: .user, content: "新しい京都")])
            #expect(try Self.found(store, "新しい京都").turns == [509])
        }
        let store = try Store(StoreConfiguration(path: dir.dbPath))
        defer { store.close() }
        let (sql, audit, turns) = try finishRebuild(store, path: dir.dbPath, seconds: 30)
        #expect(sql?.contains("fts5(content_ordered,") == true)
        #expect(audit.differences == 0 && audit.turnsCovered == turns, "\(audit), \(turns ?? -1) turns")
        #expect(try Self.found(store, "東京").turns.count == 502)
        #expect(try Self.found(store, "京都").turns.count == 503)
    }

    /// Deleting a session removes its turns from the contentless index with the same words they
    /// were indexed with: the index stays exact.
    @Test func aDeletedSessionLeavesTheIndexExact() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let store = try Store(StoreConfiguration(path: dir.dbPath))
        defer { store.close() }
        try createTestUsers(store)
        try Self.fill(store)
        try makeSession(store, id: "s2")
        _ = try store.appendTurns(session: "s2", actor: "alice", Self.turns.map { NewTurn(role: .user, content: $0 + " 二") })
        try store.catchUpSearchIndex()
        #expect(try Self.found(store, "東京").turns == [1, 1, 3, 3])
        _ = try store.deleteSession(id: "s2", actor: "alice")
        try store.finishDeletes()
        try store.catchUpSearchIndex()
        #expect(try Self.found(store, "東京").turns == [1, 3])
        let audit = try auditSearchIndex(dir.dbPath)
        #expect(audit.differences == 0 && audit.turnsCovered == 8, "\(audit)")
    }

    /// A database from before migration 21: its titles are indexed again, CJK characters as words.
    @Test func theMigrationIndexesExistingTitlesAgain() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        do {
            let db = try legacyDatabase(at: dir.dbPath, version: 20, title: "東京オフィスの計画", lastTurn: 0, lastEvent: 0)
            #expect(try db.scalar("SELECT count(*) FROM sessions_fts WHERE sessions_fts MATCH '\"東京\"'") == 0)
        }
        let store = try Store(path: dir.dbPath)
        defer { store.close() }
        #expect(try Self.found(store, "東京").titles == ["old"])
        #expect(try Self.found(store, "オフィス").titles == ["old"])
        #expect(try store.search("計画").first?.snippet == "東京オフィスの[計画]")
        #expect(try Self.titleIndexDifferences(dir.dbPath) == 0)
    }
}
