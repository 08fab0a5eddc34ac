import TandemJSON

/// A turn's fields as JSON (sorted keys, no braces), encoded once for the two messages the server
/// sends for a posted turn. The `turn` event and the answer to `turn.post` carry the same fields; the
/// event puts its own (`eseq` and `event`, then `session`) at their sorted places between them. So the
/// fields are kept in three pieces and each message copies them: the turn's strings are scanned for
/// escapes once per turn, where encoding each message measured and wrote them again (four scans).
public struct EncodedTurn: Sendable {
    /// `"author":…,"content":…,"created":…`, then `,"metadata":…,"nonce":…,"role":…,"seq":…`, then
    /// `,"state":…,"tokens":…,"undone":true` (often nothing).
    private let bytes: [UInt8]
    /// Where the first piece ends: the event's `eseq` and `event` go there.
    private let firstEnd: Int
    /// Where the second piece ends: the event's `session` goes there.
    private let secondEnd: Int

    public init(_ turn: TurnDTO) {
        var out: [UInt8] = []
        // The keys, numbers and short strings take ~150 bytes; the array grows if escapes need more.
        out.reserveCapacity(turn.content.utf8.count + 160)
        ByteWriter.raw(#""author":"#, &out)
        ByteWriter.string(turn.author, &out)
        ByteWriter.raw(#","content":"#, &out)
        ByteWriter.string(turn.content, &out)
        ByteWriter.raw(#","created":"#, &out)
        ByteWriter.int(turn.created, &out)
        firstEnd = out.count
        // Most turns have no metadata (`{}`): the field is left out.
        if case .object(let fields) = turn.metadata, fields.isEmpty {} else {
            ByteWriter.raw(#","metadata":"#, &out)
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
        secondEnd = out.count
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
        bytes = out
    }

    /// Writes the fields (without braces); for an event, `eseq`, `event` and `session` are interleaved
    /// at their sorted places so the whole object stays sorted.
    func write<Sink: ByteSink>(event: (session: String, eseq: Int64)?, _ out: inout Sink) {
        // Safe: the array's storage, read while it is alive; the pieces' ends are within it (set by init).
        bytes.withUnsafeBytes { all in
            guard let event else {
                out.write(all)
                return
            }
            out.write(UnsafeRawBufferPointer(rebasing: all[..<firstEnd]))
            ByteWriter.raw(#","eseq":"#, &out)
            ByteWriter.int(event.eseq, &out)
            ByteWriter.raw(#","event":"turn""#, &out)
            out.write(UnsafeRawBufferPointer(rebasing: all[firstEnd..<secondEnd]))
            ByteWriter.raw(#","session":"#, &out)
            ByteWriter.string(event.session, &out)
            out.write(UnsafeRawBufferPointer(rebasing: all[secondEnd...]))
        }
    }
}
