import Testing
@testable import TandemServer

@Suite("Post shares") struct PostSharesTests {
    @Test("a user's posts in flight stop at the share; one always goes; users apart; given back on the answer")
    func shareIsPerUserAndGivenBack() {
        let shares = PostShares(bytesPerUser: 1000)
        #expect(shares.take(600, for: "heavy"))
        #expect(shares.take(400, for: "heavy"))
        #expect(!shares.take(1, for: "heavy"), "the share is full")
        #expect(shares.take(900, for: "small"), "another user's share is apart")
        shares.giveBack(600, for: "heavy")
        #expect(shares.bytesInFlight(for: "heavy") == 400)
        #expect(!shares.take(601, for: "heavy"))
        #expect(shares.take(600, for: "heavy"))
        shares.giveBack(600, for: "heavy")
        shares.giveBack(400, for: "heavy")
        #expect(shares.bytesInFlight(for: "heavy") == 0)
        #expect(shares.take(5000, for: "heavy"), "with nothing in flight a post goes, however big")
        #expect(!shares.take(1, for: "heavy"))
    }

    @Test("a share of 0 is no limit")
    func zeroIsNoLimit() {
        let shares = PostShares(bytesPerUser: 0)
        for _ in 0..<100 { #expect(shares.take(1 << 20, for: "heavy")) }
        #expect(shares.bytesInFlight(for: "heavy") == 100 << 20)
    }
}
