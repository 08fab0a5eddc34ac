import Foundation
import Synchronization
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// `branch.merge`'s answer over the wire stays small however big the merge: `rows` names the
    /// first 1,000 merged keys and `rows_total` counts them all; `conflicts` lists at most 1,000
    /// keys and `conflicts_more` says when more conflict (absent otherwise).
    @Suite("Merge answer bounds") struct MergeAnswerBoundsTests {
        private static func key(_ n: Int) -> String { "k" + String(String(n + 100_000).dropFirst()) }

        /// Writes `keys` in `session` as `actor`, at once (one group commit).
        private static func write(_ store: Store, _ session: String, _ keys: [String], value: JSONValue, baseVersion: Int64) {
            let group = DispatchGroup()
            let failures = Mutex(0)
            for key in keys {
                group.enter()
                store.writeRow(session: session, actor: "alice", key: key, value: value, baseVersion: baseVersion) { result in
                    if case .failure = result { failures.withLock { $0 += 1 } }
                    group.leave()
                }
            }
            group.wait()
            #expect(failures.withLock { $0 } == 0)
        }

        @Test("a merge of 1,500 rows in steps answers the first 1,000 keys and rows_total 1,500")
        func aBigMergeAnswersTheFirstKeysAndTheTotal() throws {
            let harness = try TestServer { $0.writeStepRecords = 100 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("main", owner: alice)
            _ = try harness.store.createBranch(session: "main", actor: "alice", id: "big")
            Self.write(harness.store, "big", (0..<1_500).reversed().map(Self.key), value: ["v": 1], baseVersion: 0)
            let owner = try harness.connect(alice)
            let merged = try owner.ok("branch.merge", ["session": "big"], timeout: 60)
            #expect(merged["merged"] == true)
            #expect(merged["rows_total"] == .integer(1_500))
            #expect(merged["rows"]?.arrayValue?.compactMap(\.stringValue) == (0..<1_000).map(Self.key))
            #expect(merged["conflicts_more"] == nil)
        }

        @Test("1,001 conflicting keys: the first 1,000 are listed and conflicts_more is true; one: no conflicts_more")
        func moreConflictsThanListedAreSaid() throws {
            let harness = try TestServer { $0.writeStepRecords = 100 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("main", owner: alice)
            let store = harness.store
            let keys = (0..<1_001).map(Self.key)
            Self.write(store, "main", keys, value: ["v": 0], baseVersion: 0)
            _ = try store.createBranch(session: "main", actor: "alice", id: "many")
            _ = try store.createBranch(session: "main", actor: "alice", id: "one")
            Self.write(store, "many", keys, value: ["v": 2], baseVersion: 1)
            Self.write(store, "one", [keys[0]], value: ["v": 2], baseVersion: 1)
            Self.write(store, "main", keys, value: ["v": 1], baseVersion: 1)
            let owner = try harness.connect(alice)

            let many = try owner.ok("branch.merge", ["session": "many"], timeout: 60)
            #expect(many["merged"] == false && many["conflicts_more"] == true && many["rows_total"] == .integer(0))
            #expect(many["conflicts"]?.arrayValue?.compactMap { $0["key"]?.stringValue } == Array(keys.prefix(1_000)))

            let one = try owner.ok("branch.merge", ["session": "one"])
            #expect(one["merged"] == false && one["conflicts"]?.arrayValue?.count == 1)
            #expect(one["conflicts_more"] == nil) // absent when every conflict is listed
        }
    }
}
