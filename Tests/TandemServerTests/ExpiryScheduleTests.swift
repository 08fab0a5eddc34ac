import Testing
@testable import TandemServer

/// The access watcher's exact-expiry schedule (`ConnectionRegistry` holds one, `AccessWatcher.tick`
/// takes what is due off it).
@Suite struct ExpiryScheduleTests {
    /// The cost: with 10,000 connections expiring in a day and three due, a tick looks at the three
    /// (the loop it replaces walked all 10,003, every 250 ms), and a tick with nothing due at none.
    @Test func aTickExaminesOnlyTheDueEntries() {
        let now: Int64 = 1_000_000
        var schedule = ExpirySchedule<UInt64>()
        for id in UInt64(0)..<10_000 { schedule.watch(id, at: now + 86_400_000 + Int64(id), item: id) }
        for id in UInt64(20_000)..<20_003 { schedule.watch(id, at: now - 5 + Int64(id - 20_000), item: id) }
        #expect(schedule.count == 10_003)
        #expect(Set(schedule.takeDue(now: now)) == [20_000, 20_001, 20_002])
        #expect(schedule.examined == 3)
        for tick in 1...40 { #expect(schedule.takeDue(now: now + Int64(tick) * 250).isEmpty) }
        #expect(schedule.examined == 3, "ticks with nothing due examined entries")
        #expect(schedule.next == now + 86_400_000 && schedule.count == 10_000)
        #expect(schedule.takeDue(now: now + 86_400_000 + 1) == [0, 1])
        #expect(schedule.examined == 5)
    }

    /// A connection that closes is never taken, and its entry does not wait for its far-future
    /// expiry to be let go: stale entries never outnumber the live ones.
    @Test func closedConnectionsLeaveNoEntryBehindForLong() {
        var schedule = ExpirySchedule<UInt64>()
        for id in UInt64(0)..<10_000 { schedule.watch(id, at: 86_400_000, item: id) }
        for id in UInt64(0)..<9_000 {
            schedule.unwatch(id)
            #expect(schedule.storage <= 2 * schedule.count)
        }
        #expect(schedule.count == 1_000 && schedule.storage <= 2_000)
        for id in UInt64(9_000)..<10_000 { schedule.unwatch(id) }
        #expect(schedule.count == 0 && schedule.storage == 0 && schedule.next == nil)
        schedule.unwatch(3) // unknown: nothing
        #expect(schedule.takeDue(now: .max).isEmpty && schedule.examined == 0)
    }

    /// A later expiry (re-read after it opened) does not cut at the old instant; an earlier one (a
    /// rotation's grace) cuts then, and not again at the old instant.
    @Test func aChangedExpiryIsTakenAtTheNewInstantOnly() {
        var schedule = ExpirySchedule<String>()
        schedule.watch(1, at: 1_000, item: "later")
        schedule.watch(2, at: 5_000, item: "sooner")
        schedule.watch(1, at: 3_000, item: "later")
        schedule.watch(2, at: 2_000, item: "sooner")
        schedule.watch(2, at: 2_000, item: "sooner") // the same instant again: no second entry
        #expect(schedule.storage == 4 && schedule.next == 1_000)
        #expect(schedule.takeDue(now: 1_500).isEmpty)
        #expect(schedule.takeDue(now: 2_000) == ["sooner"])
        #expect(schedule.takeDue(now: 2_999).isEmpty)
        #expect(schedule.takeDue(now: 3_000) == ["later"])
        #expect(schedule.takeDue(now: 10_000).isEmpty)
        #expect(schedule.count == 0 && schedule.storage == 0)
        // Taken once; watched again (its expiry moved on meanwhile), it is taken again.
        schedule.watch(1, at: 20_000, item: "later")
        #expect(schedule.takeDue(now: 20_000) == ["later"])
    }
}
