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
}
