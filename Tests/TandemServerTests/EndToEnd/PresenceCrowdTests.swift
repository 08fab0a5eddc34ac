import Foundation
import Synchronization
import TandemClientKit
import TandemJSON
import TandemProtocol
import TandemStore
import Testing

extension EndToEnd {
    /// Every member receives every presence event. When the events carried the whole `online` list,
    /// a crowd of N joining cost O(N) bytes per event and O(N³) in all (1,000 members: 2.3 GB; 2,000:
    /// most connections cut for a full outbound queue). They name one user now, and clients keep the
    /// list from the join answer plus the events.
    @Suite("Presence in a crowd") struct PresenceCrowdTests {
        @Test("a crowd joining at once: each presence event names one user, and its size does not grow with the crowd")
        func crowdPresenceStaysSmall() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let count = 60
            // Ids of one width, so that only the count's digits can change an event's size.
            let users = try (0..<count).map { try harness.user(String(format: "m%02d", $0)) }
            try harness.session("s-crowd", owner: users[0], members: users.dropFirst().map { ($0, .write) })
            let followers = try users.map { try Follower(harness.connect($0)) }
            try Parallel.run(count) { index in try followers[index].join("s-crowd") }
            let everyone = Set(users.map(\.id))
            // The first waits for late events; by then any would have reached the others too.
            for (index, follower) in followers.enumerated() {
                #expect(follower.follow(until: everyone, quiet: index == 0 ? 0.5 : 0.01),
                        "\(follower.client.label): \(follower.roster.sorted.count) online")
            }
            let events = followers.flatMap(\.presence)
            let sizes = events.map { $0.serializedBytes().count }
            let smallest = try #require(sizes.min()), largest = try #require(sizes.max())
            // One digit more for 10 and up: the events of 60 members online are those of 1, give or take the count.
            #expect(largest - smallest <= 1, "sizes \(smallest)…\(largest)")
            #expect(largest < 100, "an event with \(count) online is \(largest) bytes")
            for event in events {
                guard case .object(let fields) = event else { continue }
                #expect(Set(fields.keys) == ["action", "event", "online_count", "session", "user"], "\(event)")
            }
            // Each member hears of at most every member once (itself included), none twice.
            for follower in followers {
                let named = follower.presence.compactMap { $0["user"]?.stringValue }
                #expect(named.count == Set(named).count && named.count <= count, "\(follower.client.label): \(named)")
                #expect(follower.countsAgreed, "\(follower.client.label): an event's online_count disagreed with the list")
            }
        }

        @Test("the online list a client keeps stays right through joins, leaves, reconnects and a join racing its own leave")
        func keptListStaysRight() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let users = try (0..<10).map { try harness.user("u\($0)") }
            try harness.session("s-kept", owner: users[0], members: users.dropFirst().map { ($0, .write) })
            let followers = Locked(try users.map { try Follower(harness.connect($0)) })
            let current = { @Sendable in followers.value }
            try Parallel.run(users.count) { index in try current()[index].join("s-kept") }
            var online = Set(users.map(\.id))
            for (index, follower) in current().enumerated() {
                #expect(follower.follow(until: online, quiet: index == 0 ? 0.5 : 0.01), "\(follower.client.label) after the joins")
            }

            // u1 and u2 leave (one asks, one just closes); u3 and u4 drop and come back on new
            // connections; u5 opens a second connection and closes it (still online); u6 and u7 join
            // and leave in a tight loop, ending left, each leave racing the presence of its own join
            // (without the presence lock around leaving, 100 rounds leave someone listed every time).
            let second = try harness.connect(users[5])
            try second.ok("session.join", ["session": "s-kept"])
            try Parallel.run(7) { task in
                let f = current()
                switch task {
                case 0: try f[1].client.ok("session.leave", ["session": "s-kept"])
                case 1: f[2].client.close()
                case 2, 3:
                    let index = task + 1
                    f[index].client.disconnect()
                    let again = try Follower(harness.connect(users[index], label: "\(users[index].id)-again"))
                    try again.join("s-kept")
                    followers.withLock { $0[index] = again }
                case 4: second.close()
                default:
                    let client = f[task + 1].client
                    for _ in 0..<100 {
                        try client.ok("session.leave", ["session": "s-kept"])
                        try client.ok("session.join", ["session": "s-kept"])
                    }
                    try client.ok("session.leave", ["session": "s-kept"])
                }
            }
            online.subtract(["u1", "u2", "u6", "u7"])
            let watching = current().enumerated().filter { !["u1", "u2", "u6", "u7"].contains(users[$0.offset].id) }.map(\.element)
            for (index, follower) in watching.enumerated() {
                #expect(follower.follow(until: online, quiet: index == 0 ? 0.5 : 0.01), "\(follower.client.label): \(follower.roster.sorted), expected \(online.sorted())")
                #expect(follower.countsAgreed, "\(follower.client.label): an event's online_count disagreed with the list")
            }
            // What a newcomer is told agrees with what everyone kept.
            let late = try harness.connect(users[1], label: "u1-late")
            let answer = try late.ok("session.join", ["session": "s-kept"])
            #expect(answer["online"]?.arrayValue?.compactMap(\.stringValue) == (online.union(["u1"])).sorted())
        }
    }
}

/// A test client that keeps the online list the way the terminal client does (`OnlineRoster`):
/// the join answer's `online`, then each presence event in arrival order.
final class Follower: Sendable {
    let client: TandemTestClient
    private struct State {
        var roster = OnlineRoster()
        var presence: [JSONValue] = []
        var countsAgreed = true
    }
    private let state = Mutex(State())

    init(_ client: TandemTestClient) { self.client = client }

    var roster: OnlineRoster { state.withLock { $0.roster } }
    /// Every presence event received since the join, as it came.
    var presence: [JSONValue] { state.withLock { $0.presence } }
    /// Whether the list held as many users as every event said were online.
    var countsAgreed: Bool { state.withLock { $0.countsAgreed } }

    /// Joins and takes the answer's list. Events that arrived before the answer (the test client
    /// buffers them) are applied after it, as the terminal client does.
    func join(_ session: String) throws {
        let answer = try client.ok("session.join", ["session": .string(session)])
        let online = answer["online"]?.arrayValue?.compactMap(\.stringValue) ?? []
        state.withLock { $0.roster.reset(to: online) }
    }

    /// Applies presence events until the list is `expected` (then waits `quiet` seconds for a late
    /// event that would spoil it); false if it never gets there.
    func follow(until expected: Set<String>, quiet: Double = 0.3, timeout: Double = 10) -> Bool {
        let deadline = monotonicSeconds() + timeout
        while monotonicSeconds() < deadline {
            let settled = roster.users == expected
            guard let event = client.nextEvent(named: "presence", timeout: settled ? quiet : max(0, deadline - monotonicSeconds())) else {
                if settled { return true }
                continue
            }
            guard case .event(let decoded)? = try? ServerMessage.decode(event), case .presence(let change) = decoded.payload else {
                Issue.record("\(client.label): not a presence event: \(event)")
                continue
            }
            state.withLock { s in
                s.presence.append(event)
                if !s.roster.apply(change) { s.countsAgreed = false }
            }
        }
        return roster.users == expected
    }
}
