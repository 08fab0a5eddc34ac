import TandemJSON

/// The last changes of a session as it was deleted, turns included, kept with its retired id a
/// while (`retired_tails`). A running tandemd that finds a session gone (`tandem-admin` deleted it,
/// another process) publishes from it what it had not yet published: a `tandem-admin revoke` or
/// `archive` made just before the delete, inside the 0.25 s between two looks of the access
/// watcher, or a turn whose publication was still on its way, went with the log, and its followers
/// got `deleted` after a gap. Bounded: changes of the last `window` only, at most `maxEvents` and
/// `maxBytes` of data (a turn's content and metadata, a row's value, an event's data), the newest
/// ones without a hole (one that does not fit ends the tail: what is older is skipped); kept for
/// `kept` after the delete, which drops the tails older than that.
enum RetiredTail {
    /// How far back (ms before the delete) a change may be and still be kept.
    static let window: Int64 = 10_000
    static let maxEvents = 64
    /// At least four turns of the default `max-turn` (256 KiB).
    static let maxBytes = 1 << 20
    /// How long (ms) a tail is kept after its delete: a running server reads it within a second.
    static let kept: Int64 = 60_000

    /// The `tail` value for `SessionIncarnation.retire` (parameters: ?1 the sid, ?2 the oldest
    /// `created_at` kept): the newest `maxEvents` entries of the log (the `events` table's and
    /// the turns', merged), newest first, while their data adds up to at most `maxBytes`, those
    /// recent enough; oldest first in the array. Sizes are read first (`k`), and only the entries
    /// kept are encoded: with `max-turn` at 64 MiB, 64 turns encoded to be measured were 4 GiB.
    static let selection = """
        (SELECT json_group_array(json(CASE WHEN k.turn_seq IS NULL THEN (
            SELECT json_object('seq', e.seq, 'kind', e.kind, 'actor', e.actor, 'created', e.created_at, 'turn_seq', e.turn_seq,
                     'data', json(e.data),
                     'row', CASE WHEN h.key IS NULL THEN NULL ELSE json_object('key', h.key, 'version', h.version,
                            'value', json(h.value), 'author', h.author, 'updated', h.created_at, 'merged', h.merged) END)
            FROM events e
            LEFT JOIN state_history h ON e.kind = 'state' AND h.sid = e.sid AND h.key = e.row_key AND h.version = e.row_version
            WHERE e.sid = ?1 AND e.seq = k.seq)
          ELSE (
            SELECT json_object('seq', t.event_seq, 'kind', 'turn', 'actor', t.author, 'created', t.created_at, 'turn_seq', t.seq,
                     'turn', json_object('role', t.role, 'content', t.content, 'metadata', json(t.metadata),
                                         'tokens_in', t.tokens_in, 'tokens_out', t.tokens_out, 'state', t.state, 'nonce', t.nonce))
            FROM turns t WHERE t.sid = ?1 AND t.seq = k.turn_seq) END)) FROM (
          SELECT seq, turn_seq FROM (
            SELECT seq, turn_seq, created_at, SUM(size) OVER (ORDER BY seq DESC) AS bytes,
                   ROW_NUMBER() OVER (ORDER BY seq DESC) AS n FROM (
              SELECT * FROM (
                SELECT e.seq AS seq, NULL AS turn_seq, e.created_at AS created_at,
                  COALESCE(length(CAST(e.data AS BLOB)), 0) + COALESCE(length(CAST(h.value AS BLOB)), 0) AS size
                FROM events e
                LEFT JOIN state_history h ON e.kind = 'state' AND h.sid = e.sid AND h.key = e.row_key AND h.version = e.row_version
                WHERE e.sid = ?1 ORDER BY e.seq DESC LIMIT \(maxEvents))
              UNION ALL
              SELECT * FROM (
                SELECT t.event_seq, t.seq, t.created_at, length(CAST(t.content AS BLOB)) + length(CAST(t.metadata AS BLOB))
                FROM turns t WHERE t.sid = ?1 ORDER BY t.seq DESC LIMIT \(maxEvents))))
          WHERE n <= \(maxEvents) AND bytes <= \(maxBytes) AND created_at >= ?2 ORDER BY seq) k)
        """

    /// The kept changes of session `sessionID`, oldest first, as the change log gives them (a state
    /// entry whose row was not kept is left out). A turn shows its state when deleted (undone or
    /// not; one cleared or rewound shows live, its `clear` or `restore` following in the tail or
    /// delivered before).
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
                guard let turn = entry["turn"], let seqInSession = event.turnSeq, let author = event.actor,
                      let role = turn["role"]?.stringValue.flatMap(TurnRole.init(rawValue:)),
                      let content = turn["content"]?.stringValue, let metadata = turn["metadata"] else { continue }
                event.turn = Turn(sessionID: sessionID, seq: seqInSession, role: role, author: author, content: content,
                                  metadata: metadata, tokensIn: CountBound.held(turn["tokens_in"]?.intValue ?? 0),
                                  tokensOut: CountBound.held(turn["tokens_out"]?.intValue ?? 0), createdAt: created,
                                  state: turn["state"]?.intValue.flatMap(TurnState.init(rawValue:)) ?? .live,
                                  eventSeq: seq, nonce: turn["nonce"]?.stringValue)
            default:
                break
            }
            events.append(event)
        }
        return events.sorted { $0.eventSeq < $1.eventSeq }
    }
}
