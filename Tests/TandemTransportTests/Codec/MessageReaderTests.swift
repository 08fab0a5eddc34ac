import Testing
@testable import TandemTransport

@Suite("MessageReader: decoding")
struct MessageReaderTests {
    @Test("every length form decodes, masked from a client", arguments: [0, 1, 125, 126, 127, 65535, 65536, 200_000])
    func lengthForms(length: Int) throws {
        var g = SeededGenerator(seed: UInt64(length))
        let payload = randomBytes(length, using: &g)
        var reader = MessageReader(role: .server, limits: .init())
        let events = try drain(&reader, FrameEncoder.encode(opcode: .binary, payload: payload, maskKey: 0xDEAD_BEEF))
        #expect(events == [.binary(payload)])
        #expect(reader.bufferedByteCount == 0)
    }

    @Test func clientReadsUnmaskedServerFrames() throws {
        var reader = MessageReader(role: .client, limits: .init())
        let bytes = FrameEncoder.encode(opcode: .text, payload: text("héllo")) + FrameEncoder.encode(opcode: .pong, payload: [1, 2])
        #expect(try drain(&reader, bytes) == [.text(text("héllo")), .pong([1, 2])])
    }

    @Test func fragmentedMessageWithInterleavedControlFrames() throws {
        var reader = MessageReader(role: .server, limits: .init())
        let bytes = rawFrame(fin: false, opcode: 1, payload: text("Hel"))
            + rawFrame(opcode: 9, payload: text("ping!"))
            + rawFrame(fin: false, opcode: 0, payload: text("lo, "))
            + rawFrame(opcode: 10, payload: [])
            + rawFrame(fin: true, opcode: 0, payload: text("wörld"))
        #expect(try drain(&reader, bytes) == [.ping(text("ping!")), .pong([]), .text(text("Hello, wörld"))])
    }

    @Test func multibyteCharacterSplitAcrossFragments() throws {
        let euro = text("€") // e2 82 ac
        var reader = MessageReader(role: .server, limits: .init())
        let bytes = rawFrame(fin: false, opcode: 1, payload: [euro[0]])
            + rawFrame(fin: false, opcode: 0, payload: [euro[1]])
            + rawFrame(opcode: 0, payload: [euro[2]])
        #expect(try drain(&reader, bytes) == [.text(euro)])
    }

    @Test func bytesFedOneAtATimeForSeveralMessages() throws {
        var g = SeededGenerator(seed: 7)
        let big = randomBytes(70_000, using: &g)
        let stream = rawFrame(opcode: 1, payload: text("first"))
            + rawFrame(fin: false, opcode: 2, payload: Array(big[0..<300]))
            + rawFrame(opcode: 9, payload: text("p"))
            + rawFrame(opcode: 0, payload: Array(big[300...]))
            + rawFrame(opcode: 1, payload: [])
            + rawFrame(opcode: 8, payload: [0x03, 0xE8] + text("bye"))
        var reader = MessageReader(role: .server, limits: .init())
        var events: [WebSocketEvent] = []
        for byte in stream {
            reader.append([byte])
            while let e = try reader.next() { events.append(e) }
        }
        #expect(events == [.text(text("first")), .ping(text("p")), .binary(big), .text([]), .close(code: 1000, reason: "bye")])
        #expect(reader.bufferedByteCount == 0)
    }

    @Test func randomSplitsGiveTheSameEvents() throws {
        var g = SeededGenerator(seed: 99)
        var stream: [UInt8] = []
        var expected: [WebSocketEvent] = []
        for i in 0..<40 {
            let n = Int.random(in: 0...3000, using: &g)
            let payload = randomBytes(n, using: &g)
            if i % 3 == 0 {
                let cut = n / 2
                stream += rawFrame(fin: false, opcode: 2, payload: Array(payload[..<cut]), maskKey: UInt32(i))
                stream += rawFrame(opcode: 9, payload: [UInt8(i)], maskKey: UInt32(i + 1))
                expected.append(.ping([UInt8(i)]))
                stream += rawFrame(opcode: 0, payload: Array(payload[cut...]), maskKey: UInt32(i + 2))
            } else {
                stream += rawFrame(opcode: 2, payload: payload, maskKey: UInt32(truncatingIfNeeded: g.next()))
            }
            expected.append(.binary(payload))
        }
        var reader = MessageReader(role: .server, limits: .init())
        var events: [WebSocketEvent] = []
        var i = 0
        while i < stream.count {
            let n = min(stream.count - i, Int.random(in: 1...5000, using: &g))
            reader.append(Array(stream[i..<i + n]))
            i += n
            while let e = try reader.next() { events.append(e) }
        }
        #expect(events == expected)
    }

    @Test func closeFrames() throws {
        var reader = MessageReader(role: .server, limits: .init())
        #expect(try drain(&reader, rawFrame(opcode: 8)) == [.close(code: nil, reason: "")])
        var r2 = MessageReader(role: .server, limits: .init())
        #expect(try drain(&r2, rawFrame(opcode: 8, payload: [0x0F, 0xA0] + text("ciao ✓"))) == [.close(code: 4000, reason: "ciao ✓")])
    }

    @Test func needsMoreBytesReturnsNil() throws {
        var reader = MessageReader(role: .server, limits: .init())
        let frame = rawFrame(opcode: 2, payload: [1, 2, 3, 4, 5])
        reader.append(Array(frame[0..<7]))
        #expect(try reader.next() == nil)
        #expect(reader.bufferedByteCount > 0)
        reader.append(Array(frame[7...]))
        #expect(try reader.next() == .binary([1, 2, 3, 4, 5]))
        #expect(try reader.next() == nil)
    }
}
