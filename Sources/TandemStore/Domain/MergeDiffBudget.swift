/// Merge steps left for one write (`max-merge-diff-steps`): its text merges' line diffs and its
/// walk over the values (`ThreeWayMerge.merge(diffBudget:)`). A stale
/// `state.put` has one of its own; a `branch.merge`'s rows share one (its check one, and each
/// writer job that writes rows another), so however many rows a branch brings, the writer spends
/// at most one budget's worth of diff per job: per row, 500 rows that each just fit held it for
/// their sum (~14 s; docs/benchmarks.md, `writer-hold merge-texts`).
struct MergeDiffBudget {
    /// The setting's value, named in the refusal.
    let limit: Int
    /// Steps left; each merge spends from it in turn.
    var left: Int
    /// What shares the budget, for the refusal (nil: one row's write).
    let sharedBy: String?
    /// Conflicting text regions each row's merge lists (`max-conflict-lines`): not spent, every
    /// row's merge has this many. It rides here as every merge of the store takes its budget.
    let maxConflictLines: Int

    init(limit: Int, maxConflictLines: Int, sharedBy: String? = nil) {
        self.limit = limit
        self.left = limit
        self.maxConflictLines = maxConflictLines
        self.sharedBy = sharedBy
    }

    /// The budget of one stale row write's merge.
    static func rowWrite(_ configuration: StoreConfiguration) -> MergeDiffBudget {
        MergeDiffBudget(limit: configuration.maxMergeDiffSteps, maxConflictLines: configuration.maxConflictLines)
    }

    /// The budget of a branch merge's rows (its check, or one writer job of its writes).
    static func branchMerge(_ configuration: StoreConfiguration) -> MergeDiffBudget {
        MergeDiffBudget(limit: configuration.maxMergeDiffSteps, maxConflictLines: configuration.maxConflictLines,
                        sharedBy: "branch merge")
    }
}
