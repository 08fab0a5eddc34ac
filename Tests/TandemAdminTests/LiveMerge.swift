import Foundation
import Synchronization
import Testing
import TandemJSON
@testable import TandemServer
import TandemStore
import TandemTransport

/// A tandemd (in this process) merging branch C into B in steps, B being s1's branch, while
/// tandem-admin processes write the same file: the merge-wait tests' set-up. Made with the merge
/// under way (its row holds B and C); `finish()` checks its answer, `stop()` ends the server.
struct LiveMerge {
    let fixture: AdminFixture
    let server: TandemServer
    let merger: WebSocketClient
    /// C's new turns, all of which the merge appends to B.
    let turns: Int
    let timeLimit = 120 * testTimeScale

    /// What one tandem-admin run during the merge did: its result, its seconds, and how many
    /// merges were under way when it ended (1: it ended before the merge).
    struct Run {
        var command: [String]
        var result: CLIResult
        var seconds: Double
        var mergesLeft: Int64?
    }

    /// Seeds the fixture's standard users and s1, B with one turn of s1, C of B with `turns` turns;
    /// starts a server writing steps of `stepRecords` records, runs `beforeMerge` (a test's own
    /// set-up on the live server, e.g. a member following B), asks it (as alice) to merge C, and
    /// returns once the merge holds B.
    init(_ f: AdminFixture, turns: Int, stepRecords: Int,
         beforeMerge: (_ server: TandemServer, _ port: UInt16) throws -> Void = { _, _ in }) throws {
        try f.seedStandard()
        let aliceToken = try f.seed { store in
            _ = try store.appendTurn(session: "s1", actor: "alice", NewTurn(role: .user, content: "base"))
            _ = try store.createBranch(session: "s1", actor: "alice", id: "b")
            _ = try store.createBranch(session: "b", actor: "alice", id: "c")
            for chunk in stride(from: 0, to: turns, by: 1000) {
                _ = try store.appendTurns(session: "c", actor: "alice", (chunk..<min(chunk + 1000, turns)).map { NewTurn(role: .user, content: "m\($0)") })
            }
            return try store.createToken(userID: "alice", label: "merger").secret
        }
        fixture = f
        self.turns = turns
        let started = try f.startServer { $0.writeStepRecords = stepRecords }
        server = started.server
        do {
            try beforeMerge(server, started.port)
            merger = try f.connect(port: started.port, secret: aliceToken)
            try merger.send(text: #"{"id":1,"op":"branch.merge","session":"c"}"#)
        } catch {
            server.shutdown(grace: 0.5)
            throw error
        }
        let deadline = Date().addingTimeInterval(timeLimit)
        while try mergesUnderWay() == 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
        #expect(try mergesUnderWay() == 1, "the merge never held B")
    }

    /// Merges under way, as the server's store reads the file.
    func mergesUnderWay() throws -> Int64? { try Self.mergesUnderWay(server) }

    private static func mergesUnderWay(_ server: TandemServer) throws -> Int64? {
        try server.store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM branch_merges") }
    }

    /// Runs each of `commands` (tandem-admin arguments, `--db` added) in a thread of its own, all at
    /// once, and returns how each went, in their order, once all have ended (nil: one did not end
    /// within the time limit).
    func runAtOnce(_ commands: [[String]]) throws -> [Run]? {
        let runs = Mutex<[Int: Run]>([:])
        let f = fixture, server = server
        for (n, command) in commands.enumerated() {
            Thread {
                let started = Date()
                guard let result = try? f.run(command) else { return }
                let left = try? Self.mergesUnderWay(server)
                runs.withLock { $0[n] = Run(command: command, result: result, seconds: Date().timeIntervalSince(started), mergesLeft: left) }
            }.start()
        }
        let deadline = Date().addingTimeInterval(timeLimit)
        while runs.withLock({ $0.count }) < commands.count && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        return runs.withLock { runs in runs.count == commands.count ? commands.indices.map { runs[$0]! } : nil }
    }

    /// Waits for the merge's answer and checks it merged every turn of C.
    func finish() throws {
        let answer = try #require(nextJSON(merger, timeout: timeLimit) { $0["id"]?.intValue == 1 })
        #expect(answer["result"]?["merged"] == true, "\(answer.serialized())")
        let first = answer["result"]?["first_seq"]?.intValue ?? 0, last = answer["result"]?["last_seq"]?.intValue ?? 0
        #expect(last - first + 1 == Int64(turns), "\(answer.serialized())")
    }

    func stop() {
        merger.disconnect()
        server.shutdown(grace: 0.5)
    }
}
