import Testing
@testable import TandemTransport

@Suite("MessageReader: protocol errors and their close codes")
struct MessageReaderErrorTests {
    @Test func reservedBits() {
        for rsv: UInt8 in [1, 2, 4] {
            let e = readerError(rawFrame(rsv: rsv, opcode: 1, payload: text("x")))
            #expect(e == .reservedBitsSet)
            #expect(e?.closeCode == .protocolError)
        }
    }

    @Test func rsv1WithoutNegotiatedDeflateIs1002() {
        let e = readerError(rawFrame(rsv: 4, opcode: 2, payload: [0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00]))
        #expect(e == .reservedBitsSet)
        #expect(e?.closeCode.rawValue == 1002)
    }

    @Test func reservedOpcodes() {
        for op: UInt8 in [3, 4, 5, 6, 7, 11, 12, 13, 14, 15] {
            let e = readerError(rawFrame(opcode: op))
            #expect(e == .reservedOpcode(op))
            #expect(e?.closeCode == .protocolError)
        }
    }

    @Test func maskingRules() {
        let unmasked = readerError(rawFrame(opcode: 1, payload: text("a"), maskKey: nil), role: .server)
        #expect(unmasked == .unmaskedClientFrame)
        #expect(unmasked?.closeCode == .protocolError)
        let masked = readerError(rawFrame(opcode: 1, payload: text("a")), role: .client)
        #expect(masked == .maskedServerFrame)
        #expect(masked?.closeCode == .protocolError)
    }

    @Test func fragmentedControlFrame() {
        for op: UInt8 in [8, 9, 10] {
            let e = readerError(rawFrame(fin: false, opcode: op))
            #expect(e == .fragmentedControlFrame)
            #expect(e?.closeCode == .protocolError)
        }
    }

    @Test func controlFrameOver125BytesFailsOnItsHeader() {
        // Only the two header bytes: refused without waiting for the payload.
        let header = Array(rawFrame(opcode: 9, payload: [UInt8](repeating: 0, count: 126))[0..<2])
        let e = readerError(header)
        #expect(e == .controlFrameTooLong)
        #expect(e?.closeCode == .protocolError)
    }

    @Test func continuationRules() {
        let stray = readerError(rawFrame(opcode: 0, payload: text("x")))
        #expect(stray == .unexpectedContinuation)
        #expect(stray?.closeCode == .protocolError)
        let interrupted = readerError(rawFrame(fin: false, opcode: 1, payload: text("a")) + rawFrame(opcode: 1, payload: text("b")))
        #expect(interrupted == .expectedContinuation)
        #expect(interrupted?.closeCode == .protocolError)
    }

    @Test func invalidUTF8InSingleFrameIs1007() {
        let e = readerError(rawFrame(opcode: 1, payload: [0x61, 0xC0, 0xAF]))
        #expect(e == .invalidUTF8)
        #expect(e?.closeCode == .invalidPayload)
    }

    @Test func invalidUTF8FailsInTheFirstFragment() throws {
        var reader = MessageReader(role: .server, limits: .init())
        reader.append(rawFrame(fin: false, opcode: 1, payload: text("ok so far ") + [0xED, 0xA0, 0x80]))
        #expect(throws: WebSocketError.invalidUTF8) { try reader.next() }
    }

    @Test func invalidUTF8FailsInThePartOfAFrameThatArrived() throws {
        // The frame announces 1000 bytes; only a bad prefix has arrived.
        let frame = rawFrame(opcode: 1, payload: [0xFF] + [UInt8](repeating: 0x61, count: 999))
        var reader = MessageReader(role: .server, limits: .init())
        reader.append(Array(frame[0..<12]))
        #expect(throws: WebSocketError.invalidUTF8) { try reader.next() }
    }

    @Test func truncatedUTF8AtEndOfMessageIs1007() {
        let e = readerError(rawFrame(fin: false, opcode: 1, payload: [0x61, 0xE2]) + rawFrame(opcode: 0, payload: [0x82]))
        #expect(e == .invalidUTF8)
    }

    @Test func frameTooBigIs1009() {
        let limits = WebSocketLimits(maxFramePayload: 1000, maxMessageSize: 5000)
        let e = readerError(rawFrame(opcode: 2, payload: [UInt8](repeating: 1, count: 1001)), limits: limits)
        #expect(e == .frameTooBig(1001))
        #expect(e?.closeCode == .messageTooBig)
    }

    @Test func hugeAnnouncedLengthFailsOnTheHeaderAlone() throws {
        var reader = MessageReader(role: .server, limits: .init())
        // 2 + 8 length bytes: the mask and payload never arrive.
        reader.append(Array(rawFrame(opcode: 2, announcedLength: 1 << 40)[0..<10]))
        #expect(throws: WebSocketError.frameTooBig(1 << 40)) { try reader.next() }
        #expect(reader.bufferedByteCount == 0)
    }

    @Test func messageTooBigAcrossFragmentsIs1009() throws {
        let limits = WebSocketLimits(maxFramePayload: 1000, maxMessageSize: 1500)
        var reader = MessageReader(role: .server, limits: limits)
        reader.append(rawFrame(fin: false, opcode: 2, payload: [UInt8](repeating: 1, count: 1000)))
        #expect(try reader.next() == nil)
        // Header only of the second fragment: refused before its payload arrives.
        reader.append(Array(rawFrame(opcode: 0, payload: [UInt8](repeating: 1, count: 600))[0..<8]))
        #expect(throws: WebSocketError.messageTooBig(1600)) { try reader.next() }
        #expect(WebSocketError.messageTooBig(1600).closeCode == .messageTooBig)
    }

    @Test func tooManyFragmentsIs1009() {
        let limits = WebSocketLimits(maxFragments: 4)
        var bytes: [UInt8] = []
        for _ in 0..<5 { bytes += rawFrame(fin: false, opcode: bytes.isEmpty ? 2 : 0, payload: [1]) }
        let e = readerError(bytes, limits: limits)
        #expect(e == .tooManyFragments)
        #expect(e?.closeCode == .messageTooBig)
    }

    @Test func fragmentLimitAllowsExactlyTheLimit() throws {
        var reader = MessageReader(role: .server, limits: WebSocketLimits(maxFragments: 3))
        let bytes = rawFrame(fin: false, opcode: 2, payload: [1]) + rawFrame(fin: false, opcode: 0, payload: [2]) + rawFrame(opcode: 0, payload: [3])
        #expect(try drain(&reader, bytes) == [.binary([1, 2, 3])])
    }

    @Test func nonMinimalAndOversizedLengthEncodings() {
        #expect(readerError(rawFrame(opcode: 2, payload: [1, 2, 3], lengthForm: 16)) == .nonMinimalLength)
        #expect(readerError(rawFrame(opcode: 2, payload: [UInt8](repeating: 0, count: 200), lengthForm: 64)) == .nonMinimalLength)
        let msbSet = readerError(Array(rawFrame(opcode: 2, announcedLength: 1 << 63)[0..<10]))
        #expect(msbSet == .nonMinimalLength)
        #expect(msbSet?.closeCode == .protocolError)
    }

    @Test("invalid close codes are 1002", arguments: [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535] as [UInt16])
    func invalidCloseCodes(code: UInt16) {
        let e = readerError(rawFrame(opcode: 8, payload: [UInt8(code >> 8), UInt8(code & 0xFF)]))
        #expect(e == .invalidCloseCode(code))
        #expect(e?.closeCode == .protocolError)
    }

    @Test("valid close codes are accepted", arguments: [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999] as [UInt16])
    func validCloseCodes(code: UInt16) throws {
        var reader = MessageReader(role: .server, limits: .init())
        #expect(try drain(&reader, rawFrame(opcode: 8, payload: [UInt8(code >> 8), UInt8(code & 0xFF)])) == [.close(code: code, reason: "")])
    }

    @Test func oneByteClosePayloadIs1002() {
        let e = readerError(rawFrame(opcode: 8, payload: [0x03]))
        #expect(e == .invalidClosePayload)
        #expect(e?.closeCode == .protocolError)
    }

    @Test func invalidUTF8InCloseReasonIs1007() {
        let e = readerError(rawFrame(opcode: 8, payload: [0x03, 0xE8, 0xCE, 0xBA, 0xE1, 0xBD]))
        #expect(e == .invalidUTF8)
        #expect(e?.closeCode == .invalidPayload)
    }

    @Test func readerStaysDeadAfterAnError() throws {
        var reader = MessageReader(role: .server, limits: .init())
        reader.append(rawFrame(opcode: 3))
        #expect(throws: WebSocketError.reservedOpcode(3)) { try reader.next() }
        reader.append(rawFrame(opcode: 1, payload: text("fine")))
        #expect(throws: WebSocketError.reservedOpcode(3)) { try reader.next() }
        #expect(reader.hasFailed)
        #expect(reader.bufferedByteCount == 0)
    }

    @Test func everyErrorHasACloseCodeAndShortReason() {
        let all: [WebSocketError] = [
            .reservedBitsSet, .reservedOpcode(3), .unmaskedClientFrame, .maskedServerFrame, .fragmentedControlFrame,
            .controlFrameTooLong, .unexpectedContinuation, .expectedContinuation, .frameTooBig(Int.max),
            .messageTooBig(Int.max), .tooManyFragments, .invalidUTF8, .invalidCloseCode(65535),
            .invalidClosePayload, .nonMinimalLength, .decompressedTooBig, .inflateFailed,
        ]
        for e in all {
            #expect([1002, 1007, 1009].contains(e.closeCode.rawValue))
            #expect(!e.reason.isEmpty && e.reason.utf8.count <= 123)
            #expect(FrameEncoder.closePayload(code: e.closeCode, reason: e.reason).count <= 125)
        }
    }
}

@Suite("MessageReader: same outcome whole or byte by byte")
struct MessageReaderFeedModeTests {
    /// The reader has a fast path for frames that arrive whole and a streaming path for pieces;
    /// each case must come out the same both ways.
    static let cases: [(String, [UInt8], WebSocketLimits, WebSocketError)] = [
        ("bad utf8 text", rawFrame(opcode: 1, payload: [0x61, 0xED, 0xA0, 0x80]), .init(), .invalidUTF8),
        ("truncated utf8 text", rawFrame(opcode: 1, payload: [0x61, 0xE2, 0x82]), .init(), .invalidUTF8),
        ("message over limit in one frame", rawFrame(opcode: 2, payload: [UInt8](repeating: 0, count: 300)), WebSocketLimits(maxFramePayload: 1000, maxMessageSize: 200), .messageTooBig(300)),
        ("close with one byte", rawFrame(opcode: 8, payload: [3]), .init(), .invalidClosePayload),
        ("close code 1005", rawFrame(opcode: 8, payload: [0x03, 0xED]), .init(), .invalidCloseCode(1005)),
        ("close reason bad utf8", rawFrame(opcode: 8, payload: [0x03, 0xE8, 0xFF]), .init(), .invalidUTF8),
        ("unmasked", rawFrame(opcode: 2, payload: [1], maskKey: nil), .init(), .unmaskedClientFrame),
        ("reserved opcode after valid frame", rawFrame(opcode: 2, payload: [1]) + rawFrame(opcode: 0xB), .init(), .reservedOpcode(0xB)),
    ]

    @Test func wholeAndByteByByteAgree() {
        for (name, bytes, limits, expected) in Self.cases {
            #expect(readerError(bytes, limits: limits) == expected, "\(name) whole")
            var reader = MessageReader(role: .server, limits: limits)
            var thrown: WebSocketError?
            for b in bytes where thrown == nil {
                reader.append([b])
                do { while try reader.next() != nil {} } catch { thrown = error }
            }
            #expect(thrown == expected, "\(name) byte by byte")
        }
    }
}
