import Testing
@testable import TandemTransport

@Suite("Deflater and Inflater")
struct DeflateTests {
    @Test func helloCompressesToTheRFCBytes() throws {
        let d = Deflater(windowBits: 15, noContextTakeover: true)
        #expect(d.compress(Array("Hello".utf8)) == [0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00])
        // Without context takeover the same message compresses to the same bytes every time.
        #expect(d.compress(Array("Hello".utf8)) == [0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00])
        let i = Inflater()
        #expect(try i.decompress([0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00], limit: 100) == Array("Hello".utf8))
    }

    @Test func contextTakeoverShrinksRepeatedMessages() throws {
        let d = Deflater(windowBits: 15, noContextTakeover: false)
        let first = d.compress(Array("Hello".utf8))
        let second = d.compress(Array("Hello".utf8))
        #expect(first == [0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00])
        #expect(second.count < first.count)
        let i = Inflater(windowBits: 15, noContextTakeover: false)
        #expect(try i.decompress(first, limit: 100) == Array("Hello".utf8))
        #expect(try i.decompress(second, limit: 100) == Array("Hello".utf8))
    }

    /// Messages that compress well and badly, mixed, so back-references span messages.
    static func sampleMessages(seed: UInt64) -> [[UInt8]] {
        var g = SeededGenerator(seed: seed)
        var messages: [[UInt8]] = [[]]
        let words = ["alpha ", "beta ", "gamma ", "delta ", "{\"turn\":", "42}", "session ", "ü€😀 "].map { Array($0.utf8) }
        for _ in 0..<12 {
            if Bool.random(using: &g) {
                messages.append(randomBytes(Int.random(in: 0...3000, using: &g), using: &g))
            } else {
                var m: [UInt8] = []
                for _ in 0..<Int.random(in: 1...2000, using: &g) { m += words.randomElement(using: &g)! }
                messages.append(m)
            }
        }
        messages.append([UInt8](repeating: 0x61, count: 70_000))
        return messages
    }

    @Test("round trips at every window size, with and without context takeover", arguments: 8...15)
    func roundTrip(windowBits: Int) throws {
        for noContext in [false, true] {
            let d = Deflater(windowBits: windowBits, noContextTakeover: noContext, level: 6)
            let i = Inflater(windowBits: windowBits, noContextTakeover: noContext)
            for m in Self.sampleMessages(seed: UInt64(windowBits)) {
                let c = d.compress(m)
                #expect(try i.decompress(c, limit: 1 << 20) == m)
            }
        }
    }

    @Test func eightBitWindowOutputIsValidForAStrict256ByteWindow() throws {
        // zlib cannot deflate with 8 bits and we use 9; its matches still never reach back more
        // than 250 bytes, so an inflate held to exactly 256 bytes must decode everything.
        // (Compressing the same data with an 11-bit window makes this inflate fail.)
        var g = SeededGenerator(seed: 8)
        var message: [UInt8] = []
        // Each random chunk is repeated right after itself: back-references at distances on both
        // sides of 256 bytes (only those up to 250 can be used).
        for _ in 0..<200 {
            let chunk = randomBytes(Int.random(in: 150...350, using: &g), using: &g)
            message += chunk + chunk
        }
        for noContext in [false, true] {
            let d = Deflater(windowBits: 8, noContextTakeover: noContext)
            let strict = Inflater(windowBits: 8, noContextTakeover: noContext, exactWindow: true)
            #expect(strict.windowBits == 8)
            for _ in 0..<3 {
                let c = d.compress(message)
                #expect(c.count < message.count * 9 / 10)
                #expect(try strict.decompress(c, limit: 1 << 20) == message)
            }
        }
        #expect(Inflater(windowBits: 8).windowBits == 15)
    }

    @Test func smallMemoryLevelsRoundTrip() throws {
        let message = Array(String(repeating: "low memory, still deflate ", count: 400).utf8)
        for memLevel in [1, 4, 9] {
            let d = Deflater(windowBits: 10, noContextTakeover: false, level: 1, memLevel: memLevel)
            let i = Inflater(windowBits: 10, noContextTakeover: false)
            for _ in 0..<3 {
                let c = d.compress(message)
                #expect(c.count < message.count / 4)
                #expect(try i.decompress(c, limit: 1 << 20) == message)
            }
        }
    }

    @Test func emptyMessageCompressesToOneByte() throws {
        // RFC 7692 §7.2.3.6: an empty message compresses to a single 0x00.
        let c = Deflater().compress([])
        #expect(c == [0x00])
        #expect(try Inflater().decompress(c, limit: 0) == [])
    }

    @Test func streamingDecompressionAcrossPieces() throws {
        let d = Deflater()
        let message = Array(String(repeating: "streaming pieces ", count: 5000).utf8)
        let c = d.compress(message)
        let i = Inflater()
        var out: [UInt8] = []
        var start = 0
        for cut in [1, 2, 3, 50, c.count / 2, c.count] {
            try i.decompress(Array(c[start..<cut]), into: &out, limit: 1 << 20)
            start = cut
        }
        try i.finishMessage(into: &out, limit: 1 << 20)
        #expect(out == message)
    }

    @Test func zipBombIsRefusedEarly() throws {
        let zeros = [UInt8](repeating: 0, count: 10_000_000)
        let bomb = Deflater(level: 9).compress(zeros)
        #expect(bomb.count < 20_000)
        let i = Inflater()
        var out: [UInt8] = []
        #expect(throws: WebSocketError.decompressedTooBig) {
            try i.decompress(bomb, into: &out, limit: 1 << 20)
        }
        // Stopped within one step of the limit rather than inflating all 10 MB.
        #expect(out.count <= (1 << 20) + 16 * 1024)
        #expect(out.capacity < 4 << 20)
        // The inflater is usable again after the refusal.
        #expect(try i.decompress(Deflater().compress(Array("ok".utf8)), limit: 10) == Array("ok".utf8))
    }

    @Test func corruptDataIsInflateFailed() {
        let i = Inflater()
        #expect(throws: WebSocketError.inflateFailed) { try i.decompress([0xFF, 0xFF, 0xFF, 0xFF, 0x00], limit: 1000) }
        #expect(WebSocketError.inflateFailed.closeCode == .invalidPayload)
        #expect(WebSocketError.decompressedTooBig.closeCode == .messageTooBig)
    }

    /// Inflates `compressed` as one message into a fresh inflater, fed in pieces of `piece` bytes.
    static func inflateInPieces(_ compressed: [UInt8], piece: Int, windowBits: Int) -> Result<[UInt8], WebSocketError> {
        let i = Inflater(windowBits: windowBits, noContextTakeover: false)
        var out: [UInt8] = []
        do throws(WebSocketError) {
            var start = 0
            while start < compressed.count {
                let end = min(start + piece, compressed.count)
                try i.decompress(Array(compressed[start..<end]), into: &out, limit: 1 << 20)
                start = end
            }
            try i.finishMessage(into: &out, limit: 1 << 20)
            return .success(out)
        } catch {
            return .failure(error)
        }
    }

    @Test func theVerdictDoesNotDependOnHowTheBytesArrive() throws {
        // Back-references 3,000 bytes back, past a negotiated 9-bit window: decoded alike whole
        // and a byte at a time (a 9-bit zlib window accepted them whole and refused them in pieces).
        var g = SeededGenerator(seed: 9)
        let chunk = randomBytes(3000, using: &g)
        let message = chunk + chunk
        let c = Deflater(windowBits: 15, noContextTakeover: false).compress(message)
        #expect(c.count < 3500)
        for piece in [c.count, 1, 7, 1000] {
            #expect(Self.inflateInPieces(c, piece: piece, windowBits: 9) == .success(message))
        }
        // A back-reference before the start of the stream (a second message that leans on a first
        // one this inflater never saw) is refused alike, however it is cut.
        let d = Deflater(windowBits: 15, noContextTakeover: false)
        _ = d.compress(message)
        let second = d.compress(message)
        #expect(second.count < 100)
        for piece in [second.count, 1, 5] {
            #expect(Self.inflateInPieces(second, piece: piece, windowBits: 15) == .failure(.inflateFailed))
        }
    }

    @Test func compressedFrameHasRSV1AndDecodes() throws {
        let d = Deflater(noContextTakeover: true)
        let message = Array(String(repeating: "broadcast ", count: 100).utf8)
        let frame = d.compressedFrame(opcode: .text, payload: message)
        #expect(frame[0] == 0xC1)
        #expect(d.compressedFrame(opcode: .text, payload: message) == frame)
        var reader = MessageReader(role: .client, limits: .init(), inflater: Inflater())
        #expect(try drain(&reader, frame) == [.text(message)])
    }
}

@Suite("MessageReader with permessage-deflate")
struct CompressedReaderTests {
    @Test func decodesAnRSV1MessageFromAClient() throws {
        let params = DeflateParameters(serverNoContextTakeover: true, clientNoContextTakeover: false)
        let (_, serverInflater) = params.makeCodecs(role: .server)
        let (clientDeflater, _) = params.makeCodecs(role: .client)
        var reader = MessageReader(role: .server, limits: .init(), inflater: serverInflater)
        var stream: [UInt8] = []
        var expected: [WebSocketEvent] = []
        for m in DeflateTests.sampleMessages(seed: 3) {
            stream += clientDeflater.compressedFrame(opcode: .binary, payload: m, maskKey: 0x1234_5678)
            expected.append(.binary(m))
            stream += FrameEncoder.encode(opcode: .text, payload: Array("plain".utf8), maskKey: 9)
            expected.append(.text(Array("plain".utf8)))
        }
        var events: [WebSocketEvent] = []
        var i = 0
        while i < stream.count {
            let n = min(777, stream.count - i)
            reader.append(Array(stream[i..<i + n]))
            i += n
            while let e = try reader.next() { events.append(e) }
        }
        #expect(events == expected)
    }

    @Test func compressedMessageSplitIntoFragmentsWithAPingBetween() throws {
        let d = Deflater()
        let message = Array(String(repeating: "fragmented and compressed ✓ ", count: 300).utf8)
        let c = d.compress(message)
        let third = c.count / 3
        let bytes = FrameEncoder.encode(opcode: .text, payload: Array(c[..<third]), fin: false, rsv1: true, maskKey: 1)
            + FrameEncoder.encode(opcode: .ping, payload: [7], maskKey: 2)
            + FrameEncoder.encode(opcode: .continuation, payload: Array(c[third..<2 * third]), fin: false, maskKey: 3)
            + FrameEncoder.encode(opcode: .continuation, payload: Array(c[(2 * third)...]), maskKey: 4)
        var reader = MessageReader(role: .server, limits: .init(), inflater: Inflater())
        #expect(try drain(&reader, bytes) == [.ping([7]), .text(message)])
    }

    @Test func rsv1OnAContinuationIs1002() {
        let c = Deflater().compress(Array("hello hello".utf8))
        let bytes = FrameEncoder.encode(opcode: .text, payload: Array(c[..<2]), fin: false, rsv1: true, maskKey: 1)
            + FrameEncoder.encode(opcode: .continuation, payload: Array(c[2...]), rsv1: true, maskKey: 1)
        #expect(readerError(bytes, inflater: Inflater()) == .reservedBitsSet)
    }

    @Test func rsv1OnAControlFrameIs1002() {
        #expect(readerError(rawFrame(rsv: 4, opcode: 9), inflater: Inflater()) == .reservedBitsSet)
    }

    @Test func compressedBombInAFrameIs1009() {
        let bomb = Deflater(level: 9).compress([UInt8](repeating: 0, count: 10_000_000))
        let frame = FrameEncoder.encode(opcode: .binary, payload: bomb, rsv1: true, maskKey: 5)
        let e = readerError(frame, limits: WebSocketLimits(maxDecompressedMessageSize: 1 << 20), inflater: Inflater())
        #expect(e == .decompressedTooBig)
        #expect(e?.closeCode == .messageTooBig)
    }

    @Test func invalidUTF8InsideCompressedTextIs1007() {
        let c = Deflater().compress([0x61, 0x62, 0xC0, 0x80])
        let e = readerError(FrameEncoder.encode(opcode: .text, payload: c, rsv1: true, maskKey: 5), inflater: Inflater())
        #expect(e == .invalidUTF8)
    }

    @Test func corruptCompressedPayloadIs1007() {
        let e = readerError(FrameEncoder.encode(opcode: .binary, payload: [0xFF, 0xFF, 0xFF], rsv1: true, maskKey: 5), inflater: Inflater())
        #expect(e == .inflateFailed)
        #expect(e?.closeCode == .invalidPayload)
    }
}
