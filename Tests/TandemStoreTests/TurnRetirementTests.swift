import Foundation
import Testing
import TandemJSON
@testable import TandemStore

/// Clears and checkpoint restores record how far they reached (`TurnRetirements`) instead of
/// rewriting every live turn; these check that every reader, and every operation that picks live
/// turns, sees the turns they reached as cleared or rewound, and only those.
@Suite struct TurnRetirementTests {
    private func storedStates(_ store: Store, session: String = "s1") throws -> [Int64] {
        try store.read { db throws(StoreError) in
            try db.query("SELECT t.state FROM turns t JOIN sessions s ON s.sid = t.sid WHERE s.id = ? ORDER BY t.seq",
                         [.text(session)]) { $0.int(0) }
        }
    }

    private func post(_ store: Store, _ contents: [String], session: String = "s1") throws {
        _ = try store.appendTurns(session: session, actor: "bob", contents.map { NewTurn(role: .user, content: $0) })
    }

    @Test func aClearWritesNoTurnAndEveryReaderSeesItsTurnsCleared() throws {
        try withStore { store in
            try makeSession(store)
            try post(store, (1...3000).map { "walrus \($0)" })
            _ = try store.undoLastTurn(session: "s1", actor: "bob") // 3000 undone before the clear
            let cleared = try store.clearTurns(session: "s1", actor: "alice")
            #expect(cleared.clearedThrough == 3000)
            // One row written: the turns keep their stored states.
            let stored = try storedStates(store)
            #expect(stored.filter { $0 == 0 }.count == 2999 && stored.last == 1)

            let last = try store.lastTurns(session: "s1", actor: "dave", count: 3).map(\.state)
            #expect(last == [.cleared, .cleared, .undone])
            #expect(try store.turns(session: "s1", actor: "dave", since: 0, limit: 5000).allSatisfy { $0.state != .live })
            #expect(try store.turns(session: "s1", actor: "dave", range: 10...12).map(\.state) == [.cleared, .cleared, .cleared])
            let replay = try store.changes(session: "s1", actor: "dave", since: 0, limit: 5000).events.compactMap(\.turn)
            #expect(replay.count == 3000 && replay.filter { $0.state == .cleared }.count == 2999)
            #expect(errorCode { _ = try store.undoLastTurn(session: "s1", actor: "alice") } == "invalid_state")
            try store.catchUpSearchIndex()
            #expect(try store.search("walrus").compactMap(\.turnSeq).isEmpty)

            // Turns after the clear are live, and undo finds them, not the cleared ones.
            try post(store, ["walrus after"])
            #expect(try store.lastTurns(session: "s1", actor: "dave", count: 2).map(\.state) == [.undone, .live])
            try store.catchUpSearchIndex()
            #expect(try store.search("walrus").compactMap(\.turnSeq) == [3001])
            #expect(try store.undoLastTurn(session: "s1", actor: "bob").turn.seq == 3001)
            #expect(errorCode { _ = try store.undoLastTurn(session: "s1", actor: "bob") } == "invalid_state")
        }
    }

    @Test func aRetriedPostAfterAClearGetsTheOriginalAsItReadsNow() throws {
        try withStore { store in
            try makeSession(store)
            let first = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "once", nonce: "n-1")])
            _ = try store.clearTurns(session: "s1", actor: "alice")
            let again = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "once", nonce: "n-1")])
            #expect(again.duplicate && again.turns.map(\.seq) == first.turns.map(\.seq))
            #expect(again.turns.map(\.state) == [.cleared])
        }
    }

    @Test func aSecondClearReachesOnlyFurtherAndStatesSurviveARestart() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        do {
            let store = try Store(path: dir.dbPath)
            defer { store.close() }
            try createTestUsers(store)
            try makeSession(store)
            try post(store, ["a", "b"])
            _ = try store.clearTurns(session: "s1", actor: "alice")
            try post(store, ["c", "d"])
            #expect(try store.clearTurns(session: "s1", actor: "alice").clearedThrough == 4)
            try post(store, ["e"])
        }
        let store = try Store(path: dir.dbPath)
        defer { store.close() }
        #expect(try store.lastTurns(session: "s1", actor: "dave", count: 10).map(\.state) == [.cleared, .cleared, .cleared, .cleared, .live])
    }

    @Test func aClearAfterARestoreLeavesRewoundTurnsRewound() throws {
        try withStore { store in
            try makeSession(store)
            try post(store, ["1", "2"])
            _ = try store.saveCheckpoint(session: "s1", actor: "alice", name: "early")
            try post(store, ["3", "4"])
            _ = try store.clearTurns(session: "s1", actor: "alice")
            // Its turns are cleared: restoring it would bring back its rows without them.
            #expect(errorCode { _ = try store.restoreCheckpoint(session: "s1", actor: "alice", name: "early") } == "stale_checkpoint")
            try post(store, ["5", "6"])
            _ = try store.saveCheckpoint(session: "s1", actor: "alice", name: "late")
            try post(store, ["7"])
            #expect(try store.restoreCheckpoint(session: "s1", actor: "alice", name: "late").rewoundThrough == 7)
            #expect(try store.lastTurns(session: "s1", actor: "dave", count: 10).map(\.state)
                    == [.cleared, .cleared, .cleared, .cleared, .live, .live, .rewound])
            #expect(try storedStates(store) == [0, 0, 0, 0, 0, 0, 0])
            // The same checkpoint again: it still holds all its turns.
            try post(store, ["8"])
            #expect(try store.restoreCheckpoint(session: "s1", actor: "alice", name: "late").rewoundThrough == 8)
            // A later clear leaves the rewound turns rewound and reaches the others.
            _ = try store.clearTurns(session: "s1", actor: "alice")
            #expect(try store.lastTurns(session: "s1", actor: "dave", count: 10).map(\.state)
                    == [.cleared, .cleared, .cleared, .cleared, .cleared, .cleared, .rewound, .rewound])
            #expect(errorCode { _ = try store.restoreCheckpoint(session: "s1", actor: "alice", name: "late") } == "stale_checkpoint")
        }
    }

    @Test func aClearOrRestoreThatRetiresNoTurnACheckpointHoldsLeavesItRestorable() throws {
        try withStore { store in
            // Its only turn was cleared before it was saved; a second clear finds nothing to clear.
            try makeSession(store)
            try post(store, ["t1"])
            _ = try store.clearTurns(session: "s1", actor: "alice")
            _ = try store.writeRow(session: "s1", actor: "bob", key: "cfg", value: ["v": 1], baseVersion: 0)
            _ = try store.saveCheckpoint(session: "s1", actor: "alice", name: "good")
            _ = try store.writeRow(session: "s1", actor: "bob", key: "cfg", value: ["v": 2], baseVersion: 1)
            let head = try store.changes(session: "s1", actor: "alice", since: 0).lastEventSeq
            let before = try tableCounts(store)
            let again = try store.clearTurns(session: "s1", actor: "alice")
            #expect(again.clearedThrough == 0 && again.eventSeq == head)
            #expect(try tableCounts(store) == before)
            #expect(try store.restoreCheckpoint(session: "s1", actor: "alice", name: "good").rows.map(\.value) == [["v": 1]])

            // Its only turn was undone after it was saved: the clear after that has nothing to clear.
            try makeSession(store, id: "s2")
            try post(store, ["t1"], session: "s2")
            _ = try store.saveCheckpoint(session: "s2", actor: "alice", name: "c")
            _ = try store.undoLastTurn(session: "s2", actor: "alice")
            _ = try store.clearTurns(session: "s2", actor: "alice")
            #expect(try store.restoreCheckpoint(session: "s2", actor: "alice", name: "c").rewoundThrough == 1)

            // A clear that retires only turns after it.
            try makeSession(store, id: "s3")
            try post(store, ["t1"], session: "s3")
            _ = try store.undoLastTurn(session: "s3", actor: "alice")
            _ = try store.saveCheckpoint(session: "s3", actor: "alice", name: "c")
            try post(store, ["t2"], session: "s3")
            #expect(try store.clearTurns(session: "s3", actor: "alice").clearedThrough == 2)
            #expect(try store.restoreCheckpoint(session: "s3", actor: "alice", name: "c").rewoundThrough == 2)
            #expect(try store.lastTurns(session: "s3", actor: "dave", count: 2).map(\.state) == [.undone, .cleared])

            // A restore to an earlier point that rewinds none of a later checkpoint's turns.
            try makeSession(store, id: "s4")
            try post(store, ["t1"], session: "s4")
            _ = try store.saveCheckpoint(session: "s4", actor: "alice", name: "one")
            try post(store, ["t2"], session: "s4")
            _ = try store.undoLastTurn(session: "s4", actor: "alice")
            _ = try store.saveCheckpoint(session: "s4", actor: "alice", name: "two")
            _ = try store.restoreCheckpoint(session: "s4", actor: "alice", name: "one")
            _ = try store.restoreCheckpoint(session: "s4", actor: "alice", name: "two")
            // A clear that does retire one of its turns still makes it stale.
            try post(store, ["t3"], session: "s4")
            _ = try store.undoLastTurn(session: "s4", actor: "alice")
            _ = try store.clearTurns(session: "s4", actor: "alice")
            #expect(errorCode { _ = try store.restoreCheckpoint(session: "s4", actor: "alice", name: "two") } == "stale_checkpoint")
        }
    }

    @Test func aRowChangedAndChangedBackIsLeftAloneByARestore() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "c", value: "c1", baseVersion: 0)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "d", value: "d1", baseVersion: 0)
            _ = try store.saveCheckpoint(session: "s1", actor: "alice", name: "cp")
            _ = try store.writeRow(session: "s1", actor: "bob", key: "c", value: "c2", baseVersion: 1)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "c", value: "c1", baseVersion: 2)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "d", value: "d2", baseVersion: 1)
            #expect(try store.restoreCheckpoint(session: "s1", actor: "alice", name: "cp").rows.map { "\($0.key)@\($0.version)" } == ["d@3"])
            #expect(try store.stateRow(session: "s1", actor: "alice", key: "c")?.version == 3)
        }
    }

    @Test func aRestoreToAnEarlierPointMakesLaterCheckpointsStale() throws {
        try withStore { store in
            try makeSession(store)
            try post(store, ["1"])
            _ = try store.saveCheckpoint(session: "s1", actor: "alice", name: "one")
            try post(store, ["2"])
            _ = try store.saveCheckpoint(session: "s1", actor: "alice", name: "two")
            try post(store, ["3"])
            _ = try store.saveCheckpoint(session: "s1", actor: "alice", name: "three")
            _ = try store.restoreCheckpoint(session: "s1", actor: "alice", name: "two")
            // "three" holds turn 3, which the restore rewound; "one" lies before it; "two" is where we are.
            #expect(errorCode { _ = try store.restoreCheckpoint(session: "s1", actor: "alice", name: "three") } == "stale_checkpoint")
            _ = try store.restoreCheckpoint(session: "s1", actor: "alice", name: "two")
            _ = try store.restoreCheckpoint(session: "s1", actor: "alice", name: "one")
            #expect(errorCode { _ = try store.restoreCheckpoint(session: "s1", actor: "alice", name: "two") } == "stale_checkpoint")
            // An undo is not a reason: a checkpoint saved before it restores, and the undone turn stays undone.
            try post(store, ["4", "5"])
            _ = try store.saveCheckpoint(session: "s1", actor: "alice", name: "five")
            _ = try store.undoLastTurn(session: "s1", actor: "alice")
            _ = try store.restoreCheckpoint(session: "s1", actor: "alice", name: "five")
            #expect(try store.lastTurns(session: "s1", actor: "dave", count: 2).map(\.state) == [.live, .undone])
        }
    }

    @Test func exportCarriesTheStatesReadersSeeAndAnImportKeepsThem() throws {
        try withStore { store in
            try makeSession(store)
            try post(store, ["x", "y"])
            _ = try store.clearTurns(session: "s1", actor: "alice")
            try post(store, ["z"])
            let document = try store.exportSession(id: "s1", actor: "alice")
            guard case .array(let turns)? = document["turns"] else { Issue.record("no turns"); return }
            #expect(turns.map { $0["state"] } == [.integer(2), .integer(2), .integer(0)])
            _ = try store.importSession(document, asID: "copy")
            #expect(try store.lastTurns(session: "copy", actor: "alice", count: 5).map(\.state) == [.cleared, .cleared, .live])
            #expect(try storedStates(store, session: "copy") == [2, 2, 0])
        }
    }

    @Test func aBranchTakesTheSourcesClearAndMergesOnlyItsOwnLiveTurns() throws {
        try withStore { store in
            try makeSession(store)
            try post(store, ["p1", "p2", "p3"])
            _ = try store.clearTurns(session: "s1", actor: "alice")
            let branch = try store.createBranch(session: "s1", actor: "alice", atSeq: 2, id: "b1")
            #expect(try store.lastTurns(session: branch.id, actor: "alice", count: 5).map(\.state) == [.cleared, .cleared])
            try post(store, ["b3", "b4"], session: "b1")
            _ = try store.clearTurns(session: "b1", actor: "alice")
            try post(store, ["b5"], session: "b1")
            guard case .merged(let summary) = try store.mergeBranch(branch: "b1", actor: "alice") else {
                Issue.record("merge reported a conflict"); return
            }
            let turns = try mergedTurns(store, parent: "s1", summary)
            #expect(turns.map(\.content) == ["b5"] && turns.map(\.seq) == [4] && summary.firstSeq == 4)
            #expect(try store.lastTurns(session: "s1", actor: "dave", count: 1).map(\.state) == [.live])
        }
    }

    @Test func turnsClearedBeforeTheMigrationStayCleared() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        do {
            // A database as version 6 left it: a clear had rewritten the turns' states.
            let db = try legacyDatabase(at: dir.dbPath, version: 6, title: "Old", lastTurn: 3, lastEvent: 4)
            for (seq, state) in [(1, 2), (2, 2), (3, 0)] {
                try db.run("INSERT INTO turns(sid, seq, role, author, content, created_at, state, event_seq) VALUES (1,?,'user','alice','t',1,?,?)",
                           [.int(seq), .int(state), .int(seq)])
            }
        }
        let store = try Store(path: dir.dbPath)
        defer { store.close() }
        #expect(try store.lastTurns(session: "old", actor: "alice", count: 5).map(\.state) == [.cleared, .cleared, .live])
        #expect(try store.undoLastTurn(session: "old", actor: "alice").turn.seq == 3)
        // Nothing live is left: the clear has nothing to do.
        #expect(try store.clearTurns(session: "old", actor: "alice").clearedThrough == 0)
        #expect(try store.lastTurns(session: "old", actor: "alice", count: 5).map(\.state) == [.cleared, .cleared, .undone])
    }

    /// Random undo, clear, checkpoint save and restore, and posts, against a model that changes
    /// every turn's state at once as the operations did before retirements: every reader agrees.
    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func randomRetirementsMatchEagerStates(seed: UInt64) throws {
        try withStore { store in
            try makeSession(store)
            var rng = SeededRandom(seed: seed)
            var model: [TurnState] = [] // index seq - 1
            var checkpoints: [(name: String, seq: Int, stale: Bool)] = []
            for step in 0..<120 {
                switch Int.random(in: 0..<10, using: &rng) {
                case 0..<4:
                    let n = Int.random(in: 1...4, using: &rng)
                    try post(store, (0..<n).map { "turn \(step).\($0)" })
                    model += Array(repeating: .live, count: n)
                case 4, 5:
                    if let last = model.lastIndex(of: .live) {
                        #expect(try store.undoLastTurn(session: "s1", actor: "alice").turn.seq == Int64(last + 1))
                        model[last] = .undone
                    } else {
                        #expect(errorCode { _ = try store.undoLastTurn(session: "s1", actor: "alice") } == "invalid_state")
                    }
                case 6:
                    let cleared = try store.clearTurns(session: "s1", actor: "alice").clearedThrough
                    #expect(cleared == (model.contains(.live) ? Int64(model.count) : 0))
                    // Stale: the checkpoints holding a turn this clear retired.
                    for i in checkpoints.indices where model[..<checkpoints[i].seq].contains(.live) { checkpoints[i].stale = true }
                    model = model.map { $0 == .live ? .cleared : $0 }
                case 7:
                    let name = "cp\(step)"
                    _ = try store.saveCheckpoint(session: "s1", actor: "alice", name: name)
                    checkpoints.append((name, model.count, false))
                default:
                    guard let cp = checkpoints.randomElement(using: &rng) else { continue }
                    if cp.stale {
                        #expect(errorCode { _ = try store.restoreCheckpoint(session: "s1", actor: "alice", name: cp.name) } == "stale_checkpoint")
                        continue
                    }
                    _ = try store.restoreCheckpoint(session: "s1", actor: "alice", name: cp.name)
                    for i in checkpoints.indices where checkpoints[i].seq > cp.seq && model[cp.seq..<checkpoints[i].seq].contains(.live) {
                        checkpoints[i].stale = true
                    }
                    for i in cp.seq..<model.count where model[i] == .live { model[i] = .rewound }
                }
            }
            // One letter a turn (l, u, c, r): a failure prints a readable line.
            func letters(_ states: [TurnState]) -> String { String(states.map { $0.name.first! }) }
            let expected = letters(model)
            #expect(letters(try store.turns(session: "s1", actor: "dave", since: 0, limit: 1000).map(\.state)) == expected)
            let replayed = try store.changes(session: "s1", actor: "dave", since: 0, limit: 10_000).events.compactMap(\.turn)
            #expect(letters(replayed.map(\.state)) == expected)
            guard case .array(let exported)? = try store.exportSession(id: "s1", actor: "alice")["turns"] else { Issue.record("no turns"); return }
            #expect(letters(exported.compactMap { $0["state"]?.intValue.flatMap(TurnState.init(rawValue:)) }) == expected)
            try store.catchUpSearchIndex()
            let found = Set(try store.search("turn", limit: 1000).compactMap(\.turnSeq))
            #expect(found == Set(model.indices.filter { model[$0] == .live }.map { Int64($0 + 1) }))
            let branch = try store.createBranch(session: "s1", actor: "alice", id: "b\(seed)")
            #expect(letters(try store.turns(session: branch.id, actor: "alice", since: 0, limit: 1000).map(\.state)) == expected)
        }
    }
}
