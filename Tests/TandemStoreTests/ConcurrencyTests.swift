import Foundation
import Synchronization
import Testing
import TandemJSON
@testable import TandemStore

@Suite struct ConcurrencyTests {
    struct Tally: Equatable {
        var seqs: [Int64] = []
        var counts = ContributionCounts()
        var errors: [String] = []
    }

    @Test func manyThreadsAppendAndWriteTheSameRows() throws {
        try withStore { store in
            try makeSession(store)
            let users = (0..<8).map { "u\($0)" }
            for u in users {
                _ = try store.createUser(id: u, displayName: u)
                try store.setMember(session: "s1", actor: "alice", user: u, role: .write)
            }
            _ = try store.writeRow(session: "s1", actor: "alice", key: "shared", value: [:], baseVersion: 0)
            let tallies = Mutex<[String: Tally]>([:])
            DispatchQueue.concurrentPerform(iterations: users.count) { i in
                let user = users[i]
                var t = Tally()
                for round in 0..<60 {
                    do {
                        if round % 5 == 0 {
                            let r = try store.appendTurns(session: "s1", actor: user, (0..<3).map { NewTurn(role: .user, content: "\(user) \(round) \($0)", tokensIn: 2, tokensOut: 1) })
                            t.seqs += r.turns.map(\.seq)
                            t.counts.turns += 3; t.counts.tokensIn += 6; t.counts.tokensOut += 3
                        } else {
                            let turn = try store.appendTurn(session: "s1", actor: user, NewTurn(role: .assistant, content: "\(user) \(round)", tokensIn: 1))
                            t.seqs.append(turn.seq)
                            t.counts.turns += 1; t.counts.tokensIn += 1
                        }
                        // Disjoint keys of one object: applied or merged, never a conflict. The second
                        // write reuses the first one's (now stale) base, so it always merges.
                        let shared = try #require(try store.stateRow(session: "s1", actor: user, key: "shared"))
                        var value = shared.value.objectValue ?? [:]
                        value[user] = .integer(Int64(round))
                        try tally(store.writeRow(session: "s1", actor: user, key: "shared", value: .object(value), baseVersion: shared.version), into: &t)
                        var second = shared.value.objectValue ?? [:]
                        second[user + "_b"] = .integer(Int64(round))
                        let stale = try store.writeRow(session: "s1", actor: user, key: "shared", value: .object(second), baseVersion: shared.version)
                        if case .merged = stale {} else { t.errors.append("stale write did not merge: \(stale)") }
                        tally(stale, into: &t)
                        // The same key from stale bases: applied, merged (equal change) or conflict.
                        let hot = try store.stateRow(session: "s1", actor: user, key: "hot")
                        try tally(store.writeRow(session: "s1", actor: user, key: "hot", value: ["x": .string("\(user)-\(round)")],
                                                 baseVersion: max(0, (hot?.version ?? 0) - Int64(round % 2))), into: &t)
                    } catch {
                        t.errors.append("\(error)")
                    }
                }
                tallies.withLock { $0[user] = t }
            }
            let all = tallies.withLock { $0 }
            #expect(all.values.allSatisfy { $0.errors.isEmpty }, "\(all.values.flatMap(\.errors).prefix(3))")
            // Each caller saw its own seqs strictly increasing; together they are 1...N with no gap.
            for (_, t) in all { #expect(t.seqs == t.seqs.sorted() && Set(t.seqs).count == t.seqs.count) }
            let allSeqs = all.values.flatMap(\.seqs).sorted()
            #expect(allSeqs == Array(1...Int64(allSeqs.count)))
            let stored = try store.turns(session: "s1", actor: "alice", since: 0, limit: 100_000)
            #expect(stored.map(\.seq) == allSeqs)
            // The change log is dense too.
            let events = try store.changes(session: "s1", actor: "alice", since: 0, limit: 100_000)
            #expect(events.events.map(\.eventSeq) == Array(1...events.lastEventSeq))
            // Contributions equal exactly what each thread did.
            let contributions = Dictionary(uniqueKeysWithValues: try store.contributions(session: "s1", actor: "alice").map { ($0.userID, $0.counts) })
            for (user, t) in all { #expect(contributions[user] == t.counts, "\(user)") }
            // Row versions equal the number of successful writes; the shared object holds every key.
            let writes = all.values.reduce(0) { $0 + $1.counts.rowWrites }
            let shared = try #require(try store.stateRow(session: "s1", actor: "alice", key: "shared"))
            let hot = try #require(try store.stateRow(session: "s1", actor: "alice", key: "hot"))
            #expect(shared.version + hot.version == writes + 1) // + alice's initial write
            #expect(Set(shared.value.objectValue?.keys.map { $0 } ?? []) == Set(users + users.map { $0 + "_b" }))
            #expect(shared.value.objectValue?.values.allSatisfy { $0 == 59 } == true)
            #expect(all.values.reduce(0) { $0 + $1.counts.merges } > 0)
            #expect(try store.read { db throws(StoreError) in try db.integrityCheck() } == ["ok"])
        }
    }

    private func tally(_ result: RowWriteResult, into t: inout Tally) {
        switch result {
        case .applied: t.counts.rowWrites += 1
        case .merged: t.counts.rowWrites += 1; t.counts.merges += 1
        case .conflict: t.counts.conflicts += 1
        }
    }
}
