import Foundation
import Testing
@testable import TandemStore

/// The marks of a Thai or Lao cluster are put in one order before indexing and before querying
/// (`SearchMarkOrder`), so the same word typed with its marks in another order (the same on screen)
/// is found either way; the stored text, and so every snippet, keeps the order it was typed in.
@Suite struct SearchMarkOrderTests {
    // ที่ (at) typed vowel then tone (WTT order), and tone then vowel.
    static let thiVowelFirst = "ท\u{0E35}\u{0E48}"
    static let thiToneFirst = "ท\u{0E48}\u{0E35}"
    // น้ำ (water) typed with SARA AM, and as NIKHAHIT and SARA AA around the tone mark.
    static let namAm = "น\u{0E49}\u{0E33}"
    static let namNikhahitFirst = "น\u{0E4D}\u{0E49}\u{0E32}"
    static let namToneFirst = "น\u{0E49}\u{0E4D}\u{0E32}"
    static let namAmFirst = "น\u{0E33}\u{0E49}"

    private static let turns = [
        "ฉันไป" + thiVowelFirst + "ตลาด",       // 1: I went to the market
        "ฉันไป" + thiToneFirst + "วัด",          // 2: I went to the temple (tone first)
        "ดื่ม" + namAm + "เย็น",                 // 3: drink cold water
        "ดื่ม" + namNikhahitFirst + "ร้อน",       // 4: hot water, NIKHAHIT + tone + SARA AA
        "ดื่ม" + namToneFirst + "ชา",            // 5: tea, tone + NIKHAHIT + SARA AA
        "กินก\u{0E38}\u{0E49}งเผา",               // 6: grilled shrimp, vowel below then tone
        "กินก\u{0E49}\u{0E38}งต้ม",               // 7: boiled shrimp, tone then vowel below
        "ເກ\u{0EBB}\u{0EC9}າ",                   // 8: Lao nine, vowel then tone
        "ເກ\u{0EC9}\u{0EBB}າ",                   // 9: the same, tone then vowel
        "ทีมงาน",                                 // 10: team (ที without a tone mark)
    ]

    private static func found(_ store: Store, _ query: String) throws -> (turns: [Int64], titles: [String]) {
        let hits = try store.search(query, limit: 1000)
        return (hits.compactMap(\.turnSeq).sorted(), hits.filter { $0.turnSeq == nil }.map(\.sessionID).sorted())
    }

    private static func fill(_ store: Store) throws {
        try makeSession(store, id: "s1", title: "notes")
        _ = try store.createSession(id: "home", title: "ประชุม" + thiToneFirst + "บ้าน", owner: "alice")
        _ = try store.createSession(id: "water", title: "แผน" + namAm, owner: "alice")
        _ = try store.appendTurns(session: "s1", actor: "alice", turns.map { NewTurn(role: .user, content: $0) })
        try store.catchUpSearchIndex()
    }

    @Test func aWordTypedEitherWayFindsBoth() throws {
        try withStore { store in
            try Self.fill(store)
            #expect(try Self.found(store, Self.thiVowelFirst).turns == [1, 2])
            #expect(try Self.found(store, Self.thiToneFirst).turns == [1, 2])
            for nam in [Self.namAm, Self.namNikhahitFirst, Self.namToneFirst, Self.namAmFirst] {
                #expect(try Self.found(store, nam).turns == [3, 4, 5], "\(nam.unicodeScalars.map { String($0.value, radix: 16) })")
            }
            #expect(try Self.found(store, "ก\u{0E38}\u{0E49}ง").turns == [6, 7])
            #expect(try Self.found(store, "ก\u{0E49}\u{0E38}ง").turns == [6, 7])
            #expect(try Self.found(store, "ເກົ້າ").turns == [8, 9])
            #expect(try Self.found(store, "ເກ\u{0EC9}\u{0EBB}າ").turns == [8, 9])
            // Other marks are still other words: ที (no tone) is not ที่, in either order.
            #expect(try Self.found(store, "ที").turns == [10])
            #expect(try Self.found(store, "ท\u{0E48}").turns.isEmpty)
            // Phrases and operators take the ordered form too.
            #expect(try Self.found(store, "\"ไป" + Self.thiToneFirst + "ตลาด\"").turns == [1])
            #expect(try Self.found(store, Self.namNikhahitFirst + " -ร้อน").turns == [3, 5])
        }
    }

    @Test func snippetsShowTheTextAsItWasTyped() throws {
        try withStore { store in
            try Self.fill(store)
            func snippets(_ query: String) throws -> [String] {
                try store.search(query, limit: 100).filter { $0.turnSeq != nil }.sorted { $0.turnSeq! < $1.turnSeq! }.map(\.snippet)
            }
            let thi = ["ฉันไป[" + Self.thiVowelFirst + "]ตลาด", "ฉันไป[" + Self.thiToneFirst + "]วัด"]
            #expect(try snippets(Self.thiToneFirst) == thi)
            #expect(try snippets(Self.thiVowelFirst) == thi)
            // SARA AA after a NIKHAHIT is in the bracket: it is half of SARA AM.
            let nam = ["ดื่ม[" + Self.namAm + "]เย็น", "ดื่ม[" + Self.namNikhahitFirst + "]ร้อน", "ดื่ม[" + Self.namToneFirst + "]ชา"]
            #expect(try snippets(Self.namAmFirst) == nam)
            #expect(try snippets(Self.namNikhahitFirst) == nam)
            #expect(try store.search("ที่").first?.snippet == "ประชุม[" + Self.thiToneFirst + "]บ้าน")
        }
    }

    @Test func titlesAreSearchedTheSameWayAndTheIndexStaysExact() throws {
        try withStore { store in
            try Self.fill(store)
            #expect(try Self.found(store, Self.thiVowelFirst).titles == ["home"])
            #expect(try Self.found(store, Self.namNikhahitFirst).titles == ["water"])
            _ = try store.updateSession(id: "water", actor: "alice", title: "แผน" + Self.namToneFirst + "ท่วม")
            #expect(try Self.found(store, Self.namAm).titles == ["water"])
            _ = try store.deleteSession(id: "home", actor: "alice")
            try store.finishDeletes()
            #expect(try Self.found(store, Self.thiVowelFirst).titles.isEmpty)
            #expect(try SearchCJKTests.titleIndexDifferences(store.configuration.path) == 0)
        }
    }

    /// A turn index of the build before (marks as typed) answers while the ordered one is built
    /// beside it, with the query in its form; a session deleted meanwhile leaves it exact; then every
    /// order finds every other.
    @Test func aClustersIndexIsRebuiltInTheBackground() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        do {
            var old = StoreConfiguration(path: dir.dbPath)
            old.searchIndexMarkOrder = false
            let store = try Store(old)
            defer { store.close() }
            try createTestUsers(store)
            try Self.fill(store)
            try makeSession(store, id: "s2")
            _ = try store.appendTurns(session: "s2", actor: "alice", Self.turns.map { NewTurn(role: .user, content: $0 + " สอง") })
            _ = try store.appendTurns(session: "s1", actor: "alice", (0..<500).map {
                NewTurn(role: .user, content: "บันทึก \($0) " + ($0 % 2 == 0 ? Self.namAm : Self.namNikhahitFirst))
            })
            try store.catchUpSearchIndex()
            // The gap this build closes: each order finds only itself (turn 2 of s1 and of s2).
            #expect(try Self.found(store, Self.thiToneFirst).turns == [2, 2])
            #expect(try Self.found(store, Self.namAm).turns == [3, 3] + (0..<250).map { 11 + 2 * $0 })
        }
        #expect(try turnIndexSQL(dir.dbPath)?.contains("fts5(content_clusters,") == true)
        var upgraded = StoreConfiguration(path: dir.dbPath)
        upgraded.indexTurnsForSearch = false
        upgraded.searchIndexBatchTurns = 100 // several rebuild steps: the delete lands in the middle
        do {
            let store = try Store(upgraded)
            defer { store.close() }
            #expect(try store.searchIndexProgress().rebuilding)
            _ = try store.deleteSession(id: "s2", actor: "alice")
            try store.finishDeletes()
            #expect(try turnIndexSQL(dir.dbPath)?.contains("fts5(content_clusters,") == true)
            #expect(try Self.found(store, Self.thiToneFirst).turns == [2])
            let audit = try auditSearchIndex(dir.dbPath)
            #expect(audit.differences == 0, "\(audit)")
        }
        let store = try Store(StoreConfiguration(path: dir.dbPath))
        defer { store.close() }
        let (sql, audit, turns) = try finishRebuild(store, path: dir.dbPath, seconds: 30)
        #expect(sql?.contains("fts5(content_ordered,") == true)
        #expect(audit.differences == 0 && audit.turnsCovered == turns, "\(audit), \(turns ?? -1) turns")
        #expect(try Self.found(store, Self.thiToneFirst).turns == [1, 2])
        #expect(try Self.found(store, Self.namAm).turns.count == 503)
        #expect(try Self.found(store, Self.namNikhahitFirst).turns.count == 503)
    }

    /// A database from before migration 25: its titles are indexed again, marks in one order.
    @Test func theMigrationIndexesExistingTitlesAgain() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        do {
            let db = try legacyDatabase(at: dir.dbPath, version: 24, title: "ประชุม" + Self.thiToneFirst + "บ้าน", lastTurn: 0, lastEvent: 0)
            let canonical = "SELECT count(*) FROM sessions_fts WHERE sessions_fts MATCH '\"" + Self.thiVowelFirst + "\"'"
            #expect(try db.scalar(canonical) == 0)
        }
        let store = try Store(path: dir.dbPath)
        defer { store.close() }
        #expect(try Self.found(store, Self.thiVowelFirst).titles == ["old"])
        #expect(try Self.found(store, Self.thiToneFirst).titles == ["old"])
        #expect(try store.search(Self.thiVowelFirst).first?.snippet == "ประชุม[" + Self.thiToneFirst + "]บ้าน")
        #expect(try SearchCJKTests.titleIndexDifferences(dir.dbPath) == 0)
    }
}

/// `SearchMarkOrder` through `SearchText.spaced`: every order of a cluster's marks has one form,
/// text typed in that order and every other script are left as they are.
@Suite struct SearchMarkOrderTextTests {
    private static func permutations(_ items: [UInt32]) -> [[UInt32]] {
        guard items.count > 1 else { return [items] }
        return items.indices.flatMap { i in
            var rest = items
            let first = rest.remove(at: i)
            return permutations(rest).map { [first] + $0 }
        }
    }

    private static func values(_ text: String) -> [UInt32] { text.unicodeScalars.map(\.value) }

    private static func text(_ values: [UInt32]) -> String {
        String(String.UnicodeScalarView(values.map { Unicode.Scalar($0)! }))
    }

    @Test func everyOrderOfAClustersMarksHasOneForm() {
        // (letter, marks in the canonical order)
        let clusters: [(UInt32, [UInt32])] = [
            (0x0E01, [0x0E35, 0x0E48]),         // กี่: vowel above, tone
            (0x0E01, [0x0E38, 0x0E49]),         // กุ้: vowel below, tone
            (0x0E14, [0x0E34, 0x0E4C]),         // ดิ์: vowel above, thanthakhat
            (0x0E19, [0x0E49, 0x0E33]),         // น้ำ: tone, SARA AM
            (0x0E01, [0x0E47]),                 // ก็
            (0x0E81, [0x0EBB, 0x0EC9]),         // Lao ກົ້
            (0x0EAB, [0x0EBC, 0x0ECD, 0x0EC8]), // Lao ຫຼໍ່: subjoined LO, NIGGAHITA, tone
            (0x0E99, [0x0EC9, 0x0EB3]),         // Lao ນ້ຳ
        ]
        for (letter, marks) in clusters {
            let canonical = Self.text([letter] + marks)
            for order in Self.permutations(marks) {
                // Scalars compared, not Strings: Swift's == is canonical equivalence (a vowel below and a
                // tone mark in either order are equal to it).
                let typed = Self.text([letter] + order)
                #expect(Self.values(SearchText.spaced(typed)) == [letter] + marks, "\(order.map { String($0, radix: 16) })")
                #expect(Self.values(SearchText.spaced("ฉัน" + typed + "ข้าว")) == Self.values("ฉั น " + canonical + " ข้ า ว"))
                #expect(SearchSnippet.foldedTokens(typed).map(Self.values) == [[letter] + marks])
                #expect(SearchMarkOrder.isOrdered(Substring(typed).unicodeScalars) == (order == marks))
            }
        }
        // SARA AM as NIKHAHIT + SARA AA, the tone mark anywhere among them; Lao the same.
        for typed: [UInt32] in [[0x0E4D, 0x0E49, 0x0E32], [0x0E49, 0x0E4D, 0x0E32], [0x0E4D, 0x0E32, 0x0E49], [0x0E33, 0x0E49]] {
            #expect(Self.values(SearchText.spaced(Self.text([0x0E19] + typed))) == [0x0E19, 0x0E49, 0x0E33], "\(typed.map { String($0, radix: 16) })")
        }
        #expect(SearchText.spaced("น\u{0E4D}\u{0E32}") == "นำ")
        #expect(Self.values(SearchText.spaced(Self.text([0x0E99, 0x0ECD, 0x0EC9, 0x0EB2]))) == [0x0E99, 0x0EC9, 0x0EB3])
        // NIKHAHIT alone (Pali) stays; SARA AA not after one stays a cluster of its own.
        #expect(SearchText.spaced("สํ") == "สํ")
        #expect(SearchText.spaced("กา") == "ก า")
        #expect(SearchText.spaced("ก\u{0E4D} \u{0E32}") == "ก\u{0E4D} \u{0E32}")
    }

    @Test func textTypedInTheOrderAndOtherScriptsAreUnchanged() {
        let texts = ["ฉันไปกรุงเทพเมื่อวาน", "ดื่มน้ำที่บ้านกุ้งศักดิ์ก็", "ພາສາລາວເກົ້າຫຼໍ່", "ភាសាខ្មែរ", "မြန်မာစာ",
                     "བོད་ཡིག", "東京都に行きます", "plain English, café", "ปี๒๕๖๗"]
        for text in texts {
            #expect(Self.values(SearchText.spaced(text)) == Self.values(SearchText.spaced(text, form: .clusters)))
        }
        // English is handed back untouched (nil: the one-pass fast path).
        var english = "plain English merge plan"
        #expect(english.withUTF8 { SearchText.spacedUTF8($0) } == nil)
        // Every pair of marks of the other scripts, after a Khmer letter: as typed.
        let others = SearchText.clusterMarks.joined().filter { !(0x0E00...0x0EFF).contains($0) }
        var changed = 0
        for a in others {
            for b in others {
                let text = Self.text([0x1780, a, b])
                if Self.values(SearchText.spaced(text)) != Self.values(SearchText.spaced(text, form: .clusters)) { changed += 1 }
            }
        }
        #expect(others.count > 150 && changed == 0)
    }

    /// Every Thai and Lao cluster mark has a rank, nothing else has one.
    @Test func theRanksCoverExactlyTheThaiAndLaoMarks() {
        let wrong = (UInt32(0)...0x1_FFFF).filter { value in
            let thaiOrLaoMark = (0x0E00...0x0EFF).contains(value) && SearchText.isClusterMark(value)
            return (SearchMarkOrder.rank(value) != nil) != thaiOrLaoMark
        }
        #expect(wrong.isEmpty, "\(wrong.map { String($0, radix: 16) })")
    }
}
