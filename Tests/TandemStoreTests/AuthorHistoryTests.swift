import Testing
@testable import TandemStore

/// `history` with `author`: every page shape reads one author's turns through `turns_author`,
/// and gives what the unfiltered read filtered by author gives.
@Suite struct AuthorHistoryTests {
    @Test func authorPagesEqualTheUnfilteredReadFilteredByAuthor() throws {
        try withStore { store in
            try makeSession(store)
            try store.setMember(session: "s1", actor: "alice", user: "erin", role: .write)
            var random = SeededRandom(seed: 7)
            let authors = ["alice", "bob", "erin"]
            // Some 500 turns by three authors in random runs, with undos and two clears among them, so
            // live reads cross retired stretches.
            for round in 0..<120 {
                let author = random.pick(authors)
                let turns = (0..<Int.random(in: 1...8, using: &random)).map { NewTurn(role: .user, content: "r\(round) \($0)") }
                _ = try store.appendTurns(session: "s1", actor: author, turns)
                if random.chance(20) { _ = try store.undoLastTurn(session: "s1", actor: "alice") }
                if round == 40 || round == 90 { _ = try store.clearTurns(session: "s1", actor: "alice") }
            }
            let head = try store.session(id: "s1").lastTurnSeq
            for _ in 0..<300 {
                let author = random.pick(authors)
                let includeRetired = random.chance(50)
                let newest = random.chance(50)
                let limit = Int.random(in: 1...40, using: &random)
                // Last N, since a seq, or a from...to range, as the history dispatcher asks.
                let from = Int64.random(in: 0..<head, using: &random)
                let (after, through): (Int64, Int64) = switch Int.random(in: 0..<3, using: &random) {
                case 0: (0, .max)
                case 1: (from, .max)
                default: (from, from + Int64.random(in: 0..<200, using: &random))
                }
                let got = try store.turns(session: "s1", actor: "dave", after: after, through: through, newest: newest, limit: limit,
                                          author: author, includeRetired: includeRetired)
                let all = try store.turns(session: "s1", actor: "dave", after: after, through: through, limit: 100_000,
                                          includeRetired: includeRetired).filter { $0.author == author }
                let expected = newest ? Array(all.suffix(limit)) : Array(all.prefix(limit))
                #expect(got == expected, "author \(author) after \(after) through \(through) newest \(newest) limit \(limit) retired \(includeRetired)")
            }
        }
    }

    /// Each statement a history page runs with `author` seeks `turns_author`; none scans.
    @Test func everyAuthorPageShapeSeeksTheAuthorIndex() throws {
        try withStore { store in
            try makeSession(store)
            for liveOnly in [false, true] {
                for newestFirst in [false, true] {
                    let sql = Turns.pageSQL(author: true, liveOnly: liveOnly, newestFirst: newestFirst)
                    let plan = try store.read { db throws(StoreError) in
                        try db.query("EXPLAIN QUERY PLAN " + sql,
                                     Turns.pageArguments(sid: 1, after: 0, through: .max, author: "bob", limit: 10)) { $0.text(3) }
                    }
                    #expect(plan.count == 1 && plan[0].contains("USING INDEX turns_author (sid=? AND author=? AND seq>? AND seq<?)"),
                            "\(plan)")
                    #expect(!plan.joined().contains("TEMP B-TREE"), "\(plan)")
                }
            }
        }
    }

    /// The cost of one author's last turns does not grow with other authors' turns: the read
    /// walked the whole session before the index (steps of SQLite's virtual machine, not time).
    @Test func aRareAuthorsLastTurnsCostWhatTheyReturn() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.appendTurns(session: "s1", actor: "alice", [NewTurn(role: .user, content: "first")])
            for _ in 0..<10 {
                _ = try store.appendTurns(session: "s1", actor: "bob", (0..<500).map { NewTurn(role: .user, content: "b\($0)") })
            }
            for includeRetired in [false, true] {
                let steps = try store.read { db throws(StoreError) -> Int64 in
                    let before = db.virtualMachineSteps
                    let page = try Store.turnPage(db, sid: 1, session: "s1", after: 0, through: .max, newest: true, limit: 5,
                                                  author: "alice", includeRetired: includeRetired, budget: .unlimited)
                    #expect(page.turns.map(\.content) == ["first"])
                    return db.virtualMachineSteps - before
                }
                #expect(steps < 500, "\(steps) steps for one turn among 5,001")
            }
        }
    }
}
