import Testing
@testable import TandemTransport

@Suite("MessageEncoder")
struct MessageEncoderTests {
    @Test func serverFramesAreUnmaskedAndSmallOnesUncompressed() throws {
        let encoder = MessageEncoder(role: .server, deflater: Deflater(noContextTakeover: true), compressionThreshold: 100)
        #expect(encoder.text("hi") == [0x81, 0x02, 0x68, 0x69])
        let big = String(repeating: "compress me ", count: 50)
        let frame = encoder.text(big)
        #expect(frame[0] == 0xC1)
        #expect(frame[1] & 0x80 == 0)
        #expect(frame.count < big.utf8.count)
        #expect(encoder.producesShareableFrames)
        var reader = MessageReader(role: .client, limits: .init(), inflater: Inflater())
        #expect(try drain(&reader, encoder.text("hi") + frame) == [.text(Array("hi".utf8)), .text(Array(big.utf8))])
    }

    @Test func clientFramesAreMaskedWithFreshKeys() throws {
        let encoder = MessageEncoder(role: .client)
        let a = encoder.encode(.binary, payload: [1, 2, 3, 4])
        let b = encoder.encode(.binary, payload: [1, 2, 3, 4])
        #expect(a[1] & 0x80 != 0)
        #expect(a.count == 2 + 4 + 4)
        #expect(a[2..<6] != b[2..<6])
        #expect(!encoder.producesShareableFrames)
        var reader = MessageReader(role: .server, limits: .init())
        #expect(try drain(&reader, a + b + encoder.control(.ping, payload: [9]) + encoder.close(code: .normal, reason: "done"))
            == [.binary([1, 2, 3, 4]), .binary([1, 2, 3, 4]), .ping([9]), .close(code: 1000, reason: "done")])
    }

    @Test func incompressibleDataIsSentPlainOnlyWithoutContextTakeover() throws {
        var g = SeededGenerator(seed: 1)
        let noise = randomBytes(2000, using: &g)
        let shared = MessageEncoder(role: .server, deflater: Deflater(noContextTakeover: true), compressionThreshold: 10)
        #expect(shared.encode(.binary, payload: noise)[0] == 0x82)
        let takeover = MessageEncoder(role: .server, deflater: Deflater(noContextTakeover: false), compressionThreshold: 10)
        let inflater = Inflater(windowBits: 15, noContextTakeover: false)
        var reader = MessageReader(role: .client, limits: .init(), inflater: inflater)
        let frames = takeover.encode(.binary, payload: noise) + takeover.encode(.binary, payload: noise)
        #expect(frames[0] == 0xC2)
        #expect(try drain(&reader, frames) == [.binary(noise), .binary(noise)])
    }

    @Test func closeForAnErrorCarriesItsCode() throws {
        let frame = MessageEncoder(role: .server).close(for: .invalidUTF8)
        var reader = MessageReader(role: .client, limits: .init())
        #expect(try drain(&reader, frame) == [.close(code: 1007, reason: "invalid UTF-8")])
    }
}
