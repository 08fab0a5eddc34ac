import TandemJSON

/// What a change to the session itself left it as (title, metadata, status, last turn, time),
/// kept in the change-log entry's `data.after`: a replay shows the session as it was after that
/// change, not as it is when replayed.
public struct SessionAfter: Sendable, Equatable {
    public var title: String
    public var metadata: JSONValue
    public var status: SessionStatus
    public var lastTurnSeq: Int64
    public var updatedAt: Int64

    init?(_ value: JSONValue?) {
        guard let value, let title = value["title"]?.stringValue, let metadata = value["metadata"],
              let status = value["status"]?.stringValue.flatMap(SessionStatus.init(rawValue:)),
              let lastTurn = value["head_seq"]?.intValue, let updated = value["updated"]?.intValue else { return nil }
        self.title = title
        self.metadata = metadata
        self.status = status
        self.lastTurnSeq = lastTurn
        self.updatedAt = updated
    }

    /// `data` (an object, or nil) with `after` added: the session row as the change left it, and
    /// its last turn as the writer counts it (`lastTurn`; the row's column may lag in a batch).
    static func attach(to data: JSONValue?, db: Database, sid: Int64, lastTurn: Int64, now: Int64) throws(StoreError) -> JSONValue {
        guard let (title, metadata, status) = try db.queryOne("SELECT title, metadata, status FROM sessions WHERE sid = ?",
                                                               [.integer(sid)], { row throws(StoreError) in (row.text(0), try row.json(1), row.text(2)) })
        else { throw StoreError.notFound("session") }
        var fields: [String: JSONValue] = [:]
        if case .object(let given)? = data { fields = given }
        fields["after"] = ["title": .string(title), "metadata": metadata, "status": .string(status),
                           "head_seq": .integer(lastTurn), "updated": .integer(now)]
        return .object(fields)
    }
}
