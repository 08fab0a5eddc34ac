import Dispatch
import Foundation
import TandemJSON
import Testing
@testable import TandemServer

extension EndToEnd {
    /// One user's big posts must not queue without end in front of everyone else's: past the
    /// user's share of bytes in flight (`PostShares`), all its connections together, a post is
    /// refused at once; another user's post still goes in.
    @Suite("Posts in flight per user") struct PostShareTests {
        /// `share`: the `max-post-bytes-per-user` set (nil: the default; 0: no limit, nothing refused).
        @Test("big posts past the user's share are refused at once while the writer is busy; another user's goes in",
              arguments: [nil, 600 << 10, 0])
        func postsPastTheShareAreRefusedAtOnce(share: Int?) throws {
            let harness = try TestServer { if let share { $0.maxPostBytesPerUser = share } }
            defer { harness.stop() }
            let heavy = try harness.user("heavy"), small = try harness.user("small")
            try harness.session("s-heavy", owner: heavy)
            try harness.session("s-small", owner: small)
            let fleet = [try harness.connect(heavy, label: "heavy-1"), try harness.connect(heavy, label: "heavy-2")]
            let mine = try harness.connect(small, label: "small")

            // Hold the writer: nothing commits (so nothing is answered) until the gate opens.
            let holding = DispatchSemaphore(value: 0), gate = DispatchSemaphore(value: 0)
            harness.store.writer.submit({ _ in holding.signal(); gate.wait() }, completion: { _ in })
            holding.wait()
            // Opened below; also when a check throws first (the harness's stop waits for the writer).
            defer { gate.signal() }

            let content = String(repeating: "x", count: 256 * 1024)
            var sent: [(client: TandemTestClient, id: Int64, bytes: Int)] = []
            for n in 0..<20 {
                let client = fleet[n % 2]
                let id = try client.send("turn.post", ["session": "s-heavy", "content": .string(content)])
                let frame = JSONValue.object(["id": .integer(id), "op": "turn.post", "session": "s-heavy", "content": .string(content)])
                sent.append((client, id, frame.serialized().utf8.count))
            }
            // Whatever order the server read them in, the share holds as many as fit.
            let frameBytes = sent.map(\.bytes).max()!
            let fit = share == 0 ? 20 : (share ?? PostShares.defaultBytesPerUser) / frameBytes
            #expect(fit > 0 && fit <= 20 && (fit < 20) == (share != 0))
            // The refusals come while the writer is still held.
            // Indexes into `sent` (each connection numbers its requests from 1).
            var refused: Set<Int> = []
            // With no limit, a while to see that no refusal comes.
            let deadline = monotonicSeconds() + (fit == 20 ? 0.5 : 10)
            while (fit == 20 || refused.count < 20 - fit) && monotonicSeconds() < deadline {
                for client in fleet { client.pump(timeout: 0.01) }
                refused = Set(sent.indices.filter { sent[$0].client.answerCounts[sent[$0].id] != nil })
            }
            #expect(refused.count == 20 - fit, "\(refused.count) of 20 refused while the writer was held (\(fit) fit the share)")
            for (n, post) in sent.enumerated() where refused.contains(n) {
                let answer = try post.client.response(to: post.id)
                #expect(answer["error"]?["code"] == "rate_limited", "\(answer)")
                #expect((answer["error"]?["retry_after_ms"]?.intValue ?? 0) > 0, "\(answer)")
            }
            // Another user's post is not refused: it waits for the writer like any other.
            let smallPost = try mine.send("turn.post", ["session": "s-small", "content": "a small team's turn"])
            _ = mine.pump(timeout: 0.2)
            #expect(mine.answerCounts[smallPost] == nil, "not answered before its commit")

            gate.signal()
            #expect(try mine.response(to: smallPost)["ok"] == true)
            for (n, post) in sent.enumerated() where !refused.contains(n) {
                #expect(try post.client.response(to: post.id, timeout: 20)["ok"] == true)
            }
            // Answered, the posts gave their bytes back: the user posts again.
            #expect(try fleet[0].request("turn.post", ["session": "s-heavy", "content": .string(content)])["ok"] == true)
            // Up to 21 turns of 256 KiB in one answer: 2.3-3.3 s under TSan on a loaded machine, past 5 s on a busier one.
            let history = try fleet[1].ok("history", ["session": "s-heavy", "last": 100], timeout: 5 * testTimeScale)
            #expect(try history.array("turns").count == fit + 1)
        }
    }
}
