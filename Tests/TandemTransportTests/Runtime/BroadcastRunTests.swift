import Foundation
import Testing
@testable import TandemTransport

@Suite("Runtime: broadcast runs")
struct BroadcastRunTests {
    /// A run takes more frames only while it is the last task queued on its loop and the loop has
    /// not taken it: anything queued behind it, from any thread, closes it.
    @Test func aRunGrowsOnlyWhileItIsTheLastTaskAndNotTaken() throws {
        let loop = try EventLoop(index: 0)
        let frames = (0..<4).map { SharedFrame(text: "f\($0)") }
        let run = BroadcastRun(first: frames[0], members: [])
        loop.enqueueWithoutWake(run)
        #expect(loop.append(frames[1], to: run))
        #expect(loop.append(frames[2], to: run))
        loop.enqueueWithoutWake {}
        #expect(!loop.append(frames[3], to: run), "a task queued behind the run closes it")
        #expect(run.frames.map(\.payloadCount) == [2, 2, 2])

        try loop.start(name: "run-test")
        defer { loop.stopAndJoin() }
        let waiting = BroadcastRun(first: frames[0], members: [])
        loop.enqueueWithoutWake(waiting)
        loop.wakeForQueuedTasks()
        // Once the loop has taken it, appending would lose the frame: refused.
        #expect(eventually { !loop.append(frames[1], to: waiting) })
    }

    /// Broadcasts made in one batch reach every member in order, whether they formed one run or
    /// were split by a direct send or another audience; a member with permessage-deflate gets them
    /// compressed one by one; `sendAfterBatch` frames come after the batch's broadcasts.
    @Test func runsKeepEveryMembersOrderAndLateFramesComeLast() throws {
        let app = RecordingApp(echo: false)
        let server = try TestServer({ $0.loopCount = 1; $0.upgrade.deflate = DeflateConfiguration(compressionThreshold: 4) },
                                    application: app)
        defer { server.stop() }
        let plain = try (0..<2).map { _ in try WebSocketClient(url: server.url) }
        let compressing = try WebSocketClient(url: server.url, options: .init(deflate: true))
        #expect(eventually { app.opened.count == 3 })
        let connections = app.opened
        for (index, connection) in connections.enumerated() { connection.send(text: "\(index)") }
        var clientOf: [Int: WebSocketClient] = [:]
        for client in plain + [compressing] {
            guard case .text(let bytes)? = client.receiveMessage(), let index = Int(String(decoding: bytes, as: UTF8.self)) else {
                Issue.record("no index message"); return
            }
            clientOf[index] = client
        }
        let everyone = ConnectionGroups(connections)
        let others = ConnectionGroups(connections.dropFirst())
        let first = connections[0]
        var expectedFirst: [String] = []
        var expectedOthers: [String] = []
        var late: [String] = []
        SendBatch.collect {
            for i in 0..<60 {
                let text = "event \(i) " + String(repeating: "x", count: i)
                WebSocketConnection.broadcast(SharedFrame(text: text), to: everyone)
                expectedFirst.append(text)
                expectedOthers.append(text)
                if i % 10 == 0 {
                    first.sendAfterBatch(SharedFrame(text: "answer \(i)"))
                    late.append("answer \(i)")
                }
                if i == 20 {
                    first.send(text: "direct")
                    expectedFirst.append("direct")
                }
                if i == 40 {
                    WebSocketConnection.broadcast(SharedFrame(text: "others only"), to: others)
                    expectedOthers.append("others only")
                }
            }
        }
        expectedFirst += late
        for (index, client) in clientOf.sorted(by: { $0.key < $1.key }) {
            let expected = index == 0 ? expectedFirst : expectedOthers
            var got: [String] = []
            for _ in expected {
                guard case .text(let bytes)? = client.receiveMessage(timeout: 5) else { break }
                got.append(String(decoding: bytes, as: UTF8.self))
            }
            #expect(got == expected, "connection \(index)")
        }
        #expect(compressing.deflate != nil)
        (plain + [compressing]).forEach { $0.disconnect() }
    }

    /// A batch's `sendAfterBatch` frames reach their loop as one task, however many there are, and
    /// each connection gets its own in the order they were sent.
    @Test func lateFramesAreOneTaskPerLoop() throws {
        let app = RecordingApp(echo: false)
        let server = try TestServer({ $0.loopCount = 1 }, application: app)
        defer { server.stop() }
        let clients = try (0..<2).map { _ in try WebSocketClient(url: server.url) }
        #expect(eventually { app.opened.count == 2 })
        let connections = app.opened
        let loop = connections[0].loop
        let before = loop.queuedTaskCount
        SendBatch.collect {
            for i in 0..<10 { connections[i % 2].sendAfterBatch(SharedFrame(text: "answer \(i)")) }
        }
        #expect(loop.queuedTaskCount == before + 1)
        let got = clients.map { client in
            (0..<5).compactMap { _ -> String? in
                guard case .text(let bytes)? = client.receiveMessage(timeout: 5) else { return nil }
                return String(decoding: bytes, as: UTF8.self)
            }
        }
        let expected = (0..<2).map { parity in stride(from: parity, to: 10, by: 2).map { "answer \($0)" } }
        #expect(Set(got) == Set(expected))
        clients.forEach { $0.disconnect() }
    }

    /// Outside a batch, or on the connection's own loop, `sendAfterBatch` is a plain send.
    @Test func sendAfterBatchOutsideABatchSendsAtOnce() throws {
        let fixture = try OneClientServer()
        defer { fixture.stop() }
        let (client, connection) = (fixture.client, fixture.connection)
        connection.sendAfterBatch(SharedFrame(text: "now"))
        #expect(client.receiveMessage() == .text(Array("now".utf8)))
        connection.loop.execute {
            SendBatch.collect {
                connection.sendAfterBatch(SharedFrame(text: "one"))
                connection.send(text: "two")
            }
        }
        #expect(client.receiveMessage() == .text(Array("one".utf8)))
        #expect(client.receiveMessage() == .text(Array("two".utf8)))
        client.disconnect()
    }
}
