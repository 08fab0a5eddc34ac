import Foundation
import Testing
import TandemJSON
@testable import TandemStore

@Suite struct StateRowTests {
    @Test func writeOnCurrentBaseApplies() throws {
        try withStore { store in
            try makeSession(store)
            let first = try store.writeRow(session: "s1", actor: "bob", key: "doc", value: ["title": "A"], baseVersion: 0)
            guard case .applied(let row, let seq) = first else { Issue.record("\(first)"); return }
            #expect(row.version == 1 && row.author == "bob" && !row.merged && seq == 4) // after 3 member events
            let second = try store.writeRow(session: "s1", actor: "alice", key: "doc", value: ["title": "B"], baseVersion: 1)
            #expect(second.row?.version == 2)
            #expect(try store.stateRow(session: "s1", actor: "dave", key: "doc")?.value == ["title": "B"])
            #expect(try store.stateHistory(session: "s1", actor: "dave", key: "doc").map(\.version) == [1, 2])
            #expect(try store.stateRow(session: "s1", actor: "dave", key: "doc", version: 1)?.value == ["title": "A"])
            #expect(try store.stateRow(session: "s1", actor: "dave", key: "doc", version: 3) == nil)
            #expect(try store.stateRows(session: "s1", actor: "dave").map(\.key) == ["doc"])
            #expect(try store.stateRow(session: "s1", actor: "dave", key: "none") == nil)
        }
    }

    @Test func olderBaseMergesThreeWayUsingHistory() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "doc", value: ["title": "A", "body": "x"], baseVersion: 0)
            _ = try store.writeRow(session: "s1", actor: "alice", key: "doc", value: ["title": "A2", "body": "x"], baseVersion: 1)
            // bob still on version 1 changes a different key: merged.
            let result = try store.writeRow(session: "s1", actor: "bob", key: "doc", value: ["title": "A", "body": "y"], baseVersion: 1)
            guard case .merged(let row, _) = result else { Issue.record("\(result)"); return }
            #expect(row.value == ["title": "A2", "body": "y"] && row.version == 3 && row.merged)
            #expect(try store.stateRow(session: "s1", actor: "bob", key: "doc") == row)
            #expect(try store.stateHistory(session: "s1", actor: "bob", key: "doc").map(\.merged) == [false, false, true])
        }
    }

    @Test func conflictWritesNothingAndReportsEveryPath() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "doc", value: ["title": "A", "n": 1], baseVersion: 0)
            _ = try store.writeRow(session: "s1", actor: "alice", key: "doc", value: ["title": "B", "n": 2], baseVersion: 1)
            let before = try tableCounts(store)
            let result = try store.writeRow(session: "s1", actor: "bob", key: "doc", value: ["title": "C", "n": 3], baseVersion: 1)
            guard case .conflict(let key, let current, let conflicts, let row, let merged) = result else { Issue.record("\(result)"); return }
            #expect(key == "doc" && current == 2)
            // Both paths conflict: what merged is current's value whole.
            #expect(merged == ["title": "B", "n": 2])
            // The row the conflicts describe comes with them (read afterwards, it could be a later version).
            #expect(row?.version == 2 && row?.value == ["title": "B", "n": 2] && row?.author == "alice")
            #expect(conflicts.map(\.path) == [["n"], ["title"]])
            #expect(conflicts.first { $0.path == ["title"] }.map { [$0.base, $0.current, $0.proposed] } == ["A", "B", "C"])
            var after = try tableCounts(store)
            after["contributions"] = before["contributions"] // the conflict counter is the one thing that moved
            #expect(after == before)
            #expect(try store.stateRow(session: "s1", actor: "bob", key: "doc")?.version == 2)
            // Resolve by writing on the current version.
            #expect(try store.writeRow(session: "s1", actor: "bob", key: "doc", value: ["title": "C", "n": 3], baseVersion: 2).row?.version == 3)
            let bob = try store.contributions(session: "s1", actor: "alice").first { $0.userID == "bob" }?.counts
            #expect(bob == ContributionCounts(rowWrites: 2, conflicts: 1))
        }
    }

    @Test func badRowWritesAreTypedAndChangeNothing() throws {
        try withStore(configure: { $0.maxRowValueBytes = 64 }) { store in
            try makeSession(store)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "k", value: 1, baseVersion: 0)
            let before = try tableCounts(store)
            #expect(errorCode { _ = try store.writeRow(session: "s1", actor: "bob", key: "k", json: "{\"a\":", baseVersion: 1) } == "invalid_json")
            #expect(errorCode { _ = try store.writeRow(session: "s1", actor: "bob", key: "k", value: .string(String(repeating: "z", count: 100)), baseVersion: 1) } == "too_large")
            #expect(errorCode { _ = try store.writeRow(session: "s1", actor: "bob", key: "k", value: 2, baseVersion: 7) } == "invalid_argument")
            #expect(errorCode { _ = try store.writeRow(session: "s1", actor: "bob", key: "", value: 2, baseVersion: 1) } == "invalid_argument")
            #expect(errorCode { _ = try store.writeRow(session: "s1", actor: "carol", key: "k", value: 2, baseVersion: 1) } == "forbidden")
            #expect(errorCode { _ = try store.writeRow(session: "zz", actor: "bob", key: "k", value: 2, baseVersion: 1) } == "not_found")
            #expect(try tableCounts(store) == before)
            #expect(try store.writeRow(session: "s1", actor: "bob", key: "k", json: "[1, 2]", baseVersion: 1).row?.value == [1, 2])
        }
    }
}

@Suite struct ChangeLogTests {
    @Test func everyChangeHasTheNextEventSeqAndRecoveryIsExact() throws {
        try withStore { store in
            try makeSession(store)
            var seqs: [Int64] = []
            seqs.append(try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "a")).eventSeq)
            seqs.append(try store.writeRow(session: "s1", actor: "bob", key: "k", value: 1, baseVersion: 0).row.map { _ in 0 } ?? -1)
            seqs.append(try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "b"), NewTurn(role: .user, content: "c")]).eventSeq)
            seqs.append(try store.undoLastTurn(session: "s1", actor: "bob").eventSeq)
            seqs.append(try store.updateSession(id: "s1", actor: "alice", title: "T").eventSeq)
            let all = try store.changes(session: "s1", actor: "dave", since: 0)
            // makeSession's three member events come first.
            #expect(all.events.map(\.eventSeq) == Array(1...9))
            #expect(all.lastEventSeq == 9)
            #expect(all.events.map(\.kind) == [.member, .member, .member, .turn, .state, .turn, .turn, .undo, .session])
            #expect(all.events[3].turn?.content == "a")
            #expect(all.events[4].row?.value == 1 && all.events[4].row?.version == 1)
            #expect(all.events[7].turnSeq == 3)
            #expect(seqs[0] == 4 && seqs[2] == 7 && seqs[3] == 8 && seqs[4] == 9)
            // Resuming from any point gives exactly the rest.
            for k in 0...9 {
                #expect(try store.changes(session: "s1", actor: "dave", since: Int64(k)).events.map(\.eventSeq) == Array(all.events.map(\.eventSeq).dropFirst(k)))
            }
            #expect(try store.changes(session: "s1", actor: "dave", since: 2, limit: 3).events.map(\.eventSeq) == [3, 4, 5])
            #expect(errorCode { _ = try store.changes(session: "s1", actor: "erin", since: 0) } == "not_member")
        }
    }

    /// Each write is within the limit, but a merge adds both sides' parts: the merged value is held
    /// to the same limit (six 200-KiB fields merged on one base made a 1.2 MB row).
    @Test func aMergedValueIsHeldToTheRowLimit() throws {
        try withStore(configure: { $0.maxRowValueBytes = 100 }) { store in
            try makeSession(store)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "k", value: [:], baseVersion: 0)
            let part = String(repeating: "x", count: 45)
            let first = try store.writeRow(session: "s1", actor: "bob", key: "k", value: ["a": .string(part)], baseVersion: 1)
            #expect(first.row?.version == 2)
            let before = try tableCounts(store)
            // On base 1: merged with "a", it would be {"a":...,"b":...}, over 100 bytes.
            #expect(errorCode { _ = try store.writeRow(session: "s1", actor: "bob", key: "k", value: ["b": .string(part)], baseVersion: 1) } == "too_large")
            #expect(try tableCounts(store) == before)
            #expect(try store.writeRow(session: "s1", actor: "bob", key: "k", value: ["b": "short"], baseVersion: 1).row?.merged == true)
        }
    }

    /// Two rows whose keys differ only in Unicode normalization could not be told apart by a
    /// checkpoint (its rows are a JSON object by key): restoring one gave the other's version.
    @Test func aKeyThatRespellsAnotherIsRefused() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "caf\u{e9}", value: 1, baseVersion: 0)
            #expect(errorCode { _ = try store.writeRow(session: "s1", actor: "bob", key: "cafe\u{301}", value: 2, baseVersion: 0) } == "invalid_argument")
            #expect(try store.writeRow(session: "s1", actor: "bob", key: "caf\u{e9}", value: 3, baseVersion: 1).row?.version == 2)
            #expect(try store.writeRow(session: "s1", actor: "bob", key: "cafe", value: 4, baseVersion: 0).row?.version == 1)
            #expect(try store.stateRows(session: "s1", actor: "bob").map(\.key) == ["cafe", "caf\u{e9}"])
        }
    }
}
