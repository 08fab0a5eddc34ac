import Testing
@testable import TandemServer

@Suite struct ClientAddressTests {
    let behindProxy = ClientAddress(trustedProxies: ["127.0.0.1", "10.0.0.5"])

    @Test func anUntrustedPeerIsTheClientWhateverItClaims() {
        #expect(behindProxy.resolve(peer: "203.0.113.9:5000", forwardedFor: ["198.51.100.1"]) == "203.0.113.9")
        #expect(ClientAddress(trustedProxies: []).resolve(peer: "127.0.0.1:4000", forwardedFor: ["198.51.100.1"]) == "127.0.0.1")
    }

    @Test func aTrustedProxyNamesTheClient() {
        #expect(behindProxy.resolve(peer: "127.0.0.1:4000", forwardedFor: ["198.51.100.1"]) == "198.51.100.1")
        // Entries left of the last untrusted hop were written by the client: a forged one is ignored.
        #expect(behindProxy.resolve(peer: "127.0.0.1:4000", forwardedFor: ["1.1.1.1, 198.51.100.1"]) == "198.51.100.1")
        // A chain of trusted proxies is walked past; several headers are one list.
        #expect(behindProxy.resolve(peer: "127.0.0.1:4000", forwardedFor: ["198.51.100.1", "10.0.0.5"]) == "198.51.100.1")
        // Ports and IPv6 brackets are dropped: limits are per host.
        #expect(behindProxy.resolve(peer: "127.0.0.1:4000", forwardedFor: ["[2001:db8::1]:443"]) == "2001:db8::1")
        #expect(behindProxy.resolve(peer: "127.0.0.1:4000", forwardedFor: ["2001:db8::2"]) == "2001:db8::2")
    }

    @Test func aTrustedProxyWithoutTheHeaderIsItself() {
        #expect(behindProxy.resolve(peer: "127.0.0.1:4000", forwardedFor: []) == "127.0.0.1")
        #expect(behindProxy.resolve(peer: "127.0.0.1:4000", forwardedFor: [" , "]) == "127.0.0.1")
        // Only trusted proxies in the chain: the left-most is the best there is.
        #expect(behindProxy.resolve(peer: "127.0.0.1:4000", forwardedFor: ["10.0.0.5, 127.0.0.1"]) == "10.0.0.5")
    }

    @Test func aForwardedEntryThatIsNotAnAddressFallsBackToThePeer() {
        // What the audit sent through a trusted proxy: text that forged key=value fields in the log.
        let forged = "10.0.0.9 path=/ws reason=ok status=101 user=owner"
        #expect(behindProxy.resolve(peer: "127.0.0.1:4000", forwardedFor: [forged]) == "127.0.0.1")
        for bad in ["nginx.internal", "unknown", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1.2.3.4 x", "fe80::1%eth0",
                    "[2001:db8::1", "2001:db8::g", "\"1.2.3.4\"", "_hidden"] {
            #expect(behindProxy.resolve(peer: "127.0.0.1:4000", forwardedFor: [bad]) == "127.0.0.1", "\(bad)")
            // Even behind a proxy that appended the real client further right, garbage on the left is never taken.
            #expect(behindProxy.resolve(peer: "127.0.0.1:4000", forwardedFor: [bad + ", 198.51.100.1"]) == "198.51.100.1")
            // The right-most untrusted entry is the client; if it is garbage, nothing further left is believed.
            #expect(behindProxy.resolve(peer: "127.0.0.1:4000", forwardedFor: ["198.51.100.1, " + bad, "10.0.0.5"]) == "127.0.0.1")
        }
        // An address counts in one spelling only: one client, one key.
        #expect(behindProxy.resolve(peer: "127.0.0.1:4000", forwardedFor: ["2001:DB8:0:0::1"]) == "2001:db8::1")
        #expect(behindProxy.resolve(peer: "127.0.0.1:4000", forwardedFor: ["[::FFFF:198.51.100.1]:80"]) == "198.51.100.1")
        #expect(IPRange.normalizedAddress("::1") == "::1" && IPRange.normalizedAddress("203.0.113.9") == "203.0.113.9")
        #expect(IPRange.normalizedAddress("") == nil && IPRange.normalizedAddress("localhost") == nil)
    }

    @Test func aDualStackListenerSeesIPv4ProxiesAsMappedAddressesAndRangesMatch() {
        // `--host ::` reports IPv4 peers as ::ffff:a.b.c.d: still the trusted proxy, keyed as IPv4.
        #expect(behindProxy.resolve(peer: "[::ffff:127.0.0.1]:4000", forwardedFor: ["10.0.0.1"]) == "10.0.0.1")
        #expect(behindProxy.resolve(peer: "[::ffff:203.0.113.9]:4000", forwardedFor: ["10.0.0.1"]) == "203.0.113.9")
        let ranges = ClientAddress(trustedProxies: ["10.0.0.0/8", "fd00::/8"])
        #expect(ranges.resolve(peer: "10.200.3.4:1", forwardedFor: ["198.51.100.7"]) == "198.51.100.7")
        #expect(ranges.resolve(peer: "[fd12::1]:1", forwardedFor: ["198.51.100.7"]) == "198.51.100.7")
        #expect(ranges.resolve(peer: "11.0.0.1:1", forwardedFor: ["198.51.100.7"]) == "11.0.0.1")
        #expect(IPRange("nginx.internal") == nil && IPRange("10.0.0.0/33") == nil && IPRange("::/129") == nil)
        var c = ServerConfiguration()
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.set("trusted-proxies", "127.0.0.1, nginx.internal", source: "x", on: &c) }
    }

    @Test func metricsReadersAreAddressesRangesOrAny() throws {
        var c = ServerConfiguration()
        let local = AddressAllowList(c.metricsFrom)
        #expect(local.allows("127.0.0.1") && local.allows("127.9.9.9") && local.allows("::1") && local.allows("::ffff:127.0.0.1"))
        #expect(!local.allows("10.0.0.1") && !local.allows("fd00::1"))
        try ConfigurationLoader.set("metrics-from", "10.0.0.0/8, fd00::/8", source: "x", on: &c)
        let monitoring = AddressAllowList(c.metricsFrom)
        #expect(monitoring.allows("10.1.2.3") && monitoring.allows("fd00::9") && !monitoring.allows("127.0.0.1"))
        try ConfigurationLoader.set("metrics-from", "any", source: "x", on: &c)
        #expect(AddressAllowList(c.metricsFrom).allows("203.0.113.5"))
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.set("metrics-from", "prometheus.internal", source: "x", on: &c) }
    }
    /// What the per-address connection count keys a proxy's connection by: only a client the request
    /// names (the proxy's own requests, or an untrusted peer's claims, name none).
    @Test func theForwardedClientIsNamedOnlyByATrustedProxy() {
        #expect(behindProxy.forwardedClient(peer: "127.0.0.1:4000", forwardedFor: ["1.1.1.1, 198.51.100.1"]) == "198.51.100.1")
        #expect(behindProxy.forwardedClient(peer: "203.0.113.9:5000", forwardedFor: ["198.51.100.1"]) == nil)
        #expect(behindProxy.forwardedClient(peer: "127.0.0.1:4000", forwardedFor: []) == nil)
        #expect(behindProxy.forwardedClient(peer: "127.0.0.1:4000", forwardedFor: ["unknown"]) == nil)
        #expect(behindProxy.forwardedClient(peer: "127.0.0.1:4000", forwardedFor: ["::ffff:198.51.100.1"]) == "198.51.100.1")
    }
}
