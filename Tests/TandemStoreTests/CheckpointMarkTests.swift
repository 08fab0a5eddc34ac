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

    /// A small deterministic generator (SplitMix64): a failing sequence can be replayed from its seed.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func randomValue(_ g: inout Generator) -> JSONValue {
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
            var g = Generator(state: seed)
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
        }
    }
}
