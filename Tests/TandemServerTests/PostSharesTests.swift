import Testing
@testable import TandemServer

@Suite("Post shares") struct PostSharesTests {
    @Test("a user's posts in flight stop at the share; one always goes; users apart; given back on the answer")
    func shareIsPerUserAndGivenBack() {
        let shares = PostShares(bytesPerUser: 1000)
        let heavy = shares.share(for: "heavy")
        let heavyElsewhere = shares.share(for: "heavy")
        #expect(heavy === heavyElsewhere, "the user's connections hold one share")
        #expect(heavy.take(600))
        #expect(heavyElsewhere.take(400))
        #expect(!heavy.take(1), "the share is full")
        #expect(shares.share(for: "small").take(900), "another user's share is apart")
        heavy.giveBack(600)
        #expect(shares.bytesInFlight(for: "heavy") == 400)
        #expect(!heavy.take(601))
        #expect(heavy.take(600))
        heavy.giveBack(600)
        heavy.giveBack(400)
        #expect(shares.bytesInFlight(for: "heavy") == 0)
        #expect(heavy.take(5000), "with nothing in flight a post goes, however big")
        #expect(!heavy.take(1))
    }

    @Test("a share of 0 is no limit")
    func zeroIsNoLimit() {
        let shares = PostShares(bytesPerUser: 0)
        let heavy = shares.share(for: "heavy")
        for _ in 0..<100 { #expect(heavy.take(1 << 20)) }
        #expect(shares.bytesInFlight(for: "heavy") == 100 << 20)
    }

    @Test("a user's entry lasts as long as something holds their share, and a new share starts empty")
    func entryLeavesWithItsShare() {
        let shares = PostShares(bytesPerUser: 1000)
        var held: PostShares.Share? = shares.share(for: "ann")
        #expect(held?.take(700) == true)
        #expect(shares.usersTracked == 1)
        held = nil
        #expect(shares.usersTracked == 0, "no connection or post holds it: its entry went")
        #expect(shares.bytesInFlight(for: "ann") == 0)
        let again = shares.share(for: "ann")
        #expect(again.take(1000))
        #expect(shares.usersTracked == 1)
    }

    @Test("takes from many threads at once never pass the share together")
    func concurrentTakesKeepTheBound() async {
        let shares = PostShares(bytesPerUser: 10_000)
        let share = shares.share(for: "busy")
        #expect(share.take(1)) // one in flight: from here on every take is held to the share
        let taken = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var mine = 0
                    for _ in 0..<10_000 where share.take(7) { mine += 7 }
                    return mine
                }
            }
            return await group.reduce(0, +)
        }
        #expect(taken + 1 <= 10_000)
        #expect(taken + 1 > 10_000 - 7, "the share filled")
        #expect(share.bytesInFlight == taken + 1)
    }

    @Test("shares ending on some threads while others look the user up: a held share is always the user's one")
    func sharesEndingWhileLookedUpStayOnePerUser() async {
        let shares = PostShares(bytesPerUser: 1000)
        // Each round holds a share, looks the user up again and lets go: another task's share
        // ending meanwhile (its deinit forgets the entry) must not take the held one's entry, or
        // two shares of one user would each admit a share's worth of posts.
        let strays = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var strays = 0
                    for _ in 0..<2_000 {
                        let held = shares.share(for: "churn")
                        if shares.share(for: "churn") !== held { strays += 1 }
                    }
                    return strays
                }
            }
            return await group.reduce(0, +)
        }
        #expect(strays == 0, "a lookup found another share than the one held")
        #expect(shares.usersTracked == 0, "every share ended: no entry is left")
    }
}
