import Testing
@testable import TandemServer

/// The per-address budget of failed authentications (`auth-failures-per-minute`).
@Suite struct AuthThrottleTests {
    @Test func ipv6AddressesCountByTheirSlash64AndIPv4ByTheAddress() {
        #expect(AuthThrottle.key("2001:db8:1:2::7") == "2001:db8:1:2::/64")
        #expect(AuthThrottle.key("2001:0DB8:0001:0002:ffff:1:2:3") == "2001:db8:1:2::/64")
        #expect(AuthThrottle.key("::1") == "0:0:0:0::/64")
        #expect(AuthThrottle.key("::ffff:10.1.2.3") == "::ffff:10.1.2.3", "an IPv4-mapped address stays as written (resolve gives its IPv4 form)")
        #expect(AuthThrottle.key("10.1.2.3") == "10.1.2.3")
        #expect(AuthThrottle.key("not-an-address") == "not-an-address")
    }

    @Test func aGuesserMovingWithinItsSlash64IsThrottled() {
        let throttle = AuthThrottle(perMinute: 3)
        for n in 1...3 { _ = throttle.reserve("2001:db8:1:2::\(n)", now: 100) }
        #expect(throttle.secondsUntilAllowed("2001:db8:1:2:abcd::9", now: 100) > 0)
        #expect(throttle.secondsUntilAllowed("2001:db8:1:3::1", now: 100) == 0)
    }

    @Test func aFloodOfNewAddressesDoesNotWipeAThrottledOne() {
        let throttle = AuthThrottle(perMinute: 2, maxAddresses: 10)
        _ = throttle.reserve("10.0.0.1", now: 0)
        _ = throttle.reserve("10.0.0.1", now: 0)
        #expect(throttle.secondsUntilAllowed("10.0.0.1", now: 0) > 0)
        // Many other addresses fail once each: the table fills, then overflows.
        for n in 0..<50 { _ = throttle.reserve("192.0.2.\(n)", now: 1) }
        #expect(throttle.secondsUntilAllowed("10.0.0.1", now: 1) > 0, "the guesser at 10.0.0.1 is still throttled")
        // Once their budgets are whole again, the addresses are forgotten and new ones tracked.
        _ = throttle.reserve("198.51.100.1", now: 500)
        _ = throttle.reserve("198.51.100.1", now: 500)
        #expect(throttle.secondsUntilAllowed("198.51.100.1", now: 500) > 0)
    }

    @Test func reservingTakesTheAttemptAtOnceAndARefundGivesItBack() {
        let throttle = AuthThrottle(perMinute: 3)
        // Three attempts in flight at once take the whole budget; a fourth waits (20 s at 3 a minute).
        for _ in 0..<3 { #expect(throttle.reserve("10.0.0.1", now: 100) == 0) }
        let wait = throttle.reserve("10.0.0.1", now: 100)
        #expect(wait > 19 && wait <= 20, "\(wait)")
        // One of them was a good credential: its attempt comes back, and is taken by the next one.
        throttle.refund("10.0.0.1", now: 100)
        #expect(throttle.reserve("10.0.0.1", now: 100) == 0)
        #expect(throttle.reserve("10.0.0.1", now: 100) > 0)
        // An address whose attempts all came back is forgotten.
        #expect(throttle.reserve("10.0.0.2", now: 100) == 0)
        #expect(throttle.trackedCount == 2)
        throttle.refund("10.0.0.2", now: 100)
        #expect(throttle.trackedCount == 1)
    }
}
