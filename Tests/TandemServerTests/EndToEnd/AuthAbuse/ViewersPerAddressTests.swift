import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// `max-viewers-per-address`: one client address holds at most that many of a share link's viewer
    /// places (`max-connections-per-user`), so one holder of a link cannot take every place from the
    /// others it was given to. Behind a trusted proxy the client its `X-Forwarded-For` names counts.
    @Suite("Viewers per address on one link") struct ViewersPerAddressTests {
        static let proxy = "127.0.0.4"

        /// A viewer upgrade on `secret` from `source`; the socket stays open (the caller closes it).
        static func view(_ harness: TestServer, _ secret: String, from source: String,
                         forwardedFor: String? = nil) throws -> (fd: Int32, status: Int, retryAfter: String?) {
            let headers = forwardedFor.map { [("X-Forwarded-For", $0)] } ?? []
            let (fd, answer) = try SourceAddressHandshake.open(port: harness.port, from: source, target: "/s/\(secret)", headers: headers)
            return (fd, answer.status, answer.headers["retry-after"])
        }

        static func link(_ harness: TestServer) throws -> String {
            let alice = try harness.user("alice")
            try harness.session("s", owner: alice)
            return try harness.connect(alice).ok("share.create", ["session": "s", "expires_in": 3600]).string("secret")
        }

        @Test("one address past its share of a link gets 429, another address and another link still get in, a close frees a place")
        func oneAddressCannotTakeEveryPlace() throws {
            let log = CapturedLog()
            let harness = try TestServer(log: log) { $0.maxViewersPerAddress = 2; $0.maxConnectionsPerUser = 4 }
            defer { harness.stop() }
            let secret = try Self.link(harness)
            var held: [Int32] = []
            defer { held.forEach { close($0) } }
            for _ in 0..<2 {
                let opened = try Self.view(harness, secret, from: "127.0.0.2")
                held.append(opened.fd)
                #expect(opened.status == 101)
            }
            let third = try Self.view(harness, secret, from: "127.0.0.2")
            close(third.fd)
            #expect(third.status == 429)
            #expect(third.retryAfter == "5")
            let line = log.all.last { $0.message == "handshake refused" && $0.metadata["status"] == "429" }
            #expect(line?.metadata["reason"] == "viewers per link per address" && line?.metadata["client"] == "127.0.0.2")
            // The link's other places are still there for the rest of the people it was given to.
            for _ in 0..<2 {
                let other = try Self.view(harness, secret, from: "127.0.0.3")
                held.append(other.fd)
                #expect(other.status == 101)
            }
            // The link itself is full now (max-connections-per-user): 429 from any address.
            let full = try Self.view(harness, secret, from: "127.0.0.5")
            close(full.fd)
            #expect(full.status == 429)
            // A refused handshake took no place: a close from the first address frees one for it.
            close(held.removeFirst())
            #expect(eventually(timeout: 5, every: 0.05) {
                guard let again = try? Self.view(harness, secret, from: "127.0.0.2") else { return false }
                if again.status == 101 { held.append(again.fd) } else { close(again.fd) }
                return again.status == 101
            })
        }

        @Test("behind a trusted proxy each forwarded client has its own share; 0 turns the limit off")
        func forwardedClientsCountApart() throws {
            let harness = try TestServer { $0.maxViewersPerAddress = 1; $0.trustedProxies = [Self.proxy] }
            defer { harness.stop() }
            let secret = try Self.link(harness)
            var held: [Int32] = []
            defer { held.forEach { close($0) } }
            let first = try Self.view(harness, secret, from: Self.proxy, forwardedFor: "198.51.100.7")
            held.append(first.fd)
            #expect(first.status == 101)
            let again = try Self.view(harness, secret, from: Self.proxy, forwardedFor: "198.51.100.7")
            close(again.fd)
            #expect(again.status == 429)
            let other = try Self.view(harness, secret, from: Self.proxy, forwardedFor: "198.51.100.8")
            held.append(other.fd)
            #expect(other.status == 101)

            let open = try TestServer { $0.maxViewersPerAddress = 0; $0.maxConnectionsPerUser = 3 }
            defer { open.stop() }
            let openSecret = try Self.link(open)
            for _ in 0..<3 {
                let viewer = try Self.view(open, openSecret, from: "127.0.0.2")
                held.append(viewer.fd)
                #expect(viewer.status == 101)
            }
        }
    }
}
