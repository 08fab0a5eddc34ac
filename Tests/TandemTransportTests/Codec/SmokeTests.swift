import Testing
@testable import TandemTransport

@Suite struct CodecSmokeTests {
    @Test func serverReadsMaskedClientText() throws {
        let frame = FrameEncoder.encode(opcode: .text, payload: Array("hi".utf8), maskKey: 0x0102_0304)
        var reader = MessageReader(role: .server, limits: .init())
        reader.append(frame)
        #expect(try reader.next() == .text(Array("hi".utf8)))
        #expect(try reader.next() == nil)
    }
}
