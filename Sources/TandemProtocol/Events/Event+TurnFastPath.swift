import TandemJSON

extension Event {
    /// Encodes a `turn` event without building a `JSONValue`: the server's hot path, run once per turn
    /// and broadcast as the same bytes to every member. Keys are written in sorted order so the output is
    /// byte-identical to `Event.json.serializedBytes()`.
    public static func encodeTurn(session: String, eseq: Int64, turn: TurnDTO) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + turn.content.utf8.count + session.utf8.count)
        key("author", first: true, &out)
        JSONWriter.writeString(turn.author, into: &out)
        key("content", &out)
        JSONWriter.writeString(turn.content, into: &out)
        key("created", &out)
        writeInt(turn.created, &out)
        key("eseq", &out)
        writeInt(eseq, &out)
        key("event", &out)
        out.append(contentsOf: #""turn""#.utf8)
        key("metadata", &out)
        JSONWriter.write(turn.metadata, into: &out)
        if let nonce = turn.nonce {
            key("nonce", &out)
            JSONWriter.writeString(nonce, into: &out)
        }
        key("role", &out)
        JSONWriter.writeString(turn.role.rawValue, into: &out)
        key("seq", &out)
        writeInt(turn.seq, &out)
        key("session", &out)
        JSONWriter.writeString(session, into: &out)
        key("tokens", &out)
        out.append(contentsOf: #"{"input":"#.utf8)
        writeInt(turn.tokens.input, &out)
        out.append(contentsOf: #","output":"#.utf8)
        writeInt(turn.tokens.output, &out)
        out.append(UInt8(ascii: "}"))
        if turn.undone { out.append(contentsOf: #","undone":true"#.utf8) }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Writes `{"name":` (first) or `,"name":`; names are ASCII without characters needing escapes.
    private static func key(_ name: StaticString, first: Bool = false, _ out: inout [UInt8]) {
        out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
        out.append(UInt8(ascii: "\""))
        // The pointer comes from a StaticString literal, valid for the whole program.
        out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    /// Decimal digits of `value` without going through `String`.
    static func writeInt(_ value: Int64, _ out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let start = out.count
        repeat {
            out.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        out[start...].reverse()
    }
}
