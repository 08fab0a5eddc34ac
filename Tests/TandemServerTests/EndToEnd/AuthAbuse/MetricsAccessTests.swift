import Foundation
import Testing

extension EndToEnd {
    /// /metrics goes to the addresses in `metrics-from` (this machine by default), the client
    /// named as `trusted-proxies` resolve it.
    @Suite("Metrics access") struct MetricsAccessTests {
        @Test("by default only this machine reads /metrics; metrics-from widens it; a proxy's client counts")
        func onlyListedAddressesReadMetrics() throws {
            let local = try TestServer { $0.trustedProxies = ["127.0.0.4"] }
            defer { local.stop() }
            func status(_ server: TestServer, from source: String, forwardedFor: String? = nil) throws -> Int {
                try SourceAddressHandshake.attempt(port: server.port, from: source, target: "/metrics",
                                                   headers: forwardedFor.map { [("X-Forwarded-For", $0)] } ?? [], upgrade: false).status
            }
            #expect(try status(local, from: "127.0.0.1") == 200)
            #expect(try status(local, from: "127.0.0.2") == 200, "all of 127/8 is this machine")
            #expect(try status(local, from: "127.0.0.4", forwardedFor: "198.51.100.7") == 403, "a remote client behind the proxy")
            #expect(try status(local, from: "127.0.0.4", forwardedFor: "127.0.0.1") == 200)
            #expect(try status(local, from: "127.0.0.2", forwardedFor: "198.51.100.7") == 200, "an untrusted peer's header is ignored")

            let monitoring = try TestServer { $0.metricsFrom = ["127.0.0.3"] }
            defer { monitoring.stop() }
            #expect(try status(monitoring, from: "127.0.0.3") == 200)
            #expect(try status(monitoring, from: "127.0.0.1") == 403)
            #expect(try status(monitoring, from: "127.0.0.2") == 403)
            let open = try TestServer { $0.metricsFrom = ["any"] }
            defer { open.stop() }
            #expect(try status(open, from: "127.0.0.2") == 200)
        }
    }
}
