import Testing
import TandemJSON
@testable import TandemStore

/// A turn's token counts and a user's totals stay within what an export document may carry, so a
/// session's export always imports, and no total overflows. A post with `Int64.max` tokens used to
/// be taken; two of them in one batch crashed the writer on the sum, and one made the session's
/// export a document `session.import` refused.
@Suite struct TokenCountBoundsTests {
    static let most = CountBound.most

    @Test func aTurnCarriesAtMostTheBoundAnExportHolds() throws {
        try withStore { store in
            try makeSession(store)
            for (tokensIn, tokensOut) in [(Self.most + 1, 0), (0, Self.most + 1), (Int64.max, Int64.max)] {
                #expect(errorCode { _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .assistant, content: "x", tokensIn: tokensIn, tokensOut: tokensOut)]) } == "invalid_argument")
            }
            #expect(try store.session(id: "s1").lastTurnSeq == 0, "refusals write nothing")
            let turn = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .assistant, content: "x", tokensIn: Self.most, tokensOut: Self.most)]).turns[0]
            #expect(turn.tokensIn == Self.most && turn.tokensOut == Self.most)
        }
    }

    @Test func totalsStopAtTheBoundAndTheSessionStillImports() throws {
        try withStore { store in
            try makeSession(store)
            let big = NewTurn(role: .assistant, content: "x", tokensIn: Self.most, tokensOut: 7)
            _ = try store.appendTurns(session: "s1", actor: "bob", [big, big])   // one batch
            _ = try store.appendTurns(session: "s1", actor: "bob", [big])        // added to the stored total
            let bob = try #require(try store.contributions(session: "s1", actor: "alice").first { $0.userID == "bob" })
            #expect(bob.counts.turns == 3)
            #expect(bob.counts.tokensIn == Self.most, "the total stops at the bound")
            #expect(bob.counts.tokensOut == 21, "below the bound it adds up exactly")
            let document = try store.exportSession(id: "s1", actor: "alice")
            _ = try store.importSession(document, asID: "copy", claimedBy: "alice")
            #expect(try store.session(id: "copy").lastTurnSeq == 3)
        }
    }

    /// A database written before the bound (the 28th session) may hold a turn of Int64.max tokens and
    /// totals past 2^48: its session exported to a document every import refused ("tokens_in is
    /// outside 0...2^48"), and its totals read as they were until the member's next post. They read
    /// as the bound now, everywhere the store reads them back.
    @Test func countsWrittenBeforeTheBoundReadAsTheBound() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .assistant, content: "old", tokensIn: 1, tokensOut: 2)])
            do { // as such a database holds them (another connection, as another process would write)
                let old = try Database(path: store.configuration.path)
                try old.run("UPDATE turns SET tokens_in = ?1, tokens_out = ?1", [.integer(Int64.max)])
                try old.run("UPDATE contributions SET tokens_in = ?1, tokens_out = ?1 WHERE user_id = 'bob'", [.integer(Int64.max - 7)])
            }

            let turn = try #require(try store.turns(session: "s1", actor: "alice", since: 0).first)
            #expect(turn.tokensIn == Self.most && turn.tokensOut == Self.most)
            let bob = try #require(try store.contributions(session: "s1", actor: "alice").first { $0.userID == "bob" })
            #expect(bob.counts.tokensIn == Self.most && bob.counts.tokensOut == Self.most)
            let document = try store.exportSession(id: "s1", actor: "alice")
            _ = try store.importSession(document, asID: "copy", claimedBy: "alice")
            let copied = try #require(try store.turns(session: "copy", actor: "alice", since: 0).first)
            #expect(copied.tokensIn == Self.most && copied.content == "old")
        }
    }

    @Test func additionSaturatesInsteadOfTrapping() {
        var total = ContributionCounts(tokensIn: Int64.max - 1)
        total.add(ContributionCounts(tokensIn: Int64.max, tokensOut: Int64.min))
        #expect(total.tokensIn == Self.most && total.tokensOut == -Self.most)
        total.add(ContributionCounts(tokensIn: -1, tokensOut: 1))
        #expect(total.tokensIn == Self.most - 1 && total.tokensOut == -Self.most + 1)
    }
}
