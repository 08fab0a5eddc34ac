import Foundation
import Testing
@testable import TandemTransport

@Suite("Runtime: write coalescing")
struct WriteCoalescingTests {
    /// A frame right after a write waits for the window; a frame after a quiet spell goes at once.
    /// The window is 3 s and each bound sits a second from where broken code would land, so that
    /// the scheduler's delays on a loaded host (a 1 s window with 0.2-0.5 s margins was its to
    /// break) cannot decide the test: a held frame would take the window, an unheld one ~0 s.
    @Test func heldOnlyWithinTheWindowAfterAWrite() throws {
        let window = 3.0
        let fixture = try OneClientServer { $0.writeCoalescingWindow = window }
        defer { fixture.stop() }
        let (client, connection) = (fixture.client, fixture.connection)

        Thread.sleep(forTimeInterval: window + 0.2) // the upgrade answer was a write: let its window pass
        let sentA = Date()
        connection.send(text: "a") // quiet for longer than the window: out at the end of the turn
        #expect(client.receiveMessage(timeout: window * 2) == .text(Array("a".utf8)))
        #expect(Date().timeIntervalSince(sentA) < window - 1, "a was held after a quiet spell")
        let sentB = Date()
        connection.send(text: "b")
        connection.send(text: "c")
        #expect(client.receiveMessage(timeout: window * 2) == .text(Array("b".utf8)))
        let waited = Date().timeIntervalSince(sentB)
        #expect(waited > 1, "b went out \(waited) s after it was queued, inside the \(window) s window")
        #expect(client.receiveMessage(timeout: 0.5) == .text(Array("c".utf8))) // same write as b

        Thread.sleep(forTimeInterval: window + 0.2) // quiet for longer than the window
        let sentD = Date()
        connection.send(text: "d")
        #expect(client.receiveMessage(timeout: window * 2) == .text(Array("d".utf8)))
        #expect(Date().timeIntervalSince(sentD) < window - 1, "d was held after a quiet spell")
        client.disconnect()
    }

    /// Window 0 (the default) writes every turn: back-to-back frames arrive without waiting.
    @Test func noWindowWritesEveryTurn() throws {
        let fixture = try OneClientServer()
        defer { fixture.stop() }
        let (client, connection) = (fixture.client, fixture.connection)
        for i in 0..<5 {
            connection.send(text: "\(i)")
            #expect(client.receiveMessage(timeout: 5 * testTimeScale) == .text(Array("\(i)".utf8)))
        }
        client.disconnect()
    }
}
