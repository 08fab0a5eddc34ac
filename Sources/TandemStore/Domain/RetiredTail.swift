import TandemJSON

/// The last changes of a session as it was deleted, kept with its retired id (`final_session`'s
/// `tail`). A running tandemd that finds a session gone (`tandem-admin` deleted it, another
/// process) publishes from it what it had not yet published: a `tandem-admin revoke` or `archive`
/// made just before the delete, inside the 0.25 s between two looks of the access watcher, went
/// with the log, and its followers got `deleted` after a gap. Bounded, since it is kept as long
/// as the retired id: changes of the last `window` only (the watcher looks every 0.25 s), at most
/// `maxEvents` and `maxBytes` of data, the newest ones. Turns are not in it (they are not in the
/// `events` table; another process never appends one).
enum RetiredTail {
    /// How far back (ms before the delete) a change may be and still be kept.
    static let window: Int64 = 10_000
    static let maxEvents = 32
    static let maxBytes = 64 * 1024

    /// The `tail` value for `SessionIncarnation.retire`'s `json_object` (parameters: ?1 the sid,
    /// ?2 the oldest `created_at` kept): the newest `maxEvents` entries of the log, newest first,
    /// while their data (with a state event's value) adds up to at most `maxBytes`, those recent
    /// enough; oldest first in the array.
    static let selection = """
        (SELECT json_group_array(json(x.event)) FROM (
          SELECT seq, event, created_at, SUM(size) OVER (ORDER BY seq DESC) AS bytes FROM (
            SELECT e.seq AS seq, e.created_at AS created_at,
              COALESCE(length(e.data), 0) + COALESCE(length(h.value), 0) AS size,
              json_object('seq', e.seq, 'kind', e.kind, 'actor', e.actor, 'created', e.created_at, 'turn_seq', e.turn_seq,
                          'data', json(e.data),
                          'row', CASE WHEN h.key IS NULL THEN NULL ELSE json_object('key', h.key, 'version', h.version,
                                 'value', json(h.value), 'author', h.author, 'updated', h.created_at, 'merged', h.merged) END) AS event
            FROM events e
            LEFT JOIN state_history h ON e.kind = 'state' AND h.sid = e.sid AND h.key = e.row_key AND h.version = e.row_version
            WHERE e.sid = ?1 ORDER BY e.seq DESC LIMIT \(maxEvents))
          ) x WHERE x.bytes <= \(maxBytes) AND x.created_at >= ?2 ORDER BY x.seq)
        """

    /// The kept changes of session `sessionID`, oldest first, as the change log gives them (a state
    /// entry whose row was not kept is left out).
    static func events(_ tail: JSONValue?, sessionID: String) -> [ChangeEvent] {
        guard case .array(let entries)? = tail else { return [] }
        var events: [ChangeEvent] = []
        for entry in entries {
            guard let seq = entry["seq"]?.intValue, let kind = entry["kind"]?.stringValue.flatMap(ChangeEvent.Kind.init(rawValue:)),
                  let created = entry["created"]?.intValue else { continue }
            let data = entry["data"].flatMap { $0.isNull ? nil : $0 }
            var event = ChangeEvent(eventSeq: seq, kind: kind, actor: entry["actor"]?.stringValue, createdAt: created,
                                    turnSeq: entry["turn_seq"]?.intValue, turn: nil, row: nil, data: data)
            switch kind {
            case .state:
                guard let row = entry["row"], let key = row["key"]?.stringValue, let version = row["version"]?.intValue,
                      let value = row["value"], let author = row["author"]?.stringValue, let updated = row["updated"]?.intValue
                else { continue }
                event.row = StateRow(key: key, version: version, value: value, author: author, updatedAt: updated,
                                     merged: (row["merged"]?.intValue ?? 0) != 0)
            case .comment:
                guard let id = data?["id"]?.intValue, let body = data?["body"]?.stringValue else { continue }
                event.comment = Comment(id: id, sessionID: sessionID, turnSeq: event.turnSeq ?? 0, author: event.actor ?? "",
                                        body: body, createdAt: created, eventSeq: seq)
            case .turn:
                continue
            default:
                break
            }
            events.append(event)
        }
        return events.sorted { $0.eventSeq < $1.eventSeq }
    }
}
