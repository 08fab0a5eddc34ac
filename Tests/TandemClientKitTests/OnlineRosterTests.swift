import Testing
import TandemProtocol
import TandemClientKit

/// The terminal client keeps who is online from the join answer and the presence events after it
/// (the events name one user each, no list).
@Suite struct OnlineRosterTests {
    func presence(_ user: String, _ action: PresenceAction, _ count: Int64) -> PresenceChange {
        PresenceChange(user: user, action: action, onlineCount: count)
    }

    @Test func joinsAndLeavesAfterTheAnswer() {
        var agreed: Bool
        var roster = OnlineRoster(["alice"])
        agreed = roster.apply(presence("bob", .joined, 2))
        #expect(agreed)
        agreed = roster.apply(presence("carol", .joined, 3))
        #expect(agreed)
        #expect(roster.sorted == ["alice", "bob", "carol"])
        agreed = roster.apply(presence("alice", .left, 2))
        #expect(agreed)
        #expect(roster.sorted == ["bob", "carol"] && roster.count == 2)
        agreed = roster.apply(presence("alice", .joined, 3))
        #expect(agreed, "coming back")
        #expect(roster.sorted == ["alice", "bob", "carol"])
    }

    /// Only a change of the list is news: the join answer already lists the one who joined.
    @Test func newsIsAChangeOfTheList() {
        let roster = OnlineRoster(["alice", "bob"])
        #expect(!roster.isNews(presence("bob", .joined, 2)), "bob's own join, after an answer listing him")
        #expect(roster.isNews(presence("carol", .joined, 3)))
        #expect(roster.isNews(presence("alice", .left, 1)))
        #expect(!roster.isNews(presence("carol", .left, 2)), "carol was not listed")
    }

    /// The list is a set: an event about a change it already shows (a join of someone listed, a
    /// leave of someone not) changes nothing, and the count agrees.
    @Test func anEventTheListAlreadyShowsChangesNothing() {
        var agreed: Bool
        var roster = OnlineRoster(["alice", "bob"])
        agreed = roster.apply(presence("bob", .joined, 2))
        #expect(agreed)
        #expect(roster.sorted == ["alice", "bob"])
        var without = OnlineRoster(["alice"])
        agreed = without.apply(presence("bob", .left, 1))
        #expect(agreed)
        #expect(without.sorted == ["alice"])
    }

    /// After a reconnect the new answer is the truth: comings and goings missed while away are not
    /// replayed, so whatever was kept is replaced, not merged.
    @Test func aRejoinAnswerReplacesWhatWasKept() {
        var roster = OnlineRoster(["alice", "bob", "carol"])
        // Away: bob left and dave came; no events for either reach this client.
        roster.reset(to: ["alice", "carol", "dave"])
        var agreed: Bool
        #expect(roster.sorted == ["alice", "carol", "dave"])
        agreed = roster.apply(presence("erin", .joined, 4))
        #expect(agreed)
        #expect(roster.sorted == ["alice", "carol", "dave", "erin"])
        roster.reset(to: [])
        #expect(roster.sorted.isEmpty)
    }

    /// A lost event shows as a count that disagrees with the list.
    @Test func aMissedEventShowsInTheCount() {
        var roster = OnlineRoster(["alice"])
        // bob's `joined` never arrived.
        let agreed = roster.apply(presence("carol", .joined, 3))
        #expect(!agreed)
        #expect(roster.sorted == ["alice", "carol"])
    }
}
