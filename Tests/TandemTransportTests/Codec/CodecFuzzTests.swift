import Testing
@testable import TandemTransport

/// Garbage in must give events or a typed error, never a trap. Deterministic seeds.
@Suite("Codec robustness on random input")
struct CodecFuzzTests {
    @Test func readerSurvivesGarbage() {
        var g = SeededGenerator(seed: 31337)
        var errors = 0
        for round in 0..<400 {
            var bytes = randomBytes(Int.random(in: 0...300, using: &g), using: &g)
            // Half the rounds start with a plausible header so deeper paths are reached.
            if round % 2 == 0 {
                bytes = [UInt8.random(in: 0x80...0x8A, using: &g), UInt8.random(in: 0x80...0xFF, using: &g)] + bytes
            }
            let inflater: Inflater? = round % 3 == 0 ? Inflater() : nil
            var reader = MessageReader(role: round % 4 == 0 ? .client : .server, limits: WebSocketLimits(maxFramePayload: 200, maxMessageSize: 400, maxFragments: 4, maxDecompressedMessageSize: 1000), inflater: inflater)
            var i = 0
            do {
                while i < bytes.count {
                    let n = min(bytes.count - i, Int.random(in: 1...40, using: &g))
                    reader.append(Array(bytes[i..<i + n]))
                    i += n
                    while try reader.next() != nil {}
                }
            } catch {
                errors += 1
                #expect([1002, 1007, 1009].contains(error.closeCode.rawValue))
            }
            #expect(reader.bufferedByteCount <= 1000 + 16 * 1024 + 300)
        }
        #expect(errors > 100)
    }

    @Test func mutatedValidStreamsNeverTrap() {
        var g = SeededGenerator(seed: 4242)
        let deflater = Deflater(noContextTakeover: true)
        var base: [UInt8] = []
        base += FrameEncoder.encode(opcode: .text, payload: Array("héllo wörld".utf8), fin: false, maskKey: 1)
        base += FrameEncoder.encode(opcode: .ping, payload: [1, 2], maskKey: 2)
        base += FrameEncoder.encode(opcode: .continuation, payload: Array(" again".utf8), maskKey: 3)
        base += deflater.compressedFrame(opcode: .binary, payload: Array(String(repeating: "zip ", count: 100).utf8), maskKey: 4)
        base += FrameEncoder.encode(opcode: .close, payload: FrameEncoder.closePayload(code: .normal, reason: "bye"), maskKey: 5)
        var outcomes: Set<String> = []
        for _ in 0..<1500 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...3, using: &g) {
                let at = Int.random(in: 0..<bytes.count, using: &g)
                bytes[at] ^= UInt8(1) << UInt8.random(in: 0...7, using: &g)
            }
            var reader = MessageReader(role: .server, limits: .init(), inflater: Inflater())
            do {
                _ = try drain(&reader, bytes)
                outcomes.insert("ok")
            } catch {
                outcomes.insert(String(describing: error.closeCode.rawValue))
            }
        }
        #expect(outcomes.contains("ok"))
        #expect(outcomes.contains("1002"))
        #expect(outcomes.contains("1007"))
    }

    @Test func httpParserSurvivesGarbage() {
        var g = SeededGenerator(seed: 77)
        let valid = Array(upgradeRequestText().utf8)
        var statuses: Set<Int> = []
        for round in 0..<1000 {
            var bytes = valid
            if round % 2 == 0 {
                bytes = randomBytes(Int.random(in: 0...200, using: &g), using: &g) + [0x0D, 0x0A, 0x0D, 0x0A]
            } else {
                for _ in 0..<Int.random(in: 1...4, using: &g) {
                    bytes[Int.random(in: 0..<bytes.count, using: &g)] = UInt8.random(in: 0...255, using: &g)
                }
            }
            var parser = HTTPRequestParser(limits: HTTPLimits(maxRequestLineLength: 100, maxHeaderCount: 10, maxHeaderBytes: 400))
            do {
                if let request = try parser.feed(bytes) {
                    switch WebSocketUpgrade.validate(request, config: .init(allowedOrigins: [WebOrigin(setting: "http://example.com")!])) {
                    case .success: statuses.insert(101)
                    case .failure(let e): statuses.insert(e.status)
                    }
                }
            } catch {
                statuses.insert(error.status)
                #expect([400, 414, 431].contains(error.status))
            }
        }
        #expect(statuses.contains(400))
        #expect(statuses.contains(101))
    }

    @Test func inflaterSurvivesGarbage() {
        var g = SeededGenerator(seed: 9)
        let inflater = Inflater(windowBits: 15, noContextTakeover: false)
        var failures = 0
        for _ in 0..<500 {
            do {
                _ = try inflater.decompress(randomBytes(Int.random(in: 0...200, using: &g), using: &g), limit: 10_000)
            } catch {
                failures += 1
                #expect(error == .inflateFailed || error == .decompressedTooBig)
            }
        }
        #expect(failures > 0)
        // Still works afterwards.
        #expect((try? inflater.decompress(Deflater().compress(Array("after".utf8)), limit: 100)) == Array("after".utf8))
    }
}
