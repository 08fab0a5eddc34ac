import Foundation
import Testing

extension EndToEnd {
    /// `allowed-origins` reaches the handshake as origins, not strings: the listed ones however a
    /// browser writes them, public-url's, and the page's own Host pass the origin check (and then
    /// meet the credential check: 401 here, with none given); any other origin gets 403.
    @Suite("Allowed origins") struct AllowedOriginsTests {
        @Test("listed, public-url's and same-origin pages pass; others get 403")
        func originsCompareAsOrigins() throws {
            let server = try TestServer {
                $0.allowedOrigins = ["https://App.example/", "http://localhost:3000"]
                $0.publicURL = "https://tandem.example:443/base"
            }
            defer { server.stop() }
            func status(_ origin: String) throws -> Int {
                try SourceAddressHandshake.attempt(port: server.port, from: "127.0.0.1", target: "/ws",
                                                   headers: [("Origin", origin)]).status
            }
            for passing in ["https://app.example", "https://APP.example:443", "http://localhost:3000",
                            "https://tandem.example", "http://127.0.0.1:\(server.port)"] {
                #expect(try status(passing) == 401, "\(passing)")
            }
            for refused in ["https://evil.example", "http://app.example", "https://app.example:8443",
                            "http://localhost:3001", "null", "http://127.0.0.1"] {
                #expect(try status(refused) == 403, "\(refused)")
            }
        }
    }
}
