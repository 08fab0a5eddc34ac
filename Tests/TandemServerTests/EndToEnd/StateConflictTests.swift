import Foundation
import Synchronization
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// Issue #4: "conflicting state edits from two clients produce one merged or one conflict
    /// answer exactly as the store rules say" (protocol.md, `state.put`).
    @Suite("State conflicts") struct StateConflictTests {
        /// Both clients read version `base`, then send their puts at the same moment.
        private func racePuts(_ a: TandemTestClient, _ b: TandemTestClient, key: String, base: Int64,
                              _ valueA: JSONValue, _ valueB: JSONValue) throws -> [JSONValue] {
            let answers = Locked<[Int: JSONValue]>([:])
            let clients = [a, b]
            let values = [valueA, valueB]
            try Parallel.run(2) { i in
                let answer = try clients[i].ok("state.put", ["session": "s-state", "key": .string(key), "value": values[i], "base": .integer(base)])
                answers.withLock { $0[i] = answer }
            }
            return answers.withLock { [$0[0]!, $0[1]!] }
        }

        @Test("disjoint edits from version 1: one applied, one merged with the union, broadcast with merged: true")
        func disjointEditsMerge() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            try harness.session("s-state", owner: alice, members: [(bob, .write)])
            let a = try harness.connect(alice)
            let b = try harness.connect(bob)
            let initial: JSONValue = ["owner": "carol", "steps": ["draft"], "note": "first"]
            let created = try a.ok("state.put", ["session": "s-state", "key": "plan", "value": initial, "base": 0])
            #expect(created["outcome"] == "applied")
            #expect(try created["row"]?.int("version") == 1)
            try a.ok("session.join", ["session": "s-state"])
            try b.ok("session.join", ["session": "s-state"])
            // Both read version 1.
            for client in [a, b] {
                let rows = try client.ok("state.get", ["session": "s-state", "key": "plan"]).array("rows")
                #expect(rows.count == 1 && rows[0]["version"] == 1 && rows[0]["value"] == initial)
            }
            let fromA: JSONValue = ["owner": "alice", "steps": ["draft"], "note": "first"]
            let fromB: JSONValue = ["owner": "carol", "steps": ["draft"], "note": "second"]
            let answers = try racePuts(a, b, key: "plan", base: 1, fromA, fromB)
            let outcomes = answers.map { $0["outcome"]?.stringValue ?? "?" }.sorted()
            #expect(outcomes == ["applied", "merged"], "\(answers)")
            let union: JSONValue = ["owner": "alice", "steps": ["draft"], "note": "second"]
            guard let applied = answers.first(where: { $0["outcome"] == "applied" }),
                  let merged = answers.first(where: { $0["outcome"] == "merged" }) else { return }
            #expect(try applied["row"]?.int("version") == 2)
            #expect(try merged["row"]?.int("version") == 3)
            #expect(merged["row"]?["value"] == union, "the merge keeps both edits")
            #expect(try merged.int("eseq") == applied.int("eseq") + 1)
            // Both members see version 2 (merged: false), then version 3 (merged: true, the union).
            for client in [a, b] {
                var states: [JSONValue] = []
                while states.count < 2, let event = client.nextEvent(timeout: 5) {
                    if event.eventName == "state" { states.append(event) }
                }
                #expect(states.count == 2, "\(client.label) got \(states)")
                guard states.count == 2 else { continue }
                #expect(states[0]["version"] == 2 && states[0]["merged"] == false)
                #expect(states[1]["version"] == 3 && states[1]["merged"] == true && states[1]["value"] == union)
                #expect(states[1]["key"] == "plan" && states[1]["session"] == "s-state")
                #expect(try states[1].int("eseq") == states[0].int("eseq") + 1)
            }
            // What was stored is what was broadcast.
            let stored = try a.ok("state.get", ["session": "s-state", "key": "plan"]).array("rows")
            #expect(stored.first?["value"] == union && stored.first?["version"] == 3)
        }

        @Test("overlapping edits from the same version: one applied, one conflict with base/current/proposed")
        func overlappingEditsConflict() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            try harness.session("s-state", owner: alice, members: [(bob, .write)])
            let a = try harness.connect(alice)
            let b = try harness.connect(bob)
            try a.ok("state.put", ["session": "s-state", "key": "plan", "value": ["owner": "carol", "size": 1], "base": 0])
            try a.ok("session.join", ["session": "s-state"])
            try b.ok("session.join", ["session": "s-state"])
            let proposals: [JSONValue] = [["owner": "alice", "size": 1], ["owner": "bob", "size": 1]]
            let answers = try racePuts(a, b, key: "plan", base: 1, proposals[0], proposals[1])
            #expect(answers.map { $0["outcome"]?.stringValue ?? "?" }.sorted() == ["applied", "conflict"], "\(answers)")
            guard let winner = answers.firstIndex(where: { $0["outcome"] == "applied" }),
                  let loser = answers.firstIndex(where: { $0["outcome"] == "conflict" }) else { return }
            let conflict = answers[loser]
            let conflicts = try conflict.array("conflicts")
            #expect(conflicts.count == 1)
            #expect(conflicts.first?["path"] == "/owner")
            #expect(conflicts.first?["base"] == "carol")
            #expect(conflicts.first?["current"] == proposals[winner]["owner"])
            #expect(conflicts.first?["proposed"] == proposals[loser]["owner"])
            #expect(conflict["current"]?["version"] == 2 && conflict["current"]?["value"] == proposals[winner])
            #expect(conflict["eseq"] == nil && conflict["row"] == nil, "a conflict writes nothing")
            // Exactly one state event (the applied one); the conflict is not broadcast.
            let marker = try a.ok("turn.post", ["session": "s-state", "content": "marker"])
            let markerEseq = try marker.int("eseq")
            for client in [a, b] {
                var states: [JSONValue] = []
                while let event = client.nextEvent(timeout: 5) {
                    if event.eventName == "state" { states.append(event) }
                    if event.eventName == "turn", event["eseq"]?.intValue == markerEseq { break }
                }
                #expect(states.count == 1 && states.first?["version"] == 2 && states.first?["merged"] == false,
                        "\(client.label) got \(states)")
            }
            // Resolving: put again on the current version is applied.
            let resolved = try [a, b][loser].ok("state.put", ["session": "s-state", "key": "plan", "value": ["owner": "both", "size": 1], "base": 2])
            #expect(resolved["outcome"] == "applied" && resolved["row"]?["version"] == 3)
        }
    }
}
