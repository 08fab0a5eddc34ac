#if canImport(Glibc)
import Glibc
#endif

/// Who a connection counts against under `TransportConfiguration.maxConnectionsPerAddress`: an
/// IPv4 address, or an IPv6 /64 (one host, or one home or office network, is usually given a
/// whole /64, so counting single IPv6 addresses would let one machine take as many as it likes).
/// An IPv4-mapped IPv6 address counts as its IPv4 address.
struct AddressKey: Hashable, Sendable {
    let high: UInt64
    let low: UInt64

    /// The key of a peer address as `accept` filled it in; nil for other families (never seen on
    /// a TCP listener).
    init?(_ storage: inout sockaddr_storage) {
        let family = Int32(storage.ss_family)
        // Safe: the storage is large enough for either family; the family field says which it holds.
        let key: AddressKey? = withUnsafeBytes(of: &storage) { raw -> AddressKey? in
            if family == AF_INET {
                let v4 = raw.loadUnaligned(as: sockaddr_in.self)
                return AddressKey(ipv4: UInt32(bigEndian: v4.sin_addr.s_addr))
            }
            guard family == AF_INET6 else { return nil }
            let bytes = withUnsafeBytes(of: raw.loadUnaligned(as: sockaddr_in6.self).sin6_addr) { Array($0) }
            return AddressKey(ipv6: bytes)
        }
        guard let key else { return nil }
        self = key
    }

    /// The key of an address written as text ("198.51.100.7", "2001:db8::1"); nil for anything else.
    init?(host: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            self.init(ipv4: UInt32(bigEndian: v4.s_addr))
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, host, &v6) == 1 else { return nil }
        // Safe: the 16 bytes of the local in6_addr are copied into an array inside the closure.
        self.init(ipv6: withUnsafeBytes(of: v6) { Array($0) })
    }

    init(ipv4: UInt32) {
        self.init(high: 0, low: 0xFFFF_0000_0000 | UInt64(ipv4))
    }

    /// `bytes`: the 16 bytes of an IPv6 address, network order.
    init(ipv6 bytes: [UInt8]) {
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            self.init(ipv4: bytes[12..<16].reduce(0) { $0 << 8 | UInt32($1) })
            return
        }
        // The /64 prefix; `low` 1 keeps it apart from every IPv4 key (whose `high` is 0, as is a
        // /64 of all zeros).
        self.init(high: bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }, low: 1)
    }

    private init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }
}

/// The count behind `maxConnectionsPerAddress`, pure (the server holds it under its lock).
///
/// Admitted connections count until they close. Over the limit a connection is still accepted, to
/// be told why (HTTP 429) when its request arrives, on up to `refusalsPerAddress` such connections
/// at once per address; beyond those it is closed right after accept, as past the overflow places
/// at max-connections: a client that reopens sockets as fast as it can costs a few descriptors.
struct AddressLimit {
    enum Verdict: Equatable { case admit, refuse, drop }

    /// 0: no limit.
    let limit: Int
    let refusalsPerAddress: Int
    private var admitted: [AddressKey: Int] = [:]
    private var refusing: [AddressKey: Int] = [:]

    init(limit: Int, refusalsPerAddress: Int = 16) {
        self.limit = max(0, limit)
        self.refusalsPerAddress = refusalsPerAddress
    }

    var isOn: Bool { limit > 0 }

    /// Counts a new connection from `key` and says what to do with it.
    mutating func admit(_ key: AddressKey) -> Verdict {
        guard isOn else { return .admit }
        let count = admitted[key, default: 0]
        if count < limit {
            admitted[key] = count + 1
            return .admit
        }
        let refused = refusing[key, default: 0]
        guard refused < refusalsPerAddress else { return .drop }
        refusing[key] = refused + 1
        return .refuse
    }

    /// Counts a connection whose client its proxy named, if `key` is under the limit; false
    /// otherwise (nothing counted: it is answered 429 at once, and already holds a place of
    /// max-connections as the proxy's connection, so it needs no refusal place of its own).
    mutating func admitNamed(_ key: AddressKey) -> Bool {
        guard isOn else { return true }
        let count = admitted[key, default: 0]
        guard count < limit else { return false }
        admitted[key] = count + 1
        return true
    }

    /// A connection `admit` or `admitNamed` counted has closed (`refused`: it was answered 429).
    mutating func release(_ key: AddressKey, refused: Bool) {
        guard isOn else { return }
        if refused {
            Self.decrement(&refusing, key)
        } else {
            Self.decrement(&admitted, key)
        }
    }

    /// Connections counted for `key` (for tests): admitted, and being refused.
    func counts(_ key: AddressKey) -> (admitted: Int, refusing: Int) {
        (admitted[key, default: 0], refusing[key, default: 0])
    }

    /// Addresses with a connection: the table never keeps an address with none.
    var addresses: Int { admitted.count }

    private static func decrement(_ table: inout [AddressKey: Int], _ key: AddressKey) {
        guard let count = table[key] else { return }
        table[key] = count > 1 ? count - 1 : nil
    }
}
