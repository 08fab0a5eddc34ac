import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// A client whose process exits ends its side of the TCP connection without a close frame. The
    /// server keeps the socket up to `closeTimeout` (5 s) for answers still on their way, but the
    /// place the client held under `max-connections-per-user` and its presence go at once: a client
    /// restarted right away was refused 429, and showed online, for those 5 s.
    @Suite("A peer that ends without a close frame") struct PeerEndTests {
        /// Upgrades a raw socket as `token`, joins `session` with one masked text frame, reads what
        /// came back, and returns the socket.
        private func rawMember(port: UInt16, token: String, joining session: String) throws -> Int32 {
            let fd = try RawSocket.connect(port: port)
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let upgrade = "GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Protocol: tandem.v1\r\nAuthorization: Bearer \(token)\r\n\r\n"
            let request = #"{"id":1,"op":"session.join","session":"\#(session)"}"#
            // A masked text frame; a zero mask leaves the payload as it is.
            let frame = [0x81, 0x80 | UInt8(request.utf8.count), 0, 0, 0, 0] + Array(request.utf8)
            for bytes in [Array(upgrade.utf8), frame] {
                // Safe: the pointer is lent to the call only and not kept.
                _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
            var received = ""
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !received.contains(#""id":1"#) {
                let n = recv(fd, &buffer, buffer.count, 0)
                guard n > 0 else { throw TestFailure("no join answer: \(received)") }
                received += String(decoding: buffer[..<n], as: UTF8.self)
            }
            #expect(received.hasPrefix("HTTP/1.1 101") && received.contains(#""ok":true"#), "\(received)")
            return fd
        }

        @Test func itsPlaceAndPresenceGoAtOnce() throws {
            // A close timeout far past the bounds below: a place kept until it would outlast them.
            let harness = try TestServer { $0.maxConnectionsPerUser = 1; $0.closeTimeoutSeconds = 60 * testTimeScale }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let bob = try harness.user("bob")
            try harness.session("s-gone", owner: alice, members: [(bob, .read)])
            let watcher = try harness.connect(alice)
            try watcher.ok("session.join", ["session": "s-gone"])
            let fd = try rawMember(port: harness.port, token: bob.token, joining: "s-gone")
            defer { close(fd) }
            #expect(watcher.nextPresence(of: "bob")?["action"] == "joined")
            #expect(TandemTestClient.handshakeStatus(port: harness.port, .bearer(bob.token)) == 429, "the one place is taken")

            let ended = Date()
            shutdown(fd, Int32(SHUT_WR))
            let left = watcher.nextPresence(of: "bob", timeout: 20 * testTimeScale)
            #expect(left?["action"] == "left", "\(String(describing: left))")
            #expect(TandemTestClient.handshakeStatus(port: harness.port, .bearer(bob.token)) == nil, "restarted at once, it gets in")
            #expect(Date().timeIntervalSince(ended) < 10 * testTimeScale, "long before closeTimeout")
        }
    }
}
