import Foundation
import Synchronization
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// Issue #4: "several members posting concurrently see identical sequences", and "a turn is
    /// acknowledged to its sender only after it is durable".
    @Suite("Concurrent posting") struct ConcurrentPostingTests {
        struct Ack: Sendable, Equatable {
            var seq: Int64
            var eseq: Int64
            var author: String
            var content: String
        }

        @Test("4 members x 50 pipelined turns: every member sees the same gapless order; acks are durable")
        func everyMemberSeesTheSameSequence() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let users = try ["alice", "bob", "carol", "dave"].map { try harness.user($0) }
            try harness.session("s-order", owner: users[0], members: users.dropFirst().map { ($0, .write) })
            // One of them with permessage-deflate: compressed and plain members see the same stream.
            let clients = try users.enumerated().map { index, user in
                try TandemTestClient.connect(port: harness.port, .bearer(user.token), label: user.id, deflate: index == 1)
            }
            #expect(clients[1].socket.deflate != nil, "permessage-deflate was negotiated")
            var head: Int64 = -1
            for client in clients {
                let joined = try client.ok("session.join", ["session": "s-order"])
                head = try joined.int("head_eseq")
                #expect(try joined.int("head_seq") == 0)
            }
            let perClient = 50
            let acks = Locked<[Int: [Ack]]>([:])
            let store = harness.store

            try Parallel.run(users.count) { index in
                let client = clients[index]
                let user = users[index].id
                // Pipelined: all 50 requests go out before the first answer is read.
                var ids: [Int64] = []
                for n in 0..<perClient {
                    ids.append(try client.send("turn.post", ["session": "s-order", "content": .string("\(user)-\(n)")]))
                }
                var mine: [Ack] = []
                for (n, id) in ids.enumerated() {
                    let answer = try client.response(to: id, timeout: 30)
                    guard answer["ok"] == .bool(true), let result = answer["result"], let turn = result["turn"] else {
                        throw TestFailure("\(user) post \(n) failed: \(answer)")
                    }
                    let ack = Ack(seq: try turn.int("seq"), eseq: try result.int("eseq"),
                                  author: try turn.string("author"), content: try turn.string("content"))
                    guard ack.author == user, ack.content == "\(user)-\(n)", result["duplicate"] == .bool(false) else {
                        throw TestFailure("\(user) post \(n) acknowledged as \(result)")
                    }
                    // Durable when acknowledged: another SQLite connection sees it at once.
                    let stored = try store.turns(session: "s-order", actor: user, range: ack.seq...ack.seq)
                    guard stored.count == 1, stored[0].content == ack.content, stored[0].author == user else {
                        throw TestFailure("acknowledged turn \(ack.seq) is not in the database: \(stored)")
                    }
                    mine.append(ack)
                }
                acks.withLock { $0[index] = mine }
            }

            let total = users.count * perClient
            var streams: [[Ack]] = []
            for client in clients {
                var stream: [Ack] = []
                while stream.count < total, let event = client.nextEvent(timeout: 10) {
                    switch event.eventName {
                    case "turn":
                        stream.append(Ack(seq: try event.int("seq"), eseq: try event.int("eseq"),
                                          author: try event.string("author"), content: try event.string("content")))
                    case "presence":
                        continue
                    default:
                        Issue.record("\(client.label): unexpected event \(event)")
                    }
                }
                // Nothing more may follow: no turn twice.
                while let extra = client.nextEvent(timeout: 0.2) {
                    if extra.eventName == "turn" { Issue.record("\(client.label): extra turn event \(extra)") }
                }
                #expect(client.unexpected.isEmpty, "\(client.unexpected)")
                streams.append(stream)
            }

            let expectedEseqs = Array((head + 1)...(head + Int64(total)))
            for (index, stream) in streams.enumerated() {
                #expect(stream.count == total, "\(users[index].id) received \(stream.count) of \(total) turns")
                #expect(stream.map(\.eseq) == expectedEseqs, "\(users[index].id): eseqs not gapless and in order")
                #expect(stream.map(\.seq) == Array(1...Int64(total)), "\(users[index].id): seqs not gapless and in order")
                #expect(stream == streams[0], "\(users[index].id) saw a different sequence than \(users[0].id)")
            }
            // Every acknowledgement names exactly the seq/eseq its turn was delivered with.
            let allAcks = acks.withLock { $0 }
            let acknowledged = allAcks.values.flatMap { $0 }.sorted { $0.seq < $1.seq }
            #expect(acknowledged == streams[0])
            // One connection's posts are committed in the order they were sent.
            for (index, mine) in allAcks {
                #expect(mine.map(\.seq) == mine.map(\.seq).sorted(), "\(users[index].id): commit order differs from send order")
            }
        }
    }
}
