import TandemJSON

/// The two messages the server sends for every posted turn, encoded without building a `JSONValue`:
/// the `turn` event (once per turn, the same bytes to every member) and the answer to `turn.post`.
/// Byte-identical to the generic serialization (`Event.json`, `Response.encode`), which the tests check.
///
/// Both copy the turn's fields from one `EncodedTurn`. A message is measured when made (`byteCount`)
/// and then written straight into a buffer of exactly that size (`write(into:)`): the server puts it
/// into the frame that goes out, with no array to grow and copy on the way.
public struct TurnMessage: Sendable {
    private enum Kind: Sendable {
        case event(session: String, eseq: Int64)
        case postAnswer(id: RequestID, eseq: Int64, duplicate: Bool)
    }

    private let kind: Kind
    private let fields: EncodedTurn
    /// The exact size of the encoded message.
    public private(set) var byteCount = 0

    private init(_ kind: Kind, _ fields: EncodedTurn) {
        self.kind = kind
        self.fields = fields
        var counter = ByteCounter()
        emit(into: &counter)
        byteCount = counter.count
    }

    /// The `turn` event for a turn of `session` announced as event `eseq`.
    public static func event(session: String, eseq: Int64, turn: TurnDTO) -> TurnMessage {
        event(session: session, eseq: eseq, fields: EncodedTurn(turn))
    }

    /// The `turn` event for a turn already encoded (the post path encodes it once for both messages).
    public static func event(session: String, eseq: Int64, fields: EncodedTurn) -> TurnMessage {
        TurnMessage(.event(session: session, eseq: eseq), fields)
    }

    /// The successful answer to the `turn.post` request `id`.
    public static func postAnswer(id: RequestID, _ result: PostTurnResult) -> TurnMessage {
        postAnswer(id: id, eseq: result.eseq, duplicate: result.duplicate, fields: EncodedTurn(result.turn))
    }

    /// The successful answer to the `turn.post` request `id` for a turn already encoded: the same
    /// bytes as `postAnswer(id:_:)` with a `PostTurnResult` of that turn, `eseq` and `duplicate`.
    public static func postAnswer(id: RequestID, eseq: Int64, duplicate: Bool, fields: EncodedTurn) -> TurnMessage {
        TurnMessage(.postAnswer(id: id, eseq: eseq, duplicate: duplicate), fields)
    }

    /// Writes the message into `buffer`, which must be exactly `byteCount` bytes.
    // Safe: `buffer` is the caller's, exactly byteCount bytes (checked below); the encoder writes within it through ByteCursor and keeps no pointer
    public func write(into buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count == byteCount, "buffer of \(buffer.count) bytes for a \(byteCount)-byte message")
        var cursor = ByteCursor(buffer)
        emit(into: &cursor)
        precondition(cursor.written == byteCount, "message smaller than measured")
    }

    /// The message as an array.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(byteCount)
        emit(into: &out)
        return out
    }

    private func emit<Sink: ByteSink>(into out: inout Sink) {
        switch kind {
        case .event(let session, let eseq):
            out.write(UInt8(ascii: "{"))
            fields.write(event: (session, eseq), &out)
            out.write(UInt8(ascii: "}"))
        case .postAnswer(let id, let eseq, let duplicate):
            ByteWriter.raw(#"{"id":"#, &out)
            switch id {
            case .int(let i): ByteWriter.int(i, &out)
            case .string(let s): ByteWriter.string(s, &out)
            }
            ByteWriter.raw(#","ok":true,"result":{"duplicate":"#, &out)
            if duplicate { ByteWriter.raw("true", &out) } else { ByteWriter.raw("false", &out) }
            ByteWriter.raw(#","eseq":"#, &out)
            ByteWriter.int(eseq, &out)
            ByteWriter.raw(#","turn":{"#, &out)
            fields.write(event: nil, &out)
            ByteWriter.raw("}}}", &out)
        }
    }
}

extension Event {
    /// The `turn` event's bytes (see `TurnMessage`). Byte-identical to `Event.json.serializedBytes()`.
    public static func encodeTurn(session: String, eseq: Int64, turn: TurnDTO) -> [UInt8] {
        TurnMessage.event(session: session, eseq: eseq, turn: turn).bytes
    }
}

extension Response {
    /// The successful answer to `turn.post` (see `TurnMessage`). Byte-identical to
    /// `Response.success(id:, result).encode()`.
    public static func encodePostTurn(id: RequestID, _ result: PostTurnResult) -> [UInt8] {
        TurnMessage.postAnswer(id: id, result).bytes
    }
}
