import Foundation
import Synchronization
import Testing
@testable import TandemTransport

/// A loop that did not run for a while (its process stopped with SIGSTOP or by a debugger, a
/// suspended VM, a task that blocked the loop): the monotonic clock went on, so every idle deadline
/// fell due during the stall, but no ping could go out in it.
@Suite("Runtime: idle deadlines across a stalled loop")
struct LoopStallTests {
    /// Reads `client` on a thread of its own (answering pings, as a live peer does) until told to
    /// stop; returns the pings seen and the close code, if the server closed.
    final class Reader: Sendable {
        let pings = Atomic<Int>(0)
        let closeCode = Mutex<UInt16?>(nil)
        let disconnected = Atomic<Bool>(false)
        let done = Atomic<Bool>(false)

        init(_ client: WebSocketClient) {
            Thread { [self] in
                while !done.load(ordering: .acquiring) {
                    switch client.receive(timeout: 0.05) {
                    case .event(.ping): pings.add(1, ordering: .relaxed)
                    case .event(.close(let code, _)): closeCode.withLock { $0 = code }
                    case .disconnected, .protocolError:
                        disconnected.store(true, ordering: .releasing)
                        return
                    default: continue
                    }
                }
            }.start()
        }

        var closed: Bool { disconnected.load(ordering: .acquiring) || closeCode.withLock { $0 } != nil }
        func stop() { done.store(true, ordering: .releasing) }
    }

    @Test func aLivePeerIsPingedAfterAStallNotClosedAsIdle() throws {
        // The stall (4 s) is longer than the whole idle timeout (3 s). The answer window (idle - ping
        // = 2.5 s) is what a live peer's reading thread has to answer the ping after the stall: on a
        // loaded host that thread can wait its turn for a second (a 0.4 s window was missed so).
        // Broken code (closing on lastActivity + idle) closes the live peer as the stall ends.
        let scale = testTimeScale
        let setup = try OneClientServer { $0.pingInterval = 0.5 * scale; $0.idleTimeout = 3 * scale }
        defer { setup.stop() }
        let live = Reader(setup.client)
        defer { live.stop() }
        #expect(eventually { live.pings.load(ordering: .relaxed) >= 2 })
        // Never answers pings: opened just before the stall, its first ping falls due in it.
        let mute = try WebSocketClient(url: setup.server.url, options: .init(autoPong: false))
        let silent = Reader(mute)
        defer { silent.stop() }
        let stalled = Atomic<Bool>(false)
        setup.connection.loop.execute {
            usleep(UInt32(4_000_000 * scale))
            stalled.store(true, ordering: .releasing)
        }
        #expect(eventually(timeout: 30) { stalled.load(ordering: .acquiring) })
        let pingsBeforeTheStallEnded = live.pings.load(ordering: .relaxed)
        // The live peer is asked first, answers, and stays: past another idle timeout.
        Thread.sleep(forTimeInterval: 3 * scale)
        #expect(!live.closed, "a peer that answers pings was closed as idle right after the loop's stall")
        #expect(live.pings.load(ordering: .relaxed) >= pingsBeforeTheStallEnded + 2, "pinged on after the stall")
        // The mute one is pinged after the stall too, and closed when it leaves that ping unanswered.
        #expect(eventually(timeout: 30) { silent.closed })
        #expect(silent.closeCode.withLock { $0 } == 1001)
        #expect(silent.pings.load(ordering: .relaxed) >= 1)
    }
}
