import FuzzSupport
import TandemJSON
import TandemProtocol

/// Fuzzes the `tandem.v1` wire layer on one text frame's bytes: the JSON parser, request
/// decoding (the server side), server-message decoding and `MessagePeek` (the client side), and
/// the hand-written fast paths (`turn` events, `turn.post` answers, which must be byte-identical
/// to the generic encoding; plain `turn.post` requests, which must decode as the general path does),
/// and the lazy object scan session imports use (`ObjectScanFuzz`).
/// Whatever decodes must encode and decode back to the same value.
enum ProtocolFuzz {
    // Safe: the input is borrowed for this call only (libFuzzer's or FuzzReplay's buffer); nothing keeps a pointer into it.
    static func run(_ data: UnsafeRawBufferPointer) {
        let json = checkJSON(data)
        checkRequest(data)
        checkPlainPost(data)
        checkServerMessage(data)
        checkPeek(data, json: json)
        ObjectScanFuzz.check(data, json: json)
    }

    /// Parse, serialize, parse again: the same value, and serializing is stable.
    // Safe: the input is borrowed for this call only (libFuzzer's or FuzzReplay's buffer); nothing keeps a pointer into it.
    static func checkJSON(_ data: UnsafeRawBufferPointer) -> JSONValue? {
        guard let value = try? JSONValue(parsing: data, maxDepth: 64) else { return nil }
        let text = value.serializedBytes()
        guard let again = try? JSONValue(parsing: text, maxDepth: 64) else {
            fuzzCheck(false, "serialized JSON does not parse: \(String(decoding: text, as: UTF8.self))")
            return value
        }
        fuzzCheck(again == value, "JSON changed in a round trip: \(String(decoding: text, as: UTF8.self))")
        fuzzCheck(again.serializedBytes() == text, "serializing is not stable")
        return value
    }

    // Safe: the input is borrowed for this call only (libFuzzer's or FuzzReplay's buffer); nothing keeps a pointer into it.
    static func checkRequest(_ data: UnsafeRawBufferPointer) {
        switch Request.decode(data) {
        case .success(let request):
            let bytes = request.encode()
            guard case .success(let again) = Request.decode(bytes) else {
                fuzzCheck(false, "an encoded request does not decode: \(String(decoding: bytes, as: UTF8.self))")
                return
            }
            fuzzCheck(again == request, "request changed in a round trip: \(String(decoding: bytes, as: UTF8.self))")
        case .failure(let error):
            // The refusal must itself be a well-formed response that a client can read.
            let bytes = error.response.encode()
            guard let message = try? ServerMessage.decode(bytes), case .response(let response) = message else {
                fuzzCheck(false, "an error response does not decode: \(String(decoding: bytes, as: UTF8.self))")
                return
            }
            fuzzCheck(response == error.response, "error response changed in a round trip")
        }
    }

    /// Decoding from bytes takes the `turn.post` fast path where it can; decoding the parsed value
    /// never does. Both must give the same answer on every input.
    // Safe: the input is borrowed for this call only (libFuzzer's or FuzzReplay's buffer); nothing keeps a pointer into it.
    static func checkPlainPost(_ data: UnsafeRawBufferPointer) {
        let limits = ProtocolLimits.default
        guard data.count <= limits.maxMessageBytes,
              let value = try? JSONValue(parsing: data, maxDepth: limits.maxJSONDepth) else { return }
        fuzzCheck(Request.decode(data, limits: limits) == Request.decode(value, limits: limits),
                  "the turn.post fast path disagrees with the general decoder")
    }

    /// What the server writes straight into a frame is exactly the measured size and the array form.
    static func checkWrittenInPlace(_ message: TurnMessage) {
        // Safe: write(into:) fills exactly byteCount bytes (its precondition), the capacity asked for
        let written = [UInt8](unsafeUninitializedCapacity: message.byteCount) { buffer, count in
            message.write(into: UnsafeMutableRawBufferPointer(buffer))
            count = message.byteCount
        }
        fuzzCheck(written == message.bytes, "a turn message written in place differs from its bytes")
    }

    // Safe: the input is borrowed for this call only (libFuzzer's or FuzzReplay's buffer); nothing keeps a pointer into it.
    static func checkServerMessage(_ data: UnsafeRawBufferPointer) {
        guard let message = try? ServerMessage.decode(Array(data)) else { return }
        let bytes = message.encode()
        guard let again = try? ServerMessage.decode(bytes) else {
            fuzzCheck(false, "an encoded server message does not decode: \(String(decoding: bytes, as: UTF8.self))")
            return
        }
        fuzzCheck(again == message, "server message changed in a round trip: \(String(decoding: bytes, as: UTF8.self))")
        switch message {
        case .event(let event):
            // encode() takes the fast path for turns; the generic serialization must be the same bytes.
            fuzzCheck(bytes == event.json.serializedBytes(), "fast-path event bytes differ from the generic encoding")
            if case .turn(let turn) = event.payload, let eseq = event.eseq {
                checkWrittenInPlace(TurnMessage.event(session: event.session, eseq: eseq, turn: turn))
            }
        case .response(let response):
            if let id = response.id, case .success = response.body, let result = try? response.result(as: PostTurnResult.self) {
                let fast = Response.encodePostTurn(id: id, result)
                fuzzCheck(fast == Response.success(id: id, result).encode(), "fast-path turn.post answer differs")
                checkWrittenInPlace(TurnMessage.postAnswer(id: id, result))
            }
        case .unknownEvent:
            break
        }
        // What a server sends, the client's peek must read the same way as the full decoder. An
        // unknown event is passed on as received, so it may carry fields peek refuses (a string seq).
        if case .unknownEvent(let name, _) = message {
            if let peek = MessagePeek.peek(bytes) { fuzzCheck(peek.event == name, "peek disagrees on an unknown event") }
            return
        }
        guard let peek = MessagePeek.peek(bytes) else {
            fuzzCheck(false, "peek cannot read an encoded server message: \(String(decoding: bytes, as: UTF8.self))")
            return
        }
        switch message {
        case .event(let event):
            fuzzCheck(peek.event == event.name.rawValue && peek.session == event.session && peek.eseq == event.eseq,
                      "peek disagrees on an event")
        case .response(let response):
            fuzzCheck(peek.id == response.id && peek.ok == response.isSuccess && peek.event == nil, "peek disagrees on a response")
        case .unknownEvent:
            break
        }
    }

    /// Peek scans hostile bytes too (a client must not trap on a broken server); where the input
    /// is plain JSON without escapes it must agree with the full parser on what it reports.
    // Safe: the input is borrowed for this call only (libFuzzer's or FuzzReplay's buffer); nothing keeps a pointer into it.
    static func checkPeek(_ data: UnsafeRawBufferPointer, json: JSONValue?) {
        guard let peek = MessagePeek.peek(data) else { return }
        guard case .object(let fields)? = json, !data.contains(UInt8(ascii: "\\")) else { return }
        for (key, value) in [("event", peek.event), ("session", peek.session), ("nonce", peek.nonce)] {
            fuzzCheck(value == fields[key]?.stringValue, "peek read \(key) as \(value ?? "nil")")
        }
        for (key, value) in [("eseq", peek.eseq), ("seq", peek.seq)] {
            fuzzCheck(value == fields[key]?.intValue, "peek read \(key) as \(value.map(String.init) ?? "nil")")
        }
    }
}

#if TANDEM_FUZZ
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // Safe: libFuzzer owns `data` (`size` bytes) for this call only; the run keeps no pointer into it.
    ProtocolFuzz.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#else
@main
enum Replay {
    static func main() { FuzzReplay.main(name: "fuzz-protocol", ProtocolFuzz.run) }
}
#endif
