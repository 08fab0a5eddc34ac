import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// A request the store fails for a reason of its own (here: a session whose turn counter was
    /// lowered behind the server's back, so the next seq is taken) is answered `internal` under a
    /// reference the log has, and fails alone: posts to other sessions committed in the same batch
    /// go through. Posts used to answer "reference 0", log nothing, and take their batch with them.
    /// The log has the first of each error in full and counts the rest (one line per failed
    /// request flooded it when a disk went bad: every request failed the same way).
    @Suite("Internal failures") struct InternalFailureTests {
        @Test func aFailedPostIsLoggedUnderItsReferenceAndFailsAlone() throws {
            let log = CapturedLog()
            let harness = try TestServer(log: log)
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            try harness.session("broken", owner: alice)
            try harness.session("healthy", owner: bob)
            for n in 1...3 { _ = try harness.store.appendTurn(session: "broken", actor: "alice", NewTurn(role: .user, content: "t\(n)")) }
            _ = try harness.store.writer.perform { ctx throws(StoreError) in
                try ctx.db.run("UPDATE sessions SET last_turn_seq = 1 WHERE id = 'broken'")
            }
            let a = try harness.connect(alice)
            let b = try harness.connect(bob)
            // Both pipelined, so that posts of both sessions share commits.
            let aIDs = try (0..<40).map { try a.send("turn.post", ["session": "broken", "content": .string("a\($0)")]) }
            let bIDs = try (0..<40).map { try b.send("turn.post", ["session": "healthy", "content": .string("b\($0)")]) }
            for id in bIDs {
                let answer = try b.response(to: id, timeout: 10)
                #expect(answer["ok"] == .bool(true), "\(answer)")
            }
            var references: [String] = []
            for id in aIDs {
                let answer = try a.response(to: id, timeout: 10)
                #expect(answer["error"]?["code"] == "internal", "\(answer)")
                let message = answer["error"]?["message"]?.stringValue ?? ""
                guard let open = message.range(of: "(reference "), let close = message.range(of: ")", range: open.upperBound..<message.endIndex) else {
                    Issue.record("no reference in \(message)")
                    continue
                }
                references.append(String(message[open.upperBound..<close.lowerBound]))
            }
            #expect(Set(references).count == references.count && !references.contains("0"), "\(references)")
            // Logged once in full, then (when its 10 s window ends) one line with how many more
            // and the first and last reference left out: each answer's reference is in the log.
            let logged = log.all.filter { $0.level == .error && $0.message == "request failed" }
            #expect(logged.count == 1, "\(logged.map(\.metadata))")
            #expect(logged.first?.metadata["op"] == "turn.post")
            let error = logged.first?.metadata["error"] ?? ""
            #expect(error.hasPrefix("sqlite: "), "\(error)")
            #expect(eventually(timeout: 15, every: 0.1) { log.all.contains { $0.message == "internal errors not logged one by one" } })
            let told = log.all.filter { $0.message == "internal errors not logged one by one" }
            #expect(told.count == 1 && told.first?.level == .error, "\(told.map(\.metadata))")
            #expect(told.first?.metadata["error"] == error && told.first?.metadata["count"] == "\(references.count - 1)", "\(told.map(\.metadata))")
            let first = told.first?.metadata["first-reference"].flatMap { UInt64($0) } ?? 0
            let last = told.first?.metadata["last-reference"].flatMap { UInt64($0) } ?? 0
            for reference in references.compactMap({ UInt64($0) }) where "\(reference)" != logged.first?.metadata["reference"] {
                #expect(first <= reference && reference <= last, "reference \(reference) outside \(first)...\(last)")
            }
            #expect(try harness.store.session(id: "healthy", actor: "bob").lastTurnSeq == 40)
        }
    
        /// A flood of one internal error hides no other: a second error, in the same 10 s, is
        /// logged in full too.
        @Test func anotherInternalErrorIsLoggedDespiteAFlood() throws {
            let log = CapturedLog()
            let harness = try TestServer(log: log)
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("broken", owner: alice)
            _ = try harness.store.appendTurn(session: "broken", actor: "alice", NewTurn(role: .user, content: "t1"))
            _ = try harness.store.appendTurn(session: "broken", actor: "alice", NewTurn(role: .user, content: "t2"))
            _ = try harness.store.writer.perform { ctx throws(StoreError) in
                try ctx.db.run("UPDATE sessions SET last_turn_seq = 1 WHERE id = 'broken'")
                try ctx.db.run("DROP TABLE templates") // template.list fails for a reason of its own
            }
            let a = try harness.connect(alice)
            for i in 0..<20 {
                let answer = try a.request("turn.post", ["session": "broken", "content": .string("a\(i)")])
                #expect(answer["error"]?["code"] == "internal", "\(answer)")
            }
            let listed = try a.request("template.list", [:])
            #expect(listed["error"]?["code"] == "internal", "\(listed)")
            let logged = log.all.filter { $0.level == .error && $0.message == "request failed" }
            #expect(logged.map { $0.metadata["op"] } == ["turn.post", "template.list"], "\(logged.map(\.metadata))")
            #expect(logged.last?.metadata["error"]?.contains("templates") == true, "\(logged.map(\.metadata))")
            let reference = listed["error"]?["message"]?.stringValue?.split(separator: " ").last?.dropLast() ?? ""
            #expect(logged.last?.metadata["reference"] == String(reference), "\(listed) \(logged.map(\.metadata))")
        }
    }
}
