import Testing
import TandemJSON
@testable import TandemStore

/// The respelling check (`Rows.refuseRespelling`) by its stored NFC form: the same refusals as the
/// walk over every key it replaced, with one index seek.
@Suite struct RowKeySpellingTests {
    /// Equal stored spellings exactly when Swift's `==` takes the keys for equal: the test the
    /// walk applied to each key.
    @Test func equalSpellingsAreExactlyCanonicalEquivalence() {
        var keys = ["caf\u{E9}", "cafe\u{301}", "\u{212A}", "K", "\u{C5}", "A\u{30A}", "\u{212B}", "\u{AC00}", "\u{1100}\u{1161}",
                    "e\u{301}\u{327}", "e\u{327}\u{301}", "\u{229}\u{301}", ";", "\u{37E}", "tab\there", "plain", "\u{1E9B}\u{323}",
                    "\u{17F}\u{323}\u{307}", "\u{1E69}", "s\u{323}\u{307}"]
        var random = SeededRandom(seed: 11)
        let pieces = ["a", "e", "s", "\u{E9}", "\u{301}", "\u{323}", "\u{307}", "\u{327}", "\u{1E69}", "\u{1100}", "\u{1161}", "\u{AC00}"]
        for _ in 0..<400 { keys.append((0..<Int.random(in: 1...4, using: &random)).map { _ in random.pick(pieces) }.joined()) }
        for a in keys {
            for b in keys {
                guard let sa = RowKeySpelling.of(a), let sb = RowKeySpelling.of(b) else { continue }
                #expect(sa.isByteIdentical(to: sb) == (a == b), "\(a.debugDescription) \(b.debugDescription)")
            }
        }
        // Printable ASCII has none (the check never looked at it); anything else has its NFC form.
        #expect(RowKeySpelling.of("plain key ~") == nil)
        #expect(RowKeySpelling.of("tab\there") == "tab\there")
        #expect(RowKeySpelling.of("cafe\u{301}")?.isByteIdentical(to: "caf\u{E9}") == true)
        #expect(RowKeySpelling.of("\u{212A}")?.isByteIdentical(to: "K") == true)
    }

    @Test func aRespellingIsRefusedAndNewKeysAreAccepted() throws {
        try withStore { store in
            try makeSession(store)
            try makeSession(store, id: "s2")
            _ = try store.writeRow(session: "s1", actor: "bob", key: "caf\u{E9}", value: 1, baseVersion: 0)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "\u{212A}elvin", value: 1, baseVersion: 0)
            do throws(StoreError) {
                _ = try store.writeRow(session: "s1", actor: "bob", key: "cafe\u{301}", value: 2, baseVersion: 0)
                Issue.record("a respelling was written")
            } catch {
                #expect(error.code == "invalid_argument")
                #expect(error.message.contains("respells the existing key \"caf\u{E9}\""), "\(error.message)")
            }
            // The other way round, and a singleton decomposition (KELVIN SIGN is K).
            _ = try store.writeRow(session: "s2", actor: "bob", key: "cafe\u{301}", value: 1, baseVersion: 0)
            #expect(errorCode { _ = try store.writeRow(session: "s2", actor: "bob", key: "caf\u{E9}", value: 2, baseVersion: 0) } == "invalid_argument")
            #expect(errorCode { _ = try store.writeRow(session: "s1", actor: "bob", key: "Kelvin\u{300}", value: 2, baseVersion: 0) } == nil)
            // As before: a new key of printable ASCII is never checked, nor an existing one.
            #expect(try store.writeRow(session: "s1", actor: "bob", key: "Kelvin", value: 2, baseVersion: 0).row?.version == 1)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "Ohm", value: 1, baseVersion: 0)
            #expect(try store.writeRow(session: "s1", actor: "bob", key: "Ohm\u{2126}", value: 1, baseVersion: 0).row?.version == 1)
            // The same spelling again is the same row; new keys beyond ASCII are accepted.
            #expect(try store.writeRow(session: "s1", actor: "bob", key: "caf\u{E9}", value: 3, baseVersion: 1).row?.version == 2)
            for key in ["\u{FC}ber", "\u{65E5}\u{672C}", "caf\u{E9}s", "e\u{301}\u{327}"] {
                #expect(try store.writeRow(session: "s1", actor: "bob", key: key, value: 1, baseVersion: 0).row?.version == 1, "\(key)")
            }
            // ...whose respellings then are refused too (combining marks in another order).
            #expect(errorCode { _ = try store.writeRow(session: "s1", actor: "bob", key: "e\u{327}\u{301}", value: 1, baseVersion: 0) } == "invalid_argument")
            try expectStoredSpellings(store)
        }
    }

    /// The check is one seek of `state_rows_spelling`: its cost does not grow with the session's
    /// other keys beyond ASCII (it read every one of them before).
    @Test func theCheckSeeksTheSpellingIndex() throws {
        try withStore { store in
            try makeSession(store)
            for i in 0..<2_000 { _ = try store.writeRow(session: "s1", actor: "bob", key: "cl\u{E9}-\(i)", value: 1, baseVersion: 0) }
            let plan = try store.read { db throws(StoreError) in
                try db.query("EXPLAIN QUERY PLAN " + Rows.respellingSQL, [.integer(1), .text("x\u{E9}"), .text("x\u{E9}")]) { $0.text(3) }
            }
            #expect(plan.count == 1 && plan[0].contains("USING COVERING INDEX state_rows_spelling (sid=? AND nfc_key=?)"), "\(plan)")
            let steps = try store.write { ctx throws(StoreError) -> Int64 in
                let before = ctx.db.virtualMachineSteps
                try Rows.refuseRespelling(ctx.db, sid: 1, key: "cle\u{301}-new")
                return ctx.db.virtualMachineSteps - before
            }
            #expect(steps < 100, "\(steps) steps among 2,000 keys")
            #expect(errorCode { _ = try store.writeRow(session: "s1", actor: "bob", key: "cle\u{301}-1999", value: 1, baseVersion: 0) } == "invalid_argument")
        }
    }

    /// Rows copied in SQL (a branch, an import, a template) carry their spelling: the check still
    /// finds them there.
    @Test func copiedRowsKeepTheirSpelling() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "na\u{EF}ve", value: 1, baseVersion: 0)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "t1"))
            _ = try store.writeRow(session: "s1", actor: "bob", key: "r\u{E9}sum\u{E9}", value: 1, baseVersion: 0)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "t2"))
            // A branch at the head copies the current rows; one at turn 1 copies from the history.
            _ = try store.createBranch(session: "s1", actor: "alice", id: "head")
            _ = try store.createBranch(session: "s1", actor: "alice", atSeq: 1, id: "early")
            let document = try store.exportSession(id: "s1", actor: "alice")
            _ = try store.importSession(document, asID: "copy", actor: "alice")
            _ = try store.saveTemplate(session: "s1", actor: "alice", name: "t")
            _ = try store.createSession(fromTemplate: "t", actor: "alice", id: "templated")
            for session in ["head", "early", "copy", "templated"] {
                #expect(errorCode { _ = try store.writeRow(session: session, actor: "alice", key: "nai\u{308}ve", value: 2, baseVersion: 0) }
                        == "invalid_argument", "\(session)")
            }
            #expect(errorCode { _ = try store.writeRow(session: "head", actor: "alice", key: "re\u{301}sume\u{301}", value: 2, baseVersion: 0) }
                    == "invalid_argument")
            try expectStoredSpellings(store)
        }
    }

    /// Every stored row's `nfc_key` is what `RowKeySpelling` makes of its key.
    private func expectStoredSpellings(_ store: Store, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let rows = try store.read { db throws(StoreError) in
            try db.query("SELECT key, nfc_key FROM state_rows") { ($0.text(0), $0.isNull(1) ? nil : $0.text(1)) }
        }
        #expect(!rows.isEmpty, sourceLocation: sourceLocation)
        for (key, stored) in rows {
            let expected = RowKeySpelling.of(key)
            #expect(stored.map { s in expected.map { s.isByteIdentical(to: $0) } ?? false } ?? (expected == nil),
                    "\(key.debugDescription): \(stored.debugDescription)", sourceLocation: sourceLocation)
        }
    }
}
