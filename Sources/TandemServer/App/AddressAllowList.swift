/// Addresses a setting lets in: IP addresses and CIDR ranges, or `any`.
struct AddressAllowList: Sendable {
    private let everyone: Bool
    private let ranges: [IPRange]

    init(_ entries: [String]) {
        everyone = entries.contains("any")
        ranges = entries.compactMap(IPRange.init)
    }

    /// Whether `host` (a client address, as `ClientAddress` resolves it) is let in.
    func allows(_ host: String) -> Bool {
        everyone || ranges.contains { $0.contains(host) }
    }
}
