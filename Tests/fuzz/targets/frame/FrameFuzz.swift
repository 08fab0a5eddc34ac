import FuzzSupport
import TandemTransport

/// Fuzzes `MessageReader`: frame headers, masking, fragmentation, control frames between
/// fragments, UTF-8 validation, permessage-deflate and every limit.
///
/// Input: one byte of configuration (role, deflate, window bits, context takeover, limits), one
/// chunk-plan seed, then the bytes as they would come off the socket. The same bytes are fed
/// once whole and once cut into pieces; both readers must give the same events and fail alike.
enum FrameFuzz {
    static let presets: [WebSocketLimits] = [
        WebSocketLimits(),
        WebSocketLimits(maxFramePayload: 64, maxMessageSize: 256, maxFragments: 4, maxDecompressedMessageSize: 300),
        WebSocketLimits(maxFramePayload: 16, maxMessageSize: 16, maxFragments: 2, maxDecompressedMessageSize: 16),
        WebSocketLimits(maxFramePayload: 4096, maxMessageSize: 8192, maxFragments: 16, maxDecompressedMessageSize: 100),
    ]

    struct Outcome {
        var events: [WebSocketEvent] = []
        var failed = false
    }

    // Safe: the input is borrowed for this call only (libFuzzer's or FuzzReplay's buffer); nothing keeps a pointer into it.
    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let flags = input.byte()
        let seed = input.byte()
        let role: WebSocketRole = flags & 1 == 0 ? .server : .client
        let deflate = flags & 2 != 0
        let noContextTakeover = flags & 4 != 0
        let windowBits = 8 + Int((flags >> 3) & 7)
        let limits = presets[Int(flags >> 6)]
        let wire = input.rest()

        func makeReader() -> MessageReader {
            let inflater = deflate ? Inflater(windowBits: windowBits, noContextTakeover: noContextTakeover) : nil
            return MessageReader(role: role, limits: limits, inflater: inflater)
        }

        var whole = makeReader()
        var wholeOutcome = Outcome()
        whole.append(wire)
        drain(&whole, limits: limits, into: &wholeOutcome)

        var pieces = makeReader()
        var piecesOutcome = Outcome()
        var plan = ChunkPlan(seed: seed == 0 ? 1 : seed)
        plan.forEachPiece(of: wire) { piece in
            guard !piecesOutcome.failed else { return }
            pieces.append(piece)
            drain(&pieces, limits: limits, into: &piecesOutcome)
        }

        fuzzCheck(wholeOutcome.events == piecesOutcome.events,
                  "events differ: whole \(wholeOutcome.events.count), in pieces \(piecesOutcome.events.count)")
        fuzzCheck(wholeOutcome.failed == piecesOutcome.failed,
                  "whole failed: \(wholeOutcome.failed), in pieces failed: \(piecesOutcome.failed)")
    }

    /// Reads events until the reader needs more bytes or fails, checking each one.
    static func drain(_ reader: inout MessageReader, limits: WebSocketLimits, into outcome: inout Outcome) {
        while true {
            let event: WebSocketEvent?
            do {
                event = try reader.next()
            } catch {
                fuzzCheck(reader.hasFailed, "a reader that threw must say it failed")
                // A failed reader is dead: it rethrows the same error and holds no buffers.
                do {
                    _ = try reader.next()
                    fuzzCheck(false, "a failed reader returned an event")
                } catch let again {
                    fuzzCheck(again == error, "a failed reader threw \(again) after \(error)")
                }
                fuzzCheck(reader.bufferedByteCount == 0, "a failed reader still holds \(reader.bufferedByteCount) bytes")
                _ = error.closeCode
                fuzzCheck(error.reason.utf8.count <= 123, "close reason too long for a close frame")
                outcome.failed = true
                return
            }
            guard let event else {
                // Between reads the reader holds at most a partial header, one control payload,
                // one message as received and its inflated form (plus one inflate step).
                let bound = 14 + 125 + limits.maxMessageSize + limits.maxDecompressedMessageSize + 16 * 1024
                fuzzCheck(reader.bufferedByteCount <= bound, "reader holds \(reader.bufferedByteCount) bytes, bound \(bound)")
                return
            }
            check(event, limits: limits, compressed: reader.inflater != nil)
            outcome.events.append(event)
        }
    }

    static func check(_ event: WebSocketEvent, limits: WebSocketLimits, compressed: Bool) {
        let maxMessage = compressed ? max(limits.maxMessageSize, limits.maxDecompressedMessageSize) : limits.maxMessageSize
        switch event {
        case .text(let bytes):
            fuzzCheck(bytes.count <= maxMessage, "text message of \(bytes.count) bytes over the limit")
            fuzzCheck(String(validating: bytes, as: UTF8.self) != nil, "text message is not UTF-8")
        case .binary(let bytes):
            fuzzCheck(bytes.count <= maxMessage, "binary message of \(bytes.count) bytes over the limit")
        case .ping(let bytes), .pong(let bytes):
            fuzzCheck(bytes.count <= 125, "control payload of \(bytes.count) bytes")
        case .close(let code, let reason):
            fuzzCheck(reason.utf8.count <= 123, "close reason of \(reason.utf8.count) bytes")
            if let code { fuzzCheck(CloseCode.isValidReceived(code), "close code \(code) accepted") }
        }
    }
}

#if TANDEM_FUZZ
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // Safe: libFuzzer owns `data` (`size` bytes) for this call only; the run keeps no pointer into it.
    FrameFuzz.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#else
@main
enum Replay {
    static func main() { FuzzReplay.main(name: "fuzz-frame", FrameFuzz.run) }
}
#endif
