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

    init?(_ value: JSONValue?) {
        guard let value, let title = value["title"]?.stringValue, let metadata = value["metadata"],
              let status = value["status"]?.stringValue.flatMap(SessionStatus.init(rawValue:)),
              let lastTurn = value["head_seq"]?.intValue, let updated = value["updated"]?.intValue else { return nil }
        self.title = title
        self.owner = value["owner"]?.stringValue
        self.metadata = metadata
        self.status = status
        self.lastTurnSeq = lastTurn
        self.updatedAt = updated
        switch value["parent"] {
        case nil: parent = .unrecorded
        case .null?: parent = .noParent
        case let given?:
            guard let id = given["session"]?.stringValue, let seq = given["seq"]?.intValue else { return nil }
            parent = .recorded(id: id, forkSeq: seq)
        }
    }

    /// `data` (an object, or nil) with `after` added: the session row as the change left it, and
    /// its last turn as the writer counts it (`lastTurn`; the row's column may lag in a batch).
    static func attach(to data: JSONValue?, db: Database, sid: Int64, lastTurn: Int64, now: Int64) throws(StoreError) -> JSONValue {
        let sql = """
            SELECT s.title, s.metadata, s.status, p.id, s.fork_seq, s.owner FROM sessions s
            LEFT JOIN sessions p ON p.sid = s.parent_sid WHERE s.sid = ?
            """
        guard let (title, metadata, status, parentID, forkSeq, owner) = try db.queryOne(sql, [.integer(sid)], { row throws(StoreError) in
            (row.text(0), try row.json(1), row.text(2), row.optionalText(3), row.optionalInt(4), row.text(5))
        })
        else { throw StoreError.notFound("session") }
        let parent: JSONValue = parentID.map { ["session": .string($0), "seq": .integer(forkSeq ?? 0)] } ?? .null
        var fields: [String: JSONValue] = [:]
        if case .object(let given)? = data { fields = given }
        fields["after"] = ["title": .string(title), "owner": .string(owner), "metadata": metadata, "status": .string(status),
                           "head_seq": .integer(lastTurn), "updated": .integer(now), "parent": parent]
        return .object(fields)
    }
}
