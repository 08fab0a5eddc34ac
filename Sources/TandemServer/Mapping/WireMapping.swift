import TandemJSON
import TandemProtocol
import TandemStore

// The store and the protocol each have their own domain types (the store must not know the wire,
// the wire must not know SQLite). This file is the one place that converts between them.

extension TandemProtocol.Role {
    init(_ role: TandemStore.Role) {
        switch role {
        case .owner: self = .owner
        case .admin: self = .admin
        case .write: self = .write
        case .comment: self = .comment
        case .read: self = .read
        }
    }

    var store: TandemStore.Role {
        switch self {
        case .owner: .owner
        case .admin: .admin
        case .write: .write
        case .comment: .comment
        case .read: .read
        }
    }
}

extension TandemProtocol.TurnRole {
    init(_ role: TandemStore.TurnRole) {
        switch role {
        case .user: self = .user
        case .assistant: self = .assistant
        case .tool: self = .tool
        case .system: self = .system
        }
    }

    var store: TandemStore.TurnRole {
        switch self {
        case .user: .user
        case .assistant: .assistant
        case .tool: .tool
        case .system: .system
        }
    }
}

extension TandemProtocol.SessionStatus {
    init(_ status: TandemStore.SessionStatus) {
        switch status {
        case .active: self = .active
        case .paused: self = .paused
        case .archived: self = .archived
        }
    }

    var store: TandemStore.SessionStatus {
        switch self {
        case .active: .active
        case .paused: .paused
        case .archived: .archived
        }
    }
}

extension TurnDTO {
    init(_ turn: TandemStore.Turn) {
        self.init(seq: turn.seq, author: turn.author, role: TandemProtocol.TurnRole(turn.role), content: turn.content,
                  metadata: turn.metadata, tokens: TokenCounts(input: turn.tokensIn, output: turn.tokensOut),
                  created: turn.createdAt, nonce: turn.nonce, undone: turn.state != .live,
                  state: turn.state == .live ? nil : HiddenTurnState(rawValue: turn.state.name))
    }
}

extension SessionInfo {
    init(_ s: TandemStore.Session, role: TandemStore.Role? = nil) {
        self.init(id: s.id, title: s.title, owner: s.owner, status: TandemProtocol.SessionStatus(s.status),
                  metadata: s.metadata, created: s.createdAt, updated: s.updatedAt, headSeq: s.lastTurnSeq,
                  headEseq: s.lastEventSeq,
                  parent: s.parentID.map { BranchOrigin(session: $0, seq: s.forkSeq ?? 0) },
                  role: role.map(TandemProtocol.Role.init))
    }
}

extension SessionInfo {
    /// This session (as it is now) shown as change `eseq` left it: title, owner, metadata, status,
    /// last turn and time as recorded with the change, when they were (entries from before they
    /// were recorded show the session as it is now).
    func after(_ change: SessionAfter?, eseq: Int64) -> SessionInfo {
        guard let change else { return self }
        var shown = self
        shown.title = change.title
        if let owner = change.owner { shown.owner = owner }
        shown.metadata = change.metadata
        shown.status = TandemProtocol.SessionStatus(change.status)
        shown.headSeq = change.lastTurnSeq
        shown.headEseq = eseq
        shown.updated = change.updatedAt
        switch change.parent {
        case .unrecorded: break
        case .noParent: shown.parent = nil
        case .recorded(let id, let forkSeq): shown.parent = BranchOrigin(session: id, seq: forkSeq)
        }
        return shown
    }
}

extension TandemProtocol.StateRow {
    init(_ row: TandemStore.StateRow) {
        self.init(key: row.key, version: row.version, value: row.value, author: row.author, updated: row.updatedAt)
    }
}

extension MergeConflictDTO {
    init(_ c: MergeConflict) {
        self.init(path: JSONPointer.encode(c.path), base: c.base, current: c.current, proposed: c.proposed,
                  lines: c.lines?.map { ConflictingLinesDTO(base: $0.base, current: $0.current, proposed: $0.proposed) },
                  linesMore: c.linesMore)
    }
}

extension CommentDTO {
    init(_ c: TandemStore.Comment) {
        self.init(id: c.id, seq: c.turnSeq, author: c.author, text: c.body, created: c.createdAt)
    }
}

extension TandemProtocol.Contribution {
    init(_ c: TandemStore.Contribution) {
        let n = c.counts
        self.init(session: c.sessionID, user: c.userID, turns: n.turns,
                  tokens: TokenCounts(input: n.tokensIn, output: n.tokensOut), comments: n.comments,
                  rowWrites: n.rowWrites, merges: n.merges, conflicts: n.conflicts, undos: n.undos)
    }
}

extension TandemProtocol.Checkpoint {
    init(_ c: TandemStore.Checkpoint) {
        self.init(name: c.name, seq: c.turnSeq, rowCount: c.rowCount, by: c.createdBy, created: c.createdAt)
    }

    init(_ c: CheckpointSummary) {
        self.init(name: c.name, seq: c.turnSeq, rowCount: c.rowCount, by: c.createdBy, created: c.createdAt)
    }
}

extension TandemProtocol.ShareLink {
    init(_ l: TandemStore.ShareLink) {
        self.init(id: l.id, session: l.sessionID, permission: .read, expires: l.expiresAt ?? 0, by: l.createdBy,
                  created: l.createdAt, revoked: l.revokedAt != nil, lastUsed: l.lastUsedAt)
    }
}

extension TemplateInfo {
    init(_ t: TandemStore.Template) {
        self.init(name: t.name, source: t.body["source"]?.stringValue ?? "", by: t.createdBy, created: t.createdAt)
    }

    init(_ t: TemplateSummary) {
        self.init(name: t.name, source: t.source, by: t.createdBy, created: t.createdAt)
    }
}

/// RFC 6901 JSON Pointers for merge-conflict paths.
enum JSONPointer {
    static func encode(_ segments: [String]) -> String {
        segments.map { "/" + $0.replacing("~", with: "~0").replacing("/", with: "~1") }.joined()
    }
}
