import Glibc

/// An IP address or a CIDR range (`10.0.0.5`, `10.0.0.0/8`, `fd00::/8`), matched against peer
/// addresses. IPv4 lives in the IPv4-mapped IPv6 space (`::ffff:0:0/96`), so `127.0.0.1` also
/// matches a peer a dual-stack listener (`--host ::`) reports as `::ffff:127.0.0.1`.
struct IPRange: Sendable, Hashable {
    /// 16 bytes, network order.
    let address: [UInt8]
    /// Leading bits that must match (0...128).
    let prefixLength: Int

    /// Parses an address or `address/prefix`; nil for anything else (host names included).
    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = Self.address(String(parts[0])) else { return nil }
        let isV4 = String(parts[0]).contains(".") && !String(parts[0]).contains(":")
        var length = 128
        if parts.count == 2 {
            guard let bits = Int(parts[1]), bits >= 0, bits <= (isV4 ? 32 : 128) else { return nil }
            length = isV4 ? 96 + bits : bits
        }
        self.address = address
        self.prefixLength = length
    }

    /// Whether `host` (an address without port) lies in the range.
    func contains(_ host: String) -> Bool {
        guard let other = Self.address(host) else { return false }
        var bits = prefixLength
        for i in 0..<16 where bits > 0 {
            let mask: UInt8 = bits >= 8 ? 0xFF : ~(0xFF >> UInt8(bits))
            if address[i] & mask != other[i] & mask { return false }
            bits -= 8
        }
        return true
    }

    /// An IPv4 or IPv6 address as 16 bytes (IPv4 mapped), or nil.
    static func address(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            // Safe: the bytes are copied out inside the closure. in_addr holds the address in network order; its bytes are the dotted quad.
            return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] + withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        // Safe: the 16 bytes are copied out inside the closure
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// An IPv4 or IPv6 literal written the one way `inet_ntop` writes it (IPv4-mapped IPv6 as
    /// IPv4, lower-case hex, zeros compressed); nil for anything that is not an address.
    static func normalizedAddress(_ text: String) -> String? {
        guard let bytes = address(text) else { return nil }
        let isV4 = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        // Safe: both pointers are valid for the call: `raw` covers the 16 (or last 4) bytes, `buffer` INET6_ADDRSTRLEN.
        let written = bytes.withUnsafeBytes { raw in
            isV4 ? inet_ntop(AF_INET, raw.baseAddress! + 12, &buffer, socklen_t(buffer.count))
                 : inet_ntop(AF_INET6, raw.baseAddress!, &buffer, socklen_t(buffer.count))
        }
        guard written != nil else { return nil }
        let length = buffer.firstIndex(of: 0) ?? buffer.count
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The address as the logs and per-address limits key it: an IPv4-mapped IPv6 address in
    /// its IPv4 form, so one client has one key whichever way the listener saw it.
    static func canonicalHost(_ host: String) -> String {
        let prefix = "::ffff:"
        if host.lowercased().hasPrefix(prefix) {
            let tail = String(host.dropFirst(prefix.count))
            var v4 = in_addr()
            if inet_pton(AF_INET, tail, &v4) == 1 { return tail }
        }
        return host
    }
}
