import Foundation
import Synchronization
import Testing
@testable import TandemTransport

/// A client whose TLS handshake failed closed its socket, and then closed the same descriptor number
/// again as it was released (an init that throws once every property is set runs `deinit`): by then
/// the number may be another thread's socket or file, which lost it. Seen as a test reading another
/// test's TLS bytes on its own socket.
@Suite("Client: a failed TLS handshake closes its socket once")
struct ClientSocketCloseTests {
    @Test func aFailedHandshakeDoesNotCloseAnotherThreadsDescriptor() throws {
        // A plain server: the client's TLS hello gets an HTTP 400, and the handshake fails.
        let server = try TestServer({ $0.loopCount = 1 }, application: RecordingApp())
        defer { server.stop() }
        let stop = Atomic<Bool>(false)
        let lost = Atomic<Int>(0)
        let opened = Atomic<Int>(0)
        // Opens the lowest free number again and again (the number a close just freed) and checks
        // that it still names the file it opened a moment later.
        let watcher = Thread {
            var expected = stat()
            _ = stat("/dev/null", &expected)
            while !stop.load(ordering: .relaxed) {
                let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { continue }
                opened.add(1, ordering: .relaxed)
                for _ in 0..<200 { _ = getpid() }
                var now = stat()
                if fstat(fd, &now) != 0 || now.st_ino != expected.st_ino || now.st_dev != expected.st_dev {
                    lost.add(1, ordering: .relaxed)
                    continue // not ours any more: never close it
                }
                close(fd)
            }
        }
        watcher.start()
        var failed = 0
        for _ in 0..<300 {
            do {
                _ = try ClientSocket(host: "127.0.0.1", port: server.port, tls: TLSClientConfiguration(verifyPeer: false), timeout: 5)
            } catch {
                failed += 1
            }
        }
        stop.store(true, ordering: .relaxed)
        while !watcher.isFinished { Thread.sleep(forTimeInterval: 0.01) }
        #expect(failed == 300, "every handshake with a plain server fails")
        #expect(opened.load(ordering: .relaxed) > 300, "the watcher ran alongside")
        #expect(lost.load(ordering: .relaxed) == 0, "descriptors another thread held were closed under it")
    }
}
