import Foundation
import Testing
@testable import TandemTransport

/// Broadcasts every text message to all open connections (a one-room chat).
// Safe: `members` and `codes` are behind `lock`.
final class BroadcastApp: WebSocketApplication, @unchecked Sendable {
    private let lock = NSLock()
    private var members: [WebSocketConnection] = []
    private var codes: [UInt64: UInt16?] = [:]

    func opened(_ connection: WebSocketConnection) { lock.withLock { members.append(connection) } }

    func received(_ message: WebSocketMessage, on connection: WebSocketConnection) {
        let everyone = lock.withLock { members }
        WebSocketConnection.broadcast(SharedFrame(opcode: .binary, payload: message.bytes), to: everyone)
    }

    func closed(_ connection: WebSocketConnection, code: UInt16?) {
        lock.withLock {
            members.removeAll { $0 === connection }
            codes[connection.id] = code
        }
    }

    var memberCount: Int { lock.withLock { members.count } }
    var closedCodes: [UInt64: UInt16?] { lock.withLock { codes } }
}

@Suite("Runtime: broadcast and backpressure")
struct BackpressureTests {
    @Test func broadcastReachesEveryConnectionOnEveryLoop() throws {
        let app = BroadcastApp()
        let server = try TestServer({ $0.loopCount = 2 }, application: app)
        defer { server.stop() }
        let clients = try (0..<50).map { _ in try WebSocketClient(url: server.url) }
        #expect(eventually { app.memberCount == 50 })
        for round in 0..<5 {
            try clients[round].send(binary: [UInt8(round), 1, 2, 3])
            for client in clients {
                #expect(client.receiveMessage() == .binary([UInt8(round), 1, 2, 3]))
            }
        }
        clients.forEach { $0.disconnect() }
    }

    @Test func sharedFrameIsEncodedOnce() {
        let frame = SharedFrame(text: "hello")
        frame.plain.withBytes { bytes in
            #expect(Array(bytes) == [0x81, 5] + Array("hello".utf8))
        }
        // Same window → same compressed object, built once.
        let big = SharedFrame(text: String(repeating: "tandem ", count: 100))
        let first = big.compressed(windowBits: 15) { Deflater(windowBits: 15, noContextTakeover: true) }
        let second = big.compressed(windowBits: 15) { Issue.record("compressed twice"); return Deflater() }
        #expect(first === second)
        #expect(first.count < big.plain.count)
    }

    @Test func slowConsumerIsCutOffWithoutDelayingOthers() throws {
        let app = BroadcastApp()
        // One loop: the slow reader and the fast ones share it. The slow client reads its 1008 only after
        // the 400 round trips, and its socket is dropped closeTimeout after the cut: generous, so the
        // outcome does not depend on how fast the round trips go (under a sanitizer, much slower).
        let server = try TestServer({ $0.loopCount = 1; $0.outboundQueueLimit = 256 * 1024; $0.closeTimeout = 30 * testTimeScale }, application: app)
        defer { server.stop() }
        // A client that never reads, with a tiny receive buffer.
        let slow = try RawSocket(port: server.port, receiveBuffer: 4096)
        slow.send(upgradeRequest())
        let fast = try (0..<3).map { _ in try WebSocketClient(url: server.url) }
        #expect(eventually { app.memberCount == 4 })
        let payload = [UInt8](repeating: 0x42, count: 16 * 1024)
        var worst = 0.0
        for index in 0..<400 {
            let sent = Date()
            try fast[index % 3].send(binary: payload)
            for client in fast {
                guard client.receiveMessage(timeout: 5) == .binary(payload) else {
                    Issue.record("fast client missed message \(index)")
                    return
                }
            }
            worst = max(worst, Date().timeIntervalSince(sent))
        }
        // Every round trip stayed quick although one member stopped reading.
        #expect(worst < 1.0)
        // Once it reads, the slow client finds the 1008 close after what was already in flight, then EOF.
        let bytes = slow.readAll(timeout: 5, limit: 64 << 20)
        #expect(closeCode(inServerBytes: bytes) == 1008)
        slow.halfClose()
        #expect(eventually { app.memberCount == 3 })
        #expect(app.closedCodes.values.contains(1008))
        fast.forEach { $0.disconnect() }
    }

    /// Pongs count against the outbound queue like everything else: a client that sends pings and never
    /// reads used to make the server queue one pong per ping, without limit (200 MiB of pings, 200 MiB held).
    @Test func aPingFloodFromAClientThatDoesNotReadIsCutOffAtTheQueueLimit() throws {
        let app = BroadcastApp()
        let server = try TestServer({ $0.loopCount = 1; $0.outboundQueueLimit = 64 * 1024; $0.closeTimeout = 1 }, application: app)
        defer { server.stop() }
        let flooder = try RawSocket(port: server.port, receiveBuffer: 4096)
        flooder.send(upgradeRequest())
        #expect(eventually { app.memberCount == 1 })
        let burst = Array([[UInt8]](repeating: clientFrame(.ping, [UInt8](repeating: 7, count: 125)), count: 1000).joined())
        for _ in 0..<32 { flooder.send(burst) } // 4 MiB of pings, 64 times the limit
        #expect(eventually(timeout: 10) { app.closedCodes.values.contains(1008) }, "\(app.closedCodes)")
    }
}
