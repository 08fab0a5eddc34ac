/// The bound on every count the store keeps: a seq, a version, a turn's token counts, a member's
/// totals. Far above anything real, far below overflow. Posts and import documents are held to it
/// when written; counts read back are held to it too (`held`). The wire bounds token counts to the
/// same figure (TandemProtocol's `TokenCounts.maximumPerTurn`; TokenBoundLayersTests ties the two).
enum CountBound {
    /// The largest count stored: 2^48.
    static let most: Int64 = 1 << 48

    /// `n` held within ±`most`, for counts read back from the database: one written before posts
    /// were held to the bound (tokens up to Int64.max, totals past 2^48) reads as the bound, so the
    /// session's export still imports and its totals stop where new posts stop them.
    static func held(_ n: Int64) -> Int64 { max(-most, min(most, n)) }
}
