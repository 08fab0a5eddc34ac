import Dispatch
import Testing
@testable import TandemTransport

/// Empty frames read on several threads at once (each loop, and each client, has its own reader).
/// `[UInt8](unsafeUninitializedCapacity: 0)` hands back the standard library's one shared empty
/// array and writes its count (0) into it: under ThreadSanitizer two readers doing so at once were
/// a data race on `_swiftEmptyArrayStorage` (reported in `LifecycleAndPresence.idleTimeout`, a
/// loop's empty ping against the test client's). Run it with Tests/sanitizers/run thread.
@Suite("MessageReader: empty payloads on many threads")
struct EmptyPayloadConcurrencyTests {
    @Test func emptyFramesReadOnFourThreadsAtOnce() {
        let frames = rawFrame(opcode: 9) + rawFrame(opcode: 10) + rawFrame(opcode: 2) + rawFrame(opcode: 1)
        let rounds = 2_000
        let results = LockedCounts()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            var reader = MessageReader(role: .server)
            var right = 0
            for _ in 0..<rounds {
                reader.append(frames)
                var seen: [WebSocketEvent] = []
                while let event = try? reader.next() { seen.append(event) }
                if seen == [.ping([]), .pong([]), .binary([]), .text([])] { right += 1 }
            }
            results.add(right)
        }
        #expect(results.total == 4 * rounds)
    }
}

/// A total several threads add to.
private final class LockedCounts: @unchecked Sendable {
    // Safe: `sum` is only touched under `lock`.
    private let lock = TransportLock()
    private var sum = 0
    func add(_ n: Int) { lock.withLock { sum += n } }
    var total: Int { lock.withLock { sum } }
}
