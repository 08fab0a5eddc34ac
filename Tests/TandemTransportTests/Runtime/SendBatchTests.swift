import Foundation
import Testing
@testable import TandemTransport

@Suite("Runtime: send batches")
struct SendBatchTests {
    /// Sends, broadcasts and a close made off the loops inside one batch reach each connection in
    /// the order they were made, and the close last.
    @Test func collectedSendsArriveInOrderAfterTheBatch() throws {
        let app = RecordingApp(echo: false)
        let server = try TestServer({ $0.loopCount = 2 }, application: app)
        defer { server.stop() }
        let clients = try (0..<6).map { _ in try WebSocketClient(url: server.url) }
        #expect(eventually { app.opened.count == 6 })
        let connections = app.opened
        // Which client is which connection: tell each its index.
        for (index, connection) in connections.enumerated() { connection.send(text: "\(index)") }
        var clientOf: [Int: WebSocketClient] = [:]
        for client in clients {
            guard case .text(let bytes)? = client.receiveMessage(), let index = Int(String(decoding: bytes, as: UTF8.self)) else {
                Issue.record("no index message"); return
            }
            clientOf[index] = client
        }
        #expect(clientOf.count == 6)
        let first = connections[0]
        SendBatch.collect {
            first.send(text: "one")
            WebSocketConnection.broadcast(SharedFrame(text: "two"), to: connections)
            SendBatch.collect { first.send(text: "three") } // nested: joins the outer batch
            first.close(code: 4001, reason: "done")
            WebSocketConnection.broadcast(SharedFrame(text: "four"), to: Array(connections.dropFirst()))
        }
        let firstClient = clientOf[0]!
        #expect(firstClient.receiveMessage() == .text(Array("one".utf8)))
        #expect(firstClient.receiveMessage() == .text(Array("two".utf8)))
        #expect(firstClient.receiveMessage() == .text(Array("three".utf8)))
        var closeCode: UInt16?
        while case .event(let event) = firstClient.receive(timeout: 2) {
            if case .close(let code, _) = event { closeCode = code; break }
        }
        #expect(closeCode == 4001)
        for index in 1..<connections.count {
            let client = clientOf[index]!
            #expect(client.receiveMessage() == .text(Array("two".utf8)))
            #expect(client.receiveMessage() == .text(Array("four".utf8)))
        }
        clients.forEach { $0.disconnect() }
    }

    /// A send queued inside a batch that has not ended yet still goes before a send another thread
    /// makes afterwards without a batch: the session fan-out hands events over in sequence order from
    /// several threads (completions batched, the work pool not), and members must get them in that order.
    @Test func aBatchDoesNotLetLaterSendsFromOtherThreadsOvertakeIt() throws {
        let fixture = try OneClientServer()
        defer { fixture.stop() }
        let (client, connection) = (fixture.client, fixture.connection)
        for round in 0..<20 {
            let queued = DispatchSemaphore(value: 0)
            let release = DispatchSemaphore(value: 0)
            let batchThread = Thread {
                SendBatch.collect {
                    connection.send(text: "first \(round)")
                    queued.signal()
                    release.wait() // the batch stays open while the other thread sends
                }
            }
            batchThread.start()
            queued.wait()
            connection.send(text: "second \(round)") // no batch: queued and woken at once
            usleep(2_000)
            release.signal()
            #expect(client.receiveMessage(timeout: 3) == .text(Array("first \(round)".utf8)))
            #expect(client.receiveMessage(timeout: 3) == .text(Array("second \(round)".utf8)))
        }
        client.disconnect()
    }

    /// Grouping by loop covers every connection once, whatever loop it landed on.
    @Test func connectionGroupsCoverEveryConnection() throws {
        let app = RecordingApp(echo: false)
        let server = try TestServer({ $0.loopCount = 3 }, application: app)
        defer { server.stop() }
        let clients = try (0..<12).map { _ in try WebSocketClient(url: server.url) }
        #expect(eventually { app.opened.count == 12 })
        let groups = ConnectionGroups(app.opened)
        #expect(groups.count == 12)
        #expect(Set(groups.groups.flatMap { $0.members.map(\.id) }).count == 12)
        #expect(groups.groups.allSatisfy { group in group.members.allSatisfy { $0.loop === group.loop } })
        clients.forEach { $0.disconnect() }
    }
}
