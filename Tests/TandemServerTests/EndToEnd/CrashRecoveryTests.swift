import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// Issue #4: "kill -9 of `tandemd` during load, restart, and every acknowledged turn is there".
    @Suite("Crash recovery") struct CrashRecoveryTests {
        /// What one posting member knows when the server dies.
        struct PosterRecord: Sendable {
            var user: String
            var token: String
            /// nonce → (seq, eseq) for every acknowledged post.
            var acked: [String: Int64] = [:]
            /// Posts sent but never answered: they may or may not have landed.
            var inFlight: [String] = []
            var ledger = EventLedger()
        }

        @Test("SIGKILL mid-load: after restart every acknowledged turn is there, seqs gapless, members recover with since")
        func killNineDuringLoad() throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-crash-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let database = directory.appendingPathComponent("crash.db").path
            let flags = ["--rate", "100000", "--burst", "100000"]
            let first = try TandemdProcess(databasePath: database, arguments: flags)
            var firstRunning = true
            defer { if firstRunning { first.kill9() } }
            // The binary, not only the library: tandemd runs on jemalloc (its startup line says so),
            // except in a sanitizer build, which leaves it out (Package.swift).
            #if TANDEM_WITHOUT_JEMALLOC
            #expect(first.output.contains("allocator=not jemalloc"), "\(first.output)")
            #else
            #expect(first.output.contains("allocator=jemalloc 5."), "\(first.output)")
            #endif

            // First start wrote the owner's token next to the database.
            let tokenFile = directory.appendingPathComponent("crash.owner-token").path
            let ownerToken = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let owner = try TandemTestClient.connect(port: first.port, .bearer(ownerToken), label: "owner")
            try owner.ok("session.create", ["session": "s-crash", "title": "Crash test"])
            // More members, added the way tandem-admin does: straight into the database.
            var records = [PosterRecord(user: "owner", token: ownerToken)]
            let admin = try Store(StoreConfiguration(path: database))
            for user in ["bob", "carol"] {
                _ = try admin.createUser(id: user, displayName: user.capitalized)
                let token = try admin.createToken(userID: user, label: "crash test").secret
                _ = try admin.setMember(session: "s-crash", actor: "owner", user: user, role: .write)
                records.append(PosterRecord(user: user, token: token))
            }
            admin.close()
            owner.close()

            // Load: three members pipelining posts (8 in flight each) until the server dies.
            let shared = Locked(records)
            let totalAcked = Locked(0)
            let port = first.port
            let load = Parallel.start {
                try Parallel.run(3) { index in
                    var record = shared.withLock { $0[index] }
                    let client = try TandemTestClient.connect(port: port, .bearer(record.token), label: record.user)
                    _ = try client.ok("session.join", ["session": "s-crash", "since": 0])
                    var n = 0
                    var window: [(Int64, String)] = []
                    posting: while n < 20_000 {
                        while window.count < 8 {
                            let nonce = "\(record.user)-\(n)"
                            n += 1
                            guard let id = try? client.send("turn.post", ["session": "s-crash", "content": .string(nonce), "nonce": .string(nonce)])
                            else { record.inFlight.append(nonce); break posting }
                            window.append((id, nonce))
                        }
                        let (id, nonce) = window.removeFirst()
                        guard let answer = try? client.response(to: id, timeout: 10) else {
                            record.inFlight.append(nonce)
                            break
                        }
                        guard answer["ok"] == true, let seq = answer["result"]?["turn"]?["seq"]?.intValue else {
                            throw TestFailure("post failed: \(answer)")
                        }
                        record.acked[nonce] = seq
                        totalAcked.withLock { $0 += 1 }
                    }
                    record.inFlight += window.map(\.1)
                    // Apply what arrived before the crash, in order.
                    for event in client.takeBufferedEvents() { record.ledger.apply(event, from: record.user) }
                    client.disconnect()
                    let finished = record
                    shared.withLock { $0[index] = finished }
                }
            }
            #expect(eventually(timeout: 20 * testTimeScale) { totalAcked.value >= 300 }, "the load never got going")
            first.kill9()
            firstRunning = false
            try load.wait(timeout: 30)
            records = shared.value
            let acknowledged = records.reduce(0) { $0 + $1.acked.count }
            #expect(acknowledged >= 300)
            #expect(records.allSatisfy { !$0.inFlight.isEmpty }, "every poster had posts in flight when the server died")

            // Restart on the same database and port.
            let second = try TandemdProcess(databasePath: database, port: port, arguments: flags)
            defer { second.stop() }
            #expect(second.port == port)
            #expect(!second.output.contains("First start"), "the restart found its owner: no new first-run account")
            let checker = try TandemTestClient.connect(port: port, .bearer(ownerToken), label: "checker")
            var turns: [JSONValue] = []
            var since: Int64 = 0
            while true {
                let page = try checker.ok("history", ["session": "s-crash", "since": .integer(since), "limit": 1000])
                turns += try page.array("turns")
                since = turns.last?["seq"]?.intValue ?? since
                if page["more"] != true { break }
            }
            let headSeq = try checker.ok("session.get", ["session": "s-crash"])["session"]?.int("head_seq") ?? -1
            let seqs = turns.compactMap { $0["seq"]?.intValue }
            #expect(seqs == Array(1...max(1, headSeq)), "seqs 1...\(headSeq) without a gap")
            var byNonce: [String: Int64] = [:]
            var malformed: [String] = []
            for turn in turns {
                let nonce = turn["nonce"]?.stringValue ?? "?"
                if byNonce[nonce] != nil || turn["content"]?.stringValue != nonce { malformed.append("\(turn)") }
                byNonce[nonce] = turn["seq"]?.intValue
            }
            #expect(malformed.isEmpty, "turns stored twice or without their nonce: \(malformed.count), e.g. \(malformed.prefix(3))")
            var lost: [String] = []
            for record in records {
                for (nonce, seq) in record.acked where byNonce[nonce] != seq { lost.append("\(nonce) (acked as seq \(seq))") }
            }
            #expect(lost.isEmpty, "acknowledged turns missing after the crash: \(lost.prefix(10))")
            let head = try checker.ok("session.get", ["session": "s-crash"])["session"]?.int("head_eseq") ?? -1

            // Each member recovers with since (all before anyone posts again)...
            var rejoined: [TandemTestClient] = []
            for var record in records {
                let client = try TandemTestClient.connect(port: port, .bearer(record.token), label: "\(record.user)-again")
                let joined = try client.ok("session.join", ["session": "s-crash", "since": .integer(record.ledger.last)])
                #expect(try joined.int("head_eseq") == head)
                while record.ledger.last < head, let event = client.nextEvent(timeout: 5) { record.ledger.apply(event, from: client.label) }
                #expect(record.ledger.problems.isEmpty, "\(record.ledger.problems)")
                #expect(record.ledger.applied == Array(1...head), "\(record.user) recovered every event")
                rejoined.append(client)
            }
            // ...then retries its unanswered posts with their nonces: only those that never landed are new.
            for (record, client) in zip(records, rejoined) {
                for nonce in record.inFlight {
                    let retried = try client.ok("turn.post", ["session": "s-crash", "content": .string(nonce), "nonce": .string(nonce)])
                    let landed = byNonce[nonce]
                    #expect(retried["duplicate"] == .bool(landed != nil), "\(nonce): landed before the crash = \(landed != nil)")
                    if let landed { #expect(retried["turn"]?["seq"] == .integer(landed)) }
                }
                client.close()
            }
            checker.close()
        }
    }
}
