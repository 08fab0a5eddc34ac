import TandemJSON
import TandemStore

/// The `--json` shapes: snake_case keys, times in Unix milliseconds (null when unset).
extension User {
    var json: JSONValue {
        ["id": .string(id), "display_name": .string(displayName), "created_at": .integer(createdAt),
         "status": .string(status), "disabled_at": Output.optional(disabledAt)]
    }

    /// "active", or "disabled" while suspended (`users disable`).
    var status: String { disabledAt == nil ? "active" : "disabled" }
}

extension APIToken {
    /// `state` ("active", "expired", "revoked") as of `now`.
    func json(now: Int64) -> JSONValue {
        ["id": .string(id), "user": .string(userID), "label": .string(label), "created_at": .integer(createdAt),
         "revoked_at": Output.optional(revokedAt), "last_used_at": Output.optional(lastUsedAt), "revoked": .bool(revokedAt != nil),
         "expires_at": Output.optional(expiresAt), "state": .string(state(now: now))]
    }
}

extension Member {
    var json: JSONValue { ["user": .string(userID), "role": .string(role.rawValue), "added_at": .integer(addedAt)] }
}

extension ShareLink {
    /// "active", "revoked" or "expired" at `now`.
    func state(now: Int64) -> String {
        if revokedAt != nil { return "revoked" }
        if let expiresAt, expiresAt <= now { return "expired" }
        return "active"
    }

    func json(now: Int64) -> JSONValue {
        ["id": .string(id), "session": .string(sessionID), "permission": .string(permission), "state": .string(state(now: now)),
         "expires_at": Output.optional(expiresAt), "created_by": .string(createdBy), "created_at": .integer(createdAt),
         "revoked_at": Output.optional(revokedAt), "last_used_at": Output.optional(lastUsedAt)]
    }
}

extension Session {
    var json: JSONValue {
        ["id": .string(id), "title": .string(title), "owner": .string(owner), "metadata": metadata,
         "status": .string(status.rawValue), "created_at": .integer(createdAt), "updated_at": .integer(updatedAt),
         "paused_at": Output.optional(pausedAt), "archived_at": Output.optional(archivedAt),
         "last_turn_seq": .integer(lastTurnSeq), "last_event_seq": .integer(lastEventSeq),
         "parent_id": Output.optional(parentID), "fork_seq": Output.optional(forkSeq), "branch_status": Output.optional(branchStatus)]
    }
}

extension Contribution {
    var json: JSONValue {
        let c = counts
        return ["user": .string(userID), "turns": .integer(c.turns), "tokens_in": .integer(c.tokensIn),
                "tokens_out": .integer(c.tokensOut), "comments": .integer(c.comments), "row_writes": .integer(c.rowWrites),
                "merges": .integer(c.merges), "conflicts": .integer(c.conflicts), "undos": .integer(c.undos)]
    }

    var cells: [String] {
        let c = counts
        return [userID] + [c.turns, c.tokensIn, c.tokensOut, c.comments, c.rowWrites, c.merges, c.conflicts, c.undos].map(String.init)
    }
}

extension AuditEntry {
    var json: JSONValue {
        ["id": .integer(id), "at": .integer(at), "actor": Output.optional(actor), "action": .string(action),
         "session": Output.optional(sessionID), "target": Output.optional(target), "detail": detail]
    }
}

extension JSONValue {
    /// An object with `extra`'s keys added (or replaced).
    func merging(_ extra: [String: JSONValue]) -> JSONValue {
        guard case .object(var fields) = self else { return self }
        for (key, value) in extra { fields[key] = value }
        return .object(fields)
    }
}
