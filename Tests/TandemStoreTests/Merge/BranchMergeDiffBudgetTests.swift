import Testing
import TandemJSON
@testable import TandemMerge
@testable import TandemStore

/// `max-merge-diff-steps` bounds a whole `branch.merge`, all its rows' text merges together: per row,
/// a branch of rows that each fit held the single writer for their sum (500 rows of a 5,000-line
/// reordered text, ~28 ms each: ~14 s in one step; `writer-hold merge-texts`, docs/benchmarks.md).
@Suite struct BranchMergeDiffBudgetTests {
    /// A text whose lines the parent reorders (costly to diff) while the branch changes its tail
    /// (cheap): each row's merge is clean.
    private struct CostlyRow {
        let base: String, parent: String, branch: String
        init(lines: Int) {
            let mixed = (0..<lines).map { $0 % 2 == 0 ? "a\n" : "b\n" }.joined()
            let sorted = String(repeating: "a\n", count: (lines + 1) / 2) + String(repeating: "b\n", count: lines / 2)
            base = mixed + "sep\ntail\n"
            parent = sorted + "sep\ntail\n"
            branch = mixed + "sep\nTAIL\n"
        }

        /// Steps one row's merge takes (its line diff, and the walk's share: the text compared and merged).
        var steps: Int {
            var budget = Int.max
            _ = try? ThreeWayMerge.merge(base: .string(base), current: .string(parent), proposed: .string(branch), diffBudget: &budget)
            return Int.max - budget
        }
    }

    /// A parent with `rows` such rows, a branch (with one turn) that changed each of them.
    private func prepare(_ store: Store, rows: Int, row: CostlyRow) throws {
        try makeSession(store)
        for i in 0..<rows {
            _ = try store.writeRow(session: "s1", actor: "alice", key: "r\(i)", value: .string(row.base), baseVersion: 0)
        }
        _ = try store.createBranch(session: "s1", actor: "alice", id: "b1")
        for i in 0..<rows {
            _ = try store.writeRow(session: "s1", actor: "bob", key: "r\(i)", value: .string(row.parent), baseVersion: 1)
            _ = try store.writeRow(session: "b1", actor: "alice", key: "r\(i)", value: .string(row.branch), baseVersion: 1)
        }
        _ = try store.appendTurn(session: "b1", actor: "alice", NewTurn(role: .user, content: "in the branch"))
    }

    /// Rows that each fit the budget but together do not: refused whole, in one job and in steps.
    @Test(arguments: [500, 2])
    func rowsThatFitAloneButNotTogetherAreRefused(stepRows: Int) throws {
        let row = CostlyRow(lines: 600)
        let steps = row.steps
        try withStore(configure: { $0.maxMergeDiffSteps = steps * 5 / 2; $0.importStepRows = stepRows }) { store in
            try prepare(store, rows: 4, row: row)
            let message = try refusedBranchMerge(store)
            #expect(message.hasPrefix("limit_exceeded: "), "\(message)")
            #expect(message.contains("max-merge-diff-steps = \(steps * 5 / 2)") && message.contains("branch merge"), "\(message)")
            for i in 0..<4 {
                #expect(try store.stateRow(session: "s1", actor: "alice", key: "r\(i)")?.value == .string(row.parent))
            }
        }
    }

    /// Rows that fit together merge, in one job and in steps.
    @Test(arguments: [500, 2])
    func rowsThatFitTogetherMerge(stepRows: Int) throws {
        let row = CostlyRow(lines: 600)
        let steps = row.steps
        try withStore(configure: { $0.maxMergeDiffSteps = steps * 4 + 1_000; $0.importStepRows = stepRows }) { store in
            try prepare(store, rows: 4, row: row)
            guard case .merged(let summary) = try store.mergeBranch(branch: "b1", actor: "alice") else {
                Issue.record("not merged")
                return
            }
            #expect(summary.rowCount == 4)
            let expected = String(row.parent.dropLast("tail\n".count)) + "TAIL\n"
            for i in 0..<4 {
                #expect(try store.stateRow(session: "s1", actor: "alice", key: "r\(i)")?.value == .string(expected))
            }
        }
    }
}
