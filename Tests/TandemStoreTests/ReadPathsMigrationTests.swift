import Testing
import TandemJSON
@testable import TandemStore

/// Migration 14 ("read-paths") on a database an older build wrote: its keys get their stored
/// spellings, the check then refuses respellings of them, and author history reads its index.
@Suite struct ReadPathsMigrationTests {
    @Test func theMigrationFillsTheSpellingsOfExistingKeys() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let keys = ["plain", "caf\u{E9}", "Cafe\u{301}", "\u{212A}elvin", "tab\there", "\u{65E5}\u{672C}"]
        do {
            let db = try legacyDatabase(at: dir.dbPath, version: 13, title: "Old", lastTurn: 3, lastEvent: 3)
            for (i, author) in ["alice", "bob", "alice"].enumerated() {
                try db.run("INSERT INTO turns(sid, seq, role, author, content, created_at, event_seq) VALUES (1,?,'user',?,'t',1,?)",
                           [.int(i + 1), .text(author), .int(i + 1)])
            }
            for key in keys {
                try db.run("INSERT INTO state_rows(sid, key, version, value, author, updated_at) VALUES (1,?,1,'1','alice',1)", [.text(key)])
                try db.run("INSERT INTO state_history(sid, key, version, value, author, created_at) VALUES (1,?,1,'1','alice',1)", [.text(key)])
            }
        }
        let store = try Store(path: dir.dbPath)
        defer { store.close() }
        let stored = try store.read { db throws(StoreError) in
            try db.query("SELECT key, nfc_key FROM state_rows WHERE sid = 1 ORDER BY key") { ($0.text(0), $0.isNull(1) ? nil : $0.text(1)) }
        }
        // SQLite orders by bytes (Swift's `<` would put KELVIN SIGN with K).
        #expect(stored.map { Array($0.0.utf8) } == keys.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) })
        let expected: [String: String?] = ["plain": nil, "caf\u{E9}": "caf\u{E9}", "Cafe\u{301}": "Caf\u{E9}", "\u{212A}elvin": "Kelvin",
                                           "tab\there": "tab\there", "\u{65E5}\u{672C}": "\u{65E5}\u{672C}"]
        for (key, spelling) in stored {
            // Compared by bytes: `==` would take any spelling of the key for it.
            let want = expected.first { $0.key.isByteIdentical(to: key) }!.value
            #expect(spelling.map { s in want.map { s.isByteIdentical(to: $0) } ?? false } ?? (want == nil), "\(key.debugDescription)")
        }
        // Respellings of the old keys are refused, in both directions.
        #expect(errorCode { _ = try store.writeRow(session: "old", actor: "alice", key: "cafe\u{301}", value: 2, baseVersion: 0) } == "invalid_argument")
        #expect(errorCode { _ = try store.writeRow(session: "old", actor: "alice", key: "Caf\u{E9}", value: 2, baseVersion: 0) } == "invalid_argument")
        #expect(errorCode { _ = try store.writeRow(session: "old", actor: "alice", key: "\u{65E5}\u{672C}", value: 2, baseVersion: 1) } == nil)
        #expect(try store.writeRow(session: "old", actor: "alice", key: "\u{FC}ber", value: 1, baseVersion: 0).row?.version == 1)
        // The old turns are in the author index.
        #expect(try store.turns(session: "old", actor: "alice", author: "alice").map(\.seq) == [1, 3])
        let check = try store.read { db throws(StoreError) in try db.integrityCheck() }
        #expect(check == ["ok"])
    }
}
