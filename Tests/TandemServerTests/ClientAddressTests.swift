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
}
