import TandemJSON

extension Event {
    /// Encodes a `turn` event without building a `JSONValue`: the server's hot path, run once per turn
    /// and broadcast as the same bytes to every member. Byte-identical to `Event.json.serializedBytes()`.
    public static func encodeTurn(session: String, eseq: Int64, turn: TurnDTO) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(200 + turn.content.utf8.count + session.utf8.count)
        out.append(UInt8(ascii: "{"))
        writeTurnFields(turn, event: (session, eseq), &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Writes a turn's fields (without braces) in sorted key order; for an event, `eseq`, `event` and
    /// `session` are interleaved at their sorted places so the whole object stays sorted.
    static func writeTurnFields(_ turn: TurnDTO, event: (session: String, eseq: Int64)?, _ out: inout [UInt8]) {
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
        ByteWriter.raw(#","metadata":"#, &out)
        if case .object(let fields) = turn.metadata, fields.isEmpty {
            ByteWriter.raw("{}", &out)
        } else {
            JSONWriter.write(turn.metadata, into: &out)
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
        ByteWriter.raw(#","tokens":{"input":"#, &out)
        ByteWriter.int(turn.tokens.input, &out)
        ByteWriter.raw(#","output":"#, &out)
        ByteWriter.int(turn.tokens.output, &out)
        out.append(UInt8(ascii: "}"))
        if turn.undone { ByteWriter.raw(#","undone":true"#, &out) }
    }
}

extension Response {
    /// Encodes the successful answer to `turn.post` without building a `JSONValue` (sent once per post).
    /// Byte-identical to `Response.success(id:, result).encode()`.
    public static func encodePostTurn(id: RequestID, _ result: PostTurnResult) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(200 + result.turn.content.utf8.count)
        ByteWriter.raw(#"{"id":"#, &out)
        switch id {
        case .int(let i): ByteWriter.int(i, &out)
        case .string(let s): ByteWriter.string(s, &out)
        }
        ByteWriter.raw(#","ok":true,"result":{"duplicate":"#, &out)
        if result.duplicate { ByteWriter.raw("true", &out) } else { ByteWriter.raw("false", &out) }
        ByteWriter.raw(#","eseq":"#, &out)
        ByteWriter.int(result.eseq, &out)
        ByteWriter.raw(#","turn":{"#, &out)
        Event.writeTurnFields(result.turn, event: nil, &out)
        ByteWriter.raw("}}}", &out)
        return out
    }
}
