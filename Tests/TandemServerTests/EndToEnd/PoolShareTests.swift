import Dispatch
import Foundation
import TandemJSON
import Testing

extension EndToEnd {
    /// Requests other than `turn.post` run on the work pool. One user's requests that block there
    /// (writes waiting for the writer, joins waiting for each other on a long session's fan-out lock)
    /// must not take every thread: another user's read is answered meanwhile.
    @Suite("Work pool shared between users") struct PoolShareTests {
        @Test("one user's blocked writes hold at most half the work threads; another user's read answers meanwhile")
        func anotherUsersReadAnswersWhileOneUsersWritesWait() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let heavy = try harness.user("heavy"), small = try harness.user("small")
            try harness.session("s-heavy", owner: heavy)
            try harness.session("s-small", owner: small)
            let fleet = try harness.connect(heavy, label: "heavy")
            let mine = try harness.connect(small, label: "small")

            // Hold the writer: every write waits on its work thread until the gate opens.
            let holding = DispatchSemaphore(value: 0), gate = DispatchSemaphore(value: 0)
            harness.store.writer.submit({ _ in holding.signal(); gate.wait() }, completion: { _ in })
            holding.wait()
            // Opened below; also when a check throws first (the harness's stop waits for the writer).
            defer { gate.signal() }
            // More writes than the pool has threads (max(4, 4 per core)).
            let poolThreads = max(4, ProcessInfo.processInfo.activeProcessorCount * 4)
            var puts: [Int64] = []
            for n in 0..<poolThreads + 4 {
                puts.append(try fleet.send("state.put", ["session": "s-heavy", "key": .string("k\(n)"), "value": .integer(Int64(n)), "base": 0]))
            }
            _ = fleet.pump(timeout: 0.3)
            #expect(fleet.answerCounts.isEmpty, "no write is answered while the writer is held")
            // The small team's read needs a work thread and a reader, not the writer.
            let answer = try? mine.request("history", ["session": "s-small", "last": 10], timeout: 5)
            #expect(answer?["ok"] == .bool(true), "another user's read got no answer while one user's writes waited: \(String(describing: answer))")

            gate.signal()
            for id in puts {
                #expect(try fleet.response(to: id, timeout: 20)["ok"] == .bool(true))
            }
        }
    }
}
