import Foundation

/// Which address a request comes from, for the per-address limits and the logs.
///
/// Behind a reverse proxy every TCP peer is the proxy, so per-address limits would count every
/// client together (one guesser could get everyone refused). With the proxy's address listed in
/// `trustedProxies` (`--trusted-proxies`), the client is the right-most `X-Forwarded-For` entry
/// that is not itself a trusted proxy: entries further left were written by the client and may be
/// forged. A peer that is not trusted is the client, whatever headers it sends. That entry counts
/// only if it is an IPv4 or IPv6 address (written as `inet_ntop` writes it, so one client has one
/// key): it is logged and keys the limits, so any other text falls back to the peer's address.
struct ClientAddress: Sendable {
    /// Addresses or CIDR ranges (checked by the configuration: `IPRange` parses each).
    let trustedProxies: AddressAllowList

    init(trustedProxies: [String]) {
        self.trustedProxies = AddressAllowList(trustedProxies)
    }

    /// The client's host for a request that came from `peer` ("ip:port" or "[ip6]:port"); an
    /// IPv4-mapped IPv6 address in its IPv4 form.
    func resolve(peer: String, forwardedFor: [String]) -> String {
        forwardedClient(peer: peer, forwardedFor: forwardedFor) ?? Self.host(of: peer)
    }

    /// The client a trusted proxy's request names in `X-Forwarded-For`, by the rule above; nil when
    /// `peer` is not a trusted proxy, or its request names no client as an address (then the client
    /// is the peer itself).
    func forwardedClient(peer: String, forwardedFor: [String]) -> String? {
        guard isTrusted(Self.host(of: peer)) else { return nil }
        // Several headers count as one list, in order (RFC 7230 §3.2.2).
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }
            .map { Self.host(of: $0.trimmingCharacters(in: .whitespaces)) }
            .filter { !$0.isEmpty }
        for hop in hops.reversed() where !isTrusted(hop) {
            return IPRange.normalizedAddress(hop)
        }
        // Only trusted proxies in the chain (each an address, as `isTrusted` parsed it).
        return hops.first.flatMap(IPRange.normalizedAddress)
    }

    private func isTrusted(_ host: String) -> Bool {
        trustedProxies.allows(host)
    }

    /// The address without its port: limits are per client host.
    static func host(of peer: String) -> String {
        if peer.hasPrefix("["), let end = peer.firstIndex(of: "]") {
            return IPRange.canonicalHost(String(peer[peer.index(after: peer.startIndex)..<end]))
        }
        if let colon = peer.lastIndex(of: ":"), peer.firstIndex(of: ":") == colon { return String(peer[..<colon]) }
        return IPRange.canonicalHost(peer)
    }
}
