import TandemJSON

/// What a change to the session itself left it as (title, owner, metadata, status, last turn, time),
/// kept in the change-log entry's `data.after`: a replay shows the session as it was after that
/// change, not as it is when replayed.
public struct SessionAfter: Sendable, Equatable {
    public var title: String
    /// The owner when the change was made; nil for entries from before it was recorded (a replay
    /// of those shows today's owner).
    public var owner: String?
    public var metadata: JSONValue
    public var status: SessionStatus
    public var lastTurnSeq: Int64
    public var updatedAt: Int64
    /// The branch's parent (its id and fork turn) when the change was made: `.noParent` for a
    /// session that had none, `.unrecorded` for entries from before it was recorded. Kept so that a
    /// replay after the parent was discarded (its row gone, the branch's `parent_sid` set NULL)
    /// shows the parent the live event showed.
    public var parent: RecordedParent

    /// A branch's parent as a change recorded it.
    public enum RecordedParent: Sendable, Equatable {
        case unrecorded
        case recorded(id: String, forkSeq: Int64)
        case noParent
    }

    /// The keys of the record, each spelled once here: the parser below, `attach` and the delete's
    /// set-wise `unparent` (`SessionReaper`) all take them from this list, the last two through one
    /// SQL object (`sqlObject`), so no writer of the record can have a key another lacks.
    enum Key: String, CaseIterable {
        case title, owner, metadata, status
        case headSeq = "head_seq"
        case updated, parent
    }

    init?(_ value: JSONValue?) {
        guard let value, let title = value[Key.title]?.stringValue, let metadata = value[Key.metadata],
              let status = value[Key.status]?.stringValue.flatMap(SessionStatus.init(rawValue:)),
              let lastTurn = value[Key.headSeq]?.intValue, let updated = value[Key.updated]?.intValue else { return nil }
        self.title = title
        self.owner = value[Key.owner]?.stringValue
        self.metadata = metadata
        self.status = status
        self.lastTurnSeq = lastTurn
        self.updatedAt = updated
        switch value[Key.parent] {
        case nil: parent = .unrecorded
        case .null?: parent = .noParent
        case let given?:
            guard let id = given["session"]?.stringValue, let seq = given["seq"]?.intValue else { return nil }
            parent = .recorded(id: id, forkSeq: seq)
        }
    }

    /// The record as an SQL `json_object` of the `sessions` row `row` (an alias), with `headSeq`,
    /// `updated` and `parent` given as SQL expressions: the row's own columns may lag or be about
    /// to change (the writer's turn count, the change's time, a parent going).
    static func sqlObject(row: String, headSeq: String, updated: String, parent: String) -> String {
        let pairs = Key.allCases.map { key -> String in
            let value = switch key {
            case .title: "\(row).title"
            case .owner: "\(row).owner"
            case .metadata: "json(\(row).metadata)"
            case .status: "\(row).status"
            case .headSeq: headSeq
            case .updated: updated
            case .parent: parent
            }
            return "'\(key.rawValue)', \(value)"
        }
        return "json_object(\(pairs.joined(separator: ", ")))"
    }

    /// `attach`'s query: session `?1` with its last turn `?2` at time `?3` (built once).
    private static let attachSQL = """
        SELECT \(sqlObject(row: "s", headSeq: "?2", updated: "?3", parent: recordedParentSQL))
        FROM sessions s LEFT JOIN sessions p ON p.sid = s.parent_sid WHERE s.sid = ?1
        """
    /// The parent of session `s` (`p`, joined), as `RecordedParent` reads it.
    private static let recordedParentSQL =
        "CASE WHEN p.id IS NULL THEN NULL ELSE json_object('session', p.id, 'seq', coalesce(s.fork_seq, 0)) END"

    /// `data` (an object, or nil) with `after` added: the session row as the change left it, and
    /// its last turn as the writer counts it (`lastTurn`; the row's column may lag in a batch).
    static func attach(to data: JSONValue?, db: Database, sid: Int64, lastTurn: Int64, now: Int64) throws(StoreError) -> JSONValue {
        guard let after = try db.queryOne(attachSQL, [.integer(sid), .integer(lastTurn), .integer(now)], { row throws(StoreError) in
            try row.json(0)
        })
        else { throw StoreError.notFound("session") }
        var fields: [String: JSONValue] = [:]
        if case .object(let given)? = data { fields = given }
        fields["after"] = after
        return .object(fields)
    }
}

private extension JSONValue {
    subscript(key: SessionAfter.Key) -> JSONValue? { self[key.rawValue] }
}
