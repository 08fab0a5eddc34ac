import TandemJSON

/// Anything a server sends on a `tandem.v1` connection, as a client reads it.
public enum ServerMessage: Sendable, Equatable {
    case response(Response)
    case event(Event)
    /// An event this client does not know (a newer server may add events within `tandem.v1`); ignore it.
    case unknownEvent(name: String, body: JSONValue)

    /// Reads one text frame from the server. Lenient about unknown fields and events, strict about the
    /// shape of what it knows. Throws `JSONParseError` or `WireError`.
    public static func decode(_ bytes: [UInt8]) throws -> ServerMessage {
        try decode(JSONValue(parsing: bytes, maxDepth: 256))
    }

    public static func decode(_ text: String) throws -> ServerMessage {
        try decode(JSONValue(parsing: text, maxDepth: 256))
    }

    public static func decode(_ value: JSONValue) throws -> ServerMessage {
        guard case .object(let fields) = value else {
            throw WireError(field: "", message: "a server message must be a JSON object, got \(value.kindName)")
        }
        if let name = fields["event"] {
            guard case .string(let text) = name else {
                throw WireError(field: "event", message: "field 'event' must be a string, got \(name.kindName)")
            }
            guard EventName(rawValue: text) != nil else { return .unknownEvent(name: text, body: value) }
            return .event(try Event(json: value))
        }
        guard fields["ok"] != nil else {
            throw WireError(field: "ok", message: "a server message needs 'event' or 'ok'")
        }
        return .response(try Response(json: value))
    }

    /// The bytes a server sends for this message.
    public func encode() -> [UInt8] {
        switch self {
        case .response(let r): r.encode()
        case .event(let e): e.encode()
        case .unknownEvent(_, let body): body.serializedBytes()
        }
    }
}
