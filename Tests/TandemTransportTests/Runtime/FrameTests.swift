import Foundation
import Testing
@testable import TandemTransport

@Suite("Runtime: frames, control frames and closing over loopback")
struct FrameTests {
    @Test func fragmentedMessageIsReassembled() throws {
        let app = RecordingApp()
        let server = try TestServer(application: app)
        defer { server.stop() }
        let client = try WebSocketClient(url: server.url)
        try client.send(opcode: .text, payload: Array("frag".utf8), fin: false)
        try client.ping([1, 2, 3])
        try client.send(opcode: .continuation, payload: Array("men".utf8), fin: false)
        try client.send(opcode: .continuation, payload: Array("ted".utf8), fin: true)
        #expect(client.receiveMessage() == .text(Array("fragmented".utf8)))
        try client.send(binary: Array(repeating: 7, count: 70_000))
        #expect(client.receiveMessage() == .binary(Array(repeating: 7, count: 70_000)))
        client.close()
    }

    @Test func pingIsAnsweredWithPong() throws {
        let server = try TestServer(application: RecordingApp())
        defer { server.stop() }
        let client = try WebSocketClient(url: server.url)
        try client.ping(Array("are you there".utf8))
        #expect(client.receive() == .event(.pong(Array("are you there".utf8))))
        client.close()
    }

    @Test func closeHandshakeEchoesCodeAndTellsApplication() throws {
        let app = RecordingApp()
        let server = try TestServer(application: app)
        defer { server.stop() }
        let client = try WebSocketClient(url: server.url)
        #expect(eventually { app.opened.count == 1 })
        #expect(client.close(code: 4001, reason: "bye") == 4001)
        let id = app.opened[0].id
        #expect(eventually { app.closedCodes[id] != nil })
        #expect(app.closedCodes[id] == .some(4001))
    }

    @Test func protocolErrorsCloseWithTheCodecCode() throws {
        let server = try TestServer(application: RecordingApp())
        defer { server.stop() }
        // Unmasked client frame → 1002.
        let socket = try RawSocket(port: server.port)
        socket.send(upgradeRequest() )
        socket.send(FrameEncoder.encode(opcode: .text, payload: Array("hi".utf8)))
        #expect(closeCode(inServerBytes: socket.readAll(timeout: 3)) == 1002)
        // Invalid UTF-8 → 1007.
        let utf8 = try RawSocket(port: server.port)
        utf8.send(upgradeRequest())
        utf8.send(clientFrame(.text, [0xC3, 0x28]))
        #expect(closeCode(inServerBytes: utf8.readAll(timeout: 3)) == 1007)
    }

    @Test func serverInitiatedCloseAndShutdownSend1001() throws {
        let app = RecordingApp()
        // A close timeout far past the bound below: a shutdown that waited for the close handshakes
        // (or their timeout) instead of its grace would outlast it.
        let server = try TestServer({ $0.closeTimeout = 60 * testTimeScale }, application: app)
        let clients = try (0..<5).map { _ in try WebSocketClient(url: server.url) }
        #expect(eventually { app.opened.count == 5 })
        // The clients do not answer until later, so shutdown waits out its grace, then drops them.
        let start = Date()
        server.stop(grace: 0.5)
        #expect(Date().timeIntervalSince(start) < 10 * testTimeScale, "stopped after \(Date().timeIntervalSince(start)) s")
        for client in clients {
            #expect(client.receive(timeout: 10 * testTimeScale) == .event(.close(code: 1001, reason: "server shutting down")))
        }
        #expect(app.closedCodes.count == 5)
    }

    @Test func idleConnectionsArePingedThenClosed() throws {
        let app = RecordingApp()
        // An answer window (idle - ping) of 2.5 s: on a loaded host the thread answering for the live
        // client can wait its turn for a second (a 0.4 s window was tight).
        let server = try TestServer({ $0.pingInterval = 0.5 * testTimeScale; $0.idleTimeout = 3 * testTimeScale }, application: app)
        defer { server.stop() }
        // A client that answers pings stays open past the idle timeout.
        let live = try WebSocketClient(url: server.url)
        var pings = 0
        let until = Date().addingTimeInterval(4 * testTimeScale)
        while Date() < until {
            if case .event(.ping) = live.receive(timeout: 0.2) { pings += 1 }
        }
        #expect(pings >= 3)
        try live.send(text: "still here")
        #expect(live.receiveMessage() == .text(Array("still here".utf8)))
        // A client that never answers is closed with 1001 after the idle timeout.
        let mute = try WebSocketClient(url: server.url, options: .init(autoPong: false))
        var closeCode: UInt16?
        let deadline = Date().addingTimeInterval(30 * testTimeScale)
        while Date() < deadline, closeCode == nil {
            if case .event(.close(let code, _)) = mute.receive(timeout: 0.5) { closeCode = code }
        }
        #expect(closeCode == 1001)
        live.close()
    }
}
