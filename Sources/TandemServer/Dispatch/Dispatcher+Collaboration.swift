import TandemProtocol
import TandemStore

extension Dispatcher {
    func saveCheckpoint(_ p: CheckpointParams, client: ClientConnection) throws -> CheckpointResult {
        let user = try memberUser(client)
        return CheckpointResult(checkpoint: TandemProtocol.Checkpoint(try store.saveCheckpoint(session: p.session, actor: user, name: p.name)))
    }

    func listCheckpoints(_ p: CheckpointListParams, client: ClientConnection) throws -> CheckpointListResult {
        let user = try memberUser(client)
        let page = try store.checkpointPage(session: p.session, actor: user, after: p.after, limit: pageLimit(p.limit), budget: pageBudget)
        return CheckpointListResult(checkpoints: page.checkpoints.map(TandemProtocol.Checkpoint.init), more: page.more)
    }

    /// A page of one checkpoint's key → version map (same page rules as the lists).
    func checkpointRows(_ p: CheckpointGetParams, client: ClientConnection) throws -> CheckpointGetResult {
        let user = try memberUser(client)
        let page = try store.checkpointEntries(session: p.session, actor: user, name: p.name, after: p.after,
                                               limit: pageLimit(p.limit), budget: pageBudget)
        return CheckpointGetResult(rows: page.entries.map { CheckpointRow(key: $0.key, version: $0.version) }, more: page.more)
    }

    func restoreCheckpoint(_ p: CheckpointParams, client: ClientConnection) throws -> CheckpointResult {
        let user = try memberUser(client)
        let restored = try store.restoreCheckpoint(session: p.session, actor: user, name: p.name)
        publishFromLog(p.session)
        return CheckpointResult(checkpoint: TandemProtocol.Checkpoint(restored.checkpoint), eseq: restored.eventSeq)
    }

    func createBranch(_ p: BranchCreateParams, client: ClientConnection) throws -> SessionResult {
        let user = try memberUser(client)
        let branch = try store.createBranch(session: p.session, actor: user, atSeq: p.at, id: p.branch, title: p.title)
        return try made(branch, for: user)
    }

    /// Merges a branch into its parent: the parent's subscribers see the new turns and rows. A big
    /// merge goes in steps (on this work-pool thread, as a fork's do); after each, the parent's
    /// subscribers get what it wrote, in order, so they follow the merge as it goes.
    func mergeBranch(_ p: BranchMergeParams, client: ClientConnection) throws -> TandemProtocol.BranchMergeResult {
        let user = try memberUser(client)
        let parent = try store.session(id: p.session, actor: user).parentID
        var onStep: (@Sendable () -> Void)? = nil
        if let parent {
            onStep = { @Sendable [self] () -> Void in self.publishFromLog(parent) }
        }
        switch try store.mergeBranch(branch: p.session, actor: user, resolutions: p.resolutions, onStep: onStep) {
        case .merged(let summary):
            if let parent { publishFromLog(parent) }
            publishFromLog(p.session) // the branch's own "archived"
            return TandemProtocol.BranchMergeResult(merged: true, firstSeq: summary.firstSeq, lastSeq: summary.lastSeq,
                                                    rows: summary.rowKeys, rowsTotal: summary.rowCount)
        case .conflict(let byKey, let more):
            metrics.conflicts.add(byKey.count)
            // Key byte order, as the store picked the first keys in (Swift's `<` compares canonically).
            let conflicts = byKey.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { key in
                RowConflictDTO(key: key, conflicts: byKey[key]!.map(MergeConflictDTO.init))
            }
            return TandemProtocol.BranchMergeResult(merged: false, conflicts: conflicts, conflictsMore: more)
        }
    }

    func discardBranch(_ p: SessionRef, client: ClientConnection) throws -> EmptyResult {
        let user = try memberUser(client)
        let before = try store.session(id: p.session, actor: user)
        try deletingHere(p.session) { (following) throws in
            let tail = try store.discardBranch(branch: p.session, actor: user, changesAfter: following?.fanout.delivered)
            publishTail(tail, of: before)
            announceDeleted(before, lastEventSeq: tail.lastEventSeq, by: user)
            publishUnparented(tail)
        }
        return EmptyResult()
    }

    func saveTemplate(_ p: TemplateSaveParams, client: ClientConnection) throws -> TemplateResult {
        let user = try memberUser(client)
        return TemplateResult(template: TemplateInfo(try store.saveTemplate(session: p.session, actor: user, name: p.name)))
    }

    func listTemplates(_ p: TemplateListParams, client: ClientConnection) throws -> TemplateListResult {
        let user = try memberUser(client)
        let page = try store.templatePage(of: user, after: p.after, limit: pageLimit(p.limit), budget: pageBudget)
        return TemplateListResult(templates: page.templates.map(TemplateInfo.init), more: page.more)
    }

    func createFromTemplate(_ p: TemplateCreateParams, client: ClientConnection) throws -> SessionResult {
        let user = try memberUser(client)
        let session = try store.createSession(fromTemplate: p.template, actor: user, id: p.session, title: p.title)
        return try made(session, for: user)
    }
}
