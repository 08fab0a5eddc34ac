/// What a branch merge wrote into its parent, in a size that does not grow with its turns or rows:
/// a merge of 10^6 turns answers with a few numbers, not the turns (the answer used to carry every
/// merged `Turn` and row, all held by the merger's thread until the merge ended), and a merge of
/// 10^5 rows with the first `maxMergeRowsReported` keys and a count. The merged turns are one
/// block of seqs in the parent (`firstSeq...lastSeq`): the parent is held for the whole merge, so
/// nothing else appends between them.
public struct BranchMergeSummary: Sendable, Equatable {
    /// The seq the first merged turn got in the parent (nil when no turn was merged).
    public var firstSeq: Int64?
    /// The seq the last merged turn got in the parent (nil when no turn was merged).
    public var lastSeq: Int64?
    /// How many turns were merged.
    public var turnCount: Int64
    /// The keys of the first rows written in the parent (applied or merged), at most
    /// `StoreConfiguration.maxMergeRowsReported`, in key byte order (the order the merge writes
    /// them in); `rowCount` counts them all.
    public var rowKeys: [String]
    /// How many rows were written in the parent (`rowKeys` names the first of them).
    public var rowCount: Int64
    /// The seq of the parent's `branch_merge` event, the merge's last write there.
    public var eventSeq: Int64

    public init(firstSeq: Int64?, lastSeq: Int64?, turnCount: Int64, rowKeys: [String], rowCount: Int64, eventSeq: Int64) {
        self.firstSeq = firstSeq
        self.lastSeq = lastSeq
        self.turnCount = turnCount
        self.rowKeys = rowKeys
        self.rowCount = rowCount
        self.eventSeq = eventSeq
    }

    /// Whether more rows were written than `rowKeys` names.
    public var moreRows: Bool { rowCount > Int64(rowKeys.count) }
}

/// A merge's summary as its writes go, kept by the one-job merge and across a merge's steps:
/// O(1) per turn (the first and last seq and a count), and for rows a count and the first `keep`
/// keys (O(1) in the rows merged too).
struct BranchMergeTally: Sendable, Equatable {
    var firstSeq: Int64?
    var lastSeq: Int64?
    var turnCount: Int64 = 0
    /// Keys of the first rows written (at most `keep`), in the order written: key byte order,
    /// as every merge writes its rows (`BranchChangedRows.load`) and its steps take them in turn.
    var rowKeys: [String] = []
    /// How many keys `rowKeys` holds at most (`StoreConfiguration.maxMergeRowsReported`).
    let keep: Int
    /// Rows written (those `rowKeys` names and the rest).
    var rowCount: Int64 = 0
    /// Every row write's answer counted, written or not, as the `branch_merge` event's `rows`
    /// always counted them (a merge's plan leaves none unwritten, so it equals `rowCount`).
    var rowResults: Int64 = 0

    /// A tally keeping at most `keep` row keys (0 for one that only counts turns).
    init(keep: Int) { self.keep = max(0, keep) }

    /// Nothing was merged.
    var isEmpty: Bool { turnCount == 0 && rowResults == 0 }

    /// A turn appended to the parent as `seq` (after every turn added before).
    mutating func addTurn(seq: Int64) {
        if firstSeq == nil { firstSeq = seq }
        lastSeq = seq
        turnCount += 1
    }

    /// A row write's answer.
    mutating func addRow(_ result: RowWriteResult) {
        rowResults += 1
        if let key = result.row?.key { addKey(key) }
    }

    /// A written row's key: kept while fewer than `keep` are, counted always.
    mutating func addKey(_ key: String) {
        rowCount += 1
        if rowKeys.count < keep { rowKeys.append(key) }
    }

    /// `later`'s writes, which came after this one's (its keys kept up to this tally's `keep`).
    mutating func add(_ later: BranchMergeTally) {
        if firstSeq == nil { firstSeq = later.firstSeq }
        if later.lastSeq != nil { lastSeq = later.lastSeq }
        turnCount += later.turnCount
        rowKeys += later.rowKeys.prefix(max(0, keep - rowKeys.count))
        rowCount += later.rowCount
        rowResults += later.rowResults
    }

    /// The answer, once the merge's `branch_merge` event is `eventSeq`.
    func summary(eventSeq: Int64) -> BranchMergeSummary {
        BranchMergeSummary(firstSeq: firstSeq, lastSeq: lastSeq, turnCount: turnCount, rowKeys: RowKeyOrder.sorted(rowKeys),
                           rowCount: rowCount, eventSeq: eventSeq)
    }
}

/// Row keys in key byte order, as SQLite's BINARY collation orders them (Swift's `<` on `String`
/// compares canonically equivalent forms alike, which is not the order the merge writes in).
enum RowKeyOrder {
    static func sorted(_ keys: [String]) -> [String] {
        keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}

extension BranchMergeSummary {
    /// The summary of a held merge read back from the parent's log, for a merger whose next step
    /// found the job gone (another process finished the merge): the parent was held from
    /// `target.parentHeldAt` on, so its first `branch_merge` event after that mark is this merge's,
    /// the state events between are its rows, and its turns (the event's `turns` of them) are the
    /// block of seqs ending at the last turn appended before that event. Nil when there is no such
    /// event (the merge ended without merging all: a session was deleted under it).
    /// Lists at most `keep` row keys, the first in key byte order, and counts the rest.
    static func read(_ db: Database, _ target: BranchMergeTarget, keep: Int) throws(StoreError) -> BranchMergeSummary? {
        guard let mark = target.parentHeldAt,
              let (eventSeq, turnCount) = try db.queryOne("""
                SELECT seq, coalesce(json_extract(data, '$.turns'), 0) FROM events
                WHERE sid = ? AND seq > ? AND kind = 'branch_merge' AND json_extract(data, '$.branch') = ? ORDER BY seq LIMIT 1
                """, [.integer(target.parentSid), .integer(mark), .text(target.branchID)], { ($0.int(0), $0.int(1)) })
        else { return nil }
        let rowsWritten = """
            SELECT DISTINCT row_key FROM events WHERE sid = ?1 AND seq > ?2 AND seq < ?3 AND kind = 'state' AND row_key IS NOT NULL
            """
        let bounds: [SQLValue] = [.integer(target.parentSid), .integer(mark), .integer(eventSeq)]
        let keys = try db.query(rowsWritten + " ORDER BY row_key LIMIT ?4", bounds + [.integer(Int64(max(0, keep)))]) { $0.text(0) }
        let rowCount = try db.scalar("SELECT count(*) FROM (\(rowsWritten))", bounds) ?? 0
        var lastSeq: Int64?
        if turnCount > 0 {
            // Walks the parent's turns back from its newest: only posts parked behind the merge come after its block.
            lastSeq = try db.scalar("SELECT seq FROM turns WHERE sid = ? AND event_seq < ? ORDER BY seq DESC LIMIT 1",
                                    [.integer(target.parentSid), .integer(eventSeq)])
        }
        return BranchMergeSummary(firstSeq: lastSeq.map { $0 - turnCount + 1 }, lastSeq: lastSeq, turnCount: turnCount,
                                  rowKeys: RowKeyOrder.sorted(keys), rowCount: rowCount, eventSeq: eventSeq)
    }
}
