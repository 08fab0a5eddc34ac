import Testing
@testable import TandemStore

/// The turns a merge appended to `parent`, read back from its history by the summary's seqs (the
/// merge's answer no longer carries them): empty when it merged none. Records an issue when the
/// block read back is not `turnCount` turns long.
func mergedTurns(_ store: Store, parent: String, _ summary: BranchMergeSummary, actor: String = "alice") throws -> [Turn] {
    guard let first = summary.firstSeq, let last = summary.lastSeq else {
        #expect(summary.turnCount == 0 && summary.lastSeq == nil, "\(summary)")
        return []
    }
    let turns = try store.turns(session: parent, actor: actor, range: first...last)
    #expect(Int64(turns.count) == summary.turnCount, "\(summary)")
    return turns
}
