import Dispatch
import Foundation
import Testing
@testable import TandemTransport

/// At max-connections with several loops, a member accepted beyond the limit on a loop with no
/// silent socket of its own had its places freed by another loop's sweep, a task sent to that
/// loop: a request that arrived before the task ran was answered 503 (the first attempt failed, a
/// retry got in). Its answer now waits for the other loops' sweeps, without holding its own loop.
@Suite("Runtime: a member beyond the limit waits for the other loops' sweeps")
struct SweepAcrossLoopsTests {
    /// Connections (answered or not) one loop holds, read on that loop's thread.
    private func held(by index: Int, of server: WebSocketServer, timeout: Double = 5) -> Int? {
        let serverLoop = server.serverLoops[index]
        let box = LockedBox<Int?>(nil)
        let done = DispatchSemaphore(value: 0)
        serverLoop.loop.execute {
            box.withLock { $0 = serverLoop.connections.count }
            done.signal()
        }
        guard done.wait(timeout: .now() + timeout) == .success else { return nil }
        return box.withLock { $0 }
    }

    @Test func theFirstAttemptGetsInWhenTheSilentSocketsAreOnAnotherLoop() throws {
        let app = RecordingApp()
        let server = try TestServer({
            $0.loopCount = 2
            $0.maxConnections = 3
            $0.handshakeTimeout = 30
            $0.staleHandshakeAge = 0.2
        }, application: app)
        defer { server.stop() }
        let transport = server.server
        var raced = 0
        var rounds = 0
        while raced < 3 && rounds < 40 {
            rounds += 1
            // Every place taken by silent sockets, all on loop 0.
            var silent: [RawSocket] = []
            while silent.count < 3 {
                var socket: RawSocket? = try RawSocket(port: server.port)
                #expect(eventually { transport.connectionCount == silent.count + 1 })
                if held(by: 1, of: transport) == 0 {
                    silent.append(socket!)
                } else {
                    socket = nil // on loop 1: closed (its EOF closes it there too)
                    #expect(eventually { transport.connectionCount == silent.count })
                }
            }
            Thread.sleep(forTimeInterval: 0.3) // all stale now
            // Loop 0 is held up for a while, as a busy loop is: its sweep runs late.
            transport.serverLoops[0].loop.execute { usleep(300_000) }
            var member: RawSocket? = try RawSocket(port: server.port)
            if eventually(timeout: 0.1, { held(by: 1, of: transport, timeout: 0.1) == 1 }) {
                // Accepted by loop 1, beyond the limit; the places are on loop 0, not yet swept.
                raced += 1
                member!.send(upgradeRequest())
                // The first bytes of the answer are enough (a 101 leaves the connection open).
                let answer = String(decoding: member!.readAll(timeout: 5, limit: 12), as: UTF8.self)
                #expect(answer.hasPrefix("HTTP/1.1 101"), "round \(rounds): refused although silent sockets held every place")
            }
            silent.removeAll()
            member = nil
            #expect(eventually { transport.connectionCount == 0 && held(by: 1, of: transport) == 0 })
        }
        #expect(raced == 3, "the member never landed on loop 1 in \(rounds) rounds")
    }
}
