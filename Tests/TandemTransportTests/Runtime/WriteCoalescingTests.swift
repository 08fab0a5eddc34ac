import Foundation
import Testing
@testable import TandemTransport

@Suite("Runtime: write coalescing")
struct WriteCoalescingTests {
    /// A frame right after a write waits for the window; a frame after a quiet spell goes at once.
    @Test func heldOnlyWithinTheWindowAfterAWrite() throws {
        let fixture = try OneClientServer { $0.writeCoalescingWindow = 1.0 }
        defer { fixture.stop() }
        let (client, connection) = (fixture.client, fixture.connection)

        Thread.sleep(forTimeInterval: 1.2) // the upgrade answer was a write: let its window pass
        connection.send(text: "a") // quiet for longer than the window: out at the end of the turn
        #expect(client.receiveMessage(timeout: 0.8) == .text(Array("a".utf8)))
        let sentB = Date()
        connection.send(text: "b")
        connection.send(text: "c")
        #expect(client.receiveMessage(timeout: 3) == .text(Array("b".utf8)))
        let waited = Date().timeIntervalSince(sentB)
        #expect(waited > 0.5, "b went out \(waited) s after it was queued, inside the 1 s window")
        #expect(client.receiveMessage(timeout: 0.5) == .text(Array("c".utf8))) // same write as b

        Thread.sleep(forTimeInterval: 1.2) // quiet for longer than the window
        let sentD = Date()
        connection.send(text: "d")
        #expect(client.receiveMessage(timeout: 0.8) == .text(Array("d".utf8)))
        #expect(Date().timeIntervalSince(sentD) < 0.8)
        client.disconnect()
    }

    /// Window 0 (the default) writes every turn: back-to-back frames arrive without waiting.
    @Test func noWindowWritesEveryTurn() throws {
        let fixture = try OneClientServer()
        defer { fixture.stop() }
        let (client, connection) = (fixture.client, fixture.connection)
        for i in 0..<5 {
            connection.send(text: "\(i)")
            #expect(client.receiveMessage(timeout: 0.8) == .text(Array("\(i)".utf8)))
        }
        client.disconnect()
    }
}
