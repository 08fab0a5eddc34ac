import TandemJSON

/// The `event` names of `tandem.v1`.
public enum EventName: String, WireEnum {
    case turn
    case turnUndone = "turn.undone"
    case state
    case comment
    case presence
    case member
    case session
    case shareExpired = "share.expired"

    /// Durable events carry an `eseq` and are replayed by `session.join` with `since`; ephemeral ones
    /// (presence, share.expired) carry none and are never replayed.
    public var isDurable: Bool {
        switch self {
        case .presence, .shareExpired: false
        default: true
        }
    }
}

/// What an event says, by kind.
public enum EventPayload: Sendable, Equatable {
    case turn(TurnDTO)
    case turnUndone(TurnUndone)
    case state(StateChange)
    case comment(CommentDTO)
    case presence(PresenceChange)
    case member(MemberChange)
    case session(SessionChange)
    case shareExpired(ShareExpired)

    public var name: EventName {
        switch self {
        case .turn: .turn
        case .turnUndone: .turnUndone
        case .state: .state
        case .comment: .comment
        case .presence: .presence
        case .member: .member
        case .session: .session
        case .shareExpired: .shareExpired
        }
    }

    var fields: any WireObject {
        switch self {
        case .turn(let p): p
        case .turnUndone(let p): p
        case .state(let p): p
        case .comment(let p): CommentAdded(comment: p)
        case .presence(let p): p
        case .member(let p): p
        case .session(let p): p
        case .shareExpired(let p): p
        }
    }
}

/// A server-pushed message: `{"event": name, "session": id, "eseq": n, ...payload}` (no `id`).
public struct Event: Sendable, Equatable {
    public var session: String
    /// Per-session event sequence, from 1, without gaps across durable events; nil for ephemeral events.
    public var eseq: Int64?
    public var payload: EventPayload

    public init(session: String, eseq: Int64?, payload: EventPayload) {
        self.session = session
        self.eseq = eseq
        self.payload = payload
    }

    public var name: EventName { payload.name }

    public var json: JSONValue {
        var o: [String: JSONValue] = [:]
        payload.fields.write(into: &o)
        o["event"] = .string(name.rawValue)
        o["session"] = .string(session)
        o["eseq"] = eseq.map { .integer($0) }
        return .object(o)
    }

    /// The event as a JSON text frame payload. `turn` events take the hand-written fast path; the bytes
    /// are the same as the generic serialization (sorted keys), which the tests check.
    public func encode() -> [UInt8] {
        if case .turn(let turn) = payload, let eseq {
            return Event.encodeTurn(session: session, eseq: eseq, turn: turn)
        }
        return json.serializedBytes()
    }

    /// Reads an event (client side), leniently. Throws `WireError` for an unknown name or a bad shape.
    public init(json value: JSONValue) throws {
        var r = try WireReader(value)
        let name = try r.enumValue("event", as: EventName.self)
        session = try r.identifier("session")
        eseq = try r.optionalInt("eseq", min: 1)
        if name.isDurable && eseq == nil { throw r.missing("eseq") }
        switch name {
        case .turn: payload = .turn(try TurnDTO(reader: &r))
        case .turnUndone: payload = .turnUndone(try TurnUndone(reader: &r))
        case .state: payload = .state(try StateChange(reader: &r))
        case .comment: payload = .comment(try CommentAdded(reader: &r).comment)
        case .presence: payload = .presence(try PresenceChange(reader: &r))
        case .member: payload = .member(try MemberChange(reader: &r))
        case .session: payload = .session(try SessionChange(reader: &r))
        case .shareExpired: payload = .shareExpired(try ShareExpired(reader: &r))
        }
    }
}
