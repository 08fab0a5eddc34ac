import Foundation
import Testing
@testable import TandemTransport

/// On a text message "N", answers "answer" and then N binary frames of 4 KiB (byte i of frame k is
/// k), all from the loop thread in one turn, the way a join's answer and backlog are queued.
// Safe: `codes` is behind `lock`.
final class BurstApp: WebSocketApplication, @unchecked Sendable {
    private let lock = NSLock()
    private var codes: [UInt16?] = []

    func received(_ message: WebSocketMessage, on connection: WebSocketConnection) {
        guard case .text(let bytes) = message, let count = Int(String(decoding: bytes, as: UTF8.self)) else { return }
        connection.send(text: "answer")
        for index in 0..<count {
            connection.send(binary: [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: 4096))
        }
    }

    func closed(_ connection: WebSocketConnection, code: UInt16?) { lock.withLock { codes.append(code) } }

    var closedCodes: [UInt16?] { lock.withLock { codes } }
}

/// True when `message` is frame `index` of `BurstApp`'s burst (compared here: a failed `#expect` on
/// the arrays would print 4 KiB of numbers).
private func isFrame(_ message: WebSocketEvent?, _ index: Int) -> Bool {
    message == .binary([UInt8](repeating: UInt8(truncatingIfNeeded: index), count: 4096))
}

/// The outbound-queue limit applies to what the socket did not take, not to what one loop turn queued.
@Suite("Runtime: bursts against the outbound-queue limit")
struct BurstTests {
    @Test func aBurstTheSocketTakesIsNotASlowConsumer() throws {
        let app = BurstApp()
        let server = try TestServer({ $0.loopCount = 1; $0.outboundQueueLimit = 16 * 1024 }, application: app)
        defer { server.stop() }
        let client = try WebSocketClient(url: server.url)
        // 48 KiB in one turn, three times the limit: loopback socket buffers take it at once.
        try client.send(text: "12")
        #expect(client.receiveMessage() == .text(Array("answer".utf8)))
        for index in 0..<12 {
            let message = client.receiveMessage()
            #expect(isFrame(message, index), "frame \(index) missing or wrong")
        }
        #expect(app.closedCodes.isEmpty)
        client.disconnect()
    }

    @Test func aBurstBeyondTheSocketCutsAfterTheAnswerAndAPrefix() throws {
        let app = BurstApp()
        let server = try TestServer({ $0.loopCount = 1; $0.outboundQueueLimit = 16 * 1024; $0.closeTimeout = 30 * testTimeScale },
                                    application: app)
        defer { server.stop() }
        let client = try WebSocketClient(url: server.url)
        // 64 MiB: far more than the kernel buffers hold while the client is not reading.
        try client.send(text: "16384")
        Thread.sleep(forTimeInterval: 0.2)
        // Frames queued before the cut are not lost: the answer, then frames 0, 1, 2, ... with no gap.
        #expect(client.receiveMessage() == .text(Array("answer".utf8)))
        var received = 0
        var closeCode: UInt16?
        loop: while true {
            switch client.receive(timeout: 10) {
            case .event(let event) where isFrame(event, received):
                received += 1
            case .event(.binary):
                Issue.record("frame \(received) is wrong")
                break loop
            case .event(.close(let code, _)):
                closeCode = code
                break loop
            case .event:
                continue
            default:
                break loop
            }
        }
        #expect(closeCode == 1008)
        #expect(received > 0 && received < 16384, "received \(received) frames before the cut")
        client.disconnect()
        #expect(eventually { app.closedCodes == [1008] })
    }
}
