/// The conflicting keys a branch merge's answer lists, found in key byte order: the first
/// `limit` of them (`StoreConfiguration.maxMergeConflictsReported`), and whether one more was
/// found after those, which is where a check stops reading rows: a client learns more exist
/// without the answer (or the check's memory) growing with the branch.
struct BranchMergeConflictList: Sendable {
    /// Keys listed at most.
    let limit: Int
    /// The listed keys' conflicts.
    private(set) var byKey: [String: [MergeConflict]] = [:]
    /// A key past the first `limit` conflicts too: the check can stop.
    private(set) var more = false

    init(limit: Int) { self.limit = max(1, limit) }

    /// No row conflicts: the merge may go ahead.
    var isEmpty: Bool { byKey.isEmpty }

    /// A conflicting key, after every key added before it in key byte order.
    mutating func add(_ key: String, _ conflicts: [MergeConflict]) {
        if byKey.count < limit { byKey[key] = conflicts } else { more = true }
    }

    /// The merge's answer.
    var result: BranchMergeResult { .conflict(byKey, more: more) }
}
