import Foundation
import Synchronization
import Testing
@testable import TandemServer

/// `max-connections-per-user` is checked and taken in one step: with a count first and the
/// registration after the handshake's answer, handshakes on two event loops could both take the
/// last place.
@Suite struct ConnectionPlacesTests {
    @Test func concurrentHandshakesTakeNoMoreThanTheLimit() {
        let registry = ConnectionRegistry()
        let granted = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 64) { _ in
            if registry.reserve("alice", limit: 8) { granted.add(1, ordering: .relaxed) }
        }
        #expect(granted.load(ordering: .relaxed) == 8)
        #expect(registry.reserve("bob", limit: 8), "places are per user")
        #expect(!registry.reserve("alice", limit: 8))
    }

    /// A viewer takes the link's place and its address's together, or neither: a refusal for the
    /// address leaves the link's places to other addresses.
    @Test func aViewerTakesBothPlacesOrNeither() {
        let registry = ConnectionRegistry()
        let here = ConnectionRegistry.viewerPlace(link: "L", address: "2001:db8:1:2::1")
        #expect(here == ConnectionRegistry.viewerPlace(link: "L", address: "2001:db8:1:2::99"), "an IPv6 /64 is one address")
        #expect(here != ConnectionRegistry.viewerPlace(link: "M", address: "2001:db8:1:2::1"), "per link")
        #expect(registry.reserve("share:L", limit: 3, also: (here, 2)) == nil)
        #expect(registry.reserve("share:L", limit: 3, also: (here, 2)) == nil)
        #expect(registry.reserve("share:L", limit: 3, also: (here, 2)) == here)
        let there = ConnectionRegistry.viewerPlace(link: "L", address: "198.51.100.7")
        #expect(registry.reserve("share:L", limit: 3, also: (there, 2)) == nil, "the refusal took no place of the link")
        #expect(registry.reserve("share:L", limit: 3, also: (there, 2)) == "share:L")
    }
}
