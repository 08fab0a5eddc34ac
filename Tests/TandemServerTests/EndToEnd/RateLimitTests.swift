import Foundation
import TandemJSON
import Testing

extension EndToEnd {
    /// Issue #4: "request rate per connection (token bucket; exceeding gets an error, not a silent
    /// drop)" and "every request gets exactly one response".
    @Suite("Rate limit") struct RateLimitTests {
        @Test("a burst beyond the bucket: rate_limited with retry_after_ms, one answer per request, nothing dropped")
        func burstIsAnsweredNotDropped() throws {
            let harness = try TestServer { $0.requestBurst = 10; $0.requestsPerSecond = 5 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-rate", owner: alice)
            let client = try harness.connect(alice)
            // 40 requests at once: pings and posts mixed (both pass the same bucket).
            var ids: [(Int64, String)] = []
            let started = monotonicSeconds()
            for n in 0..<40 {
                if n % 4 == 0 {
                    ids.append((try client.send("turn.post", ["session": "s-rate", "content": .string("post \(n)")]), "turn.post"))
                } else {
                    ids.append((try client.send("ping"), "ping"))
                }
            }
            var admitted = 0
            var limited: [Int64] = []
            var postsAdmitted = 0
            for (id, op) in ids {
                let answer = try client.response(to: id, timeout: 5)
                if answer["ok"] == true {
                    admitted += 1
                    if op == "turn.post" { postsAdmitted += 1 }
                } else {
                    #expect(answer["error"]?["code"] == "rate_limited", "\(answer)")
                    let retry = try #require(answer["error"]?["retry_after_ms"]?.intValue,
                                             "rate_limited carries retry_after_ms: \(answer)")
                    // 5 requests/s: the k-th refused request waits for the k-th token to come, ~200 ms apart.
                    #expect(retry > 0 && retry <= 200 * (limited.count + 1) + 50, "refusal \(limited.count + 1) waits \(retry) ms")
                    limited.append(retry)
                }
            }
            // Burst 10, plus 5/s refilled while the requests were in transit.
            let refill = Int((monotonicSeconds() - started) * 5) + 1
            #expect(admitted >= 10 && admitted <= 10 + refill, "burst 10 (+\(refill) refill): \(admitted) admitted")
            #expect(admitted + limited.count == 40)
            // Exactly one answer per request: nothing more arrives.
            _ = client.nextEvent(timeout: 0.3)
            let counts = client.answerCounts
            #expect(ids.allSatisfy { counts[$0.0] == 1 }, "every request answered exactly once: \(counts)")
            // After waiting as told, the next request is admitted.
            Thread.sleep(forTimeInterval: Double(limited.last ?? 200) / 1000 + 0.02)
            #expect(try client.errorCode("ping") == nil)
            // Refused posts were not written.
            let history = try client.ok("history", ["session": "s-rate", "last": 100])
            #expect(try history.array("turns").count == postsAdmitted)
        }

        /// protocol.md, "Error codes": a request answered `rate_limited` is sent again after its
        /// `retry_after_ms`. Requests refused together used to be told the same wait (until the next
        /// token), so sent again each after its own hint they came back together for that one token,
        /// were refused again, and a client doing as told could end closed with 4429. Each refusal now
        /// waits for a token of its own.
        @Test("requests refused together, each sent again after its own retry_after_ms, are all admitted")
        func refusedRequestsEachGetATokenOfTheirOwn() throws {
            let harness = try TestServer { $0.requestBurst = 5; $0.requestsPerSecond = 50 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            // "Together": no request admitted after the first refusal. Requests that reach the server
            // spread out (a sender descheduled at load) see tokens refill between them, and one admitted
            // after a refusal takes the token promised to it; no server can tell a retry from a new
            // request, so such a burst is not the case under test: another connection sends it again.
            var burst: (client: TandemTestClient, retries: [(at: Double, hint: Int64)])?
            for _ in 0..<5 where burst == nil {
                let client = try harness.connect(alice)
                let ids = try (0..<25).map { _ in try client.send("ping") }
                var retries: [(at: Double, hint: Int64)] = []
                var admittedAfterARefusal = false
                for id in ids {
                    let answer = try client.response(to: id)
                    guard answer["ok"] != true else {
                        admittedAfterARefusal = admittedAfterARefusal || !retries.isEmpty
                        continue
                    }
                    let hint = try #require(answer["error"]?["retry_after_ms"]?.intValue, "\(answer)")
                    retries.append((monotonicSeconds() + Double(hint) / 1000, hint))
                }
                if admittedAfterARefusal { client.close() } else { burst = (client, retries) }
            }
            let (client, retries) = try #require(burst, "five bursts of 25 each had a request admitted after a refusal")
            #expect(retries.count >= 10, "25 at once on a bucket of 5 at 50/s: \(retries.count) refused")
            let hints = retries.map(\.hint)
            #expect(Set(hints).count == hints.count, "each refusal waits for a token of its own: \(hints)")
            var refusedAgain = 0
            for retry in retries.sorted(by: { $0.at < $1.at }) {
                let wait = retry.at - monotonicSeconds()
                if wait > 0 { Thread.sleep(forTimeInterval: wait) }
                if try client.errorCode("ping") != nil { refusedAgain += 1 }
            }
            #expect(refusedAgain == 0, "\(refusedAgain) of \(retries.count) refused again after waiting as told (hints \(hints))")
        }

        @Test("a client that keeps sending after rate_limited is closed with 4429")
        func abuseIsClosed() throws {
            let harness = try TestServer { $0.requestBurst = 10; $0.requestsPerSecond = 5 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let abuser = try harness.connect(alice, label: "abuser")
            let bystander = try harness.connect(alice, label: "bystander")
            for _ in 0..<260 { _ = try? abuser.send("ping") }
            let closed = try #require(abuser.waitForClose(timeout: 5))
            #expect(closed.code == 4429, "\(closed)")
            let answers = abuser.answerCounts
            #expect(answers.count > 200, "rate_limited answers came before the close (\(answers.count) answered)")
            #expect(answers.values.allSatisfy { $0 == 1 })
            #expect(try bystander.errorCode("ping") == nil, "other connections are unaffected")
        }

        @Test("malformed requests spend tokens too: a flood of them is limited, counted as errors, and cut with 4429")
        func malformedRequestsAreLimitedToo() throws {
            let harness = try TestServer { $0.requestBurst = 10; $0.requestsPerSecond = 5 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let flooder = try harness.connect(alice, label: "flooder")
            let metrics = harness.server.metrics
            let errorsBefore = metrics.errors.value
            // Not JSON, an unknown op, a bad argument: each kind answered, then refused by rate.
            let kinds = ["{not json", #"{"id":1,"op":"no.such.op"}"#, #"{"id":2,"op":"history","session":"s","last":-1}"#]
            for n in 0..<30 { try flooder.sendText(kinds[n % 3]) }
            Thread.sleep(forTimeInterval: 0.3)
            let anonymous = (0..<10).compactMap { _ in try? flooder.anonymousResponse(timeout: 0.2) }
            let codes = anonymous.compactMap { $0["error"]?["code"]?.stringValue }
            #expect(codes.contains("invalid_json") && codes.contains("rate_limited"), "\(codes)")
            #expect(metrics.rateLimited.value >= 10 && metrics.errors.value - errorsBefore >= 30,
                    "every refusal, rate_limited included, is an error: \(metrics.errors.value - errorsBefore)")
            for _ in 0..<250 { try? flooder.sendText("{not json") }
            let closed = try #require(flooder.waitForClose(timeout: 5))
            #expect(closed.code == 4429, "\(closed)")
        }
    }
}
