import TandemJSON

/// The two messages the server sends for every posted turn, encoded without building a `JSONValue`:
/// the `turn` event (once per turn, the same bytes to every member) and the answer to `turn.post`.
/// Byte-identical to the generic serialization (`Event.json`, `Response.encode`), which the tests check.
///
/// It is measured when made (`byteCount`) and then written straight into a buffer of exactly that
/// size (`write(into:)`): the server puts it into the frame that goes out, with no array to grow
/// and copy on the way.
public struct TurnMessage: Sendable {
    private enum Kind: Sendable {
        case event(session: String, eseq: Int64)
        case postAnswer(id: RequestID, eseq: Int64, duplicate: Bool)
    }

    private let kind: Kind
    private let turn: TurnDTO
    /// The metadata's JSON when it is not `{}` (most turns have none: the field is left out).
    private let metadata: [UInt8]?
    /// The exact size of the encoded message.
    public private(set) var byteCount = 0

    private init(_ kind: Kind, _ turn: TurnDTO) {
        self.kind = kind
        self.turn = turn
        if case .object(let fields) = turn.metadata, fields.isEmpty {
            metadata = nil
        } else {
            var bytes: [UInt8] = []
            JSONWriter.write(turn.metadata, into: &bytes)
            metadata = bytes
        }
        var counter = ByteCounter()
        emit(into: &counter)
        byteCount = counter.count
    }

    /// The `turn` event for a turn of `session` announced as event `eseq`.
    public static func event(session: String, eseq: Int64, turn: TurnDTO) -> TurnMessage {
        TurnMessage(.event(session: session, eseq: eseq), turn)
    }

    /// The successful answer to the `turn.post` request `id`.
    public static func postAnswer(id: RequestID, _ result: PostTurnResult) -> TurnMessage {
        TurnMessage(.postAnswer(id: id, eseq: result.eseq, duplicate: result.duplicate), result.turn)
    }

    /// Writes the message into `buffer`, which must be exactly `byteCount` bytes.
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
            writeTurnFields(event: (session, eseq), &out)
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
            writeTurnFields(event: nil, &out)
            ByteWriter.raw("}}}", &out)
        }
    }

    /// Writes the turn's fields (without braces) in sorted key order; for an event, `eseq`, `event` and
    /// `session` are interleaved at their sorted places so the whole object stays sorted.
    private func writeTurnFields<Sink: ByteSink>(event: (session: String, eseq: Int64)?, _ out: inout Sink) {
        ByteWriter.raw(#""author":"#, &out)
        ByteWriter.string(turn.author, &out)
        ByteWriter.raw(#","content":"#, &out)
        ByteWriter.string(turn.content, &out)
        ByteWriter.raw(#","created":"#, &out)
        ByteWriter.int(turn.created, &out)
        if let event {
            ByteWriter.raw(#","eseq":"#, &out)
            ByteWriter.int(event.eseq, &out)
            ByteWriter.raw(#","event":"turn""#, &out)
        }
        if let metadata {
            ByteWriter.raw(#","metadata":"#, &out)
            // The array's storage, read while it is alive.
            metadata.withUnsafeBytes { out.write($0) }
        }
        if let nonce = turn.nonce {
            ByteWriter.raw(#","nonce":"#, &out)
            ByteWriter.string(nonce, &out)
        }
        ByteWriter.raw(#","role":"#, &out)
        ByteWriter.string(turn.role.rawValue, &out)
        ByteWriter.raw(#","seq":"#, &out)
        ByteWriter.int(turn.seq, &out)
        if let event {
            ByteWriter.raw(#","session":"#, &out)
            ByteWriter.string(event.session, &out)
        }
        if turn.undone {
            ByteWriter.raw(#","state":"#, &out)
            ByteWriter.string((turn.state ?? .undone).rawValue, &out)
        }
        if turn.tokens != .zero {
            ByteWriter.raw(#","tokens":{"input":"#, &out)
            ByteWriter.int(turn.tokens.input, &out)
            ByteWriter.raw(#","output":"#, &out)
            ByteWriter.int(turn.tokens.output, &out)
            out.write(UInt8(ascii: "}"))
        }
        if turn.undone { ByteWriter.raw(#","undone":true"#, &out) }
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
