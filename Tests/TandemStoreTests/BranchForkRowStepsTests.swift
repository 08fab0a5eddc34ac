import Foundation
import Testing
import TandemJSON
@testable import TandemStore

/// A fork's rows copied in steps (`BranchForkRowSteps`): the same branch as the one-job copy,
/// the source's rows at the fork's mark even when the source is edited during the copy, hidden
/// until published, and nothing left of a fork whose process died half-way.
@Suite struct BranchForkRowStepsTests {
    /// Writes `value` over whatever version `key` has.
    private func put(_ store: Store, _ session: String, _ actor: String, _ key: String, _ value: JSONValue) throws {
        let base = try store.stateRow(session: session, actor: actor, key: key)?.version ?? 0
        _ = try store.writeRow(session: session, actor: actor, key: key, value: value, baseVersion: base)
    }

    /// Everything of a session's rows a member or a merge can see, `created_at` and comment ids (each
    /// copy's own) aside.
    private func rowDump(_ store: Store, _ id: String) throws -> [String] {
        try store.read { (db) throws(StoreError) -> [String] in
            guard let sid = try db.scalar("SELECT sid FROM sessions WHERE id = ?", [.text(id)]) else { return ["missing"] }
            var out = try db.query("SELECT key, version, value, author, merged, nfc_key FROM state_rows WHERE sid = ? ORDER BY key",
                                   [.integer(sid)]) { "row \($0.text(0)) v\($0.int(1)) \($0.text(2)) \($0.text(3)) \($0.int(4)) \($0.optionalText(5) ?? "-")" }
            out += try db.query("SELECT key, version, value, author, merged FROM state_history WHERE sid = ? ORDER BY key, version",
                                [.integer(sid)]) { "hist \($0.text(0)) v\($0.int(1)) \($0.text(2)) \($0.text(3)) \($0.int(4))" }
            out += try db.query("SELECT seq, kind, actor, row_key, row_version, turn_seq, json_remove(data, '$.id') FROM events WHERE sid = ? ORDER BY seq",
                                [.integer(sid)]) { "event \($0.int(0)) \($0.text(1)) \($0.optionalText(2) ?? "-") \($0.optionalText(3) ?? "-") \($0.optionalInt(4) ?? -1) \($0.optionalInt(5) ?? -1) \($0.optionalText(6) ?? "-")" }
            out += try db.query("SELECT fork_rows, last_event_seq, fork_event_seq, last_turn_seq FROM sessions WHERE sid = ?",
                                [.integer(sid)]) { "session \($0.optionalText(0) ?? "-") \($0.int(1)) \($0.int(2)) \($0.int(3))" }
            return out
        }
    }

    /// A source built at random: turns, rows written and rewritten between them (keys that sort
    /// differently as bytes and as text included), comments; sometimes itself a branch.
    private func randomSource(_ store: Store, seed: UInt64) throws -> String {
        var rng = SeededRandom(seed: seed)
        try makeSession(store)
        let keys = ["a", "B", "é", "É", "z", "k1", "k10", "k2", "ñ", "Z"]
        for round in 0..<(8 + Int(rng.next() % 8)) {
            for _ in 0..<(rng.next() % 4) {
                try put(store, "s1", rng.next() % 2 == 0 ? "alice" : "bob", keys[Int(rng.next() % UInt64(keys.count))], ["r": .integer(Int64(round))])
            }
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "t\(round)"))
            if rng.next() % 4 == 0 { _ = try store.addComment(session: "s1", actor: "carol", turnSeq: 1, body: "c\(round)") }
        }
        guard rng.next() % 2 == 0 else { return "s1" }
        // A branch of it, edited, as the source: rows its log never saw come from its fork map.
        _ = try store.createBranch(session: "s1", actor: "bob", atSeq: Int64(2 + rng.next() % 4), id: "mid")
        for round in 0..<4 {
            try put(store, "mid", "bob", keys[Int(rng.next() % UInt64(keys.count))], ["m": .integer(Int64(round))])
            _ = try store.appendTurn(session: "mid", actor: "bob", NewTurn(role: .user, content: "m\(round)"))
        }
        return "mid"
    }

    @Test(arguments: 1...12)
    func theStepsCopyWhatTheOneJobCopied(seed: Int) throws {
        try withStore(configure: { $0.importStepRows = 2 }) { store in
            let source = try randomSource(store, seed: UInt64(seed))
            let head = try store.session(id: source).lastTurnSeq
            for (n, at) in [Int64(1), head / 2, head].enumerated() {
                // Reference: the one-job copy (rows in the publishing job) at the same point.
                let plan = try store.write { ctx throws(StoreError) in
                    try BranchCopy.begin(ctx, session: source, actor: "bob", atSeq: at, newID: "one\(n)", title: "t")
                }
                var copied: Int64 = 0
                while true {
                    let done = copied
                    guard let step = try store.write({ ctx throws(StoreError) in
                        try BranchCopy.copy(ctx, plan, after: done, copied: done, rows: 1000)
                    }) else { break }
                    copied += step.count
                }
                _ = try store.write { ctx throws(StoreError) in try BranchCopy.publish(ctx, plan) }
                // And what the one-job code before the steps took: each row's version at the fork.
                let oldVersions = try store.read { (db) throws(StoreError) -> [String: Int64] in
                    let sid = try db.scalar("SELECT sid FROM sessions WHERE id = ?", [.text(source)]) ?? 0
                    if let versions = try BranchForkRows.versions(db, source: sid, at: at) { return versions }
                    var current: [String: Int64] = [:]
                    for (k, v) in try db.query("SELECT key, version FROM state_rows WHERE sid = ?", [.integer(sid)], { ($0.text(0), $0.int(1)) }) { current[k] = v }
                    return current
                }
                let before = store.writer.batches
                _ = try store.createBranch(session: source, actor: "bob", atSeq: at, id: "steps\(n)", title: "t")
                let rows = try store.stateRows(session: "steps\(n)", actor: "bob")
                #expect(store.writer.batches - before >= 2 + rows.count / 2, "rows copied 2 a step")
                let (stepped, oneJob) = (try rowDump(store, "steps\(n)"), try rowDump(store, "one\(n)"))
                #expect(stepped == oneJob, "seed \(seed) at \(at): \(stepped.filter { !oneJob.contains($0) }) vs \(oneJob.filter { !stepped.contains($0) })")
                #expect(Dictionary(uniqueKeysWithValues: rows.map { ($0.key, $0.version) }) == oldVersions, "seed \(seed) at \(at)")
            }
        }
    }

    @Test func editsToTheSourceDuringTheRowStepsDoNotReachTheBranch() throws {
        try withStore { store in
            try makeSession(store)
            for i in 0..<6 { try put(store, "s1", "bob", "k\(i)", ["v": 0]) }
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "t"))
            try put(store, "s1", "bob", "k0", ["v": 1]) // at the head, before the fork: taken
            let expected = try store.stateRows(session: "s1", actor: "bob").map { "\($0.key) \($0.version) \($0.value)" }
            let plan = try store.write { ctx throws(StoreError) in
                try BranchCopy.begin(ctx, session: "s1", actor: "bob", atSeq: nil, newID: "b1", title: nil)
            }
            _ = try store.write { ctx throws(StoreError) in try BranchCopy.copy(ctx, plan, after: 0, copied: 0, rows: 10) }
            try put(store, "s1", "bob", "k1", ["v": 2]) // after the fork, before the versions are read
            try put(store, "s1", "bob", "new", ["v": 2])
            let versions = try BranchForkRowSteps.versions(store, source: plan.sourceSid, mark: plan.rowMark, chunk: 2)
            try put(store, "s1", "bob", "k2", ["v": 3]) // between the reading and the copying
            let rows = try BranchForkRowSteps.copy(store, plan, versions: versions, copiedTurns: 1, rows: 2)
            try put(store, "s1", "bob", "k5", ["v": 4]) // after the row steps, before publishing
            #expect(errorCode { _ = try store.session(id: "b1") } == "not_found") // hidden meanwhile
            _ = try store.write { ctx throws(StoreError) in try BranchCopy.publish(ctx, plan, rows: rows) }
            #expect(try store.stateRows(session: "b1", actor: "bob").map { "\($0.key) \($0.version) \($0.value)" } == expected)
            // The branch's log replays to the same rows, numbered after its turn.
            let events = try store.changes(session: "b1", actor: "bob", since: 0).events
            #expect(events.map(\.eventSeq) == Array(1...Int64(events.count)))
            #expect(try store.session(id: "b1").lastEventSeq == Int64(events.count))
            // Merging the unchanged branch back changes nothing in the parent.
            guard case .merged(let summary) = try store.mergeBranch(branch: "b1", actor: "alice") else {
                Issue.record("conflict"); return
            }
            #expect(summary.turnCount == 0 && summary.firstSeq == nil && summary.lastSeq == nil && summary.rowKeys.isEmpty)
        }
    }

    @Test func aForkWhoseProcessDiesDuringTheRowStepsLeavesNothing() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let clock = TestClock()
        var config = StoreConfiguration(path: dir.dbPath)
        config.clock = { clock.now }
        var before: [String: Int64] = [:]
        do {
            let store = try Store(config)
            defer { store.close() }
            try createTestUsers(store)
            try makeSession(store)
            for i in 0..<9 { try put(store, "s1", "bob", "k\(i)", ["v": .integer(Int64(i))]) }
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "t"))
            before = try tableCounts(store)
            let plan = try store.write { ctx throws(StoreError) in
                try BranchCopy.begin(ctx, session: "s1", actor: "bob", atSeq: nil, newID: "b1", title: nil)
            }
            _ = try store.write { ctx throws(StoreError) in try BranchCopy.copy(ctx, plan, after: 0, copied: 0, rows: 10) }
            // Some of the rows, then the process is gone (the store dropped between steps).
            let versions = try BranchForkRowSteps.versions(store, source: plan.sourceSid, mark: plan.rowMark, chunk: 4)
            _ = try BranchForkRowSteps.copy(store, plan, versions: versions.filter { $0.key < "k4" }, copiedTurns: 1, rows: 2)
            #expect(try tableCounts(store)["state_rows"]! == before["state_rows"]! + 4)
        }
        clock.advance(SessionImport.abandonedAfterMilliseconds + 1_000)
        let store = try Store(config)
        defer { store.close() }
        try store.finishDeletes()
        #expect(try tableCounts(store) == before)
        #expect(errorCode { _ = try store.session(id: "b1") } == "not_found")
    }
}
