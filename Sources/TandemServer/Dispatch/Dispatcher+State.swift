import TandemProtocol
import TandemStore

extension Dispatcher {
    func stateGet(_ p: StateGetParams, client: ClientConnection) throws -> StateGetResult {
        let actor = try actor(client, session: p.session, op: .stateGet)
        if let key = p.key {
            let row = try store.stateRow(session: p.session, actor: actor, key: key)
            return StateGetResult(rows: row.map { [TandemProtocol.StateRow($0)] } ?? [])
        }
        let page = try store.statePage(session: p.session, actor: actor, after: p.after, limit: Int(p.limit ?? 100_000), budget: pageBudget)
        return StateGetResult(rows: page.rows.map(TandemProtocol.StateRow.init), more: page.more)
    }

    /// A versioned write: applied, merged three-way, or refused as a conflict listing each path.
    func statePut(_ p: StatePutParams, client: ClientConnection) throws -> StatePutResult {
        let user = try memberUser(client)
        let outcome = try store.writeRow(session: p.session, actor: user, key: p.key, value: p.value, baseVersion: p.base)
        switch outcome {
        case .applied(let row, let eseq):
            publishFromLog(p.session)
            return .applied(row: TandemProtocol.StateRow(row), eseq: eseq)
        case .merged(let row, let eseq):
            metrics.merges.add()
            publishFromLog(p.session)
            return .merged(row: TandemProtocol.StateRow(row), eseq: eseq)
        case .conflict(_, _, let conflicts, let current, let merged):
            metrics.conflicts.add()
            // Left out when it is current's value (every whole-value conflict): the answer holds that
            // value twice already, and a big text row's answer would pass 1 MiB a third time over.
            return .conflict(current: current.map(TandemProtocol.StateRow.init), conflicts: conflicts.map(MergeConflictDTO.init),
                             merged: merged == current?.value ? Optional.none : merged)
        }
    }
}
