import Testing
@testable import TandemTransport

@Suite("FrameEncoder")
struct FrameEncoderTests {
    @Test func headerForEachLengthBoundary() {
        let cases: [(Int, [UInt8])] = [
            (0, [0x82, 0x00]),
            (125, [0x82, 125]),
            (126, [0x82, 126, 0x00, 126]),
            (65535, [0x82, 126, 0xFF, 0xFF]),
            (65536, [0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]),
        ]
        for (length, header) in cases {
            let frame = FrameEncoder.encode(opcode: .binary, payload: [UInt8](repeating: 7, count: length))
            #expect(Array(frame.prefix(header.count)) == header, "length \(length)")
            #expect(frame.count == header.count + length)
            #expect(FrameEncoder.headerSize(payloadLength: length, masked: false) == header.count)
            #expect(FrameEncoder.headerSize(payloadLength: length, masked: true) == header.count + 4)
        }
    }

    @Test func flagsAndOpcode() {
        let frame = FrameEncoder.encode(opcode: .text, payload: [], fin: false, rsv1: true)
        #expect(frame == [0x41, 0x00])
        #expect(FrameEncoder.encode(opcode: .close, payload: [3, 232]) == [0x88, 0x02, 3, 232])
    }

    @Test func rfcMaskedHelloExample() {
        // RFC 6455 §5.7: a masked "Hello" from a client.
        let frame = FrameEncoder.encode(opcode: .text, payload: Array("Hello".utf8), maskKey: 0x37FA_213D)
        #expect(frame == [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])
    }

    @Test("masked frames round-trip through the reader", arguments: [0, 1, 3, 7, 8, 15, 16, 17, 125, 126, 1000, 65535, 65536, 100_001])
    func maskedRoundTrip(length: Int) throws {
        var g = SeededGenerator(seed: UInt64(length) &+ 11)
        let payload = randomBytes(length, using: &g)
        let key = UInt32(truncatingIfNeeded: g.next())
        var reader = MessageReader(role: .server, limits: .init())
        let frame = FrameEncoder.encode(opcode: .binary, payload: payload, maskKey: key)
        #expect(frame.count == FrameEncoder.headerSize(payloadLength: length, masked: true) + length)
        // Fed in two pieces at an odd offset to exercise unmasking phase across appends.
        let cut = min(frame.count, FrameEncoder.headerSize(payloadLength: length, masked: true) + length / 3 + 1)
        reader.append(Array(frame[..<cut]))
        var events: [WebSocketEvent] = []
        while let e = try reader.next() { events.append(e) }
        reader.append(Array(frame[cut...]))
        while let e = try reader.next() { events.append(e) }
        #expect(events == [.binary(payload)])
    }

    @Test func maskingPhaseIsResumable() {
        var g = SeededGenerator(seed: 5)
        let data = randomBytes(1000, using: &g)
        var whole = data
        // Safe: the pointer is lent to the call only and not kept.
        whole.withUnsafeMutableBytes { _ = WebSocketMasking.apply(key: 0xA1B2_C3D4, phase: 0, to: $0) }
        var pieces = data
        var phase = 0
        var start = 0
        for cut in [1, 2, 19, 20, 333, 777, 1000] {
            // Safe: the pointer is lent to the call only and not kept.
            phase = pieces.withUnsafeMutableBytes { WebSocketMasking.apply(key: 0xA1B2_C3D4, phase: phase, to: UnsafeMutableRawBufferPointer(rebasing: $0[start..<cut])) }
            start = cut
        }
        #expect(pieces == whole)
        #expect(whole != data)
    }

    @Test func writeHeaderMatchesEncode() {
        for length in [0, 125, 126, 65535, 65536] {
            var buffer = [UInt8](repeating: 0, count: 14)
            // Safe: the 14-byte buffer holds the longest header (2 + 8 + 4 mask bytes)
            let n = buffer.withUnsafeMutableBytes {
                FrameEncoder.writeHeader(into: $0.baseAddress!, opcode: .text, payloadLength: length, fin: true, rsv1: true, maskKey: 0x01020304)
            }
            let frame = FrameEncoder.encode(opcode: .text, payload: [UInt8](repeating: 0, count: length), rsv1: true, maskKey: 0x01020304)
            #expect(n == FrameEncoder.headerSize(payloadLength: length, masked: true))
            #expect(Array(buffer[..<n]) == Array(frame[..<n]))
        }
    }

    @Test func closePayloadTruncatesOnACharacterBoundary() {
        let reason = String(repeating: "€", count: 60) // 180 bytes, 3 per character
        let payload = FrameEncoder.closePayload(code: .goingAway, reason: reason)
        #expect(payload.count == 2 + 123)
        #expect(Array(payload[..<2]) == [0x03, 0xE9])
        #expect(String(validating: payload[2...], as: UTF8.self) == String(repeating: "€", count: 41))
        let emoji = FrameEncoder.closePayload(code: .normal, reason: "a" + String(repeating: "😀", count: 40))
        #expect(emoji.count == 2 + 1 + 30 * 4)
        #expect(UTF8Validator.isValid(Array(emoji[2...])))
        #expect(FrameEncoder.closePayload(code: .normal, reason: "") == [0x03, 0xE8])
    }

    @Test func closeFrameRoundTrip() throws {
        var reader = MessageReader(role: .client, limits: .init())
        let frame = FrameEncoder.encode(opcode: .close, payload: FrameEncoder.closePayload(code: .tryAgainLater, reason: "busy"))
        #expect(try drain(&reader, frame) == [.close(code: 1013, reason: "busy")])
    }
}
