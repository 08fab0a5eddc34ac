import Dispatch
import Synchronization
import Testing
@testable import TandemStore

/// The end of a batch writes the session counters and contributions it staged with one statement
/// per up to 64 rows (`ValuesStatement`). What it writes must be what one statement per row wrote:
/// here batches of 100 sessions (64 + 32 + 4 counter rows) and 200 (session, author) pairs
/// (64 + 64 + 64 + 8 contribution rows), first inserted, then added to.
@Suite struct BatchFlushTests {
    @Test func chunksArePowersOfTwoUpToTheMost() {
        var sizes: [Int] = []
        var remaining = 200
        while remaining > 0 {
            let rows = ValuesStatement.chunk(remaining)
            sizes.append(rows)
            remaining -= rows
        }
        #expect(sizes == [64, 64, 64, 8])
        #expect(ValuesStatement.chunk(1) == 1 && ValuesStatement.chunk(63) == 32 && ValuesStatement.chunk(64) == 64)
    }

    @Test func rowsAreNumberedAfterTheLeadingParameters() {
        let statement = ValuesStatement(head: "INSERT INTO t(a, b) VALUES ", width: 2, leading: 1, tail: " ON CONFLICT DO NOTHING")
        #expect(statement.sql(rows: 2) == "INSERT INTO t(a, b) VALUES (?2,?3),(?4,?5) ON CONFLICT DO NOTHING")
        #expect(statement.index(row: 1, column: 1) == 5)
    }

    @Test func aBatchOfManySessionsWritesEachOnesCountersAndContributions() throws {
        try withStore { store in
            let sessions = (0..<100).map { "f\($0)" }
            for id in sessions { _ = try makeSession(store, id: id) }
            let eventsBefore = try Dictionary(uniqueKeysWithValues: sessions.map { ($0, try store.session(id: $0).lastEventSeq) })

            // Round 1 inserts the contributions, round 2 adds to them. Session i gets i % 3 + 1
            // posts a round from bob and one from alice; every post's tokens differ.
            var expectedTurns: [String: Int64] = [:]
            var expectedTokens: [String: (inn: Int64, out: Int64)] = [:]
            for round in 0..<2 {
                let newest = Mutex<[String: Int64]>([:])
                let failures = Mutex(0)
                let group = DispatchGroup()
                let before = store.writer.batches
                for (i, id) in sessions.enumerated() {
                    for (n, author) in (Array(repeating: "bob", count: i % 3 + 1) + ["alice"]).enumerated() {
                        let tokensIn = Int64(1000 * round + 10 * i + n), tokensOut = Int64(7 * i + n + round)
                        group.enter()
                        store.appendTurns(session: id, actor: author,
                                          [NewTurn(role: .user, content: "\(round)-\(n)", tokensIn: tokensIn, tokensOut: tokensOut)],
                                          wakeWriter: false) { result in
                            switch result {
                            case .success(let appended):
                                newest.withLock { $0[id] = max($0[id] ?? 0, appended.turns[0].createdAt) }
                            case .failure: failures.withLock { $0 += 1 }
                            }
                            group.leave()
                        }
                        expectedTurns["\(id)/\(author)", default: 0] += 1
                        let key = "\(id)/\(author)"
                        let sum = expectedTokens[key] ?? (0, 0)
                        expectedTokens[key] = (sum.inn + tokensIn, sum.out + tokensOut)
                    }
                }
                store.writer.wakeForQueuedJobs()
                group.wait()
                #expect(failures.withLock { $0 } == 0)
                #expect(store.writer.batches - before == 1, "round \(round)'s posts did not share one batch")

                let stamps = newest.withLock { $0 }
                for (i, id) in sessions.enumerated() {
                    let session = try store.session(id: id)
                    let posts = Int64((round + 1) * (i % 3 + 2))
                    #expect(session.lastTurnSeq == posts, "\(id)")
                    #expect(session.lastEventSeq == eventsBefore[id]! + posts, "\(id)")
                    #expect(session.updatedAt == stamps[id], "\(id)")
                }
                let rows = try store.read { db throws(StoreError) in
                    try db.query("""
                        SELECT s.id, c.user_id, c.turns, c.tokens_in, c.tokens_out, c.comments + c.row_writes + c.merges + c.conflicts + c.undos
                        FROM contributions c JOIN sessions s ON s.sid = c.sid WHERE s.id LIKE 'f%'
                        """) { row in (key: "\(row.text(0))/\(row.text(1))", turns: row.int(2), inn: row.int(3), out: row.int(4), others: row.int(5)) }
                }
                #expect(rows.count == 200)
                for row in rows {
                    #expect(row.turns == expectedTurns[row.key], "\(row.key)")
                    #expect(row.inn == expectedTokens[row.key]?.inn && row.out == expectedTokens[row.key]?.out, "\(row.key)")
                    #expect(row.others == 0, "\(row.key)")
                }
            }
        }
    }
}

/// Two many-row statements with the same head and different tails are two statements.
@Suite struct ValuesStatementKeyTests {
    @Test func statementsSharingAHeadAreKeptApart() throws {
        let db = try Database(path: ":memory:")
        defer { db.close() }
        try db.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b INTEGER NOT NULL)")
        let plain = ValuesStatement(head: "INSERT INTO t(a, b) VALUES ", width: 2, leading: 0, tail: "")
        let doubling = ValuesStatement(head: "INSERT INTO t(a, b) VALUES ", width: 2, leading: 0,
                                       tail: " ON CONFLICT(a) DO UPDATE SET b = excluded.b * 2")
        for (statement, value) in [(plain, Int64(5)), (doubling, 7)] {
            try db.run(statement, rows: 1) { stmt throws(StoreError) in
                try stmt.bind(1, at: statement.index(row: 0, column: 0))
                try stmt.bind(value, at: statement.index(row: 0, column: 1))
            }
        }
        #expect(try db.scalar("SELECT b FROM t WHERE a = 1") == 14)
    }
}
