import Foundation
import Testing
@testable import TandemTransport

@Suite("Runtime: send batches")
struct SendBatchTests {
    /// Sends, broadcasts and a close made off the loops inside one batch reach each connection in
    /// the order they were made, nothing before the batch ends, and the close last.
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
            // Still inside the batch: nothing has been handed to the loops yet.
            usleep(50_000)
            #expect(app.messages.isEmpty)
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
