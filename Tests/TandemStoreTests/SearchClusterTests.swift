import Foundation
import Testing
@testable import TandemStore

/// Thai, Lao, Khmer and Myanmar are written without spaces and with combining marks: each cluster
/// (a letter and the marks after it) is a word and a query's run of them is a phrase, as for CJK
/// characters (`SearchCJKTests`); the marks stay in their words, so `กิน` and `กน` differ. Tibetan
/// syllables (between tsheg) are words, no longer split at their vowel signs.
@Suite struct SearchClusterTests {
    private static let turns = [
        "ฉันไปกรุงเทพเมื่อวาน",           // 1: I went to Bangkok yesterday
        "ฉันกินข้าว",                     // 2: I eat rice (กิน: ก with the vowel sign ิ)
        "ลายกนก",                         // 3: the kanok pattern (กน without a mark)
        "Bangkok กรุงเทพ 2024 trip",      // 4
        "ปี๒๕๖๗ที่กรุงเทพ",                 // 5: Thai digits
        "ພາສາລາວ",                        // 6: Lao language
        "ភាសាខ្មែរ",                       // 7: Khmer language
        "မြန်မာစာ",                        // 8: Myanmar script
        "བོད་ཡིག་",                        // 9: Tibetan script
        "plain English merge plan",       // 10
        "เทพกรุง",                         // 11: the same clusters in the wrong order
    ]

    private static func found(_ store: Store, _ query: String) throws -> (turns: [Int64], titles: [String]) {
        let hits = try store.search(query, limit: 1000)
        return (hits.compactMap(\.turnSeq).sorted(), hits.filter { $0.turnSeq == nil }.map(\.sessionID).sorted())
    }

    private static func fill(_ store: Store) throws {
        try makeSession(store, id: "s1", title: "ประชุม notes")
        _ = try store.createSession(id: "bkk", title: "แผนงานกรุงเทพ", owner: "alice")
        _ = try store.appendTurns(session: "s1", actor: "alice", turns.map { NewTurn(role: .user, content: $0) })
        try store.catchUpSearchIndex()
    }

    @Test func aRunOfClustersIsFoundInsideALongerOne() throws {
        try withStore { store in
            try Self.fill(store)
            #expect(try Self.found(store, "กรุงเทพ").turns == [1, 4, 5])
            #expect(try Self.found(store, "เทพกรุง").turns == [11])
            #expect(try Self.found(store, "ไปกรุง").turns == [1])
            #expect(try Self.found(store, "ລາວ").turns == [6])
            #expect(try Self.found(store, "ខ្មែរ").turns == [7])
            #expect(try Self.found(store, "မြန်မာ").turns == [8])
            // Tibetan: syllables between tsheg are words; two in a row a phrase; part of one nothing.
            #expect(try Self.found(store, "ཡིག").turns == [9])
            #expect(try Self.found(store, "བོད་ཡིག").turns == [9])
            #expect(try Self.found(store, "བོ").turns.isEmpty)
        }
    }

    /// Marks are part of their cluster's word: a letter with a vowel sign is not the bare letter.
    @Test func marksStayInTheirClusters() throws {
        try withStore { store in
            try Self.fill(store)
            #expect(try Self.found(store, "กิน").turns == [2])
            #expect(try Self.found(store, "กน").turns == [3])
            #expect(try Self.found(store, "ก").turns == [1, 3, 4, 5, 11])
            #expect(try Self.found(store, "กิ").turns == [2])
            // ร with ุ in กรุงเทพ: กร (bare ร) is not in it.
            #expect(try Self.found(store, "กร").turns.isEmpty)
            #expect(try Self.found(store, "ข้าว").turns == [2])
            #expect(try Self.found(store, "ขาว").turns.isEmpty)
        }
    }

    @Test func mixedQueriesDigitsAndOperatorsWorkAsForCJK() throws {
        try withStore { store in
            try Self.fill(store)
            #expect(try Self.found(store, "Bangkok กรุงเทพ 2024").turns == [4])
            #expect(try Self.found(store, "bangkok").turns == [4])
            #expect(try Self.found(store, "\"กรุงเทพ 2024\"").turns == [4])
            // Thai digits are a word, as ASCII digits are: the whole number, not part of it.
            #expect(try Self.found(store, "๒๕๖๗").turns == [5])
            #expect(try Self.found(store, "๒๕").turns.isEmpty)
            #expect(try Self.found(store, "ปี๒๕๖๗ที่").turns == [5])
            #expect(try Self.found(store, "กรุงเทพ -bangkok").turns == [1, 5])
            #expect(try Self.found(store, "กิน OR ລາວ").turns == [2, 6])
            #expect(try Self.found(store, "ก NOT กรุงเทพ").turns == [3, 11])
            // A cluster is a whole word: กรุง* is กรุง, no prefix term.
            #expect(try Self.found(store, "กรุง*").turns == [1, 4, 5, 11])
            #expect(try Self.found(store, "ภ* ก* ข* ค* ง*").turns.isEmpty)
            #expect(try Self.found(store, "merge").turns == [10])
            #expect(try Self.found(store, "東京").turns.isEmpty)
        }
    }

    @Test func snippetsMarkWholeClusters() throws {
        try withStore { store in
            try Self.fill(store)
            func snippets(_ query: String) throws -> [String] {
                try store.search(query, limit: 100).filter { $0.turnSeq != nil }.map(\.snippet)
            }
            #expect(try snippets("กิน") == ["ฉัน[กิน]ข้าว"])
            #expect(try snippets("ข้าว") == ["ฉันกิน[ข้าว]"])
            // The bracket closes after ุ, the mark of รุ, never between a letter and its mark; the
            // excerpt (12 units) ends after มื่, with both its marks.
            #expect(try snippets("ไปกรุ") == ["ฉัน[ไปกรุ]งเทพเมื่…"])
            #expect(try snippets("Bangkok กรุงเทพ 2024") == ["[Bangkok] [กรุงเทพ] [2024] trip"])
            #expect(try snippets("ខ្មែរ") == ["ភាសា[ខ្មែរ]"])
            #expect(try snippets("ཡིག") == ["བོད་[ཡིག]་"])
            #expect(try store.search("แผนงาน").first?.snippet == "[แผนงาน]กรุงเทพ")
        }
    }

    @Test func titlesAreSearchedTheSameWayAndTheIndexStaysExact() throws {
        try withStore { store in
            try Self.fill(store)
            #expect(try Self.found(store, "กรุงเทพ").titles == ["bkk"])
            #expect(try Self.found(store, "ประชุม").titles == ["s1"])
            #expect(try Self.found(store, "แผนงน").titles.isEmpty)
            _ = try store.updateSession(id: "bkk", actor: "alice", title: "แผนงานเชียงใหม่")
            #expect(try Self.found(store, "กรุงเทพ").titles.isEmpty)
            #expect(try Self.found(store, "เชียงใหม่").titles == ["bkk"])
            _ = try store.deleteSession(id: "bkk", actor: "alice")
            try store.finishDeletes()
            #expect(try Self.found(store, "แผนงาน").titles.isEmpty)
            #expect(try SearchCJKTests.titleIndexDifferences(store.configuration.path) == 0)
        }
    }

    /// Clusters count toward the 64 split units of a search, one each however many marks they have.
    @Test func aSearchHoldsAtMost64Clusters() throws {
        try withStore { store in
            try Self.fill(store)
            // 64 clusters of two code points each (128 code points): allowed.
            let sixtyFour = String(repeating: "กิ", count: 64)
            #expect(try Self.found(store, sixtyFour).turns.isEmpty)
            #expect(errorCode { _ = try store.search(sixtyFour + " -ข") } == "invalid_argument")
            #expect(errorCode { _ = try store.search(String(repeating: "กิ", count: 32) + String(repeating: "東", count: 33)) } == "invalid_argument")
            let query = try SearchQuery("กรุงเทพ* bang*")
            #expect(query.match == "\"ก รุ ง เ ท พ\" AND \"bang\" *")
            #expect(query.runs == [["ก", "รุ", "ง", "เ", "ท", "พ"]] && query.prefixes == ["bang"])
        }
    }

    @Test func spacingSplitsClustersAndKeepsMarksWithTheirLetters() {
        #expect(SearchText.spaced("plain English, café") == "plain English, café")
        #expect(SearchText.spaced("ฉันไปกรุงเทพ") == "ฉั น ไ ป ก รุ ง เ ท พ")
        #expect(SearchText.spaced("กำลัง") == "กำ ลั ง")
        #expect(SearchText.spaced("ปี๒๕๖๗ที่") == "ปี ๒๕๖๗ ที่")
        #expect(SearchText.spaced("Bangkok2024กรุงเทพ") == "Bangkok2024 ก รุ ง เ ท พ")
        #expect(SearchText.spaced("ខ្មែរ") == "ខ្ មែ រ")
        #expect(SearchText.spaced("မြန်မာ") == "မြ န် မာ")
        #expect(SearchText.spaced("ລາວ") == "ລ າ ວ")
        // Tibetan is not split: tsheg separates its syllables already.
        #expect(SearchText.spaced("བོད་ཡིག") == "བོད་ཡིག")
        #expect(SearchText.spaced("東京กิน") == "東 京 กิ น")
        // The form before clusters is kept exactly: Thai left as it is.
        #expect(SearchText.spaced("ภาษาไทย東京", form: .cjk) == "ภาษาไทย 東 京")
        // A mark with no letter before it is a unit of its own start, never spaced from what precedes.
        #expect(SearchText.spaced(" ิก") == " ิ ก")
    }

    /// An index made by the build before clusters (CJK characters only) answers while the new one is
    /// built beside it; a session deleted meanwhile leaves it exact (its delete is fed the text as
    /// that index was, through `tandem_search_text`); then Thai runs are found.
    @Test func aCJKOnlyIndexIsRebuiltInTheBackground() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        do {
            var old = StoreConfiguration(path: dir.dbPath)
            old.searchIndexClusterWords = false
            let store = try Store(old)
            defer { store.close() }
            try createTestUsers(store)
            try Self.fill(store)
            try makeSession(store, id: "s2")
            _ = try store.appendTurns(session: "s2", actor: "alice", Self.turns.map { NewTurn(role: .user, content: $0 + " สอง") })
            _ = try store.appendTurns(session: "s1", actor: "alice", (0..<500).map { NewTurn(role: .user, content: "บันทึก \($0) กรุงเทพมหานคร 東京") })
            try store.catchUpSearchIndex()
            // Marks split Thai words into pieces there: กิน is the phrase ก น, found nowhere.
            #expect(try Self.found(store, "กิน").turns == [])
            #expect(try Self.found(store, "東京").turns.count == 500)
        }
        #expect(try turnIndexSQL(dir.dbPath)?.contains("fts5(content_cjk,") == true)
        var upgraded = StoreConfiguration(path: dir.dbPath)
        upgraded.indexTurnsForSearch = false
        upgraded.searchIndexBatchTurns = 100 // several rebuild steps: the delete lands in the middle
        do {
            let store = try Store(upgraded)
            defer { store.close() }
            #expect(try store.searchIndexProgress().rebuilding)
            _ = try store.deleteSession(id: "s2", actor: "alice")
            try store.finishDeletes()
            #expect(try Self.found(store, "東京").turns.count == 500)
            #expect(try turnIndexSQL(dir.dbPath)?.contains("fts5(content_cjk,") == true)
            let audit = try auditSearchIndex(dir.dbPath)
            #expect(audit.differences == 0, "\(audit)")
        }
        let store = try Store(StoreConfiguration(path: dir.dbPath))
        defer { store.close() }
        let (sql, audit, turns) = try finishRebuild(store, path: dir.dbPath, seconds: 30)
        #expect(sql?.contains("fts5(content_ordered,") == true)
        #expect(audit.differences == 0 && audit.turnsCovered == turns, "\(audit), \(turns ?? -1) turns")
        #expect(try Self.found(store, "กรุงเทพ").turns.count == 503)
        #expect(try Self.found(store, "กิน").turns == [2])
    }

    /// A database from before migration 24: its titles are indexed again, clusters as words.
    @Test func theMigrationIndexesExistingTitlesAgain() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        do {
            let db = try legacyDatabase(at: dir.dbPath, version: 23, title: "ประชุมที่กรุงเทพ", lastTurn: 0, lastEvent: 0)
            #expect(try db.scalar("SELECT count(*) FROM sessions_fts WHERE sessions_fts MATCH '\"ก รุ ง\"'") == 0)
        }
        let store = try Store(path: dir.dbPath)
        defer { store.close() }
        #expect(try Self.found(store, "กรุงเทพ").titles == ["old"])
        #expect(try Self.found(store, "ประชุม").titles == ["old"])
        #expect(try store.search("ที่").first?.snippet == "ประชุม[ที่]กรุงเทพ")
        #expect(try SearchCJKTests.titleIndexDifferences(dir.dbPath) == 0)
    }
}

/// What the clusters tokenizer does to every letter, digit and mark of the scripts, checked against
/// the SQLite linked (`SearchText.tokenizeOption`): each stays in its word as it is. Neither
/// `remove_diacritics` (on by default) nor case folding changes one, and no mark splits a word.
@Suite struct SearchClusterTokenizerTests {
    @Test func everyLetterDigitAndMarkStaysInItsWordAsItIs() throws {
        let db = try Database(path: ":memory:")
        try db.execute("""
            CREATE VIRTUAL TABLE t USING fts5(x, \(SearchText.tokenizeOption));
            CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance');
            """)
        let blocks: [ClosedRange<UInt32>] = [0x0E00...0x0FFF, 0x1000...0x109F, 0x1780...0x17FF, 0xA9E0...0xA9FF, 0xAA60...0xAA7F]
        var checked = 0
        var changed: [String] = []
        for value in blocks.joined() {
            guard let scalar = Unicode.Scalar(value) else { continue }
            guard SearchText.isClusterMark(value) || SearchSnippet.unicodeTokenCharacter(scalar) else { continue }
            let word = "x" + String(scalar) + "y"
            try db.run("DELETE FROM t")
            try db.run("INSERT INTO t(x) VALUES (?)", [.text(word)])
            let terms = try db.query("SELECT term FROM v ORDER BY offset") { $0.text(0) }
            if terms != [word] { changed.append(String(value, radix: 16) + ": \(terms)") }
            checked += 1
        }
        #expect(checked > 400)
        #expect(changed.isEmpty, "\(changed)")
    }
}
