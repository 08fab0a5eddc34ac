import Foundation
import Testing
import TandemJSON
@testable import TandemStore

/// Checkpoints saved as marks (migration 15, `CheckpointMap`): a restore must bring back exactly
/// what the whole key → version map the store used to copy at save time would have, whatever
/// happened in between; the map reads back in pages.
@Suite struct CheckpointMarkTests {
    /// What a checkpoint held, taken the old way (every row's version and value) when it was saved.
    struct Reference {
        var versions: [String: Int64]
        var values: [String: JSONValue]
    }

    static func reference(_ store: Store, session: String) throws -> Reference {
        let rows = try store.stateRows(session: session, actor: "alice")
        return Reference(versions: Dictionary(uniqueKeysWithValues: rows.map { ($0.key, $0.version) }),
                         values: Dictionary(uniqueKeysWithValues: rows.map { ($0.key, $0.value) }))
    }

    /// Saves `name` as the store now does, and `name~map` beside it as it used to: the map copied
    /// by SQLite's json_group_object (what `checkpoint.save` stored before migration 15).
    static func saveBoth(_ store: Store, session: String, name: String) throws -> Reference {
        let saved = try store.saveCheckpoint(session: session, actor: "alice", name: name)
        try store.write { ctx throws(StoreError) in
            try ctx.db.run("""
                INSERT INTO checkpoints(sid, name, turn_seq, row_versions, created_by, created_at, event_seq, row_count)
                SELECT s.sid, ?2, ?3, (SELECT json_group_object(key, version) FROM state_rows r WHERE r.sid = s.sid), 'alice', ?4, ?5,
                  (SELECT count(*) FROM state_rows r WHERE r.sid = s.sid) FROM sessions s WHERE s.id = ?1
                """, [.text(session), .text(name + "~map"), .integer(saved.turnSeq), .integer(saved.createdAt), .integer(saved.eventSeq)])
        }
        let reference = try reference(store, session: session)
        #expect(saved.rowCount == Int64(reference.versions.count))
        return reference
    }

    /// Every entry of a checkpoint's map, read in pages of `limit`.
    static func entries(_ store: Store, session: String, name: String, actor: String = "dave", limit: Int = 7) throws -> [CheckpointEntry] {
        var out: [CheckpointEntry] = []
        var after: String? = nil
        while true {
            let page = try store.checkpointEntries(session: session, actor: actor, name: name, after: after, limit: limit, budget: .unlimited)
            out += page.entries
            #expect(page.entries.count <= limit)
            guard page.more else { return out }
            #expect(page.entries.count == limit)
            after = page.entries.last?.key
        }
    }

    static func randomValue(_ g: inout SeededRandom) -> JSONValue {
        switch Int.random(in: 0..<5, using: &g) {
        case 0: return .null  // a delete
        case 1: return .integer(Int64.random(in: 0..<100, using: &g))
        case 2: return .string("v\(Int.random(in: 0..<10, using: &g))")
        default: return .object(["f\(Int.random(in: 0..<3, using: &g))": .integer(Int64.random(in: 0..<5, using: &g))])
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func restoreOfAMarkEqualsTheWholeMapAfterRandomChanges(seed: UInt64) throws {
        try withStore { store in
            try makeSession(store)
            var g = SeededRandom(seed: seed)
            var saved: [(name: String, reference: Reference)] = []
            var restores = 0, branches = 0
            for step in 0..<160 {
                let key = "k\(Int.random(in: 0..<12, using: &g))"
                let current = try store.stateRow(session: "s1", actor: "alice", key: key)?.version ?? 0
                switch Int.random(in: 0..<100, using: &g) {
                case 0..<40:
                    _ = try store.writeRow(session: "s1", actor: "bob", key: key, value: Self.randomValue(&g), baseVersion: current)
                case 40..<50:
                    // An older base: merged with what came since, or refused as a conflict.
                    _ = try store.writeRow(session: "s1", actor: "bob", key: key, value: Self.randomValue(&g), baseVersion: max(0, current - 1))
                case 50..<58:
                    _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "turn \(step)"))
                case 58..<63:
                    _ = try? store.undoLastTurn(session: "s1", actor: "alice")
                case 63..<65:
                    _ = try store.clearTurns(session: "s1", actor: "alice")
                case 65..<72:
                    // A branch that changes a few rows, merged back (or discarded on a conflict).
                    branches += 1
                    let branch = "b\(branches)"
                    _ = try store.createBranch(session: "s1", actor: "alice", id: branch)
                    for _ in 0..<Int.random(in: 1...3, using: &g) {
                        let k = "k\(Int.random(in: 0..<14, using: &g))"
                        let v = try store.stateRow(session: branch, actor: "alice", key: k)?.version ?? 0
                        _ = try store.writeRow(session: branch, actor: "alice", key: k, value: Self.randomValue(&g), baseVersion: v)
                    }
                    if case .conflict = try store.mergeBranch(branch: branch, actor: "alice") {
                        _ = try store.discardBranch(branch: branch, actor: "alice")
                    }
                case 72..<84:
                    saved.append(("cp\(saved.count)", try Self.saveBoth(store, session: "s1", name: "cp\(saved.count)")))
                default:
                    guard let (name, reference) = saved.randomElement(using: &g) else { continue }
                    // The map reads back, page by page, as the whole map had it.
                    let entries = try Self.entries(store, session: "s1", name: name)
                    #expect(entries.map(\.key) == reference.versions.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
                    #expect(Dictionary(uniqueKeysWithValues: entries.map { ($0.key, $0.version) }) == reference.versions, "seed \(seed) step \(step) \(name)")
                    #expect(try Self.entries(store, session: "s1", name: name + "~map", limit: 5) == entries)
                    do {
                        _ = try store.restoreCheckpoint(session: "s1", actor: "alice", name: name)
                    } catch let error as StoreError where error.code == "stale_checkpoint" {
                        // A clear or an earlier restore since: the old map is refused alike.
                        #expect(errorCode { _ = try store.restoreCheckpoint(session: "s1", actor: "alice", name: name + "~map") } == "stale_checkpoint")
                        continue
                    }
                    restores += 1
                    let rows = try store.stateRows(session: "s1", actor: "alice")
                    let expected = Dictionary(uniqueKeysWithValues: rows.map { ($0.key, reference.values[$0.key] ?? .null) })
                    #expect(Dictionary(uniqueKeysWithValues: rows.map { ($0.key, $0.value) }) == expected, "seed \(seed) step \(step) \(name)")
                    // The whole map, diffed the old way, finds nothing left to restore.
                    #expect(try store.restoreCheckpoint(session: "s1", actor: "alice", name: name + "~map").rows.isEmpty)
                }
            }
            #expect(restores > 0 && saved.count > 2, "seed \(seed): \(restores) restores, \(saved.count) checkpoints")
            // An export carries every checkpoint's map, a mark's worked out as the stored one is.
            let export = try store.exportSession(id: "s1", actor: "alice")
            var maps: [String: JSONValue] = [:]
            for checkpoint in export["checkpoints"]?.arrayValue ?? [] {
                maps[checkpoint["name"]?.stringValue ?? ""] = checkpoint["rows"]
            }
            for (name, _) in saved { #expect(maps[name] == maps[name + "~map"] && maps[name] != nil, "\(name)") }
            // Imported, the maps are kept as they came; every session (branches, the copy) counts its rows.
            _ = try store.importSession(json: export.serialized(), asID: "copy")
            #expect(try Self.entries(store, session: "copy", name: saved[0].name, actor: "alice") == Self.entries(store, session: "s1", name: saved[0].name))
            let counts = try store.read { db throws(StoreError) in
                try db.query("""
                    SELECT coalesce((SELECT row_count FROM session_counts c WHERE c.sid = s.sid), 0),
                      (SELECT count(*) FROM state_rows r WHERE r.sid = s.sid) FROM sessions s
                    """) { [$0.int(0), $0.int(1)] }
            }
            #expect(counts.count == branches + 2 && counts.allSatisfy { $0[0] == $0[1] }, "\(counts)")
        }
    }
}

@Suite struct CheckpointMarkLifetimeTests {
    @Test func aMarkSavedBeforeARestartRestoresAfterIt() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        do {
            let store = try Store(path: dir.dbPath)
            defer { store.close() }
            try createTestUsers(store)
            try makeSession(store)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "a", value: "a1", baseVersion: 0)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "b", value: "b1", baseVersion: 0)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "a", value: "a2", baseVersion: 1)
            #expect(try store.saveCheckpoint(session: "s1", actor: "bob", name: "before").rowCount == 2)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "a", value: "a3", baseVersion: 2)
        }
        let store = try Store(path: dir.dbPath)
        defer { store.close() }
        _ = try store.writeRow(session: "s1", actor: "bob", key: "b", value: nil, baseVersion: 1)
        _ = try store.writeRow(session: "s1", actor: "bob", key: "c", value: "c1", baseVersion: 0)
        let restored = try store.restoreCheckpoint(session: "s1", actor: "alice", name: "before")
        #expect(restored.checkpoint.rowCount == 2)
        #expect(restored.rows.map { "\($0.key)@\($0.version)=\($0.value)" } == ["a@4=\"a2\"", "b@3=\"b1\"", "c@2=null"])
        let entries = try store.checkpointEntries(session: "s1", actor: "dave", name: "before", limit: 10, budget: .unlimited)
        #expect(entries.entries == [CheckpointEntry(key: "a", version: 2), CheckpointEntry(key: "b", version: 1)] && !entries.more)
    }

    @Test func aMapSavedBeforeMigration15IsKeptAndRestores() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        do {
            // Version 12: row a at version 2 ("a2"), saved in a map at version 1 ("a1"); b created since.
            let db = try legacyDatabase(at: dir.dbPath, version: 12, title: "Old", lastTurn: 0, lastEvent: 3)
            for (key, version, value, seq) in [("a", 1, "\"a1\"", 1), ("a", 2, "\"a2\"", 2), ("b", 1, "\"b1\"", 3)] {
                try db.run("INSERT INTO state_history(sid, key, version, value, author, created_at) VALUES (1,?,?,?,'alice',1)",
                           [.text(key), .int(version), .text(value)])
                try db.run("INSERT INTO events(sid, seq, kind, actor, row_key, row_version, created_at) VALUES (1,?,'state','alice',?,?,1)",
                           [.int(seq), .text(key), .int(version)])
            }
            try db.run("INSERT INTO state_rows(sid, key, version, value, author, updated_at) VALUES (1,'a',2,'\"a2\"','alice',1), (1,'b',1,'\"b1\"','alice',1)")
            try db.run("""
                INSERT INTO checkpoints(sid, name, turn_seq, row_versions, created_by, created_at, event_seq, row_count)
                VALUES (1,'old',0,'{"a":1}','alice',1,1,1)
                """)
        }
        let store = try Store(path: dir.dbPath)
        defer { store.close() }
        #expect(try store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM checkpoints WHERE row_versions = '{\"a\":1}'") } == 1)
        #expect(try store.checkpointEntries(session: "old", actor: "alice", name: "old", limit: 10, budget: .unlimited).entries
                == [CheckpointEntry(key: "a", version: 1)])
        let restored = try store.restoreCheckpoint(session: "old", actor: "alice", name: "old")
        #expect(restored.rows.map { "\($0.key)@\($0.version)=\($0.value)" } == ["a@3=\"a1\"", "b@2=null"])
        // The session's rows were counted by the migration, and are counted since.
        #expect(try store.saveCheckpoint(session: "old", actor: "alice", name: "new").rowCount == 2)
        // The listing index came back with the rebuilt table.
        #expect(try store.read { db throws(StoreError) in
            try db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'checkpoints_listing'")
        } == 1)
    }

    @Test func theMapReadsInPagesByCountAndBytesFromAfterForMembersOnly() throws {
        try withStore { store in
            try makeSession(store)
            let keys = (0..<25).map { String(format: "key-%02d", $0) }
            for key in keys.shuffled() { _ = try store.writeRow(session: "s1", actor: "bob", key: key, value: 1, baseVersion: 0) }
            _ = try store.writeRow(session: "s1", actor: "bob", key: "key-03", value: 2, baseVersion: 1)
            _ = try store.saveCheckpoint(session: "s1", actor: "bob", name: "cp")
            // Changes after the save do not show: the map is the rows as they were.
            _ = try store.writeRow(session: "s1", actor: "bob", key: "key-03", value: 3, baseVersion: 2)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "key-10", value: 2, baseVersion: 1)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "key-99", value: 1, baseVersion: 0)

            let first = try store.checkpointEntries(session: "s1", actor: "carol", name: "cp", limit: 10, budget: .unlimited)
            #expect(first.entries.map(\.key) == Array(keys.prefix(10)) && first.more)
            #expect(first.entries.first { $0.key == "key-03" }?.version == 2)
            let rest = try store.checkpointEntries(session: "s1", actor: "carol", name: "cp", after: "key-09", limit: 100, budget: .unlimited)
            #expect(rest.entries.map(\.key) == Array(keys.dropFirst(10)) && !rest.more)
            #expect(rest.entries.first { $0.key == "key-10" }?.version == 1)
            // `after` need not be a key of the map.
            let from = try store.checkpointEntries(session: "s1", actor: "carol", name: "cp", after: "key-195", limit: 3, budget: .unlimited)
            #expect(from.entries.map(\.key) == ["key-20", "key-21", "key-22"] && from.more)
            #expect(try store.checkpointEntries(session: "s1", actor: "carol", name: "cp", after: "key-24", limit: 3, budget: .unlimited)
                    == ([], false))
            // A byte budget ends a page early, never before its first entry.
            let small = try store.checkpointEntries(session: "s1", actor: "carol", name: "cp", limit: 100, budget: PageBudget(maxBytes: 200))
            #expect(small.entries.count == 3 && small.more)
            #expect(try store.checkpointEntries(session: "s1", actor: "carol", name: "cp", limit: 100, budget: PageBudget(maxBytes: 1)).entries.count == 1)

            #expect(errorCode { _ = try store.checkpointEntries(session: "s1", actor: "carol", name: "nope", limit: 5, budget: .unlimited) } == "not_found")
            #expect(errorCode { _ = try store.checkpointEntries(session: "s1", actor: "erin", name: "cp", limit: 5, budget: .unlimited) } == "not_member")
        }
    }
}
